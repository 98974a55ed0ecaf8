"""A disk that stops answering (a frozen file system) never holds up a block page.

The log's write is made to wait on an Event the test controls: no real sleep stands in
for the disk. The page comes after COMMIT_WAIT (made short here), without an urge id;
its close button still works; the urge, its repeats and its close are written, with the
time of the attempt, once the disk answers.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
import threading
import time
from urllib.parse import urlencode

import pytest
from mitmproxy import http
from mitmproxy.test import taddons, tflow

from addons.block import Block
from addons.page_actions import PageActions
from agent import agent as agent_module
from agent.agent import Agent
from agent.engine.policy import Decision
from agent.notifier import Notifier
from agent.store import WAITING_MOST, UrgeLog
from tests.conftest import Clock, MonotonicClock
from tests.unit.test_addons import CONFIG, FORM, PAGE, heard

PROFILE = "https://www.instagram.com/casey.lindqvist/"
DATING = Decision("u", "block", "category", category="dating", rule="dating list", site="tinder.com")


class Disk:
    """Holds every write of a log until `answer()`: a file system that froze."""

    def __init__(self, log: UrgeLog):
        self.frozen = threading.Event()
        self.go = threading.Event()
        write = log._insert

        def held(db, pending):
            self.frozen.set()
            self.go.wait(30)
            return write(db, pending)

        log._insert = held

    def answer(self) -> None:
        self.go.set()


@pytest.fixture
def wall() -> Clock:
    return Clock(1_800_000_000.0)


@pytest.fixture
def notes() -> list:
    return []


@pytest.fixture
def agent(tmp_path, wall, notes, monkeypatch):
    monkeypatch.setattr(agent_module, "COMMIT_WAIT", 0.05)
    config = tmp_path / "config.yaml"
    config.write_text(CONFIG)
    agent = Agent(config, notifier=Notifier(send=lambda title, body: notes.append((title, body))),
                  database=tmp_path / "urges.sqlite3", monotonic=MonotonicClock(), wall=wall)
    yield agent
    agent.close()


def flow_for(url: str, method: str = "GET", headers: dict | None = None, body: bytes = b"") -> http.HTTPFlow:
    flow = tflow.tflow()
    flow.request = http.Request.make(method, url, body, headers or {})
    return flow


def test_a_hung_disk_shows_the_page_at_once_and_writes_the_urge_when_it_answers(agent, wall, notes):
    disk = Disk(agent.urges)

    async def scenario():
        block, actions = Block(agent), PageActions(agent)
        first = flow_for(PROFILE, headers=PAGE)
        started = time.monotonic()
        await block.request(first)
        waited = time.monotonic() - started
        wall.advance(5)
        for _ in range(3):  # the app's own requests for the same profile: repeats, not new urges
            await block.request(flow_for(PROFILE + "reels/", headers={"Accept": "application/json"}))
        page = first.response.text
        token = re.search(r"name='token' value='([^']+)'", page).group(1)
        close = flow_for("https://www.instagram.com/.well-known/nocontact/close", "POST", FORM,
                         urlencode({"urge": "0", "token": token}).encode())
        await actions.request(close)
        return first.response, waited, close.response

    with taddons.context(Block(agent)):
        reply, waited, closed = asyncio.run(scenario())
    assert disk.frozen.is_set()
    assert reply.status_code == 403 and "Close - I" in reply.text
    assert waited < 5  # the short wait, not the disk's
    assert "name='urge' value='0'" in reply.text and "Ask to open it" not in reply.text  # nothing to tie them to
    assert closed.status_code == 200  # the close still works
    assert heard(notes, "J (Instagram)")
    # Nothing written yet: the disk has not answered (the log itself waits on it; another reader does not).
    assert sqlite3.connect(agent.urges.path).execute("SELECT COUNT(*) FROM urges").fetchone() == (0,)

    disk.answer()
    agent.settle()
    (urge,) = agent.urges.urges()
    assert urge.time.timestamp() == 1_800_000_000.0  # the moment of the attempt, not of the write
    assert (urge.repeats, urge.last_time.timestamp()) == (4, 1_800_000_005.0)
    assert urge.outcome == "closed"


def test_urges_waiting_for_the_disk_are_bounded_and_the_rest_are_counted(tmp_path, wall, monkeypatch):
    monkeypatch.setattr("agent.store.WAITING_MOST", 3)
    log = UrgeLog(tmp_path / "urges.sqlite3", clock=wall)
    taken = [log.take(Decision("u", "block", "site", site=f"s{i}.test", rule="r"), "u")[0] for i in range(5)]
    assert taken[3:] == [None, None] and all(taken[:3])
    for pending in taken[:3]:
        log.commit(pending)
    log.flush()
    assert log.count() == 3
    (event,) = log.events()
    assert event[1] == "log_slow" and "2 of the urges" in event[2]
    log.close()
    assert WAITING_MOST >= 100


def test_a_new_urge_on_a_healthy_disk_is_written_before_its_page(agent):
    async def scenario():
        flow = flow_for(PROFILE, headers=PAGE)
        await Block(agent).request(flow)
        return flow.response

    with taddons.context(Block(agent)):
        reply = asyncio.run(scenario())
    (urge,) = agent.urges.urges()
    assert f"name='urge' value='{urge.id}'" in reply.text


def test_a_write_that_fails_leaves_the_next_attempt_a_new_urge(tmp_path, wall):
    log = UrgeLog(tmp_path / "urges.sqlite3", clock=wall)
    pending, new = log.take(DATING, "u")
    assert new
    log._file.run(lambda db: db.execute("PRAGMA query_only = ON"))
    with pytest.raises(sqlite3.OperationalError):
        log.commit(pending)
    with pytest.raises(sqlite3.OperationalError):
        pending.committed.result()
    log._file.run(lambda db: db.execute("PRAGMA query_only = OFF"))
    wall.advance(1)
    assert log.record(DATING, "u") == (1, True)
    log.close()
