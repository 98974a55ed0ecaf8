"""The `nocontact` command: a thin layer over the agent's Python API.

Exit codes: 0 success (`nocontact` alone prints its help), 1 an error (one clear
line, no traceback unless --debug), 2 wrong usage, 141 when whoever read the
output stopped reading (`nocontact urges | head -1`), as git does.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys

from agent.errors import UsageError, UserError

# The modules that add commands, with the commands each adds, in the order `nocontact --help` lists them.
# Only the module of the command given is imported: the always-on `nocontact pac-server` stays small.
COMMANDS = {
    "agent.commands.serve": ("run", "pac-server"),
    "agent.commands.config": ("check", "explain"),
    "agent.commands.send": ("explain-send",),
    "agent.commands.log": ("urges", "review", "letters", "export", "wipe"),
    "agent.commands.control": ("status", "override", "stop"),
    "agent.commands.lists": ("lists",),
    "agent.system.commands": ("install", "uninstall", "doctor"),
    "agent.commands.ca": ("ca",),
    "agent.commands.devices": ("devices",),
}
CLOSED_PIPE = 128 + 13  # as a process ended by SIGPIPE reports it (git log | head -1)


class _Version(argparse.Action):
    """--version, read from the installed package's metadata only when asked for."""

    def __init__(self, option_strings, dest, **kwargs):
        super().__init__(option_strings, dest, nargs=0, help="say which version this is and exit")

    def __call__(self, parser, namespace, values, option_string=None):
        from importlib.metadata import PackageNotFoundError, version

        try:
            print(f"nocontact {version('nocontact')}")
        except PackageNotFoundError:
            print("nocontact (not installed: run from a checkout, version unknown)")
        parser.exit()


def _global_options(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser.add_argument("--debug", action="store_true", help="show full error details")
    parser.add_argument("--home", metavar="DIR",
                        help="the data directory (default: $NOCONTACT_HOME, else your user data folder)")
    return parser


def command_in(argv: list[str]) -> str | None:
    """The command `argv` names, read before the whole parser is built; None for none (or an option first)."""
    early = _global_options(argparse.ArgumentParser(prog="nocontact", add_help=False, exit_on_error=False))
    try:
        _, rest = early.parse_known_args(argv)
    except argparse.ArgumentError:
        return None  # the whole parser says what is wrong
    return rest[0] if rest and not rest[0].startswith("-") else None


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser with every command, or with only `command`'s group when it is a known one."""
    parser = _global_options(argparse.ArgumentParser(prog="nocontact", description="Keep the no-contact rule, gently."))
    parser.add_argument("--version", action=_Version)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    groups = [module for module, names in COMMANDS.items() if command in names] or list(COMMANDS)
    for module in groups:
        importlib.import_module(module).add_commands(sub)
    return parser


def _user_errors() -> tuple[type[BaseException], ...]:
    """What is shown as one line: the person's mistakes, the system's refusals, and a damaged log (if read)."""
    sqlite3 = sys.modules.get("sqlite3")  # imported only by the commands that read the log
    return (UserError, OSError) + ((sqlite3.Error,) if sqlite3 else ())


def _quiet_stdout() -> None:
    """Whoever read the output stopped: what is left to print (at exit too) goes nowhere."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser(command_in(argv))
    args = parser.parse_args(argv)
    if args.command is None:  # `nocontact` alone: what it can do, not a mistake
        parser.print_help()
        return 0
    if args.home:  # before anything reads the data directory (a Windows task cannot set variables)
        os.environ["NOCONTACT_HOME"] = args.home
    if sys.stdout is None or sys.stderr is None:
        # pythonw (the Windows logon tasks) has no console: what would be printed goes to a log file.
        from agent import paths

        log_file = open(paths.home() / "nocontact.log", "a", encoding="utf-8", buffering=1)
        sys.stdout, sys.stderr = sys.stdout or log_file, sys.stderr or log_file
    # Our own messages only; mitmproxy's go through its own (quiet) terminal log.
    ours = logging.getLogger("nocontact")
    ours.addHandler(logging.StreamHandler())
    ours.setLevel(logging.DEBUG if args.debug else logging.INFO)
    ours.propagate = False
    try:
        code = args.func(args)
        sys.stdout.flush()  # a closed pipe shows here, not as a message at exit
        return code
    except BrokenPipeError:  # before OSError: not a mistake, the reader had enough (`| head -1`)
        _quiet_stdout()
        return CLOSED_PIPE
    except UsageError as err:  # before UserError: it is one, shown with the usage
        parser.error(str(err))
    except _user_errors() as err:
        if args.debug:
            raise
        print(f"nocontact: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:  # before the agent's own handler was in place
        from agent.commands.serve import as_service

        return 130 if as_service(args) else 0


if __name__ == "__main__":
    sys.exit(main())
