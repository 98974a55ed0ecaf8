"""The review from the day the log began: no time before nocontact was there is counted, no figure drops
to zero because of a look, and what became of each urge is said as far as it is known."""

from __future__ import annotations

import re
import sqlite3
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from agent import tally
from agent.engine.categories import CATEGORIES, site_words
from agent.engine.policy import Decision
from agent.review import Review, headline_lines, last_days, render_terminal, review_of, summarise, urges_line
from agent.store import Urge, UrgeLog, target_of
from agent.web.review_page import review_page
from tests.conftest import Clock

TZ = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 6, 20, 14, 0, tzinfo=TZ)  # a Saturday afternoon
TODAY = NOW.date()

IG = Decision("https://www.instagram.com/casey.lindqvist/", "block", "person", person="J", platform="instagram",
              rule="profile")
SPOKEO = Decision("https://www.spokeo.com/", "block", "category", category="people_search", site="spokeo.com",
                  rule="people_search list")
MAIL = Decision("https://mail.google.com/mail/u/0/", "block", "person", person="J", platform="gmail",
                rule="barrier: email (sent in a window: contact)")


class Log:
    """A real log that began at `began`, and urges added to it at their moments."""

    def __init__(self, path, began: datetime):
        self.clock = Clock(began.timestamp())
        self.log = UrgeLog(path / "urges.sqlite3", clock=self.clock)

    def add(self, when: datetime, decision: Decision, outcome: str = "blocked", source: str = "proxy") -> int:
        self.clock.now = when.timestamp()
        urge_id, new = self.log.record(decision, decision.url, source)
        assert new
        if outcome != "blocked":
            assert self.log.set_outcome(urge_id, outcome)
        return urge_id

    def review(self, days: int = 30, now: datetime = NOW) -> Review:
        since, until = last_days(days, now=now, tz=TZ)
        return review_of(tally.of_log(self.log, since, until), self.log.events(since, until), since=since,
                         until=until, tz=TZ)


@pytest.fixture
def first_day(tmp_path):
    """Installed this morning at 08:00; the first urges came at 09:00 and 10:00."""
    log = Log(tmp_path, NOW.replace(hour=8))
    log.add(NOW.replace(hour=9), IG)
    log.add(NOW.replace(hour=10), SPOKEO)
    yield log
    log.log.close()


def test_on_the_first_day_only_that_day_is_counted(first_day):
    review = first_day.review()
    assert review.since == NOW.replace(hour=8) and review.from_beginning
    assert review.per_day == ((TODAY, 2),)
    assert review.trend.previous is None  # nothing before the log began to compare with
    assert review.longest_stretch_hours == 4.0  # 10:00 to now; nothing before 08:00 counts as quiet
    assert (review.days_no_window, review.days_without_contact) == (1, 1)
    text = render_terminal(review)
    assert text.splitlines()[:4] == [
        "2 urges caught and logged on your first day with nocontact; each one shows a pattern.",
        "No window was opened on your first day with nocontact.",
        "Days without contact, as far as nocontact can tell: 1.",
        "2 urges, each paused by nocontact and left at that.",
    ]
    assert "Nothing to compare with yet: nocontact began today." in text
    assert not re.search(r"\b(30|29)\b", text) and " vs " not in text and "previous" not in text
    data = review.as_json()
    assert data["per_day"] == [[TODAY.isoformat(), 2]] and data["trend"] == {"previous": None, "current": 2}


def test_the_first_days_page_charts_that_day_alone(first_day):
    page = review_page(first_day.log, {}, now=NOW, tz=TZ, note_token="t", post_path="/review/note")
    assert page.count("class='day'") == 1
    assert "on your first day with nocontact" in page and "30 days" not in page and " vs " not in page
    assert "people-search site · spokeo.com" in page and "people_search" not in page.split("<select name='category'>")[0]
    assert "<option value='people_search'>people-search site</option>" in page


def test_a_quiet_start_is_counted_from_the_beginning(tmp_path):
    log = Log(tmp_path, datetime(2026, 6, 10, 21, 0, tzinfo=TZ))
    review = log.review()
    assert review.days == 11 and review.per_day[0] == (date(2026, 6, 10), 0)
    assert review.longest_stretch_hours == 233.0  # from 10 Jun 21:00 to 20 Jun 14:00
    lines = headline_lines(review)
    assert lines == ["No urges logged in your first 11 days with nocontact. A quiet start.",
                     "On 11 of 11 days every window stayed closed.",
                     "Days without contact, as far as nocontact can tell: 11."]
    assert "Nothing to compare with yet: nocontact began on Wed 10 Jun." in render_terminal(review)
    log.log.close()


@pytest.mark.parametrize(("days_before", "previous"), [(45, None), (61, 1)])
def test_the_days_before_are_compared_only_when_nocontact_was_there_for_all_of_them(tmp_path, days_before, previous):
    log = Log(tmp_path, NOW - timedelta(days=days_before))
    log.add(NOW - timedelta(days=40), IG, "closed")  # in the 30 days before the period
    log.add(NOW - timedelta(days=2), IG, "closed")
    review = log.review()
    assert not review.from_beginning and review.days == 30
    assert review.trend.previous == previous
    words = render_terminal(review)
    if previous is None:
        assert "Nothing to compare with yet: nocontact began less than 30 days before this." in words
    else:
        assert "About the same as the previous 30 days: 1 vs 1." in words
    log.log.close()


