"""The addons decide on every name a connection involves, in process with mitmproxy's own test helpers.

A client names its destination several times (CONNECT target, TLS SNI, the URL's authority, the HTTP/2
:authority, each Host header); the proxy connects by one and the origin may route by another.
"""

from __future__ import annotations

import asyncio

import pytest
from mitmproxy import http, tcp
from mitmproxy.connection import ConnectionState
from mitmproxy.proxy.layers.tcp import TcpMessageHook, TcpStartHook
from mitmproxy.test import taddons, tflow

from addons.block import Block
from addons.names import request_names
from addons.passthrough import REFUSED, Passthrough
from addons.send_hold import SendHold
from tests.unit import test_addons as in_process
from tests.unit.test_addons import PAGE, fixture_flow, hello, make_flow, through

agent, clock, notes = in_process.agent, in_process.clock, in_process.notes  # the same fixtures


def with_hosts(url: str, *hosts: str, headers: dict | None = None) -> http.HTTPFlow:
    """A flow for `url` that carries the Host headers given (several, as a hostile client may send)."""
    flow = make_flow(url, headers=headers or PAGE)
    flow.request.headers.set_all("Host", list(hosts))
    return flow


def http2(authority: str, host: str | None) -> http.HTTPFlow:
    flow = make_flow(f"https://{authority}/", headers=PAGE)
    flow.request.http_version = "HTTP/2.0"
    flow.request.authority = authority
    if host:
        flow.request.headers["Host"] = host
    return flow


# --- the names -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("hosts, names", [
    (("WWW.Instagram.com.:443",), ["allowed.test", "www.instagram.com"]),
    (("allowed.test", "tinder.com"), ["allowed.test", "tinder.com"]),
    (("allowed.test, tinder.com",), ["allowed.test", "tinder.com"]),
    (("tinder%2Ecom",), ["allowed.test", "tinder.com"]),
    (("[2001:db8::1]:8080",), ["allowed.test", "2001:db8::1"]),
])
def test_every_name_in_the_host_headers_is_read(hosts, names):
    flow = with_hosts("http://allowed.test/", *hosts)
    flow.client_conn.sni = None
    assert request_names(flow) == names


def test_the_sni_and_the_http2_authority_are_names_too():
    flow = http2("allowed.test", "tinder.com")
    flow.client_conn.sni = "zoosk.com"
    assert set(request_names(flow)) == {"allowed.test", "tinder.com", "zoosk.com"}


# --- Block --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("url, hosts", [
    ("http://allowed.test/", ("tinder.com",)),
    ("http://tinder.com/", ("allowed.test",)),
    ("http://allowed.test/", ("allowed.test", "tinder.com")),
    ("http://allowed.test/", ("tinder.com", "allowed.test")),
    ("http://allowed.test/", ("allowed.test, tinder.com",)),
])
def test_a_request_is_blocked_when_any_of_its_names_is(agent, url, hosts):
    reply = through(Block(agent), with_hosts(url, *hosts)).response
    assert reply.status_code == 403 and "(tinder.com)" in reply.text
    (urge,) = agent.urges.urges()
    assert urge.site == "tinder.com" and urge.url == "http://tinder.com/"


@pytest.mark.parametrize("authority, host", [("allowed.test", "tinder.com"), ("tinder.com", "allowed.test")])
def test_an_http2_authority_and_a_host_header_are_both_decided_on(agent, authority, host):
    assert through(Block(agent), http2(authority, host)).response.status_code == 403


def test_a_tls_sni_that_names_a_blocked_host_blocks(agent):
    flow = make_flow("https://allowed.test/x", headers=PAGE)
    flow.client_conn.sni = "tinder.com"
    assert through(Block(agent), flow).response.status_code == 403


def test_the_person_s_profile_is_found_by_any_name_with_the_same_path(agent):
    flow = with_hosts("https://www.instagram.com/casey.lindqvist/?hl=en", "allowed.test")
    reply = through(Block(agent), flow).response
    assert reply.status_code == 403 and "J (Instagram)" in reply.text
    (urge,) = agent.urges.urges()
    assert urge.url == "https://www.instagram.com/casey.lindqvist/"  # the name that blocked, no query string


def test_two_blocked_names_are_one_urge(agent):
    through(Block(agent), with_hosts("http://tinder.com/", "blocked-site.test"))
    agent.settle()
    assert len(agent.urges.urges()) == 1


def test_a_window_open_for_one_name_does_not_open_another(agent, clock):
    hold = agent.cooldowns.request("site", "blocked-site.test")
    clock.advance(hold.needed)
    agent.tick()
    agent.cooldowns.open(hold.id)
    assert through(Block(agent), with_hosts("https://blocked-site.test/", "blocked-site.test")).response is None
    reply = through(Block(agent), with_hosts("https://tinder.com/", "blocked-site.test")).response
    assert reply.status_code == 403 and "(tinder.com)" in reply.text


