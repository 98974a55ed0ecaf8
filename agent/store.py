"""The urge log: SQLite in the data directory, one row per urge.

Repeats for the same target within DEBOUNCE_SECONDS are one urge with a repeat
count (a single-page app fires a dozen requests for one profile view). A new
urge is taken in memory (`take`) and committed with synchronous=FULL by
`commit`, so an urge the person was shown with its id survives a crash; while
the disk is slow the urge waits in memory (bounded) and is committed when it
answers, with the time of the attempt. Repeats are counted in memory (no disk,
no thread hop for the proxy) and written with the next write, by `flush()`, or
at close. The schema is plain, documented in the README, and readable with any
SQLite tool.

The running agent's log mends itself (`mend=True`): a damaged file is set aside
(agent/logfile.py) and a removed one noticed on the next write or flush; a fresh
file takes its place, with a guard event that says so. Other readers are told
the log is damaged, and change nothing.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from agent import logfile
from agent.engine.categories import site_words
from agent.logfile import LogDamaged  # noqa: F401 (what a reader of a damaged log meets)

DEBOUNCE_SECONDS = 60.0
BEGAN_KEY = "began"  # the state row that says when this log began (created, or wiped)
WAITING_MOST = 1000  # new urges held in memory while the disk does not answer; beyond, they are counted only
OUTCOMES = ("blocked", "closed", "waited", "overridden")
TRIGGERS = (
    "saw a reminder", "they contacted me", "mutual friend", "anniversary or date", "song or place",
    "loneliness", "boredom", "after drinking", "late night", "co-parenting exchange", "other",
)
FILTERS = ("person", "category", "source", "outcome")  # what the urges can be chosen by, besides time
NOTE_FIELDS = ("note", "trigger", "feeling", "intensity_before", "intensity_after")
# Columns added after the first release; an older log gains them on open, losing nothing.
ADDED_COLUMNS = {"trigger": "TEXT", "feeling": "TEXT", "intensity_before": "INTEGER", "intensity_after": "INTEGER"}

SCHEMA = """
CREATE TABLE IF NOT EXISTS urges (
    id        INTEGER PRIMARY KEY,
    time      TEXT NOT NULL,    -- first attempt, UTC, ISO 8601
    last_time TEXT NOT NULL,    -- latest repeat, UTC, ISO 8601
    person    TEXT,             -- the alias (never a name)
    platform  TEXT,
    category  TEXT,
    site      TEXT,
    url       TEXT NOT NULL,    -- without its query string
    rule      TEXT,
    source    TEXT NOT NULL,    -- proxy, process, ...
    outcome   TEXT NOT NULL,    -- blocked, closed, waited, overridden
    repeats   INTEGER NOT NULL DEFAULT 1,
    note      TEXT,             -- the person's own words, added later
    trigger   TEXT,             -- what set it off (a short preset list)
    feeling   TEXT,
    intensity_before INTEGER,   -- 0-10
    intensity_after  INTEGER    -- 0-10
);
CREATE INDEX IF NOT EXISTS urges_by_time ON urges(time);
-- Cooldown requests (holds), each signed with the install's secret so an edit shows.
CREATE TABLE IF NOT EXISTS holds (
    id   INTEGER PRIMARY KEY,
    data TEXT NOT NULL,             -- JSON
    sig  TEXT NOT NULL
);
-- Every step of a hold: requested, ready, opened, expired, cancelled, applied.
CREATE TABLE IF NOT EXISTS steps (
    id      INTEGER PRIMARY KEY,
    time    TEXT NOT NULL,
    hold_id INTEGER NOT NULL,
    urge_id INTEGER,
    target  TEXT NOT NULL,          -- kind:name
    step    TEXT NOT NULL
);
-- Guard events: things that weaken the agent's protection, noted calmly.
CREATE TABLE IF NOT EXISTS events (
    id     INTEGER PRIMARY KEY,
    time   TEXT NOT NULL,
    kind   TEXT NOT NULL,
    detail TEXT
);
-- Unsent letters: messages to the person that were held back. Never sent anywhere.
CREATE TABLE IF NOT EXISTS letters (
    id      INTEGER PRIMARY KEY,
    time    TEXT NOT NULL,
    urge_id INTEGER,
    person  TEXT,             -- the alias
    service TEXT NOT NULL,    -- gmail, outlook, x, venmo, ...
    subject TEXT,
    text    TEXT
);
-- Signed agent state, e.g. the config in force; and when this log began (unsigned: the review counts no
-- time before it).
CREATE TABLE IF NOT EXISTS state (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    sig   TEXT NOT NULL
);
"""


@dataclass(frozen=True, slots=True)
class Urge:
    id: int
    time: datetime  # UTC
    last_time: datetime
    person: str | None
    platform: str | None
    category: str | None
    site: str | None
    url: str
    rule: str | None
    source: str
    outcome: str
    repeats: int
    note: str | None
    trigger: str | None = None
    feeling: str | None = None
    intensity_before: int | None = None
    intensity_after: int | None = None

    @property
    def target(self) -> str:
        return target_of(self.person, self.platform, self.category, self.site)

    def as_json(self) -> dict:
        data = {name: getattr(self, name) for name in self.__slots__}
        data["time"] = self.time.isoformat()
        data["last_time"] = self.last_time.isoformat()
        data["target"] = self.target
        return data


def target_of(person: str | None, platform: str | None, category: str | None, site: str | None) -> str:
    """What an urge led to, as the review shows it: "J · instagram" or "dating site · tinder.com"."""
    if person:
        return f"{person} · {platform or 'web'}"
    return f"{site_words(category) if category else 'site'} · {site or ''}"


URGE_COLUMNS = ("id", "time", "last_time", "person", "platform", "category", "site", "url", "rule", "source",
                "outcome", "repeats", "note", "trigger", "feeling", "intensity_before", "intensity_after")


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="seconds")


def _moment(when: datetime) -> str:
    # Whole seconds are stored: "12:00:00+00:00" sorts before "12:00:00.5+00:00", as the moments do.
    return when.astimezone(UTC).isoformat()


def where(since: datetime | None = None, until: datetime | None = None, **filters: str | None) -> tuple[str, list]:
    """The SQL condition (" WHERE ...", or "") and its arguments for urges in [since, until) matching `filters`."""
    conditions, args = [], []
    if since is not None:
        conditions.append("time >= ?")
        args.append(_moment(since))
    if until is not None:
        conditions.append("time < ?")
        args.append(_moment(until))
    for column in FILTERS:
        if filters.get(column) is not None:
            conditions.append(f"{column} = ?")
            args.append(filters[column])
    return (f" WHERE {' AND '.join(conditions)}" if conditions else ""), args


def _mark_began(db: sqlite3.Connection, moment: float) -> None:
    db.execute(f"INSERT OR REPLACE INTO state (key, value, sig) VALUES ('{BEGAN_KEY}', ?, '')", (_iso(moment),))


@dataclass(eq=False, slots=True)
class Pending:
    """A new urge taken in memory, its row not yet committed; `committed` gets its id."""
    target: tuple
    decision: object
    url: str
    source: str
    time: float
    last: float
    repeats: int = 1
    committed: Future = field(default_factory=Future)


def _setup(db: sqlite3.Connection, clock: Callable[[], float]) -> str:
    """Make the tables; the moment this log file began ("" for a log from before that was kept)."""
    new = db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'urges'").fetchone() is None
    db.executescript(SCHEMA)
    if new:
        _mark_began(db, clock())
    present = {row[1] for row in db.execute("PRAGMA table_info(urges)")}
    for column, kind in ADDED_COLUMNS.items():
        if column not in present:
            db.execute(f"ALTER TABLE urges ADD COLUMN {column} {kind}")
    began = db.execute("SELECT value FROM state WHERE key = ?", (BEGAN_KEY,)).fetchone()
    return began[0] if began else ""


class UrgeLog:
    """One connection, guarded by a lock; the proxy calls it from a worker thread.

    The repeat counts and the urges waiting for the disk live behind a lock of their
    own: the proxy's event loop takes urges and must never wait behind a commit or a
    long query.
    `mend`: set a damaged file aside and start a fresh one, follow a removed one (the
    running agent); `on_new_file(kind, detail)` hears when that happened.
    """

    def __init__(self, path: Path, clock: Callable[[], float] = time.time, *, mend: bool = False,
                 on_new_file: Callable[[str, str], None] | None = None):
        self._clock = clock
        self._on_new_file = on_new_file
        self.unkept = 0  # urges counted while too many waited for the disk, not yet noted
        self._memory = threading.Lock()  # _recent, _repeats, _waiting, unkept
        self._recent: dict[tuple, tuple[int | Pending, float]] = {}  # target -> (urge id or waiting urge, last seen)
        self._repeats: dict[int, tuple[int, float]] = {}  # urge id -> (repeats not yet written, last seen)
        self._waiting = 0  # urges taken and not yet committed
        # Which log file this is: a fresh one (after the old was removed) numbers its urges from 1 again, so
        # what was issued for an urge of the old file must not fit the new one's urge of the same number.
        self.began = ""
        self._file = logfile.LogFile(path, self._setup_file, clock=clock, mend=mend, on_fresh=self._fresh)
        self.path = self._file.path

    def _setup_file(self, db: sqlite3.Connection) -> None:
        self.began = _setup(db, self._clock)

    @property
    def set_aside(self) -> list[Path]:
        """The damaged files this log set aside."""
        return self._file.set_aside

    @property
    def _db(self) -> sqlite3.Connection | None:
        # The open connection, unguarded: for tests that make the file read-only under the agent.
        return self._file._db

    def _fresh(self, db: sqlite3.Connection, kind: str, detail: str) -> None:
        with self._memory:  # the ids counted so far are the old file's; urges still waiting go to the new one
            self._repeats.clear()
            self._recent = {target: seen for target, seen in self._recent.items() if isinstance(seen[0], Pending)}
        db.execute("INSERT INTO events (time, kind, detail) VALUES (?, ?, ?)", (_iso(self._clock()), kind, detail))
        if self._on_new_file:
            self._on_new_file(kind, detail)

    def close(self) -> None:
        self._file.close(self._flush)

    def __enter__(self) -> UrgeLog:
        return self

    def __exit__(self, *_exc) -> None:
        self.close()

    # --- urges and their repeats ----------------------------------------------

    def take(self, decision, url: str, source: str = "proxy") -> tuple[int | Pending | None, bool]:
        """In memory, at once: (urge id, False) for a repeat of a committed urge; (Pending, True) for a new
        urge, for the caller to `commit`; (Pending, False) for a repeat of one still waiting for the disk;
        (None, False) when too many wait already (counted, noted once the disk answers)."""
        now = self._clock()
        target = (source, *decision.target)
        with self._memory:
            recent = self._recent.get(target)
            if recent and now - recent[1] < DEBOUNCE_SECONDS:
                found = recent[0]
                self._recent[target] = (found, now)
                if isinstance(found, Pending):
                    found.repeats, found.last = found.repeats + 1, now
                else:
                    count, _ = self._repeats.get(found, (0, now))
                    self._repeats[found] = (count + 1, now)
                return found, False
            if self._waiting >= WAITING_MOST:
                self.unkept += 1
                return None, False
            pending = Pending(target, decision, url, source, now, now)
            self._recent[target] = (pending, now)
            self._waiting += 1
            return pending, True

    def commit(self, pending: Pending) -> int:
        """Write a new urge taken by `take`, with the repeats counted meanwhile; its id (also in `committed`)."""
        try:
            urge_id = self._file.run(lambda db: self._insert(db, pending))
        except BaseException as err:
            with self._memory:
                self._waiting -= 1
                if self._recent.get(pending.target, (None,))[0] is pending:
                    del self._recent[pending.target]  # the next attempt is a new urge, with a new chance
            pending.committed.set_exception(err)
            raise
        pending.committed.set_result(urge_id)
        return urge_id

    def _insert(self, db: sqlite3.Connection, pending: Pending) -> int:
        self._flush(db)
        with self._memory:
            repeats, last = pending.repeats, pending.last
        d = pending.decision
        cursor = db.execute(
            "INSERT INTO urges (time, last_time, person, platform, category, site, url, rule, source, outcome, repeats)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'blocked', ?)",
            (_iso(pending.time), _iso(last), d.person, d.platform, d.category, d.site, pending.url, d.rule,
             pending.source, repeats))
        urge_id = cursor.lastrowid
        with self._memory:
            self._waiting -= 1
            if pending.repeats > repeats:  # repeats while it was being written: counted as any other
                self._repeats[urge_id] = (pending.repeats - repeats, pending.last)
            seen = self._recent.get(pending.target)
            if seen and seen[0] is pending:
                self._recent[pending.target] = (urge_id, seen[1])
        return urge_id

    def record(self, decision, url: str, source: str = "proxy") -> tuple[int, bool]:
        """Log one attempt and wait for it to be written; (urge id, whether it is a new urge rather than a repeat)."""
        taken, new = self.take(decision, url, source)
        if taken is None:
            raise OSError("too many urges are waiting for the disk")
        if isinstance(taken, int):
            return taken, False
        return (self.commit(taken) if new else taken.committed.result()), new

    def flush(self) -> None:
        """Write the repeats counted in memory (and, for the running agent, notice a removed file)."""
        self._file.run(self._flush)

    def _flush(self, db: sqlite3.Connection) -> None:
        """Write the counted repeats; the caller holds the database lock."""
        with self._memory:
            pending, self._repeats = self._repeats, {}
            unkept, self.unkept = self.unkept, 0
        if pending:
            rows = [(count, _iso(last), urge_id) for urge_id, (count, last) in pending.items()]
            db.executemany("UPDATE urges SET repeats = repeats + ?, last_time = ? WHERE id = ?", rows)
        if unkept:
            db.execute("INSERT INTO events (time, kind, detail) VALUES (?, 'log_slow', ?)", (_iso(self._clock()), (
                f"the disk did not answer for a while; {unkept} of the urges in that time could not be kept, "
                "and blocking went on as before")))

    def set_outcome(self, urge_id: int, outcome: str) -> bool:
        if outcome not in OUTCOMES:
            raise ValueError(f"unknown outcome {outcome!r}")
        return self._file.run(
            lambda db: db.execute("UPDATE urges SET outcome = ? WHERE id = ?", (outcome, urge_id)).rowcount == 1)

    # --- cooldown records -------------------------------------------------

    def save_hold(self, hold_id: int, data: str, sig: str) -> None:
        self._file.run(lambda db: db.execute("INSERT OR REPLACE INTO holds (id, data, sig) VALUES (?, ?, ?)",
                                            (hold_id, data, sig)))

    def load_holds(self) -> list[tuple[int, str, str]]:
        return self._file.run(lambda db: db.execute("SELECT id, data, sig FROM holds ORDER BY id").fetchall())

    def drop_hold(self, hold_id: int) -> None:
        self._file.run(lambda db: db.execute("DELETE FROM holds WHERE id = ?", (hold_id,)))

    def add_step(self, hold_id: int, urge_id: int | None, target: str, step: str) -> None:
        def work(db: sqlite3.Connection) -> None:
            db.execute("INSERT INTO steps (time, hold_id, urge_id, target, step) VALUES (?, ?, ?, ?, ?)",
                       (_iso(self._clock()), hold_id, urge_id, target, step))
            outcome = {"opened": "overridden", "cancelled": "waited"}.get(step)
            if urge_id is not None and outcome:
                db.execute("UPDATE urges SET outcome = ? WHERE id = ?", (outcome, urge_id))

        self._file.run(work)

    def steps(self) -> list[tuple[str, int, int | None, str, str]]:
        return self._file.run(
            lambda db: db.execute("SELECT time, hold_id, urge_id, target, step FROM steps ORDER BY id").fetchall())

    def add_letter(self, urge_id: int | None, person: str, service: str, subject: str | None,
                   text: str | None) -> int:
        def work(db: sqlite3.Connection) -> int:
            # A draft saved every few seconds (one urge: repeats fold into it) grows at its end: one letter,
            # with its latest words. Any other words, even within the same urge, are a letter of their own:
            # nothing kept is ever replaced by less.
            draft = urge_id is not None and db.execute(
                "SELECT id, IFNULL(text, '') FROM letters WHERE urge_id = ? AND service = ? ORDER BY id DESC LIMIT 1",
                (urge_id, service)).fetchone()
            if draft and text and text.startswith(draft[1]):
                db.execute("UPDATE letters SET subject = ?, text = ? WHERE id = ?", (subject, text, draft[0]))
                return draft[0]
            # The same words again later (a send after its draft): one letter, not one per save.
            same = db.execute(
                "SELECT id FROM letters WHERE person = ? AND service = ? AND IFNULL(subject, '') = ? "
                "AND IFNULL(text, '') = ? ORDER BY id DESC LIMIT 1",
                (person, service, subject or "", text or "")).fetchone()
            if same:
                return same[0]
            cursor = db.execute(
                "INSERT INTO letters (time, urge_id, person, service, subject, text) VALUES (?, ?, ?, ?, ?, ?)",
                (_iso(self._clock()), urge_id, person, service, subject, text))
            return cursor.lastrowid

        return self._file.run(work)

    def letters(self) -> list[dict]:
        rows = self._file.run(lambda db: db.execute(
            "SELECT id, time, urge_id, person, service, subject, text FROM letters ORDER BY id").fetchall())
        keys = ("id", "time", "urge_id", "person", "service", "subject", "text")
        return [dict(zip(keys, row, strict=True)) for row in rows]

    def delete_letter(self, letter_id: int) -> bool:
        """Remove a letter, its words overwritten in the file and gone from the write-ahead log as well."""
        def work(db: sqlite3.Connection) -> bool:
            gone = db.execute("DELETE FROM letters WHERE id = ?", (letter_id,)).rowcount == 1
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            return gone

        return self._file.run(work)

    def add_event(self, kind: str, detail: str) -> None:
        self._file.run(lambda db: db.execute("INSERT INTO events (time, kind, detail) VALUES (?, ?, ?)",
                                            (_iso(self._clock()), kind, detail)))

    def events(self, since: datetime | None = None, until: datetime | None = None) -> list[tuple[str, str, str]]:
        condition, args = where(since, until)
        return self._file.run(
            lambda db: db.execute(f"SELECT time, kind, detail FROM events{condition} ORDER BY id", args).fetchall())

    def put_state(self, key: str, value: str, sig: str) -> None:
        self._file.run(lambda db: db.execute("INSERT OR REPLACE INTO state (key, value, sig) VALUES (?, ?, ?)",
                                            (key, value, sig)))

    def get_state(self, key: str) -> tuple[str, str] | None:
        return self._file.run(lambda db: db.execute("SELECT value, sig FROM state WHERE key = ?", (key,)).fetchone())

    def wipe(self) -> None:
        """Remove every urge, step and event; commitments (holds, the config in force) stay."""
        def work(db: sqlite3.Connection) -> None:
            with self._memory:
                self._repeats.clear()
                self._recent.clear()
            db.executescript("DELETE FROM urges; DELETE FROM steps; DELETE FROM events; DELETE FROM letters;")
            _mark_began(db, self._clock())  # what was before is gone: the review starts here
            db.execute("INSERT INTO events (time, kind, detail) VALUES (?, 'wiped', 'the log was wiped')",
                       (_iso(self._clock()),))
            db.execute("VACUUM")
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # nothing of it left in the write-ahead log

        self._file.run(work)

    def add_note(self, urge_id: int, **fields) -> bool:
        """Add or change the person's own notes on an urge (after the fact)."""
        unknown = set(fields) - set(NOTE_FIELDS)
        if unknown:
            raise ValueError(f"unknown note fields: {', '.join(sorted(unknown))}")
        if fields.get("trigger") not in (None, *TRIGGERS):
            raise ValueError(f"trigger must be one of: {', '.join(TRIGGERS)}")
        for key in ("intensity_before", "intensity_after"):
            value = fields.get(key)
            if value is not None and not (isinstance(value, int) and 0 <= value <= 10):
                raise ValueError(f"{key} must be a whole number from 0 to 10")
        if not fields:
            return False
        assignments = ", ".join(f"{key} = ?" for key in fields)
        return self._file.run(lambda db: db.execute(f"UPDATE urges SET {assignments} WHERE id = ?",
                                                   (*fields.values(), urge_id)).rowcount == 1)

    # --- reading urges -------------------------------------------------------

    def urges(self, since: datetime | None = None, until: datetime | None = None, *, person: str | None = None,
              category: str | None = None, source: str | None = None, outcome: str | None = None,
              limit: int | None = None, skip: int = 0, newest_first: bool = False) -> list[Urge]:
        """The urges from `since` until before `until`, oldest first (or newest first); each filter given
        (person, category, source, outcome) must match exactly. `limit` and `skip` read one page of them."""
        condition, args = where(since, until, person=person, category=category, source=source, outcome=outcome)
        order = " ORDER BY time DESC, id DESC" if newest_first else " ORDER BY time, id"
        if limit is not None:
            order += " LIMIT ? OFFSET ?"
            args += [limit, skip]

        def work(db: sqlite3.Connection) -> list:
            self._flush(db)
            return db.execute(f"SELECT {', '.join(URGE_COLUMNS)} FROM urges{condition}{order}", args).fetchall()

        return [
            Urge(row[0], datetime.fromisoformat(row[1]), datetime.fromisoformat(row[2]), *row[3:])
            for row in self._file.run(work)
        ]

    def count(self, since: datetime | None = None, until: datetime | None = None, **filters: str | None) -> int:
        condition, args = where(since, until, **filters)
        return self._file.run(lambda db: db.execute(f"SELECT COUNT(*) FROM urges{condition}", args).fetchone()[0])

    def newer(self, urge_id: int, since: datetime | None = None, until: datetime | None = None,
              **filters: str | None) -> int | None:
        """How many of the urges chosen come after `urge_id` (newest first, its place); None if it is not one."""
        condition, args = where(since, until, **filters)

        def work(db: sqlite3.Connection) -> int | None:
            row = db.execute(f"SELECT time FROM urges{condition}{' AND' if condition else ' WHERE'} id = ?",
                             [*args, urge_id]).fetchone()
            if row is None:
                return None
            later = f"{condition}{' AND' if condition else ' WHERE'} (time > ? OR (time = ? AND id > ?))"
            return db.execute(f"SELECT COUNT(*) FROM urges{later}", [*args, row[0], row[0], urge_id]).fetchone()[0]

        return self._file.run(work)

    def choices(self, since: datetime | None = None, until: datetime | None = None,
                **filters: str | None) -> dict[str, list[str]]:
        """The people, categories and sources found among the urges chosen, for the review's filters."""
        condition, args = where(since, until, **filters)
        rows = self._file.run(
            lambda db: db.execute(f"SELECT DISTINCT person, category, source FROM urges{condition}", args).fetchall())
        return {name: sorted({row[i] for row in rows if row[i]}) for i, name in enumerate(("person", "category", "source"))}

    def counted(self, count: Callable[[sqlite3.Connection], Any]) -> Any:
        """`count(db)` on the log with every repeat written first (agent/tally.py counts the review's figures)."""

        def work(db: sqlite3.Connection):
            self._flush(db)
            return count(db)

        return self._file.run(work)
