"""The review: a realistic month of urges in a real SQLite log, figures checked against hand-computed values."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from agent import tally
from agent.engine.policy import Decision
from agent.review import EVENT_WORDS, Review, last_days, render_terminal, summarise
from agent.store import TRIGGERS, Urge, UrgeLog
from agent.web.review_page import OUTCOME_WORDS, review_html
from tests.conftest import Clock

TZ = ZoneInfo("Europe/Berlin")  # June 2026 is CEST throughout: UTC+2
SINCE = datetime(2026, 6, 1, tzinfo=TZ)  # a Monday
UNTIL = datetime(2026, 7, 1, tzinfo=TZ)  # 30 days later, excluded
BEGAN = datetime(2026, 4, 20, 12, tzinfo=TZ)  # when the log began: well before the previous period
HOSTILE = "<script>alert('hi')</script>"
STOPPED = "stopped at once by a signal (Ctrl+C, or the service being stopped)"

IG = Decision("https://www.instagram.com/casey.lindqvist/", "block", "person", person="J", platform="instagram",
              rule="profile")
FB = Decision("https://www.facebook.com/profile.php", "block", "person", person="J", platform="facebook", rule="profile")
X = Decision("https://x.com/caseylindq", "block", "person", person="J", platform="x", rule="profile")
TINDER = Decision("https://tinder.com/", "block", "category", category="dating", site="tinder.com", rule="dating list")
BUMBLE = Decision("https://bumble.com/", "block", "category", category="dating", site="bumble.com", rule="dating list")

# Failure and shame words that must never reach the person (tone.md).
FAILURE_WORDS = [r"\bfail", r"relapse", r"\bweak", r"\bagain\b", r"streak", r"\bbroke", r"\bslip", r"\blapse",
                 r"shame", r"\bguilt", r"\breset", r"\bgave in\b", r"\bgive in\b", r"\bcaved?\b", r"\bbad\b",
                 r"\blost\b", r"should have", r"\bred\b", r"#f00", r"crimson"]


def at(text: str) -> float:
    """A local Berlin wall time as the log's clock reading."""
    return datetime.fromisoformat(text).replace(tzinfo=TZ).timestamp()


def add(log: UrgeLog, clock: Clock, when: str, decision: Decision, outcome: str = "blocked", *,
        source: str = "proxy", repeats: int = 1, **note) -> int:
    clock.now = at(when)
    urge_id, new = log.record(decision, decision.url, source)
    assert new
    for _ in range(repeats - 1):  # a single-page app firing more requests: one urge, more repeats
        clock.now += 20
        assert log.record(decision, decision.url, source) == (urge_id, False)
    if outcome != "blocked":
        assert log.set_outcome(urge_id, outcome)
    if note:
        assert log.add_note(urge_id, **note)
    return urge_id


