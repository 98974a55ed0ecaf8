"""The `nocontact` command: a thin layer over the agent's Python API.

Exit codes: 0 success, 1 an error (one clear line, no traceback unless
--debug), 2 wrong usage.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import logging
import os
import re
import sqlite3
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tabulate import tabulate

from agent import paths
from agent.config import ConfigError, load_config
from agent.engine.categories import BY_KEY
from agent.engine.urls import UrlError
from agent.store import TRIGGERS, UrgeLog
from agent.system.install import agent_running, installed_pac_url
from agent.web import pages
from agent.web.pac_server import DEFAULT_PORT as DEFAULT_PAC_PORT
from agent.web.pac_server import PacServer, pac_text


class UsageError(Exception):
    pass


def _duration(text: str) -> datetime:
    """`7d`, `12h`, `30m`, `2w`, or a date like 2026-11-01 -> the moment it names."""
    match = re.fullmatch(r"(\d+)\s*([mhdw])", text.strip())
    if match:
        unit = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}[match.group(2)]
        return datetime.now(UTC) - timedelta(**{unit: int(match.group(1))})
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r}: expected a span like 7d, 12h, 30m or a date like 2026-11-01"
        ) from None
    return moment if moment.tzinfo else moment.astimezone()


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _port(text: str) -> int:
    if not text.isdigit() or not 0 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r}: expected a port number from 0 to 65535")
    return int(text)


def _config_path(args) -> Path:
    return Path(args.config) if args.config else paths.config_path()


log = logging.getLogger("nocontact")

# --- commands -----------------------------------------------------------------


def _port_free(host: str, port: int) -> None:
    import socket

    if port == 0:
        return
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as sock:
        if os.name == "posix":  # as the servers themselves bind: a restart is not held up by old connections
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            raise ConfigError(
                f"port {port} on {host} is already in use (is nocontact already running? "
                f"`nocontact status` tells; or choose another with --port)"
            ) from None


RESTART_PAUSE_MAX = 60.0


def restarting(once: Callable[[argparse.Namespace], int], args: argparse.Namespace,
                 sleep: Callable[[float], None] = time.sleep) -> int:
    """Run `once` again whenever it ends other than by a stop that waited (exit 0).

    For Windows' Task Scheduler, which starts a task at logon but not again when it ends; systemd and
    launchd do this themselves. The pause doubles while starts keep ending quickly, up to a minute.
    """
    pause = 1.0
    while True:
        started = time.monotonic()
        try:
            code = once(args)
        except (ConfigError, OSError) as err:  # a port still taken, say: it may be free in a moment
            log.warning("nocontact did not start (%s); it tries again in %.0f s.", err, pause)
            code = 1
        except (Exception, SystemExit) as err:  # our own mistake, or mitmproxy's exit on one: started again
            log.warning("nocontact stopped (%s); it starts again in %.0f s.", type(err).__name__, pause)
            code = 1
        if code == 0 or code >= 128:  # a stop that waited, or one by a signal (the service manager's own stop)
            return code
        pause = 1.0 if time.monotonic() - started > RESTART_PAUSE_MAX else pause
        sleep(pause)
        pause = min(pause * 2, RESTART_PAUSE_MAX)


def cmd_run(args) -> int:
    return restarting(_run_once, args) if args.keep_running else _run_once(args)


def _run_once(args) -> int:
    from agent.agent import Agent
    from agent.run import serve

    _port_free(args.host, args.port)
    pages_port = args.pages_port
    if args.pages_port is not None or args.port:
        try:
            _port_free(args.host, args.pages_port if args.pages_port is not None else args.port + 1)
        except ConfigError:
            if not _as_service(args):
                raise
            # As a service the proxy matters more than where its pages are: `nocontact status` finds them.
            log.warning("The port for nocontact's pages is in use; they are served on another one for now.")
            pages_port = 0
    try:
        agent = Agent(_config_path(args))
    except ConfigError as err:
        # A service's output goes to the system log: say where the mistake is, not the values.
        raise ConfigError(f"the config has a mistake ({err.where()}); `nocontact check` shows what to fix") from None
    if agent.config_problem:
        log.warning("The config has a mistake (%s), so the last good one stays in force until it is fixed. "
                    "`nocontact check` shows what to fix.", agent.config_problem)
        agent.notifier.notify(*pages.config_kept_text(), target="config")
    try:
        waited = asyncio.run(serve(agent, args.host, args.port, pages_port, args.set))
    finally:
        agent.close()
    # As a service only a stop that waited out its cooldown ends with 0 and stays stopped; a stop by
    # a signal is 128 + its number, and any other end 1, so the service manager starts it again.
    if waited or not _as_service(args):
        return 0
    return 128 + agent.stopped_by_signal if agent.stopped_by_signal else 1


def _as_service(args) -> bool:
    return bool(os.environ.get("NOCONTACT_SERVICE") or getattr(args, "keep_running", False))


def cmd_check(args) -> int:
    from agent.engine.policy import Policy
    from agent.sitelists import builtin_lists

    path = _config_path(args)
    config = load_config(path)
    policy = Policy(config, builtin_lists(config.block.categories))
    print(f"{path}: the config is valid.")
    if config.people:
        for person in config.people:
            platforms = sorted({i.platform for i in person.identities})
            extra = [_count(len(v), k) for k, v in (("name", person.names), ("email", person.emails), ("phone", person.phones)) if v]
            print(f"  {person.alias}: profiles on {', '.join(platforms) or 'no platform'}"
                  + (f"; searches for {', '.join(extra)}" if extra else ""))
    else:
        print("  No person is set up yet: add one under 'people:' to block their profiles.")
    categories = [BY_KEY[key].plural for key in config.block.categories]
    print(f"  Whole categories blocked: {', '.join(categories) or 'none'}")
    if config.block.sites or config.block.urls:
        print(f"  Your own blocks: {len(config.block.sites)} sites, {len(config.block.urls)} URLs")
    if config.allow:
        print(f"  Never blocked: {', '.join(config.allow)}")
    print(f"  Hosts watched by the proxy: {len(policy.watched_domains)} domains (everything else goes direct)")
    return 0


def cmd_explain(args) -> int:
    from agent.engine.policy import Policy
    from agent.sitelists import builtin_lists

    config = load_config(_config_path(args))
    policy = Policy(config, builtin_lists(config.block.categories))
    urls = [line.strip() for line in sys.stdin if line.strip()] if args.urls == ["-"] else args.urls
    if not urls:
        raise UsageError("give at least one URL, or - to read them from standard input")
    failed = False
    for url in urls:
        try:
            decision = policy.decide(url)
        except UrlError as err:
            failed = True
            if args.json:
                print(json.dumps({"url": url, "error": str(err)}))
            else:
                print(f"{url}\n  cannot be checked: {err}", file=sys.stderr)
            continue
        if args.json:
            print(json.dumps(decision.as_json()))
        else:
            verdict = "blocked" if decision.blocked else "allowed"
            why = decision.rule or ("not watched by any rule" if decision.reason == "none" else decision.reason)
            print(f"{url}\n  {verdict}: {why}")
    return 1 if failed else 0


EXPORT_FIELDS = ["id", "time", "last_time", "target", "person", "platform", "category", "site", "url", "rule",
                 "source", "outcome", "repeats", "steps", "note", "trigger", "feeling", "intensity_before",
                 "intensity_after"]


def _selected(args) -> list[dict]:
    """The urges the filters name (--since, --until, --person, --category, --source, --outcome), as records
    with the steps of any cooldown request made from them ("requested 05:10, cancelled 05:12")."""
    log = UrgeLog(paths.database_path())
    try:
        urges, steps = log.urges(since=args.since), log.steps()
    finally:
        log.close()
    by_urge: dict[int, list[str]] = {}
    for when, _, urge_id, _, step in steps:
        if urge_id is not None:
            local = datetime.fromisoformat(when).astimezone().strftime("%H:%M")
            by_urge.setdefault(urge_id, []).append(f"{step} {local}")
    wanted = {key: getattr(args, key, None) for key in ("person", "category", "source", "outcome")}
    until = getattr(args, "until", None)
    return [
        u.as_json() | {"steps": ", ".join(by_urge.get(u.id, [])), "_urge": u} for u in urges
        if (until is None or u.time < until) and all(v is None or getattr(u, k) == v for k, v in wanted.items())
    ]


def _print_records(records: list[dict], fmt: str) -> None:
    records = [{k: v for k, v in r.items() if k != "_urge"} for r in records]
    if fmt == "json":
        print(json.dumps(records, indent=2))
    elif fmt == "nl":
        for record in records:
            print(json.dumps(record))
    else:
        writer = csv.DictWriter(sys.stdout, fieldnames=EXPORT_FIELDS, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        writer.writerows(records)


def cmd_urges(args) -> int:
    if getattr(args, "action", None) == "note":
        return cmd_note(args)
    records = _selected(args)
    fmt = "json" if args.json else "nl" if args.nl else "csv" if args.csv else None
    if fmt:
        _print_records(records, fmt)
        return 0
    urges = [r["_urge"] for r in records]
    if not urges:
        print("No urges logged in this period.")
        return 0
    rows = [
        (r["id"], r["_urge"].time.astimezone().strftime("%a %d %b %H:%M"), r["target"], r["source"], r["outcome"],
         r["repeats"], r["steps"], " · ".join(str(r[k]) for k in ("trigger", "note") if r[k]) or "")
        for r in records
    ]
    print(tabulate(rows, headers=["id", "when", "what", "source", "outcome", "repeats", "asked to open", "note"]))
    ridden = sum(1 for u in urges if u.outcome in ("closed", "waited"))
    print(f"\n{_count(len(urges), 'urge')}; {ridden} ridden out by stepping away.")
    return 0


def cmd_note(args) -> int:
    fields = {key: value for key, value in (
        ("trigger", args.trigger), ("feeling", args.feeling), ("intensity_before", args.before),
        ("intensity_after", args.after), ("note", args.text)) if value is not None}
    log = UrgeLog(paths.database_path())
    try:
        if not fields:
            raise UsageError("say what to note: --trigger, --feeling, --before, --after or --text")
        try:
            found = log.add_note(args.id, **fields)
        except ValueError as err:
            raise ConfigError(str(err)) from None
    finally:
        log.close()
    if not found:
        raise ConfigError(f"there is no urge {args.id} (nocontact urges lists them with their ids)")
    print(f"Noted on urge {args.id}.")
    return 0


def cmd_review(args) -> int:
    from datetime import UTC

    from agent.review import last_days, render_terminal, summarise

    log = UrgeLog(paths.database_path())
    try:
        urges, events = log.urges(), log.events()
    finally:
        log.close()
    now = datetime.now(UTC)
    local = now.astimezone().tzinfo
    if isinstance(args.since, int):
        since, until = last_days(args.since, now=now, tz=local)
    else:
        since, until = args.since, now
    review = summarise(urges, events, since=since, until=until, tz=local)
    print(json.dumps(review.as_json(), indent=2, ensure_ascii=False) if args.json else render_terminal(review))
    return 0


def _days_or_date(text: str):
    """`30d` -> 30 (whole local days); anything else as --since reads it."""
    match = re.fullmatch(r"(\d+)\s*d", text.strip())
    return int(match.group(1)) if match else _duration(text)


def cmd_letters(args) -> int:
    """Unsent letters: messages to the person that were held back. They are never sent anywhere."""
    if args.action in ("show", "delete") and args.id is None:
        raise UsageError(f"say which letter: nocontact letters {args.action} ID")
    log = UrgeLog(paths.database_path())
    try:
        if args.action == "delete":
            if not log.delete_letter(args.id):
                raise ConfigError(f"there is no letter {args.id}")
            print(f"Letter {args.id} is deleted.")
            return 0
        letters = log.letters()
    finally:
        log.close()
    if args.action == "show":
        letter = next((x for x in letters if x["id"] == args.id), None)
        if letter is None:
            raise ConfigError(f"there is no letter {args.id} (nocontact letters lists them)")
        if args.json:
            print(json.dumps(letter, indent=2, ensure_ascii=False))
        else:
            when = datetime.fromisoformat(letter["time"]).astimezone().strftime("%a %d %b %Y %H:%M")
            print(f"To {letter['person']}, through {letter['service']}, {when} (held back, not sent)")
            if letter["subject"]:
                print(f"Subject: {letter['subject']}")
            print(f"\n{letter['text'] or ''}")
        return 0
    if args.json:
        print(json.dumps(letters, indent=2, ensure_ascii=False))
    elif not letters:
        print("No unsent letters.")
    else:
        rows = [(x["id"], datetime.fromisoformat(x["time"]).astimezone().strftime("%a %d %b %H:%M"), x["person"],
                 x["service"], (x["subject"] or (x["text"] or "")[:40]).replace("\n", " ")) for x in letters]
        print(tabulate(rows, headers=["id", "when", "to", "through", "about"]))
        print("\nThese were written and kept, never sent. `nocontact letters show ID` reads one.")
    return 0


def cmd_export(args) -> int:
    _print_records(_selected(args), args.format)
    return 0


def cmd_wipe(args) -> int:
    phrase = "wipe my log"
    if not args.yes:
        print(f"This removes every urge, note and step from the log for good. Your config stays.\n"
              f"Type '{phrase}' to go on: ", end="", flush=True)
        if sys.stdin.readline().strip() != phrase:
            print("Nothing was removed.")
            return 1
    log = UrgeLog(paths.database_path())
    try:
        log.wipe()
    finally:
        log.close()
    print("The log is empty now.")
    return 0


def _running() -> dict | None:
    """The running agent's addresses, or None when it is not running."""
    return agent_running(paths.home())


