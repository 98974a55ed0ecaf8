"""`nocontact urges` and `nocontact review` on a log that began today: no day before it is counted, what
became of each urge is said as far as it is known, and categories are named in words."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from datetime import UTC, datetime

import pytest

from agent.engine.policy import Decision
from agent.store import UrgeLog
from tests.conftest import Clock

IG = Decision("https://www.instagram.com/casey.lindqvist/", "block", "person", person="J", platform="instagram",
              rule="profile")
SPOKEO = Decision("https://www.spokeo.com/", "block", "category", category="people_search", site="spokeo.com",
                  rule="people_search list")


def midday_zone() -> str:
    """A fixed zone in which it is about noon now, so "today" holds the whole test, whenever it runs."""
    offset = 12 - datetime.now(UTC).hour  # -11 to 12 hours from UTC
    return f"Etc/GMT{-offset:+d}"  # the Etc zones count the other way: Etc/GMT-3 is UTC+3


@pytest.fixture
def first_day(tmp_path):
    """Installed twenty minutes ago; two urges since, each paused and left at that (the tab was closed)."""
    home = tmp_path / "home"
    now = time.time()
    clock = Clock(now - 20 * 60)
    log = UrgeLog(home / "nocontact.sqlite3", clock=clock)
    for minutes, decision in ((15, IG), (10, SPOKEO)):
        clock.now = now - minutes * 60
        log.record(decision, decision.url)
    log.close()
    return home


def nocontact(*args: str, home) -> str:
    env = {**os.environ, "NOCONTACT_HOME": str(home), "TZ": midday_zone()}
    result = subprocess.run([sys.executable, "-m", "agent", *args], capture_output=True, text=True, env=env,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_urges_says_what_became_of_each_urge_and_names_categories_in_words(first_day):
    out = nocontact("urges", home=first_day)
    assert out.rstrip().splitlines()[-1] == "2 urges, each paused by nocontact and left at that."
    assert "0 ridden out" not in out
    assert "people-search site · spokeo.com" in out and "people_search" not in out


def test_review_counts_only_the_day_nocontact_began(first_day):
    out = nocontact("review", home=first_day)
    lines = out.splitlines()
    assert lines[:4] == [
        "2 urges caught and logged on your first day with nocontact; each one shows a pattern.",
        "No window was opened on your first day with nocontact.",
        "Days without contact, as far as nocontact can tell: 1.",
        "2 urges, each paused by nocontact and left at that.",
    ]
    assert "Nothing to compare with yet: nocontact began today." in out
    assert not re.search(r"\b(30|29)[ -]days?\b|\bof 30\b|\bprevious\b| vs ", out)
    assert "people-search site · spokeo.com 1" in out
    data = json.loads(nocontact("review", "--json", home=first_day))
    assert data["from_beginning"] and len(data["per_day"]) == 1 and data["trend"]["previous"] is None
    assert data["days_without_contact"] == 1 and data["days_no_window"] == 1
