"""The notifier never blocks the caller and degrades to one log line where no desktop exists.

The full notifier (rate limits, quiet hours, a real D-Bus session) is tested
with its own issue; here the send function is injected to exercise our own
timeout and fallback logic, not plyer's.
"""

from __future__ import annotations

import logging
import threading
import time

import pytest

from agent import notifier as notifier_module
from agent.notifier import Notifier
from agent.web.pages import notification_text
from tests.conftest import Clock


def test_sends_off_the_calling_thread():
    delivered, threads = [], []
    done = threading.Event()

    def send(title, body):
        threads.append(threading.current_thread().name)
        delivered.append((title, body))
        done.set()

    notifier = Notifier(send=send)
    notifier.notify("Caught one.", "It will pass.")
    assert done.wait(5)
    assert delivered == [("Caught one.", "It will pass.")]
    assert threads[0] != threading.current_thread().name
    notifier.close()


def test_failure_is_logged_once_not_per_urge(caplog):
    def send(title, body):
        raise RuntimeError("no notification service")

    notifier = Notifier(send=send)
    with caplog.at_level(logging.INFO, logger="nocontact"):
        for _ in range(5):
            notifier.notify("t", "b")
        notifier._pool.shutdown(wait=True)
    messages = [r.getMessage() for r in caplog.records if "notifications are not available" in r.getMessage()]
    assert len(messages) == 1


def test_a_hanging_service_times_out(monkeypatch, caplog):
    monkeypatch.setattr(notifier_module, "SEND_TIMEOUT", 0.2)
    release = threading.Event()
    notifier = Notifier(send=lambda t, b: release.wait(10))
    started = time.monotonic()
    notifier.notify("t", "b")  # returns at once
    assert time.monotonic() - started < 0.1
    with caplog.at_level(logging.INFO, logger="nocontact"):
        notifier._pool.shutdown(wait=True)
    release.set()
    assert any("did not answer in time" in r.getMessage() for r in caplog.records)


def test_disabled_sends_nothing():
    sent = []
    notifier = Notifier(enabled=False, send=lambda t, b: sent.append(t))
    notifier.notify("t", "b")
    notifier._pool.shutdown(wait=True)
    assert sent == []


FAILURE_WORDS = ("fail", "relapse", "weak", "again?", "streak", "broke", "should")


@pytest.mark.parametrize("urge_id", range(12))
def test_words_are_gentle_and_varied(urge_id):
    title, body = notification_text("J (Instagram)", urge_id)
    text = f"{title} {body}".lower()
    assert not any(word in text for word in FAILURE_WORDS)
    assert "J (Instagram)" in body
    assert len({notification_text("x", i) for i in range(12)}) >= 4


def test_one_note_per_target_per_interval_and_repeats_fold_into_the_next():
    import datetime as dt

    from agent.config import Notify

    sent, clock = [], Clock()
    notifier = Notifier(send=lambda t, b: sent.append(b), settings=Notify(min_interval=120), clock=clock,
                        local_time=lambda: dt.time(12, 0))
    assert notifier.notify("t", "first", target="person:J")
    clock.now += 60
    assert not notifier.notify("t", "second", target="person:J")
    assert notifier.notify("t", "other target", target="category:dating")
    clock.now += 61
    assert notifier.notify("t", "third", target="person:J")
    notifier._pool.shutdown(wait=True)
    assert sent == ["first", "other target", "third (1 more moment like this passed since the last note.)"]


def test_quiet_hours_hold_notes_and_wrap_midnight():
    import datetime as dt

    from agent.config import Notify
    from agent.notifier import in_quiet_hours

    quiet = (dt.time(23, 0), dt.time(7, 0))
    assert in_quiet_hours(dt.time(23, 30), quiet) and in_quiet_hours(dt.time(6, 59), quiet)
    assert not in_quiet_hours(dt.time(7, 0), quiet) and not in_quiet_hours(dt.time(12, 0), quiet)
    assert in_quiet_hours(dt.time(13, 0), (dt.time(12, 0), dt.time(14, 0)))
    sent, now = [], [dt.time(23, 30)]
    notifier = Notifier(send=lambda t, b: sent.append(b), settings=Notify(quiet_hours=quiet), clock=Clock(),
                        local_time=lambda: now[0])
    assert not notifier.notify("t", "at night", target="x")
    now[0] = dt.time(8, 0)
    assert notifier.notify("t", "morning", target="x")
    notifier._pool.shutdown(wait=True)
    assert sent == ["morning (1 more moment like this passed since the last note.)"]


@pytest.mark.skipif(not __import__("sys").platform.startswith("linux"), reason="the session-bus check is Linux's")
def test_without_a_session_bus_plyer_is_not_called(monkeypatch):
    from agent import notifier as module

    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    monkeypatch.setattr("os.path.exists", lambda path: False)
    with pytest.raises(RuntimeError, match="no desktop session bus"):
        module._plyer_send("t", "b")
