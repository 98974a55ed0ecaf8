"""`nocontact doctor`: checks against the real running agent (the shared `proxy` fixture), real files and
permissions, the real `certutil` on real NSS databases, and headless Chromium through the PAC file with only
the NSS database `nocontact install` wrote (no certificate flags), which proves the trust is real."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import threading
import time
from collections import namedtuple
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from agent.system import doctor, install, linux
from agent.system.account import run_command
from agent.system.ca import CA_CERT, ensure_ca, fingerprint
from agent.system.doctor import Check, checks, pac_route
from agent.system.proxysetting import ProxySetting
from agent.system.services import DEFAULT_PAC_URL
from agent.web import pac
from agent.web.pac import STOPPED
from agent.web.pac_server import PacServer

REQUIRED = bool(os.environ.get("NOCONTACT_REQUIRE_BROWSER"))
CHROMIUM = next((p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None)


def _need_certutil() -> None:
    if shutil.which("certutil") is None:
        if REQUIRED:
            pytest.fail("certutil is required here but was not found (apt-get install libnss3-tools)")
        pytest.skip("no certutil on this machine (libnss3-tools)")


def _need_chromium() -> None:
    if CHROMIUM is None:
        if REQUIRED:
            pytest.fail("Chromium is required here (NOCONTACT_REQUIRE_BROWSER is set) but was not found")
        pytest.skip("no Chromium on this machine")


def by_name(found: list[Check]) -> dict[str, Check]:
    return {c.name: c for c in found}


def nothing(argv):
    return 127, "not here"


@pytest.fixture
def data_dir(tmp_path) -> Path:
    data = tmp_path / "data"
    data.mkdir(mode=0o700)
    return data


def run_checks(data_dir: Path, home: Path, **kwargs) -> dict[str, Check]:
    kwargs.setdefault("system", "Linux")
    kwargs.setdefault("env", {})
    kwargs.setdefault("read_settings", lambda: [])
    return by_name(checks(data_dir, home, **kwargs))


# --- the running agent and its PAC file, for real ----------------------------------------------


def test_proxy_and_pac_of_the_running_agent(proxy, data_dir, tmp_path):
    found = run_checks(data_dir, tmp_path, state=proxy.agent.address, run=nothing)
    assert found["Proxy answering"].ok is True
    assert found["PAC file"].ok is True, found["PAC file"].detail
    assert found["CA present"].ok is True


def test_the_served_pac_routes_watched_hosts_to_the_proxy_and_the_rest_direct(proxy):
    with doctor.urllib.request.build_opener(doctor.urllib.request.ProxyHandler({})).open(proxy.pac_url) as response:
        served = response.read().decode()
    ours = f"PROXY {proxy.agent.address['proxy']}"
    assert pac_route(served, "www.instagram.com") == ours
    assert pac_route(served, "tinder.com.") == ours  # dating: true
    assert pac_route(served, "coparent.test") == "DIRECT"  # allow list
    assert pac_route(served, "www.bbc.co.uk") == "DIRECT"
    assert doctor.watched_host(served) is not None
    assert pac_route("function FindProxyForURL() {}", "x.test") is None


def _serve(body: bytes) -> tuple[ThreadingHTTPServer, str]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/proxy.pac"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_pac_file_that_points_at_another_port_is_said_plainly(data_dir, tmp_path):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    port = listener.getsockname()[1]
    text = pac.TEMPLATE % {"watched": json.dumps({"tinder.com": 1}), "exact": "{}", "allowed": "{}",
                           "proxy": "PROXY 127.0.0.1:1"}
    server, url = _serve(text.encode())
    try:
        state = {"pid": os.getpid(), "proxy": f"127.0.0.1:{port}", "pac_url": url, "ca_cert": str(data_dir / "x")}
        found = run_checks(data_dir, tmp_path, state=state, run=nothing)
    finally:
        server.shutdown()
        listener.close()
    assert found["Proxy answering"].ok is True
    check = found["PAC file"]
    assert check.ok is False and f"does not send watched sites to 127.0.0.1:{port}" in check.detail
    assert "Restart nocontact" in check.fix


def test_when_nothing_answers(data_dir, tmp_path):
    port = _free_port()
    state = {"pid": os.getpid(), "proxy": f"127.0.0.1:{port}", "pac_url": f"http://127.0.0.1:{port}/proxy.pac"}
    found = run_checks(data_dir, tmp_path, state=state, run=nothing)
    assert found["Proxy answering"].ok is False and "nothing answers" in found["Proxy answering"].detail
    assert found["PAC file"].ok is False and "does not load" in found["PAC file"].detail
    assert "systemctl --user start nocontact.service" in found["PAC file"].fix


def test_when_the_agent_is_not_running_the_checks_that_need_it_wait(data_dir, tmp_path):
    found = run_checks(data_dir, tmp_path, state={}, run=nothing)
    assert found["Proxy answering"].ok is False
    assert found["Proxy answering"].fix.startswith("Start it with `systemctl --user start nocontact.service`")
    assert found["PAC file"].ok is None and "needs nocontact running" in found["PAC file"].detail
    assert found["CA present"].ok is False and "nocontact install" in found["CA present"].fix


def test_a_config_with_a_mistake_is_named_with_where_and_what_to_do(data_dir, tmp_path):
    assert run_checks(data_dir, tmp_path, state={}, run=nothing)["Config"].ok is None  # none yet
    (data_dir / "config.yaml").write_text("block:\n  dating: true\n")
    assert run_checks(data_dir, tmp_path, state={}, run=nothing)["Config"].ok is True
    (data_dir / "config.yaml").write_text("block:\n  dating: maybe\n")
    check = run_checks(data_dir, tmp_path, state={}, run=nothing)["Config"]
    assert check.ok is False and "config.yaml:2: block.dating" in check.detail and "nocontact check" in check.fix


def test_installed_with_the_agent_down_the_pac_service_still_holds_watched_sites(data_dir, tmp_path):
    routing = data_dir / "proxy.pac"
    routing.write_text(pac.TEMPLATE % {"watched": json.dumps({"tinder.com": 1}), "exact": "{}", "allowed": "{}",
                                       "proxy": "PROXY 127.0.0.1:8080"})
    server = PacServer(routing, port=0).start()
    try:
        (data_dir / "install.json").write_text(json.dumps({"pac_url": server.url, "steps": []}))
        found = run_checks(data_dir, tmp_path, state={}, run=nothing)
        assert found["PAC file"].ok is True and server.url in found["PAC file"].detail
        down = found["Proxy answering"]
        assert down.ok is False and "watched sites do not load" in down.fix and "everything else works" in down.fix
        # Stopped after waiting out its cooldown: everything goes direct, and doctor says why, calmly.
        routing.write_text(STOPPED)
        found = run_checks(data_dir, tmp_path, state={}, run=nothing)
        assert found["PAC file"].ok is False and "sends everything direct" in found["PAC file"].detail
        assert found["PAC file"].fix.startswith("Start nocontact again when you want it back.")
        assert "every site goes direct" in found["Proxy answering"].fix
        assert "watched sites do not load" not in found["Proxy answering"].fix
    finally:
        server.stop()
    # And with the PAC service down: said, with how to start it.
    found = run_checks(data_dir, tmp_path, state={}, run=nothing)
    assert found["PAC file"].ok is False and "does not load" in found["PAC file"].detail
    assert "systemctl --user start nocontact-pac.service" in found["PAC file"].fix
    assert found["PAC service installed"].ok is False and found["Service installed"].ok is False


# --- the data directory, for real ---------------------------------------------------------------


def test_permissions_of_the_data_directory(tmp_path):
    data = tmp_path / "data"
    (data / "ca").mkdir(parents=True)
    for name in ("nocontact.sqlite3", "secret", "ca/mitmproxy-ca.pem", "config.yaml"):
        (data / name).write_text("x")
        os.chmod(data / name, 0o644)
    os.chmod(data, 0o755)
    check = run_checks(data, tmp_path, state={}, run=nothing)["Data directory private"]
    assert check.ok is False
    for name in ("nocontact.sqlite3", "secret", "mitmproxy-ca.pem"):
        assert name in check.detail
    assert "config.yaml" not in check.detail  # the README promises 0600 for the log, the CA key and the secret
    # The fix, run as written, is the fix.
    subprocess.run(check.fix, shell=True, check=True)
    assert run_checks(data, tmp_path, state={}, run=nothing)["Data directory private"].ok is True


def test_disk_space_under_100_mb_is_a_gentle_warning(data_dir, tmp_path, monkeypatch):
    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(doctor.shutil, "disk_usage", lambda path: usage(10**9, 10**9 - 50 * 2**20, 50 * 2**20))
    check = run_checks(data_dir, tmp_path, state={}, run=nothing)["Disk space"]
    assert check.ok is False and check.detail == "50 MB free where the log is kept"
    assert "blocking goes on" in check.fix
    monkeypatch.setattr(doctor.shutil, "disk_usage", lambda path: usage(10**10, 0, 10**10))
    assert run_checks(data_dir, tmp_path, state={}, run=nothing)["Disk space"].ok is True


# --- the CA in NSS databases, with the real certutil --------------------------------------------


def test_trust_in_each_nss_database(tmp_path, data_dir):
    _need_certutil()
    ensure_ca(data_dir)
    home = tmp_path / "home"
    chrome = home / ".pki" / "nssdb"
    firefox = home / ".mozilla" / "firefox" / "p1.default"
    for folder in (chrome, firefox):
        folder.mkdir(parents=True)
        subprocess.run(["certutil", "-N", "-d", f"sql:{folder}", "--empty-password"], check=True)

    def trust() -> dict[str, Check]:
        found = run_checks(data_dir, home, state={}, run=run_command)
        return {k: v for k, v in found.items() if k.startswith("CA trusted")}

    found = trust()
    assert set(found) == {"CA trusted: Chrome and Chromium", "CA trusted: Firefox profile p1.default"}
    assert all(c.ok is False and "does not hold the nocontact CA" in c.detail for c in found.values())
    assert "nocontact install" in found["CA trusted: Chrome and Chromium"].fix

    ca = str(data_dir / CA_CERT)
    subprocess.run(["certutil", "-d", f"sql:{chrome}", "-A", "-t", "C,,", "-n", "nocontact CA", "-i", ca], check=True)
    subprocess.run(["certutil", "-d", f"sql:{firefox}", "-A", "-t", ",,", "-n", "nocontact CA", "-i", ca], check=True)
    found = trust()
    assert found["CA trusted: Chrome and Chromium"].ok is True
    untrusted = found["CA trusted: Firefox profile p1.default"]
    assert untrusted.ok is False and "does not trust it" in untrusted.detail
    subprocess.run(untrusted.fix, shell=True, check=True, capture_output=True)  # the fix as written
    assert trust()["CA trusted: Firefox profile p1.default"].ok is True

    # An older CA of an earlier install under our name is not ours.
    other = tmp_path / "other"
    ensure_ca(other)
    subprocess.run(["certutil", "-d", f"sql:{chrome}", "-D", "-n", "nocontact CA"], check=True)
    subprocess.run(["certutil", "-d", f"sql:{chrome}", "-A", "-t", "C,,", "-n", "nocontact CA", "-i",
                    str(other / CA_CERT)], check=True)
    assert "older nocontact CA" in trust()["CA trusted: Chrome and Chromium"].detail


def test_without_certutil_trust_is_not_checked(tmp_path, data_dir):
    ensure_ca(data_dir)
    found = run_checks(data_dir, tmp_path, state={}, run=nothing, which=lambda name: None)
    assert found["CA trusted by browsers"].ok is None and "libnss3-tools" in found["CA trusted by browsers"].detail


# --- routing ---------------------------------------------------------------------------------


def test_system_proxy_setting(data_dir, tmp_path):
    pac_url = DEFAULT_PAC_URL
    ours = [ProxySetting("gnome", pac_url=pac_url), ProxySetting("kde")]
    check = run_checks(data_dir, tmp_path, state={}, run=nothing, read_settings=lambda: ours)["System proxy"]
    assert check.ok is True and check.detail == "gnome: nocontact; kde: no proxy"
    other = [ProxySetting("gnome", pac_url="http://corp.example/wpad.dat")]
    check = run_checks(data_dir, tmp_path, state={}, run=nothing, read_settings=lambda: other)["System proxy"]
    assert check.ok is False and "gnome: automatic, http://corp.example/wpad.dat" in check.detail
    assert pac_url in check.fix


def test_firefox_profiles_that_go_around_the_proxy(data_dir, tmp_path):
    profiles = tmp_path / ".mozilla" / "firefox"
    prefs = {
        "system.default": "",
        "none.default": 'user_pref("network.proxy.type", 0);\n',
        "pac.default": f'user_pref("network.proxy.autoconfig_url", "{DEFAULT_PAC_URL}");\n'
                       'user_pref("network.proxy.type", 2);\n',
    }
    for name, text in prefs.items():
        (profiles / name).mkdir(parents=True)
        (profiles / name / "prefs.js").write_text('// Mozilla User Preferences\nuser_pref("browser.x", true);\n' + text)
    found = run_checks(data_dir, tmp_path, state={}, run=nothing, which=lambda name: None)
    assert found["Firefox profile system.default"].ok is True
    assert found["Firefox profile pac.default"].ok is True
    blocked = found["Firefox profile none.default"]
    assert blocked.ok is False and "'No proxy'" in blocked.detail and "Use system proxy settings" in blocked.fix


def test_service_checks_on_linux(tmp_path, data_dir, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / ".config"))
    found = run_checks(data_dir, tmp_path, state={}, run=nothing, env=os.environ)
    assert found["Service installed"].ok is False and "nocontact install" in found["Service installed"].fix
    unit = linux.unit_path(tmp_path, os.environ)
    unit.parent.mkdir(parents=True)
    unit.write_text("[Service]\n")
    answers = {("systemctl", "--user", "show-environment"): (0, "HOME=/x\n"),
               ("systemctl", "--user", "is-active", "nocontact.service"): (3, "inactive\n")}
    found = run_checks(data_dir, tmp_path, state={}, run=lambda argv: answers.get(tuple(argv), (1, "")),
                       which=lambda name: f"/usr/bin/{name}", env=os.environ)
    assert found["Service installed"].ok is True
    assert found["Service running"].ok is False and "journalctl --user -u nocontact.service" in \
        found["Service running"].fix


def test_macos_and_windows_checks_ask_the_right_commands(tmp_path, data_dir):
    ensure_ca(data_dir)
    sha1 = fingerprint((data_dir / CA_CERT).read_text())
    calls = []

    def mac(argv):
        calls.append(argv)
        if argv[:2] == ["launchctl", "print"]:
            return 0, "gui/501/org.nocontact.agent = {\n\tstate = running\n}"
        if argv[:2] == ["security", "find-certificate"]:
            return 0, f"SHA-1 hash: {sha1}\n"
        return 1, ""

    found = run_checks(data_dir, tmp_path, state={}, run=mac, system="Darwin", uid=501)
    assert found["Service running"].ok is True and found["CA trusted: login keychain"].ok is True
    assert ["launchctl", "print", "gui/501/org.nocontact.agent"] in calls
    calls.clear()

    def windows(argv):
        calls.append(argv)
        if argv[:2] == ["schtasks", "/Query"]:
            return 0, "TaskName: \\nocontact\nStatus: Ready\n"
        return 1, ""

    found = run_checks(data_dir, tmp_path, state={}, run=windows, system="Windows")
    assert found["Service installed"].ok is True and found["Service running"].ok is False
    assert found["Service running"].fix.startswith("Start it with `schtasks /Run /TN nocontact`")
    assert found["CA trusted: your Root store"].ok is False
    assert ["certutil", "-user", "-verifystore", "Root", sha1] in calls
    assert found["Data directory private"].ok is None


# --- headless Chromium through the PAC file, trusting only what install wrote -----------------


def gnome_desktop_home(home: Path, monkeypatch) -> Path:
    """A fresh HOME on a GNOME desktop (gsettings' keyfile backend): Chromium reads its proxy setting there."""
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("GSETTINGS_BACKEND", "keyfile")
    monkeypatch.setenv("XDG_CURRENT_DESKTOP", "GNOME")
    return home


@pytest.fixture
def installed_home(proxy, tmp_path, monkeypatch):
    """A HOME where `nocontact install` (for real) trusted the running agent's CA in Chrome's NSS database.

    The PAC service runs for real too, serving the PAC file the running agent keeps.
    """
    _need_certutil()
    _need_chromium()
    home = gnome_desktop_home(tmp_path / "home", monkeypatch)
    data = tmp_path / "data"
    (data / "ca").mkdir(parents=True)
    shutil.copy(proxy.agent.address["ca_cert"], data / CA_CERT)
    kept = proxy.agent.config_path.parent / "proxy.pac"  # the PAC file the running agent keeps
    deadline = time.monotonic() + 10
    while not (kept.exists() and "PROXY" in kept.read_text()):
        assert time.monotonic() < deadline, "the agent did not write its PAC file"
        time.sleep(0.05)
    pac_service = PacServer(kept, port=0).start()
    assert install.install(data, home, executable="/usr/bin/true", system="Linux", yes=True, out=lambda _: None,
                           root=False, pac_url=pac_service.url) == 0
    yield home
    pac_service.stop()


def chromium_load(url: str, profile: Path, *flags: str, resolve: str = "MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
                  env: dict | None = None) -> str:
    """Headless Chromium, with no certificate flags and no proxy flags unless given: its page and its log together
    (a load that failed says why in the log). Names resolve by `resolve`: by default nowhere, so nothing that
    goes direct reaches the internet.
    """
    argv = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            f"--user-data-dir={profile}", f"--host-resolver-rules={resolve}", *flags, "--dump-dom", url]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=90, env=env)
    return done.stdout + done.stderr