@pytest.fixture
def month(tmp_path):
    """June 2026 for someone a few weeks out, plus the May before it (the previous period)."""
    clock = Clock(BEGAN.timestamp())
    log = UrgeLog(tmp_path / "urges.sqlite3", clock=clock)
    # Before the previous period (May 2 00:00 is its start): never counted.
    add(log, clock, "2026-05-01 23:59", IG)
    # The previous period, 2026-05-02 00:00 to 2026-06-01 00:00 local: 19 urges, both edges inside.
    # (Added in time order: the log treats a second attempt within a minute of the last as a repeat.)
    may = [("2026-05-02 00:00", IG, "closed"), ("2026-05-03 23:15", IG, "closed"), ("2026-05-04 22:40", IG, "closed"),
           ("2026-05-06 23:30", IG, "closed"), ("2026-05-08 21:10", IG, "closed"), ("2026-05-09 23:50", IG, "closed"),
           ("2026-05-10 23:05", IG, "overridden"),  # an earlier look, not the last one
           ("2026-05-11 08:30", TINDER, "blocked"), ("2026-05-13 22:00", IG, "closed"),
           ("2026-05-15 23:20", IG, "closed"), ("2026-05-16 00:40", IG, "closed"), ("2026-05-17 23:45", IG, "closed"),
           ("2026-05-19 12:10", IG, "closed"), ("2026-05-21 22:30", IG, "closed"), ("2026-05-23 23:10", IG, "closed"),
           ("2026-05-24 23:55", IG, "closed"), ("2026-05-26 07:45", BUMBLE, "closed"),
           ("2026-05-29 22:50", IG, "closed"), ("2026-05-31 23:59", IG, "closed")]
    for when, decision, outcome in may:
        add(log, clock, when, decision, outcome)
    clock.now = at("2026-05-20 10:00")
    log.add_event("tampered", "the record of the config in force was changed outside nocontact")  # before June

    # June: 16 urges (local times). Numbers in comments are referred to below.
    ids = {}
    ids[1] = add(log, clock, "2026-06-01 23:10", IG, "closed", repeats=3, trigger="late night")
    ids[2] = add(log, clock, "2026-06-01 23:40", IG, "closed")
    ids[3] = add(log, clock, "2026-06-02 22:15", FB, "waited")
    ids[4] = add(log, clock, "2026-06-04 08:05", TINDER)
    ids[5] = add(log, clock, "2026-06-06 23:05", IG, "overridden", trigger="loneliness", intensity_before=8,
                 note=HOSTILE)
    ids[6] = add(log, clock, "2026-06-07 00:30", IG, "closed")
    ids[7] = add(log, clock, "2026-06-07 23:20", X, "closed", trigger="loneliness")
    ids[8] = add(log, clock, "2026-06-10 12:00", IG, source="process")
    ids[9] = add(log, clock, "2026-06-13 23:45", IG, "closed")
    ids[10] = add(log, clock, "2026-06-14 21:30", FB, "waited", trigger="anniversary or date")
    ids[11] = add(log, clock, "2026-06-14 23:10", IG, "closed", trigger="anniversary or date")
    ids[12] = add(log, clock, "2026-06-15 07:50", BUMBLE, "closed", source="phone")  # through the phone's tunnel
    ids[13] = add(log, clock, "2026-06-19 23:00", IG, "overridden", trigger="after drinking")  # last look at J
    ids[14] = add(log, clock, "2026-06-20 10:15", IG, "closed", trigger="they contacted me")
    ids[15] = add(log, clock, "2026-06-21 23:30", X)
    ids[16] = add(log, clock, "2026-06-25 19:00", TINDER, "overridden", trigger="boredom")  # a site, not J
    clock.now = at("2026-06-12 03:00")
    log.add_event("stopped", STOPPED)
    # Exactly at `until`: outside the period, and not seen by "days without opening".
    add(log, clock, "2026-07-01 00:00", IG, "overridden")
    yield log, ids
    log.close()


