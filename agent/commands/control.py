"""The commands that ask the running agent, through its loopback API: status, override, stop."""

from __future__ import annotations

import json
from pathlib import Path

from agent import paths
from agent import state as agent_state
from agent.commands.config import add_the_person
from agent.commands.device_words import device_line, device_rows, reach_words
from agent.commands.output import add_output_options, print_one, print_records
from agent.errors import UserError
from agent.review import plural
from agent.system.record import installed_pac_url
from agent.web.pac_server import pac_text

# What `override status --csv` prints of each request (the state of a hold, agent/cooldown.py).
HOLD_FIELDS = ["id", "kind", "name", "state", "requested", "needed", "waited", "remaining", "reason", "urge_id",
               "window", "opened", "window_used"]


def _running() -> agent_state.State | None:
    """The running agent's addresses, or None when it is not running."""
    return agent_state.running(paths.home())


def _api(path: str, body: dict | None = None, timeout: float = 10):
    """Call the running agent's local API (loopback, with the install's key)."""
    import urllib.error
    import urllib.request

    from agent import secret
    from agent.web.server import KEY_HEADER, api_key

    info = _running()
    if info is None or not info.pages:
        raise UserError("nocontact is not running, so nothing is paused right now. Start it with: nocontact run")
    key = api_key(secret.load_or_create(paths.secret_path()))
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(info.pages + path, data=data, headers={KEY_HEADER: key})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as err:
        message = json.loads(err.read() or b"{}").get("error") or f"the agent answered {err.code}"
        raise UserError(message) from None
    except (urllib.error.URLError, TimeoutError) as err:
        raise UserError(f"the agent did not answer ({err})") from None


def _minutes_left(hold: dict) -> int:
    return (hold["remaining"] + 59) // 60


def _nobody_yet(info: agent_state.State | None) -> str | None:
    """What to do next while the config in use names nobody; None once it does (or while it has a mistake)."""
    from agent.config import ConfigError, load_config

    path = Path(info.config) if info and info.config else paths.config_path()
    try:
        return None if load_config(path).people else add_the_person(path)
    except (ConfigError, OSError):
        return None  # a mistake is for `nocontact check` and `nocontact doctor` to say


def _config_words(info: agent_state.State | None, holds: list[dict]) -> tuple[dict, str | None]:
    """The config file against what is in force: a mistake in it, or what it loosens and why that is not in
    force yet. As data (for --json) and in words (None when the file is what is in force, or only tighter)."""
    from agent.commitment import loosenings, on_record
    from agent.config import ConfigError, load_config

    path = Path(info.config) if info and info.config else paths.config_path()
    found = {"path": str(path), "mistake": None, "loosens": []}
    try:
        config = load_config(path)
    except ConfigError as err:
        found["mistake"] = err.where()
        return found, (f"Your config file has a mistake ({err.where()}), so the last good config stays in force. "
                       "`nocontact check` shows what to fix; once it is fixed, it applies by itself.")
    except OSError:
        return found, None
    in_force = on_record(paths.home())
    found["loosens"] = loosened = loosenings(in_force, config) if in_force else []
    if not loosened:
        return found, None
    waiting = next((h for h in holds if h["kind"] == "config"), None)
    if waiting:
        return found, (f"Your config file differs from what is in force: what it loosens waits out the cooldown "
                       f"(request {waiting['id']}, above); the rest applies now.")
    if info is None:
        return found, (f"Your config file loosens what was in force when nocontact last ran ({'; '.join(loosened)}): "
                       "once it runs, that waits out the cooldown; the rest applies at once.")
    return found, (f"Your config file loosens what is in force ({'; '.join(loosened)}), and nothing is waiting for "
                   "it now. Save the file again to start the wait, or put it back as it was.")


def _describe_hold(hold: dict) -> str:
    what = {"config": "a looser config", "stop": "stopping nocontact"}.get(hold["kind"], hold["name"])
    if hold["kind"] == "config" and hold["name"] != what:
        what += f" ({hold['name']})"  # what it loosens
    minutes = _minutes_left(hold)
    state = {
        "waiting": f"waiting, about {minutes} min left",
        "ready": "the wait is over; open it from its page, or: nocontact override open " + str(hold["id"]),
        "open": "open now",
    }[hold["state"]]
    return f"  {hold['id']:>3}  {what}: {state}"


