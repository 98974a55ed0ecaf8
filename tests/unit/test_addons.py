"""Each addon in process, with mitmproxy's own test helpers: one flow through one hook, then the flow is read.

The Agent behind them is a real one (its config, log and secret in a temporary folder), with an
injected cooldown clock and a notifier that only records.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import ssl
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest
from mitmproxy import exceptions, http, tls, websocket
from mitmproxy.proxy.context import Context
from mitmproxy.proxy.layers.http import HttpRequestHook
from mitmproxy.proxy.layers.tls import parse_client_hello
from mitmproxy.test import taddons, tflow, tutils
from wsproto.frame_protocol import Opcode

from addons.block import Block
from addons.devices import DeviceGuard
from addons.nocontact import NoContact
from addons.page_actions import PageActions
from addons.passthrough import Passthrough
from addons.send_hold import SendHold
from agent.agent import Agent
from agent.notifier import Notifier
from tests.conftest import MonotonicClock
from tests.unit.test_barrier import FIXTURES, load_fixture
from tests.unit.test_barrier_learn import ALL as RESPONSES
from tests.unit.test_barrier_learn import x_send

ROOT = Path(__file__).resolve().parents[2]
CONFIG = """
people:
  - alias: "J"
    profiles: [https://www.instagram.com/casey.lindqvist/, https://x.com/caseylindq,
               "https://www.facebook.com/profile.php?id=100098765432101"]
    emails: [casey.l@example.org]
    plan: "If I want to check, I text Sam."
