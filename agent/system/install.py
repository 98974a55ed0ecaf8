"""`nocontact install` and `nocontact uninstall`: the service, the CA's trust and the system proxy.

`plan()` looks at this system (read-only) and returns the Steps that make
nocontact run from login, trust its CA where browsers look, and point the
system at its PAC URL; the steps for each OS's settings come from its module
(linux, macos, windows). Each step carries the actions that do it and the
actions that undo it, with the values as they were before. `install()` runs
the steps that are not already in place and keeps, for each, its undo in the
install record; `uninstall()` runs those undos in reverse order and removes
the record.

Every command goes through the account's runner (argv -> (exit code, output)),
which tests replace: they run the Linux commands for real and record the macOS
and Windows ones.
"""

from __future__ import annotations

import os
import platform
import shutil
import socket
import sys
import sysconfig
import urllib.parse
import urllib.request
from collections.abc import Callable, Sequence
from pathlib import Path

from agent import ca as agent_ca
from agent import state
from agent.config import ConfigError, load_config
from agent.engine.policy import Policy
from agent.lists.builtin import builtin_lists
from agent.paths import default_config, pac_path
from agent.system import firewall
from agent.system.account import Account, Runner, run_command
from agent.system.ca import CA_CERT, CreateCA, ensure_ca
from agent.system.oses import SYSTEMS, for_system
from agent.system.record import InstallRecord, load, record_path, save
from agent.system.services import DEFAULT_PAC_URL, DEFAULT_PROXY
from agent.system.steps import Step, attempt, file_step, note
from agent.web.pac import pac_file


def find_executable(system: str | None = None) -> list[str]:
    """The command that starts nocontact: the `nocontact` script if there is one, else this Python with -m agent."""
    if (system or platform.system()) == "Windows":
        # A console script opens a console window at every logon, and closing it would stop nocontact.
        windowless = Path(sys.executable).with_name("pythonw.exe")
        if windowless.is_file():
            return [str(windowless), "-m", "agent"]
    name = "nocontact.exe" if os.name == "nt" else "nocontact"
    candidates = [shutil.which("nocontact"), Path(sys.executable).parent / name,
                  Path(sysconfig.get_path("scripts")) / name,
                  Path(sysconfig.get_path("scripts", f"{os.name}_user")) / name]
    for candidate in candidates:
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return [os.path.abspath(candidate)]
    return [os.path.abspath(sys.executable), "-m", "agent"]


def routing(data_dir: Path) -> str:
    """The PAC file for the config in `data_dir` (the shipped default if there is none yet)."""
    config_file = data_dir / "config.yaml"
    try:
        config = load_config(config_file if config_file.exists() else default_config())
    except ConfigError as err:
        raise ConfigError(f"the config has a mistake ({err.where()}); `nocontact check` shows what to fix, "
                          "and install goes ahead once it is fixed") from None
    host, port = DEFAULT_PROXY.rsplit(":", 1)
    return pac_file(Policy(config, builtin_lists(config.block.categories)), host, int(port))


