"""The tokens on our pages' buttons: they fit one action, on the host the page was shown on, for a while.

Block pages and wait pages go through the real addons in process (mitmproxy's test helpers); the
agent's wall clock is injected (the `agent` and `clocks` fixtures of tests/unit/conftest.py), so expiry is
shown without waiting.
"""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from addons.page_actions import PageActions
from agent import secret
from agent.agent import Agent
from agent.block_pages import PAGE_TOKEN_SECONDS
from agent.notifier import Notifier
from agent.store import DEBOUNCE_SECONDS
from tests.unit.conftest import ask_fields, block_page
from tests.unit.test_addons import CONFIG, PAGE, act, make_flow, through

HOUR = 3600.0
KEY = b"k" * 32


def close_fields(page: str) -> dict:
    return {"urge": re.search(r"name='urge' value='(\d+)'", page).group(1),
            "token": re.search(r"name='token' value='([0-9a-f]+)'", page).group(1)}


# --- the token itself ------------------------------------------------------------------------


def test_a_token_fits_its_action_and_host_until_it_expires():
    token = secret.issue(KEY, "close:7", "www.okcupid.com", expires=1000.0)
    assert re.fullmatch(r"[0-9a-f]+", token)  # fits a link or a form field as it is
    assert secret.check(KEY, "close:7", "www.okcupid.com", token, now=999.0)
    assert secret.check(KEY, "close:7", "www.okcupid.com", token, now=1000.0)
    assert not secret.check(KEY, "close:7", "www.okcupid.com", token, now=1001.0)  # expired
    assert not secret.check(KEY, "close:7", "evil.test", token, now=999.0)  # another host
    assert not secret.check(KEY, "close:8", "www.okcupid.com", token, now=999.0)  # another action
    assert not secret.check(b"x" * 32, "close:7", "www.okcupid.com", token, now=999.0)  # another install


@pytest.mark.parametrize("token", [
    None, "", "0" * 32, "x" * 40, "ffffffffffff" + "0" * 32, "-1" + "0" * 32, "é" * 40, "ff" + "0" * 31,
    "1" * 13 + "0" * 32,
])
def test_a_wrong_or_malformed_token_is_simply_refused(token):
    assert secret.check(KEY, "close:7", "www.okcupid.com", token, now=0.0) is False


def test_a_later_expiry_cannot_be_written_into_a_token():
    token = secret.issue(KEY, "close:7", "a.test", expires=1000.0)
    stamp, mac = token[:-secret.MAC_CHARS], token[-secret.MAC_CHARS:]
    stretched = f"{int(stamp, 16) + 10 ** 6:x}" + mac
    assert not secret.check(KEY, "close:7", "a.test", stretched, now=2000.0)


# --- on the block page and the wait page --------------------------------------------------------


def test_the_close_button_works_on_its_own_site_only(agent):
    page = block_page(agent, "https://www.okcupid.com/profile/abc")
    fields = close_fields(page)
    elsewhere = act(agent, "https://tinder.com/.well-known/nocontact/close", fields)
    assert elsewhere.status_code == 403
    assert agent.urges.urges()[0].outcome == "blocked"
    here = act(agent, "https://www.okcupid.com/.well-known/nocontact/close", fields)
    assert here.status_code == 200 and agent.urges.urges()[0].outcome == "closed"


def test_the_close_button_works_for_an_evening_then_no_longer(agent, clocks):
    fields = close_fields(block_page(agent, "https://www.okcupid.com/profile/abc"))
    clocks.advance(PAGE_TOKEN_SECONDS + 1)
    late = act(agent, "https://www.okcupid.com/.well-known/nocontact/close", fields)
    assert late.status_code == 403 and agent.urges.urges()[0].outcome == "blocked"
    assert "closed" not in [u.outcome for u in agent.urges.urges()]


