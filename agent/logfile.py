"""The urge log's file: telling a damaged one, setting it aside, and noticing it was removed.

A damaged log (truncated, zeroed, overwritten) is renamed, with its write-ahead
log and shared-memory files, to `nocontact.sqlite3.damaged-<UTC time>` beside
it: nothing is deleted, so urges can still be recovered from it with any SQLite
tool, and a fresh log takes its place. Blocking never depends on the log.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

from agent.errors import UserError

log = logging.getLogger("nocontact")
T = TypeVar("T")

SIDE_FILES = ("-wal", "-shm", "-journal")  # SQLite's own files beside a database, named after it
MARK = ".damaged-"
_DAMAGE_CODES = {sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB}


class Damaged(sqlite3.DatabaseError):
    """SQLite's own check found the file inconsistent."""


class LogDamaged(UserError):
    """The log cannot be read: its file is damaged."""

    def __init__(self, path: Path, err: BaseException):
        super().__init__(f"the log at {path} is damaged and cannot be read ({err}). The next start of nocontact sets "
                         "it aside, kept for recovery, and begins a fresh one; `nocontact wipe` removes it instead.")


def is_damage(err: BaseException) -> bool:
    """A sign the file itself is damaged (not a full disk, a lock or a read-only file system)."""
    if isinstance(err, Damaged):
        return True
    code = getattr(err, "sqlite_errorcode", None)
    return isinstance(err, sqlite3.DatabaseError) and code is not None and code & 0xFF in _DAMAGE_CODES


def check(db: sqlite3.Connection) -> None:
    """Raise Damaged unless SQLite's quick check finds the file whole (about 0.1 s for 200,000 urges)."""
    found = [row[0] for row in db.execute("PRAGMA quick_check")]
    if found != ["ok"]:
        raise Damaged("; ".join(found[:3]))


def identity(path: Path) -> tuple[int, int] | None:
    """Which file is at `path` (device, inode), or None when there is none."""
    try:
        found = os.stat(path)
    except FileNotFoundError:
        return None
    return found.st_dev, found.st_ino


def set_aside_name(path: Path, moment: float) -> Path:
    """Where a damaged log is set aside: `<name>.damaged-<UTC time>` beside it, a name not yet taken."""
    stamp = datetime.fromtimestamp(moment, UTC).strftime("%Y%m%dT%H%M%SZ")
    aside = path.with_name(f"{path.name}{MARK}{stamp}")
    number = 1
    while any(Path(f"{aside}{end}").exists() for end in ("", *SIDE_FILES)):
        number += 1
        aside = path.with_name(f"{path.name}{MARK}{stamp}-{number}")
    return aside


def set_aside(path: Path, aside: Path) -> None:
    """Rename a damaged log and its side files to `aside`; the side files keep their endings, so SQLite
    opens the set-aside copy whole."""
    for end in SIDE_FILES:  # the side files first: a crash in between leaves no stray file beside a fresh log
        if Path(f"{path}{end}").exists():
            os.replace(f"{path}{end}", f"{aside}{end}")
    if path.exists():
        os.replace(path, aside)


def drop_side_files(path: Path) -> None:
    """Remove what is left of a removed log beside `path`: SQLite would read an old write-ahead log into a new file."""
    for end in SIDE_FILES:
        Path(f"{path}{end}").unlink(missing_ok=True)


def set_aside_logs(path: Path) -> list[Path]:
    """The damaged logs set aside beside `path`, oldest first (their side files not listed)."""
    found = [p for p in path.parent.glob(f"{path.name}{MARK}*") if not p.name.endswith(SIDE_FILES)]
    return sorted(found, key=lambda p: p.name)


def set_aside_time(aside: Path) -> datetime | None:
    """When a log was set aside, from its name."""
    stamp = aside.name.split(MARK, 1)[-1][:16]
    try:
        return datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except ValueError:
        return None


def remove_set_aside(path: Path) -> list[Path]:
    """Remove the set-aside logs beside `path` and their side files, their bytes overwritten first; what went."""
    gone = []
    for aside in set_aside_logs(path):
        for file in (aside, *(Path(f"{aside}{end}") for end in SIDE_FILES)):
            if file.exists():
                _overwrite(file)
                file.unlink()
        gone.append(aside)
    return gone


def _overwrite(file: Path) -> None:
    # As the log's own secure_delete does for a deleted urge: the words do not linger in the freed blocks.
    size = file.stat().st_size
    with open(file, "r+b") as out:
        for start in range(0, size, 1 << 20):
            out.write(bytes(min(1 << 20, size - start)))
        out.flush()
        os.fsync(out.fileno())


