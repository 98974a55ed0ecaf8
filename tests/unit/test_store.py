"""The urge log: real SQLite, debounced repeats with an injected clock, nothing lost."""

from __future__ import annotations

import os
import sqlite3
from datetime import UTC

import pytest

from agent.engine.policy import Decision
from agent.store import UrgeLog
from tests.conftest import Clock

PROFILE = Decision("u", "block", "person", person="J", platform="instagram", rule="profile")
DATING = Decision("u", "block", "category", category="dating", rule="dating list", site="tinder.com")


@pytest.fixture
def clock():
    return Clock(1_800_000_000.0)


@pytest.fixture
def log(tmp_path, clock):
    log = UrgeLog(tmp_path / "urges.sqlite3", clock=clock)
    yield log
    log.close()


def test_repeats_within_a_minute_are_one_urge(log, clock):
    first = log.record(PROFILE, "https://www.instagram.com/x/")
    clock.now += 30
    second = log.record(PROFILE, "https://www.instagram.com/x/reels/")
    clock.now += 59
    third = log.record(PROFILE, "https://www.instagram.com/x/")
    assert first == (1, True) and second == (1, False) and third == (1, False)
    (urge,) = log.urges()
    assert urge.repeats == 3
    assert (urge.last_time - urge.time).total_seconds() == 89


def test_a_pause_of_a_minute_starts_a_new_urge(log, clock):
    log.record(PROFILE, "u")
    clock.now += 60
    assert log.record(PROFILE, "u") == (2, True)


def test_different_targets_are_different_urges(log):
    assert log.record(PROFILE, "u")[1] and log.record(DATING, "u")[1]
    assert [u.target for u in log.urges()] == ["J · instagram", "dating · tinder.com"]


def test_committed_urges_survive_without_close(tmp_path, clock):
    path = tmp_path / "urges.sqlite3"
    log = UrgeLog(path, clock=clock)
    log.record(DATING, "https://tinder.com/")
    # No close(): another connection (as after a crash) must already see it.
    assert sqlite3.connect(path).execute("SELECT site, outcome FROM urges").fetchall() == [("tinder.com", "blocked")]
    assert sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_file_is_private(tmp_path):
    UrgeLog(tmp_path / "urges.sqlite3").close()
    assert oct(os.stat(tmp_path / "urges.sqlite3").st_mode & 0o777) == "0o600"


def test_outcome(log):
    urge_id, _ = log.record(DATING, "u")
    assert log.set_outcome(urge_id, "closed")
    assert not log.set_outcome(999, "closed")
    with pytest.raises(ValueError):
        log.set_outcome(urge_id, "failed")
    assert log.urges()[0].outcome == "closed"


def test_since_filters(log, clock):
    from datetime import datetime

    log.record(DATING, "u")
    clock.now += 3600
    log.record(PROFILE, "u")
    since = datetime.fromtimestamp(clock.now - 10, UTC)
    assert [u.person for u in log.urges(since=since)] == ["J"]


def test_urges_are_chosen_by_time_and_by_what_they_were(tmp_path, clock):
    from datetime import datetime, timedelta

    with UrgeLog(tmp_path / "urges.sqlite3", clock=clock) as log:
        log.record(DATING, "u")
        clock.now += 3600
        log.record(PROFILE, "u")
        clock.now += 3600
        log.record(PROFILE, "u", source="process")
        log.set_outcome(3, "closed")
        second = datetime.fromtimestamp(clock.now - 3600, UTC)
        assert [u.id for u in log.urges(until=second)] == [1]
        # To the microsecond, as the moments compare: the urge at 12:00:00 is before 12:00:00.5.
        assert [u.id for u in log.urges(until=second + timedelta(microseconds=500_000))] == [1, 2]
        assert [u.id for u in log.urges(since=second, until=second + timedelta(seconds=1))] == [2]
        assert [u.id for u in log.urges(person="J")] == [2, 3]
        assert [u.id for u in log.urges(person="J", source="proxy")] == [2]
        assert [u.id for u in log.urges(category="dating")] == [1]
        assert [u.id for u in log.urges(outcome="closed")] == [3]
        assert log.urges(person="K") == []
        whole = log.urges()
        for since, until in ((None, second), (second, None), (second - timedelta(seconds=1), second)):
            assert log.urges(since=since, until=until) == [
                u for u in whole if (since is None or u.time >= since) and (until is None or u.time < until)]
    with pytest.raises(sqlite3.ProgrammingError):  # closed when the block ends
        log.urges()


