"""The high-water mark of the commitment: a small signed record kept in three places.

The record holds the config in force (the strictest the person is held to), a
counter that grows with every change of the commitment, the next cooldown
request's number, when windows opened in the last day, and the latest guard
notes. It is kept in the log, in a file beside the log, and in a file in a
folder of the person's own account outside the data directory. A copy whose
counter is lower than another's is an older one put back; one that is missing
or does not verify is set aside. The log is always written first, so after a
crash the files may lag behind it, never run ahead of it.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from agent import secret
from agent.paths import guard_dir

FILE = "commitment.json"
BESIDE, OUTSIDE = "beside the log", "outside the data directory"
NOTES_KEPT = 20  # the latest guard notes travel with the record
OPENED_KEPT = 200  # windows opened in the last day: far above any daily limit


def places(log_folder: Path) -> dict[str, Path]:
    """Where the copies outside the log live, in words and as files."""
    return {BESIDE: Path(log_folder) / FILE, OUTSIDE: guard_dir(log_folder) / FILE}


@dataclass(frozen=True, slots=True)
class HighWater:
    seq: int = 0  # grows with every change of the commitment
    next_hold: int = 1  # cooldown request numbers are never given twice
    config: dict | None = None  # the config in force, as JSON
    opened: tuple[float, ...] = ()  # wall clock times windows opened, the last day of them
    notes: tuple[tuple[str, str, str], ...] = ()  # the latest guard notes: (UTC ISO time, kind, detail)
    home: str = ""  # the data directory it belongs to, for a person reading the file

    def dumps(self) -> str:
        """The canonical text that is signed."""
        return json.dumps(asdict(self), sort_keys=True, separators=(",", ":"))

    @classmethod
    def loads(cls, text: str) -> HighWater:
        """From its text; ValueError for anything that is not such a record."""
        data = json.loads(text)
        if not isinstance(data, dict) or set(data) != set(cls.__slots__):
            raise ValueError("not a commitment record")
        mark = cls(int(data["seq"]), int(data["next_hold"]), data["config"],
                   tuple(float(t) for t in data["opened"]),
                   tuple((str(t), str(k), str(d)) for t, k, d in data["notes"]), str(data["home"]))
        if mark.seq < 0 or mark.next_hold < 1 or not isinstance(mark.config, dict | None):
            raise ValueError("not a commitment record")
        return mark

    def signature(self, key: bytes) -> str:
        return secret.sign(key, f"highwater:{self.dumps()}")


@dataclass(frozen=True, slots=True)
class Found:
    """One copy of the record as it was found."""

    place: str  # in words: "in the log", "beside the log", "outside the data directory"
    state: str  # "missing", "valid" or "invalid" (changed, unreadable, or signed with another secret)
    mark: HighWater | None = None  # also for an invalid copy that still reads: it may only tighten

    @property
    def valid(self) -> bool:
        return self.state == "valid"


def parse(place: str, value: str | None, sig: str | None, key: bytes) -> Found:
    if value is None:
        return Found(place, "missing")
    try:
        mark = HighWater.loads(value)
    except (ValueError, TypeError, KeyError):
        return Found(place, "invalid")
    return Found(place, "valid" if secret.verify(key, f"highwater:{mark.dumps()}", sig or "") else "invalid", mark)


def read_file(path: Path, place: str, key: bytes) -> Found:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Found(place, "missing")
    except (OSError, ValueError):
        return Found(place, "invalid")
    if not isinstance(data, dict) or not isinstance(data.get("record"), dict):
        return Found(place, "invalid")
    return parse(place, json.dumps(data["record"]), str(data.get("sig", "")), key)


def write_file(path: Path, mark: HighWater, key: bytes) -> None:
    """Write the copy whole (a temporary file, flushed to disk, then renamed), readable by the person alone."""
    path.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(path.parent, 0o700)
    text = json.dumps({"record": json.loads(mark.dumps()), "sig": mark.signature(key)}, indent=1, sort_keys=True)
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