@pytest.mark.parametrize("url, hosts", [
    ("http://allowed.test/", ("allowed.test",)),
    ("http://allowed.test/", ("allowed.test", "news.test")),
    ("https://www.instagram.com/someone.else/", ("www.instagram.com", "allowed.test")),
])
def test_names_that_no_rule_blocks_go_on_untouched(agent, url, hosts):
    assert through(Block(agent), with_hosts(url, *hosts)).response is None
    assert agent.urges.urges() == []


def test_our_own_mistake_pauses_a_request_with_any_watched_name(agent, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("a bug of ours")

    monkeypatch.setattr(agent.policy, "decide", broken)
    paused = through(Block(agent), with_hosts("http://tinder.com/", "allowed.test")).response
    assert paused.status_code == 403 and "paused it to be safe" in paused.text
    assert through(Block(agent), with_hosts("http://allowed.test/", "news.test")).response is None


# --- SendHold ------------------------------------------------------------------------------------------------


def test_a_send_is_read_whichever_name_says_where_it_goes(agent):
    flow = fixture_flow("outlook_cc")
    flow.request.headers["Host"] = "allowed.test"  # the target is still the mail service
    assert through(SendHold(agent), flow).response.status_code == 403


# --- Passthrough: TLS ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("sni, server, decrypted", [
    ("allowed.test", "tinder.com", True),  # CONNECT tinder.com:443, then an SNI without rules
    ("tinder.com", "allowed.test", True),
    ("allowed.test", "bank.test", False),  # no name watched: never decrypted
])
def test_a_tls_connection_is_decrypted_when_any_of_its_names_is_watched(agent, sni, server, decrypted):
    data = hello(sni, server)
    addon = Passthrough(agent)
    with taddons.context(addon):
        addon.tls_clienthello(data)
    assert data.ignore_connection is not decrypted


def test_a_name_we_cannot_judge_is_looked_at(agent, monkeypatch):
    def broken(host):
        raise RuntimeError("a bug of ours")

    monkeypatch.setattr(agent.policy, "watches", broken)
    data = hello("allowed.test", "bank.test")
    Passthrough(agent).tls_clienthello(data)
    assert data.ignore_connection is False


# --- Passthrough: streams that are neither TLS nor HTTP ------------------------------------------------------


def stream(server: str, sni: str | None = None, connected: bool = False) -> tcp.TCPFlow:
    flow = tflow.ttcpflow(messages=[])
    flow.server_conn.address = (server, 443)
    flow.server_conn.state = ConnectionState.OPEN if connected else ConnectionState.CLOSED
    flow.client_conn.sni = sni
    return flow


def run_hook(addon, hook) -> None:
    """The hook through a mitmproxy master by its own name, as the proxy invokes it."""
    with taddons.context(addon) as tctx:
        asyncio.run(tctx.master.addons.handle_lifecycle(hook))


@pytest.mark.parametrize("server, sni", [("tinder.com", None), ("www.instagram.com", None),
                                         ("203.0.113.7", "tinder.com")])
def test_a_stream_to_a_watched_name_is_never_opened(agent, server, sni):
    flow = stream(server, sni)
    run_hook(Passthrough(agent), TcpStartHook(flow))
    assert flow.server_conn.error == REFUSED  # mitmproxy does not open a connection that has an error
    assert not flow.live


def test_a_stream_whose_names_we_cannot_judge_is_closed(agent, monkeypatch):
    def broken(host):
        raise RuntimeError("a bug of ours")

    monkeypatch.setattr(agent.policy, "watches", broken)
    flow = stream("news.test")
    run_hook(Passthrough(agent), TcpStartHook(flow))
    assert flow.server_conn.error == REFUSED


def test_a_stream_to_a_host_without_rules_is_untouched(agent):
    flow = stream("news.test", "allowed.test")
    run_hook(Passthrough(agent), TcpStartHook(flow))
    assert flow.server_conn.error is None and flow.live
    flow.messages.append(tcp.TCPMessage(True, b"hello"))
    run_hook(Passthrough(agent), TcpMessageHook(flow))
    assert flow.messages[-1].content == b"hello"


def test_a_stream_already_connected_to_a_watched_host_passes_nothing_on(agent):
    flow = stream("tinder.com", connected=True)  # an eager connection strategy connected it at CONNECT
    addon = Passthrough(agent)
    run_hook(addon, TcpStartHook(flow))
    for from_client in (True, False):
        flow.messages.append(tcp.TCPMessage(from_client, b"hello"))
        run_hook(addon, TcpMessageHook(flow))
        assert flow.messages[-1].content == b""