def test_a_log_that_cannot_be_written_raises_and_loses_nothing(tmp_path, clock):
    path = tmp_path / "urges.sqlite3"
    log = UrgeLog(path, clock=clock)
    log.record(DATING, "u")
    log.close()
    readonly = UrgeLog(path, clock=clock)
    readonly._db.execute("PRAGMA query_only = ON")  # the same error SQLite gives for a read-only or full disk
    clock.now += 120
    with pytest.raises(sqlite3.OperationalError):
        readonly.record(PROFILE, "u")
    readonly.close()
    assert sqlite3.connect(path).execute("SELECT COUNT(*) FROM urges").fetchone()[0] == 1


def test_repeats_are_counted_in_memory_and_written_by_flush_next_write_or_close(tmp_path, clock):
    path = tmp_path / "urges.sqlite3"
    log = UrgeLog(path, clock=clock)
    log.record(PROFILE, "u")
    clock.now += 1
    assert log.repeat(PROFILE) == 1  # no disk
    on_disk = sqlite3.connect(path)
    assert on_disk.execute("SELECT repeats FROM urges").fetchone()[0] == 1
    log.flush()
    assert on_disk.execute("SELECT repeats FROM urges").fetchone()[0] == 2
    log.repeat(PROFILE)
    log.record(DATING, "u")  # a new urge writes pending repeats first
    assert on_disk.execute("SELECT repeats FROM urges WHERE id = 1").fetchone()[0] == 3
    log.repeat(PROFILE)
    log.close()
    assert on_disk.execute("SELECT repeats FROM urges WHERE id = 1").fetchone()[0] == 4


def test_a_draft_saved_again_and_again_is_one_letter_with_its_latest_words(log, clock):
    mail = Decision("u", "block", "person", person="J", platform="outlook", rule="barrier: email")
    urge, _ = log.record(mail, "https://outlook.live.com/mail/", "message")
    for words in ("I", "I keep", "I keep thinking about you"):
        clock.now += 5
        assert log.record(mail, "https://outlook.live.com/mail/", "message") == (urge, False)  # one urge
        log.add_letter(urge, "J", "outlook", "hi", words)
    assert [(letter["urge_id"], letter["text"]) for letter in log.letters()] == [(urge, "I keep thinking about you")]
    # Other words within the same urge (a second message a few seconds later): a letter of their own.
    log.add_letter(urge, "J", "outlook", "hi", "and another thing")
    assert [letter["text"] for letter in log.letters()] == ["I keep thinking about you", "and another thing"]
    # Fewer words (a sticker, a shorter message): never in place of what was kept.
    log.add_letter(urge, "J", "outlook", None, None)
    log.add_letter(urge, "J", "outlook", "hi", "and")
    assert [letter["text"] for letter in log.letters()][:2] == ["I keep thinking about you", "and another thing"]
    # The same words sent later (a new urge, a send after its draft): no new letter.
    clock.now += 3600
    later, _ = log.record(mail, "https://outlook.live.com/mail/", "message")
    before = len(log.letters())
    log.add_letter(later, "J", "outlook", "hi", "I keep thinking about you")
    assert len(log.letters()) == before


def test_a_deleted_letter_leaves_no_words_in_the_files(tmp_path, clock):
    log = UrgeLog(tmp_path / "urges.sqlite3", clock=clock)
    secret_words = "the words only I should ever read, 8f3a9c"
    letter = log.add_letter(None, "J", "gmail", "s", secret_words)
    assert log.delete_letter(letter) and log.letters() == []
    files = [p for p in tmp_path.iterdir() if p.name.startswith("urges.sqlite3")]
    assert all(secret_words.encode() not in p.read_bytes() for p in files), [p.name for p in files]
    log.close()
