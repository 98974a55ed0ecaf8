"""`nocontact devices`: the person's phone and other devices, joined through WireGuard."""

from __future__ import annotations

from agent import paths
from agent.commands.device_words import device_line, device_rows, reach_words
from agent.commands.output import add_output_options, print_one, print_records

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
        print_one({"name": device.name, "port": device.port, "config": config}, "json")
        return
    print(f"{'Added' if first else 'Device'} {device.name}: it joins on UDP port {device.port} at {device.endpoint}.")
    print(_qr(config), end="")
    print(config)
    print(QR_HINT)
    link = _qr_link(device.name)
    if link:
        print(f"To scan it from this screen instead, open (for 15 minutes): {link}")
    print("This config holds the device's key: keep it to yourself. `nocontact devices show "
          f"{device.name}` prints it again.")


def _qr_link(name: str) -> str | None:
    """A link to the device's QR code on the running agent's own pages, for a while; None when it is not running."""
    import time
    from urllib.parse import urlencode

    from agent import secret
    from agent.engine.urls import normalise_host
    from agent.state import running
    from agent.web.devices_page import QR_PATH, QR_SECONDS, qr_action

    info = running(paths.home())
    if info is None or not info.pages:
        return None
    key = secret.load_or_create(paths.secret_path())
    token = secret.issue(key, qr_action(name), normalise_host("pages"), time.time() + QR_SECONDS)
    return f"{info.pages}{QR_PATH}?{urlencode({'name': name, 't': token})}"


def cmd_add(args) -> int:
    from agent import devices

    device = devices.add(paths.home(), args.name, endpoint=args.endpoint, port=args.port)
    _show(device, args.output == "json", first=True)
    if not args.output:
        print(reach_words(devices.split_endpoint(device.endpoint)[0], [device.port]))
        from agent.system.firewall import firewall_hint

        hint = firewall_hint(device.port, device.name)  # a host firewall that would keep the phone out
        if hint:
            print(hint)
        from agent.state import running

        if running(paths.home()) is None:
            print("nocontact is not running; the device is guarded once it runs (nocontact run).")
    return 0


def cmd_show(args) -> int:
    """The config again; with --endpoint, with that address from now on (a phone used away from home)."""
    from dataclasses import replace

    from agent import devices

    device = devices.named(paths.home(), args.name)
    if args.endpoint:
        devices.split_endpoint(args.endpoint)
        device = replace(device, endpoint=args.endpoint.strip())
        devices.save(paths.home(), device)
    _show(device, args.output == "json", first=False)
    return 0


def listing() -> tuple[list[dict], list[str]]:
    from agent.commands.control import _api, _running

    return device_rows(paths.home(), _api if _running() is not None else None)


def cmd_list(args) -> int:
    rows, problems = listing()
    if args.output:
        print_records(rows, args.output, ["name", "port", "endpoint", "added", "last_seen", "problem"])
        return 0
    if not rows:
        print("No devices yet. Add your phone with: nocontact devices add phone")
    for row in rows:
        print(device_line(row))
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
    add_output_options(add, ("json",))  # {"name", "port", "config"}
    add.set_defaults(func=cmd_add)
    show = actions.add_parser("show", help="show a device's config (and key) again")
    show.add_argument("name", metavar="NAME")
    show.add_argument("--endpoint", metavar="HOST[:PORT]", help="write this address into its config from now on")
    add_output_options(show, ("json",))
    show.set_defaults(func=cmd_show)
    listed = actions.add_parser("list", help="each device: port, added, last seen")
    add_output_options(listed)
    listed.set_defaults(func=cmd_list)
    remove = actions.add_parser("remove", help="remove a device, after the cooldown delay")
    remove.add_argument("name", metavar="NAME")
    remove.set_defaults(func=cmd_remove)