def test_headless_chromium_shows_the_block_page_over_https_with_only_the_installed_trust(installed_home, proxy,
                                                                                           tmp_path):
    # Routed by GNOME's setting (written by install) to the PAC service, and on to the agent; trusting
    # the agent's CA only through the NSS database install wrote.
    dom = chromium_load("https://blocked-site.test/doctor-proof", tmp_path / "profile")
    assert "Paused by nocontact" in dom
    # Without the installed setting, the same load goes direct (and, mapped nowhere, fails).
    subprocess.run(["gsettings", "set", linux.GNOME, "mode", "none"], check=True)
    assert "Paused by nocontact" not in chromium_load("https://blocked-site.test/doctor-proof", tmp_path / "profile2")


def test_doctor_browser_check_for_real(installed_home, proxy, tmp_path):
    found = by_name(checks(tmp_path / "data", installed_home, state=proxy.agent.address, browser=True, env={},
                           read_settings=lambda: [], system="Linux"))
    (headless,) = [c for c in found.values() if c.name.endswith("(headless)")]
    assert headless.ok is True, headless.detail
    assert found["CA trusted: Chrome and Chromium"].ok is True


def test_doctor_browser_check_without_trust_says_so(proxy, tmp_path, monkeypatch):
    _need_chromium()
    home = gnome_desktop_home(tmp_path / "untrusting", monkeypatch)
    # Routed to nocontact by GNOME's setting, as on a desktop, but the CA trusted nowhere: the load is refused.
    subprocess.run(["gsettings", "set", linux.GNOME, "autoconfig-url", proxy.pac_url], check=True)
    subprocess.run(["gsettings", "set", linux.GNOME, "mode", "auto"], check=True)
    found = checks(tmp_path, home, state=proxy.agent.address, browser=True, env={}, read_settings=lambda: [],
                   system="Linux", which=lambda name: shutil.which(name) if name != "certutil" else None)
    (headless,) = [c for c in found if c.name.endswith("(headless)")]
    assert headless.ok is False and "nocontact install" in headless.fix
    routed = chromium_load("https://blocked-site.test/", home / "p")
    assert "ERR_CERT_AUTHORITY_INVALID" in routed  # it did go through nocontact: only the trust is missing


# --- showing it ---------------------------------------------------------------------------------


def test_render_and_json():
    found = [Check("Proxy answering", True, "listening at 127.0.0.1:8080"),
             Check("PAC file", False, "http://127.0.0.1:8081/proxy.pac does not load", "Restart nocontact."),
             Check("Service running", None, "cannot be asked here")]
    text = doctor.render(found)
    assert text.splitlines()[2].split() == ["ok", "Proxy", "answering", "listening", "at", "127.0.0.1:8080"]
    assert "What to do: Restart nocontact." in text
    assert text.endswith("1 thing to look at; what to do is under each. The rest is in place.")
    assert "Everything checked is in place." in doctor.render(found[:1] + found[2:])
    for word in ("fail", "error", "FAIL", "!"):
        assert word not in text
    data = doctor.as_json(found)
    assert data["ok"] is False and data["checks"][1] == {"name": "PAC file", "ok": False,
                                                         "detail": "http://127.0.0.1:8081/proxy.pac does not load",
                                                         "fix": "Restart nocontact."}
    json.dumps(data)
