"""`nocontact devices`: the person's phone and other devices, joined through WireGuard."""

from __future__ import annotations

import json
import time

from agent import paths
from agent.errors import UserError

QR_HINT = ("In the WireGuard app: add a tunnel, scan from QR code (or import the config as a file), and switch it "
           "on. Then open http://nocontact.home.arpa/ on the device to trust nocontact's certificate.")


def _qr(text: str) -> str:
    import io

    import segno

    out = io.StringIO()
    segno.make(text, error="l", micro=False).terminal(out=out, compact=True)
    return out.getvalue()


def _show(device, as_json: bool, first: bool) -> None:
    config = device.client_config()
    if as_json:
        print(json.dumps({"name": device.name, "port": device.port, "config": config}))
        return
    print(f"{'Added' if first else 'Device'} {device.name}: it joins on UDP port {device.port} at {device.endpoint}.")
    print(_qr(config), end="")
    print(config)
    print(QR_HINT)
    print("This config holds the device's key: keep it to yourself. `nocontact devices show "
          f"{device.name}` prints it again.")


def _reach_words(device) -> str:
    return (f"A phone on this network reaches it at {device.endpoint} (UDP {device.port}). Away from home, forward "
            f"UDP port {device.port} on your router to this machine and add the device with --endpoint set to your "
            "home's public address or name.")


def cmd_add(args) -> int:
    from agent import devices

    device = devices.add(paths.home(), args.name, endpoint=args.endpoint, port=args.port)
    _show(device, args.json, first=True)
    if not args.json:
        print(_reach_words(device))
        from agent.state import running

        if running(paths.home()) is None:
            print("nocontact is not running; the device is guarded once it runs (nocontact run).")
    return 0


def cmd_show(args) -> int:
    from agent import devices

    _show(devices.named(paths.home(), args.name), args.json, first=False)
    return 0


def _when(seconds: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(seconds)) if seconds else "never"


def listing() -> tuple[list[dict], list[str]]:
    """Every device with when it was last seen (from the running agent, else as last saved)."""
    from agent import devices
    from agent.device_runner import read_seen

    found, problems = devices.all_devices(paths.home())
    seen = read_seen(paths.home())
    live = {}
    try:
        from agent.commands.control import _api, _running

        if _running() is not None:
            live = {d["name"]: d for d in _api("/api/devices")}
    except UserError:
        pass  # not answering: the saved times stand
    rows = []
    for device in found:
        row = {**device.summary(), "last_seen": seen.get(device.name)}
        if device.name in live:
            row["last_seen"] = live[device.name]["last_seen"] or row["last_seen"]
            row["problem"] = live[device.name]["problem"]
        rows.append(row)
    return rows, problems


def cmd_list(args) -> int:
    rows, problems = listing()
    if args.json:
        print(json.dumps(rows))
        return 0
    if not rows:
        print("No devices yet. Add your phone with: nocontact devices add phone")
    for row in rows:
        line = f"  {row['name']:<16} UDP {row['port']:<6} added {_when(row['added'])}, last seen {_when(row['last_seen'])}"
        print(line + (f"  ({row['problem']})" if row.get("problem") else ""))
    for problem in problems:
        print(f"  {problem}")
    return 0


def cmd_remove(args) -> int:
    from agent import devices
    from agent.commands.control import _api, _minutes_left
    from agent.review import plural

    devices.named(paths.home(), args.name)  # a clear message for a name that is not there
    hold = _api(f"/api/devices/{args.name}/remove", {})
    print(f"Removing a device waits out the cooldown like any loosening: {args.name} stops being able to join in "
          f"about {plural(_minutes_left(hold), 'minute')}. To keep it: nocontact override cancel {hold['id']}")
    return 0


def add_commands(sub) -> None:
    """Add `devices` (add, list, show, remove) to the subparsers."""
    group = sub.add_parser("devices", help="guard your phone and other devices through WireGuard")
    actions = group.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = actions.add_parser("add", help="add a device and show its WireGuard config (text and QR code)")
    add.add_argument("name", metavar="NAME", help="a short name: phone, tablet, work-laptop")
    add.add_argument("--endpoint", metavar="HOST[:PORT]",
                     help="the address written into the device's config (default: this machine's address)")
    add.add_argument("--port", type=int, metavar="UDP_PORT", help="the UDP port to listen on (default: from 51820)")
    add.add_argument("--json", action="store_true", help='print {"name", "port", "config"}')
    add.set_defaults(func=cmd_add)
    show = actions.add_parser("show", help="show a device's config (and key) again")
    show.add_argument("name", metavar="NAME")
    show.add_argument("--json", action="store_true")
    show.set_defaults(func=cmd_show)
    listed = actions.add_parser("list", help="each device: port, added, last seen")
    listed.add_argument("--json", action="store_true")
    listed.set_defaults(func=cmd_list)
    remove = actions.add_parser("remove", help="remove a device, after the cooldown delay")
    remove.add_argument("name", metavar="NAME")
    remove.set_defaults(func=cmd_remove)
