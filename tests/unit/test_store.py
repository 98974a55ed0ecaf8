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
    assert [u.target for u in log.urges()] == ["J · instagram", "dating site · tinder.com"]


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
    # The same error SQLite gives for a read-only or full disk.
    readonly._file.run(lambda db: db.execute("PRAGMA query_only = ON"))
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
    assert log.take(PROFILE, "u") == (1, False)  # no disk
    on_disk = sqlite3.connect(path)
    assert on_disk.execute("SELECT repeats FROM urges").fetchone()[0] == 1
    log.flush()
    assert on_disk.execute("SELECT repeats FROM urges").fetchone()[0] == 2
    log.take(PROFILE, "u")
    log.record(DATING, "u")  # a new urge writes pending repeats first
    assert on_disk.execute("SELECT repeats FROM urges WHERE id = 1").fetchone()[0] == 3
    log.take(PROFILE, "u")
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


# --- a damaged or removed file -----------------------------------------------------------------------------


def filled(path, clock, count: int = 300) -> None:
    """A real log with `count` urges, all in the main file (no write-ahead log left)."""
    with UrgeLog(path, clock=clock) as log:
        for i in range(count):
            log.record(Decision("u", "block", "site", site=f"s{i}.test", rule="r"), f"https://s{i}.test/")
    assert not (path.parent / f"{path.name}-wal").exists()


def damage(path, how: str) -> None:
    data = path.read_bytes()
    if how == "truncated":
        path.write_bytes(data[: len(data) // 3])
    elif how == "zeroed":
        path.write_bytes(bytes(len(data)))
    elif how == "garbage":
        path.write_bytes(os.urandom(len(data)))
    else:  # deep inside: the header and the schema read well, a page of urges does not
        page = 4096
        path.write_bytes(data[: 3 * page] + b"\xff" * page + data[4 * page:])


@pytest.mark.parametrize("how", ["truncated", "zeroed", "garbage", "inside"])
def test_a_damaged_log_is_set_aside_whole_and_a_fresh_one_started(tmp_path, clock, how):
    path = tmp_path / "nocontact.sqlite3"
    filled(path, clock)
    damage(path, how)
    (tmp_path / "nocontact.sqlite3-wal").write_bytes(b"what was left of the write-ahead log")
    damaged_bytes = path.read_bytes()
    told = []
    with UrgeLog(path, clock=clock, mend=True, on_new_file=lambda kind, detail: told.append((kind, detail))) as log:
        (aside,) = log.set_aside
        assert aside.name == "nocontact.sqlite3.damaged-20270115T080000Z"  # the clock's moment, in UTC
        assert aside.read_bytes() == damaged_bytes  # kept as it was, for recovery
        assert (tmp_path / f"{aside.name}-wal").read_bytes() == b"what was left of the write-ahead log"
        assert log.record(PROFILE, "u") == (1, True)  # a fresh log
        ((kind, detail),) = told
        assert kind == "log_set_aside"
        assert detail == (f"the log was damaged and set aside as {aside.name}; a fresh log was started, "
                          "and blocking went on as before")
        assert [(k, d) for _, k, d in log.events()] == told
    assert oct(os.stat(path).st_mode & 0o777) == "0o600"


@pytest.mark.parametrize("how", ["truncated", "garbage"])
def test_a_reader_of_a_damaged_log_is_told_so_and_changes_nothing(tmp_path, clock, how):
    from agent.store import LogDamaged

    path = tmp_path / "nocontact.sqlite3"
    filled(path, clock)
    damage(path, how)
    before = sorted(p.name for p in tmp_path.iterdir())
    with pytest.raises(LogDamaged, match="is damaged and cannot be read.*sets it aside, kept for recovery"):
        UrgeLog(path, clock=clock)
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_damage_found_while_running_sets_the_log_aside_and_the_urge_goes_to_a_fresh_one(tmp_path, clock):
    path = tmp_path / "nocontact.sqlite3"
    filled(path, clock)
    log = UrgeLog(path, clock=clock, mend=True)
    damage(path, "inside")  # under the open log, as a failing disk would
    with open(path, "r+b") as file:  # and its first page, so SQLite must read it again
        file.write(os.urandom(100))
    log._file.run(lambda db: db.execute("PRAGMA cache_size = 0"))
    clock.now += 60
    urge_id, new = log.record(DATING, "https://tinder.com/")
    assert new and [u.site for u in log.urges()] == ["tinder.com"]
    assert len(log.set_aside) == 1 and log.events()[0][1] == "log_set_aside"
    log.close()


def test_a_log_removed_while_running_is_noticed_and_new_urges_reach_the_disk(tmp_path, clock):
    path = tmp_path / "nocontact.sqlite3"
    told = []
    log = UrgeLog(path, clock=clock, mend=True, on_new_file=lambda kind, detail: told.append(kind))
    log.record(PROFILE, "u")
    for end in ("", "-wal", "-shm"):
        (tmp_path / f"nocontact.sqlite3{end}").unlink(missing_ok=True)
    log.flush()  # the runner's tick: the file is looked at (a stat), and a new one started
    assert told == ["log_removed"] and path.exists()
    for i in range(30):
        clock.now += 1
        log.record(Decision("u", "block", "site", site=f"s{i}.test", rule="r"), "u")
    clock.now += 1
    log.record(PROFILE, "u")  # no longer a repeat of an urge of the removed file: a new one, here
    on_disk = sqlite3.connect(path)
    assert on_disk.execute("SELECT COUNT(*) FROM urges").fetchone()[0] == 31
    (event,) = on_disk.execute("SELECT kind, detail FROM events").fetchall()
    assert event == ("log_removed", "the log file was removed while nocontact was running; a fresh log was "
                                    "started, and blocking went on as before")
    log.close()


def test_a_log_removed_between_ticks_loses_no_new_urge(tmp_path, clock):
    path = tmp_path / "nocontact.sqlite3"
    log = UrgeLog(path, clock=clock, mend=True)
    log.record(PROFILE, "u")
    path.unlink()
    (tmp_path / "nocontact.sqlite3-wal").unlink()
    log.record(DATING, "u")  # a new urge looks first (a stat beside its commit)
    assert sqlite3.connect(path).execute("SELECT site FROM urges").fetchall() == [("tinder.com",)]
    log.close()


def test_a_log_replaced_while_running_is_followed(tmp_path, clock):
    path = tmp_path / "nocontact.sqlite3"
    log = UrgeLog(path, clock=clock, mend=True)
    log.record(PROFILE, "u")
    other = tmp_path / "restored.sqlite3"
    with UrgeLog(other, clock=clock) as restored:
        restored.record(DATING, "https://tinder.com/")
    os.replace(other, path)
    clock.now += 120
    log.record(PROFILE, "u")
    assert [u.target for u in log.urges()] == ["dating site · tinder.com", "J · instagram"]
    assert log.events()[0][1] == "log_replaced"
    log.close()


def test_urges_waiting_for_the_disk_fold_their_repeats_and_keep_their_own_time(log, clock):
    pending, new = log.take(PROFILE, "https://www.instagram.com/x/")
    assert new and log.count() == 0
    clock.now += 10
    assert log.take(PROFILE, "u") == (pending, False)  # a repeat of an urge not yet written
    assert log.commit(pending) == 1 and pending.committed.result() == 1
    clock.now += 10
    assert log.take(PROFILE, "u") == (1, False)
    (urge,) = log.urges()
    assert (urge.repeats, urge.time.timestamp(), urge.last_time.timestamp()) == (3, 1_800_000_000, 1_800_000_020)
