"""Searches sent as a form (SearXNG's POST /search and the like) are decided like a search in the URL."""

from __future__ import annotations

import asyncio

import pytest
from mitmproxy import http
from mitmproxy.test import taddons, tflow

from addons.block import Block
from agent.agent import Agent
from agent.config import parse_config
from agent.engine.policy import Policy
from agent.engine.search import searches_in_form
from agent.notifier import Notifier

pytestmark = pytest.mark.unit

CONFIG = """
people:
  - alias: "J"
    profiles: [https://x.com/caseylindq]
    names: ["Casey Lindqvist"]
    emails: [casey.l@example.org]
    phones: ["+44 7700 900123"]
"""

# (URL posted to, its urlencoded body, blocked?), must-block and must-allow side by side.
SEARCH_FORMS = [
    ("https://searx.be/search", "q=casey+lindqvist&category_general=1&language=auto&time_range=", True),
    ("https://searx.be/search", "q=weather+stockholm&category_general=1&language=auto", False),
    ("https://priv.au/search", "q=Casey%20Lindqvist", True),
    ("https://priv.au/search", "q=casey", False),  # a first name alone is not the person
    ("https://search.disroot.org/search", "q=casey.l%40example.org&categories=general", True),
    ("https://search.disroot.org/search", "q=casey.l%40example.com&categories=general", False),
    ("https://searx.tiekoetter.com/", "q=caseylindq", True),  # an older instance posts to its front page
    ("https://searx.tiekoetter.com/", "q=caseylindq2", False),
    ("https://searx.be/search", "q=%2B44+7700+900123&format=html", True),
    ("https://searx.be/search", "q=%2B44+7700+900124&format=html", False),
    ("https://html.duckduckgo.com/html/", "q=casey+lindqvist&b=", True),
    ("https://html.duckduckgo.com/html/", "q=lindqvist+bakery&b=", False),
    ("https://www.startpage.com/sp/search", "query=casey+lindqvist&cat=web&language=english", True),
    ("https://www.startpage.com/sp/search", "query=casey+street&cat=web", False),
    # not a search engine: the body is never read as a search, whatever it says
    ("https://searx.example/search", "q=casey+lindqvist", False),  # an instance nobody has named
    ("https://news.example/search", "q=casey+lindqvist", False),
    ("https://mail.seznam.cz/search", "q=casey+lindqvist", False),
    # a redirect on an engine is not a search
    ("https://www.google.com/url", "q=casey+lindqvist", False),
]


@pytest.fixture(scope="module")
def policy() -> Policy:
    return Policy(parse_config(CONFIG), lists={})


@pytest.mark.parametrize("url, form, blocked", SEARCH_FORMS)
def test_a_search_posted_as_a_form_is_decided_like_one_in_the_url(policy, url, form, blocked):
    decision = policy.decide(url, form=form)
    assert decision.blocked is blocked, decision
    if blocked:
        assert (decision.reason, decision.person, decision.platform) == ("person", "J", "search")
        assert decision.url == url  # the body is an input of its own, never part of the URL
        assert not policy.decide(url).blocked
        assert policy.decide(url + "?" + form).blocked  # the same search in the URL


@pytest.mark.parametrize("host, path, read", [
    ("searx.be", "/search", True),
    ("searx.be", "/", True),
    ("html.duckduckgo.com", "/html/", True),
    ("www.startpage.com", "/sp/search", True),
    ("www.google.com", "/search", True),
    ("www.google.com", "/url", False),  # a redirect, not a search
    ("searx.example", "/search", False),
    ("mail.seznam.cz", "/search", False),
    ("news.example", "/search", False),
])
def test_which_form_posts_can_carry_a_search(host, path, read):
    assert searches_in_form(host, path) is read


# --- through the block addon ----------------------------------------------------------------------------------

FORM = {"Content-Type": "application/x-www-form-urlencoded", "Sec-Fetch-Mode": "navigate",
        "Sec-Fetch-Dest": "document", "Accept": "text/html"}


@pytest.fixture
def agent(tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text(CONFIG)
    agent = Agent(config, notifier=Notifier(send=lambda title, body: None), database=tmp_path / "urges.sqlite3")
    yield agent
    agent.close()


def posted(agent: Agent, url: str, body: bytes, headers: dict | None = None) -> http.HTTPFlow:
    flow = tflow.tflow()
    flow.request = http.Request.make("POST", url, body, FORM if headers is None else headers)
    addon = Block(agent)
    with taddons.context(addon):
        asyncio.run(addon.request(flow))
    return flow


@pytest.mark.parametrize("url, form, blocked", SEARCH_FORMS)
def test_the_block_addon_reads_a_posted_search(agent, url, form, blocked):
    flow = posted(agent, url, form.encode())
    assert (flow.response is not None) is blocked
    if blocked:
        assert flow.response.status_code == 403 and "text/html" in flow.response.headers["content-type"]
        (urge,) = agent.urges.urges()
        assert "casey" not in urge.url.lower()  # the search text is never logged


def test_only_a_urlencoded_post_is_read_as_a_form(agent):
    body = b"q=casey+lindqvist"
    plain = FORM | {"Content-Type": "text/plain"}
    assert posted(agent, "https://searx.be/search", body, plain).response is None
    assert posted(agent, "https://searx.be/search", body).response.status_code == 403
