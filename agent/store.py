"""The urge log: SQLite in the data directory, one row per urge.

Repeats for the same target within DEBOUNCE_SECONDS are one urge with a repeat
count (a single-page app fires a dozen requests for one profile view). A new
urge is committed with synchronous=FULL before `record` returns, so an urge the
person was shown survives a crash; repeats are counted in memory (no disk, no
thread hop for the proxy) and written with the next write, by `flush()`, or
at close. The schema is plain, documented in the
README, and readable with any SQLite tool.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

DEBOUNCE_SECONDS = 60.0
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
-- Signed agent state, e.g. the config in force.
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
        if self.person:
            return f"{self.person} · {self.platform or 'web'}"
        return f"{self.category or 'site'} · {self.site or ''}"

    def as_json(self) -> dict:
        data = {name: getattr(self, name) for name in self.__slots__}
        data["time"] = self.time.isoformat()
        data["last_time"] = self.last_time.isoformat()
        data["target"] = self.target
        return data


URGE_COLUMNS = ("id", "time", "last_time", "person", "platform", "category", "site", "url", "rule", "source",
                "outcome", "repeats", "note", "trigger", "feeling", "intensity_before", "intensity_after")


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="seconds")


class UrgeLog:
    """One connection, guarded by a lock; the proxy calls it from a worker thread.

    The repeat counts live behind a lock of their own: the proxy's event loop
    counts repeats and must never wait behind a commit or a long query.
    """

    def __init__(self, path: Path, clock: Callable[[], float] = time.time):
        self.path = Path(path)
        self._clock = clock
        self._lock = threading.Lock()  # the database connection
        self._memory = threading.Lock()  # _recent and _repeats
        self._recent: dict[tuple, tuple[int, float]] = {}  # target -> (urge id, last seen)
        self._repeats: dict[int, tuple[int, float]] = {}  # urge id -> (repeats not yet written, last seen)
        new = not self.path.exists()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        if new:
            os.chmod(self.path, 0o600)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute("PRAGMA busy_timeout=5000")
        self._db.execute("PRAGMA secure_delete=ON")  # a deleted letter or urge is overwritten, not just unlinked
        self._db.executescript(SCHEMA)
        present = {row[1] for row in self._db.execute("PRAGMA table_info(urges)")}
        for column, kind in ADDED_COLUMNS.items():
            if column not in present:
                self._db.execute(f"ALTER TABLE urges ADD COLUMN {column} {kind}")

    def close(self) -> None:
        with self._lock:
            self._flush()
            self._db.close()

    def __enter__(self) -> UrgeLog:
        return self

    def __exit__(self, *_exc) -> None:
        self.close()

    def repeat(self, decision, source: str = "proxy") -> int | None:
        """Count a repeat of a recent urge in memory; its id, or None when this is a new urge."""
        now = self._clock()
        target = (source, *decision.target)
        with self._memory:
            recent = self._recent.get(target)
            if not recent or now - recent[1] >= DEBOUNCE_SECONDS:
                return None
            urge_id = recent[0]
            self._recent[target] = (urge_id, now)
            count, _ = self._repeats.get(urge_id, (0, now))
            self._repeats[urge_id] = (count + 1, now)
            return urge_id

    def flush(self) -> None:
        """Write the repeats counted in memory."""
        with self._lock:
            self._flush()

    def _flush(self) -> None:
        """Write the counted repeats; the caller holds the database lock."""
        with self._memory:
            pending, self._repeats = self._repeats, {}
        if pending:
            rows = [(count, _iso(last), urge_id) for urge_id, (count, last) in pending.items()]
            self._db.executemany("UPDATE urges SET repeats = repeats + ?, last_time = ? WHERE id = ?", rows)

    def record(self, decision, url: str, source: str = "proxy") -> tuple[int, bool]:
        """Log one attempt; return (urge id, whether it is a new urge rather than a repeat)."""
        urge_id = self.repeat(decision, source)
        if urge_id is not None:
            return urge_id, False
        now = self._clock()
        target = (source, *decision.target)
        with self._lock:
            self._flush()
            cursor = self._db.execute(
                "INSERT INTO urges (time, last_time, person, platform, category, site, url, rule, source, outcome)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'blocked')",
                (_iso(now), _iso(now), decision.person, decision.platform, decision.category,
                 decision.site, url, decision.rule, source),
            )
            urge_id = cursor.lastrowid
        with self._memory:
            self._recent[target] = (urge_id, now)
        return urge_id, True

    def set_outcome(self, urge_id: int, outcome: str) -> bool:
        if outcome not in OUTCOMES:
            raise ValueError(f"unknown outcome {outcome!r}")
        with self._lock:
            cursor = self._db.execute("UPDATE urges SET outcome = ? WHERE id = ?", (outcome, urge_id))
            return cursor.rowcount == 1

    # --- cooldown records -------------------------------------------------

    def save_hold(self, hold_id: int, data: str, sig: str) -> None:
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO holds (id, data, sig) VALUES (?, ?, ?)", (hold_id, data, sig))

    def load_holds(self) -> list[tuple[int, str, str]]:
        with self._lock:
            return self._db.execute("SELECT id, data, sig FROM holds ORDER BY id").fetchall()

    def drop_hold(self, hold_id: int) -> None:
        with self._lock:
            self._db.execute("DELETE FROM holds WHERE id = ?", (hold_id,))

    def add_step(self, hold_id: int, urge_id: int | None, target: str, step: str) -> None:
        with self._lock:
            self._db.execute("INSERT INTO steps (time, hold_id, urge_id, target, step) VALUES (?, ?, ?, ?, ?)",
                             (_iso(self._clock()), hold_id, urge_id, target, step))
            outcome = {"opened": "overridden", "cancelled": "waited"}.get(step)
            if urge_id is not None and outcome:
                self._db.execute("UPDATE urges SET outcome = ? WHERE id = ?", (outcome, urge_id))

    def steps(self) -> list[tuple[str, int, int | None, str, str]]:
        with self._lock:
            return self._db.execute("SELECT time, hold_id, urge_id, target, step FROM steps ORDER BY id").fetchall()

    def add_letter(self, urge_id: int | None, person: str, service: str, subject: str | None,
                   text: str | None) -> int:
        with self._lock:
            # A draft saved every few seconds (one urge: repeats fold into it) grows at its end: one letter,
            # with its latest words. Any other words, even within the same urge, are a letter of their own:
            # nothing kept is ever replaced by less.
            draft = urge_id is not None and self._db.execute(
                "SELECT id, IFNULL(text, '') FROM letters WHERE urge_id = ? AND service = ? ORDER BY id DESC LIMIT 1",
                (urge_id, service)).fetchone()
            if draft and text and text.startswith(draft[1]):
                self._db.execute("UPDATE letters SET subject = ?, text = ? WHERE id = ?", (subject, text, draft[0]))
                return draft[0]
            # The same words again later (a send after its draft): one letter, not one per save.
            same = self._db.execute(
                "SELECT id FROM letters WHERE person = ? AND service = ? AND IFNULL(subject, '') = ? "
                "AND IFNULL(text, '') = ? ORDER BY id DESC LIMIT 1",
                (person, service, subject or "", text or "")).fetchone()
            if same:
                return same[0]
            cursor = self._db.execute(
                "INSERT INTO letters (time, urge_id, person, service, subject, text) VALUES (?, ?, ?, ?, ?, ?)",
                (_iso(self._clock()), urge_id, person, service, subject, text))
            return cursor.lastrowid

    def letters(self) -> list[dict]:
        with self._lock:
            rows = self._db.execute(
                "SELECT id, time, urge_id, person, service, subject, text FROM letters ORDER BY id").fetchall()
        keys = ("id", "time", "urge_id", "person", "service", "subject", "text")
        return [dict(zip(keys, row, strict=True)) for row in rows]

    def delete_letter(self, letter_id: int) -> bool:
        """Remove a letter, its words overwritten in the file and gone from the write-ahead log as well."""
        with self._lock:
            gone = self._db.execute("DELETE FROM letters WHERE id = ?", (letter_id,)).rowcount == 1
            self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            return gone

    def add_event(self, kind: str, detail: str) -> None:
        with self._lock:
            self._db.execute("INSERT INTO events (time, kind, detail) VALUES (?, ?, ?)",
                             (_iso(self._clock()), kind, detail))

    def events(self) -> list[tuple[str, str, str]]:
        with self._lock:
            return self._db.execute("SELECT time, kind, detail FROM events ORDER BY id").fetchall()

    def put_state(self, key: str, value: str, sig: str) -> None:
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO state (key, value, sig) VALUES (?, ?, ?)", (key, value, sig))

    def get_state(self, key: str) -> tuple[str, str] | None:
        with self._lock:
            return self._db.execute("SELECT value, sig FROM state WHERE key = ?", (key,)).fetchone()

    def wipe(self) -> None:
        """Remove every urge, step and event; commitments (holds, the config in force) stay."""
        with self._lock:
            with self._memory:
                self._repeats.clear()
                self._recent.clear()
            self._db.executescript("DELETE FROM urges; DELETE FROM steps; DELETE FROM events; DELETE FROM letters;")
            self._db.execute("INSERT INTO events (time, kind, detail) VALUES (?, 'wiped', 'the log was wiped')",
                             (_iso(self._clock()),))
            self._db.execute("VACUUM")
            self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # nothing of it left in the write-ahead log

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
        with self._lock:
            cursor = self._db.execute(f"UPDATE urges SET {assignments} WHERE id = ?", (*fields.values(), urge_id))
            return cursor.rowcount == 1

    def urges(self, since: datetime | None = None, until: datetime | None = None, *, person: str | None = None,
              category: str | None = None, source: str | None = None, outcome: str | None = None) -> list[Urge]:
        """The urges from `since` (to the second) until before `until`, oldest first; each filter given
        (person, category, source, outcome) must match exactly."""
        conditions, args = [], []
        if since is not None:
            conditions.append("time >= ?")
            args.append(since.astimezone(UTC).isoformat(timespec="seconds"))
        if until is not None:
            # Whole seconds are stored: "12:00:00+00:00" sorts before "12:00:00.5+00:00", as the moments do.
            conditions.append("time < ?")
            args.append(until.astimezone(UTC).isoformat())
        for column, value in zip(FILTERS, (person, category, source, outcome), strict=True):
            if value is not None:
                conditions.append(f"{column} = ?")
                args.append(value)
        where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
        with self._lock:
            self._flush()
            rows = self._db.execute(f"SELECT {', '.join(URGE_COLUMNS)} FROM urges{where} ORDER BY time, id",
                                    args).fetchall()
        return [
            Urge(row[0], datetime.fromisoformat(row[1]), datetime.fromisoformat(row[2]), *row[3:])
            for row in rows
        ]
