"""Reading the system proxy settings (each OS module reads its own), and noticing when they stop pointing at the
agent."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from agent.system import linux, macos, windows
from agent.system.account import Account, quick_read
from agent.system.proxysetting import ProxySetting
from agent.system.sysproxy import ProxyWatch

PAC = "http://127.0.0.1:8081/proxy.pac"


@pytest.fixture
def gnome_home(tmp_path, monkeypatch):
    """GNOME's real gsettings, on the keyfile backend in a temporary HOME (no desktop needed)."""
    if shutil.which("gsettings") is None:
        if os.environ.get("NOCONTACT_REQUIRE_DBUS"):
            pytest.fail("gsettings is required here but was not found")
        pytest.skip("no gsettings on this machine")
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / ".config"))
    monkeypatch.setenv("GSETTINGS_BACKEND", "keyfile")
    return tmp_path


def gsettings(*args: str) -> None:
    subprocess.run(["gsettings", "set", *args], check=True, capture_output=True)


def test_gnome_pac_and_manual_and_none(gnome_home):
    gsettings("org.gnome.system.proxy", "mode", "auto")
    gsettings("org.gnome.system.proxy", "autoconfig-url", PAC)
    assert linux.read_gnome(Account(run=quick_read)) == ProxySetting("gnome", pac_url=PAC)
    gsettings("org.gnome.system.proxy", "mode", "manual")
    gsettings("org.gnome.system.proxy.https", "host", "127.0.0.1")
    gsettings("org.gnome.system.proxy.https", "port", "8080")
    assert linux.read_gnome(Account(run=quick_read)) == ProxySetting("gnome", proxy="127.0.0.1:8080")
    gsettings("org.gnome.system.proxy", "mode", "none")
    assert linux.read_gnome(Account(run=quick_read)) == ProxySetting("gnome")


def test_kde_kioslaverc(tmp_path):
    config = tmp_path / ".config"
    config.mkdir()
    (config / "kioslaverc").write_text(f"[Proxy Settings]\nProxyType=2\nProxy Config Script={PAC}\n")
    assert linux.read_kde(tmp_path) == ProxySetting("kde", pac_url=PAC)
    (config / "kioslaverc").write_text("[Proxy Settings]\nProxyType=1\nhttpsProxy=http://127.0.0.1 8080\n")
    assert linux.read_kde(tmp_path) == ProxySetting("kde", proxy="http://127.0.0.1:8080")
    (config / "kioslaverc").write_text("[Proxy Settings]\nProxyType=0\n")
    assert linux.read_kde(tmp_path) == ProxySetting("kde")
    (config / "kioslaverc").write_bytes(b"\xff\xfe garbage [[[")
    assert linux.read_kde(tmp_path) is None
    assert linux.read_kde(tmp_path / "nowhere") is None
    # Where install writes it: $XDG_CONFIG_HOME when that is set.
    (config / "kioslaverc").write_text("[Proxy Settings]\nProxyType=0\n")
    assert linux.read_kde(tmp_path / "nowhere", {"XDG_CONFIG_HOME": str(config)}) == ProxySetting("kde")


def test_environment():
    assert linux.read_environment({"https_proxy": "http://127.0.0.1:8080/"}).points_at(PAC, "127.0.0.1:8080")
    assert linux.read_environment({}) is None
    assert linux.read_environment({"auto_proxy": PAC}) == ProxySetting("environment", pac_url=PAC)


def test_macos_scutil_output():
    # Not run here (no macOS): `scutil --proxy` output as macOS prints it is fed to the parser.
    out = """<dictionary> {
  HTTPEnable : 0
  ProxyAutoConfigEnable : 1
  ProxyAutoConfigURLString : http://127.0.0.1:8081/proxy.pac
}"""
    assert macos.read_proxy(Account(run=lambda argv: (0, out))) == ProxySetting("macos", pac_url=PAC)
    assert macos.read_proxy(Account(run=lambda argv: (1, ""))) is None


def test_windows_registry_values():
    # Not run here (no Windows registry): a stand-in with winreg's calls and errors.
    class Registry:
        HKEY_CURRENT_USER = object()

        def __init__(self, values):
            self.values = values

        def OpenKey(self, root, path):  # noqa: N802 (winreg's name)
            assert path == r"Software\Microsoft\Windows\CurrentVersion\Internet Settings"
            return "key"

        def QueryValueEx(self, key, name):  # noqa: N802
            if name not in self.values:
                raise OSError(name)
            return self.values[name], 1

        def CloseKey(self, key):  # noqa: N802
            pass

    assert windows.read_proxy(Registry({"AutoConfigURL": PAC})) == ProxySetting("windows", pac_url=PAC)
    assert windows.read_proxy(Registry({"ProxyEnable": 1, "ProxyServer": "127.0.0.1:8080"})).points_at(
        PAC, "127.0.0.1:8080")
    assert windows.read_proxy(Registry({"ProxyEnable": 0, "ProxyServer": "127.0.0.1:8080"})) == ProxySetting("windows")


def test_watch_says_when_a_source_stops_pointing_at_the_agent():
    settings = [[ProxySetting("gnome", pac_url=PAC), ProxySetting("environment", proxy="127.0.0.1:8080")],
                [ProxySetting("gnome", pac_url=PAC), ProxySetting("environment", proxy="127.0.0.1:8080")],
                [ProxySetting("gnome"), ProxySetting("environment", proxy="127.0.0.1:8080")],
                [ProxySetting("gnome")]]
    watch = ProxyWatch([PAC, "http://127.0.0.1:8082/proxy.pac"], "127.0.0.1:8080", read=lambda: settings.pop(0))
    assert watch.check() == []
    assert watch.check() == []
    assert watch.check() == ["gnome"]
    assert watch.check() == ["environment"]


def test_watch_knows_the_pac_service_as_the_agent():
    settings = [[ProxySetting("gnome", pac_url="http://127.0.0.1:8082/proxy.pac")], [ProxySetting("gnome")]]
    watch = ProxyWatch(["http://127.0.0.1:8081/proxy.pac", "http://127.0.0.1:8082/proxy.pac"], "127.0.0.1:8080",
                       read=lambda: settings.pop(0))
    assert watch.check() == [] and watch.check() == ["gnome"]


def test_a_versioned_pac_address_is_still_ours():
    assert ProxySetting("gnome", pac_url=PAC + "?v=3f2a9c01de").points_at(PAC, "127.0.0.1:8080")
    assert not ProxySetting("gnome", pac_url="http://127.0.0.1:9999/proxy.pac?v=1").points_at(PAC, "127.0.0.1:8080")
    assert not ProxySetting("gnome").points_at(PAC, "127.0.0.1:8080")
