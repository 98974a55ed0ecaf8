"""The `nocontact` command as a person or a script uses it: outputs, exit codes, messages."""

from __future__ import annotations

import csv
import io
import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request

import pytest

from tests.conftest import TEST_CONFIG
from tests.origins import fetch


def nocontact(*args: str, home, stdin: str | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    env = {**os.environ, "NOCONTACT_HOME": str(home)}
    return subprocess.run([sys.executable, "-m", "agent", *args], input=stdin, capture_output=True, text=True,
                          env=env, timeout=timeout)


def test_explain_nl_one_object_per_line_and_json_one_array(home, config):
    urls = ["https://m.instagram.com/Casey.Lindqvist/reels/", "https://www.bbc.co.uk/news"]
    result = nocontact("explain", "--config", str(config), "--nl", *urls, home=home)
    assert result.returncode == 0, result.stderr
    first, second = map(json.loads, result.stdout.splitlines())
    as_json = nocontact("explain", "--config", str(config), "--json", *urls, home=home).stdout
    assert json.loads(as_json) == [first, second]
    assert first == {"url": "https://m.instagram.com/Casey.Lindqvist/reels/", "action": "block", "reason": "person",
                     "category": None, "person": "J", "platform": "instagram",
                     "rule": "profile instagram:casey.lindqvist"}
    assert second["action"] == "allow" and second["reason"] == "none"


def test_explain_reads_stdin(home, config):
    result = nocontact("explain", "--config", str(config), "--nl", "-", home=home,
                       stdin="https://tinder.com/\n\nhttps://coparent.test/\n")
    reasons = [json.loads(line)["reason"] for line in result.stdout.splitlines()]
    assert reasons == ["category", "allow_list"]


def test_explain_plain_text_and_a_bad_url(home, config):
    result = nocontact("explain", "--config", str(config), "https://tinder.com/", "ftp://x", home=home)
    assert result.returncode == 1
    assert "blocked: dating site list: tinder.com" in result.stdout
    assert "cannot be checked: only http and https" in result.stderr


def test_explain_works_on_the_shipped_default(home):
    result = nocontact("explain", "https://www.match.com/", home=home)
    assert result.returncode == 0 and "blocked" in result.stdout
    assert (home / "config.yaml").exists()
    assert oct((home).stat().st_mode & 0o777) == "0o700"


def test_check_lists_each_profile_by_platform_and_handle_and_their_name_only_when_asked(home, config):
    result = nocontact("check", "--config", str(config), home=home)
    assert result.returncode == 0
    # What the engine read in each link, so a typo shows; their name, emails and phones not over a shoulder.
    assert ("  J, with 3 profiles:\n    Instagram: @casey.lindqvist\n    Facebook: id 100098765432101\n"
            "    X (Twitter): @caseylindq\n    and searches for 1 name, 1 email and 1 phone number\n") in result.stdout
    assert "Casey Lindqvist" not in result.stdout and "7700" not in result.stdout and "example.org" not in result.stdout
    assert "`nocontact check --in-full` shows each one" in result.stdout
    full = nocontact("check", "--in-full", "--config", str(config), home=home).stdout
    assert ("  J, with 3 profiles:\n    Instagram: @casey.lindqvist\n    Facebook: id 100098765432101\n"
            "    X (Twitter): @caseylindq\n    name: Casey Lindqvist\n    email: casey.l@example.org\n"
            "    phone number: +44 7700 900123\n") in full
    other = config.parent / "other.yaml"
    other.write_text("people:\n  - alias: K\n    profiles:\n      - https://flickr.com/photos/kr\n"
                     "      - https://wa.me/447700900123\n")
    assert ("  K, with 2 profiles:\n    a website: flickr.com/photos/kr and what is under it\n"
            "    a phone number's chats: +447700900123\n"
            in nocontact("check", "--in-full", "--config", str(other), home=home).stdout)


def test_check_refuses_a_profile_that_reaches_nobody(home, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text('people:\n  - alias: J\n    profiles:\n      - "@jordan_rivers"\n      - htps//x.com/jordan_rivers\n')
    result = nocontact("check", "--config", str(bad), home=home)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"nocontact: {bad}:4: people[0].profiles[0]: '@jordan_rivers' is not a link: which platform is "
        "@jordan_rivers on? Write the link of their profile there, like https://x.com/jordan_rivers or "
        "https://www.instagram.com/jordan_rivers/",
        f"{bad}:5: people[0].profiles[1]: 'htps//x.com/jordan_rivers' is not a link nocontact can read; "
        "did you mean https://x.com/jordan_rivers?",
    ]


def test_check_says_each_subscribed_list_in_force(home, tmp_path):
    mine = tmp_path / "mine.txt"
    mine.write_text("one.test\ntwo.test\n")
    config = tmp_path / "config.yaml"
    gone = (tmp_path / "gone.txt").as_uri()
    config.write_text(f"lists:\n  - url: {mine.as_uri()}\n    category: mine\n  - url: {gone}\n    category: dating\n")
    before = nocontact("check", "--config", str(config), home=home).stdout
    assert f"  List of mine from {mine.as_uri()}: not fetched yet, so it blocks nothing yet\n" in before
    nocontact("lists", "--config", str(config), "update", home=home)  # one file is read, the other is not there
    after = nocontact("check", "--config", str(config), home=home).stdout
    assert f"  List of mine from {mine.as_uri()}: 2 sites in force\n" in after
    assert f"  List of dating sites from {gone}: not fetched yet, so it blocks nothing yet\n" in after


@pytest.mark.parametrize("command", ["check", "run", "explain"])
def test_bad_config_is_one_clear_line_and_exit_1(home, tmp_path, command):
    bad = tmp_path / "bad.yaml"
    bad.write_text("block:\n  datting: yes\n")
    args = [command, "--config", str(bad)] + (["https://x.test/"] if command == "explain" else [])
    result = nocontact(*args, home=home)
    assert result.returncode == 1
    if command == "run":  # a service's output goes to the system log: where, not the values
        assert result.stderr.strip() == (
            f"nocontact: the config has a mistake ({bad}:2: block.datting); `nocontact check` shows what to fix")
    else:
        assert result.stderr.strip() == (
            f"nocontact: {bad}:2: block.datting: unknown key "
            "(expected one of: dating, social, people_search, viewers, messaging, sites, urls)"
        )
    assert "Traceback" not in result.stderr


def test_wrong_usage_exits_2(home):
    assert nocontact("explain", home=home).returncode == 2
    assert nocontact("frobnicate", home=home).returncode == 2
    assert nocontact("urges", "--since", "sometime", home=home).returncode == 2


def test_urges_formats(home):
    from agent.engine.policy import Decision
    from agent.store import UrgeLog

    home.mkdir(parents=True)
    log = UrgeLog(home / "nocontact.sqlite3", clock=lambda: time.time() - 3600)
    log.record(Decision("u", "block", "person", person="J", platform="instagram", rule="r"), "https://i.test/x")
    log.record(Decision("u", "block", "category", category="dating", rule="r", site="tinder.com"), "https://tinder.com/")
    log.close()
    as_json = json.loads(nocontact("urges", "--json", home=home).stdout)
    assert [u["target"] for u in as_json] == ["J · instagram", "dating site · tinder.com"]
    rows = list(csv.DictReader(io.StringIO(nocontact("urges", "--csv", "--since", "7d", home=home).stdout)))
    assert [r["site"] for r in rows] == ["", "tinder.com"]
    table = nocontact("urges", home=home).stdout
    assert "J · instagram" in table and "2 urges" in table
    assert "No urges" in nocontact("urges", "--since", "1m", home=home).stdout


def test_status_when_not_running(home):
    result = nocontact("status", "--json", home=home)
    assert json.loads(result.stdout)["running"] is False and json.loads(result.stdout)["pac_service"] is None
    # Installed, with the agent down: the PAC service still holds watched sites back, and status says so.
    (home / "install.json").write_text(json.dumps({"pac_url": "http://127.0.0.1:8082/proxy.pac", "steps": []}))
    (home / "proxy.pac").write_text('function FindProxyForURL(u, h) { return "PROXY 127.0.0.1:8080"; }')
    said = nocontact("status", home=home).stdout
    assert "not running" in said and "PAC service (http://127.0.0.1:8082/proxy.pac)" in said


def test_home_option_sets_the_data_directory(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    result = subprocess.run([sys.executable, "-m", "agent", "--home", str(elsewhere), "check"], capture_output=True,
                            text=True, timeout=60, env={k: v for k, v in os.environ.items() if k != "NOCONTACT_HOME"})
    assert result.returncode == 0, result.stderr
    assert (elsewhere / "config.yaml").exists()  # made from the shipped default, there and nowhere else


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for_port(port: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(process.stdout.read())
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise AssertionError("did not start listening")


def start_agent(home, config, *, pages_port: int = 0, service: str | None = None) -> tuple[subprocess.Popen, int]:
    """`nocontact run` on a free port, as a person would start it (or, given `service`, a service manager)."""
    port = _free_port()
    env = {**os.environ, "NOCONTACT_HOME": str(home), **({"NOCONTACT_SERVICE": service} if service else {})}
    process = subprocess.Popen([sys.executable, "-m", "agent", "run", "--config", str(config), "--port", str(port),
                                "--pages-port", str(pages_port)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, env=env)
    return process, port


def said_until_running(process: subprocess.Popen) -> list[str]:
    """The lines it prints up to and including "nocontact is running."."""
    said = []
    while not said or said[-1].strip() != "nocontact is running.":
        said.append(process.stdout.readline())
        assert said[-1], "".join(said)
    return said


def test_run_prints_where_it_listens_and_status_sees_it(home, config):
    process, port = start_agent(home, config)
    try:
        lines = [process.stdout.readline() for _ in range(4)]
        assert lines[0].strip() == "nocontact is running."
        assert lines[1].split() == ["proxy", f"127.0.0.1:{port}"]
        assert lines[2].split()[0] == "PAC" and lines[2].split()[1].endswith("/proxy.pac")
        assert lines[3].split()[1].endswith("mitmproxy-ca-cert.pem")
        status = json.loads(nocontact("status", "--json", home=home).stdout)
        assert status["running"] is True and status["proxy"] == f"127.0.0.1:{port}"
        assert oct(os.stat(home / "ca" / "mitmproxy-ca.pem").st_mode & 0o777) == "0o600"
        assert fetch(("127.0.0.1", port), "https://tinder.com/").status == 403
    finally:
        process.terminate()
        assert process.wait(15) == 0
    assert not (home / "state.json").exists()
    events = sqlite3.connect(home / "nocontact.sqlite3").execute("SELECT kind, detail FROM events").fetchall()
    assert events == [("stopped", "stopped at once by a signal (Ctrl+C, or the service being stopped)")]


def test_started_again_right_after_a_crash_it_gets_its_ports_back(home, config):
    """A crash leaves the ports' old connections waiting (TIME_WAIT); the restart must not be refused for them."""
    port, pages = _free_port(), _free_port()
    env = {**os.environ, "NOCONTACT_HOME": str(home)}
    argv = [sys.executable, "-m", "agent", "run", "--config", str(config), "--port", str(port),
            "--pages-port", str(pages)]
    for _restart in range(2):
        process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
        try:
            first = process.stdout.readline()
            assert first.strip() == "nocontact is running.", first + process.stdout.read()
            for _ in range(3):  # the server closes these connections first, so it holds their TIME_WAIT
                assert fetch(("127.0.0.1", port), "http://tinder.com/").status == 403
                assert b"FindProxyForURL" in urllib.request.urlopen(f"http://127.0.0.1:{pages}/proxy.pac").read()
        finally:
            process.kill()  # as a crash ends it: no clean shutdown
            process.wait(15)


def test_without_a_console_it_runs_and_writes_to_its_log(tmp_path, config):
    """As Windows' logon task starts it (pythonw.exe: no standard output or error at all)."""
    home = tmp_path / "windowless"
    script = ("import sys; sys.stdout = sys.stderr = None; from agent.cli import main; "
              f"sys.exit(main(['--home', {str(home)!r}, 'run', '--config', {str(config)!r}, '--port', '0', "
              "'--pages-port', '0']))")
    process = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        log_file = home / "nocontact.log"
        while "nocontact is running." not in (log_file.read_text() if log_file.exists() else ""):
            assert process.poll() is None, log_file.read_text() if log_file.exists() else "it stopped"
            assert time.monotonic() < deadline
            time.sleep(0.1)
        proxy = json.loads((home / "state.json").read_text())["proxy"].rsplit(":", 1)
        assert fetch((proxy[0], int(proxy[1])), "http://tinder.com/").status == 403
    finally:
        process.kill()
        process.wait(15)


def test_a_config_mistake_at_start_keeps_the_last_good_config_in_force(home, config, monkeypatch):
    process, port = start_agent(home, config)  # a first, good run: its config is kept, signed, as in force
    assert process.stdout.readline().strip() == "nocontact is running."
    process.terminate()
    assert process.wait(15) == 0
    config.write_text(TEST_CONFIG.replace("dating: true", "dating: maybe"))
    process, port = start_agent(home, config)
    try:
        said = said_until_running(process)
        assert any(line.startswith(f"The config has a mistake ({config}:") and "last good one stays" in line
                   for line in said), said
        assert fetch(("127.0.0.1", port), "https://tinder.com/").status == 403  # dating still paused
        assert fetch(("127.0.0.1", port), "https://blocked-site.test/").status == 403
        config.write_text(TEST_CONFIG.replace("sites: [blocked-site.test]", "sites: [blocked-site.test, later.test]"))
        deadline = time.monotonic() + 30
        while fetch(("127.0.0.1", port), "http://later.test/").status != 403:  # fixed: read again, applied
            assert time.monotonic() < deadline
            time.sleep(0.2)
    finally:
        process.terminate()
        process.wait(15)


def test_as_a_service_a_taken_pages_port_does_not_keep_the_proxy_down(home, config):
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen()
    process, port = start_agent(home, config, pages_port=holder.getsockname()[1], service="systemd")
    try:
        assert any("pages is in use" in line for line in said_until_running(process))
        assert fetch(("127.0.0.1", port), "https://tinder.com/").status == 403
        pages = json.loads((home / "state.json").read_text())["pages"]
        assert not pages.endswith(f":{holder.getsockname()[1]}")
    finally:
        holder.close()
        process.terminate()
        process.wait(15)


def test_addon_works_alone_in_mitmdump(home, config, tmp_path):
    import shutil

    mitmdump = shutil.which("mitmdump")
    assert mitmdump, "mitmdump comes with mitmproxy"
    port = _free_port()
    env = {**os.environ, "NOCONTACT_HOME": str(home)}
    addon = os.path.join(os.path.dirname(__file__), "..", "..", "addons", "nocontact.py")
    process = subprocess.Popen(
        [mitmdump, "-q", "-s", addon, "--listen-host", "127.0.0.1", "--listen-port", str(port),
         "--set", f"nocontact_config={config}", "--set", "connection_strategy=lazy",
         "--set", f"confdir={tmp_path / 'ca'}"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    try:
        _wait_for_port(port, process)
        reply = fetch(("127.0.0.1", port), "https://www.instagram.com/casey.lindqvist/")
        assert reply.status == 403 and "J (Instagram)" in reply.text
        assert fetch(("127.0.0.1", port), "http://tinder.com/").status == 403
    finally:
        process.terminate()
        process.wait(15)


def test_addon_in_mitmdump_refuses_a_bad_config(home, tmp_path):
    import shutil

    bad = tmp_path / "bad.yaml"
    bad.write_text("people: [{alias: J, profiles: ['https://www.instagram.com/explore/']}]\n")
    addon = os.path.join(os.path.dirname(__file__), "..", "..", "addons", "nocontact.py")
    result = subprocess.run([shutil.which("mitmdump"), "-s", addon, "--listen-port", "0", "--set",
                             f"nocontact_config={bad}"], capture_output=True, text=True, timeout=60,
                            env={**os.environ, "NOCONTACT_HOME": str(home)})
    assert result.returncode != 0
    assert "is not a profile link" in result.stdout + result.stderr


def test_override_and_stop_through_the_running_agent(home, config):
    import urllib.error
    import urllib.request

    process, _ = start_agent(home, config)
    try:
        assert process.stdout.readline().strip() == "nocontact is running."
        asked = nocontact("override", "request", "dating", "--reason", "closing my old account", home=home)
        assert asked.returncode == 0, asked.stderr
        assert asked.stdout.startswith("Asked (request 1). The wait is 20 minutes")
        status = json.loads(nocontact("status", "--json", home=home).stdout)
        assert [(h["kind"], h["name"], h["state"], h["reason"]) for h in status["pending"]] == [
            ("category", "dating", "waiting", "closing my old account")]
        (status_line,) = nocontact("status", "--nl", home=home).stdout.splitlines()
        assert json.loads(status_line)["pending"][0]["id"] == 1
        (waiting,) = json.loads(nocontact("override", "status", "--json", home=home).stdout)
        assert [json.loads(line) for line in nocontact("override", "status", "--nl", home=home).stdout.splitlines()
                ][0]["id"] == waiting["id"] == 1
        (row,) = csv.DictReader(io.StringIO(nocontact("override", "status", "--csv", home=home).stdout))
        assert (row["id"], row["name"], row["state"]) == ("1", "dating", "waiting")
        early = nocontact("override", "open", "1", home=home)
        assert early.returncode == 1 and "still about 20 minutes to wait" in early.stderr
        unknown = nocontact("override", "request", "nothing-blocked.test", home=home)
        assert unknown.returncode == 1 and "is not blocked" in unknown.stderr
        assert nocontact("override", "cancel", "1", home=home).stdout.startswith("Cancelled.")
        assert "Nothing is waiting" in nocontact("override", "status", home=home).stdout
        stop = nocontact("stop", home=home)
        assert "nocontact stops in about 20 minutes" in stop.stdout
        assert "stopping nocontact: waiting" in nocontact("status", home=home).stdout
        nocontact("override", "cancel", "2", home=home)

        pages = json.loads((home / "state.json").read_text())["pages"]
        for headers in ({}, {"X-Nocontact-Key": "0" * 32}):  # no key, or a wrong one
            request = urllib.request.Request(pages + "/api/stop", data=b"{}", headers=headers)
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(request, timeout=5)
            assert refused.value.code == 403
        assert process.poll() is None
    finally:
        process.terminate()
        process.wait(15)


def test_override_when_not_running(home):
    result = nocontact("override", "status", home=home)
    assert result.returncode == 1
    assert "nocontact is not running" in result.stderr


@pytest.fixture
def filled(home):
    from agent.engine.policy import Decision
    from agent.store import UrgeLog

    home.mkdir(parents=True, exist_ok=True)
    now = time.time()
    moment = [now - 3 * 86400]
    log = UrgeLog(home / "nocontact.sqlite3", clock=lambda: moment[0])
    log.record(Decision("u", "block", "person", person="J", platform="instagram", rule="r"), "https://i.test/a")
    moment[0] = now - 2 * 86400 - 600
    log.record(Decision("u", "block", "category", category="dating", rule="r", site="tinder.com"), "https://t.test/")
    moment[0] = now - 3600
    log.record(Decision("u", "block", "person", person="J", platform="x", rule="r"), "https://x.test/b")
    log.set_outcome(2, "closed")
    log.close()
    return home


def test_urges_filters_and_nl(filled):
    home = filled
    lines = nocontact("urges", "--nl", "--person", "J", home=home).stdout.splitlines()
    assert [json.loads(line)["platform"] for line in lines] == ["instagram", "x"]
    assert [u["id"] for u in json.loads(nocontact("urges", "--json", "--outcome", "closed", home=home).stdout)] == [2]
    assert [u["id"] for u in json.loads(nocontact("urges", "--json", "--since", "2d", home=home).stdout)] == [3]
    assert [u["id"] for u in json.loads(nocontact("urges", "--json", "--until", "1d", home=home).stdout)] == [1, 2]
    assert [u["id"] for u in json.loads(nocontact("urges", "--json", "--category", "dating", home=home).stdout)] == [2]


def test_notes_after_the_fact(filled):
    home = filled
    done = nocontact("urges", "note", "1", "--trigger", "late night", "--before", "8", "--after", "3",
                     "--feeling", "restless", "--text", "saw our song on the radio", home=home)
    assert done.returncode == 0 and done.stdout.strip() == "Noted on urge 1."
    (urge,) = [u for u in json.loads(nocontact("urges", "--json", home=home).stdout) if u["id"] == 1]
    assert (urge["trigger"], urge["intensity_before"], urge["intensity_after"], urge["feeling"], urge["note"]) == (
        "late night", 8, 3, "restless", "saw our song on the radio")
    table = nocontact("urges", home=home).stdout
    assert "late night · saw our song on the radio" in table
    assert nocontact("urges", "note", "1", "--trigger", "weather", home=home).returncode == 2
    bad = nocontact("urges", "note", "1", "--before", "11", home=home)
    assert bad.returncode == 1 and "from 0 to 10" in bad.stderr
    missing = nocontact("urges", "note", "99", "--text", "x", home=home)
    assert missing.returncode == 1 and "there is no urge 99" in missing.stderr


def test_export_formats(filled):
    home = filled
    rows = list(csv.DictReader(io.StringIO(nocontact("export", "--format", "csv", home=home).stdout)))
    assert [r["target"] for r in rows] == ["J · instagram", "dating site · tinder.com", "J · x"]
    assert "intensity_before" in rows[0]
    records = json.loads(nocontact("export", "--format", "json", "--person", "J", home=home).stdout)
    assert [r["id"] for r in records] == [1, 3]


def test_wipe_asks_first_and_keeps_the_config(filled):
    home = filled
    (home / "config.yaml").write_text("people: []\n")
    kept = nocontact("wipe", home=home, stdin="yes\n")
    assert kept.returncode == 1 and "Nothing was removed" in kept.stdout
    assert len(json.loads(nocontact("urges", "--json", home=home).stdout)) == 3
    wiped = nocontact("wipe", home=home, stdin="wipe my log\n")
    assert wiped.returncode == 0
    assert json.loads(nocontact("urges", "--json", home=home).stdout) == []
    assert (home / "config.yaml").read_text() == "people: []\n"
    events = sqlite3.connect(home / "nocontact.sqlite3").execute("SELECT kind FROM events").fetchall()
    assert events == [("wiped",)]


def test_run_never_prints_the_persons_details_for_a_bad_config(home, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("people:\n  - alias: J\n    emails: ['casey.l@example']\n    phones: ['+44 7700']\n")
    result = nocontact("run", "--config", str(bad), home=home)
    assert result.returncode == 1
    assert "casey" not in result.stderr and "7700" not in result.stderr
    assert "people[0].emails[0]" in result.stderr


def test_bad_port_and_corrupt_log_are_one_line(home):
    assert nocontact("run", "--port", "70000", home=home).returncode == 2
    home.mkdir(parents=True, exist_ok=True)
    (home / "nocontact.sqlite3").write_bytes(b"this is not a database" * 100)
    result = nocontact("urges", home=home)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith("nocontact: ")


def test_urges_show_the_steps_of_a_request_to_open(filled):
    from agent.store import UrgeLog

    log = UrgeLog(filled / "nocontact.sqlite3")
    log.add_step(7, 1, "person:J", "requested")
    log.add_step(7, 1, "person:J", "cancelled")
    log.close()
    (first, *_) = json.loads(nocontact("urges", "--json", "--person", "J", home=filled).stdout)
    assert first["steps"].startswith("requested ") and ", cancelled " in first["steps"]
    assert first["outcome"] == "waited"  # asking and then stepping away is an urge ridden out
    assert "requested" in nocontact("urges", home=filled).stdout


def test_as_a_service_a_signal_stop_is_not_a_success(home, config):
    process, _ = start_agent(home, config, service="1")
    said_until_running(process)
    process.terminate()
    assert process.wait(15) == 128 + 15  # so the service manager starts it again
