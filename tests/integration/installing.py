"""What the install tests share: a runner that records commands, a stand-in for the Windows registry, and a
data directory that holds a CA (bound as fixtures in each test module: `data_dir = installing.data_dir`)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from agent.system.account import run_command
from agent.system.ca import ensure_ca
from agent.system.windows import INTERNET_SETTINGS

PAC = "http://127.0.0.1:8082/proxy.pac"
REQUIRED = bool(os.environ.get("NOCONTACT_REQUIRE_BROWSER") or os.environ.get("NOCONTACT_REQUIRE_DBUS"))


def need(tool: str, package: str) -> None:
    if shutil.which(tool) is None:
        if REQUIRED:
            pytest.fail(f"{tool} is required here but was not found (apt-get install {package})")
        pytest.skip(f"no {tool} on this machine ({package})")


class Recorder:
    """The runner: records every command; runs it for real, or answers from a script (macOS, Windows)."""

    def __init__(self, answers: dict[tuple, tuple[int, str]] | None = None, real: bool = False):
        self.answers, self.real, self.calls = answers or {}, real, []

    def __call__(self, argv: list[str]) -> tuple[int, str]:
        self.calls.append(list(argv))
        for prefix, answer in self.answers.items():
            if tuple(argv[:len(prefix)]) == prefix:
                return answer
        return run_command(argv) if self.real else (0, "")

    def since(self, mark: int) -> list[list[str]]:
        return self.calls[mark:]


def changes(calls: list[list[str]], *reads: list[str]) -> list[list[str]]:
    """The commands that change something: all but the read-only ones named."""
    return [c for c in calls if not any(c[:len(r)] == r for r in reads)]


@pytest.fixture(scope="module")
def ca_source(tmp_path_factory) -> Path:
    """One CA for the module, made as the agent makes it (mitmproxy's format)."""
    data = tmp_path_factory.mktemp("ca-source")
    ensure_ca(data)
    return data / "ca"


@pytest.fixture
def data_dir(tmp_path, ca_source) -> Path:
    data = tmp_path / "nocontact data"  # a space: the unit must quote it
    data.mkdir(mode=0o700)
    shutil.copytree(ca_source, data / "ca")
    return data



class Registry:
    """A stand-in for winreg: the per-user Internet Settings key as a dict of name -> (value, type)."""

    HKEY_CURRENT_USER = "HKCU"
    KEY_SET_VALUE = 2
    REG_SZ = 1

    def __init__(self, values: dict):
        self.values = dict(values)

    def OpenKey(self, root, path):  # noqa: N802 (winreg's names)
        assert (root, path) == ("HKCU", INTERNET_SETTINGS)
        return "key"

    def CreateKeyEx(self, root, path, reserved, access):  # noqa: N802
        assert (root, path, access) == ("HKCU", INTERNET_SETTINGS, self.KEY_SET_VALUE)
        return "key"

    def QueryValueEx(self, key, name):  # noqa: N802
        if name not in self.values:
            raise FileNotFoundError(name)
        return self.values[name]

    def SetValueEx(self, key, name, reserved, kind, value):  # noqa: N802
        self.values[name] = (value, kind)

    def DeleteValue(self, key, name):  # noqa: N802
        if name not in self.values:
            raise FileNotFoundError(name)
        del self.values[name]

    def CloseKey(self, key):  # noqa: N802
        pass
