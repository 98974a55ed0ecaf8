"""`nocontact install` / `uninstall`.

Run for real here (Linux, temporary HOME): the systemd user unit (checked with
`systemd-analyze verify` where it exists), the CA in NSS databases with the
real `certutil` (libnss3-tools), and GNOME's proxy keys with the real
`gsettings` on its keyfile backend (no desktop or D-Bus session needed; the
dconf backend needs a session bus, the keyfile one reads and writes a file in
the temporary XDG_CONFIG_HOME). systemd's user manager is not reachable in a
container, so enabling the service is a note here; KDE's kwriteconfig is not
installed here, so its commands are asserted.

Not run here: macOS (launchctl, security, networksetup) and Windows
(schtasks, certutil -user, the registry): the exact commands and registry
values are recorded through the injected runner and a stand-in registry.
"""

from __future__ import annotations

import argparse
import configparser
import json
import os
import plistlib
import shutil
import stat
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from agent.system import install
from agent.system.doctor import pac_route
from agent.system.install import NICKNAME, Step, add_commands, plan, uninstall_refusal
from agent.web.pac_server import PacServer
from tests.integration.test_doctor import CHROMIUM, chromium_load

PAC = "http://127.0.0.1:8082/proxy.pac"
OLD_PAC = "http://old.example/proxy.pac"
REQUIRED = bool(os.environ.get("NOCONTACT_REQUIRE_BROWSER") or os.environ.get("NOCONTACT_REQUIRE_DBUS"))


def _need(tool: str, package: str) -> None:
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
        return install.run_command(argv) if self.real else (0, "")

    def since(self, mark: int) -> list[list[str]]:
        return self.calls[mark:]


def changes(calls: list[list[str]], *reads: list[str]) -> list[list[str]]:
    """The commands that change something: all but the read-only ones named."""
    return [c for c in calls if not any(c[:len(r)] == r for r in reads)]


@pytest.fixture(scope="module")
def ca_source(tmp_path_factory) -> Path:
    """One CA for the module, made as the agent makes it (mitmproxy's format)."""
    data = tmp_path_factory.mktemp("ca-source")
    install.ensure_ca(data)
    return data / "ca"


@pytest.fixture
def data_dir(tmp_path, ca_source) -> Path:
    data = tmp_path / "nocontact data"  # a space: the unit must quote it
    data.mkdir(mode=0o700)
    shutil.copytree(ca_source, data / "ca")
    return data


@pytest.fixture
def linux_home(tmp_path, monkeypatch) -> Path:
    """A temporary HOME with two Firefox profiles (plain and snap), GNOME on gsettings' keyfile backend."""
    _need("certutil", "libnss3-tools")
    _need("gsettings", "libglib2.0-bin")
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("GSETTINGS_BACKEND", "keyfile")
    for profile in (home / ".mozilla" / "firefox" / "k3x9.default-release",
                    home / "snap" / "firefox" / "common" / ".mozilla" / "firefox" / "a1b2.default"):
        profile.mkdir(parents=True)
        subprocess.run(["certutil", "-N", "-d", f"sql:{profile}", "--empty-password"], check=True)
    if subprocess.run(["gsettings", "get", install.GNOME, "mode"], capture_output=True).returncode:
        pytest.skip("GNOME's proxy schema is not installed (gsettings-desktop-schemas)")
    gsettings_set("mode", "manual")
    gsettings_set("autoconfig-url", OLD_PAC)
    return home


@pytest.fixture
def executable(tmp_path) -> str:
    """A stand-in `nocontact` command, in a folder with a space (the unit must quote it)."""
    folder = tmp_path / "my bin"
    folder.mkdir()
    script = folder / "nocontact"
    script.write_text("#!/bin/sh\nexit 0\n")
    script.chmod(0o755)
    return str(script)


def gsettings_get(key: str) -> str:
    return subprocess.run(["gsettings", "get", install.GNOME, key], capture_output=True, text=True,
                          check=True).stdout.strip()


def gsettings_set(key: str, value: str) -> None:
    subprocess.run(["gsettings", "set", install.GNOME, key, value], check=True, capture_output=True)


def nss_list(folder: Path) -> str:
    return subprocess.run(["certutil", "-L", "-d", f"sql:{folder}"], capture_output=True, text=True,
                          check=True).stdout


def nss_databases(home: Path) -> list[Path]:
    return [home / ".pki" / "nssdb", home / ".mozilla" / "firefox" / "k3x9.default-release",
            home / "snap" / "firefox" / "common" / ".mozilla" / "firefox" / "a1b2.default"]


def linux_install(data_dir: Path, home: Path, executable: str, **kwargs) -> tuple[int, str]:
    said = []
    code = install.install(data_dir, home, executable=executable, system="Linux", yes=True, out=said.append,
                           run=Recorder(real=True), root=False, **kwargs)
    return code, "\n".join(said)


def linux_uninstall(data_dir: Path) -> tuple[int, str]:
    said = []
    code = install.uninstall(data_dir, yes=True, out=said.append, run=Recorder(real=True))
    return code, "\n".join(said)


# --- Linux, for real -----------------------------------------------------------------


