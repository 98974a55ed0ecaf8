"""Read where the system sends web traffic, so the agent notices when it is taken out of the path.

Sources: GNOME (gsettings), KDE (kioslaverc), the proxy environment
variables, macOS (`scutil --proxy`) and Windows (the per-user Internet
Settings in the registry). Each reader returns what it finds or nothing; a
reader that cannot run on this system is skipped quietly.
"""

from __future__ import annotations

import configparser
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class ProxySetting:
    source: str  # "gnome", "kde", "environment", "macos", "windows"
    pac_url: str | None = None
    proxy: str | None = None  # host:port of a fixed proxy

    def points_at(self, pac_url: str, proxy: str) -> bool:
        return same_pac(self.pac_url, pac_url) or (self.proxy or "").removeprefix("http://").rstrip("/") == proxy


def same_pac(a: str | None, b: str | None) -> bool:
    """The same PAC address, whatever its version query (the agent adds ?v=... so browsers fetch it again)."""
    return bool(a and b) and a.split("?", 1)[0] == b.split("?", 1)[0]


Runner = Callable[[list[str]], str | None]


def _run(command: list[str]) -> str | None:
    if shutil.which(command[0]) is None:
        return None
    try:
        return subprocess.run(command, capture_output=True, text=True, timeout=5, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return None


def gnome(run: Runner = _run) -> ProxySetting | None:
    def get(key: str, schema: str = "org.gnome.system.proxy") -> str | None:
        out = run(["gsettings", "get", schema, key])
        return out.strip().strip("'") if out is not None else None

    mode = get("mode")
    if mode == "auto":
        return ProxySetting("gnome", pac_url=get("autoconfig-url") or None)
    if mode == "manual":
        host, port = get("host", "org.gnome.system.proxy.https"), get("port", "org.gnome.system.proxy.https")
        return ProxySetting("gnome", proxy=f"{host}:{port}" if host else None)
    return ProxySetting("gnome") if mode is not None else None


def config_home(home: Path, env: Mapping[str, str]) -> Path:
    """Where desktop settings live ($XDG_CONFIG_HOME, else ~/.config)."""
    return Path(env["XDG_CONFIG_HOME"]) if env.get("XDG_CONFIG_HOME") else home / ".config"


def kde(home: Path, env: Mapping[str, str] | None = None) -> ProxySetting | None:
    path = config_home(home, {} if env is None else env) / "kioslaverc"
    if not path.exists():
        return None
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read(path, encoding="utf-8")
    except (configparser.Error, UnicodeDecodeError):
        return None
    section = parser["Proxy Settings"] if parser.has_section("Proxy Settings") else {}
    kind = section.get("ProxyType", "0")
    if kind == "2":
        return ProxySetting("kde", pac_url=section.get("Proxy Config Script") or None)
    if kind == "1":
        return ProxySetting("kde", proxy=(section.get("httpsProxy") or "").replace(" ", ":") or None)
    return ProxySetting("kde")


def environment(env: Mapping[str, str]) -> ProxySetting | None:
    """The session's variables: auto_proxy (a PAC URL, which Chromium reads outside GNOME and KDE) or a proxy."""
    value = next((env[k] for k in ("https_proxy", "HTTPS_PROXY", "http_proxy", "HTTP_PROXY") if env.get(k)), None)
    if env.get("auto_proxy") or value:
        return ProxySetting("environment", pac_url=env.get("auto_proxy") or None, proxy=value)
    return None


def macos(run: Runner = _run) -> ProxySetting | None:
    out = run(["scutil", "--proxy"])
    if out is None:
        return None
    values = {}
    for line in out.splitlines():
        key, sep, value = line.partition(" : ")
        if sep:
            values[key.strip()] = value.strip()
    pac = values.get("ProxyAutoConfigURLString") if values.get("ProxyAutoConfigEnable") == "1" else None
    fixed = f"{values.get('HTTPSProxy')}:{values.get('HTTPSPort')}" if values.get("HTTPSEnable") == "1" else None
    return ProxySetting("macos", pac_url=pac, proxy=fixed)


def windows(registry=None) -> ProxySetting | None:
    if registry is None:
        if sys.platform != "win32":
            return None
        import winreg as registry
    try:
        key = registry.OpenKey(registry.HKEY_CURRENT_USER,
                               r"Software\Microsoft\Windows\CurrentVersion\Internet Settings")
    except OSError:
        return None

    def value(name: str):
        try:
            return registry.QueryValueEx(key, name)[0]
        except OSError:
            return None

    enabled = value("ProxyEnable") == 1
    return ProxySetting("windows", pac_url=value("AutoConfigURL") or None,
                        proxy=value("ProxyServer") if enabled else None)


def read_all(env: Mapping[str, str] | None = None, home: Path | None = None, run: Runner = _run,
             registry=None) -> list[ProxySetting]:
    """Every proxy setting this system has, from each source that answers."""
    env = os.environ if env is None else env
    home = Path.home() if home is None else home
    found = [gnome(run), kde(home, env), environment(env), macos(run) if sys.platform == "darwin" else None,
             windows(registry)]
    return [setting for setting in found if setting is not None]


class ProxyWatch:
    """Remembers which sources pointed at the agent; says when one of them stops doing so."""

    def __init__(self, pac_urls: Iterable[str], proxy: str, read: Callable[[], list[ProxySetting]] = read_all):
        self.pac_urls, self.proxy, self.read = frozenset(pac_urls), proxy, read  # the agent's own, the PAC service's
        self._pointing: set[str] = set()

    def check(self) -> list[str]:
        """Sources that pointed at the agent before and no longer do."""
        now = {s.source for s in self.read() if any(s.points_at(url, self.proxy) for url in self.pac_urls)}
        lost = sorted(self._pointing - now)
        self._pointing = now
        return lost