def test_a_close_button_from_a_removed_log_never_closes_the_fresh_logs_urge_of_that_number(agent, clocks):
    old = close_fields(block_page(agent, "https://www.okcupid.com/profile/abc"))
    agent.settle()
    agent.urges.path.unlink()  # the log is removed: the running agent starts a fresh one, numbered from 1 again
    clocks.advance(DEBOUNCE_SECONDS + 1)  # a new urge, not a repeat of the last
    fresh = close_fields(block_page(agent, "https://www.okcupid.com/profile/abc"))
    assert fresh["urge"] == old["urge"]  # the same number, in another file
    stale = act(agent, "https://www.okcupid.com/.well-known/nocontact/close", old)
    assert stale.status_code == 403 and agent.urges.urges()[0].outcome == "blocked"
    here = act(agent, "https://www.okcupid.com/.well-known/nocontact/close", fresh)
    assert here.status_code == 200 and agent.urges.urges()[0].outcome == "closed"


def test_the_ask_button_works_on_its_own_site_only_and_for_a_while(agent, clocks):
    page = block_page(agent, "https://blocked-site.test/a/page")
    form = ask_fields(page)
    assert act(agent, "https://tinder.com/.well-known/nocontact/ask", form).status_code == 403
    clocks.advance(PAGE_TOKEN_SECONDS + 1)
    assert act(agent, "https://blocked-site.test/.well-known/nocontact/ask", form).status_code == 403
    assert agent.cooldowns.holds == {}


def test_the_wait_page_link_lasts_its_wait_and_window_then_expires(agent, clocks):
    form = ask_fields(block_page(agent, "https://blocked-site.test/a/page"))
    asked = act(agent, "https://blocked-site.test/.well-known/nocontact/ask", form)
    assert asked.status_code == 303
    wait_url = "https://blocked-site.test" + asked.headers["location"]
    hold = next(iter(agent.cooldowns.holds.values()))

    def wait_page(url: str = wait_url) -> str:
        return through(PageActions(agent), make_flow(url, headers=PAGE)).response.text

    other_host = wait_url.replace("https://blocked-site.test", "https://www.okcupid.com")
    assert "not valid" in wait_page(other_host)
    clocks.advance(hold.needed + PAGE_TOKEN_SECONDS - 60)  # a long wait, and the page left open after it
    assert "Still want to open it?" in wait_page()
    clocks.advance(hold.window + 120)
    assert "not valid" in wait_page()


def test_an_old_wait_link_never_fits_a_later_request(agent, clocks):
    form = ask_fields(block_page(agent, "https://blocked-site.test/a/page"))
    asked = act(agent, "https://blocked-site.test/.well-known/nocontact/ask", form)
    hold_id, token = re.search(r"id=(\d+)&t=(\w+)", asked.headers["location"]).groups()
    del agent.cooldowns.holds[int(hold_id)]  # set aside, as an edited request is at start
    clocks.advance(1)
    later = agent.cooldowns.request("site", "blocked-site.test")
    assert later.id > int(hold_id)  # numbers are never given twice
    # Even a request that has the same number (an older log put back) is not the one the token was for.
    agent.cooldowns.holds[int(hold_id)] = replace(later, id=int(hold_id))
    cancel = act(agent, "https://blocked-site.test/.well-known/nocontact/cancel", {"id": hold_id, "token": token})
    assert cancel.status_code == 403
    assert agent.cooldowns.holds[int(hold_id)].state == "waiting"


def test_the_review_pages_note_token_is_for_those_pages_and_expires(agent, clocks):
    from agent.web.server import PAGES_HOST

    token = agent.token("note", PAGES_HOST)
    assert agent.token_valid("note", PAGES_HOST, token)
    assert not agent.token_valid("note", "www.okcupid.com", token)
    assert not agent.token_valid("close:1", PAGES_HOST, token)
    clocks.advance(PAGE_TOKEN_SECONDS + 1)
    assert not agent.token_valid("note", PAGES_HOST, token)


def test_a_command_run_while_the_secret_is_missing_puts_its_copy_back(data_home):
    from agent import paths

    (data_home / "config.yaml").write_text(CONFIG)
    running = Agent(data_home / "config.yaml", notifier=Notifier(enabled=False))  # its log in the data directory
    try:
        (data_home / "secret").unlink()
        assert secret.load_or_create(paths.secret_path()) == running.secret  # e.g. `nocontact status`
        assert secret.load(data_home / "secret") == running.secret
    finally:
        running.close()