def test_install_and_uninstall_for_real(linux_home, data_dir, executable):
    before = {key: gsettings_get(key) for key in ("mode", "autoconfig-url")}
    assert before == {"mode": "'manual'", "autoconfig-url": f"'{OLD_PAC}'"}
    assert not (linux_home / ".pki").exists()

    code, said = linux_install(data_dir, linux_home, executable)
    assert code == 0, said
    # The CA is trusted for sites in Chrome's database (created) and in each Firefox profile's.
    for folder in nss_databases(linux_home):
        assert any(line.split() == ["nocontact", "CA", "C,,"] for line in nss_list(folder).splitlines()), folder
    assert (gsettings_get("mode"), gsettings_get("autoconfig-url")) == ("'auto'", f"'{PAC}'")
    unit = install.unit_path(linux_home, os.environ)
    pac_unit = install.unit_path(linux_home, os.environ, install.PAC)
    assert unit.exists() and pac_unit.exists()
    # The PAC service has its routing from the start: watched sites to the agent's port, nothing else.
    pac = (data_dir / "proxy.pac").read_text()
    assert pac_route(pac, "tinder.com") == "PROXY 127.0.0.1:8080" and pac_route(pac, "example.org") == "DIRECT"
    record = install.record_path(data_dir)
    assert stat.S_IMODE(record.stat().st_mode) == 0o600
    if "cannot be reached here" in said:  # no user manager (a container): enabled by hand, as systemctl would
        wants = unit.parent / "default.target.wants"
        assert {p.name: os.readlink(p) for p in wants.iterdir()} == {
            "nocontact.service": "../nocontact.service", "nocontact-pac.service": "../nocontact-pac.service"}
    else:
        assert "enable --now" in said

    code, said = linux_uninstall(data_dir)
    assert code == 0, said
    for folder in nss_databases(linux_home)[1:]:
        assert NICKNAME not in nss_list(folder)
        assert (folder / "cert9.db").exists()  # Firefox's own database stays, without our CA
    assert not (linux_home / ".pki").exists()  # created by install, empty again: removed
    assert {key: gsettings_get(key) for key in ("mode", "autoconfig-url")} == before  # exactly as it was
    assert not unit.exists() and not pac_unit.exists() and not (linux_home / ".config" / "systemd").exists()
    assert not record.exists() and not (data_dir / "proxy.pac").exists()


def test_certutil_shows_the_ca_after_install_and_not_after_uninstall(linux_home, data_dir, executable):
    fresh = linux_home / ".mozilla" / "firefox" / "fresh.profile"
    fresh.mkdir()
    subprocess.run(["certutil", "-N", "-d", f"sql:{fresh}", "--empty-password"], check=True)
    assert NICKNAME not in nss_list(fresh)
    assert linux_install(data_dir, linux_home, executable)[0] == 0
    assert NICKNAME in nss_list(fresh)
    assert linux_uninstall(data_dir)[0] == 0
    assert NICKNAME not in nss_list(fresh)


