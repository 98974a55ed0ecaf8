"""Looking back at the urge log: the figures for `nocontact review` and the review page.

Pure functions, no I/O: the caller passes the log's counts (agent/tally.py; SQLite
counts them, no urge is loaded) or a list of urges, and the guard events. Words follow tone.md: cumulative counts and urges ridden out lead, a
look is never counted as contact, and nothing resets dramatically.

An urge counts once, at the local time of its first attempt; its repeats do not
add urges. The period is [since, until).
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import NamedTuple

from agent.store import Urge
from agent.tally import QUARTER, Tally, from_urges

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
WEEKDAY_PLURALS = ("Mondays", "Tuesdays", "Wednesdays", "Thursdays", "Fridays", "Saturdays", "Sundays")
BLOCKS = " ▏▎▍▌▋▊▉█"  # eighths of a character, for the per-day bars
SHADES = " ░▒▓█"  # the heatmap, from none to the most
BAR_WIDTH = 28
# Guard events (store.events()) in plain, kind words; an unknown kind is shown as it is.
EVENT_WORDS = {
    "stopped": "nocontact was switched off",
    "tampered": "a record was changed outside nocontact",
    "log_set_aside": "the urge log was set aside and a fresh one started",
    "log_removed": "the urge log file was removed",
    "log_replaced": "the urge log file was replaced",
    "log_slow": "the disk was slow to answer",
}


class Trend(NamedTuple):
    previous: int  # urges in the period of the same length just before `since`
    current: int  # urges in this period


class GuardEvent(NamedTuple):
    time: datetime  # local
    kind: str
    detail: str


@dataclass(frozen=True, slots=True)
class Review:
    since: datetime
    until: datetime
    tz: tzinfo
    per_day: tuple[tuple[date, int], ...]  # every local day in [since, until), zeros included
    by_hour: tuple[int, ...]  # 24 counts, local hour of day
    by_weekday_hour: tuple[tuple[int, ...], ...]  # 7 rows (Monday first) of 24 counts
    total: int
    ridden_out: int  # closed or waited
    opened: int  # overridden: a look through a window (never counted as contact)
    contacted: int  # a message sent to them in a window (source "contact"): apart from looks
    blocked_only: int  # paused by the block page, nothing more recorded
    trend: Trend
    longest_stretch_hours: float  # longest time without an urge inside the period, to `until` included
    hardest_hour: int | None  # the local hour with the most urges (earliest on a tie); None without urges
    days_without_opening: int  # local days since a person's profile was last opened (see _days_without_opening)
    days_not_opened: int  # local days of the period on which no person's profile was opened (cumulative)
    by_target: tuple[tuple[str, int], ...]  # "J · instagram" or "dating · tinder.com"; most first
    triggers: tuple[tuple[str, int], ...]  # from the person's notes; most first
    guard_events: tuple[GuardEvent, ...]

    @property
    def days(self) -> int:
        return len(self.per_day)

    def as_json(self) -> dict:
        """Plain JSON types only: dates and times as ISO strings."""
        return {
            "since": self.since.isoformat(),
            "until": self.until.isoformat(),
            "timezone": str(self.tz),
            "total": self.total,
            "ridden_out": self.ridden_out,
            "opened": self.opened,
            "contacted": self.contacted,
            "blocked_only": self.blocked_only,
            "trend": {"previous": self.trend.previous, "current": self.trend.current},
            "longest_stretch_hours": self.longest_stretch_hours,
            "hardest_hour": self.hardest_hour,
            "days_without_opening": self.days_without_opening,
            "days_not_opened": self.days_not_opened,
            "per_day": [[day.isoformat(), count] for day, count in self.per_day],
            "by_hour": list(self.by_hour),
            "by_weekday_hour": [list(row) for row in self.by_weekday_hour],
            "by_target": dict(self.by_target),
            "triggers": dict(self.triggers),
            "guard_events": [{"time": e.time.isoformat(), "kind": e.kind, "detail": e.detail}
                             for e in self.guard_events],
        }


def last_days(days: int, *, now: datetime, tz: tzinfo) -> tuple[datetime, datetime]:
    """The period for `--since Nd`: from local midnight N-1 days ago (today included) until now."""
    today = now.astimezone(tz).date()
    start = today - timedelta(days=days - 1)
    return datetime(start.year, start.month, start.day, tzinfo=tz), now


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def _last_day(until: datetime, tz: tzinfo) -> date:
    """The local day the period ends on (`until` itself is excluded)."""
    return (until - timedelta(microseconds=1)).astimezone(tz).date()


def _local_days(since: datetime, until: datetime, tz: tzinfo) -> list[date]:
    day, last = since.astimezone(tz).date(), _last_day(until, tz)
    days = []
    while day <= last:
        days.append(day)
        day += timedelta(days=1)
    return days


def _days_without_opening(tally: Tally, since: datetime, until: datetime, tz: tzinfo) -> int:
    """Local calendar days from the last opening of a person's profile to the period's last day.

    Opened today: 0. Never opened: days since the log's first urge or since `since`, the
    earlier. Only a person's profiles count (a dating site opened does not); urges from
    `until` on are not seen.
    """
    start = tally.last_look or min(since, tally.earliest or since)
    return max(0, (_last_day(until, tz) - start.astimezone(tz).date()).days)


def summarise(urges: list[Urge], events: list[tuple[str, str, str]], *, since: datetime, until: datetime,
              tz: tzinfo, previous: list[Urge] | None = None) -> Review:
    """The figures for [since, until), in local time `tz`, from a list of urges.

    `urges` may hold more than the period (e.g. the whole log): only the period is
    counted, and earlier urges serve for the trend and "days without opening".
    `previous` (optional) holds more urges for those two figures, e.g. when `urges`
    was read with `since`. `events` are store.events() rows: (UTC ISO time, kind, detail).
    A log counts its own urges (`UrgeLog.tally`) for `review_of`, to the same figures.
    """
    return review_of(from_urges([*(previous or []), *urges], since, until), events, since=since, until=until, tz=tz)


def review_of(tally: Tally, events: list[tuple[str, str, str]], *, since: datetime, until: datetime,
              tz: tzinfo) -> Review:
    """The figures for [since, until) in local time `tz`, from the counts of agent/tally.py."""
    # Real elapsed time throughout (UTC): two times in one zone would otherwise subtract as wall-clock times.
    since, until = _utc(since), _utc(until)
    days = _local_days(since, until, tz)
    per_day: Counter = Counter()
    by_hour = [0] * 24
    grid = [[0] * 24 for _ in range(7)]
    opened_days = set()
    for quarter, count, looks in tally.quarters:
        moment = datetime.fromtimestamp(quarter * QUARTER, UTC).astimezone(tz)
        per_day[moment.date()] += count
        by_hour[moment.hour] += count
        grid[moment.weekday()][moment.hour] += count
        if looks:
            opened_days.add(moment.date())
    if tally.total:
        longest = max(tally.first - since, tally.longest_gap, until - tally.last)
    else:
        longest = until - since
    guard = []
    for time, kind, detail in events:
        moment = _utc(datetime.fromisoformat(time))
        if since <= moment < until:
            guard.append(GuardEvent(moment.astimezone(tz), kind, detail or ""))

    return Review(
        since=since.astimezone(tz),
        until=until.astimezone(tz),
        tz=tz,
        per_day=tuple((day, per_day[day]) for day in days),
        by_hour=tuple(by_hour),
        by_weekday_hour=tuple(tuple(row) for row in grid),
        total=tally.total,
        ridden_out=tally.ridden_out,
        opened=tally.opened,
        contacted=tally.contacted,
        blocked_only=tally.blocked_only,
        trend=Trend(tally.previous, tally.total),
        longest_stretch_hours=round(longest.total_seconds() / 3600, 1),
        hardest_hour=max(range(24), key=lambda hour: (by_hour[hour], -hour)) if tally.total else None,
        days_without_opening=_days_without_opening(tally, since, until, tz),
        days_not_opened=sum(1 for day in days if day not in opened_days),
        by_target=tally.by_target,
        triggers=tally.triggers,
        guard_events=tuple(guard),
    )


# --- the terminal summary ---------------------------------------------------


def plural(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one if count == 1 else (many or one + 's')}"


def _span_words(hours: float) -> str:
    whole = int(round(hours))
    days, rest = divmod(whole, 24)
    if days and rest:
        return f"{plural(days, 'day')} {plural(rest, 'hour')}"
    if days:
        return plural(days, "day")
    return plural(whole, "hour") if whole else "under an hour"


def _bar(count: int, most: int) -> str:
    if not count:
        return ""
    eighths = max(1, round(count / most * BAR_WIDTH * 8))
    full, part = divmod(eighths, 8)
    return BLOCKS[-1] * full + (BLOCKS[part] if part else "")


def _period_words(review: Review) -> str:
    return f"the previous {plural(review.days, 'day')}"


def trend_words(review: Review) -> str:
    """The trend, worded gently; shared by the terminal and the page."""
    previous, current = review.trend
    period = _period_words(review)
    if current < previous:
        return f"Fewer urges than {period}: {current} vs {previous}."
    if current == previous:
        if not current:
            return f"No urges here or in {period}."
        return f"About the same as {period}: {current} vs {previous}."
    more = "A few more" if current - previous <= max(3, previous // 4) else "More"
    return f"{more} than {period}: {current} vs {previous}; that happens, and it passes."


def hour_words(hour: int) -> str:
    return f"{hour:02d}:00"


def busiest_cell(review: Review) -> tuple[int, int, int] | None:
    """(weekday, hour, count) of the busiest hour of the week, or None without urges."""
    cells = [(count, -day, -hour) for day, row in enumerate(review.by_weekday_hour) for hour, count in enumerate(row)]
    count, day, hour = max(cells)
    return (-day, -hour, count) if count else None


def event_words(event: GuardEvent) -> str:
    what = EVENT_WORDS.get(event.kind, event.kind)
    detail = f" — {event.detail}" if event.detail else ""
    return f"{event.time.strftime('%a %d %b %H:%M')}: {what}{detail}"


def headline_lines(review: Review) -> list[str]:
    """The encouraging, cumulative figures that lead, on the terminal and the page."""
    days = plural(review.days, "day")
    lines = []
    if review.ridden_out:
        lines.append(f"You rode out {plural(review.ridden_out, 'urge')} in the last {days}.")
    elif review.total:
        lines.append(f"{plural(review.total, 'urge')} caught and logged in the last {days}; each one shows a pattern.")
    else:
        lines.append(f"No urges logged in the last {days}. A quiet stretch.")
    lines.append(f"On {review.days_not_opened} of {plural(review.days, 'day')} you didn't open their profile.")
    if review.total:
        parts = [f"{review.ridden_out} ridden out (closed or waited)",
                 f"{review.blocked_only} paused by nocontact"]
        if review.opened:
            parts.append(f"{plural(review.opened, 'time')} you chose to look")
        if review.contacted:
            parts.append(f"{plural(review.contacted, 'message')} you chose to send in a window")
        lines.append(f"{plural(review.total, 'urge')} in all: " + ", ".join(parts) + ".")
        if review.opened:
            lines.append("A look is information, not contact.")
    return lines


def detail_lines(review: Review) -> list[str]:
    """Trend, stretch, hardest hour, days without opening: the rest of the summary, as sentences."""
    lines = [trend_words(review),
             f"Longest stretch without an urge: {_span_words(review.longest_stretch_hours)}."]
    if review.hardest_hour is not None:
        line = f"Most urges came around {hour_words(review.hardest_hour)}"
        cell = busiest_cell(review)
        if cell and cell[2] > 1:
            line += f"; the busiest hour of the week was {WEEKDAY_PLURALS[cell[0]]} around {hour_words(cell[1])}"
        lines.append(line + ". It can help to plan something kind for that time.")
    lines.append(f"Days in a row, up to today, without opening their profile: {review.days_without_opening}.")
    return lines


def _chart_rows(review: Review) -> list[tuple[str, int]]:
    if review.days <= 31:
        return [(day.strftime("%a %d %b"), count) for day, count in review.per_day]
    rows = []
    for start in range(0, review.days, 7):
        week = review.per_day[start:start + 7]
        rows.append((week[0][0].strftime("wk %d %b"), sum(count for _, count in week)))
    return rows


def _heatmap_lines(review: Review) -> list[str]:
    most = max(max(row) for row in review.by_weekday_hour)
    header = "     " + "".join(f"{hour:<2d}" if hour % 3 == 0 else "  " for hour in range(24))
    lines = [header.rstrip()]
    for day, row in enumerate(review.by_weekday_hour):
        shades = "".join(SHADES[math.ceil(count / most * 4) if most else 0] * 2 for count in row)
        lines.append(f"{WEEKDAYS[day]}  {shades}".rstrip())
    lines.append(f"     {SHADES[1]} fewer   {SHADES[4]} most ({most} in one hour)")
    return lines


def render_terminal(review: Review) -> str:
    """A readable summary for `nocontact review`, encouraging figures first."""
    out = [*headline_lines(review), ""]
    out += [*detail_lines(review), ""]

    unit = "day" if review.days <= 31 else "week"
    out.append(f"Urges per {unit}:")
    rows = _chart_rows(review)
    most = max((count for _, count in rows), default=0)
    for label, count in rows:
        out.append(f"  {label}  {_bar(count, most)} {count}".rstrip() if count else f"  {label}  ·")
    out.append("")

    if review.total:
        out.append("When they came (hour of day, by weekday):")
        out += ["  " + line for line in _heatmap_lines(review)]
        out.append("")
        out.append("Where they led: " + ", ".join(f"{target} {count}" for target, count in review.by_target) + ".")
    if review.triggers:
        out.append("What set them off, from your notes: "
                   + ", ".join(f"{trigger} {count}" for trigger, count in review.triggers) + ".")
    if review.guard_events:
        out.append("")
        out.append("Times the protection was lowered (noted, not judged):")
        out += [f"  {event_words(event)}" for event in review.guard_events]
    return "\n".join(out).rstrip() + "\n"
