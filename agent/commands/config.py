"""The commands that read the config without running anything: check and explain."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from agent import paths
from agent.errors import UsageError

# The config and the engine are imported by the commands that use them: `run` and `pac-server` take
# --config from here, and the PAC service must not load them.
if TYPE_CHECKING:
    from agent.config import Config


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
            platforms = sorted({i.platform for i in person.identities})
            extra = [plural(len(v), k) for k, v in (("name", person.names), ("email", person.emails), ("phone", person.phones)) if v]
            print(f"  {person.alias}: profiles on {', '.join(platforms) or 'no platform'}"
                  + (f"; searches for {', '.join(extra)}" if extra else ""))
    else:
        print("  No person is set up yet: add one under 'people:' to block their profiles.")
    categories = [BY_KEY[key].plural for key in config.block.categories]
    print(f"  Whole categories blocked: {', '.join(categories) or 'none'}")
    if config.block.sites or config.block.urls:
        print(f"  Your own blocks: {plural(len(config.block.sites), 'site')}, "
              f"{plural(len(config.block.urls), 'URL')}")
    if config.allow:
        print(f"  Never blocked: {', '.join(config.allow)}")
    print(f"  Hosts watched by the proxy: {plural(len(policy.watched_domains), 'domain')} (everything else goes "
          "direct)")
    return 0


def cmd_explain(args) -> int:
    from agent.config import load_config
    from agent.engine.urls import UrlError

    policy = _policy(load_config(config_path(args)))
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


def add_commands(sub) -> None:
    """Add `check` and `explain` to the subparsers."""
    check = with_config(sub.add_parser("check", help="validate the config and say what it blocks"))
    check.set_defaults(func=cmd_check)

    explain = with_config(sub.add_parser("explain", help="say whether URLs would be blocked, and why"))
    explain.add_argument("--json", action="store_true", help="one JSON object per line")
    explain.add_argument("urls", nargs="+", metavar="URL", help="URLs to check, or - to read them from standard input")
    explain.set_defaults(func=cmd_explain)
