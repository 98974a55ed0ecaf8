"""How the devices are shown in `devices list`, `status` and `doctor`: one line each, in words."""

from __future__ import annotations

import time


def when(seconds: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(seconds)) if seconds else "never"


def device_line(row: dict) -> str:
    line = f"  {row['name']:<16} UDP {row['port']:<6} added {when(row['added'])}, last seen {when(row['last_seen'])}"
    return line + (f"  ({row['problem']})" if row.get("problem") else "")


def reach_words(address: str, ports: list[int]) -> str:
    """Which address and port a phone must reach, and what to forward for use away from home."""
    where = f"UDP port {ports[0]}" if len(ports) == 1 else "UDP ports " + ", ".join(map(str, ports))
    return (f"A device on this network reaches nocontact at {address}, {where}. Away from home, forward the same "
            f"{where} on your router to this machine, and give the device a config with your home's public address "
            "or name: nocontact devices show NAME --endpoint HOST.")


def rows_with_seen(found: list, seen: dict[str, float], live: dict[str, dict]) -> list[dict]:
    """Each device's summary with when it was last seen: as the running agent says, else as last saved."""
    rows = []
    for device in found:
        row = {**device.summary(), "last_seen": seen.get(device.name), "problem": None}
        if device.name in live:
            row["last_seen"] = live[device.name]["last_seen"] or row["last_seen"]
            row["problem"] = live[device.name]["problem"]
        rows.append(row)
    return rows


def device_rows(data_dir, api=None) -> tuple[list[dict], list[str]]:
    """Every device with when it was last seen; `api`: the running agent's API call, when it runs."""
    from agent import devices
    from agent.device_runner import read_seen
    from agent.errors import UserError

    found, problems = devices.all_devices(data_dir)
    live = {}
    if api is not None and found:
        try:
            live = {d["name"]: d for d in api("/api/devices")}
        except UserError:
            pass  # not answering: the saved times stand
    return rows_with_seen(found, read_seen(data_dir), live), problems
