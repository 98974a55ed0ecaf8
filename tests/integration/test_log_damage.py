"""A damaged or removed urge log is never an outage: `nocontact run` starts and blocks, doctor names what
was set aside, wipe works, and urges after a removal reach the disk."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from agent import logfile
from agent.store import UrgeLog
from agent.system.doctor import checks
from tests.conftest import Clock
from tests.integration.test_cli import nocontact, said_until_running, start_agent
from tests.origins import fetch
from tests.unit.test_store import damage, filled


def damaged_log(folder: Path, how: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "nocontact.sqlite3"
    filled(path, Clock(1_800_000_000.0))
    damage(path, how)
    return path


def set_aside(folder: Path) -> list[Path]:
    return logfile.set_aside_logs(folder / "nocontact.sqlite3")


def dating_sites(count: int) -> list[str]:
    lines = Path(__file__).resolve().parents[2].joinpath("config", "lists", "dating.txt").read_text().splitlines()
    sites = [line.strip() for line in lines if line.strip() and not line.startswith("#") and "." in line]
    return sites[:count]


@pytest.mark.parametrize("how", ["truncated", "zeroed", "garbage"])
def test_a_damaged_log_is_set_aside_and_nocontact_runs_and_blocks(home, config, how):  # noqa: F811
    path = damaged_log(home, how)
    damaged_bytes = path.read_bytes()
    process, port = start_agent(home, config, service="1")
    try:
        said = "".join(said_until_running(process))
        assert fetch(("127.0.0.1", port), "https://tinder.com/").status == 403
    finally:
        process.terminate()
        assert process.wait(15) == 128 + 15  # a signal's stop, as the service manager's own: not a crash
    (aside,) = set_aside(home)
    assert aside.read_bytes() == damaged_bytes
    assert f"The log was damaged and set aside as {aside.name}; a fresh log was started" in said
    log = sqlite3.connect(path)
    kinds = [kind for (kind,) in log.execute("SELECT kind FROM events ORDER BY id")]
    assert kinds[0] == "log_set_aside" and log.execute("SELECT site FROM urges").fetchall() == [("tinder.com",)]


def test_doctor_names_a_damaged_log_and_what_was_set_aside(home, tmp_path):  # noqa: F811
    path = damaged_log(home, "truncated")
    found = {c.name: c for c in checks(home, tmp_path, system="Linux", env={}, state={}, read_settings=lambda: [],
                                       run=lambda argv: (127, "not here"))}
    now = found["Urge log"]
    assert now.ok is False and f"{path} is damaged" in now.detail and "sets a damaged log aside" in now.fix
    UrgeLog(path, mend=True).close()  # what the next start does
    found = {c.name: c for c in checks(home, tmp_path, system="Linux", env={}, state={}, read_settings=lambda: [],
                                       run=lambda argv: (127, "not here"))}
    later = found["Urge log"]
    (aside,) = set_aside(home)
    assert later.ok is True and str(aside) in later.detail
    assert "nothing was lost from blocking" in later.detail and "`nocontact wipe` removes it" in later.detail


def test_wipe_works_on_a_damaged_log_and_removes_what_was_set_aside(home):  # noqa: F811
    path = damaged_log(home, "garbage")
    UrgeLog(path, mend=True).close()  # an earlier start set one copy aside
    damage(path, "zeroed")  # and this one is damaged too
    (earlier,) = set_aside(home)
    asked = nocontact("wipe", home=home, stdin="no\n")
    assert "and 1 damaged copy of it set aside earlier" in asked.stdout and set_aside(home) == [earlier]
    wiped = nocontact("wipe", "--yes", home=home)
    assert wiped.returncode == 0, wiped.stderr
    assert wiped.stdout.strip() == "The log is empty now. 2 damaged copies of it went too."
    assert [p.name for p in home.iterdir() if ".damaged-" in p.name] == []  # their side files too
    events = sqlite3.connect(path).execute("SELECT kind FROM events").fetchall()
    assert events == [("wiped",)]
    assert nocontact("urges", "--json", home=home).stdout.strip() == "[]"


def test_a_log_removed_while_running_gets_the_urges_that_follow(home, config):  # noqa: F811
    process, port = start_agent(home, config)
    try:
        said_until_running(process)
        proxy = ("127.0.0.1", port)
        assert fetch(proxy, "https://tinder.com/").status == 403
        for end in ("", "-wal", "-shm"):
            (home / f"nocontact.sqlite3{end}").unlink(missing_ok=True)
        sites = dating_sites(30)
        for site in sites:
            assert fetch(proxy, f"https://{site}/").status == 403
        on_disk = sqlite3.connect(home / "nocontact.sqlite3")
        assert on_disk.execute("SELECT COUNT(*) FROM urges").fetchone()[0] == 30
        assert on_disk.execute("SELECT kind FROM events").fetchall()[0] == ("log_removed",)
    finally:
        process.terminate()
        process.wait(15)
    assert os.path.exists(home / "nocontact.sqlite3")


def test_repeats_reach_the_disk_within_about_a_second_so_a_kill_loses_little(home, config):  # noqa: F811
    import signal
    import time

    process, port = start_agent(home, config)
    sites = ["tinder.com", "bumble.com", "hinge.co"]
    written = []
    try:
        said_until_running(process)
        on_disk = sqlite3.connect(home / "nocontact.sqlite3")
        for site in sites:  # three times, so a flush that merely happened to fall right is not enough
            for _ in range(50):  # a page that keeps asking: one urge, 50 attempts
                assert fetch(("127.0.0.1", port), f"https://{site}/").status == 403
            asked = time.monotonic()
            while time.monotonic() - asked < 1.8:
                row = on_disk.execute("SELECT repeats FROM urges WHERE site = ?", (site,)).fetchone()
                if row == (50,):
                    break
                time.sleep(0.05)
            written.append(row)
        process.send_signal(signal.SIGKILL)
    finally:
        process.kill()
        process.wait(15)
    assert written == [(50,)] * 3
