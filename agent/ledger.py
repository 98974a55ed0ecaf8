"""The signed record of cooldown requests and of the commitment in force.

Each record carries an HMAC made with the install's secret; a record changed
outside nocontact fails the check, is set aside (never obeyed) and noted as a
guard event, so no edit in the data directory opens a window unseen.

The commitment itself (the config in force, a counter, the next request number)
is the high-water mark of agent/highwater.py, kept in the log and in two files.
At start the newest signed copy wins. When the log's own copy is missing,
changed or older than a file's, the log was deleted, edited or put back from an
older copy: the config on record stays in force, anything looser in the file
waits its full cooldown, the waits in that log start over, and a guard note is
kept in the log and in the record itself, which the deletion does not reach.
"""

from __future__ import annotations

import json
import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields, replace
from datetime import UTC, datetime
from pathlib import Path

from agent import highwater, secret
from agent.commitment import stricter
from agent.config import Config
from agent.cooldown import DAY, Hold
from agent.highwater import NOTES_KEPT, OPENED_KEPT, Found, HighWater, parse, read_file, write_file
from agent.store import UrgeLog

log = logging.getLogger("nocontact")

_HOLD_FIELDS = {f.name for f in fields(Hold)}
IN_LOG = "in the log"
STATE_KEY = "config"  # the state row that holds the record (once only the config in force, unsigned by seq)
SAID = {"missing": "was missing", "invalid": "did not match its signature", "older": "was an older copy put back"}


@dataclass(frozen=True, slots=True)
class Start:
    """What the records say at start."""

    in_force: Config | None  # the config the file is held to; None on a first start (nothing on record)
    holds: list[Hold]
    next_hold: int
    opened: tuple[float, ...]  # when windows opened in the last day, as far as any record knows
    note: str | None  # what was found wrong, in words for a guard note; None when all was in order


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="seconds")


def strictest(configs: list[dict]) -> Config | None:
    """The stricter mix of every config that still reads (records that cannot be verified may only tighten)."""
    found = None
    for data in configs:
        try:
            config = Config.model_validate(data)
        except ValueError:
            continue
        found = config if found is None else stricter(found, config)
    return found


