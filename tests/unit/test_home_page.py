"""The person's own pages in words: the home page and what it links, the status page, where the unsent
letters are (the block page and the "held back" note say so), and the letters in local time."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from agent.web import home, pages
from agent.web.home import LINKS, Waiting, home_html, status_html
from agent.web.pages import held_text, letters_html

PAGES = "http://127.0.0.1:8081"
KATHMANDU = ZoneInfo("Asia/Kathmandu")  # UTC+05:45


def test_the_home_page_links_the_review_the_letters_the_status_and_the_devices():
    page = home_html(datetime(2026, 6, 20, 14, 5, tzinfo=KATHMANDU))
    assert re.findall(r"<a href='([^']+)'>", page) == ["/review", "/letters", "/status", "/devices"]
    for _, name, words in LINKS:
        assert name in page and words in page
    assert "As of Sat 20 Jun, 14:05." in page  # local time
    assert "<script" not in page and "http" not in page.replace("http-equiv", "")


def test_the_status_page_says_where_it_listens_and_what_is_waiting_in_words():
    address = {"proxy": "127.0.0.1:8080", "pac_url": f"{PAGES}/proxy.pac", "ca_cert": "/home/a/ca/cert.pem"}
    waiting = [Waiting("J", "waiting", 61), Waiting("dating sites", "ready", 0), Waiting("stopping nocontact",
                                                                                           "waiting", 1200)]
    page = status_html(address, waiting, datetime(2026, 6, 20, 9, 30, tzinfo=KATHMANDU))
    for shown in ("127.0.0.1:8080", f"{PAGES}/proxy.pac", "/home/a/ca/cert.pem", "J: waiting, about 1 minute left",
                  "dating sites: the wait is over", "stopping nocontact: waiting, about 20 minutes left",
                  "As of Sat 20 Jun, 09:30.", "<a href='/'>nocontact's home page</a>"):
        assert shown in page, shown
    assert "Nothing is waiting or open." in status_html(address, [], datetime.now(KATHMANDU))


def test_the_block_page_says_where_the_letters_are():
    page = pages.block_page(urge_id=4, token="t", what="J (Instagram)", plan=None, help_lines=[],
                            note_url=f"{PAGES}/review?note=4#urge-4", about_person=True)
    assert f"<a href='{PAGES}/letters'>Your unsent letters</a>" in page
    assert f"<a href='{PAGES}/review?note=4#urge-4'>Add a note about this moment</a>" in page
    # Without the pages server (the addon alone in mitmdump), no link leads nowhere.
    alone = pages.block_page(urge_id=4, token="t", what="J (Instagram)", plan=None, help_lines=[])
    assert "letters" not in alone


def test_the_held_back_note_says_where_the_letters_are_only_when_they_were_kept():
    assert held_text(True, PAGES) == ("Held back.", "Your words are saved, not sent. Read them any time in your "
                                                    f"unsent letters: {PAGES}/letters, or `nocontact letters`.")
    assert held_text(True, None)[1].endswith("in your unsent letters: `nocontact letters`.")
    assert held_text(False, PAGES) == ("Held back.", "It wasn't sent.")


def test_the_letters_page_shows_local_time():
    letters = [{"id": 1, "time": "2026-06-20T10:00:00+00:00", "person": "J", "service": "gmail", "subject": None,
                "text": "kept"}]
    page = letters_html(letters, KATHMANDU)
    assert "To J, through gmail, Sat 20 Jun 2026, 15:45" in page and "UTC" not in page
    assert "<a href='/'>nocontact's home page</a>" in page


def test_every_local_page_leads_home():
    assert "nocontact's home page" not in home_html(datetime.now(KATHMANDU))  # it is home
    assert home.REVIEW_PATH == "/review" and home.STATUS_PATH == "/status"