class LogFile:
    """The log's open SQLite connection, used under one lock (`run`).

    `setup(db)` prepares a connection (its schema). With `mend`, a damaged file is set aside
    (found by a read-only check at open, or by an error later) and a removed or replaced one
    followed; a fresh file then takes its place, and `on_fresh(db, kind, detail)` is told
    (under the lock). Without it, damage raises LogDamaged and nothing is changed.
    """

    def __init__(self, path: Path, setup: Callable[[sqlite3.Connection], None], *, clock: Callable[[], float],
                 mend: bool = False, on_fresh: Callable[[sqlite3.Connection, str, str], None] | None = None):
        self.path, self._setup, self._clock, self._mend, self._on_fresh = Path(path), setup, clock, mend, on_fresh
        self.lock = threading.Lock()
        self.set_aside: list[Path] = []  # damaged files set aside here
        self._identity: dict[str, tuple[int, int] | None] = {}  # "", "-wal", "-shm" -> the files this connection uses
        self._db: sqlite3.Connection | None = None
        with self.lock:
            try:
                if mend:
                    self._check_read_only()  # a read-only look changes nothing: the files are set aside as they are
                self._db = self._connect()
            except sqlite3.DatabaseError as err:
                if not is_damage(err):
                    raise
                if not mend:
                    raise LogDamaged(self.path, err) from None
                self._start_fresh(damaged=True)

    def _check_read_only(self) -> None:
        if not self.path.exists() or self.path.stat().st_size == 0:
            return
        db = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            db.execute("PRAGMA busy_timeout=5000")
            check(db)  # damage deep in the file shows now, not at the first look at old urges
        finally:
            db.close()

    def _connect(self) -> sqlite3.Connection:
        new = not self.path.exists()
        if new:
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        try:
            if new:
                os.chmod(self.path, 0o600)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
            db.execute("PRAGMA busy_timeout=5000")
            db.execute("PRAGMA secure_delete=ON")  # a deleted letter or urge is overwritten, not just unlinked
            self._setup(db)
        except BaseException:
            db.close()
            raise
        # The write-ahead log and shared memory exist from the first read on, and stay while the connection does.
        self._identity = {end: identity(Path(f"{self.path}{end}")) for end in ("", "-wal", "-shm")}
        return db

    def _let_go(self, old: sqlite3.Connection | None, aside: Path | None = None) -> None:
        """Close a connection whose file is gone from `path`, leaving alone whatever is at `path` now.

        SQLite's close deletes the write-ahead log and shared memory by name: its own are first moved
        out of the way (to `aside`, or to be removed), while the connection still reads them by handle.
        """
        moved = []
        for end in ("-wal", "-shm"):
            side = Path(f"{self.path}{end}")
            mine = self._identity.get(end)
            if mine is not None and identity(side) == mine:
                target = Path(f"{aside}{end}") if aside else side.with_name(f".{side.name}.{os.getpid()}.gone")
                try:
                    os.replace(side, target)
                except OSError:  # an open file cannot be renamed everywhere (Windows): closed first there
                    continue
                moved.append(target)
        _close_quietly(old)
        if aside is None:
            for target in moved:
                target.unlink(missing_ok=True)

    def _set_aside(self, old: sqlite3.Connection | None) -> str:
        aside = set_aside_name(self.path, self._clock())
        if old is not None and identity(self.path) == self._identity.get(""):
            try:
                os.replace(self.path, aside)
            except OSError:
                pass  # renamed below, once closed
            self._let_go(old, aside)
        set_aside(self.path, aside)  # whatever is left of it (all of it at open)
        self.set_aside.append(aside)
        return f"the log was damaged and set aside as {aside.name}; a fresh log was started"

    def _start_fresh(self, damaged: bool) -> None:
        """A fresh log in place of a damaged or removed one; the caller holds the lock."""
        old, self._db = self._db, None
        if damaged:
            kind, detail = "log_set_aside", self._set_aside(old)
        elif identity(self.path) is None:
            self._let_go(old)
            drop_side_files(self.path)  # a removed log's: SQLite would read them into the new file
            kind, detail = "log_removed", "the log file was removed while nocontact was running; a fresh log was started"
        else:
            self._let_go(old)
            kind, detail = "log_replaced", "the log file was replaced while nocontact was running; it now writes there"
        try:
            self._check_read_only()
            self._db = self._connect()
        except sqlite3.DatabaseError as err:
            if not is_damage(err):
                raise
            kind, detail = "log_set_aside", self._set_aside(None)  # a damaged file took its place
            self._db = self._connect()
        detail += ", and blocking went on as before"
        log.warning("%s%s.", detail[0].upper(), detail[1:])
        if self._on_fresh:
            self._on_fresh(self._db, kind, detail)

    def run(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run `work` with the connection, under the lock. Mending, first follow a removed file (a stat:
        microseconds beside a commit); on damage, set the file aside and run `work` once more on a fresh one."""
        with self.lock:
            if self._db is None:
                raise sqlite3.ProgrammingError("Cannot operate on a closed database.")
            if self._mend and identity(self.path) != self._identity[""]:
                self._start_fresh(damaged=False)
            try:
                return work(self._db)
            except sqlite3.DatabaseError as err:
                if not is_damage(err):
                    raise
                if not self._mend:
                    raise LogDamaged(self.path, err) from None
                self._start_fresh(damaged=True)
            return work(self._db)

    def close(self, last: Callable[[sqlite3.Connection], None] | None = None) -> None:
        """Run `last` (if given) and close; closing again does nothing."""
        with self.lock:
            if self._db is None:
                return
            try:
                if last:
                    last(self._db)
            finally:
                self._db.close()
                self._db = None


def _close_quietly(db: sqlite3.Connection | None) -> None:
    if db is None:
        return
    try:
        db.close()
    except sqlite3.Error:
        pass  # a damaged file may not close cleanly; it is set aside as it is
