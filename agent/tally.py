"""The counts behind the review, from the log by SQL or from a list of urges: the same figures either way.

The review needs counts, not urges: how many in each local day and hour, by
outcome, by target, by trigger, the longest gap, the last contact, and when the
log began (no time before it is counted). An urge counts at its first attempt;
a window the person chose counts when it opened (its "opened" step), which may
be a later day than its urge's. SQLite counts
them per UTC quarter hour (GROUP BY), and the review turns each quarter into
local time: every time zone in use is a whole number of quarter hours from UTC,
so an urge's local day, hour and weekday are its quarter's. 200,000 urges are
counted in a fraction of a second, without loading one of them.
"""

from __future__ import annotations

import operator
import sqlite3
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from agent.store import BEGAN_KEY, Urge, UrgeLog, target_of, where

QUARTER = 900  # seconds
# An urge's time in whole seconds since the epoch. julianday() is several times faster than strftime('%s'),
# and exact to the second here; unixepoch() would need SQLite 3.38.
SECONDS = "CAST(round((julianday(time) - 2440587.5) * 86400) AS INTEGER)"
RIDDEN_OUT = ("closed", "waited")
# Contact is a message that was actually sent (in a window); a look, even through a window, never is.
CONTACT = "contact"
# A window the person chose counts when it opened: at its urge's first "opened" step (the steps are few), or at
# the urge's own time when it has none (a message sent in a window is recorded as it goes).
HAS_STEP = "id IN (SELECT urge_id FROM steps WHERE step = 'opened' AND urge_id IS NOT NULL)"
OPENED_SQL = ("SELECT MIN(steps.time) AS time, urges.source AS source FROM steps JOIN urges ON urges.id = steps.urge_id "
              "WHERE steps.step = 'opened' AND urges.outcome = 'overridden' GROUP BY steps.urge_id")
# Every record in the log has a time: the earliest of them (or the log's own mark) is when it began.
BEGAN_SQL = (f"SELECT MIN(t) FROM (SELECT value AS t FROM state WHERE key = '{BEGAN_KEY}' "
             "UNION ALL SELECT MIN(time) FROM urges UNION ALL SELECT MIN(time) FROM events "
             "UNION ALL SELECT MIN(time) FROM steps UNION ALL SELECT MIN(time) FROM letters)")


@dataclass(frozen=True, slots=True)
class Tally:
    """What the review counts in [since, until), and the two figures that look further back."""
    # (UTC quarter hour: seconds since the epoch // 900, urges, windows opened): urges by their first attempt,
    # windows by when they opened, so a quarter may hold windows and no urge
    quarters: tuple[tuple[int, int, int], ...]
    total: int
    ridden_out: int  # closed or waited
    opened: int  # windows opened in the period for urges (overridden, apart from contact), whenever their urge was
    contacted: int  # source "contact"
    blocked_only: int
    by_target: tuple[tuple[str, int], ...]  # most first, then by name
    triggers: tuple[tuple[str, int], ...]
    first: datetime | None  # the first and last urge inside (UTC)
    last: datetime | None
    longest_gap: timedelta  # between two urges inside one after the other
    previous: int  # urges in the period of the same length just before `since`
    last_contact: datetime | None  # the latest message sent to them before `until`, however old
    began: datetime | None  # when the log began (its first record); None: not known
    by_source: tuple[tuple[str, int], ...] = ()  # proxy, process, ... or a device's name; most first


def _ranked(counter: Counter) -> tuple[tuple[str, int], ...]:
    return tuple(sorted(counter.items(), key=lambda item: (-item[1], item[0])))


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def window_times(steps: Iterable[tuple[str, int, int | None, str, str]]) -> dict[int, datetime]:
    """When each urge's window first opened (UTC), from the log's steps (UrgeLog.steps(): time, hold, urge, target,
    step)."""
    opened: dict[int, datetime] = {}
    for time, _hold, urge_id, _target, step in steps:
        if step == "opened" and urge_id is not None:
            moment = _utc(datetime.fromisoformat(time))
            opened[urge_id] = min(moment, opened.get(urge_id, moment))
    return opened


def _window_time(urge: Urge, opened: Mapping[int, datetime]) -> datetime:
    """When a window for `urge` (overridden) opened: its "opened" step, or the urge's own time without one (a
    message sent in a window is recorded as it goes)."""
    return _utc(opened.get(urge.id, urge.time))