def read_unit(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str
    parser.read(path)
    return parser


def test_the_units_are_valid(linux_home, data_dir, executable):
    assert linux_install(data_dir, linux_home, executable)[0] == 0
    unit = install.unit_path(linux_home, os.environ)
    pac_unit = install.unit_path(linux_home, os.environ, install.PAC)
    if shutil.which("systemd-analyze"):
        # Checked by systemd itself: every key known, the command executable.
        checked = subprocess.run(["systemd-analyze", "verify", str(unit), str(pac_unit)], capture_output=True,
                                 text=True)
        assert checked.returncode == 0 and not checked.stderr.strip(), checked.stderr
    # And read as the keys we rely on (the only check where systemd-analyze is missing).
    parser = read_unit(unit)
    service = parser["Service"]
    assert service["ExecStart"] == f'"{executable}" run --keep-running'
    assert service["Restart"] == "always" and service["RestartSec"] == "1"
    assert service["RestartPreventExitStatus"] == "0"
    assert service["Environment"] == f'"NOCONTACT_HOME={data_dir}" NOCONTACT_SERVICE=systemd'
    assert parser["Unit"]["StartLimitIntervalSec"] == "0" and parser["Unit"]["Wants"] == install.PAC.unit
    assert parser["Install"]["WantedBy"] == "default.target"
    pac = read_unit(pac_unit)
    assert pac["Service"]["ExecStart"] == f'"{executable}" pac-server --keep-running'
    assert pac["Service"]["Environment"] == service["Environment"]
    assert pac["Service"]["Restart"] == "always" and "RestartPreventExitStatus" not in pac["Service"]
    assert pac["Install"]["WantedBy"] == "default.target"


def test_a_second_install_adds_only_what_is_missing_and_keeps_the_first_values(linux_home, data_dir, executable):
    assert linux_install(data_dir, linux_home, executable)[0] == 0
    code, said = linux_install(data_dir, linux_home, executable)
    assert code == 0 and "Everything is already in place" in said
    # The person changes GNOME's setting by hand; a new Firefox profile appears.
    gsettings_set("mode", "none")
    profile = linux_home / ".mozilla" / "firefox" / "new.profile"
    profile.mkdir()
    subprocess.run(["certutil", "-N", "-d", f"sql:{profile}", "--empty-password"], check=True)
    code, said = linux_install(data_dir, linux_home, executable)
    assert code == 0
    assert "GNOME" in said and "new.profile" in said and "Chrome and Chromium" not in said.split("Already")[0]
    assert gsettings_get("mode") == "'auto'" and NICKNAME in nss_list(profile)
    assert linux_uninstall(data_dir)[0] == 0
    # Back to the values from before the first install, not the ones in between.
    assert (gsettings_get("mode"), gsettings_get("autoconfig-url")) == ("'manual'", f"'{OLD_PAC}'")
    assert NICKNAME not in nss_list(profile)


def test_uninstall_after_a_profile_went_and_the_ca_was_removed_by_hand(linux_home, data_dir, executable):
    assert linux_install(data_dir, linux_home, executable)[0] == 0
    firefox, snap = nss_databases(linux_home)[1:]
    shutil.rmtree(firefox)  # the person removed a Firefox profile since
    subprocess.run(["certutil", "-d", f"sql:{snap}", "-D", "-n", NICKNAME], check=True)  # and our CA from another
    code, said = linux_uninstall(data_dir)
    assert code == 0, said  # what is already gone counts as put back; nothing is left stuck
    assert not install.record_path(data_dir).exists()
    assert (gsettings_get("mode"), gsettings_get("autoconfig-url")) == ("'manual'", f"'{OLD_PAC}'")


def test_a_restart_that_does_not_work_leaves_a_running_service_running(tmp_path, data_dir):
    unit = tmp_path / ".config" / "systemd" / "user" / "nocontact.service"
    unit.parent.mkdir(parents=True)
    unit.write_text("an older unit\n")  # changed since: the new one is written, and a restart is asked for
    runner = Recorder({("systemctl", "--user", "show-environment"): (0, ""),
                       ("systemctl", "--user", "is-enabled"): (0, "enabled\n"),
                       ("systemctl", "--user", "is-active"): (0, "active\n"),
                       ("systemctl", "--user", "restart", "nocontact.service"): (1, "Job failed.")})
    said = []
    code = install.install(data_dir, tmp_path, executable="/x", system="Linux", yes=True, out=said.append, run=runner,
                           root=False, which=lambda name: "/usr/bin/systemctl" if name == "systemctl" else None,
                           env={})
    assert code == 1 and "could not be done" in "\n".join(said)
    assert ["systemctl", "--user", "disable", "--now", "nocontact.service"] not in runner.calls  # still protected


def test_a_data_directory_with_dollar_and_percent_signs_is_kept_exactly(tmp_path, executable):
    data = tmp_path / "data $HOME 100%"
    unit = install.unit_text([executable], data)
    environment = next(line for line in unit.splitlines() if line.startswith("Environment="))
    assert environment == f'Environment="NOCONTACT_HOME={tmp_path}/data $HOME 100%%" NOCONTACT_SERVICE=systemd'
    if shutil.which("systemd-analyze"):
        path = tmp_path / "nocontact.service"
        path.write_text(unit)
        shown = subprocess.run(["systemd-analyze", "verify", str(path)], capture_output=True, text=True)
        assert shown.returncode == 0, shown.stderr


def test_dry_run_prints_every_step_and_changes_nothing(linux_home, tmp_path, executable):
    empty = tmp_path / "empty-data"
    empty.mkdir()
    said = []
    code = install.install(empty, linux_home, executable=executable, system="Linux", dry_run=True,
                           out=said.append, root=False)
    text = "\n".join(said)
    assert code == 0 and "dry run: nothing was changed" in text
    assert f"certutil -d sql:{linux_home}/.pki/nssdb -A -t C,, -n 'nocontact CA' -i {empty}/ca/mitmproxy-ca-cert.pem" \
        in text
    assert f"gsettings set org.gnome.system.proxy autoconfig-url \"'{PAC}'\"" in text
    assert "create this install's certificate authority" in text
    assert not (empty / "ca").exists() and not install.record_path(empty).exists()
    assert not (linux_home / ".pki").exists() and not install.unit_path(linux_home, os.environ).exists()
    assert gsettings_get("mode") == "'manual'"


def test_a_step_that_fails_is_put_back_and_the_rest_still_done(linux_home, data_dir, executable):
    def failing_gnome(argv):
        if argv[:3] == ["gsettings", "set", install.GNOME] and argv[3] == "mode" and argv[4] == "auto":
            return 1, "mode cannot be set"
        return install.run_command(argv)

    said = []
    code = install.install(data_dir, linux_home, executable=executable, system="Linux", yes=True, out=said.append,
                           run=failing_gnome, root=False)
    assert code == 1 and "mode cannot be set" in "\n".join(said)
    assert (gsettings_get("mode"), gsettings_get("autoconfig-url")) == ("'manual'", f"'{OLD_PAC}'")
    assert NICKNAME in nss_list(linux_home / ".pki" / "nssdb")  # the other steps stand, and are recorded
    assert "gnome" not in {s["id"] for s in install.load_record(data_dir)["steps"]}
    assert linux_uninstall(data_dir)[0] == 0


def test_kde_keys_set_and_restored_or_deleted(tmp_path, data_dir):
    # The exact commands, for KDE 6 (kwriteconfig6); the old values are read from the real file.
    config = tmp_path / ".config"
    config.mkdir()
    (config / "kioslaverc").write_text("[Proxy Settings]\nProxyType=0\nNoProxyFor=localhost\n")
    tools = {"kwriteconfig6": "/usr/bin/kwriteconfig6", "dbus-send": "/usr/bin/dbus-send"}
    steps = plan(tmp_path, data_dir, PAC, "/usr/bin/nocontact", "Linux", run=Recorder(), which=tools.get,
                 root=False, env={"XDG_CONFIG_HOME": str(config)})
    (kde,) = [s for s in steps if s.id == "kde"]
    key = ["kwriteconfig6", "--file", "kioslaverc", "--group", "Proxy Settings", "--key"]
    refresh = ["dbus-send", "--type=signal", "/KIO/Scheduler", "org.kde.KIO.Scheduler.reparseSlaveConfiguration",
               "string:"]
    assert [a["argv"] for a in kde.actions] == [[*key, "ProxyType", "2"], [*key, "Proxy Config Script", PAC],
                                                 refresh]
    assert [a["argv"] for a in kde.undo] == [[*key, "ProxyType", "0"], [*key, "Proxy Config Script", "--delete"],
                                              refresh]
    assert not kde.in_place


def test_kde_and_the_environment_for_real_and_chromium_follows_each(linux_home, data_dir, executable, tmp_path):
    _need("kwriteconfig5", "libkf5config-bin")
    kioslaverc = linux_home / ".config" / "kioslaverc"
    kioslaverc.parent.mkdir(parents=True, exist_ok=True)
    kioslaverc.write_text("[Proxy Settings]\nNoProxyFor=localhost\nProxyType=0\n")
    # A PAC service whose routing sends one watched site to a port where nothing answers.
    routing = tmp_path / "proxy.pac"
    routing.write_text('function FindProxyForURL(url, host) {\n'
                       '  return host == "watched-site.test" ? "PROXY 127.0.0.1:1" : "DIRECT";\n}\n')
    server = PacServer(routing, port=0).start()
    try:
        code, said = linux_install(data_dir, linux_home, executable, pac_url=server.url)
        assert code == 0, said

        def kde(key: str) -> str:
            return subprocess.run(["kreadconfig5", "--file", "kioslaverc", "--group", "Proxy Settings", "--key", key],
                                  capture_output=True, text=True, check=True).stdout.strip()

        assert (kde("ProxyType"), kde("Proxy Config Script")) == ("2", server.url)
        if CHROMIUM:  # Chromium on a KDE desktop reads kioslaverc itself: the watched site goes to the PAC's proxy
            env = {**os.environ, "XDG_CURRENT_DESKTOP": "KDE", "KDE_SESSION_VERSION": "5"}
            loaded = chromium_load("http://watched-site.test/", tmp_path / "profile", env=env)
            assert "ERR_PROXY_CONNECTION_FAILED" in loaded
            # Other desktops: the session's environment from environment.d (auto_proxy), as systemd sets it.
            written = install.environment_file(linux_home, os.environ).read_text()
            variables = dict(line.split("=", 1) for line in written.splitlines() if "=" in line and line[0] != "#")
            assert variables == {"auto_proxy": server.url}
            env = {k: v for k, v in os.environ.items() if k not in ("XDG_CURRENT_DESKTOP", "KDE_SESSION_VERSION")}
            loaded = chromium_load("http://watched-site.test/", tmp_path / "profile2", env=env | variables)
            assert "ERR_PROXY_CONNECTION_FAILED" in loaded
        elif REQUIRED:
            pytest.fail("Chromium is required here but was not found")
    finally:
        server.stop()
    assert linux_uninstall(data_dir)[0] == 0
    after = configparser.ConfigParser(interpolation=None)
    after.optionxform = str
    after.read(kioslaverc)
    assert dict(after["Proxy Settings"]) == {"NoProxyFor": "localhost", "ProxyType": "0"}  # as it was
    assert not install.environment_file(linux_home, os.environ).exists()


def test_system_store_only_as_root(tmp_path, data_dir, monkeypatch):
    # The real /usr/local/share/ca-certificates is not touched: the store is moved into tmp_path.
    store = tmp_path / "ca-certificates"
    store.mkdir()
    monkeypatch.setattr(install, "SYSTEM_STORES", ((store / "nocontact.crt", ["update-ca-certificates"],
                                                   ["update-ca-certificates", "--fresh"]),))
    tools = {"update-ca-certificates": "/usr/sbin/update-ca-certificates"}
    assert not [s for s in plan(tmp_path, data_dir, PAC, "/x", "Linux", run=Recorder(), which=tools.get, root=False,
                                env={}) if s.id == "system-ca"]
    runner = Recorder()
    assert install.install(data_dir, tmp_path, executable="/x", system="Linux", yes=True, out=lambda _: None,
                           run=runner, which=tools.get, root=True, env={}) == 0
    assert (store / "nocontact.crt").read_text() == (data_dir / install.CA_CERT).read_text()
    assert runner.calls == [["update-ca-certificates"]]
    runner.calls.clear()
    assert install.uninstall(data_dir, yes=True, out=lambda _: None, run=runner) == 0
    assert not (store / "nocontact.crt").exists()
    assert runner.calls == [["update-ca-certificates", "--fresh"]]


def test_without_certutil_the_browsers_stores_are_a_note(tmp_path, data_dir):
    steps = plan(tmp_path, data_dir, PAC, "/x", "Linux", run=Recorder(), which=lambda name: None, root=False, env={})
    notes = [s for s in steps if not s.actions]
    assert any("libnss3-tools" in s.description for s in notes)
    assert not [s for s in steps if s.id.startswith("nss")]


# --- macOS: commands recorded, not run here ---------------------------------------------


def test_macos_commands_and_plist(tmp_path, data_dir):
    home = tmp_path / "Users" / "sam"
    home.mkdir(parents=True)
    exe = "/Users/sam/Library/Python/3.12/bin/nocontact"
    ca = str(data_dir / install.CA_CERT)
    sha1 = install.fingerprint((data_dir / install.CA_CERT).read_text())
    keychain = str(home / "Library" / "Keychains" / "login.keychain-db")
    plist = home / "Library" / "LaunchAgents" / "org.nocontact.agent.plist"
    pac_plist = home / "Library" / "LaunchAgents" / "org.nocontact.pac.plist"
    runner = Recorder({
        ("networksetup", "-listallnetworkservices"): (0, "An asterisk (*) denotes that a network service is "
                                                         "disabled.\nWi-Fi\n*Thunderbolt Bridge\nUSB LAN\n"),
        ("networksetup", "-getautoproxyurl", "Wi-Fi"): (0, "URL: (null)\nEnabled: No\n"),
        ("networksetup", "-getautoproxyurl", "Thunderbolt Bridge"): (0, "URL: http://corp.example/wpad.dat\n"
                                                                        "Enabled: No\n"),
        ("networksetup", "-getautoproxyurl", "USB LAN"): (0, "URL: http://corp.example/wpad.dat\nEnabled: Yes\n"),
        ("security", "find-certificate"): (0, ""),
        ("launchctl", "print"): (113, "Could not find service"),
    })
    said = []
    assert install.install(data_dir, home, executable=exe, system="Darwin", yes=True, out=said.append, run=runner,
                           uid=501) == 0
    assert changes(runner.calls, ["networksetup", "-listallnetworkservices"], ["networksetup", "-getautoproxyurl"],
                   ["security", "find-certificate"], ["launchctl", "print"]) == [
        ["security", "add-trusted-cert", "-r", "trustRoot", "-k", keychain, ca],
        ["launchctl", "bootstrap", "gui/501", str(pac_plist)],  # the PAC service first: the system points at it
        ["launchctl", "bootstrap", "gui/501", str(plist)],
        ["networksetup", "-setautoproxyurl", "Wi-Fi", PAC],
        ["networksetup", "-setautoproxyurl", "Thunderbolt Bridge", PAC],
        ["networksetup", "-setautoproxyurl", "USB LAN", PAC],
    ]
    # The LaunchAgent is a valid plist (plutil -lint where there is one; here Python's plist parser).
    with plist.open("rb") as handle:
        agent = plistlib.load(handle)
    assert agent["Label"] == "org.nocontact.agent"
    assert agent["ProgramArguments"] == [exe, "run", "--keep-running"]
    assert agent["EnvironmentVariables"] == {"NOCONTACT_HOME": str(data_dir), "NOCONTACT_SERVICE": "launchd"}
    assert agent["RunAtLoad"] is True and agent["KeepAlive"] == {"SuccessfulExit": False}
    with pac_plist.open("rb") as handle:
        pac_agent = plistlib.load(handle)
    assert pac_agent["Label"] == "org.nocontact.pac"
    assert pac_agent["ProgramArguments"] == [exe, "pac-server", "--keep-running"]
    assert pac_agent["EnvironmentVariables"]["NOCONTACT_HOME"] == str(data_dir)
    assert pac_agent["KeepAlive"] is True  # always: it only serves a file
    if shutil.which("plutil"):
        assert subprocess.run(["plutil", "-lint", str(plist), str(pac_plist)]).returncode == 0

    runner.calls.clear()
    assert install.uninstall(data_dir, yes=True, out=said.append, run=runner) == 0
    assert runner.calls == [  # newest first, each back to exactly what it was
        ["networksetup", "-setautoproxyurl", "USB LAN", "http://corp.example/wpad.dat"],
        ["networksetup", "-setautoproxyurl", "Thunderbolt Bridge", "http://corp.example/wpad.dat"],
        ["networksetup", "-setautoproxystate", "Thunderbolt Bridge", "off"],
        ["networksetup", "-setautoproxystate", "Wi-Fi", "off"],
        ["launchctl", "bootout", "gui/501/org.nocontact.agent"],
        ["launchctl", "bootout", "gui/501/org.nocontact.pac"],
        ["security", "delete-certificate", "-t", "-Z", sha1, keychain],
    ]
    assert not plist.exists() and not pac_plist.exists() and not (home / "Library").exists()
    assert not (data_dir / "proxy.pac").exists()


def test_macos_already_trusted_and_loaded_is_left_alone(tmp_path, data_dir):
    sha1 = install.fingerprint((data_dir / install.CA_CERT).read_text())
    runner = Recorder({("security", "find-certificate"): (0, f'SHA-1 hash: {sha1}\nkeychain: "login"\n'),
                       ("networksetup", "-listallnetworkservices"): (0, "An asterisk...\nWi-Fi\n"),
                       ("networksetup", "-getautoproxyurl"): (0, f"URL: {PAC}\nEnabled: Yes\n")})
    steps = {s.id: s for s in plan(tmp_path, data_dir, PAC, "/x", "Darwin", run=runner, uid=501)}
    assert steps["keychain"].in_place and steps["networksetup:Wi-Fi"].in_place


# --- Windows: commands and registry recorded, not run here -------------------------------


class Registry:
    """A stand-in for winreg: the per-user Internet Settings key as a dict of name -> (value, type)."""

    HKEY_CURRENT_USER = "HKCU"
    KEY_SET_VALUE = 2
    REG_SZ = 1

    def __init__(self, values: dict):
        self.values = dict(values)

    def OpenKey(self, root, path):  # noqa: N802 (winreg's names)
        assert (root, path) == ("HKCU", install.INTERNET_SETTINGS)
        return "key"

    def CreateKeyEx(self, root, path, reserved, access):  # noqa: N802
        assert (root, path, access) == ("HKCU", install.INTERNET_SETTINGS, self.KEY_SET_VALUE)
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


@pytest.mark.parametrize("before", [{"AutoConfigURL": ("http://corp.example/wpad.dat", 1)}, {}])
def test_windows_commands_registry_and_task(tmp_path, data_dir, before):
    exe = r"C:\Users\Sam Lee\AppData\Roaming\Python\Python312\Scripts\nocontact.exe"
    registry = Registry({**before, "ProxyEnable": (0, 4)})
    refreshed = []
    runner = Recorder({("schtasks", "/Query"): (1, "ERROR: The system cannot find the file specified."),
                       ("certutil", "-user", "-verifystore"): (1, "not found")})
    ca = str(data_dir / install.CA_CERT)
    sha1 = install.fingerprint((data_dir / install.CA_CERT).read_text())
    xml = data_dir / "nocontact-task.xml"
    pac_xml = data_dir / "nocontact-pac-task.xml"
    assert install.install(data_dir, tmp_path, executable=exe, system="Windows", yes=True, out=lambda _: None,
                           run=runner, registry=registry, refresh=lambda: refreshed.append(1),
                           user="DESKTOP-7\\sam") == 0
    assert changes(runner.calls, ["schtasks", "/Query"], ["certutil", "-user", "-verifystore"]) == [
        ["certutil", "-user", "-addstore", "Root", ca],
        ["schtasks", "/Create", "/XML", str(pac_xml), "/TN", "nocontact-pac", "/F"],
        ["schtasks", "/Run", "/TN", "nocontact-pac"],
        ["schtasks", "/Create", "/XML", str(xml), "/TN", "nocontact", "/F"],
        ["schtasks", "/Run", "/TN", "nocontact"],
    ]
    assert registry.values["AutoConfigURL"] == (PAC, Registry.REG_SZ)
    assert refreshed == [1]
    # The task definition: UTF-16 with its BOM, as schtasks reads it, and well-formed.
    raw = xml.read_bytes()
    assert raw.startswith(b"\xff\xfe")
    task = ET.fromstring(raw)
    ns = {"t": "http://schemas.microsoft.com/windows/2004/02/mit/task"}
    assert task.find("t:Actions/t:Exec/t:Command", ns).text == exe
    # A task cannot set environment variables: the data directory goes on the command line.
    assert task.find("t:Actions/t:Exec/t:Arguments", ns).text == f'--home "{data_dir}" run --keep-running'
    assert task.find("t:RegistrationInfo/t:URI", ns).text == "\\nocontact"
    pac_task = ET.fromstring(pac_xml.read_bytes())
    assert pac_task.find("t:Actions/t:Exec/t:Arguments", ns).text == f'--home "{data_dir}" pac-server --keep-running'
    assert pac_task.find("t:RegistrationInfo/t:URI", ns).text == "\\nocontact-pac"
    assert task.find("t:Triggers/t:LogonTrigger/t:UserId", ns).text == "DESKTOP-7\\sam"
    assert task.find("t:Principals/t:Principal/t:LogonType", ns).text == "InteractiveToken"
    assert task.find("t:Settings/t:ExecutionTimeLimit", ns).text == "PT0S"

    runner.calls.clear()
    assert install.uninstall(data_dir, yes=True, out=lambda _: None, run=runner, registry=registry,
                             refresh=lambda: refreshed.append(2)) == 0
    assert runner.calls == [
        ["schtasks", "/End", "/TN", "nocontact"],
        ["schtasks", "/Delete", "/TN", "nocontact", "/F"],
        ["schtasks", "/End", "/TN", "nocontact-pac"],
        ["schtasks", "/Delete", "/TN", "nocontact-pac", "/F"],
        ["certutil", "-user", "-delstore", "Root", sha1],
    ]
    assert registry.values == {**before, "ProxyEnable": (0, 4)}  # exactly as before: restored, or deleted
    assert refreshed == [1, 2] and not xml.exists() and not pac_xml.exists()


def test_windows_runs_the_windowless_python_when_there_is_one(tmp_path, monkeypatch):
    # Windows cannot run here: a folder laid out like a Windows Python stands in for it.
    python = tmp_path / "Python312" / "python.exe"
    python.parent.mkdir()
    python.write_text("")
    monkeypatch.setattr(install.sys, "executable", str(python))
    assert install.find_executable("Windows") == install.find_executable("Linux")  # no pythonw.exe: as elsewhere
    (python.parent / "pythonw.exe").write_text("")
    assert install.find_executable("Windows") == [str(python.parent / "pythonw.exe"), "-m", "agent"]


def test_windows_task_without_a_nocontact_script_runs_python(data_dir):
    text = install.task_xml([r"C:\Program Files\Python312\pythonw.exe", "-m", "agent"], "sam", Path(r"C:\nc"))
    task = ET.fromstring(text.encode("utf-16"))
    ns = {"t": "http://schemas.microsoft.com/windows/2004/02/mit/task"}
    assert task.find("t:Actions/t:Exec/t:Command", ns).text == r"C:\Program Files\Python312\pythonw.exe"
    assert task.find("t:Actions/t:Exec/t:Arguments", ns).text == r"-m agent --home C:\nc run --keep-running"


# --- the cooldown gate and the CLI --------------------------------------------------------


def test_uninstall_waits_like_any_loosening():
    assert "nocontact stop" in uninstall_refusal(True, True)
    assert "stop that waited out the cooldown" in uninstall_refusal(False, False)
    assert uninstall_refusal(False, True) is None


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_only_a_stop_that_waited_lets_uninstall_go_ahead(tmp_path, monkeypatch):
    """The gate reads the signed record the agent itself writes; a crash, a wipe or a removed log is no waited stop."""
    from agent import paths
    from agent.agent import Agent
    from agent.notifier import Notifier

    monkeypatch.setenv("NOCONTACT_HOME", str(tmp_path))
    config = tmp_path / "config.yaml"
    config.write_text("block:\n  dating: true\n")

    def start() -> tuple[Agent, Clock]:
        clock = Clock()
        return Agent(config, notifier=Notifier(send=lambda *_: None), monotonic=clock), clock

    assert not install.stopped_after_waiting(tmp_path)  # never ran
    agent, clock = start()
    agent.settle()
    assert not install.stopped_after_waiting(tmp_path)  # running, or ended by a crash: not a waited stop
    stops = []
    agent.shutdown = lambda: stops.append(1)
    hold = agent.cooldowns.request("stop", "nocontact")
    for _ in range(int(hold.needed) + 2):  # the wait, credited second by second as the running agent does
        clock.now += 1
        agent.tick()
    agent.settle()
    assert stops == [1] and install.stopped_after_waiting(tmp_path)
    agent.close()
    agent, clock = start()  # it runs again (the next login): the waited stop is spent
    agent.close()
    assert not install.stopped_after_waiting(tmp_path)
    # Tampering with the record: not a waited stop.
    agent, clock = start()
    agent.ledger.log.put_state("stop", '{"waited": true}', "0" * 32)
    agent.close()
    assert not install.stopped_after_waiting(tmp_path)
    paths.database_path().unlink()
    assert not install.stopped_after_waiting(tmp_path)


def _parser():
    parser = argparse.ArgumentParser(prog="nocontact")
    add_commands(parser.add_subparsers(dest="command", required=True))
    return parser


def test_add_commands_wires_the_three_commands():
    parser = _parser()
    args = parser.parse_args(["install", "--dry-run", "--yes"])
    assert args.func is install.cmd_install and args.dry_run and args.yes
    args = parser.parse_args(["uninstall", "--dry-run"])
    assert args.func is install.cmd_uninstall and args.dry_run and not args.yes
    args = parser.parse_args(["doctor", "--json", "--quick"])
    assert args.func is install.cmd_doctor and args.json and args.quick


def test_cli_uninstall_refuses_while_running_then_without_a_waited_stop(tmp_path, monkeypatch):
    from agent.config import ConfigError

    monkeypatch.setenv("NOCONTACT_HOME", str(tmp_path))
    (tmp_path / "state.json").write_text(f'{{"pid": {os.getpid()}}}')
    with pytest.raises(ConfigError, match="nocontact is running"):
        install.cmd_uninstall(_parser().parse_args(["uninstall", "--yes"]))
    (tmp_path / "state.json").unlink()
    with pytest.raises(ConfigError, match="after a stop that waited out the cooldown"):
        install.cmd_uninstall(_parser().parse_args(["uninstall", "--yes"]))
    monkeypatch.setattr(install, "stopped_after_waiting", lambda data_dir: True)
    assert install.cmd_uninstall(_parser().parse_args(["uninstall", "--yes"])) == 0  # nothing installed: says so


def test_cli_install_dry_run(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("NOCONTACT_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / ".config"))
    monkeypatch.setenv("GSETTINGS_BACKEND", "keyfile")
    if os.uname().sysname != "Linux":
        pytest.skip("the dry run plans for this system; Linux here")
    assert install.cmd_install(_parser().parse_args(["install", "--dry-run"])) == 0
    assert "nothing was changed" in capsys.readouterr().out
    assert not install.record_path(tmp_path / "data").exists() and not (tmp_path / ".config" / "systemd").exists()


def test_describe_lists_actions_notes_and_what_is_in_place():
    steps = [Step("a", "Do a", [{"op": "run", "argv": ["tool", "it's"], "check": True}]),
             Step("b", "Already b", [{"op": "mkdir", "path": "/x"}], in_place=True),
             Step("note:c", "Something to know")]
    text = install.describe(steps, "nocontact install will:")
    assert text.splitlines() == ["nocontact install will:", "  1. Do a", "       $ tool \"it's\"",
                                 "Already in place:", "  - Already b", "Good to know:", "  - Something to know"]


def test_under_sudo_it_asks_to_be_run_as_the_person(tmp_path, monkeypatch):
    from agent.config import ConfigError

    monkeypatch.setenv("NOCONTACT_HOME", str(tmp_path / "data"))
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    monkeypatch.setenv("SUDO_USER", "sam")
    with pytest.raises(ConfigError, match="run it as sam, without sudo"):
        install.cmd_install(_parser().parse_args(["install", "--dry-run"]))
    with pytest.raises(ConfigError, match="run it as sam, without sudo"):
        install.cmd_uninstall(_parser().parse_args(["uninstall", "--yes"]))
    assert not (tmp_path / "data" / "install.json").exists()
    monkeypatch.delenv("SUDO_USER")  # root's own login (no sudo): its own account, as asked
    install.not_under_sudo()


def test_a_config_with_a_mistake_stops_install_before_anything_changes(tmp_path):
    from agent.config import ConfigError

    data = tmp_path / "fresh data"
    data.mkdir()
    (data / "config.yaml").write_text("block:\n  dating: maybe\n")
    with pytest.raises(ConfigError, match=r"config has a mistake \(.*config.yaml:2.*nocontact check"):
        install.install(data, tmp_path, executable="/x", system="Linux", yes=True, out=lambda _: None,
                        run=Recorder(), root=False, which=lambda name: None, env={})
    assert [p.name for p in data.iterdir()] == ["config.yaml"]  # not even the CA


def test_saying_no_changes_nothing_not_even_the_ca(tmp_path):
    data = tmp_path / "fresh data"
    said = []
    code = install.install(data, tmp_path, executable="/x", system="Linux", out=said.append, ask=lambda _: "n",
                           run=Recorder(), root=False, which=lambda name: None, env={})
    assert code == 1 and said[-1] == "Nothing was changed."
    assert not (data / "ca").exists() and not install.record_path(data).exists()


def test_a_port_another_program_holds_is_said_before_anything_changes(tmp_path, data_dir):
    import socket

    other = socket.socket()
    other.bind(("127.0.0.1", 0))
    other.listen()
    port = other.getsockname()[1]
    taken = f"http://127.0.0.1:{port}/proxy.pac"
    try:
        steps = plan(tmp_path, data_dir, taken, "/x", "Linux", run=Recorder(), which=lambda name: None, root=False,
                     env={})
    finally:
        other.close()
    (note,) = [s for s in steps if s.id.startswith("note:port:")]
    assert f"port {port}" in note.description and "PAC service" in note.description
    # Our own PAC service on that port is no obstacle.
    ours = PacServer(data_dir / "proxy.pac", port=0).start()
    try:
        steps = plan(tmp_path, data_dir, ours.url, "/x", "Linux", run=Recorder(), which=lambda name: None,
                     root=False, env={})
    finally:
        ours.stop()
    assert not [s for s in steps if s.id.startswith("note:port:")]


def test_a_left_over_state_file_is_not_a_running_agent(tmp_path):
    import psutil

    state = tmp_path / "state.json"
    me = psutil.Process()
    state.write_text(json.dumps({"pid": me.pid, "started": me.create_time()}))
    assert install.agent_running(tmp_path)["pid"] == me.pid
    state.write_text(json.dumps({"pid": me.pid, "started": me.create_time() - 3600}))  # an older process, same pid
    assert install.agent_running(tmp_path) is None
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    state.write_text(json.dumps({"pid": gone.pid, "started": 0}))
    assert install.agent_running(tmp_path) is None


def test_uninstall_removes_the_login_links_even_where_systemctl_cannot_be_asked(tmp_path, data_dir):
    running = Recorder({("systemctl", "--user", "is-enabled"): (1, "disabled\n"),
                        ("systemctl", "--user", "is-active"): (3, "inactive\n")})
    which = {"systemctl": "/usr/bin/systemctl"}.get
    assert install.install(data_dir, tmp_path, executable="/x", system="Linux", yes=True, out=lambda _: None,
                           run=running, root=False, which=which, env={}) == 0
    wants = tmp_path / ".config" / "systemd" / "user" / "default.target.wants"
    wants.mkdir()
    for unit in ("nocontact.service", "nocontact-pac.service"):  # as `systemctl --user enable` made them
        (wants / unit).symlink_to(f"../{unit}")
    no_manager = Recorder({("systemctl",): (1, "Failed to connect to bus: No medium found")})
    assert install.uninstall(data_dir, yes=True, out=lambda _: None, run=no_manager) == 0
    assert not (tmp_path / ".config" / "systemd").exists()


def test_install_leaves_the_pac_file_the_agent_keeps(tmp_path, data_dir):
    kept = 'function FindProxyForURL(url, host) { return "PROXY 127.0.0.1:8080"; } // the agent\'s, in force\n'
    (data_dir / "proxy.pac").write_text(kept)
    (data_dir / "config.yaml").write_text("block:\n  dating: false\n")  # looser, and not yet in force
    steps = plan(tmp_path, data_dir, PAC, "/x", "Linux", run=Recorder(), which=lambda name: None, root=False, env={})
    assert next(s for s in steps if s.id == "pac-file").in_place
    assert install.install(data_dir, tmp_path, executable="/x", system="Linux", yes=True, out=lambda _: None,
                           run=Recorder(), root=False, which=lambda name: None, env={}) == 0
    assert (data_dir / "proxy.pac").read_text() == kept


def test_the_agent_points_browsers_at_each_new_version_of_the_pac_file(linux_home, data_dir, executable, origin,
                                                                          monkeypatch):
    """Browsers keep a PAC file for hours unless its address changes: each new content gets a new ?v=."""
    import hashlib
    import time

    from agent import run
    from agent.web.pac import STOPPED
    from tests.conftest import own_proxy

    monkeypatch.setattr(run, "PAC_FILE_SECONDS", 0.05)
    monkeypatch.setattr(run, "CONFIG_POLL_SECONDS", 0.1)
    assert linux_install(data_dir, linux_home, executable)[0] == 0

    def pointed_at() -> str:
        return gsettings_get("autoconfig-url").strip("'")

    def wait_until(condition) -> None:
        deadline = time.monotonic() + 20
        while not condition():
            assert time.monotonic() < deadline, pointed_at()
            time.sleep(0.05)

    config = "block:\n  dating: false\n  sites: [first.test]\n"
    with own_proxy(config, data_dir, origin) as agent:
        wait_until(lambda: pointed_at().startswith(f"{PAC}?v="))
        first = pointed_at()
        (data_dir / "config.yaml").write_text(config.replace("[first.test]", "[first.test, second.test]"))
        wait_until(lambda: pointed_at() != first and pointed_at().startswith(f"{PAC}?v="))
        assert gsettings_get("mode") == "'auto'"
        agent.loop.call_soon_threadsafe(agent.agent.shutdown)  # a stop that waited out its cooldown
        agent.thread.join(10)
    assert pointed_at() == f"{PAC}?v={hashlib.sha256(STOPPED.encode()).hexdigest()[:10]}"
    assert (data_dir / "proxy.pac").read_text() == STOPPED
    # A second install finds the versioned address in place; uninstall puts back the one from before.
    assert "GNOME" not in linux_install(data_dir, linux_home, executable)[1].split("Already in place")[0]
    assert linux_uninstall(data_dir)[0] == 0
    assert (gsettings_get("mode"), gsettings_get("autoconfig-url")) == ("'manual'", f"'{OLD_PAC}'")


def test_repoint_on_macos_windows_and_kde_runs_the_exact_commands(data_dir):
    # macOS and Windows cannot run here: the commands and registry values are asserted.
    url = PAC + "?v=0123456789"
    refresh = ["dbus-send", "--type=signal", "/KIO/Scheduler", "org.kde.KIO.Scheduler.reparseSlaveConfiguration",
               "string:"]
    record = {"steps": [
        {"id": "networksetup:Wi-Fi", "undo": [{"op": "run", "argv": ["networksetup", "-setautoproxystate", "Wi-Fi",
                                                                       "off"]}]},
        {"id": "internet-settings", "undo": [{"op": "reg", "name": "AutoConfigURL", "value": None, "type": None}]},
        {"id": "kde", "undo": [{"op": "run", "argv": ["kwriteconfig6", "--file", "kioslaverc", "--group",
                                                        "Proxy Settings", "--key", "ProxyType", "0"]},
                                {"op": "run", "argv": refresh}]},
        {"id": "nss:/x", "undo": []},
    ]}
    (data_dir / "install.json").write_text(json.dumps(record))
    runner, registry, refreshed = Recorder(), Registry({}), []
    install.repoint(data_dir, url, run=runner, registry=registry, refresh=lambda: refreshed.append(1))
    assert runner.calls == [
        ["networksetup", "-setautoproxyurl", "Wi-Fi", url],
        ["kwriteconfig6", "--file", "kioslaverc", "--group", "Proxy Settings", "--key", "Proxy Config Script", url],
        refresh,
    ]
    assert registry.values == {"AutoConfigURL": (url, Registry.REG_SZ)} and refreshed == [1]


def test_a_removal_that_fails_for_another_reason_is_reported_not_taken_as_done(tmp_path, data_dir):
    db = f"sql:{tmp_path}/nssdb"
    remove = install._removal(["certutil", "-d", db, "-D", "-n", NICKNAME], ["certutil", "-d", db, "-L", "-n", NICKNAME],
                              ["could not find cert", "SEC_ERROR_BAD_DATABASE"])
    (data_dir / "install.json").write_text(json.dumps({"steps": [{"id": "nss:x", "description": "Trust the CA in x",
                                                                  "undo": [remove]}]}))
    locked = Recorder({("certutil",): (255, "certutil: SEC_ERROR_LOCKED_PASSWORD: the database is in use")})
    said = []
    assert install.uninstall(data_dir, yes=True, out=said.append, run=locked) == 1
    assert install.record_path(data_dir).exists() and "tries them once more" in "\n".join(said)
    gone = Recorder({("certutil", "-d", db, "-D"): (255, "could not find certificate"),
                     ("certutil", "-d", db, "-L"): (255, "certutil: Could not find cert: nocontact CA")})
    assert install.uninstall(data_dir, yes=True, out=said.append, run=gone) == 0
