"""The commands that read the config without running anything: check and explain."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from agent import paths
from agent.errors import UsageError

# The config and the engine are imported by the commands that use them: `run` and `pac-server` take
# --config from here, and the PAC service must not load them.
if TYPE_CHECKING:
    from agent.config import Config


EXPLAIN_FIELDS = ["url", "action", "reason", "category", "person", "platform", "rule", "error"]


def config_path(args) -> Path:
    return Path(args.config) if args.config else paths.config_path()


def with_config(parser):
    parser.add_argument("--config", metavar="FILE", help="config file (default: the data directory's config.yaml)")
    return parser


def add_the_person(path: Path) -> str:
    """What to do next while the config at `path` names nobody (`run` and `status` say it)."""
    return ("Nobody is set up yet, so no one's profiles are paused.\n"
            f"When you are ready, add the person: edit {path}\n"
            "(an alias and their profile links, under people:), then run `nocontact check`.\n"
            "A running nocontact takes the change in by itself.")


def _policy(config: Config):
    from agent.engine.policy import Policy
    from agent.lists.subscriptions import Subscriptions

    return Policy(config, Subscriptions(paths.home() / "lists").for_policy(config))  # with the copies kept


def _entry(identity) -> str:
    """One profile as `check` lists it: its platform, then the handle or id the engine read in it, so a typo
    shows (the person wrote it into the config; their name, emails and phones are shown only --in-full)."""
    from agent.engine.platforms import platform_named

    site = platform_named(identity.platform)
    where = site.label if site else {"web": "a website", "phone": "a phone number's chats"}.get(identity.platform,
                                                                                             identity.platform)
    key = identity.key
    is_id = key.startswith(("id:", "channel/")) or key.isdigit()
    if identity.platform == "web":
        return f"{where}: {key} and what is under it"
    if identity.platform == "phone":
        return f"{where}: +{key}"
    return f"{where}: {'id ' + key.removeprefix('id:') if is_id else '@' + key}"


def _person(person, in_full: bool) -> list[str]:
    """What `check` says of one person: each profile, then what searches and messages are watched for."""
    from agent.engine.platforms import recognise
    from agent.review import plural

    lines = [f"  {person.alias}, with {plural(len(person.profiles), 'profile')}" + (":" if person.profiles else "")]
    lines += [f"    {_entry(recognise(profile))}" for profile in person.profiles]
    searched = [("name", person.names), ("email", person.emails), ("phone number", person.phones)]
    if in_full:
        lines += [f"    {kind}: {value}" for kind, values in searched for value in values]
    else:
        counted = [plural(len(values), kind) for kind, values in searched if values]
        if counted:
            lines.append(f"    and searches for {_and(counted)}")
    return lines


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def _lists_in_force(config: Config) -> list[str]:
    """One line per subscribed list: the sites of the copy in force (none before the first good fetch)."""
    from agent.engine.categories import BY_KEY
    from agent.lists.subscriptions import Subscriptions
    from agent.review import plural

    lines = []
    for row in Subscriptions(paths.home() / "lists").rows(config):
        name = BY_KEY[row["category"]].plural if row["category"] in BY_KEY else row["category"]
        held = row["domains"] + row["held"]
        state = (f"{plural(held, 'site')} in force" if row["last_fetch"] or held
                 else "not fetched yet, so it blocks nothing yet")
        lines.append(f"  List of {name} from {row['url']}: {state}")
    return lines


def cmd_check(args) -> int:
    from agent.config import load_config
    from agent.engine.categories import BY_KEY
    from agent.review import plural

    path = config_path(args)
    config = load_config(path)
    policy = _policy(config)
    print(f"{path}: the config is valid.")
    if config.people:
        for person in config.people:
            print("\n".join(_person(person, args.in_full)))
        if not args.in_full:
            print("  Their names, emails and phone numbers are left out here; "
                  "`nocontact check --in-full` shows each one.")
    else:
        print("  No person is set up yet: add one under 'people:' to block their profiles.")
    categories = [BY_KEY[key].plural for key in config.block.categories]
    print(f"  Whole categories blocked: {', '.join(categories) or 'none'}")
    if config.block.sites or config.block.urls:
        print(f"  Your own blocks: {plural(len(config.block.sites), 'site')}, "
              f"{plural(len(config.block.urls), 'URL')}")
    for line in _lists_in_force(config):
        print(line)
    if config.allow:
        print(f"  Never blocked: {', '.join(config.allow)}")
    print(f"  Hosts watched by the proxy: {plural(len(policy.watched_domains), 'domain')} (everything else goes "
          "direct)")
    loosened = _loosens_in_force(path, config)
    if loosened:
        print(f"  It loosens what is in force ({'; '.join(loosened)}): that waits out the cooldown before it "
              "applies (`nocontact status` shows when); the rest applies at once.")
    return 0


def _loosens_in_force(path: Path, config: Config) -> list[str]:
    """What the config in use loosens compared with the config in force (its signed record); [] for another file."""
    from agent import state
    from agent.commitment import loosenings, on_record

    running = state.running(paths.home())
    in_use = {paths.home() / "config.yaml", *([Path(running.config)] if running and running.config else [])}
    if path.resolve() not in {p.resolve() for p in in_use}:
        return []
    in_force = on_record(paths.home())
    return loosenings(in_force, config) if in_force else []


def cmd_explain(args) -> int:
    from agent.commands.output import print_records
    from agent.config import load_config
    from agent.engine.urls import UrlError

    policy = _policy(load_config(config_path(args)))
    urls = [line.strip() for line in sys.stdin if line.strip()] if args.urls == ["-"] else args.urls
    if not urls:
        raise UsageError("give at least one URL, or - to read them from standard input")
    failed, records = False, []
    for url in urls:
        try:
            decision = policy.decide(url)
        except UrlError as err:
            failed = True
            if args.output:
                records.append({"url": url, "error": str(err)})
            else:
                print(f"{url}\n  cannot be checked: {err}", file=sys.stderr)
            continue
        if args.output:
            records.append(decision.as_json())
        else:
            verdict = "blocked" if decision.blocked else "allowed"
            why = decision.rule or ("not watched by any rule" if decision.reason == "none" else decision.reason)
            print(f"{url}\n  {verdict}: {why}")
    if args.output:
        print_records(records, args.output, EXPLAIN_FIELDS)
    return 1 if failed else 0


def add_commands(sub) -> None:
    """Add `check` and `explain` to the subparsers."""
    from agent.commands.output import add_output_options  # here: `run` and `pac-server` load this module too

    check = with_config(sub.add_parser("check", help="validate the config and say what it blocks"))
    check.add_argument("--in-full", action="store_true",
                       help="also show each handle, id, name, email and phone number (they appear on screen)")
    check.set_defaults(func=cmd_check)

    explain = with_config(sub.add_parser("explain", help="say whether URLs would be blocked, and why"))
    add_output_options(explain)
    explain.add_argument("urls", nargs="+", metavar="URL", help="URLs to check, or - to read them from standard input")
    explain.set_defaults(func=cmd_explain)