# Hand-computed figures for June (local time, CEST).
EXPECTED = {
    "since": "2026-06-01T00:00:00+02:00",
    "until": "2026-07-01T00:00:00+02:00",
    "timezone": "Europe/Berlin",
    "from_beginning": False,  # the log began on 20 Apr, before the period and the one before it
    "total": 16,  # urges 1-16; urge 1's three requests are one urge
    "ridden_out": 10,  # closed 1, 2, 6, 7, 9, 11, 12, 14 and waited 3, 10
    "opened": 3,  # 5 and 13 (J), 16 (tinder.com)
    "contacted": 0,
    "blocked_only": 3,  # 4, 8, 15
    "trend": {"previous": 19, "current": 16},  # May 2 00:00 to May 31 23:59 inclusive; May 1 and July 1 not
    # The longest gap runs from urge 16 (Thu 25 Jun 19:00) to `until` (1 Jul 00:00): 5 days 5 hours. The next
    # longest is 12 -> 13 (15 Jun 07:50 -> 19 Jun 23:00): 111.2 h.
    "longest_stretch_hours": 125.0,
    "hardest_hour": 23,  # 8 urges at 23:xx: 1, 2, 5, 7, 9, 11, 13, 15
    # No message was ever sent to them: every day from 20 Apr (when the log began) to 30 Jun, both included:
    # 11 + 31 + 30 = 72. The looks (urges 5, 13) leave it as it is.
    "days_without_contact": 72,
    "days_no_window": 27,  # 30 days minus 6 Jun (urge 5), 19 Jun (urge 13) and 25 Jun (urge 16, a dating site)
    "per_day": [
        ["2026-06-01", 2], ["2026-06-02", 1], ["2026-06-03", 0], ["2026-06-04", 1], ["2026-06-05", 0],
        ["2026-06-06", 1], ["2026-06-07", 2], ["2026-06-08", 0], ["2026-06-09", 0], ["2026-06-10", 1],
        ["2026-06-11", 0], ["2026-06-12", 0], ["2026-06-13", 1], ["2026-06-14", 2], ["2026-06-15", 1],
        ["2026-06-16", 0], ["2026-06-17", 0], ["2026-06-18", 0], ["2026-06-19", 1], ["2026-06-20", 1],
        ["2026-06-21", 1], ["2026-06-22", 0], ["2026-06-23", 0], ["2026-06-24", 0], ["2026-06-25", 1],
        ["2026-06-26", 0], ["2026-06-27", 0], ["2026-06-28", 0], ["2026-06-29", 0], ["2026-06-30", 0],
    ],
    # 00: urge 6; 07: 12; 08: 4; 10: 14; 12: 8; 19: 16; 21: 10; 22: 3; 23: the eight above.
    "by_hour": [1, 0, 0, 0, 0, 0, 0, 1, 1, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 1, 1, 8],
    "by_weekday_hour": [
        [0] * 7 + [1] + [0] * 15 + [2],  # Mon: 12 at 07; 1 and 2 at 23
        [0] * 22 + [1, 0],  # Tue: 3 at 22
        [0] * 12 + [1] + [0] * 11,  # Wed: 8 at 12
        [0] * 8 + [1] + [0] * 10 + [1] + [0] * 4,  # Thu: 4 at 08, 16 at 19
        [0] * 23 + [1],  # Fri: 13 at 23
        [0] * 10 + [1] + [0] * 12 + [2],  # Sat: 14 at 10; 5 and 9 at 23
        [1] + [0] * 20 + [1, 0, 3],  # Sun: 6 at 00, 10 at 21; 7, 11 and 15 at 23
    ],
    # J · instagram: 1, 2, 5, 6, 8, 9, 11, 13, 14; facebook 3, 10; x 7, 15; tinder 4, 16; bumble 12.
    "by_target": {"J · instagram": 9, "J · facebook": 2, "J · x": 2, "dating site · tinder.com": 2,
                  "dating site · bumble.com": 1},
    "triggers": {"anniversary or date": 2, "loneliness": 2, "after drinking": 1, "boredom": 1, "late night": 1,
                 "they contacted me": 1},
    "guard_events": [{"time": "2026-06-12T03:00:00+02:00", "kind": "stopped", "detail": STOPPED}],
    "by_source": {"proxy": 14, "phone": 1, "process": 1},
}


def review_of(log: UrgeLog) -> Review:
    return summarise(log.urges(), log.events(), since=SINCE, until=UNTIL, tz=TZ, began=BEGAN)


def test_month_figures_match_hand_computed_values(month):
    log, _ = month
    assert review_of(log).as_json() == EXPECTED


def test_previous_urges_can_be_passed_separately(month):
    log, _ = month
    span = UNTIL - SINCE
    review = summarise(log.urges(since=SINCE), log.events(), since=SINCE, until=UNTIL, tz=TZ,
                       previous=log.urges(since=SINCE - span), began=BEGAN)
    assert review.as_json() == EXPECTED


def test_repeats_are_stored_but_count_once(month):
    log, ids = month
    (first,) = [u for u in log.urges() if u.id == ids[1]]
    assert first.repeats == 3 and first.trigger == "late night"
    assert review_of(log).per_day[0][1] == 2