def cmd_status(args) -> int:
    info = _running()
    holds = _api("/api/holds") if info and info.pages else []
    pac_service = installed_pac_url(paths.home())  # what the system points at, once installed
    config, config_line = _config_words(info, holds)
    devices, problems = device_rows(paths.home(), _api if info and info.pages else None)
    if args.output:
        fields = info.as_dict() if info else {}
        print_one({"running": info is not None, **fields, "pac_service": pac_service, "pending": holds,
                   "config_file": config, "devices": devices}, args.output)
        return 0
    if info is None:
        print("nocontact is not running. Start it with: nocontact run")
        if pac_service and "PROXY" in pac_text(paths.pac_path()):
            print(f"Its PAC service ({pac_service}) still sends watched sites to it, so they do not open "
                  "until it runs again.")
    else:
        print(f"nocontact is running (pid {info.pid}).\n  proxy   {info.proxy}\n"
              f"  PAC     {pac_service or info.pac_url}\n  CA      {info.ca_cert}")
        print("Pending:" if holds else "Pending: nothing")
        for hold in holds:
            print(_describe_hold(hold))
    if devices or problems:
        print("Devices (WireGuard):")
        print("\n".join([device_line(row) for row in devices] + [f"  {problem}" for problem in problems]))
        if devices:
            from agent.devices import own_address

            print(reach_words(own_address(), [row["port"] for row in devices]))
    if config_line:
        print(f"\n{config_line}")
    next_step = _nobody_yet(info)
    if next_step:
        print(f"\n{next_step}")
    return 0


def cmd_override(args) -> int:
    if args.action == "request":
        hold = _api("/api/holds", {"target": args.target, "reason": args.reason})
        print(f"Asked (request {hold['id']}). The wait is {plural(_minutes_left(hold), 'minute')}; "
              "you can stop waiting at any moment with: nocontact override cancel " + str(hold["id"]))
        longer = _longer(hold)
        if longer:
            print(longer)
    elif args.action == "status":
        holds = _api("/api/holds")
        if args.output:
            print_records(holds, args.output, HOLD_FIELDS)
        else:
            print("\n".join(_describe_hold(h) for h in holds) if holds else "Nothing is waiting or open.")
    elif args.action == "cancel":
        print(_cancelled_words(_api(f"/api/holds/{args.id}/cancel", {})))
    elif args.action == "open":
        hold = _api(f"/api/holds/{args.id}/open", {})
        print(f"Open for {plural(round(hold['window'] / 60), 'minute')}; it closes by itself.")
    return 0


def _longer(hold: dict) -> str | None:
    """Why a new request's wait is longer than the one configured (the windows opened in the last day)."""
    from agent.commitment import on_record
    from agent.cooldown import longer_because

    in_force = on_record(paths.home())  # the running agent's config, as it keeps it
    return longer_because(in_force.cooldown, hold["kind"], hold["name"], hold["needed"]) if in_force else None


def _cancelled_words(hold: dict) -> str:
    """What cancelling meant: stepping away from a look is an urge ridden out; the rest say what stays."""
    if hold["kind"] == "config":
        return ("Withdrawn: the looser config will not apply, and what is in force stays. Your config file still "
                "says it: put it back as it was, or saving it again asks again.")
    if hold["kind"] == "stop":
        return "Withdrawn: nocontact keeps running."
    if hold["kind"] not in ("person", "category", "site", "app", "barrier"):
        return "Withdrawn: nothing changes."
    if hold["state"] == "expired":  # a window that was open
        return "Closed now: it is paused again. That's an urge ridden out."
    return "Cancelled. That's an urge ridden out."


def cmd_stop(args) -> int:
    hold = _api("/api/stop", {})
    print(f"Stopping waits out the cooldown like any loosening: nocontact stops in about "
          f"{plural(_minutes_left(hold), 'minute')}. To keep it running: nocontact override cancel {hold['id']}")
    return 0


def add_commands(sub) -> None:
    """Add `status`, `override` and `stop` to the subparsers."""
    status = sub.add_parser("status", help="is the agent running, where, and what is pending")
    add_output_options(status, formats=("json", "nl"))  # one object, with lists in it: no CSV
    status.set_defaults(func=cmd_status)

    override = sub.add_parser("override", help="ask to open a blocked target after a wait")
    actions = override.add_subparsers(dest="action", required=True, metavar="ACTION")
    request = actions.add_parser("request", help="ask for a window: TARGET is an alias, a category or a site")
    request.add_argument("target", metavar="TARGET")
    request.add_argument("--reason", default=None, help="what do I hope to find? (optional)")
    over_status = actions.add_parser("status", help="what is waiting or open")
    add_output_options(over_status)
    for name, text in (("cancel", "stop waiting, or withdraw a looser config or a stop"),
                       ("open", "open a request whose wait is over")):
        action = actions.add_parser(name, help=text)
        action.add_argument("id", type=int, metavar="ID")
    override.set_defaults(func=cmd_override)

    stop = sub.add_parser("stop", help="stop the agent, after the cooldown delay")
    stop.set_defaults(func=cmd_stop)