def from_urges(urges: Iterable[Urge], since: datetime, until: datetime, began: datetime | None = None,
               opened: Mapping[int, datetime] | None = None) -> Tally:
    """Count a list of urges (it may hold more than the period; earlier ones serve the trend and the last contact).
    `began`: when the log began, if known. `opened`: when each urge's window opened (`window_times`); a window
    counts on that day, and at its urge's own time when it is not given."""
    since, until = _utc(since), _utc(until)
    opened = opened or {}
    history = sorted({u.id: u for u in urges}.values(), key=lambda u: (_utc(u.time), u.id))
    inside = [u for u in history if since <= _utc(u.time) < until]
    before = [u for u in history if _utc(u.time) < until]
    windows = [u for u in history if u.outcome == "overridden" and since <= _window_time(u, opened) < until]
    quarters: dict[int, list[int]] = {}
    for urge in inside:
        quarters.setdefault(int(urge.time.timestamp()) // QUARTER, [0, 0])[0] += 1
    for urge in windows:
        quarters.setdefault(int(_window_time(urge, opened).timestamp()) // QUARTER, [0, 0])[1] += 1
    times = [_utc(u.time) for u in inside]
    contacts = [_utc(u.time) for u in before if u.source == CONTACT]
    return Tally(
        quarters=tuple((q, n, k) for q, (n, k) in sorted(quarters.items())),
        total=len(inside),
        ridden_out=sum(1 for u in inside if u.outcome in RIDDEN_OUT),
        opened=sum(1 for u in windows if u.source != CONTACT),
        contacted=sum(1 for u in inside if u.source == CONTACT),
        blocked_only=sum(1 for u in inside if u.outcome == "blocked"),
        by_target=_ranked(Counter(u.target for u in inside)),
        triggers=_ranked(Counter(u.trigger for u in inside if u.trigger)),
        first=times[0] if times else None,
        last=times[-1] if times else None,
        longest_gap=max((b - a for a, b in zip(times, times[1:], strict=False)), default=timedelta(0)),
        previous=sum(1 for u in history if since - (until - since) <= _utc(u.time) < since),
        last_contact=max(contacts, default=None),
        began=_utc(began) if began else None,
        by_source=_ranked(Counter(u.source for u in inside)),
    )


def _moment(text: str | None) -> datetime | None:
    return _utc(datetime.fromisoformat(text)) if text else None


def _at(seconds: int | None) -> datetime | None:
    return None if seconds is None else datetime.fromtimestamp(seconds, UTC)


def of_log(log: UrgeLog, since: datetime, until: datetime) -> Tally:
    """The review's figures for [since, until) from the urge log, counted by SQLite."""
    return log.counted(lambda db: from_db(db, since, until))


def from_db(db: sqlite3.Connection, since: datetime, until: datetime) -> Tally:
    """Count the log's urges with SQL: a few GROUP BY queries over the time index, no urge loaded."""
    since, until = _utc(since), _utc(until)  # real elapsed time: a zone's wall clock jumps
    inside, args = where(since, until)
    # A window that opened at its urge's time. CASE: the steps are looked at for overridden urges only.
    window = f"CASE WHEN outcome = 'overridden' THEN NOT {HAS_STEP} ELSE 0 END"
    look = f"CASE WHEN outcome = 'overridden' AND source != '{CONTACT}' THEN NOT {HAS_STEP} ELSE 0 END"
    quarters = db.execute(
        f"SELECT {SECONDS} / {QUARTER} AS q, COUNT(*), TOTAL({window}), TOTAL({look}), "
        f"TOTAL(outcome IN ('closed', 'waited')), TOTAL(source = '{CONTACT}'), TOTAL(outcome = 'blocked') "
        f"FROM urges{inside} GROUP BY q ORDER BY q", args).fetchall()
    # The windows that opened in the period after a wait, whenever their urges were (a day before, or before `since`).
    later = db.execute(f"SELECT {SECONDS} / {QUARTER} AS q, COUNT(*), TOTAL(source != '{CONTACT}') "
                       f"FROM ({OPENED_SQL}){inside} GROUP BY q", args).fetchall()
    targets: Counter = Counter()
    for person, platform, category, site, count in db.execute(
            f"SELECT person, platform, category, site, COUNT(*) FROM urges{inside} GROUP BY 1, 2, 3, 4", args):
        targets[target_of(person, platform, category, site)] += count
    triggers = Counter(dict(db.execute(f"SELECT trigger, COUNT(*) FROM urges{inside} AND trigger IS NOT NULL "
                                       "AND trigger != '' GROUP BY trigger", args).fetchall()))
    # The time index alone answers this one; the gaps are found in Python, faster than a window function.
    times = [seconds for (seconds,) in db.execute(f"SELECT {SECONDS} FROM urges{inside} ORDER BY time", args)]
    first, last = (times[0], times[-1]) if times else (None, None)
    gap = max(map(operator.sub, times[1:], times), default=0)
    previous_span, previous_args = where(since - (until - since), since)
    previous = db.execute(f"SELECT COUNT(*) FROM urges{previous_span}", previous_args).fetchone()[0]
    before, before_args = where(None, until)
    last_contact, = db.execute(f"SELECT MAX(time) FROM urges{before} AND source = '{CONTACT}'",
                               before_args).fetchone()
    began, = db.execute(BEGAN_SQL).fetchone()
    sources = Counter(dict(db.execute(f"SELECT source, COUNT(*) FROM urges{inside} GROUP BY source", args).fetchall()))
    total = sum(row[1] for row in quarters)
    ridden_out, contacted, blocked_only = (int(sum(row[i] for row in quarters)) for i in range(4, 7))
    opened = int(sum(row[3] for row in quarters) + sum(looks for *_, looks in later))
    cells = {q: [n, int(windows)] for q, n, windows, *_ in quarters}
    for q, windows, _ in later:
        cells.setdefault(q, [0, 0])[1] += windows
    return Tally(
        quarters=tuple((q, n, k) for q, (n, k) in sorted(cells.items())),
        total=total, ridden_out=ridden_out, opened=opened, contacted=contacted, blocked_only=blocked_only,
        by_target=_ranked(targets), triggers=_ranked(triggers),
        first=_at(first), last=_at(last), longest_gap=timedelta(seconds=gap), previous=previous,
        last_contact=_moment(last_contact), began=_moment(began), by_source=_ranked(sources),
    )