def test_terminal_leads_with_what_was_ridden_out(month):
    log, _ = month
    text = render_terminal(review_of(log))
    lines = text.splitlines()
    assert lines[0] == "You rode out 10 urges in the last 30 days."
    assert lines[1] == "On 27 of 30 days every window stayed closed."
    assert lines[2] == "Days without contact, as far as nocontact can tell: 72."
    for figure in (
        "16 urges in all: 10 ridden out (closed or waited), 3 paused by nocontact and left at that, "
        "3 times you chose to look.",
        "Fewer urges than the previous 30 days: 16 vs 19.",
        "Longest stretch without an urge: 5 days 5 hours.",
        "Most urges came around 23:00; the busiest hour of the week was Sundays around 23:00.",
        "From your devices: phone 1.",
        "Where they led: J · instagram 9, J · facebook 2, J · x 2, dating site · tinder.com 2, "
        "dating site · bumble.com 1.",
        "What set them off, from your notes: anniversary or date 2, loneliness 2,",
        "Fri 12 Jun 03:00: nocontact was switched off — " + STOPPED,
    ):
        assert figure in text, figure
    # One chart row per day; the two-urge days have the longest bars.
    day_rows = [line for line in lines if re.match(r"  (Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d\d Jun  ", line)]
    assert len(day_rows) == 30
    assert day_rows[0].endswith("█" * 28 + " 2") and day_rows[1].endswith("█" * 14 + " 1")
    assert day_rows[2].endswith("·")
    # The heatmap: Sunday 23:00 (3 urges) is the darkest cell; Monday 23:00 (2 urges) a shade lighter.
    sunday = next(line for line in lines if line.startswith("  Sun  "))
    monday = next(line for line in lines if line.startswith("  Mon  "))
    assert sunday[7:] == "▒▒" + "  " * 20 + "▒▒  ██"
    assert monday[7:] == "  " * 7 + "▒▒" + "  " * 15 + "▓▓"


def test_review_page_charts_and_forms(month):
    log, ids = month
    review = review_of(log)
    june = log.urges(since=SINCE, until=UNTIL)
    page = review_html(review, june, note_token="tok-123", post_path="/.well-known/nocontact/note",
                       filters={"person": "J"}, open_note=ids[5])

    days = re.findall(r"<rect class='day'[^>]*data-date='([\d-]+)' data-count='(\d+)'", page)
    assert page.count("class='day'") == 30
    assert [[day, int(count)] for day, count in days] == EXPECTED["per_day"]

    cells = re.findall(r"<rect class='cell'[^>]*data-weekday='(\d)' data-hour='(\d+)' data-count='(\d+)'", page)
    assert page.count("class='cell'") == 168 and len(cells) == 168
    grid = [[0] * 24 for _ in range(7)]
    for day, hour, count in cells:
        grid[int(day)][int(hour)] = int(count)
    assert grid == EXPECTED["by_weekday_hour"]

    outcomes = dict(re.findall(r"<rect class='outcome (\w+)'[^>]*data-count='(\d+)'", page))
    assert outcomes == {"ridden_out": "10", "blocked_only": "3", "opened": "3"}

    # One note form per urge, posting the urge id and the page's token to the caller's path.
    assert page.count("<form class='note' method='post' action='/.well-known/nocontact/note'>") == 16
    assert page.count("<input type='hidden' name='token' value='tok-123'>") == 16
    assert f"<input type='hidden' name='urge' value='{ids[16]}'>" in page
    for trigger in TRIGGERS:
        assert f"<option value='{trigger}'>{trigger}</option>" in page
    assert "<option value='loneliness' selected>loneliness</option>" in page  # urge 5's own trigger
    assert "<option value='8' selected>8 of 10</option>" in page
    assert f"<details id='note-{ids[5]}' open>" in page and f"<details id='note-{ids[6]}'>" in page

    # The filter form submits GET and keeps the current choice.
    assert "<form class='filters' method='get'>" in page
    for name in ("person", "category", "source", "outcome"):
        assert f"<select name='{name}'>" in page
    assert "<option value='J' selected>J</option>" in page and "<option value='process'>app</option>" in page
    assert "<option value='dating'>dating site</option>" in page  # a category in words, chosen by its key

    # Escaped, private, self-contained, phone-friendly.
    assert "<script" not in page
    assert "&lt;script&gt;alert(&#x27;hi&#x27;)&lt;/script&gt;" in page
    assert "http://" not in page and "https://" not in page
    assert "casey" not in page.lower() and "instagram.com" not in page  # the alias only, never the profile
    assert "name='viewport' content='width=device-width, initial-scale=1'" in page
    assert "@media (max-width: 640px)" in page
    assert "You rode out 10 urges in the last 30 days." in page


def urge(uid: int, when: datetime, outcome: str = "closed", person: str | None = "J") -> Urge:
    return Urge(uid, when, when, person, "instagram" if person else None, None if person else "dating",
                None if person else "tinder.com", "https://example.test/", "profile", "proxy", outcome, 1, None)