def _api(path: str, body: dict | None = None):
    """Call the running agent's local API (loopback, with the install's key)."""
    import urllib.error
    import urllib.request

    from agent import secret
    from agent.web.server import KEY_HEADER, api_key

    info = _running()
    if info is None or "pages" not in info:
        raise ConfigError("nocontact is not running, so nothing is paused right now. Start it with: nocontact run")
    key = api_key(secret.load_or_create(paths.secret_path()))
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(info["pages"] + path, data=data, headers={KEY_HEADER: key})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as err:
        message = json.loads(err.read() or b"{}").get("error") or f"the agent answered {err.code}"
        raise ConfigError(message) from None
    except (urllib.error.URLError, TimeoutError) as err:
        raise ConfigError(f"the agent did not answer ({err})") from None


def _minutes_left(hold: dict) -> int:
    return (hold["remaining"] + 59) // 60


def _describe_hold(hold: dict) -> str:
    what = {"config": "a looser config", "stop": "stopping nocontact"}.get(hold["kind"], hold["name"])
    minutes = _minutes_left(hold)
    state = {
        "waiting": f"waiting, about {minutes} min left",
        "ready": "the wait is over; open it from its page, or: nocontact override open " + str(hold["id"]),
        "open": "open now",
    }[hold["state"]]
    return f"  {hold['id']:>3}  {what}: {state}"


