"""The review page on the agent's loopback port: the review's figures as charts, the urges, a note form.

Self-contained: inline CSS, charts drawn here as inline SVG, no script and no
external resource (works offline, leaks nothing). Calm per tone.md: the soft
green of the block pages, nothing red, encouraging figures first. Everything
shown is escaped; a person appears only as their alias, a category in words.
The charts' labels are sized for a phone: larger in the chart's own units where
the chart is drawn small.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, tzinfo
from html import escape
from urllib.parse import urlencode

from agent import tally
from agent.engine.categories import site_words
from agent.review import WEEKDAYS, Review, detail_lines, event_words, headline_lines, last_days, review_of
from agent.store import FILTERS, OUTCOMES, TRIGGERS, Urge, UrgeLog
from agent.web.forms import form_int
from agent.web.pages import STYLE

OUTCOME_WORDS = {
    "closed": "closed, ridden out",
    "waited": "waited, ridden out",
    "blocked": "paused",
    "overridden": "chose to look",
}
# Where an urge came from, in words; a device's own name (a phone) is shown as it is.
SOURCE_WORDS = {"proxy": "browser", "process": "app", "message": "message held back", "contact": "message sent"}
SOURCES = tuple(SOURCE_WORDS)
PAGE_SIZE = 100  # urges listed on one page; the charts count them all
DAYS = 30
DAY_SLOTS = 30  # the day chart keeps room for this many days, so a first day is one bar, not the whole width

REVIEW_STYLE = """
:root { --chart:var(--accent); }
body { display:block; }
main { max-width:56rem; margin:1.5rem auto; }
h2 { font-size:1.1rem; font-weight:600; margin:1.8rem 0 .6rem; }
.lead { font-size:1.2rem; font-weight:600; }
svg { display:block; width:100%; height:auto; }
svg text { fill:var(--soft); font:8px system-ui, sans-serif; }
svg.days { max-width:46rem; } svg.heatmap { max-width:36rem; }
rect.day { fill:var(--chart); }
rect.cell { fill:var(--chart); }
rect.outcome.ridden_out { fill:var(--chart); }
rect.outcome.blocked_only { fill:var(--chart); fill-opacity:.45; }
rect.outcome.opened { fill:var(--soft); fill-opacity:.55; }
.legend { display:flex; flex-wrap:wrap; gap:.4rem 1.2rem; font-size:.9rem; color:var(--soft); }
.swatch { display:inline-block; width:.8rem; height:.8rem; border-radius:3px; background:var(--chart);
          vertical-align:-1px; margin-right:.3rem; }
.swatch.blocked_only { opacity:.45; } .swatch.opened { background:var(--soft); opacity:.55; }
ul.plain { padding-left:1.1rem; margin:.4rem 0; }
form.filters { display:flex; flex-wrap:wrap; gap:.5rem; align-items:end; margin:.6rem 0 1rem; }
form.filters label { display:flex; flex-direction:column; font-size:.85rem; color:var(--soft); flex:1 1 7rem; }
select, input[type=text] { font:inherit; font-size:.95rem; padding:.35rem .4rem; border-radius:8px;
          border:1px solid var(--soft); background:var(--card); color:var(--fg); max-width:100%; }
input::placeholder { color:var(--soft); opacity:1; }
form.filters button, form.note button { padding:.4rem .9rem; font-size:.95rem; background:var(--accent);
          color:var(--on-accent); }
