"""Deleting, editing or putting back the data directory's records never loosens at once (a real agent and proxy).

Each case starts the agent with a strict config, asks for a looser one (it waits), stops the agent,
changes the records as a person in a hard moment might, and starts it again with the looser file:
the person's profile and the dating sites stay paused, a guard note says what was found, and the
looser config applies only after its full cooldown (the injected clock moves; nothing sleeps).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from agent import highwater
from agent.review import last_days, render_terminal, summarise
from tests.conftest import own_proxy

STRICT = """
people:
  - alias: "J"
    profiles: [https://www.instagram.com/casey.lindqvist/]
block: {dating: true}
"""
LOOSE = "people: []\nblock: {dating: false}\n"
PROFILE = "https://www.instagram.com/casey.lindqvist/"
DATING = "https://tinder.com/"
LOG_FILES = ("urges.sqlite3", "urges.sqlite3-wal", "urges.sqlite3-shm")


def paused(proxy) -> bool:
    return proxy.fetch(PROFILE).status == 403 and proxy.fetch(DATING).status == 403


def open_now(proxy) -> bool:
    return proxy.fetch(PROFILE).status == 200 and proxy.fetch(DATING).status == 200


def on_loop(proxy, function, *args):
    async def call():
        return function(*args)

    return asyncio.run_coroutine_threadsafe(call(), proxy.loop).result(10)


def ask_for_looser(folder: Path, origin) -> None:
    """A strict run in which the person writes a looser config: it waits, and the agent is stopped."""
    with own_proxy(STRICT, folder, origin) as proxy:
        assert paused(proxy)
        (folder / "config.yaml").write_text(LOOSE)
        assert on_loop(proxy, proxy.agent.reload) == "pending"
        assert paused(proxy)


def start_again_with_looser(folder: Path, origin, found: str) -> list[tuple[str, str, str]]:
    """Start with the looser file: paused, noted, and open only after the full wait. The log's guard events."""
    with own_proxy(LOOSE, folder, origin) as proxy:
        assert paused(proxy)
        (pending,) = [h for h in proxy.agent.cooldowns.active() if h.kind == "config"]
        assert pending.waited == 0 and pending.needed == 20 * 60  # the full wait, from the start
        proxy.clock.advance(pending.needed - 60)
        on_loop(proxy, proxy.agent.tick)
        assert paused(proxy)
        proxy.clock.advance(60)
        on_loop(proxy, proxy.agent.tick)
        assert open_now(proxy)  # the person's own change, once it has waited
        proxy.agent.settle()
        events = proxy.agent.urges.events()
    noted = [detail for _, kind, detail in events if kind == "tampered" and found in detail]
    assert noted, events
    return events


def review_text(events) -> str:
    from datetime import UTC, datetime

    now = datetime.now(UTC)
    since, until = last_days(30, now=now, tz=UTC)
    return render_terminal(summarise([], events, since=since, until=until, tz=UTC))


def remove(folder: Path, *names: str) -> None:
    for name in names:
        (folder / name).unlink(missing_ok=True)


def test_deleting_the_log_keeps_the_wait_and_says_so_in_the_review(tmp_path, data_home, origin):
    ask_for_looser(tmp_path, origin)
    remove(tmp_path, *LOG_FILES)
    start_again_with_looser(tmp_path, origin, "the log's record of your commitment was missing")
    # `nocontact review` reads the data directory's log: put this one there and ask it.
    shutil.copyfile(tmp_path / "urges.sqlite3", data_home / "nocontact.sqlite3")
    review = subprocess.run([sys.executable, "-m", "agent", "review"], capture_output=True, text=True, timeout=60,
                            env={**os.environ, "NOCONTACT_HOME": str(data_home)})
    assert review.returncode == 0, review.stderr
    assert "Times the protection was lowered" in review.stdout
    assert "the log's record of your commitment was missing" in review.stdout


def test_deleting_the_secret_keeps_the_wait(tmp_path, data_home, origin):
    ask_for_looser(tmp_path, origin)
    remove(data_home, "secret")
    events = start_again_with_looser(tmp_path, origin, "the install's secret in the data directory was missing")
    assert "the install's secret" in review_text(events)


def test_replacing_every_copy_of_the_secret_keeps_the_wait(tmp_path, data_home, origin):
    ask_for_looser(tmp_path, origin)
    remove(data_home, "secret")
    remove(highwater.guard_dir(tmp_path), "secret")
    events = start_again_with_looser(tmp_path, origin, "no signed record of your commitment could be read")
    assert any("the strictest config in the records found stays in force" in e[2] for e in events)


def test_a_changed_signature_keeps_the_wait(tmp_path, origin):
    ask_for_looser(tmp_path, origin)
    with sqlite3.connect(tmp_path / "urges.sqlite3") as db:
        assert db.execute("UPDATE state SET sig = ? WHERE key = 'config'", ("0" * 32,)).rowcount == 1
    start_again_with_looser(tmp_path, origin, "the log's record of your commitment did not match its signature")


def test_deleting_the_whole_data_directory_keeps_the_wait(tmp_path, data_home, origin):
    ask_for_looser(tmp_path, origin)
    for folder in (tmp_path, data_home):
        for path in folder.iterdir():
            if path.name != "config.yaml":
                shutil.rmtree(path) if path.is_dir() else path.unlink()
    start_again_with_looser(tmp_path, origin, "the log's record of your commitment was missing")


def test_an_older_copy_of_the_log_put_back_keeps_the_wait(tmp_path, origin):
    with own_proxy(LOOSE, tmp_path, origin) as proxy:  # once, the looser config was the one in force
        assert open_now(proxy)
    aside = tmp_path / "aside"
    aside.mkdir()
    for name in LOG_FILES:
        if (tmp_path / name).exists():
            shutil.copy2(tmp_path / name, aside / name)
    with own_proxy(STRICT, tmp_path, origin) as proxy:  # then the person tightened it: at once
        assert paused(proxy)
    ask_for_looser(tmp_path, origin)
    remove(tmp_path, *LOG_FILES)
    for path in aside.iterdir():
        shutil.copy2(path, tmp_path / path.name)
    start_again_with_looser(tmp_path, origin, "the log's record of your commitment was an older copy put back")


def test_a_first_run_starts_at_once_without_a_note(tmp_path, origin):
    with own_proxy(LOOSE, tmp_path, origin) as proxy:
        assert open_now(proxy)
        assert proxy.agent.cooldowns.active() == []
        proxy.agent.settle()
        assert proxy.agent.urges.events() == []
        assert proxy.notes == []
    (tmp_path / "another").mkdir()
    with own_proxy(STRICT, tmp_path / "another", origin) as proxy:
        assert paused(proxy)
        proxy.agent.settle()
        assert [kind for _, kind, _ in proxy.agent.urges.events()] == []


@pytest.mark.parametrize("where", ["beside the log", "outside the data directory"])
def test_the_copies_are_for_the_person_alone(tmp_path, data_home, origin, where):
    with own_proxy(STRICT, tmp_path, origin):
        pass
    path = {"beside the log": tmp_path, "outside the data directory": highwater.guard_dir(tmp_path)}[where]
    assert (path / highwater.FILE).stat().st_mode & 0o777 == 0o600
    if where != "beside the log":
        assert path.stat().st_mode & 0o777 == 0o700
        assert (path / "secret").stat().st_mode & 0o777 == 0o600
