"""The person's account on this computer, as install, uninstall and doctor read and change it.

Every way in is a field that tests replace: they run the Linux commands for real and record
the macOS and Windows ones (with a stand-in for the Windows registry).
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

Runner = Callable[[list[str]], tuple[int, str]]  # argv -> (exit code, output)


def run_command(argv: list[str], timeout: float = 60) -> tuple[int, str]:
    """Run a command; its exit code and output (with the error output when it fails). 127 when not found."""
    if shutil.which(argv[0]) is None:
        return 127, f"{argv[0]}: not found"
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return 124, f"{argv[0]}: no answer after {timeout:.0f} seconds"
    except OSError as err:
        return 126, str(err)
    return done.returncode, done.stdout if done.returncode == 0 else (done.stdout + done.stderr).strip()


def quick_read(argv: list[str]) -> tuple[int, str]:
    """A read that answers at once or not at all (the agent asks every half minute)."""
    return run_command(argv, timeout=5)


def _uid() -> int:
    return os.getuid() if hasattr(os, "getuid") else 0


def _is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def _windows_user() -> str:
    name = os.environ.get("USERNAME") or os.environ.get("USER") or "user"
    domain = os.environ.get("USERDOMAIN")
    return f"{domain}\\{name}" if domain else name


@dataclass
class Account:
    system: str = field(default_factory=platform.system)  # as platform.system() names it
    home: Path = field(default_factory=Path.home)
    env: Mapping[str, str] = field(default_factory=lambda: os.environ)
    run: Runner = run_command
    which: Callable[[str], str | None] = shutil.which
    uid: int = field(default_factory=_uid)
    user: str = field(default_factory=_windows_user)  # Windows: the account its tasks run as
    root: bool = field(default_factory=_is_root)  # then the system-wide certificate store is ours to use too
    registry: Any = None  # winreg, or a stand-in; None: winreg itself, where there is one
    refresh: Callable[[], None] | None = None  # Windows: say the proxy settings changed (None: WinINet's call)

    def __post_init__(self) -> None:
        self.home = Path(self.home)

    @classmethod
    def of(cls, **facts: Any) -> Account:
        """This account, with the facts given in place of the real ones (None: as it is); tests give what
        they stand in for."""
        return cls(**{name: value for name, value in facts.items() if value is not None})

    def ok(self, *argv: str) -> bool:
        return self.run(list(argv))[0] == 0

    def out(self, *argv: str) -> str | None:
        """What a command prints, or None when it does not work."""
        code, output = self.run(list(argv))
        return output if code == 0 else None