def cmd_status(args) -> int:
    info = _running()
    holds = _api("/api/holds") if info and "pages" in info else []
    pac_service = installed_pac_url(paths.home())  # what the system points at, once installed
    if args.json:
        print(json.dumps({"running": info is not None, **(info or {}), "pac_service": pac_service, "pending": holds}))
        return 0
    if info is None:
        print("nocontact is not running. Start it with: nocontact run")
        if pac_service and "PROXY" in pac_text(paths.pac_path()):
            print(f"Its PAC service ({pac_service}) still sends watched sites to it, so they do not open "
                  "until it runs again.")
        return 0
    print(f"nocontact is running (pid {info['pid']}).\n  proxy   {info['proxy']}\n"
          f"  PAC     {pac_service or info['pac_url']}\n  CA      {info['ca_cert']}")
    print("Pending:" if holds else "Pending: nothing")
    for hold in holds:
        print(_describe_hold(hold))
    return 0


def cmd_override(args) -> int:
    if args.action == "request":
        hold = _api("/api/holds", {"target": args.target, "reason": args.reason})
        print(f"Asked (request {hold['id']}). The wait is {_minutes_left(hold)} minutes; "
              "you can stop waiting at any moment with: nocontact override cancel " + str(hold["id"]))
    elif args.action == "status":
        holds = _api("/api/holds")
        if args.json:
            print(json.dumps(holds))
        else:
            print("\n".join(_describe_hold(h) for h in holds) if holds else "Nothing is waiting or open.")
    elif args.action == "cancel":
        _api(f"/api/holds/{args.id}/cancel", {})
        print("Cancelled. That's an urge ridden out.")
    elif args.action == "open":
        hold = _api(f"/api/holds/{args.id}/open", {})
        print(f"Open for {round(hold['window'] / 60)} minutes; it closes by itself.")
    return 0


