"""A site the config blocks after the CA was made, outside its reach: the real proxy refuses its TLS connection
(no leaf a browser would reject is offered, the site is never contacted) and still notes the urge and sends the
gentle notification; over plain HTTP the gentle page shows as ever."""

from __future__ import annotations

import asyncio
import ssl
import time

import pytest

from agent.config import parse_config
from tests.conftest import TEST_CONFIG, own_proxy
from tests.integration.test_connection_names import tunnel
from tests.origins import ORIGIN_CN

LATER = (TEST_CONFIG.replace("sites: [blocked-site.test]", "sites: [blocked-site.test, later.test]")
         .replace("urls: [https://blog.test/casey]", "urls: [https://blog.test/casey, https://later-blog.test/casey]"))


@pytest.fixture
def widened(origin, tmp_path):
    """A proxy whose CA was made for TEST_CONFIG, running a config that blocks later.test too."""
    with own_proxy(TEST_CONFIG, tmp_path, origin) as proxy:
        async def adopt() -> str:
            return proxy.agent.adopt(parse_config(LATER), LATER)

        assert asyncio.run_coroutine_threadsafe(adopt(), proxy.loop).result(10) == "applied"
        yield proxy


def handshake(proxy, host: str) -> ssl.SSLSocket:
    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    return context.wrap_socket(tunnel(proxy, f"{host}:443"), server_hostname=host)


def urges_for(proxy, site: str) -> int:
    proxy.agent.settle()
    return sum(1 for urge in proxy.agent.urges.urges() if urge.site == site)


def open_window(proxy, site: str) -> None:
    """Wait out the cooldown for `site` on the injected clock, then open its window."""
    async def request_and_open() -> None:
        hold = proxy.agent.cooldowns.request("site", site)
        proxy.clock.advance(hold.remaining)
        proxy.agent.cooldowns.open(hold.id)

    asyncio.run_coroutine_threadsafe(request_and_open(), proxy.loop).result(10)


def test_a_blocked_site_outside_the_ca_is_refused_and_the_urge_noted(widened):
    start = len(widened.route.contacted)
    with pytest.raises((ssl.SSLEOFError, ConnectionResetError)):  # closed at once, not left to time out
        handshake(widened, "later.test")
    assert "later.test" not in widened.route.contacted[start:]
    deadline = time.monotonic() + 10
    while urges_for(widened, "later.test") == 0:  # noted beside the refusal, not before it
        assert time.monotonic() < deadline, "no urge was noted"
        time.sleep(0.05)
    assert urges_for(widened, "later.test") == 1
    assert any("later.test" in body for _, body in widened.notes)


def test_more_sites_outside_the_ca_are_told_once_in_a_gentle_notification(widened):
    from pathlib import Path

    from agent.run import say_outside

    confdir = Path(widened.agent.address["ca_cert"]).parent
    told = [body for _, body in widened.notes if "nocontact ca rotate" in body]
    say_outside(widened.agent, confdir)
    say_outside(widened.agent, confdir)  # the same sites again: not told twice
    now = [body for _, body in widened.notes if "nocontact ca rotate" in body]
    assert len(now) == len(told) + 1 and "2 sites it watches are outside its certificate" in now[-1]
    assert "later" not in now[-1]  # how many, never which


def test_inside_the_ca_nothing_changes(widened):
    assert widened.fetch("https://blocked-site.test/").status == 403  # the gentle page over HTTPS
    assert widened.fetch("https://www.instagram.com/someone.else/").status == 200
    assert widened.fetch("http://later.test/").status == 403  # plain HTTP needs no certificate


def test_a_site_read_only_for_some_pages_passes_untouched_rather_than_refused(widened):
    """Watched after the CA was made, but not blocked as a whole (one page of it is): without a certificate for
    it, nothing of it can be read, and the rest of the site is not taken from the person for that."""
    reply = widened.fetch("https://later-blog.test/recipes")
    assert (reply.status, reply.issuer) == (200, ORIGIN_CN)  # the origin's own certificate: not intercepted
    assert urges_for(widened, "later-blog.test") == 0


def test_with_a_window_open_it_passes_untouched(widened):
    open_window(widened, "later.test")
    reply = widened.fetch("https://later.test/")
    assert (reply.status, reply.issuer) == (200, ORIGIN_CN)  # the origin's own certificate: not intercepted


def test_a_window_outside_the_ca_never_carries_another_name_through(widened):
    open_window(widened, "later.test")
    start = len(widened.route.contacted)
    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    with pytest.raises((ssl.SSLError, ConnectionResetError)):  # CONNECT names a blocked site, the SNI the open one
        context.wrap_socket(tunnel(widened, "blocked-site.test:443"), server_hostname="later.test")
    assert "blocked-site.test" not in widened.route.contacted[start:]
