"""`nocontact lists`: the subscribed domain lists; `nocontact lists update` fetches them now."""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from agent import paths
from agent.commands.config import config_path, with_config
from agent.commands.output import add_output_options, print_records
from agent.errors import UserError

# The config, the engine and the fetching are imported by the commands that use them: every command loads
# this module, and the PAC service must not load them.
if TYPE_CHECKING:
    from agent.config import Config
    from agent.lists.subscriptions import Subscriptions


def plural(count: int, one: str) -> str:
    return f"{count:,} {one if count == 1 else one + 's'}"


def _store() -> Subscriptions:
    from agent.lists.subscriptions import Subscriptions

    return Subscriptions(paths.home() / "lists")


def _iso(moment: float | None) -> str | None:
    return datetime.fromtimestamp(moment, UTC).isoformat(timespec="seconds").replace("+00:00", "Z") if moment else None


def as_json(row: dict) -> dict:
    """One list as `nocontact lists --json` prints it: times in UTC (ISO 8601), None for never."""
    return {
        "url": row["url"], "category": row["category"], "every": row["every"], "domains": row["domains"],
        "skipped": row["skipped"], "held": row["held"], "last_fetch": _iso(row["last_fetch"]),
        "last_try": _iso(row["last_try"]), "next_fetch": _iso(row["next_fetch"]), "last_error": row["last_error"],
    }


def _span(seconds: float) -> str:
    seconds = abs(seconds)
    if seconds < 90:
        return "about a minute"
    if seconds < 90 * 60:
        return plural(round(seconds / 60), "minute")
    if seconds < 36 * 3600:
        return plural(round(seconds / 3600), "hour")
    return plural(round(seconds / 86400), "day")


def describe(row: dict, now: float) -> str:
    """One list in a few lines of words."""
    lines = [f"{row['category']}  {row['url']}"]
    sites = plural(row["domains"], "site")
    if row["skipped"]:
        sites += f" ({plural(row['skipped'], 'line')} skipped: not domains)"
    if row["held"]:
        sites += f", and {plural(row['held'], 'site')} gone from the list, still blocked for a while"
    fetched = ("not fetched yet" if not row["last_fetch"] else "fetched just now" if now - row["last_fetch"] < 60
               else f"fetched {_span(now - row['last_fetch'])} ago")
    upcoming = row["next_fetch"]
    when = "at the next start" if upcoming is None else "now" if upcoming <= now else f"in {_span(upcoming - now)}"
    lines.append(f"  {sites}; {fetched}; next {when}")
    if row["last_error"]:
        kept = "the last good copy stays in force" if row["domains"] else "it blocks nothing until a good copy arrives"
        tried = "just now" if now - (row["last_try"] or now) < 60 else f"{_span(now - row['last_try'])} ago"
        lines.append(f"  last try, {tried}: {row['last_error']}; {kept}")
    return "\n".join(lines)


def _print(rows: list[dict], output: str | None) -> None:
    if output:
        print_records([as_json(row) for row in rows], output)
    elif not rows:
        print("No lists are subscribed. To add one, write it under 'lists:' in the config (see the README).")
    else:
        now = time.time()
        print("\n".join(describe(row, now) for row in rows))


def update(config: Config) -> list[dict]:
    """Fetch every list now: by the running agent when it runs (it then blocks what they hold at once), else
    here, keeping the copies where the agent reads them at its next start."""
    from agent.commands.control import _api, _running
    from agent.lists.subscriptions import UPDATE_WAIT

    info = _running()
    if info is not None and info.pages:
        return _api("/api/lists/update", {}, timeout=UPDATE_WAIT + 10)["lists"]
    store = _store()
    for subs in store.addresses(config).values():
        outcome = store.fetch(subs[0], config.cooldown.delay)
        store.accept(outcome)
        if outcome.news:
            print(outcome.news, file=sys.stderr)
    return store.rows(config)


def cmd_lists(args) -> int:
    from agent.config import load_config

    config = load_config(config_path(args))
    if args.action != "update":
        _print(_store().rows(config), args.output)
        return 0
    if not config.lists:
        raise UserError("no lists are subscribed; write them under 'lists:' in the config first")
    rows = update(config)
    _print(rows, args.output)
    failed = {row["url"] for row in rows if row["last_error"]}
    if failed:
        print(f"nocontact: {plural(len(failed), 'list')} could not be refreshed; see above.", file=sys.stderr)
    return 1 if failed else 0


def add_commands(sub) -> None:
    """Add `lists` and `lists update` to the subparsers."""
    lists = with_config(sub.add_parser("lists", help="the domain lists you subscribed to, and when they were fetched"))
    add_output_options(lists)
    actions = lists.add_subparsers(dest="action", required=False, metavar="[update]")
    update_parser = actions.add_parser("update", help="fetch every list now")
    # Also after `update`; SUPPRESS keeps what was given before it.
    update_parser.add_argument("--config", metavar="FILE", default=argparse.SUPPRESS, help="config file")
    add_output_options(update_parser, after_action=True)
    lists.set_defaults(func=cmd_lists)
