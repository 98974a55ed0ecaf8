"""`nocontact ca`: what this install's CA can vouch for; `nocontact ca rotate`: a new one in its place."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from agent import ca, paths
from agent.config import Config, ConfigError, load_config
from agent.engine.policy import Policy
from agent.lists.builtin import builtin_lists
from agent.review import plural
from agent.system.ca import fingerprint

OTHER = "other"  # a name the CA holds that the config and lists no longer need


def describe(folder: Path, config: Config) -> dict:
    """What the CA in `folder` can vouch for, by where the need comes from, and what the config watches outside it."""
    cert = ca.load_cert(folder)
    if cert is None:
        raise ConfigError(f"there is no CA in {folder} yet; `nocontact run` or `nocontact install` makes one")
    reach = ca.reach(cert)
    found = {"ca": str(folder / ca.CERT_FILE), "sha1": fingerprint((folder / ca.CERT_FILE).read_text()),
             "constrained": reach.constrained, "ip_addresses": reach.ips}
    if reach.constrained:
        needs: dict[str, str] = {}
        for source, names in ca.sources(config).items():
            for name in names:
                needs.setdefault(name, source)
        counts = dict.fromkeys(ca.SOURCES, 0) | {OTHER: 0}
        for name in reach.permitted:
            counts[needs.get(name, OTHER)] += 1
        found |= {"counts": {k: n for k, n in counts.items() if n}, "permitted": sorted(reach.permitted),
                  "excluded": sorted(reach.excluded)}
    found["outside"] = ca.outside(Policy(config, builtin_lists(config.block.categories)), reach)
    return found


def render(found: dict) -> str:
    lines = [f"This install's certificate authority (CA): {found['ca']}"]
    if not found["constrained"]:
        lines += ["It can vouch for every site: an earlier version of nocontact made it. Whoever copies its key could",
                  "pretend to be any site to you, your bank and your mail included.",
                  "`nocontact ca rotate` replaces it with one that can vouch only for the sites nocontact reads."]
        return "\n".join(lines)
    labels = ca.SOURCES | {OTHER: "no longer needed by the config"}
    lines.append(f"It can vouch only for these {len(found['permitted'])} sites (each with its subdomains), "
                 "and for no IP address:")
    width = max(len(labels[k]) for k in found["counts"])
    lines += [f"  {labels[k].ljust(width)}  {n:>4}" for k, n in found["counts"].items()]
    if found["excluded"]:
        known = [h for h in ("mail.google.com", "accounts.google.com", "mail.yandex.ru") if h in found["excluded"]]
        lines.append(f"Carved out of the search domains it must cover whole: {plural(len(found['excluded']), 'host')} "
                     f"for mail, accounts, files and messages ({', '.join(known or found['excluded'][:3])}, ...).")
    lines.append("Whoever copies its key could pretend to be one of these sites to you, and no other. "
                 "`nocontact ca --json` lists them.")
    outside = found["outside"]
    if outside:
        lines += [f"Outside it, and watched by the config now: {', '.join(outside)}.",
                  "Those are refused (with a notification) instead of showing the gentle page. "
                  "`nocontact ca rotate` makes a CA that covers them."]
    else:
        lines.append("Everything the config watches is within it.")
    return "\n".join(lines)


def _config(args) -> Config:
    return load_config(Path(args.config) if args.config else paths.config_path())


def cmd_ca(args) -> int:
    found = describe(paths.home() / "ca", _config(args))
    print(json.dumps(found, indent=2) if args.json else render(found))
    return 0


def cmd_rotate(args) -> int:
    from agent.system.commands import not_under_sudo
    from agent.system.rotate import rotate

    not_under_sudo()
    return rotate(paths.home(), Path.home(), config=_config(args), yes=args.yes)


def add_commands(sub) -> None:
    """Add `ca` (and `ca rotate`) to the `nocontact` subparsers."""
    parser = sub.add_parser("ca", help="what this install's certificate authority can vouch for")
    parser.add_argument("--json", action="store_true", help="everything, with the list of sites")
    parser.add_argument("--config", metavar="FILE", help="config file (default: the data directory's config.yaml)")
    parser.set_defaults(func=cmd_ca)
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    rotate = actions.add_parser("rotate", help="make a new CA for the config as it is, trusted where the old one was")
    rotate.add_argument("--yes", action="store_true", help="do not ask before changing anything")
    rotate.add_argument("--config", metavar="FILE", default=argparse.SUPPRESS,  # the one given before `rotate` stays
                        help="config file (default: the data directory's config.yaml)")
    rotate.set_defaults(func=cmd_rotate)
