"""The process watcher with real processes: barred apps are noticed, logged, told, and acted on."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from tests.conftest import own_proxy

APPS_CONFIG = """
people:
  - alias: J
    profiles: [https://www.instagram.com/casey.lindqvist/]
apps:
  - {preset: signal, action: close}
  - {preset: telegram, action: suspend}
  - whatsapp
cooldown: {delay: 20m, window: 10m}
watcher: {period: 1s}
"""


def named(folder: Path, name: str, target: str) -> Path:
    """A harmless program started under an app's name (Linux reads the name from the path run)."""
    link = folder / name
    link.symlink_to(target)
    return link


@pytest.fixture(scope="module")
def running(tmp_path_factory, origin):
    with own_proxy(APPS_CONFIG, tmp_path_factory.mktemp("watched"), origin) as proxy:
        yield proxy


@pytest.fixture
def folder(tmp_path):
    return tmp_path


def wait_until(check, seconds: float = 10.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.05)
    return check()


def app_urges(agent, key: str):
    agent.urges.flush()
    return [u for u in agent.urges.urges() if u.source == "process" and u.site == key]


def test_a_barred_app_set_to_close_is_closed_logged_and_told(running, folder):
    app = subprocess.Popen([named(folder, "signal-desktop", "/bin/sleep"), "600"])
    try:
        assert wait_until(lambda: app.poll() is not None), "the app was not closed"
        (urge,) = wait_until(lambda: app_urges(running.agent, "signal"))
        assert urge.url == "process:signal-desktop" and urge.outcome == "blocked"
        assert wait_until(lambda: any("Signal was closed" in body for _, body in running.notes))
    finally:
        app.kill()


def test_a_barred_app_set_to_notify_keeps_running(running, folder):
    app = subprocess.Popen([named(folder, "WhatsApp", "/bin/sleep"), "600"])
    try:
        assert wait_until(lambda: app_urges(running.agent, "whatsapp"))
        assert app.poll() is None
        assert wait_until(lambda: any("WhatsApp just opened" in body for _, body in running.notes))
    finally:
        app.kill()


def test_suspend_until_a_window_opens_then_again_after_it_closes(running, folder):
    app = subprocess.Popen([named(folder, "telegram-desktop", "/bin/sleep"), "600"])
    process = psutil.Process(app.pid)
    try:
        assert wait_until(lambda: process.status() == psutil.STATUS_STOPPED)
        hold = running.agent.cooldowns.request("app", "telegram", reason="a work group")
        running.clock.advance(20 * 60)
        running.agent.tick()
        running.agent.cooldowns.open(hold.id)
        assert wait_until(lambda: process.status() != psutil.STATUS_STOPPED)  # inside its window it runs
        time.sleep(1.5)
        assert process.status() != psutil.STATUS_STOPPED
        running.clock.advance(10 * 60)
        running.agent.tick()  # the window closes by itself
        assert wait_until(lambda: process.status() == psutil.STATUS_STOPPED)
    finally:
        app.kill()


def test_a_browser_started_around_the_proxy_is_a_guard_event(running, folder):
    browser = named(folder, "chromium", sys.executable)  # a Python that the OS calls "chromium"
    flags = [["--no-proxy-server"], ["--proxy-server=direct://"],
             ["--proxy-server=127.0.0.1:9", "--proxy-bypass-list=*.instagram.com"]]
    children = [subprocess.Popen([browser, "-c", "import time; time.sleep(600)", *f]) for f in flags]
    try:
        def guard_events():
            running.agent.settle()
            return [d for _, kind, d in running.agent.urges.events() if kind == "bypass"]

        events = wait_until(lambda: len(guard_events()) >= 3 and guard_events())
        assert any("--no-proxy-server" in e for e in events)
        assert any("direct://" in e for e in events)
        assert any("instagram.com" in e for e in events)
        assert all(e.startswith("chromium was started") for e in events)
    finally:
        for child in children:
            child.kill()


def test_other_processes_are_left_alone(running, folder):
    lookalike = subprocess.Popen([named(folder, "telegraf", "/bin/sleep"), "600"])
    try:
        time.sleep(2.5)
        assert lookalike.poll() is None
        assert psutil.Process(lookalike.pid).status() != psutil.STATUS_STOPPED
        assert not [u for u in running.agent.urges.urges() if "telegraf" in u.url]
    finally:
        lookalike.kill()


def test_watcher_reads_each_process_once(monkeypatch):
    import agent.watcher as module
    from agent.apps import AppMatcher

    watcher = module.Watcher(AppMatcher([]), watches=lambda host: False)
    watcher.scan()
    reads, original = [], module.read_process
    monkeypatch.setattr(module, "read_process", lambda pid: reads.append(pid) or original(pid))
    child = subprocess.Popen(["/bin/sleep", "600"])
    try:
        watcher.scan()
        watcher.scan()
        assert reads.count(child.pid) == 1  # seen once, then only listed
    finally:
        child.kill()


def test_close_asks_politely_first_and_kills_only_after_the_grace(folder):
    from agent.watcher import close

    said = folder / "terminated"
    polite = subprocess.Popen([sys.executable, "-c", (
        "import signal, sys, time, pathlib\n"
        f"signal.signal(signal.SIGTERM, lambda *a: (pathlib.Path({str(said)!r}).write_text('bye'), sys.exit(0)))\n"
        "print('ready', flush=True)\ntime.sleep(600)")], stdout=subprocess.PIPE, text=True)
    stubborn = subprocess.Popen([sys.executable, "-c", (
        "import signal, time\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\nprint('ready', flush=True)\n"
        "time.sleep(600)")], stdout=subprocess.PIPE, text=True)
    for child in (polite, stubborn):
        assert child.stdout.readline().strip() == "ready"
    assert close(polite.pid, grace=5)
    assert said.read_text() == "bye"  # it was asked, and left on its own
    started = time.monotonic()
    assert close(stubborn.pid, grace=0.5)
    assert stubborn.wait(5) == -9 and time.monotonic() - started >= 0.5  # killed only after the grace