def test_daylight_saving_day_and_a_few_more_than_before():
    """Berlin springs forward on Sun 29 Mar 2026 (02:00 -> 03:00): that day has 23 hours."""
    since, until = datetime(2026, 3, 28, tzinfo=TZ), datetime(2026, 3, 31, tzinfo=TZ)
    urges = [
        urge(1, datetime(2026, 3, 26, 12, tzinfo=TZ)),  # previous period: 25 Mar 01:00 to 28 Mar 00:00 (71 h)
        urge(2, datetime(2026, 3, 27, 12, tzinfo=TZ)),
        urge(3, datetime(2026, 3, 29, 1, 30, tzinfo=TZ)),  # 00:30 UTC
        urge(4, datetime(2026, 3, 29, 3, 30, tzinfo=TZ)),  # 01:30 UTC, an hour later
        urge(5, datetime(2026, 3, 30, 20, tzinfo=TZ), "overridden", person=None),  # a site, not their profile
    ]
    review = summarise(urges, [], since=since, until=until, tz=TZ)
    data = review.as_json()
    assert data["per_day"] == [["2026-03-28", 0], ["2026-03-29", 2], ["2026-03-30", 1]]
    assert data["by_hour"][1] == 1 and data["by_hour"][3] == 1 and data["by_hour"][20] == 1
    assert data["trend"] == {"previous": 2, "current": 3}
    # Gaps: 28 Mar 00:00+01 -> 29 Mar 01:30+01 = 25.5 h; 1 h; 29 Mar 01:30 UTC -> 30 Mar 18:00 UTC = 40.5 h;
    # 30 Mar 18:00 UTC -> 30 Mar 22:00 UTC (until) = 4 h.
    assert data["longest_stretch_hours"] == 40.5
    # No message ever, and when the log began is not known: every day of the period, 28 to 30 Mar.
    # A window opened on 30 Mar (urge 5, a site).
    assert data["days_without_contact"] == 3 and data["days_no_window"] == 2
    assert data["hardest_hour"] == 1  # a tie of single urges: the earliest hour
    text = render_terminal(review)
    assert "A few more than the previous 3 days: 3 vs 2; that happens, and it passes." in text


def test_a_message_sent_in_a_window_is_contact_and_never_a_look(tmp_path):
    clock = Clock()
    log = UrgeLog(tmp_path / "urges.sqlite3", clock=clock)
    mail = Decision("https://mail.google.com/mail/u/0/", "block", "person", person="J", platform="gmail",
                    rule="barrier: email (sent in a window: contact)")
    add(log, clock, "2026-08-02 21:00", IG, "overridden")  # a look at their profile
    add(log, clock, "2026-08-05 22:00", mail, "overridden", source="contact")  # a message, in a window
    add(log, clock, "2026-08-06 22:00", mail, source="message")  # held back
    since, until = datetime(2026, 8, 1, tzinfo=TZ), datetime(2026, 8, 8, tzinfo=TZ)
    review = summarise(log.urges(), [], since=since, until=until, tz=TZ)
    log.close()
    assert (review.opened, review.contacted, review.blocked_only) == (1, 1, 1)
    assert review.days_without_contact == 2  # 6 and 7 Aug: from the message on 5 Aug, not the look on 2 Aug
    assert review.days_no_window == 5  # windows opened on 2 Aug (the look) and 5 Aug (the message)
    text = render_terminal(review)
    assert "1 time you chose to look, 1 message you chose to send in a window." in text


def test_a_quiet_period():
    since, until = datetime(2026, 8, 1, tzinfo=TZ), datetime(2026, 8, 8, tzinfo=TZ)
    review = summarise([], [], since=since, until=until, tz=TZ)
    data = review.as_json()
    assert data["total"] == 0 and data["hardest_hour"] is None and data["longest_stretch_hours"] == 168.0
    assert data["days_without_contact"] == 7 and data["days_no_window"] == 7  # 1 Aug to 7 Aug
    assert data["by_weekday_hour"] == [[0] * 24] * 7
    text = render_terminal(review)
    assert text.startswith("No urges logged in the last 7 days. A quiet stretch.\n")
    assert "No urges here or in the previous 7 days." in text
    page = review_html(review, [], note_token="t", post_path="/n")
    assert page.count("class='day'") == 7 and page.count("class='cell'") == 168
    assert "No urges match these choices." in page