def test_a_look_leaves_the_figures_standing_and_only_a_message_sent_is_contact(tmp_path):
    log = Log(tmp_path, NOW - timedelta(days=20))
    log.add(NOW - timedelta(days=3), IG, "closed")
    before = log.review()
    assert (before.days, before.days_without_contact, before.days_no_window) == (21, 21, 21)

    log.add(NOW - timedelta(hours=2), IG, "overridden")  # a look through a window, today
    log.add(NOW - timedelta(hours=1), SPOKEO)  # a blocked attempt
    looked = log.review()
    assert looked.days_without_contact == 21  # a look is not contact
    assert looked.days_no_window == 20  # today had a window; the other 20 days still count
    for line in headline_lines(looked):
        assert not re.search(r"\b0\b", line), line
    assert "On 20 of 21 days every window stayed closed." in headline_lines(looked)

    log.add(NOW - timedelta(minutes=30), MAIL, "overridden", source="contact")  # a message actually sent
    sent = log.review()
    assert sent.days_without_contact == 0 and sent.contacted == 1
    assert "A message went to them today. Each day without contact counts from here." in headline_lines(sent)
    log.log.close()


def test_a_window_counts_on_the_day_it_opened_not_the_day_of_its_urge(tmp_path):
    """An urge late yesterday, its wait asked for then, its window opened after midnight: today had the window."""
    log = Log(tmp_path, NOW - timedelta(days=5))
    urge_id = log.add(datetime(2026, 6, 19, 23, 50, tzinfo=TZ), IG)
    log.clock.now = datetime(2026, 6, 19, 23, 51, tzinfo=TZ).timestamp()
    log.log.add_step(1, urge_id, "person:J", "requested")
    log.clock.now = datetime(2026, 6, 20, 0, 15, tzinfo=TZ).timestamp()
    log.log.add_step(1, urge_id, "person:J", "opened")

    today = log.review(days=1)
    assert (today.total, today.opened, today.days_no_window) == (0, 1, 0)
    assert "No window was opened today." not in headline_lines(today)
    page = review_page(log.log, {}, now=NOW, tz=TZ, note_token="t", post_path="/review/note")
    assert "</span>1 chose to look</span>" in page
    assert re.search(r"<rect class='outcome opened'[^>]*data-count='1'", page)

    two_days = log.review(days=2)
    assert (two_days.total, two_days.opened, two_days.days_no_window) == (1, 1, 1)  # yesterday: no window
    assert two_days.per_day == ((TODAY - timedelta(days=1), 1), (TODAY, 0))  # the urge stays on its own day

    since, until = last_days(1, now=NOW, tz=TZ)
    counted = tally.of_log(log.log, since, until)
    windows = tally.window_times(log.log.steps())
    assert counted == tally.from_urges(log.log.urges(), since, until, began=counted.began, opened=windows)
    assert summarise(log.log.urges(), [], since=since, until=until, tz=TZ, began=counted.began,
                     opened=windows) == today
    log.log.close()


def test_a_wiped_log_is_reviewed_from_the_wipe(tmp_path):
    log = Log(tmp_path, NOW - timedelta(days=90))
    log.add(NOW - timedelta(days=10), IG)
    log.clock.now = (NOW - timedelta(days=2)).timestamp()
    log.log.wipe()
    review = log.review()
    assert review.from_beginning and review.since == NOW - timedelta(days=2) and review.days == 3
    assert review.total == 0 and review.trend.previous is None
    log.log.close()


def test_a_log_from_before_the_mark_began_with_its_first_record(tmp_path):
    path = tmp_path / "urges.sqlite3"
    log = Log(tmp_path, NOW - timedelta(days=60))
    log.clock.now = (NOW - timedelta(days=5)).timestamp()
    log.log.add_event("stopped", "stopped at once by a signal")
    log.add(NOW - timedelta(days=3), IG)
    log.log.close()
    with sqlite3.connect(path) as db:  # as a log written before the mark was kept
        db.execute("DELETE FROM state WHERE key = 'began'")
    reopened = UrgeLog(path, clock=Clock(NOW.timestamp()))
    since, until = last_days(30, now=NOW, tz=TZ)
    counted = tally.of_log(reopened, since, until)
    reopened.close()
    assert counted.began == NOW - timedelta(days=5)  # the guard event, before the first urge


def urge(outcome: str, source: str = "proxy") -> Urge:
    moment = NOW
    return Urge(1, moment, moment, "J", "instagram", None, None, "https://example.test/", "profile", source,
                outcome, 1, None)


@pytest.mark.parametrize(("outcomes", "line"), [
    (["blocked", "blocked"], "2 urges, each paused by nocontact and left at that."),
    (["blocked"], "1 urge, paused by nocontact and left at that."),
    (["closed", "waited"], "2 urges, each ridden out (closed or waited)."),
    (["closed", "blocked", "blocked", "overridden"],
     "4 urges in all: 1 ridden out (closed or waited), 2 paused by nocontact and left at that, "
     "1 time you chose to look."),
    (["blocked", "contact"], "2 urges in all: 1 paused by nocontact and left at that, "
                             "1 message you chose to send in a window."),
])
def test_what_became_of_the_urges_is_said_as_far_as_it_is_known(outcomes, line):
    urges = [urge("overridden", "contact") if o == "contact" else urge(o) for o in outcomes]
    assert urges_line(urges) == line
    assert not re.search(r"\b0\b", line)


def test_every_category_is_named_in_words():
    assert target_of(None, None, "people_search", "spokeo.com") == "people-search site · spokeo.com"
    assert target_of(None, None, "my-sites", "example.org") == "my-sites · example.org"  # the person's own name
    for category in CATEGORIES:
        assert "_" not in site_words(category.key) and category.label.endswith(site_words(category.key))
