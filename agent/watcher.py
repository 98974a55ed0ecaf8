"""The process watcher: barred apps and browsers started around the proxy.

Each tick lists the process ids (cheap) and inspects only the ones it has not
seen before; a process is read once, when it first appears. The tick runs off
the event loop; what it finds is handed back to the agent.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

import psutil

from agent.apps import AppMatcher, AppRule, Process, bypass_flags

log = logging.getLogger("nocontact")

CLOSE_GRACE_SECONDS = 5.0  # a polite terminate first; kill only after this


@dataclass
class Findings:
    apps: list[tuple[AppRule, Process]] = field(default_factory=list)
    bypasses: list[tuple[Process, str]] = field(default_factory=list)


def read_process(pid: int) -> Process | None:
    """Name, executable and command line of `pid`, or None if it is gone or hidden from us."""
    try:
        proc = psutil.Process(pid)
        with proc.oneshot():
            name = proc.name()
            try:
                exe = proc.exe()
            except (psutil.AccessDenied, psutil.ZombieProcess, OSError):
                exe = ""
            try:
                cmdline = tuple(proc.cmdline())
            except (psutil.AccessDenied, psutil.ZombieProcess, OSError):
                cmdline = ()
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess, OSError):
        return None
    return Process(pid, name, exe, cmdline)


class Watcher:
    def __init__(self, matcher: AppMatcher, watches: Callable[[str], bool], own_pid: int | None = None):
        self.matcher = matcher
        self.watches = watches
        self._seen: set[int] = set()
        self._own = {own_pid} if own_pid else set()

    def scan(self) -> Findings:
        """One tick: read the processes that appeared since the last tick."""
        pids = set(psutil.pids())
        new = pids - self._seen - self._own
        self._seen = pids  # forget the ones that ended, so a reused pid is read again
        found = Findings()
        for pid in sorted(new):
            process = read_process(pid)
            if process is None:
                continue
            rule = self.matcher.match(process)
            if rule is not None:
                found.apps.append((rule, process))
            bypass = bypass_flags(process, self.watches)
            if bypass:
                found.bypasses.append((process, bypass))
        return found

    def forget(self, pid: int) -> None:
        """Read `pid` again on the next tick (after a window closes, for instance)."""
        self._seen.discard(pid)


def close(pid: int, grace: float = CLOSE_GRACE_SECONDS) -> bool:
    """Ask the process to quit; kill it only if it is still there after `grace` seconds."""
    try:
        proc = psutil.Process(pid)
        proc.terminate()
        try:
            proc.wait(grace)
        except psutil.TimeoutExpired:
            proc.kill()
        return True
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return False


def _signal(pid: int, action: str) -> bool:
    try:
        getattr(psutil.Process(pid), action)()
        return True
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return False


def suspend(pid: int) -> bool:
    return _signal(pid, "suspend")


def resume(pid: int) -> bool:
    return _signal(pid, "resume")
