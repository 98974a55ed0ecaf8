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
from agent.pages import notification_text


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
