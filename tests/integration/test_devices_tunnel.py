"""A phone through the running agent: a real WireGuard client (wireguard-go in a network namespace, tests/phone.py)
joins the shared proxy with the config `devices add` wrote, and reaches origins on the host only through it.

Needs root: in CI these fail instead of skipping (NOCONTACT_REQUIRE_WIREGUARD).
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import socket
import time
from dataclasses import replace

import pytest

from agent import device_runner, devices
from tests.origins import start_origin
from tests.phone import Phone, PhoneError, UdpOrigin, need_phone

PROFILE = "https://www.instagram.com/casey.lindqvist/"


def wait_until(check, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return False


@pytest.fixture(scope="module")
def phone(proxy, tmp_path_factory):
    """One phone for the module, joined to the shared proxy as the device "phone"."""
    need_phone()
    with Phone(origins=2) as phone:
        device = devices.add(proxy.agent.tunnels.data_dir, "phone", endpoint=phone.host)
        # A running agent starts the new device's listener by itself, within a couple of seconds.
        phone.join(device.client_config(), timeout=10)
        phone.device = device
        folder = tmp_path_factory.mktemp("phone-origin")
        phone.origin, servers = start_origin(folder, host=phone.origins[0])
        phone.origin_cert = folder / "origin-cert.pem"
        phone.ca = proxy.agent.address["ca_cert"]
        try:
            yield phone
        finally:
            for server in servers:
                server.shutdown()
                server.server_close()


def url(phone, host: str, path: str = "/") -> str:
    return f"https://{host}:{phone.origin.https_port}{path}"


def test_an_unwatched_host_is_reached_with_its_own_certificate_never_decrypted(phone):
    reply = phone.curl(url(phone, "news.test", "/today"), resolve=phone.origins[0], cacert=phone.origin_cert)
    assert (reply.status, reply.returncode) == (200, 0), reply.error  # only the origin's own certificate passes
    assert phone.origin.requests_to("news.test")[-1][2] == "/today"


def test_a_whole_blocked_site_is_refused_by_name_and_the_origin_never_sees_it(phone, proxy):
    contacted = len(proxy.route.contacted)
    reply = phone.curl(url(phone, "blocked-site.test"), resolve=phone.origins[0], cacert=phone.ca)
    assert reply.status == 0 and reply.returncode != 0
    assert phone.origin.requests_to("blocked-site.test") == []
    assert phone.origins[0] not in proxy.route.contacted[contacted:]  # not even a connection was made
    assert wait_until(lambda: any(u.site == "blocked-site.test" and u.source == "phone"
                                  for u in proxy.agent.urges.urges()))


def test_the_persons_profile_gets_the_gentle_page_in_a_browser_that_trusts_the_ca(phone, proxy):
    reply = phone.curl(url(phone, "www.instagram.com", "/casey.lindqvist/"), resolve=phone.origins[0],
                       cacert=phone.ca, args=["-H", "Accept: text/html", "-H", "Sec-Fetch-Mode: navigate"])
    assert reply.status == 403 and "J (Instagram)" in reply.text and "casey" not in reply.text.lower()
    assert phone.origin.requests_to("www.instagram.com") == []
    assert wait_until(lambda: any(u.person == "J" and u.source == "phone" for u in proxy.agent.urges.urges()))
    other = phone.curl(url(phone, "www.instagram.com", "/someone.else/"), resolve=phone.origins[0], cacert=phone.ca)
    assert other.status == 200  # the rest of the platform works, read and passed on


def test_the_block_page_buttons_work_on_the_phone_as_on_the_computer(phone, proxy):
    profile = url(phone, "x.com", "/caseylindq")
    page = phone.curl(profile, resolve=phone.origins[0], cacert=phone.ca).text
    urge = re.search(r"name='urge' value='(\d+)'", page).group(1)
    token = re.search(r"name='token' value='([0-9a-f]+)'", page).group(1)
    close = phone.curl(url(phone, "x.com", "/.well-known/nocontact/close"), resolve=phone.origins[0],
                       cacert=phone.ca, args=["--data", f"urge={urge}&token={token}"])
    assert close.status == 200
    assert wait_until(lambda: any(u.id == int(urge) and u.outcome == "closed" and u.source == "phone"
                                  for u in proxy.agent.urges.urges()))


def test_an_app_refusing_our_certificate_is_let_through_after_and_other_hosts_keep_working(phone, proxy):
    host = "x.com"
    refused = phone.curl(url(phone, host, "/someone"), resolve=phone.origins[0], cacert=phone.origin_cert)
    assert refused.returncode != 0  # it did not trust our certificate: an app pinning its own
    assert wait_until(lambda: proxy.agent.tunnels.pinned("phone", host))
    again = phone.curl(url(phone, host, "/someone"), resolve=phone.origins[0], insecure=True,
                       args=["-v"])
    assert again.status == 200 and "nocontact test origin" in again.error  # the origin's own certificate
    assert phone.origin.requests_to(host)
    assert phone.curl(url(phone, "news.test"), resolve=phone.origins[0], cacert=phone.origin_cert).status == 200
    gentle = phone.curl(url(phone, "www.facebook.com", "/profile.php?id=100098765432101"),
                        resolve=phone.origins[0], cacert=phone.ca)
    assert gentle.status == 403  # another watched host is still read


def test_dns_for_a_blocked_name_has_no_address_and_the_rest_resolves(phone, proxy):
    blocked = phone.dns("blocked-site.test")
    assert blocked is not None and (blocked.rcode, blocked.addresses) == (0, [])
    page = phone.dns("nocontact.home.arpa")
    assert page is not None and page.addresses == ["10.0.0.53"]


def test_quic_to_a_watched_host_is_refused_and_to_others_passes(phone):
    with UdpOrigin(phone.origins[1]) as origin:
        assert phone.quic(phone.origins[1], "www.instagram.com", port=origin.port, timeout=1.0) is None
        assert origin.received == []
        phone.quic(phone.origins[1], "news.test", port=origin.port, timeout=1.0)
        assert wait_until(lambda: len(origin.received) == 1, timeout=3)
        assert phone.udp(phone.origins[1], origin.port, b"other UDP passes, as it is") == b"other UDP passes, as it is"


def test_the_page_to_trust_the_ca_is_served_in_the_tunnel(phone):
    page = phone.curl("http://nocontact.home.arpa/", resolve="10.0.0.53")
    assert page.status == 200 and "full trust" in page.text and "Android" in page.text
    pem = phone.curl("http://10.0.0.53/nocontact-ca.pem")
    assert pem.status == 200 and pem.text.startswith("-----BEGIN CERTIFICATE-----") and "PRIVATE" not in pem.text
    profile = phone.curl("http://nocontact.home.arpa/nocontact.mobileconfig", resolve="10.0.0.53")
    assert profile.status == 200 and b"com.apple.security.root" in profile.body


def test_a_device_whose_port_is_taken_is_said_the_others_keep_working_and_it_comes_up_once_free(
        phone, proxy, notifications, monkeypatch):
    agent = proxy.agent
    held = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    held.bind(("0.0.0.0", 0))
    busy = devices.add(agent.tunnels.data_dir, "busy")
    devices.save(agent.tunnels.data_dir, replace(busy, port=held.getsockname()[1]))  # taken after it was added
    try:
        assert wait_until(lambda: "busy" in agent.tunnels.problems)
        assert "could not be opened" in agent.tunnels.problems["busy"]
        assert wait_until(lambda: any("busy cannot connect" in body for _, body in notifications))
        assert phone.curl(url(phone, "news.test"), resolve=phone.origins[0], cacert=phone.origin_cert).status == 200
        assert proxy.fetch("http://news.test/").status == 200  # the computer's own proxy
        monkeypatch.setattr(device_runner, "RETRY_SECONDS", 0.0)  # tried again at once, not after 30 s
        held.close()  # the other program lets the port go: the device's listener comes up, no restart
        assert wait_until(lambda: "busy" not in agent.tunnels.problems)
    finally:
        held.close()
        agent.tunnels.remove("busy")


def test_a_stranger_with_a_wrong_key_gets_no_tunnel_and_the_phone_keeps_working(phone):
    from mitmproxy_rs import wireguard

    stranger_config = re.sub(r"PrivateKey = \S+", f"PrivateKey = {wireguard.genkey()}", phone.device.client_config())
    with Phone() as stranger:
        with pytest.raises(PhoneError, match="handshake"):
            stranger.join(stranger_config, endpoint=stranger.host, timeout=3)
    assert phone.curl(url(phone, "news.test"), resolve=phone.origins[0], cacert=phone.origin_cert).status == 200


def test_removing_a_device_waits_then_its_key_no_longer_joins(phone, proxy):
    agent = proxy.agent
    hold = asyncio.run_coroutine_threadsafe(_call(agent.remove_device, "phone"), proxy.loop).result(5)
    assert phone.curl(url(phone, "news.test"), resolve=phone.origins[0], cacert=phone.origin_cert).status == 200
    proxy.clock.advance(hold.remaining + 1)  # the wait, without sleeping through it
    assert wait_until(lambda: "phone" not in agent.tunnels.devices, timeout=5)
    assert not devices.folder(agent.tunnels.data_dir).joinpath("phone.json").exists()
    servers = proxy.master.addons.get("proxyserver").servers
    assert wait_until(lambda: all(s.mode.type_name != "wireguard" for s in servers), timeout=5)  # its listener
    with contextlib.suppress(PhoneError):
        phone.drop()
    with pytest.raises(PhoneError, match="handshake"):
        phone.join(phone.device.client_config(), timeout=4)


async def _call(function, *args):
    return function(*args)