def test_a_long_period_is_charted_by_week():
    since, until = datetime(2026, 4, 1, tzinfo=TZ), datetime(2026, 5, 31, tzinfo=TZ)  # 60 days
    urges = [urge(i, since + timedelta(days=i, hours=22)) for i in range(0, 60, 5)]
    review = summarise(urges, [], since=since, until=until, tz=TZ)
    assert len(review.per_day) == 60
    text = render_terminal(review)
    assert "Urges per week:" in text
    assert len([line for line in text.splitlines() if line.startswith("  wk ")]) == 9  # ceil(60 / 7)
    assert review_html(review, urges, note_token="t", post_path="/n").count("class='day'") == 60


def test_last_days_starts_at_local_midnight():
    now = datetime(2026, 6, 30, 14, 23, tzinfo=UTC)
    since, until = last_days(30, now=now, tz=TZ)
    assert since == datetime(2026, 6, 1, tzinfo=TZ) and until == now
    assert len(summarise([], [], since=since, until=until, tz=TZ).per_day) == 30


def test_no_failure_words_anywhere(month):
    log, _ = month
    june = log.urges(since=SINCE, until=UNTIL)
    reviews = [review_of(log)]
    # More urges than before, many more, only looks, nothing at all, a long period, every guard event kind.
    start = datetime(2026, 9, 1, tzinfo=TZ)
    many = [urge(i, start + timedelta(hours=i * 5), "overridden") for i in range(40)]
    events = [(start.astimezone(UTC).isoformat(), kind, "noted") for kind in EVENT_WORDS]
    reviews.append(summarise(many, events, since=start, until=start + timedelta(days=10), tz=TZ))
    reviews.append(summarise(many, [], since=start + timedelta(days=5), until=start + timedelta(days=10), tz=TZ))
    reviews.append(summarise([], [], since=start, until=start + timedelta(days=45), tz=TZ))
    outputs = [render_terminal(r) for r in reviews]
    outputs += [review_html(r, june + many, note_token="t", post_path="/n") for r in reviews]
    outputs += list(OUTCOME_WORDS.values()) + list(EVENT_WORDS.values())
    assert "More than the previous 10 days: 40 vs 0; that happens, and it passes." in outputs[1]
    assert "Fewer urges than the previous 5 days: 16 vs 24." in outputs[2]
    for text in outputs:
        for pattern in FAILURE_WORDS:
            assert not re.search(pattern, text, re.IGNORECASE), (pattern, text[:200])


# --- the log counts its own urges: the same figures, without loading them ----------------------------------


def test_the_logs_own_counts_give_the_same_review_as_its_urges(month):
    from agent.review import review_of as from_counts

    log, _ = month
    counted = from_counts(tally.of_log(log, SINCE, UNTIL), log.events(), since=SINCE, until=UNTIL, tz=TZ)
    assert counted.as_json() == EXPECTED
    assert counted == review_of(log)


ZONES = ["Europe/Berlin", "UTC", "America/New_York", "Asia/Kolkata", "Asia/Kathmandu", "America/St_Johns",
         "Australia/Lord_Howe", "Pacific/Chatham", "Pacific/Kiritimati"]


@pytest.mark.parametrize("zone", ZONES)
def test_counted_by_quarter_hour_every_urge_falls_on_its_own_local_day_and_hour(tmp_path, zone):
    """SQLite counts per UTC quarter hour; checked against each urge's own local time, in zones a half or
    three quarters of an hour off UTC, and across their changes of daylight saving time."""
    import random

    from agent.review import review_of as from_counts
    from agent.tally import from_urges

    tz, rng = ZoneInfo(zone), random.Random(zone)
    since, until = datetime(2026, 3, 20, tzinfo=tz), datetime(2026, 4, 12, 15, 7, 30, tzinfo=tz)
    clock = Clock()
    log = UrgeLog(tmp_path / "urges.sqlite3", clock=clock)
    decisions = [IG, FB, X, TINDER, BUMBLE]
    moments = sorted(rng.uniform(since.timestamp() - 30 * 86400, until.timestamp() + 86400) for _ in range(400))
    for moment in moments:
        clock.now = moment
        urge_id, new = log.record(rng.choice(decisions), "u", rng.choice(["proxy", "process", "contact"]))
        if new and rng.random() < 0.6:
            log.set_outcome(urge_id, rng.choice(["closed", "waited", "overridden"]))
        if new and rng.random() < 0.3:
            log.add_note(urge_id, trigger=rng.choice(TRIGGERS))
    urges = log.urges()
    counted = tally.of_log(log, since, until)
    assert counted == from_urges(urges, since, until, began=counted.began)
    review = from_counts(tally.of_log(log, since, until), [], since=since, until=until, tz=tz)
    inside = [u.time.astimezone(tz) for u in urges if since <= u.time < until]
    per_day = {}
    for moment in inside:
        per_day[moment.date()] = per_day.get(moment.date(), 0) + 1
    assert {day: count for day, count in review.per_day if count} == per_day
    assert review.by_hour == tuple(sum(1 for m in inside if m.hour == hour) for hour in range(24))
    assert review.by_weekday_hour == tuple(tuple(sum(1 for m in inside if (m.weekday(), m.hour) == (day, hour))
                                                 for hour in range(24)) for day in range(7))
    assert review == summarise(urges, [], since=since, until=until, tz=tz, began=counted.began)
    log.close()


