"""The commands that read the config without running anything: check and explain."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from agent import paths
from agent.config import Config, load_config
from agent.engine.categories import BY_KEY
from agent.engine.urls import UrlError
from agent.errors import UsageError
from agent.review import plural


def config_path(args) -> Path:
    return Path(args.config) if args.config else paths.config_path()


def with_config(parser):
    parser.add_argument("--config", metavar="FILE", help="config file (default: the data directory's config.yaml)")
    return parser


def _policy(config: Config):
    from agent.engine.policy import Policy
    from agent.subscriptions import Subscriptions

    return Policy(config, Subscriptions(paths.home() / "lists").for_policy(config))  # with the copies kept


def cmd_check(args) -> int:
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
        print(f"  Your own blocks: {len(config.block.sites)} sites, {len(config.block.urls)} URLs")
    if config.allow:
        print(f"  Never blocked: {', '.join(config.allow)}")
    print(f"  Hosts watched by the proxy: {len(policy.watched_domains)} domains (everything else goes direct)")
    return 0


def cmd_explain(args) -> int:
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
