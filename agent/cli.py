"""The `nocontact` command: a thin layer over the agent's Python API.

Exit codes: 0 success, 1 an error (one clear line, no traceback unless
--debug), 2 wrong usage.
"""

from __future__ import annotations

import argparse
import logging
import os
import sqlite3
import sys

from agent import config_commands, control_commands, list_commands, log_commands, paths, send_commands, serve_commands
from agent.errors import UsageError, UserError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="nocontact", description="Keep the no-contact rule, gently.")
    parser.add_argument("--debug", action="store_true", help="show full error details")
    parser.add_argument("--home", metavar="DIR",
                        help="the data directory (default: $NOCONTACT_HOME, else your user data folder)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    # In the order `nocontact --help` lists them.
    for group in (serve_commands, config_commands, send_commands, log_commands, control_commands, list_commands):
        group.add_commands(sub)

    from agent.system.commands import add_commands

    add_commands(sub)  # install, uninstall, doctor

    from agent.ca_commands import add_commands as add_ca_commands

    add_ca_commands(sub)  # ca, ca rotate
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
    except UsageError as err:  # before UserError: it is one, shown with the usage
        parser.error(str(err))
    except (UserError, OSError, sqlite3.Error) as err:
        if args.debug:
            raise
        print(f"nocontact: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:  # before the agent's own handler was in place
        return 130 if serve_commands.as_service(args) else 0


if __name__ == "__main__":
    sys.exit(main())