table.urges { width:100%; border-collapse:collapse; font-size:.95rem; }
table.urges th { text-align:left; font-weight:600; color:var(--soft); font-size:.85rem; }
table.urges th, table.urges td { padding:.45rem .4rem; border-bottom:1px solid rgba(127,127,127,.2); vertical-align:top; }
form.note { display:flex; flex-wrap:wrap; gap:.4rem; margin-top:.4rem; }
form.note input[type=text] { flex:1 1 10rem; }
details summary { cursor:pointer; color:var(--accent); font-size:.9rem; }
nav.pages { display:flex; flex-wrap:wrap; gap:.5rem 1.2rem; margin:.8rem 0; }
@media (max-width: 640px) {
  main { margin:.5rem; padding:1.1rem .9rem; border-radius:14px; }
  svg text { font-size:13px; }
  table.urges thead { display:none; }
  table.urges, table.urges tbody, table.urges tr, table.urges td { display:block; width:100%; }
  table.urges tr { border-bottom:1px solid rgba(127,127,127,.3); padding:.5rem 0; }
  table.urges td { border:0; padding:.15rem 0; }
  table.urges td::before { content:attr(data-label) ": "; color:var(--soft); font-size:.85rem; }
  table.urges td.note::before { content:""; }
}
"""


def _attrs(**values) -> str:
    return "".join(f" {name.replace('_', '-')}='{escape(str(value))}'" for name, value in values.items())


def _day_chart(review: Review) -> str:
    """One bar (<rect class='day'>) per local day; a faint sliver for a day without urges."""
    slot, height, base, pad = 10, 56, 58, 24
    most = max((count for _, count in review.per_day), default=0) or 1
    faint = " fill-opacity='.18'"
    parts = []
    for index, (day, count) in enumerate(review.per_day):
        bar = max(1.0, round(count / most * height, 1))
        words = f"{day.strftime('%a %d %b')}: {count} {'urge' if count == 1 else 'urges'}"
        parts.append(f"<rect class='day'{_attrs(x=index * slot + 1, y=base - bar, width=slot - 2, height=bar, rx=1.5)}"
                     f"{_attrs(data_date=day.isoformat(), data_count=count)}"
                     f"{faint if not count else ''}><title>{escape(words)}</title></rect>")
        if index % 7 == 0:
            parts.append(f"<text x='{index * slot + 1}' y='{base + 14}'>{escape(day.strftime('%d %b'))}</text>")
    width = max(DAY_SLOTS, len(review.per_day)) * slot + pad  # room for the last label
    label = "Urges per day"
    return (f"<svg class='days' viewBox='0 0 {width} {base + 18}' role='img' aria-label='{label}'>"
            + "".join(parts) + "</svg>")


def _heatmap(review: Review) -> str:
    """7 x 24 cells (<rect class='cell'>), Monday first; a stronger green for more urges. The rows are
    taller than the cells are wide, so a weekday's label fits beside its row on a phone."""
    size, tall, gap, left, top = 10, 14, 1, 35, 16
    most = max(max(row) for row in review.by_weekday_hour) or 1
    parts = []
    for hour in range(0, 24, 3):
        parts.append(f"<text x='{left + hour * (size + gap)}' y='{top - 4}'>{hour:02d}</text>")
    for day, row in enumerate(review.by_weekday_hour):
        y = top + day * (tall + 2 * gap)
        parts.append(f"<text x='1' y='{y + tall / 2}' dominant-baseline='central'>{WEEKDAYS[day]}</text>")
        for hour, count in enumerate(row):
            opacity = round(0.25 + 0.75 * count / most, 2) if count else 0.07
            words = f"{WEEKDAYS[day]} {hour:02d}:00: {count} {'urge' if count == 1 else 'urges'}"
            parts.append(f"<rect class='cell'{_attrs(x=left + hour * (size + gap), y=y, width=size, height=tall)}"
                         f"{_attrs(rx=2, fill_opacity=opacity, data_weekday=day, data_hour=hour, data_count=count)}>"
                         f"<title>{escape(words)}</title></rect>")
    width, height = left + 24 * (size + gap), top + 7 * (tall + 2 * gap)
    return (f"<svg class='heatmap' viewBox='0 0 {width} {height}' role='img' aria-label='Urges by hour and weekday'>"
            + "".join(parts) + "</svg>")


def _outcomes(review: Review) -> str:
    """One proportion bar: ridden out, paused, chose to look."""
    kinds = (("ridden_out", "ridden out", review.ridden_out), ("blocked_only", "paused by nocontact",
             review.blocked_only), ("opened", "chose to look", review.opened))
    total = review.total or 1
    x, rects, legend = 0.0, [], []
    for kind, words, count in kinds:
        width = round(count / total * 100, 2)
        rects.append(f"<rect class='outcome {kind}'{_attrs(x=x, y=0, width=width, height=8, data_count=count)}>"
                     f"<title>{escape(f'{count} {words}')}</title></rect>")
        legend.append(f"<span><span class='swatch {kind}'></span>{count} {escape(words)}</span>")
        x += width
    return (f"<svg class='outcomes' viewBox='0 0 100 8' preserveAspectRatio='none' role='img'"
            f" aria-label='Ridden out and opened' style='height:1.2rem'>{''.join(rects)}</svg>"
            f"<p class='legend'>{''.join(legend)}</p>")


def _select(name: str, label: str, options: list[tuple[str, str]], chosen: str) -> str:
    items = [f"<option value=''>{'any' if name in FILTERS else label}</option>"]
    for value, words in options:
        selected = " selected" if value == chosen else ""
        items.append(f"<option value='{escape(value)}'{selected}>{escape(words)}</option>")
    return f"<select name='{name}'>{''.join(items)}</select>"


