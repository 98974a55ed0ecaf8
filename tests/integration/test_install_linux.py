"""`nocontact install` / `uninstall` on Linux.

Run for real here (temporary HOME): the systemd user unit (checked with
`systemd-analyze verify` where it exists), the CA in NSS databases with the
real `certutil` (libnss3-tools), and GNOME's proxy keys with the real
`gsettings` on its keyfile backend (no desktop or D-Bus session needed; the
dconf backend needs a session bus, the keyfile one reads and writes a file in
the temporary XDG_CONFIG_HOME). systemd's user manager is not reachable in a
container, so enabling the service is a note here; KDE's kwriteconfig is not
installed here, so its commands are asserted.
"""

from __future__ import annotations

import configparser
import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from agent.system import install, linux
from agent.system.account import run_command
from agent.system.ca import CA_CERT
from agent.system.doctor import pac_route
from agent.system.install import plan
from agent.system.nss import NICKNAME
from agent.system.record import load, record_path
from agent.system.services import PAC as PAC_SERVICE
from agent.web.pac_server import PacServer
from tests.integration import installing
from tests.integration.installing import PAC, REQUIRED, Recorder, need
from tests.integration.test_doctor import CHROMIUM, chromium_load

OLD_PAC = "http://old.example/proxy.pac"
ca_source, data_dir = installing.ca_source, installing.data_dir  # shared fixtures, bound here for pytest


@pytest.fixture
def linux_home(tmp_path, monkeypatch) -> Path:
    """A temporary HOME with two Firefox profiles (plain and snap), GNOME on gsettings' keyfile backend."""
    need("certutil", "libnss3-tools")
    need("gsettings", "libglib2.0-bin")
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("GSETTINGS_BACKEND", "keyfile")
    for profile in (home / ".mozilla" / "firefox" / "k3x9.default-release",
                    home / "snap" / "firefox" / "common" / ".mozilla" / "firefox" / "a1b2.default"):
        profile.mkdir(parents=True)
        subprocess.run(["certutil", "-N", "-d", f"sql:{profile}", "--empty-password"], check=True)
    if subprocess.run(["gsettings", "get", linux.GNOME, "mode"], capture_output=True).returncode:
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
    return subprocess.run(["gsettings", "get", linux.GNOME, key], capture_output=True, text=True,
                          check=True).stdout.strip()


def gsettings_set(key: str, value: str) -> None:
    subprocess.run(["gsettings", "set", linux.GNOME, key, value], check=True, capture_output=True)


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
    unit = linux.unit_path(linux_home, os.environ)
    pac_unit = linux.unit_path(linux_home, os.environ, PAC_SERVICE)
    assert unit.exists() and pac_unit.exists()
    # The PAC service has its routing from the start: watched sites to the agent's port, nothing else.
    pac = (data_dir / "proxy.pac").read_text()
    assert pac_route(pac, "tinder.com") == "PROXY 127.0.0.1:8080" and pac_route(pac, "example.org") == "DIRECT"
    record = record_path(data_dir)
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
    unit = linux.unit_path(linux_home, os.environ)
    pac_unit = linux.unit_path(linux_home, os.environ, PAC_SERVICE)
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
    assert parser["Unit"]["StartLimitIntervalSec"] == "0" and parser["Unit"]["Wants"] == PAC_SERVICE.unit
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
    assert not record_path(data_dir).exists()
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
    unit = linux.unit_text([executable], data)
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
    assert not (empty / "ca").exists() and not record_path(empty).exists()
    assert not (linux_home / ".pki").exists() and not linux.unit_path(linux_home, os.environ).exists()
    assert gsettings_get("mode") == "'manual'"


def test_a_step_that_fails_is_put_back_and_the_rest_still_done(linux_home, data_dir, executable):
    def failing_gnome(argv):
        if argv[:3] == ["gsettings", "set", linux.GNOME] and argv[3] == "mode" and argv[4] == "auto":
            return 1, "mode cannot be set"
        return run_command(argv)

    said = []
    code = install.install(data_dir, linux_home, executable=executable, system="Linux", yes=True, out=said.append,
                           run=failing_gnome, root=False)
    assert code == 1 and "mode cannot be set" in "\n".join(said)
    assert (gsettings_get("mode"), gsettings_get("autoconfig-url")) == ("'manual'", f"'{OLD_PAC}'")
    assert NICKNAME in nss_list(linux_home / ".pki" / "nssdb")  # the other steps stand, and are recorded
    assert "gnome" not in {s.id for s in load(data_dir).steps}
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
    assert [a.argv for a in kde.actions] == [[*key, "ProxyType", "2"], [*key, "Proxy Config Script", PAC],
                                                 refresh]
    assert [a.argv for a in kde.undo] == [[*key, "ProxyType", "0"], [*key, "Proxy Config Script", "--delete"],
                                              refresh]
    assert not kde.in_place


def test_kde_and_the_environment_for_real_and_chromium_follows_each(linux_home, data_dir, executable, tmp_path):
    need("kwriteconfig5", "libkf5config-bin")
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
            written = linux.environment_file(linux_home, os.environ).read_text()
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
    assert not linux.environment_file(linux_home, os.environ).exists()


def test_system_store_only_as_root(tmp_path, data_dir, monkeypatch):
    # The real /usr/local/share/ca-certificates is not touched: the store is moved into tmp_path.
    store = tmp_path / "ca-certificates"
    store.mkdir()
    monkeypatch.setattr(linux, "SYSTEM_STORES", ((store / "nocontact.crt", ["update-ca-certificates"],
                                                   ["update-ca-certificates", "--fresh"]),))
    tools = {"update-ca-certificates": "/usr/sbin/update-ca-certificates"}
    assert not [s for s in plan(tmp_path, data_dir, PAC, "/x", "Linux", run=Recorder(), which=tools.get, root=False,
                                env={}) if s.id == "system-ca"]
    runner = Recorder()
    assert install.install(data_dir, tmp_path, executable="/x", system="Linux", yes=True, out=lambda _: None,
                           run=runner, which=tools.get, root=True, env={}) == 0
    assert (store / "nocontact.crt").read_text() == (data_dir / CA_CERT).read_text()
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

