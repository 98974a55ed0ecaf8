"""What the wait pages say back: the person's own "what do I hope to find?", why a wait grew, and a short
page once a window opens. Through the real addons in process, with injected clocks (the `agent` and `clocks`
fixtures of tests/unit/conftest.py)."""

from __future__ import annotations

import re

from addons.page_actions import PageActions
from tests.unit.conftest import ask_fields, block_page
from tests.unit.test_addons import PAGE, act, make_flow, through

SITE = "https://blocked-site.test"
LONGER = "It is longer than your usual 20 minutes: the wait grows with each window opened in the last 24 hours."


def page_at(agent, url: str) -> str:
    return through(PageActions(agent), make_flow(url, headers=PAGE)).response.text


def ask(agent, reason: str = "") -> str:
    """Ask from a fresh block page; the wait page's address."""
    form = ask_fields(block_page(agent, f"{SITE}/a/page?x=1"))
    asked = act(agent, f"{SITE}/.well-known/nocontact/ask", form | {"reason": reason})
    assert asked.status_code == 303
    return SITE + asked.headers["location"]


def hold_fields(page: str) -> dict:
    hold_id, token = re.search(r"name='id' value='(\d+)'><input type='hidden' name='token' value='(\w+)'",
                               page).groups()
    return {"id": hold_id, "token": token}


def test_the_answer_to_what_i_hope_to_find_comes_back_while_waiting_and_when_ready(agent, clocks):
    wait_url = ask(agent, "the school's term dates")
    waiting = page_at(agent, wait_url)
    assert "Waiting it out" in waiting
    assert "What you hope to find: the school&#x27;s term dates" in waiting
    clocks.advance(20 * 60)
    ready = page_at(agent, wait_url)
    assert "Still want to open it?" in ready
    assert "What you hoped to find: the school&#x27;s term dates" in ready


def test_no_answer_no_line(agent, clocks):
    waiting = page_at(agent, ask(agent))
    assert "hope to find" not in waiting.split("<main>", 1)[1]


def test_once_a_window_opens_a_short_page_comes_first_then_the_page(agent, clocks):
    wait_url = ask(agent, "a form I need")
    clocks.advance(20 * 60)
    opened = act(agent, f"{SITE}/.well-known/nocontact/open", hold_fields(page_at(agent, wait_url)))
    assert opened.status_code == 303 and SITE + opened.headers["location"] == wait_url
    looked = page_at(agent, wait_url)
    assert "<h1>You chose to look.</h1>" in looked
    assert "That's information, not failure." in looked and "Want to note what led here?" in looked
    assert "href='/a/page?x=1'" in looked  # then on, to where it was paused
    assert "fail" not in looked.replace("not failure", "")

    # Its quiet way out closes the window again: stepping away, still.
    closed = act(agent, f"{SITE}/.well-known/nocontact/cancel", hold_fields(looked))
    assert closed.status_code == 200
    assert not agent.cooldowns.is_open("site", "blocked-site.test")


def test_a_wait_grown_by_todays_windows_says_why(agent, clocks):
    page = block_page(agent, f"{SITE}/first")
    assert "after a 20-minute wait" in page and "longer than your usual" not in page
    wait_url = ask(agent)
    assert "longer than your usual" not in page_at(agent, wait_url)
    clocks.advance(20 * 60)
    act(agent, f"{SITE}/.well-known/nocontact/open", hold_fields(page_at(agent, wait_url)))
    clocks.advance(10 * 60)  # the window closes by itself

    again = block_page(agent, f"{SITE}/second")
    assert "after a 40-minute wait" in again and LONGER.replace("'", "&#x27;") in again
    second = page_at(agent, ask(agent))
    assert LONGER.replace("'", "&#x27;") in second
    act(agent, f"{SITE}/.well-known/nocontact/cancel", hold_fields(second))

    clocks.advance(24 * 3600)  # a day later the wait is the usual one again, and says nothing more
    later = block_page(agent, f"{SITE}/third")
    assert "after a 20-minute wait" in later and "longer than your usual" not in later