def fetch_local(url: str) -> str:
    """The start of what a loopback URL answers (never through a proxy); empty when nothing does."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback: never through a proxy
    try:
        with opener.open(url, timeout=2) as response:
            return response.read(4096).decode("utf-8", "replace")
    except (OSError, ValueError):
        return ""


# --- the plan ----------------------------------------------------------------------


def plan(home: Path, data_dir: Path, pac_url: str, executable: str | Sequence[str], system: str | None = None,
         *, run: Runner = run_command, **facts) -> list[Step]:
    """The steps that install nocontact on this system, each with its undo. Only reads; changes nothing.

    `facts` stand in for this account's own (which, root, uid, user, env, registry): see Account.
    """
    account = Account.of(home=home, system=system, run=run, **facts)
    return _plan(account, Path(data_dir), pac_url, _command(executable))


def _command(executable: str | Path | Sequence[str]) -> list[str]:
    """How to start the agent, without "run"."""
    command = [executable] if isinstance(executable, str | Path) else list(executable)
    return [str(c) for c in command]


def _plan(account: Account, data_dir: Path, pac_url: str, command: list[str]) -> list[Step]:
    ca = Step("ca", f"Create this install's certificate authority (CA) in {data_dir / 'ca'}",
              [CreateCA(str(data_dir / "ca"))], in_place=(data_dir / CA_CERT).exists())
    ports = _ports_in_use(data_dir, pac_url)
    # What the PAC service serves until the agent first runs (the agent keeps it up to date after).
    pac = file_step("pac-file", f"Write the routing the PAC service serves ({pac_path(data_dir)})",
                    pac_path(data_dir), routing(data_dir))
    # Once there, the agent keeps it (from the config in force, loosenings waiting their turn): never replaced.
    pac.in_place = pac.in_place or pac_path(data_dir).exists()
    module = for_system(account.system)
    if module is None:
        raise ConfigError(f"nocontact cannot install itself on {account.system} yet; `nocontact run` works there by "
                          "hand")
    # Last, each device's WireGuard port in the host firewall: a new device is let in by installing again.
    return [*ports, ca, *_ca_reach(data_dir), pac, *module.plan(account, data_dir, pac_url, command),
            *firewall.steps(account, data_dir)]


def _ca_reach(data_dir: Path) -> list[Step]:
    """A note when the CA in place is one an earlier version made, which can vouch for every site."""
    cert = agent_ca.load_cert(data_dir / "ca")
    if cert is None or agent_ca.reach(cert).constrained:
        return []
    return [note("ca-reach", "This install's CA was made by an earlier version and can vouch for every site; "
                             "`nocontact ca rotate` replaces it with one that vouches only for the sites nocontact "
                             "reads, trusted where this one is.")]


def _ports_in_use(data_dir: Path, pac_url: str) -> list[Step]:
    """A note for each port nocontact's services need that another program holds now."""
    proxy_host, proxy_port = DEFAULT_PROXY.rsplit(":", 1)
    pac = urllib.parse.urlsplit(pac_url)
    running = state.running(data_dir)
    notes = []
    for what, address, ours in (
        ("proxy", (proxy_host, int(proxy_port)), lambda: running is not None and running.proxy == DEFAULT_PROXY),
        ("PAC service", (pac.hostname or "127.0.0.1", pac.port or 80), lambda: "nocontact" in fetch_local(pac_url)),
    ):
        try:
            socket.create_connection(address, timeout=1).close()
        except OSError:
            continue  # free
        if not ours():
            notes.append(note(f"port:{address[1]}", f"Another program listens on port {address[1]}, which "
                                                    f"nocontact's {what} needs: it starts once that port is "
                                                    "free. `nocontact doctor` shows how it stands."))
    return notes


def plan_text(steps: Sequence[Step], title: str, undo: bool = False) -> str:
    """The plan as the person reads it: each step and exactly what it runs or writes."""
    lines = [title]
    number = 0
    for step in steps:
        actions = step.show(undo)
        if step.in_place or not actions:
            continue
        number += 1
        lines.append(f"  {number}. {'Undo: ' if undo else ''}{step.description}")
        lines += [f"       {action}" for action in actions]
    done = [s for s in steps if s.in_place]
    if done:
        lines.append("Already in place:")
        lines += [f"  - {s.description}" for s in done]
    notes = [s for s in steps if not s.actions and not s.in_place and not undo]
    if notes:
        lines.append("Good to know:")
        lines += [f"  - {s.description}" for s in notes]
    return "\n".join(lines)


# --- doing and undoing ----------------------------------------------------------------


def _dry_run_or_declined(dry_run: bool, yes: bool, ask: Callable[[str], str], out: Callable[[str], None]) -> int | None:
    """The exit code when nothing is to be changed (a dry run, or the person said no); None to go on."""
    if dry_run:
        out("This was a dry run: nothing was changed.")
        return 0
    if not yes and not confirm(ask):
        out("Nothing was changed.")
        return 1
    return None


def confirm(ask: Callable[[str], str]) -> bool:
    """Whether the person said yes (no answer: no)."""
    try:
        return ask("Go ahead? [y/N] ").strip().lower() in ("y", "yes")
    except EOFError:
        return False


