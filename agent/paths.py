"""Where things live: the data directory and the files shipped with the package."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path

import platformdirs

import agent


def shipped_dir() -> Path:
    """`config/` of the checkout, or its copy inside the installed wheel."""
    inside_wheel = Path(agent.__file__).parent / "_config"
    return inside_wheel if inside_wheel.is_dir() else Path(agent.__file__).parent.parent / "config"


def default_config() -> Path:
    return shipped_dir() / "default.yaml"


def list_file(category: str) -> Path:
    return shipped_dir() / "lists" / f"{category}.txt"


def home() -> Path:
    """The data directory, created with mode 0700 (it holds the urge log and the CA key)."""
    env = os.environ.get("NOCONTACT_HOME")
    path = Path(env).expanduser() if env else Path(platformdirs.user_data_dir("nocontact", appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    os.chmod(path, 0o700)
    return path


def config_path() -> Path:
    """The person's config; copied from the shipped default on first use."""
    path = home() / "config.yaml"
    if not path.exists():
        shutil.copyfile(default_config(), path)
        os.chmod(path, 0o600)
    return path


def database_path() -> Path:
    return home() / "nocontact.sqlite3"


def ca_dir(data_dir: Path | None = None) -> Path:
    """mitmproxy's confdir, made private; the CA's private key files in it readable by you alone."""
    path = (home() if data_dir is None else data_dir) / "ca"
    path.mkdir(parents=True, exist_ok=True)
    os.chmod(path, 0o700)
    secure_ca(path)
    return path


def secure_ca(folder: Path) -> None:
    for key_file in ("mitmproxy-ca.pem", "mitmproxy-ca.p12"):
        if (folder / key_file).exists():
            os.chmod(folder / key_file, 0o600)


def state_path(data_dir: Path | None = None) -> Path:
    """Written by a running agent so that `nocontact status` can find it (agent/state.py reads and writes it)."""
    return (home() if data_dir is None else Path(data_dir)) / "state.json"


def pac_path(data_dir: Path | None = None) -> Path:
    """The routing the running agent keeps for the PAC service (`nocontact pac-server`)."""
    return (home() if data_dir is None else data_dir) / "proxy.pac"


def secret_path() -> Path:
    return home() / "secret"


def write_whole(path: Path, data: bytes, mode: int = 0o644) -> None:
    """Write a file through a temporary one of its own beside it, then rename: a reader never sees half of it."""
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def guard_dir(data_dir: Path) -> Path:
    """The folder outside the data directory that keeps the second copies, one per data directory (the log's).

    `$NOCONTACT_GUARD_HOME` if set, else the user state folder from platformdirs (Linux:
    ~/.local/state/nocontact); where that is the data directory itself (macOS, Windows), a
    folder beside it named nocontact-guard. It stays inside the person's own account.
    """
    env = os.environ.get("NOCONTACT_GUARD_HOME")
    data_dir = Path(data_dir).resolve()
    if env:
        base = Path(env).expanduser()
    else:
        base = Path(platformdirs.user_state_dir("nocontact", appauthor=False)).resolve()
        if base == data_dir or data_dir in base.parents:
            base = base.with_name("nocontact-guard")
    return base / f"home-{hashlib.sha256(str(data_dir).encode()).hexdigest()[:12]}"
