"""The commands that keep running: run (the agent) and pac-server (the PAC file alone), as a person or a
service starts them."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from collections.abc import Callable

# Only what `pac-server` needs is imported here: the PAC service is always on, so it stays small.
from agent import paths
from agent.commands.config import add_the_person, config_path, with_config
from agent.errors import UserError
from agent.web.pac import SERVICE_PORT as DEFAULT_PAC_PORT

log = logging.getLogger("nocontact")

RESTART_PAUSE_MAX = 60.0


def _port(text: str) -> int:
    if not text.isdigit() or not 0 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r}: expected a port number from 0 to 65535")
    return int(text)


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
            raise UserError(
                f"port {port} on {host} is already in use (is nocontact already running? "
                f"`nocontact status` tells; or choose another with --port)"
            ) from None


def as_service(args) -> bool:
    return bool(os.environ.get("NOCONTACT_SERVICE") or getattr(args, "keep_running", False))


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
        except (UserError, OSError) as err:  # a port still taken, say: it may be free in a moment
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
    import asyncio

    from agent.agent import Agent
    from agent.config import ConfigError, load_config
    from agent.run import serve
    from agent.web import pages

    def mistake_in(err: ConfigError) -> ConfigError:
        # A service's output goes to the system log: say where the mistake is, not the values.
        return ConfigError(f"the config has a mistake ({err.where()}); `nocontact check` shows what to fix")

    path = config_path(args)
    mistake = None
    try:
        load_config(path)
    except ConfigError as err:
        mistake = err  # the agent may still start on the last good config: it says so, below
    try:
        pages_port = _ports(args)
    except UserError:
        if mistake is None:
            raise
        raise mistake_in(mistake) from None  # the person's to fix, and said first
    try:
        agent = Agent(path)
    except ConfigError as err:
        raise mistake_in(err) from None
    if agent.config_problem:
        log.warning("The config has a mistake (%s), so the last good one stays in force until it is fixed. "
                    "`nocontact check` shows what to fix.", agent.config_problem)
        agent.notifier.notify(*pages.config_kept_text(), target="config")
    def announce(text: str) -> None:
        print(text, flush=True)
        if not agent.config.people:
            print(add_the_person(agent.config_path), flush=True)

    try:
        waited = asyncio.run(serve(agent, args.host, args.port, pages_port, args.set, announce=announce))
    finally:
        agent.close()
    # As a service only a stop that waited out its cooldown ends with 0 and stays stopped; a stop by
    # a signal is 128 + its number, and any other end 1, so the service manager starts it again.
    if waited or not as_service(args):
        return 0
    return 128 + agent.stopped_by_signal if agent.stopped_by_signal else 1


def _ports(args) -> int | None:
    """The pages' port to ask for, once the proxy's port (and the pages', when known) is free."""
    _port_free(args.host, args.port)
    if args.pages_port is None and not args.port:
        return None  # both chosen by the system
    try:
        _port_free(args.host, args.pages_port if args.pages_port is not None else args.port + 1)
    except UserError:
        if not as_service(args):
            raise
        # As a service the proxy matters more than where its pages are: `nocontact status` finds them.
        log.warning("The port for nocontact's pages is in use; they are served on another one for now.")
        return 0
    return args.pages_port


def cmd_pac_server(args) -> int:
    # Plain HTTP on loopback, always on: OpenSSL, which http.client and asyncio load in case it is
    # needed, would be a fifth of its memory. Kept out, unless this process has loaded it already.
    sys.modules.setdefault("ssl", None)
    return restarting(_pac_server_once, args) if args.keep_running else _pac_server_once(args)


def _pac_server_once(args) -> int:
    from agent.web.pac_server import PacServer

    _port_free(args.host, args.port)
    server = PacServer(paths.pac_path(), args.host, args.port)
    print(f"Serving nocontact's PAC file at {server.url} (from {paths.pac_path()}).", flush=True)
    server.serve_forever()
    return 0


def add_commands(sub) -> None:
    """Add `run` and `pac-server` to the subparsers."""
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