def install(data_dir: Path, home: Path | None = None, *, pac_url: str = DEFAULT_PAC_URL,
            executable: str | Sequence[str] | None = None, system: str | None = None, dry_run: bool = False,
            yes: bool = False, out: Callable[[str], None] = print, ask: Callable[[str], str] = input,
            run: Runner = run_command, refresh: Callable[[], None] | None = None, **facts) -> int:
    """Make nocontact always on; 0 when everything is in place, 1 when a step could not be done.

    `facts` stand in for this account's own (which, root, uid, user, env, registry). A second install adds
    only what is missing or was changed since, and keeps the values from before the first one.
    """
    data_dir = Path(data_dir)
    account = Account.of(home=home, system=system, run=run, refresh=refresh, **facts)
    record = load(data_dir)
    command = _command(executable or find_executable(account.system))
    steps = _plan(account, data_dir, pac_url, command)  # a config mistake stops here
    todo = [s for s in steps if s.actions and not s.in_place]
    out(plan_text(steps, "nocontact install will:" if todo else "nocontact install:"))
    if not todo:
        out("Everything is already in place; nothing to change.")
        return 0
    stop = _dry_run_or_declined(dry_run, yes, ask, out)
    if stop is not None:
        return stop
    if not (data_dir / CA_CERT).exists():  # made only once the person said yes; the trust steps then name it
        ensure_ca(data_dir)
        steps = _plan(account, data_dir, pac_url, command)
        todo = [s for s in steps if s.actions and not s.in_place]
    record = record or InstallRecord(pac_url, account.system)
    recorded = {s.id for s in record.steps}
    problems = []
    for step in todo:
        error = step.do(account)  # stops at the first action that does not work, and puts this step back
        if error:  # the others stand
            problems.append(f"{step.description}: {error}")
            continue
        if step.id not in recorded:  # a repeated install keeps the values from before the first one
            record.steps.append(step)
            recorded.add(step.id)
        save(data_dir, record)
    if problems:
        out("Most of it is done. These steps could not be done, and were left as they were:")
        out("\n".join(f"  - {p}" for p in problems))
        out("`nocontact doctor` shows what is in place and what to do about the rest.")
        return 1
    out("Done. nocontact starts when you log in, and your browsers go through it. "
        "`nocontact doctor` checks it any time; `nocontact uninstall` puts everything back as it was.")
    return 0


def uninstall(data_dir: Path, *, dry_run: bool = False, yes: bool = False, out: Callable[[str], None] = print,
              ask: Callable[[str], str] = input, run: Runner = run_command, registry=None,
              refresh: Callable[[], None] | None = None) -> int:
    """Undo what the install record holds, newest first; 0 when everything is back as it was.

    This only undoes: whether the cooldown allows it is for the caller to ask first (`uninstall_refusal`).
    """
    data_dir = Path(data_dir)
    record = load(data_dir)
    if not record or not record.steps:
        record_path(data_dir).unlink(missing_ok=True)
        out(f"nocontact is not installed here (no install record in {data_dir}), so there is nothing to put back.")
        return 0
    steps = list(reversed(record.steps))
    out(plan_text(steps, "nocontact uninstall will put back:", undo=True))
    stop = _dry_run_or_declined(dry_run, yes, ask, out)
    if stop is not None:
        return stop
    account = Account.of(run=run, registry=registry, refresh=refresh)
    left, problems = set(), []
    for step in steps:
        errors = step.put_back(account)
        if errors:
            left.add(step.id)
            problems.append(f"{step.description}: {errors[0]}")
    if left:
        record.steps = [s for s in record.steps if s.id in left]
        save(data_dir, record)
        out("Most of it is back as it was. These could not be put back yet:")
        out("\n".join(f"  - {p}" for p in problems))
        out("Running `nocontact uninstall` again tries them once more.")
        return 1
    record_path(data_dir).unlink(missing_ok=True)
    out(f"Everything nocontact changed is back as it was. Your config, your log and this install's CA stay "
        f"in {data_dir}; remove that folder too if you want them gone.")
    return 0


# --- pointing the system at a new version of the PAC file ------------------------------


def repoint(data_dir: Path, url: str, *, run: Runner = run_command, registry=None,
            refresh: Callable[[], None] | None = None) -> None:
    """Point each system setting install made at `url`: the PAC service's address with a new version.

    Browsers fetch a PAC file again when its address changes, and otherwise keep the one they have
    for hours (Chromium: 12 h), so a change of the rules, a stop that waited or a start would not
    reach them. What install recorded to put back is left as it is.
    """
    record = load(data_dir)
    account = Account.of(run=run, registry=registry, refresh=refresh)
    for step in record.steps if record else []:
        for module in SYSTEMS.values():
            for action in module.repoint(step.id, step.undo, url):
                attempt(action, account)