def cmd_pac_server(args) -> int:
    return restarting(_pac_server_once, args) if args.keep_running else _pac_server_once(args)


def _pac_server_once(args) -> int:
    _port_free(args.host, args.port)
    server = PacServer(paths.pac_path(), args.host, args.port)
    print(f"Serving nocontact's PAC file at {server.url} (from {paths.pac_path()}).", flush=True)
    server.serve_forever()
    return 0


def cmd_stop(args) -> int:
    hold = _api("/api/stop", {})
    print(f"Stopping waits out the cooldown like any loosening: nocontact stops in about "
          f"{_minutes_left(hold)} minutes. To keep it running: nocontact override cancel {hold['id']}")
    return 0


# --- parser -------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="nocontact", description="Keep the no-contact rule, gently.")
    parser.add_argument("--debug", action="store_true", help="show full error details")
    parser.add_argument("--home", metavar="DIR",
                        help="the data directory (default: $NOCONTACT_HOME, else your user data folder)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def with_config(p):
        p.add_argument("--config", metavar="FILE", help="config file (default: the data directory's config.yaml)")
        return p

    run = with_config(sub.add_parser("run", help="run the agent in the foreground"))
    run.add_argument("--host", default="127.0.0.1", help="address the proxy listens on (default 127.0.0.1)")
    run.add_argument("--port", type=_port, default=8080, help="proxy port (default 8080)")
    run.add_argument("--pages-port", type=_port, default=None, help="port of the PAC file and pages (default: proxy port + 1)")
    run.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="a mitmproxy option, as mitmdump --set")
    run.set_defaults(func=cmd_run)
    pac_server = sub.add_parser("pac-server", help="serve the PAC file on its own (the installed PAC service runs this)")
    pac_server.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    pac_server.add_argument("--port", type=_port, default=DEFAULT_PAC_PORT, help=f"port (default {DEFAULT_PAC_PORT})")
    pac_server.set_defaults(func=cmd_pac_server)
    for p in (run, pac_server):
        p.add_argument("--keep-running", action="store_true",
                       help="start again whenever it stops, except after a stop that waited (Windows' logon tasks)")

    check = with_config(sub.add_parser("check", help="validate the config and say what it blocks"))
    check.set_defaults(func=cmd_check)

    explain = with_config(sub.add_parser("explain", help="say whether URLs would be blocked, and why"))
    explain.add_argument("--json", action="store_true", help="one JSON object per line")
    explain.add_argument("urls", nargs="+", metavar="URL", help="URLs to check, or - to read them from standard input")
    explain.set_defaults(func=cmd_explain)

    def with_filters(p):
        p.add_argument("--since", type=_duration, default=None, metavar="SPAN", help="e.g. 7d, 12h, or a date")
        p.add_argument("--until", type=_duration, default=None, metavar="SPAN", help="e.g. 1d, or a date")
        p.add_argument("--person", help="only urges about this alias")
        p.add_argument("--category", help="only this category (dating, social, ...)")
        p.add_argument("--source", help="only this source (proxy, process, ...)")
        p.add_argument("--outcome", choices=("blocked", "closed", "waited", "overridden"))
        return p

    urges = with_filters(sub.add_parser("urges", help="list the urge log, or add a note to an urge"))
    fmt = urges.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="a JSON list")
    fmt.add_argument("--nl", action="store_true", help="one JSON object per line")
    fmt.add_argument("--csv", action="store_true")
    urge_actions = urges.add_subparsers(dest="action", required=False, metavar="[note ID]")
    note = urge_actions.add_parser("note", help="add or change your own notes on an urge")
    note.add_argument("id", type=int, metavar="ID")
    note.add_argument("--trigger", choices=TRIGGERS, help="what set it off")
    note.add_argument("--feeling", help="a word or two")
    note.add_argument("--before", type=int, metavar="0-10", help="how strong it was, before")
    note.add_argument("--after", type=int, metavar="0-10", help="how strong it is, after")
    note.add_argument("--text", help="anything else, in your words")
    urges.set_defaults(func=cmd_urges)

    review = sub.add_parser("review", help="how it is going: urges per day and hour, ridden out, trends")
    review.add_argument("--since", type=_days_or_date, default=30, metavar="SPAN", help="e.g. 30d (default), or a date")
    review.add_argument("--json", action="store_true")
    review.set_defaults(func=cmd_review)

    letters = sub.add_parser("letters", help="messages to them that were held back, kept as unsent letters")
    letters.add_argument("action", nargs="?", choices=("list", "show", "delete"), default="list")
    letters.add_argument("id", nargs="?", type=int, metavar="ID")
    letters.add_argument("--json", action="store_true")
    letters.set_defaults(func=cmd_letters)

    export = with_filters(sub.add_parser("export", help="the log as CSV or JSON, for you or your therapist"))
    export.add_argument("--format", choices=("csv", "json", "nl"), default="csv")
    export.set_defaults(func=cmd_export)

    wipe = sub.add_parser("wipe", help="remove the urge log for good (the config stays)")
    wipe.add_argument("--yes", action="store_true", help="do not ask to type the confirmation")
    wipe.set_defaults(func=cmd_wipe)

    status = sub.add_parser("status", help="is the agent running, where, and what is pending")
    status.add_argument("--json", action="store_true")
    status.set_defaults(func=cmd_status)

    override = sub.add_parser("override", help="ask to open a blocked target after a wait")
    actions = override.add_subparsers(dest="action", required=True, metavar="ACTION")
    request = actions.add_parser("request", help="ask for a window: TARGET is an alias, a category or a site")
    request.add_argument("target", metavar="TARGET")
    request.add_argument("--reason", default=None, help="what do I hope to find? (optional)")
    over_status = actions.add_parser("status", help="what is waiting or open")
    over_status.add_argument("--json", action="store_true")
    for name, text in (("cancel", "stop waiting (an urge ridden out)"), ("open", "open a request whose wait is over")):
        action = actions.add_parser(name, help=text)
        action.add_argument("id", type=int, metavar="ID")
    override.set_defaults(func=cmd_override)

    stop = sub.add_parser("stop", help="stop the agent, after the cooldown delay")
    stop.set_defaults(func=cmd_stop)

    from agent.system.install import add_commands

    add_commands(sub)  # install, uninstall, doctor
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.home:  # before anything reads the data directory (a Windows task cannot set variables)
        os.environ["NOCONTACT_HOME"] = args.home
    if sys.stdout is None or sys.stderr is None:
        # pythonw (the Windows logon tasks) has no console: what would be printed goes to a log file.
        log_file = open(paths.home() / "nocontact.log", "a", encoding="utf-8", buffering=1)
        sys.stdout, sys.stderr = sys.stdout or log_file, sys.stderr or log_file
    # Our own messages only; mitmproxy's go through its own (quiet) terminal log.
    ours = logging.getLogger("nocontact")
    ours.addHandler(logging.StreamHandler())
    ours.setLevel(logging.DEBUG if args.debug else logging.INFO)
    ours.propagate = False
    try:
        return args.func(args)
    except UsageError as err:
        parser.error(str(err))
    except (ConfigError, OSError, sqlite3.Error) as err:
        if args.debug:
            raise
        print(f"nocontact: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:  # before the agent's own handler was in place
        return 130 if _as_service(args) else 0


if __name__ == "__main__":
    sys.exit(main())
