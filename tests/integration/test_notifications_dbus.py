"""Real notifications on Linux: plyer's own path delivers over a private D-Bus session bus."""

from __future__ import annotations

import os
import shutil
import time

import pytest

from agent.config import Notify
from agent.notifier import Notifier
from agent.web.pages import notification_text

FAILURE_WORDS = ("fail", "relapse", "weak", "again?", "streak", "broke", "should have")


def _require(tool: str) -> None:
    if shutil.which(tool) is None:
        if os.environ.get("NOCONTACT_REQUIRE_DBUS"):
            pytest.fail(f"{tool} is required here (NOCONTACT_REQUIRE_DBUS is set) but was not found")
        pytest.skip(f"no {tool} on this machine")


@pytest.fixture
def session(monkeypatch):
    _require("dbus-daemon")
    _require("notify-send")
    pytest.importorskip("dbus_fast")
    from tests.dbus_notifications import PrivateSession

    bus = PrivateSession()
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", bus.address)
    yield bus
    bus.close()


def wait_for(received: list, count: int) -> None:
    deadline = time.monotonic() + 10
    while len(received) < count and time.monotonic() < deadline:
        time.sleep(0.05)


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def test_plyer_delivers_gentle_words_with_the_alias_only(session):
    clock = Clock()
    notifier = Notifier(settings=Notify(min_interval=120), clock=clock)  # plyer's real send
    try:
        title, body = notification_text("J (Instagram)", 3)
        assert notifier.notify(title, body, target="person:J")
        wait_for(session.received, 1)
        (got,) = session.received
        assert got["app"] == "nocontact"
        assert got["summary"] == title and "J (Instagram)" in got["body"]
        assert "Casey" not in got["summary"] + got["body"]
        assert not any(word in (got["summary"] + got["body"]).lower() for word in FAILURE_WORDS)

        # Within two minutes: folded, not sent; the next one says so, gently.
        clock.now += 30
        assert not notifier.notify(*notification_text("J (Instagram)", 4), target="person:J")
        clock.now += 30
        assert not notifier.notify(*notification_text("J (X)", 5), target="person:J")
        assert notifier.notify(*notification_text("a dating site (tinder.com)", 6), target="category:dating")
        wait_for(session.received, 2)
        clock.now += 120
        assert notifier.notify(*notification_text("J (Instagram)", 7), target="person:J")
        wait_for(session.received, 3)
        assert len(session.received) == 3
        assert "2 more moments like this passed since the last note" in session.received[2]["body"]
    finally:
        notifier.close()