class Ledger:
    def __init__(self, log: UrgeLog, key: bytes, places: dict[str, Path] | None = None,
                 wall: Callable[[], float] = time.time, home: str = ""):
        self.log = log
        self.key = key
        # Where the copies outside the log live (words -> file): beside it and outside the data directory.
        self.places = dict(highwater.places(Path(log.path).parent) if places is None else places)
        self._wall = wall
        self._unwritable: set[str] = set()
        self.mark = HighWater(home=home)

    def _sign(self, kind: str, data: str) -> str:
        return secret.sign(self.key, f"{kind}:{data}")

    def _verify(self, kind: str, data: str, sig: str) -> bool:
        return secret.verify(self.key, f"{kind}:{data}", sig)

    # --- cooldown requests ----------------------------------------------------

    def save(self, hold: Hold, step: str | None = None) -> None:
        data = json.dumps(asdict(hold), sort_keys=True)
        self.log.save_hold(hold.id, data, self._sign("hold", data))
        if step:
            self.log.add_step(hold.id, hold.urge_id, f"{hold.kind}:{hold.name}", step)
            opened = self.mark.opened + ((hold.opened,) if step == "opened" and hold.opened is not None else ())
            self._commit(next_hold=max(self.mark.next_hold, hold.id + 1), opened=self._recent(opened))

    def holds(self) -> list[Hold]:
        found = []
        for hold_id, data, sig in self.log.load_holds():
            try:
                values = json.loads(data)
                valid = self._verify("hold", data, sig) and set(values) == _HOLD_FIELDS
            except ValueError:
                valid = False
            if not valid:
                self.log.add_event("tampered", f"cooldown request {hold_id} was changed outside nocontact; "
                                               "it was set aside")
                self.log.drop_hold(hold_id)
                continue
            found.append(Hold(**values))
        return found

    # --- the commitment: the high-water mark ----------------------------------------

    def save_config(self, config: Config) -> None:
        self._commit(config=json.loads(config.model_dump_json()))

    def note(self, kind: str, detail: str) -> None:
        """A guard note, in the log and in the record (where deleting the log does not erase it)."""
        self.log.add_event(kind, detail)
        self._commit(notes=(*self.mark.notes, (_iso(self._wall()), kind, detail))[-NOTES_KEPT:])

    def _commit(self, **changes) -> None:
        """The next mark: in the log first, then each file (so a crash leaves the files behind, never ahead)."""
        self.mark = replace(self.mark, seq=self.mark.seq + 1, **changes)
        self.log.put_state(STATE_KEY, self.mark.dumps(), self.mark.signature(self.key))
        for place, path in self.places.items():
            try:
                write_file(path, self.mark, self.key)
                self._unwritable.discard(place)
            except OSError as err:
                if place not in self._unwritable:  # said once, not at every step
                    self._unwritable.add(place)
                    log.error("The copy of the commitment record %s could not be written (%s).", place, err)

    def _recent(self, opened: tuple[float, ...]) -> tuple[float, ...]:
        since = self._wall() - DAY
        return tuple(sorted(t for t in opened if t >= since))[-OPENED_KEPT:]

    def _in_log(self) -> Found:
        row = self.log.get_state(STATE_KEY)
        if row is None:
            return Found(IN_LOG, "missing")
        found = parse(IN_LOG, *row, self.key)
        if found.mark is not None:
            return found
        try:  # a row written before the mark: the config in force alone, signed as "config"
            config = json.loads(row[0])
        except ValueError:
            return found
        if not isinstance(config, dict):
            return found
        return Found(IN_LOG, "valid" if self._verify("config", *row) else "invalid", HighWater(config=config))

    def start(self, secret_copy_existed: bool = False) -> Start:
        """Read every copy and the requests; carry on from the newest signed copy, and say what was wrong."""
        found = [self._in_log(), *(read_file(path, place, self.key) for place, path in self.places.items())]
        holds = self.holds()
        marks = [f.mark for f in found if f.mark is not None]
        newest = max((f for f in found if f.valid), key=lambda f: f.mark.seq, default=None)
        problems: list[str] = []  # about the log's own record: what the file loosens waits in full
        copies: list[str] = []  # about a copy outside it only: it is written again
        if newest is not None:
            base, in_force = newest.mark, Config.model_validate(newest.mark.config) if newest.mark.config else None
            in_log = found[0]
            state = in_log.state if not in_log.valid else "older" if in_log.mark.seq < base.seq else None
            if state:
                problems.append(f"the log's record of your commitment {SAID[state]}")
                restarted = [_start_over(h) for h in holds]  # an older log's waits may be ones already used
                for hold in (h for h, before in zip(restarted, holds, strict=True) if h != before):
                    self.save(hold)
                holds = restarted
            if base.seq > 0:  # written by this version: every copy should be there
                copies += [f"the copy of it {f.place} {SAID[f.state]}" for f in found[1:] if not f.valid]
        else:
            base = HighWater(notes=_merged_notes(marks))
            in_force = strictest([m.config for m in marks if m.config])
            if marks or secret_copy_existed or holds or any(f.state != "missing" for f in found):
                problems.append("no signed record of your commitment could be read")
        self.mark = replace(base, seq=max((m.seq for m in marks), default=0),
                            next_hold=max((m.next_hold for m in marks), default=1), home=self.mark.home,
                            opened=self._recent(_most_of_each([m.opened for m in marks])))
        self._replay_notes()
        next_hold = max(self.mark.next_hold, max((h.id for h in holds), default=0) + 1)
        return Start(in_force, holds, next_hold, self.mark.opened, _note_words(problems, copies, in_force, newest))

    def _replay_notes(self) -> None:
        """Guard notes the record keeps that the log lacks (it was deleted or put back) go into it again.

        Notes from before a `nocontact wipe` of the log are dropped from the record as well: the wipe is yours.
        """
        events = self.log.events()
        wiped = max((when for when, kind, _ in events if kind == "wiped"), default="")
        notes = tuple(note for note in self.mark.notes if note[0] > wiped)
        self.mark = replace(self.mark, notes=notes)
        present = Counter(detail for _, _, detail in events)
        for time_text, kind, detail in notes:
            again = f"{detail} (first noted {time_text.replace('T', ' ').replace('+00:00', ' UTC')})"
            seen = again if present[again] else detail if present[detail] else None
            if seen:
                present[seen] -= 1
                continue
            self.log.add_event(kind, again)

    # --- how the run ends --------------------------------------------------------------

    def note_stop(self, waited: bool) -> None:
        """How this run ends: False from the start (a crash or a signal is no waited stop), True once
        a `nocontact stop` has waited out its cooldown. Uninstall goes ahead only on a signed True."""
        data = json.dumps({"waited": waited})
        self.log.put_state("stop", data, self._sign("stop", data))

    def stopped_after_waiting(self) -> bool:
        """Did the last run end with a stop that waited? Never in a log older than a copy of its record."""
        row = self.log.get_state("stop")
        if row is None:
            return False
        data, sig = row
        try:
            waited = self._verify("stop", data, sig) and json.loads(data) == {"waited": True}
        except ValueError:
            return False
        return waited and not self._log_is_behind()

    def _log_is_behind(self) -> bool:
        """A signed copy outside the log is newer than the log's own: the log was put back from an older copy."""
        in_log = self._in_log()
        seq = in_log.mark.seq if in_log.valid else -1
        copies = (read_file(path, place, self.key) for place, path in self.places.items())
        return any(copy.valid and copy.mark.seq > seq for copy in copies)


def _start_over(hold: Hold) -> Hold:
    """A request from a log that was put back: its wait starts again from the beginning."""
    return replace(hold, waited=0.0, state="waiting") if hold.state in ("waiting", "ready") else hold


def _merged_notes(marks: list[HighWater]) -> tuple[tuple[str, str, str], ...]:
    return tuple(sorted({note for mark in marks for note in mark.notes}))[-NOTES_KEPT:]


def _most_of_each(lists: list[tuple[float, ...]]) -> tuple[float, ...]:
    """Every moment any copy holds, as many times as the copy that holds it most (copies overlap)."""
    most: Counter = Counter()
    for moments in lists:
        most |= Counter(moments)
    return tuple(most.elements())


def _note_words(problems: list[str], copies: list[str], in_force: Config | None, newest: Found | None) -> str | None:
    """One guard note for what was found at start, or None when everything was in order."""
    if problems:
        if in_force is None:
            then = "nothing was left to compare your config with, so it applies as written"
        else:
            which = "the config on record" if newest is not None else "the strictest config in the records found"
            then = f"{which} stays in force, and anything looser waits its full cooldown"
        return "; ".join(problems + copies) + f"; {then}"
    return "the record of your commitment is in order in the log; " + "; ".join(copies) + (
        "; written again from the log") if copies else None
