"""The running agent's side of devices: a WireGuard listener for each, kept in step with the device files.

A device added by `nocontact devices add` is listening within DEVICES_POLL_SECONDS, with no restart. A device
whose listener cannot start (its port taken by another program) is said once, in the log and a notification,
and the computer's proxy and the other devices go on.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from pathlib import Path

from agent.agent import Agent
from agent.paths import write_whole

log = logging.getLogger("nocontact")

DEVICES_POLL_SECONDS = 2.0
RETRY_SECONDS = 30.0  # a listener whose port another program held is tried again this often


class NoKeys(logging.Filter):
    """mitmproxy logs each WireGuard listener's client config, the device's private key in it, at INFO: whatever
    the log level, a device's key never reaches the terminal or the system log."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "PrivateKey" not in record.getMessage()


logging.getLogger("mitmproxy.proxy.mode_servers").addFilter(NoKeys())
SEEN_SAVE_SECONDS = 60.0


def seen_path(data_dir: Path) -> Path:
    return Path(data_dir) / "devices-seen.json"


def read_seen(data_dir: Path) -> dict[str, float]:
    """When each device was last seen, as the agent last saved it (empty when never, or unreadable)."""
    try:
        data = json.loads(seen_path(data_dir).read_text(encoding="utf-8"))
        return {str(k): float(v) for k, v in data.items()}
    except (OSError, ValueError, TypeError, AttributeError):
        return {}


async def apply_modes(agent: Agent, master, tried: dict[str, float]) -> None:
    """Give mitmproxy one WireGuard listener per device, then note any that could not start (and try those again
    now and then: `tried` holds when each was last tried)."""
    tunnels = agent.tunnels
    wanted = tunnels.modes()
    current = list(master.options.mode)
    if [m for m in current if m.startswith("wireguard:")] != wanted:
        master.options.update(mode=[m for m in current if not m.startswith("wireguard:")] + wanted)
        proxyserver = master.addons.get("proxyserver")
        if proxyserver._update_task is not None:  # mitmproxy starts and stops listeners in this task
            await proxyserver._update_task
    proxyserver = master.addons.get("proxyserver")
    now = asyncio.get_running_loop().time()
    for device in tunnels.devices.values():
        instance = next((i for i in proxyserver.servers
                         if i.mode.type_name == "wireguard" and i.mode.custom_listen_port == device.port), None)
        if instance is not None and not instance.is_running and now - tried.get(device.name, 0) >= RETRY_SECONDS:
            tried[device.name] = now  # the port may be free again: no restart needed once it is
            with contextlib.suppress(Exception):  # what went wrong stays in instance.last_exception
                await instance.start()
        problem = None
        if instance is None or not instance.is_running:
            error = getattr(instance, "last_exception", None)
            problem = f"UDP port {device.port} could not be opened ({error or 'not started'})"
        if problem and tunnels.problems.get(device.name) != problem:
            log.error("The device %s cannot connect: %s. `nocontact doctor` says what to check.", device.name, problem)
            agent.guard_event("device", f"the device {device.name} cannot connect: {problem}")
        if problem:
            tunnels.problems[device.name] = problem
        elif tunnels.problems.pop(device.name, None):
            log.warning("The device %s can connect again (UDP port %d).", device.name, device.port)
            agent.note_event("device", f"the device {device.name} can connect again")


async def run_devices(agent: Agent, master) -> None:
    while agent.address is None:
        await asyncio.sleep(0.2)
    tunnels = agent.tunnels
    tunnels.last_seen.update(await asyncio.to_thread(read_seen, tunnels.data_dir))
    saved: dict[str, float] = dict(tunnels.last_seen)
    tried: dict[str, float] = {}
    saved_at = 0.0
    while True:
        for line in await asyncio.to_thread(tunnels.refresh):
            log.warning("Devices: %s.", line)
        await apply_modes(agent, master, tried)
        for name, when in tunnels.newly_quiet(agent.config.devices.quiet_after):
            # Calm: a phone out of reach or switched off is life, not a failure.
            agent.note_event("device", f"{name} not connected since {time.strftime('%H:%M', time.localtime(when))}")
        first_time = set(tunnels.last_seen) - set(saved)  # a device's first join is kept at once
        if tunnels.last_seen != saved and (first_time or time.monotonic() - saved_at >= SEEN_SAVE_SECONDS):
            saved, saved_at = dict(tunnels.last_seen), time.monotonic()
            data = json.dumps(saved).encode()
            await asyncio.to_thread(write_whole, seen_path(tunnels.data_dir), data)
        await asyncio.sleep(DEVICES_POLL_SECONDS)
