"""Looking back at the urge log: the figures for `nocontact review` and the review page.

Pure functions, no I/O: the caller passes the log's counts (agent/tally.py; SQLite
counts them, no urge is loaded) or a list of urges, and the guard events. Words
follow tone.md: cumulative counts and urges ridden out lead, a look is never
counted as contact, no figure drops to zero because of a look, and nothing
resets dramatically.

An urge counts once, at the local time of its first attempt; its repeats do not
add urges. A window the person chose counts when it opened, which may be a later
day than its urge's. The period is [since, until), and never starts before the log began:
no day before nocontact was there is counted as a quiet one.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping
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
    previous: int | None  # urges in the period of the same length just before `since`; None: the log began since
    current: int  # urges in this period


class GuardEvent(NamedTuple):
    time: datetime  # local
    kind: str
    detail: str


@dataclass(frozen=True, slots=True)
class Review:
    since: datetime  # the period's start: the one asked for, or when the log began if that was later
    until: datetime
    tz: tzinfo
    from_beginning: bool  # the period was asked to start before the log began, and starts when it began
    per_day: tuple[tuple[date, int], ...]  # every local day in [since, until), zeros included
    by_hour: tuple[int, ...]  # 24 counts, local hour of day
    by_weekday_hour: tuple[tuple[int, ...], ...]  # 7 rows (Monday first) of 24 counts
    total: int
    ridden_out: int  # closed or waited
    opened: int  # overridden: a look through a window opened in the period (never counted as contact)
    contacted: int  # a message sent to them in a window (source "contact"): apart from looks
    blocked_only: int  # paused by the block page, nothing more recorded
    trend: Trend
    longest_stretch_hours: float  # longest time without an urge inside the period, to `until` included
    hardest_hour: int | None  # the local hour with the most urges (earliest on a tie); None without urges
    days_without_contact: int  # local days in a row, today included, with no message sent to them (a look counts not)
    days_no_window: int  # local days of the period on which no window opened (cumulative)
    by_target: tuple[tuple[str, int], ...]  # "J · instagram" or "dating site · tinder.com"; most first
    triggers: tuple[tuple[str, int], ...]  # from the person's notes; most first
    guard_events: tuple[GuardEvent, ...]
    by_source: tuple[tuple[str, int], ...] = ()  # where urges came from: the computer's sources, or a device

    @property
    def days(self) -> int:
        return len(self.per_day)

    def as_json(self) -> dict:
        """Plain JSON types only: dates and times as ISO strings."""
        return {
            "since": self.since.isoformat(),
            "until": self.until.isoformat(),
            "timezone": str(self.tz),
            "from_beginning": self.from_beginning,
            "total": self.total,
            "ridden_out": self.ridden_out,
            "opened": self.opened,
            "contacted": self.contacted,
            "blocked_only": self.blocked_only,
            "trend": {"previous": self.trend.previous, "current": self.trend.current},
            "longest_stretch_hours": self.longest_stretch_hours,
            "hardest_hour": self.hardest_hour,
            "days_without_contact": self.days_without_contact,
            "days_no_window": self.days_no_window,
            "per_day": [[day.isoformat(), count] for day, count in self.per_day],
            "by_hour": list(self.by_hour),
            "by_weekday_hour": [list(row) for row in self.by_weekday_hour],
            "by_target": dict(self.by_target),
            "triggers": dict(self.triggers),
            "by_source": dict(self.by_source),
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
    """Every local day from `since`'s to `until`'s (excluded), at least one."""
    day = since.astimezone(tz).date()
    last = max(day, _last_day(until, tz))
    days = []
    while day <= last:
        days.append(day)
        day += timedelta(days=1)
    return days


def _days_without_contact(tally: Tally, since: datetime, until: datetime, tz: tzinfo) -> int:
    """Local days in a row, up to the period's last day and including it, with no message sent to them.

    A message sent today: 0. None ever: every day since the log began (or since `since`, when
    that is not known), today included. A look, a blocked attempt, an opened window leave it as
    it is: only contact counts. Urges from `until` on are not seen.
    """
    last = _last_day(until, tz)
    if tally.last_contact is not None:
        return max(0, (last - tally.last_contact.astimezone(tz).date()).days)
    return max(0, (last - (tally.began or since).astimezone(tz).date()).days + 1)


COMPUTER_SOURCES = ("proxy", "process", "message", "contact")  # any other source is a device's name


def summarise(urges: list[Urge], events: list[tuple[str, str, str]], *, since: datetime, until: datetime,
              tz: tzinfo, previous: list[Urge] | None = None, began: datetime | None = None,
              opened: Mapping[int, datetime] | None = None) -> Review:
    """The figures for [since, until), in local time `tz`, from a list of urges.

    `urges` may hold more than the period (e.g. the whole log): only the period is
    counted, and earlier urges serve for the trend and "days without contact".
    `previous` (optional) holds more urges for those two figures, e.g. when `urges`
    was read with `since`. `events` are store.events() rows: (UTC ISO time, kind, detail).
    `began`: when the log began, if known (no time before it is counted).
    `opened`: when each urge's window opened (tally.window_times of the log's steps); without it, at the urge's time.
    A log counts its own urges (`tally.of_log`) for `review_of`, to the same figures.
    """
    counts = from_urges([*(previous or []), *urges], since, until, began, opened)
    return review_of(counts, events, since=since, until=until, tz=tz)


def review_of(tally: Tally, events: list[tuple[str, str, str]], *, since: datetime, until: datetime,
              tz: tzinfo) -> Review:
    """The figures for [since, until) in local time `tz`, from the counts of agent/tally.py."""
    # Real elapsed time throughout (UTC): two times in one zone would otherwise subtract as wall-clock times.
    asked, until = _utc(since), _utc(until)
    # No time before the log began is counted: not as quiet days, not as a stretch, not as a period to compare.
    since = min(max(asked, tally.began or asked), until)
    comparable = tally.began is None or tally.began <= asked - (until - asked)
    days = _local_days(since, until, tz)
    per_day: Counter = Counter()
    by_hour = [0] * 24
    grid = [[0] * 24 for _ in range(7)]
    opened_days = set()
    for quarter, count, windows in tally.quarters:
        moment = datetime.fromtimestamp(quarter * QUARTER, UTC).astimezone(tz)
        per_day[moment.date()] += count
        by_hour[moment.hour] += count
        grid[moment.weekday()][moment.hour] += count
        if windows:
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
        from_beginning=since > asked,
        per_day=tuple((day, per_day[day]) for day in days),
        by_hour=tuple(by_hour),
        by_weekday_hour=tuple(tuple(row) for row in grid),
        total=tally.total,
        ridden_out=tally.ridden_out,
        opened=tally.opened,
        contacted=tally.contacted,
        blocked_only=tally.blocked_only,
        trend=Trend(tally.previous if comparable else None, tally.total),
        longest_stretch_hours=round(longest.total_seconds() / 3600, 1),
        hardest_hour=max(range(24), key=lambda hour: (by_hour[hour], -hour)) if tally.total else None,
        days_without_contact=_days_without_contact(tally, since, until, tz),
        days_no_window=sum(1 for day in days if day not in opened_days),
        by_target=tally.by_target,
        triggers=tally.triggers,
        guard_events=tuple(guard),
        by_source=tally.by_source,
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


def span_words(review: Review) -> str:
    """The period in words: "in the last 30 days", or "in your first 3 days with nocontact" when the log began
    inside it (nothing before that is counted)."""
    if review.from_beginning:
        return "on your first day with nocontact" if review.days == 1 else f"in your first {review.days} days with nocontact"
    return "today" if review.days == 1 else f"in the last {review.days} days"


def trend_words(review: Review) -> str:
    """The trend, worded gently; shared by the terminal and the page."""
    previous, current = review.trend
    if previous is None:
        if review.from_beginning:
            when = "today" if review.days == 1 else f"on {review.since.strftime('%a %d %b')}"
            return f"Nothing to compare with yet: nocontact began {when}."
        return f"Nothing to compare with yet: nocontact began less than {plural(review.days, 'day')} before this."
    period = f"the previous {plural(review.days, 'day')}"
    if current < previous:
        return f"Fewer urges than {period}: {current} vs {previous}."
    if current == previous:
        if not current:
            return f"No urges here or in {period}."
        return f"About the same as {period}: {current} vs {previous}."
    more = "A few more" if current - previous <= max(3, previous // 4) else "More"
    return f"{more} than {period}: {current} vs {previous}; that happens, and it passes."


def outcome_line(total: int, ridden_out: int, paused: int, opened: int, contacted: int) -> str:
    """What became of the urges, said only as far as it is known, and no part that is none:
    "5 urges in all: 2 ridden out (closed or waited), 3 paused by nocontact and left at that." A page
    closed with its tab is an urge paused and left at that: nothing more is known of it, and nothing
    more happened."""
    parts = [(count, listed, alone) for count, listed, alone in (
        (ridden_out, f"{ridden_out} ridden out (closed or waited)", "ridden out (closed or waited)"),
        (paused, f"{paused} paused by nocontact and left at that", "paused by nocontact and left at that"),
        (opened, f"{plural(opened, 'time')} you chose to look", "a time you chose to look"),
        (contacted, f"{plural(contacted, 'message')} you chose to send in a window",
         "a message you chose to send in a window"),
    ) if count]
    if not parts:
        return f"{plural(total, 'urge')}."
    if len(parts) == 1 and parts[0][0] == total:
        return f"{plural(total, 'urge')}, {'each ' if total > 1 else ''}{parts[0][2]}."
    return f"{plural(total, 'urge')} in all: " + ", ".join(listed for _, listed, _ in parts) + "."


def urges_line(urges: list[Urge]) -> str:
    """`outcome_line` for a list of urges (`nocontact urges`)."""
    outcomes = Counter("contact" if u.source == "contact" else u.outcome for u in urges)
    return outcome_line(len(urges), outcomes["closed"] + outcomes["waited"], outcomes["blocked"],
                        outcomes["overridden"], outcomes["contact"])


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
    """The encouraging, cumulative figures that lead, on the terminal and the page. None of them
    drops to zero because of a look."""
    span = span_words(review)
    lines = []
    if review.ridden_out:
        lines.append(f"You rode out {plural(review.ridden_out, 'urge')} {span}.")
    elif review.total:
        lines.append(f"{plural(review.total, 'urge')} caught and logged {span}; each one shows a pattern.")
    else:
        lines.append(f"No urges logged {span}. {'A quiet start.' if review.from_beginning else 'A quiet stretch.'}")
    if review.days == 1 and review.days_no_window:
        lines.append(f"No window was opened {span}.")
    elif review.days > 1 and review.days_no_window:
        lines.append(f"On {review.days_no_window} of {review.days} days every window stayed closed.")
    if review.days_without_contact:
        lines.append(f"Days without contact, as far as nocontact can tell: {review.days_without_contact}.")
    else:
        lines.append("A message went to them today. Each day without contact counts from here.")
    if review.total:
        lines.append(outcome_line(review.total, review.ridden_out, review.blocked_only, review.opened,
                                  review.contacted))
        if review.opened:
            lines.append("A look is information, not contact.")
    return lines


def device_words(review: Review) -> str | None:
    """Which of the urges came from the person's phone or other devices; None when none did."""
    devices = [(source, count) for source, count in review.by_source if source not in COMPUTER_SOURCES]
    if not devices:
        return None
    return "From your devices: " + ", ".join(f"{name} {count}" for name, count in devices) + "."


def detail_lines(review: Review) -> list[str]:
    """Trend, stretch, hardest hour, devices: the rest of the summary, as sentences."""
    lines = [trend_words(review),
             f"Longest stretch without an urge: {_span_words(review.longest_stretch_hours)}."]
    if device_words(review):
        lines.append(device_words(review))
    if review.hardest_hour is not None:
        line = f"Most urges came around {hour_words(review.hardest_hour)}"
        cell = busiest_cell(review)
        if cell and cell[2] > 1:
            line += f"; the busiest hour of the week was {WEEKDAY_PLURALS[cell[0]]} around {hour_words(cell[1])}"
        lines.append(line + ". It can help to plan something kind for that time.")
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