def _filter_form(options: Mapping[str, Iterable[str | None]], chosen: Mapping[str, str]) -> str:
    def values(name: str, extra: tuple[str, ...] = ()) -> list[str]:
        found = {value for value in options.get(name, ()) if value} | set(extra)
        if chosen.get(name):
            found.add(chosen[name])
        return sorted(found)

    options = {
        "person": [(v, v) for v in values("person")],
        "category": [(v, site_words(v)) for v in values("category")],
        "source": [(v, SOURCE_WORDS.get(v, v)) for v in values("source", SOURCES)],
        "outcome": [(v, OUTCOME_WORDS.get(v, v)) for v in OUTCOMES],
    }
    labels = {"person": "Person", "category": "Category", "source": "Source", "outcome": "Outcome"}
    fields = "".join(f"<label>{labels[name]}{_select(name, labels[name], options[name], chosen.get(name, ''))}</label>"
                     for name in FILTERS)
    return f"<form class='filters' method='get'>{fields}<button type='submit'>Show</button></form>"


def _note_form(urge: Urge, *, token: str, post_path: str, open_: bool) -> str:
    triggers = [(t, t) for t in TRIGGERS]
    current = "" if urge.intensity_before is None else str(urge.intensity_before)
    levels = [(str(n), f"{n} of 10") for n in range(11)]
    summary = "change the note" if (urge.note or urge.trigger or urge.intensity_before is not None) else "add a note"
    return (
        f"<details id='note-{urge.id}'{' open' if open_ else ''}><summary>{summary}</summary>"
        f"<form class='note' method='post' action='{escape(post_path)}'>"
        f"<input type='hidden' name='urge' value='{urge.id}'><input type='hidden' name='token' value='{escape(token)}'>"
        f"{_select('trigger', 'what set it off?', triggers, urge.trigger or '')}"
        f"{_select('intensity_before', 'how strong?', levels, current)}"
        f"<input type='text' name='note' maxlength='500' placeholder='a few words (optional)'"
        f" value='{escape(urge.note or '')}' aria-label='a few words (optional)'>"
        f"<button type='submit'>Save</button></form></details>"
    )


def _urge_rows(review: Review, urges: list[Urge], *, token: str, post_path: str, open_note: int | None) -> str:
    rows = []
    for urge in urges:
        noted = [escape(part) for part in (urge.trigger, urge.note) if part]
        if urge.intensity_before is not None:
            noted.append(f"strength {urge.intensity_before} of 10")
        cells = (
            ("When", escape(urge.time.astimezone(review.tz).strftime("%a %d %b %H:%M"))),
            ("What", escape(urge.target)),
            ("Source", escape(SOURCE_WORDS.get(urge.source, urge.source))),
            ("Outcome", escape(OUTCOME_WORDS.get(urge.outcome, urge.outcome))),
            ("Repeats", str(int(urge.repeats))),
        )
        tds = "".join(f"<td data-label='{label}'>{value}</td>" for label, value in cells)
        note = (f"<div>{' · '.join(noted)}</div>" if noted else "") + _note_form(
            urge, token=token, post_path=post_path, open_=urge.id == open_note)
        rows.append(f"<tr id='urge-{urge.id}'>{tds}<td class='note' data-label='Note'>{note}</td></tr>")
    return "".join(rows)


@dataclass(frozen=True, slots=True)
class Paging:
    """Which page of the urges chosen is shown: 1 is the newest."""
    page: int
    pages: int
    total: int  # urges chosen, on every page

    def link(self, page: int, chosen: Mapping[str, str]) -> str:
        return "?" + urlencode({**chosen, "page": page})


def _paging_html(paging: Paging | None, shown: int, chosen: Mapping[str, str]) -> str:
    if paging is None or paging.pages <= 1:
        return ""
    links = []
    if paging.page < paging.pages:
        links.append(f"<a href='{escape(paging.link(paging.page + 1, chosen))}' rel='next'>Earlier urges</a>")
    if paging.page > 1:
        links.append(f"<a href='{escape(paging.link(paging.page - 1, chosen))}' rel='prev'>Later urges</a>")
        links.append(f"<a href='{escape(paging.link(1, chosen))}'>The latest</a>")
    where = "the latest" if paging.page == 1 else f"page {paging.page} of {paging.pages}, newest first"
    return (f"<nav class='pages' aria-label='More urges'><span class='soft'>{shown} of {paging.total:,} urges: "
            f"{where}.</span>{''.join(links)}</nav>")


