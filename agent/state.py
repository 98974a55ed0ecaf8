"""`state.json`: where the running agent says it listens, for `nocontact status`, install and doctor.

The agent writes it when its proxy is ready and removes it when it stops; a file left
behind by a crash names a process that is gone (or a later one that reused its pid).
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path

import psutil

from agent import paths


@dataclass(frozen=True, slots=True)
class State:
    pid: int
    started: float | None = None  # the process's start time: tells it from a later one with the same pid
    proxy: str | None = None  # host:port
    pac_url: str | None = None  # the agent's own PAC address (the installed PAC service has its own)
    pages: str | None = None  # the loopback pages server and its API
    ca_cert: str | None = None
    config: str | None = None

    @classmethod
    def from_dict(cls, data: dict) -> State:
        """From the file's fields; unknown ones are left out, a missing or wrong pid is a ValueError."""
        known = {f.name for f in dataclasses.fields(cls)}
        state = cls(**{k: v for k, v in data.items() if k in known})
        return dataclasses.replace(state, pid=int(state.pid))

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)


def read(data_dir: Path) -> State | None:
    """What `state.json` in `data_dir` says, or None when there is none (or it cannot be read)."""
    try:
        return State.from_dict(json.loads(paths.state_path(data_dir).read_text()))
    except (OSError, ValueError, TypeError, AttributeError):  # AttributeError: not an object
        return None


def write(data_dir: Path, state: State) -> None:
    """Replace the file at once: a command reading it meanwhile never sees half of it (and takes it for none)."""
    paths.write_whole(paths.state_path(data_dir), json.dumps(state.as_dict(), indent=2).encode(), mode=0o600)


def remove(data_dir: Path) -> None:
    paths.state_path(data_dir).unlink(missing_ok=True)


def running(data_dir: Path) -> State | None:
    """The running agent's state, or None when it is not running (no file, or one a crash left)."""
    state = read(data_dir)
    if state is None:
        return None
    try:
        # Not os.kill(pid, 0): on Windows that sends Ctrl+C. A reused pid is told apart by its start time.
        started = psutil.Process(state.pid).create_time()
    except (OSError, ValueError, psutil.Error):
        return None
    return state if state.started is None or abs(started - float(state.started)) < 1 else None