def filled_month(tmp_path, count: int) -> UrgeLog:
    clock = Clock(SINCE.timestamp() + 3600)
    log = UrgeLog(tmp_path / "urges.sqlite3", clock=clock)
    for i in range(count):
        clock.now += 61  # a new urge each time, never a repeat
        log.record([IG, TINDER][i % 2], f"https://example.test/{i}")
    return log


def page_of(log: UrgeLog, **query: str) -> str:
    from agent.web.review_page import review_page

    now = datetime(2026, 6, 20, tzinfo=TZ)
    return review_page(log, query, now=now, tz=TZ, note_token="t", post_path="/review/note")


def shown_ids(page: str) -> list[int]:
    return [int(found) for found in re.findall(r"<tr id='urge-(\d+)'>", page)]


def test_the_review_page_lists_one_page_of_urges_newest_page_first(tmp_path):
    from agent.web.review_page import PAGE_SIZE

    log = filled_month(tmp_path, 2 * PAGE_SIZE + 30)
    latest = page_of(log)
    assert shown_ids(latest) == list(range(PAGE_SIZE + 31, 2 * PAGE_SIZE + 31))  # oldest first within the page
    assert "100 of 230 urges: the latest." in latest
    assert "href='?page=2' rel='next'>Earlier urges</a>" in latest and "Later urges" not in latest
    assert "230 urges, each paused by nocontact and left at that." in latest  # every urge, not the page
    last = page_of(log, page="3")
    assert shown_ids(last) == list(range(1, 31)) and "Earlier urges" not in last
    assert "href='?page=2' rel='prev'>Later urges</a>" in last
    assert shown_ids(page_of(log, page="99")) == shown_ids(last) and shown_ids(page_of(log, page="x")) == shown_ids(
        latest)
    # The block page's "add a note" link opens the page its urge is on, with its form open.
    noted = page_of(log, note="7")
    assert 7 in shown_ids(noted) and "<details id='note-7' open>" in noted
    # The filters choose before the pages are made, and stay in the links.
    only_j = page_of(log, person="J", page="2")
    assert shown_ids(only_j) == list(range(1, 2 * PAGE_SIZE + 31, 2))[:15]
    assert "href='?person=J&amp;page=1' rel='prev'>Later urges</a>" in only_j
    assert "<option value='J' selected>J</option>" in only_j and "<option value='dating'>dating</option>" not in only_j
    log.close()


def test_a_small_log_shows_all_its_urges_without_pages(month):
    log, ids = month
    from agent.web.review_page import review_page

    now = datetime(2026, 6, 30, 22, tzinfo=TZ)
    page = review_page(log, {}, now=now, tz=TZ, note_token="tok", post_path="/review/note")
    june = log.urges(since=SINCE, until=now)
    review = summarise(log.urges(), log.events(), since=SINCE, until=now, tz=TZ, began=BEGAN)
    assert page == review_html(review, june, note_token="tok", post_path="/review/note")
    assert "<nav class='pages'" not in page and shown_ids(page) == [ids[n] for n in range(1, 17)]


def test_a_page_of_a_big_log_stays_small(tmp_path):
    log = filled_month(tmp_path, 3000)
    page = page_of(log)
    assert len(page.encode()) < 400_000 and len(shown_ids(page)) == 100
    log.close()