def review_html(review: Review, urges: list[Urge], *, note_token: str, post_path: str,
                filters: Mapping[str, str] | None = None, open_note: int | None = None,
                options: Mapping[str, Iterable[str | None]] | None = None, paging: Paging | None = None) -> str:
    """The review page. `urges` is the list to show (already filtered by the caller);
    `filters` the current GET choices (person, category, source, outcome) to keep selected;
    `open_note` an urge id whose note form starts open (the block page's "add a note" link).
    `options`: the people, categories and sources the filters offer (those of `urges` if not given);
    `paging`: where `urges` is one page of more.
    Note forms POST urge, token, trigger, intensity_before and note to `post_path`."""
    chosen = {k: v for k, v in (filters or {}).items() if k in FILTERS and v}
    if options is None:
        options = {name: [getattr(u, name) for u in urges] for name in ("person", "category", "source")}
    lead, *rest = headline_lines(review)
    figures = f"<p class='lead'>{escape(lead)}</p>" + "".join(f"<p>{escape(line)}</p>" for line in rest)
    details = "".join(f"<p class='soft'>{escape(line)}</p>" for line in detail_lines(review))
    lists = ""
    if review.by_target:
        lists += "<h2>Where they led</h2><ul class='plain'>" + "".join(
            f"<li>{escape(target)}: {count}</li>" for target, count in review.by_target) + "</ul>"
    if review.triggers:
        lists += "<h2>What set them off, from your notes</h2><ul class='plain'>" + "".join(
            f"<li>{escape(trigger)}: {count}</li>" for trigger, count in review.triggers) + "</ul>"
    if review.guard_events:
        lists += "<h2>Times the protection was lowered</h2><p class='soft'>Noted, not judged.</p><ul class='plain'>" + "".join(
            f"<li>{escape(event_words(event))}</li>" for event in review.guard_events) + "</ul>"
    if urges:
        table = (
            "<table class='urges'><thead><tr><th>When</th><th>What</th><th>Source</th><th>Outcome</th>"
            "<th>Repeats</th><th>Note</th></tr></thead><tbody>"
            + _urge_rows(review, urges, token=note_token, post_path=post_path, open_note=open_note)
            + "</tbody></table>"
        )
    else:
        table = "<p class='soft'>No urges match these choices.</p>"
    body = (
        "<h1>Looking back</h1>" + figures + details
        + "<h2>Urges per day</h2>" + _day_chart(review)
        + "<h2>When they came</h2><p class='soft'>Hour of day by weekday; the stronger the green, the more urges.</p>" + _heatmap(review)
        + "<h2>Ridden out and opened</h2>" + _outcomes(review)
        + lists
        + "<h2>The urges</h2>" + _filter_form(options, chosen) + table + _paging_html(paging, len(urges), chosen)
        + "<p class='soft'>Notes are yours: a trigger, how strong it felt, a few words. Each takes a moment.</p>"
        + "<p class='soft'><a href='/'>nocontact's home page</a></p>"
    )
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        "<meta name='robots' content='noindex'><title>Looking back · nocontact</title>"
        f"<style>{STYLE}{REVIEW_STYLE}</style></head><body><main>{body}</main></body></html>"
    )


def review_page(log: UrgeLog, query: Mapping[str, str], *, now: datetime, tz: tzinfo, note_token: str,
                post_path: str) -> str:
    """The page for the last DAYS days, read from the log: the charts from its counts (SQL), one page of
    the urges the query's filters choose (`page`, 1 the newest; `note`: the page of that urge, its form open)."""
    since, until = last_days(DAYS, now=now, tz=tz)
    review = review_of(tally.of_log(log, since, until), log.events(since, until), since=since, until=until, tz=tz)
    chosen = {key: query[key] for key in FILTERS if query.get(key)}
    total = log.count(since, until, **chosen)
    pages = max(1, math.ceil(total / PAGE_SIZE))
    page, note = form_int(query.get("page")), form_int(query.get("note"))
    if page is None and note is not None:
        newer = log.newer(note, since, until, **chosen)
        page = 1 if newer is None else newer // PAGE_SIZE + 1
    page = min(max(page or 1, 1), pages)
    shown = log.urges(since, until, **chosen, limit=PAGE_SIZE, skip=(page - 1) * PAGE_SIZE, newest_first=True)
    return review_html(review, shown[::-1], note_token=note_token, post_path=post_path, filters=chosen,
                       open_note=note, options=log.choices(since, until, **chosen),
                       paging=Paging(page, pages, total))
