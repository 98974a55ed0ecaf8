"""Cooldown overrides through the real proxy: ask, wait (an injected clock), confirm, open, close by itself."""

from __future__ import annotations

import re
import sqlite3
from urllib.parse import urlencode

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
MINUTE = 60


def ask_form(page: str) -> dict[str, str]:
    fields = dict(re.findall(r"name='(urge|kind|name|token)' value='([^']*)'", page.split("<details", 1)[1]))
    return fields


def test_ask_wait_confirm_open_and_close_by_itself(proxy):
    url = "https://blog.test/casey/2024/a-post"
    blocked = proxy.fetch(url)
    assert blocked.status == 403
    # 20 minutes, or more where earlier tests opened windows today (the delay escalates)
    minutes = int(re.search(r"Ask to open it after a (\d+)-minute wait", blocked.text).group(1))
    assert minutes >= 20
    form = ask_form(blocked.text)
    assert (form["kind"], form["name"]) == ("site", "blog.test/casey")

    asked = proxy.fetch("https://blog.test/.well-known/nocontact/ask", method="POST", headers=FORM,
                        body=urlencode({**form, "reason": "the school's term dates"}).encode())
    assert asked.status == 303
    wait_url = "https://blog.test" + asked.headers["location"]
    waiting = proxy.fetch(wait_url)
    assert waiting.status == 200 and "Waiting it out" in waiting.text and "Close - I" in waiting.text
    assert "What you hope to find: the school&#x27;s term dates" in waiting.text  # their own words, back
    assert proxy.fetch(url).status == 403  # still paused while waiting

    proxy.clock.advance((minutes - 1) * MINUTE)
    assert "Waiting it out" in proxy.fetch(wait_url).text
    proxy.clock.advance(MINUTE)
    ready = proxy.fetch(wait_url)
    assert "Still want to open it?" in ready.text
    assert "What you hoped to find: the school&#x27;s term dates" in ready.text
    hold_id, token = re.search(r"name='id' value='(\d+)'><input type='hidden' name='token' value='(\w+)'",
                               ready.text).groups()
    opened = proxy.fetch("https://blog.test/.well-known/nocontact/open", method="POST", headers=FORM,
                         body=urlencode({"id": hold_id, "token": token}).encode())
    assert opened.status == 303 and "https://blog.test" + opened.headers["location"] == wait_url
    looked = proxy.fetch(wait_url)  # a short page first, then on
    assert looked.status == 200 and "You chose to look." in looked.text
    assert "That's information, not failure." in looked.text
    assert f"/review?note={form['urge']}" in looked.text  # a note about what led here, on the review page
    assert "href='/casey/2024/a-post'" in looked.text
    assert proxy.fetch(url).status == 200  # the window: the origin's page
    assert proxy.fetch("https://tinder.com/").status == 403  # for that target only

    proxy.clock.advance(10 * MINUTE)
    assert proxy.fetch(url).status == 403  # closed by itself
    proxy.agent.settle()
    steps = [row[4] for row in proxy.agent.urges.steps() if row[1] == int(hold_id)]
    assert steps == ["requested", "ready", "opened", "expired"]
    urge = int(form["urge"])
    outcome = sqlite3.connect(proxy.agent.urges.path).execute("SELECT outcome FROM urges WHERE id = ?", (urge,))
    assert outcome.fetchone()[0] == "overridden"


def test_cross_origin_and_unsigned_requests_are_refused(proxy):
    page = proxy.fetch("https://www.spokeo.com/search").text
    form = ask_form(page)
    before = len(proxy.agent.cooldowns.holds)
    cross = proxy.fetch("https://www.spokeo.com/.well-known/nocontact/ask", method="POST",
                        headers={**FORM, "Origin": "https://evil.test", "Sec-Fetch-Site": "cross-site"},
                        body=urlencode(form).encode())
    assert cross.status == 403
    other_origin = proxy.fetch("https://www.spokeo.com/.well-known/nocontact/ask", method="POST",
                               headers={**FORM, "Origin": "https://evil.test"}, body=urlencode(form).encode())
    assert other_origin.status == 403
    forged = proxy.fetch("https://www.spokeo.com/.well-known/nocontact/ask", method="POST", headers=FORM,
                         body=urlencode({**form, "token": "0" * 32}).encode())
    assert forged.status == 403
    other_target = proxy.fetch("https://www.spokeo.com/.well-known/nocontact/ask", method="POST", headers=FORM,
                               body=urlencode({**form, "name": "tinder.com"}).encode())
    assert other_target.status == 403
    opened = proxy.fetch("https://www.spokeo.com/.well-known/nocontact/open", method="POST", headers=FORM,
                         body=b"id=1&token=" + b"0" * 32)
    assert opened.status == 403
    assert len(proxy.agent.cooldowns.holds) == before


def test_cancel_is_an_urge_ridden_out(proxy):
    page = proxy.fetch("https://www.picuki.com/profile/anyone").text
    form = ask_form(page)
    asked = proxy.fetch("https://www.picuki.com/.well-known/nocontact/ask", method="POST", headers=FORM,
                        body=urlencode(form).encode())
    wait = proxy.fetch("https://www.picuki.com" + asked.headers["location"]).text
    hold_id, token = re.search(r"name='id' value='(\d+)'><input type='hidden' name='token' value='(\w+)'",
                               wait).groups()
    cancelled = proxy.fetch("https://www.picuki.com/.well-known/nocontact/cancel", method="POST", headers=FORM,
                            body=urlencode({"id": hold_id, "token": token}).encode())
    assert cancelled.status == 200
    assert proxy.agent.cooldowns.holds[int(hold_id)].state == "cancelled"
    proxy.agent.settle()
    outcome = sqlite3.connect(proxy.agent.urges.path).execute(
        "SELECT outcome FROM urges WHERE id = ?", (int(form["urge"]),)).fetchone()[0]
    assert outcome == "waited"


def test_hostile_form_values_are_refused_not_crashed_on(proxy):
    cases = [
        ("close", "urge=%C2%B2&token=x"),  # "²" passes str.isdigit()
        ("close", "urge=1&token=%C3%A9"),  # a non-ASCII token
        ("close", "urge=99999999999999999999999&token=x"),
        ("ask", "urge=1&kind=person&name=J&token=%F0%9F%98%80"),
        ("open", "id=%C2%B2&token=x"),
        ("cancel", "id=-1&token=x"),
    ]
    for action, body in cases:
        reply = proxy.fetch(f"https://x.com/.well-known/nocontact/{action}", method="POST", headers=FORM,
                            body=body.encode())
        assert reply.status == 403, (action, body, reply.status)
    assert not [r for r in proxy.origin.requests_to("x.com") if "nocontact" in r[2]]


def test_windows_opening_and_closing_are_told_gently(proxy, notifications):
    before = len(notifications)
    hold = proxy.agent.cooldowns.request("site", "blocked-site.test")
    proxy.clock.advance(hold.needed)
    proxy.agent.tick()
    proxy.agent.cooldowns.open(hold.id)
    proxy.clock.advance(hold.window)
    proxy.agent.tick()
    proxy.agent.settle()
    import time

    deadline = time.monotonic() + 5
    while len(notifications) < before + 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    told = notifications[before:]
    assert told[0][0] == "A window is open." and "blocked-site.test is open for 10 minutes" in told[0][1]
    assert told[1][0] == "The window has closed."