block: {dating: true, sites: [blocked-site.test]}
barrier: {email: true, social_messages: true}
"""
PAGE = {"Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document", "Accept": "text/html"}
BACKGROUND = {"Sec-Fetch-Mode": "cors", "Sec-Fetch-Dest": "empty", "Accept": "application/json"}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
PROFILE = "https://www.instagram.com/casey.lindqvist/"


@pytest.fixture
def clock() -> MonotonicClock:
    return MonotonicClock()


@pytest.fixture
def notes() -> list:
    return []


@pytest.fixture
def agent(tmp_path, clock, notes):
    config = tmp_path / "config.yaml"
    config.write_text(CONFIG)
    agent = Agent(config, notifier=Notifier(send=lambda title, body: notes.append((title, body))),
                  database=tmp_path / "urges.sqlite3", monotonic=clock)
    yield agent
    agent.close()


def heard(notes: list, words: str) -> bool:
    """Whether a notification with `words` was sent (they go out on the notifier's own thread)."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        if any(words in title + " " + body for title, body in notes):
            return True
        time.sleep(0.02)
    return False


def make_flow(url: str, method: str = "GET", headers: dict | None = None, body: bytes = b"") -> http.HTTPFlow:
    flow = tflow.tflow()
    flow.request = http.Request.make(method, url, body, headers or {})
    return flow


def through(addon, flow: http.HTTPFlow, hook: str = "request") -> http.HTTPFlow:
    """`flow` through one hook of `addon`, registered with a mitmproxy master as it would be in the proxy."""
    with taddons.context(addon):
        asyncio.run(getattr(addon, hook)(flow))
    return flow


# --- Passthrough ------------------------------------------------------------------------------------------


def client_hello(sni: str | None) -> tls.ClientHello:
    """A real ClientHello, as Python's own TLS client writes it."""
    context = ssl.create_default_context()
    context.check_hostname = False
    outgoing = ssl.MemoryBIO()
    client = context.wrap_bio(ssl.MemoryBIO(), outgoing, server_hostname=sni)
    with pytest.raises(ssl.SSLWantReadError):
        client.do_handshake()
    return parse_client_hello(outgoing.read())


def hello(sni: str | None, server: str = "203.0.113.7") -> tls.ClientHelloData:
    with taddons.context() as tctx:
        context = Context(tflow.tclient_conn(), tctx.options)
    context.server = tflow.tserver_conn()
    context.server.address = (server, 443)
    return tls.ClientHelloData(context, client_hello(sni))


@pytest.mark.parametrize("sni, server, decrypted", [
    ("www.instagram.com", "203.0.113.7", True),
    ("tinder.com", "203.0.113.7", True),  # a whole-site block still needs the gentle page over HTTPS
    ("bank.test", "203.0.113.7", False),
    ("news.test", "203.0.113.7", False),
    (None, "www.instagram.com", True),  # no SNI: the address the client asked for decides
    (None, "bank.test", False),
])
def test_only_hosts_under_rules_are_decrypted(agent, sni, server, decrypted):
    data = hello(sni, server)
    addon = Passthrough(agent)
    with taddons.context(addon):
        addon.tls_clienthello(data)
    assert data.ignore_connection is not decrypted


# --- Block ------------------------------------------------------------------------------------------------


def test_a_profile_page_load_gets_the_gentle_page_after_its_urge_is_logged(agent, notes):
    flow = through(Block(agent), make_flow(PROFILE + "?hl=en", headers=PAGE))
    reply = flow.response
    assert reply.status_code == 403
    assert reply.headers["cache-control"] == "no-store" and reply.headers["content-type"].startswith("text/html")
    assert "J (Instagram)" in reply.text and "If I want to check, I text Sam." in reply.text
    assert "asey" not in reply.text  # the alias, never the name or the handle
    (urge,) = agent.urges.urges()
    assert (urge.person, urge.url, urge.source) == ("J", PROFILE, "proxy")  # no query string in the log
    assert f"name='urge' value='{urge.id}'" in reply.text
    assert heard(notes, "J (Instagram)")


def test_a_background_call_gets_a_small_json_403(agent):
    flow = through(Block(agent), make_flow(
        "https://www.instagram.com/api/v1/users/web_profile_info/?username=casey.lindqvist", headers=BACKGROUND))
    assert flow.response.status_code == 403
    assert flow.response.headers["content-type"] == "application/json" and flow.response.json()["blocked"] is True


def test_their_avatar_on_someone_elses_page_is_kept_out_without_an_urge(agent, notes):
    """The browser says it is an image a page shows: blocked, but the person did not reach for it."""
    avatar = "https://www.gravatar.com/avatar/" + hashlib.md5(b"casey.l@example.org").hexdigest() + "?s=96"
    image = {"Sec-Fetch-Mode": "no-cors", "Sec-Fetch-Dest": "image", "Accept": "image/avif,image/webp,*/*"}
    assert through(Block(agent), make_flow(avatar, headers=image)).response.status_code == 403
    assert agent.urges.urges() == []
    opened = through(Block(agent), make_flow(avatar, headers=PAGE))  # opened by itself: an urge, as ever
    assert opened.response.status_code == 403 and len(agent.urges.urges()) == 1


@pytest.mark.parametrize("url", ["https://www.instagram.com/someone.else/", "https://bank.test/account",
                                 "http://news.test/article?about=casey"])
def test_what_no_rule_blocks_goes_on_untouched(agent, url):
    assert through(Block(agent), make_flow(url, headers=PAGE)).response is None
    assert agent.urges.urges() == []


def test_a_graphql_form_body_is_read_for_the_decision(agent):
    url = "https://www.instagram.com/graphql/query"
    theirs = make_flow(url, "POST", FORM | BACKGROUND, b"doc_id=1&variables=%7B%22username%22%3A%22casey.lindqvist%22%7D")
    assert through(Block(agent), theirs).response.status_code == 403
    other = make_flow(url, "POST", FORM | BACKGROUND, b"doc_id=1&variables=%7B%22username%22%3A%22someone%22%7D")
    assert through(Block(agent), other).response is None
    plain = make_flow(url, "POST", {"Content-Type": "text/plain"} | BACKGROUND,
                      b"variables=%7B%22username%22%3A%22casey.lindqvist%22%7D")
    assert through(Block(agent), plain).response is None  # only a form body is read as one


def test_an_open_window_lets_its_target_through_and_only_it(agent, clock):
    hold = agent.cooldowns.request("site", "blocked-site.test")
    clock.advance(hold.needed)
    agent.tick()
    agent.cooldowns.open(hold.id)
    assert through(Block(agent), make_flow("https://blocked-site.test/x", headers=PAGE)).response is None
    assert through(Block(agent), make_flow("https://tinder.com/", headers=PAGE)).response.status_code == 403


def test_our_own_mistake_pauses_a_watched_host_and_lets_others_through(agent, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("a bug of ours")

    monkeypatch.setattr(agent.policy, "decide", broken)
    paused = through(Block(agent), make_flow(PROFILE, headers=PAGE)).response
    assert paused.status_code == 403 and "paused it to be safe" in paused.text
    assert through(Block(agent), make_flow("http://news.test/", headers=PAGE)).response is None


def test_a_flow_already_answered_is_left_alone(agent):
    flow = make_flow(PROFILE, headers=PAGE)
    flow.response = tutils.tresp()
    assert through(Block(agent), flow).response.status_code == 200
    assert agent.urges.urges() == []


# --- PageActions ------------------------------------------------------------------------------------------


def blocked_page(agent, url: str = "https://www.okcupid.com/profile/abc") -> str:
    return through(Block(agent), make_flow(url, headers=PAGE)).response.text


def act(agent, url: str, fields: dict | None = None, headers: dict | None = None, method: str = "POST"):
    body = urlencode(fields or {}).encode()
    return through(PageActions(agent), make_flow(url, method, FORM | (headers or {}), body)).response


def test_close_records_the_urge_as_ridden_out_only_with_its_token(agent):
    page = blocked_page(agent)
    urge = re.search(r"name='urge' value='(\d+)'", page).group(1)
    token = re.search(r"name='token' value='([0-9a-f]+)'", page).group(1)
    close = "https://www.okcupid.com/.well-known/nocontact/close"
    assert act(agent, close, {"urge": urge, "token": "0" * 32}).status_code == 403
    assert agent.urges.urges()[0].outcome == "blocked"
    closed = act(agent, close, {"urge": urge, "token": token})
    assert closed.status_code == 200 and closed.headers["content-type"].startswith("text/html")
    assert agent.urges.urges()[0].outcome == "closed"


@pytest.mark.parametrize("headers, allowed", [
    ({}, True),
    ({"Origin": "null"}, True),  # our pages send no referrer, so Chromium hides their origin
    ({"Origin": "https://www.okcupid.com", "Sec-Fetch-Site": "same-origin"}, True),
    ({"Origin": "https://evil.test"}, False),
    ({"Origin": "https://evil.test", "Sec-Fetch-Site": "cross-site"}, False),
    ({"Sec-Fetch-Site": "same-site"}, False),
    ({"Origin": "https://www.okcupid.com:8443"}, False),
])
def test_only_the_block_page_itself_may_act(agent, headers, allowed):
    page = blocked_page(agent)
    fields = {"urge": re.search(r"name='urge' value='(\d+)'", page).group(1),
              "token": re.search(r"name='token' value='([0-9a-f]+)'", page).group(1)}  # the first form: close
    reply = act(agent, "https://www.okcupid.com/.well-known/nocontact/close", fields, headers)
    assert (reply.status_code == 200) is allowed
    assert (agent.urges.urges()[0].outcome == "closed") is allowed


def test_ask_wait_and_open_then_the_target_goes_through(agent, clock):
    page = blocked_page(agent, "https://blocked-site.test/a/page?x=1")
    form = dict(re.findall(r"name='(urge|kind|name|token)' value='([^']*)'", page.split("<details", 1)[1]))
    asked = act(agent, "https://blocked-site.test/.well-known/nocontact/ask", form | {"reason": "a form I need"})
    assert asked.status_code == 303 and asked.headers["location"].startswith("/.well-known/nocontact/wait?id=")
    wait_url = "https://blocked-site.test" + asked.headers["location"]
    waiting = through(PageActions(agent), make_flow(wait_url, headers=PAGE)).response
    assert waiting.status_code == 200 and "Waiting it out" in waiting.text

    clock.advance(agent.cooldowns.holds[int(re.search(r"id=(\d+)", wait_url).group(1))].needed)
    ready = through(PageActions(agent), make_flow(wait_url, headers=PAGE)).response.text
    assert "Still want to open it?" in ready
    hold_id, token = re.search(r"name='id' value='(\d+)'><input type='hidden' name='token' value='(\w+)'",
                               ready).groups()
    opened = act(agent, "https://blocked-site.test/.well-known/nocontact/open", {"id": hold_id, "token": token})
    assert opened.status_code == 303 and opened.headers["location"] == wait_url.removeprefix("https://blocked-site.test")
    looked = through(PageActions(agent), make_flow(wait_url, headers=PAGE)).response.text
    assert "You chose to look." in looked and "That's information, not failure." in looked
    assert "href='/a/page?x=1'" in looked  # then on, back where it was
    assert through(Block(agent), make_flow("https://blocked-site.test/a/page", headers=PAGE)).response is None


def test_cancel_ends_the_wait(agent):
    page = blocked_page(agent)
    form = dict(re.findall(r"name='(urge|kind|name|token)' value='([^']*)'", page.split("<details", 1)[1]))
    asked = act(agent, "https://www.okcupid.com/.well-known/nocontact/ask", form)
    hold_id, token = re.search(r"id=(\d+)&t=(\w+)", asked.headers["location"]).groups()
    cancelled = act(agent, "https://www.okcupid.com/.well-known/nocontact/cancel", {"id": hold_id, "token": token})
    assert cancelled.status_code == 200
    assert agent.cooldowns.holds[int(hold_id)].state == "cancelled"
    gone = through(PageActions(agent), make_flow(f"https://www.okcupid.com/.well-known/nocontact/wait?id={hold_id}&t={token}"))
    assert "no longer waiting" in gone.response.text


@pytest.mark.parametrize("path, body", [
    ("close", "urge=%C2%B2&token=x"),  # "²" passes str.isdigit()
    ("close", "urge=1&token=%C3%A9"),
    ("ask", "urge=1&kind=person&name=J&token=%F0%9F%98%80"),
    ("open", "id=%C2%B2&token=x"),
    ("cancel", "id=-1&token=x"),
    ("wait?id=1&t=x", ""),
    ("elsewhere", "a=b"),
])
def test_unsigned_or_hostile_actions_are_refused(agent, path, body):
    method = "GET" if path.startswith("wait") else "POST"
    flow = make_flow(f"https://x.com/.well-known/nocontact/{path}", method, FORM, body.encode())
    assert through(PageActions(agent), flow).response.status_code == 403


def test_a_get_never_acts(agent):
    flow = make_flow("https://x.com/.well-known/nocontact/close?urge=1&token=x")
    assert through(PageActions(agent), flow).response.status_code == 403


def test_our_paths_on_a_host_without_rules_are_not_ours(agent):
    assert through(PageActions(agent), make_flow("https://bank.test/.well-known/nocontact/close", "POST")).response is None
    assert through(PageActions(agent), make_flow("https://x.com/caseylindq")).response is None  # not an action


# --- SendHold ---------------------------------------------------------------------------------------------


def fixture_flow(name: str) -> http.HTTPFlow:
    fixture = load_fixture(FIXTURES / f"{name}.yaml")
    return make_flow(fixture.url, fixture.method, fixture.headers, fixture.wire())


def test_a_mail_to_the_person_is_held_and_kept_as_an_unsent_letter(agent, notes):
    flow = through(SendHold(agent), fixture_flow("outlook_cc"))
    assert flow.response.status_code == 403 and "Held back by nocontact" in flow.response.json()["error"]
    agent.settle()
    (letter,) = agent.urges.letters()
    assert (letter["person"], letter["subject"], letter["text"]) == ("J", "re: keys", "I left the keys with Sam.")
    (urge,) = agent.urges.urges(source="message")
    assert "?" not in urge.url
    assert heard(notes, "Held back. Your words are saved, not sent.")


@pytest.mark.parametrize("name", ["outlook_mention", "gmail_form_other", "aol_other"])
def test_a_mail_to_someone_else_goes_untouched(agent, name):
    flow = fixture_flow(name)
    body = flow.request.raw_content
    assert through(SendHold(agent), flow).response is None
    assert flow.request.raw_content == body
    assert agent.urges.urges() == []


def test_a_send_we_cannot_read_is_held_to_be_safe(agent, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("a bug of ours")

    monkeypatch.setattr(agent.barrier, "inspect", broken)
    flow = through(SendHold(agent), fixture_flow("outlook_mention"))
    assert flow.response.status_code == 403 and "paused it to be safe" in flow.response.json()["error"]


def test_a_send_already_answered_is_not_read(agent):
    flow = fixture_flow("outlook_cc")
    flow.response = tutils.tresp(status_code=403)
    through(SendHold(agent), flow)
    assert agent.urges.letters() == [] and flow.response.status_code == 403


def test_an_inbox_teaches_the_conversation_and_a_send_to_it_is_held(agent):
    inbox = next(f for f in RESPONSES if f.name == "x_inbox_initial_state")
    flow = make_flow(inbox.url, headers=BACKGROUND)
    flow.response = http.Response.make(200, b"", inbox.headers)
    flow.response.raw_content = inbox.wire()  # as it came: still encoded
    through(SendHold(agent), flow, "response")
    assert flow.response.raw_content == inbox.wire()  # the response itself goes on untouched
    assert agent.barrier.learnt()["x:thread:1591234567890123456"] == "J"
    method, host, path, headers, body = x_send("1591234567890123456")
    assert through(SendHold(agent), make_flow(f"https://{host}{path}", method, headers, body)).response.status_code == 403
    method, host, path, headers, body = x_send("1599876543210987654")
    assert through(SendHold(agent), make_flow(f"https://{host}{path}", method, headers, body)).response is None


def test_a_failed_response_teaches_nothing(agent):
    inbox = next(f for f in RESPONSES if f.name == "x_inbox_initial_state")
    flow = make_flow(inbox.url, headers=BACKGROUND)
    flow.response = http.Response.make(500, b"", inbox.headers)
    flow.response.raw_content = inbox.wire()
    through(SendHold(agent), flow, "response")
    assert "x:thread:1591234567890123456" not in agent.barrier.learnt()


def websocket_flow(name: str) -> http.HTTPFlow:
    fixture = load_fixture(FIXTURES / f"{name}.yaml")
    flow = tflow.twebsocketflow()
    flow.request.url = fixture.url.replace("wss://", "https://", 1)  # the upgrade request it began as
    message = fixture.wire()
    text = isinstance(message, str)
    flow.websocket.messages.append(websocket.WebSocketMessage(
        Opcode.TEXT if text else Opcode.BINARY, True, message.encode() if text else message))
    return flow


def test_a_websocket_message_to_the_person_is_dropped_and_others_go(agent):
    theirs = through(SendHold(agent), websocket_flow("facebook_ws_send"), "websocket_message")
    assert theirs.websocket.messages[-1].dropped
    other = through(SendHold(agent), websocket_flow("facebook_ws_other"), "websocket_message")
    assert not other.websocket.messages[-1].dropped
    agent.settle()
    assert any("awake" in (letter["text"] or "") for letter in agent.urges.letters())


# --- NoContact: the addons together, embedded or on their own ----------------------------------------------


def test_embedded_the_addons_share_the_agent_they_are_given(agent):
    addon = NoContact(agent)
    with taddons.context(addon) as tctx:
        tctx.configure(addon, nocontact_config="/nowhere/config.yaml")  # the runner's agent stays
    assert addon.agent is agent
    assert [type(a) for a in addon.addons] == [Passthrough, DeviceGuard, PageActions, Block, SendHold]
    assert all(a.agent is agent for a in addon.addons)


def test_in_the_chain_the_block_pages_own_action_is_answered_before_any_decision(agent):
    addon = NoContact(agent)
    with taddons.context(addon) as tctx:
        flow = make_flow("https://tinder.com/.well-known/nocontact/close", "POST", FORM, b"urge=1&token=x")
        asyncio.run(tctx.master.addons.handle_lifecycle(HttpRequestHook(flow)))
        assert flow.response.status_code == 403  # a wrong token: nothing closed
        assert agent.urges.urges() == []  # answered by PageActions: no urge for our own page
        flow = make_flow("https://tinder.com/app", headers=PAGE)
        asyncio.run(tctx.master.addons.handle_lifecycle(HttpRequestHook(flow)))
        assert flow.response.status_code == 403 and [u.site for u in agent.urges.urges()] == ["tinder.com"]


@pytest.fixture
def home(tmp_path, monkeypatch):
    """A data directory of its own: an agent made by the addon keeps its log (and its last good config) there."""
    monkeypatch.setenv("NOCONTACT_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def test_on_its_own_the_script_makes_its_agent_from_the_option(tmp_path, home):
    config = tmp_path / "config.yaml"
    config.write_text(CONFIG)
    with taddons.context() as tctx:
        tctx.options.update_defer(nocontact_config=str(config))  # as `mitmdump --set` gives it, before the script
        (addon,) = tctx.script(str(ROOT / "addons" / "nocontact.py")).addons  # the script's `addons`
        assert type(addon).__name__ == "NoContact"  # the script's own copy of the class
        assert addon.agent.config_path == config and all(a.agent is addon.agent for a in addon.addons)
        flow = make_flow(PROFILE, headers=PAGE)
        asyncio.run(tctx.master.addons.invoke_addon(addon, HttpRequestHook(flow)))
        assert flow.response.status_code == 403 and "J (Instagram)" in flow.response.text
        addon.done()


def test_on_its_own_a_new_config_option_makes_a_new_agent_for_every_addon(tmp_path, home):
    first, second = tmp_path / "first.yaml", tmp_path / "second.yaml"
    first.write_text(CONFIG)
    second.write_text("block: {sites: [other-site.test]}\n")
    addon = NoContact()
    with taddons.context(addon) as tctx:
        tctx.configure(addon, nocontact_config=str(first))
        before = addon.agent
        tctx.configure(addon, nocontact_config=str(second))
        assert addon.agent is not before and addon.agent.config_path == second
        assert all(a.agent is addon.agent for a in addon.addons)
        assert addon.agent.policy.decide("https://other-site.test/").blocked
    addon.done()


def test_on_its_own_a_bad_config_is_refused_with_its_reason(tmp_path, home):
    bad = tmp_path / "bad.yaml"
    bad.write_text("people: [{alias: J, profiles: ['https://www.instagram.com/explore/']}]\n")
    addon = NoContact()
    with taddons.context(addon) as tctx:
        with pytest.raises(exceptions.OptionsError, match="is not a profile link"):
            tctx.configure(addon, nocontact_config=str(bad))
        # mitmproxy puts the option back as it was, so the agent, if any, is the data directory's own
        assert getattr(addon.agent, "config_path", None) != bad
    addon.done()
