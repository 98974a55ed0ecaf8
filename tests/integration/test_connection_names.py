"""Integration: a client names its destination several times (CONNECT target, TLS SNI, the URL, the Host headers).

The proxy connects by one name and the origin may route by another, so every name is decided on: a request
is blocked if any of them is, and what cannot be read on a watched host is refused. Through the real proxy,
with raw sockets, since well-behaved clients never send these.
"""

from __future__ import annotations

import contextlib
import http.client
import socket
import ssl

import pytest

from tests.origins import ORIGIN_CN

MITM_CN = "mitmproxy"


@contextlib.contextmanager
def new_contacts(proxy):
    """The hosts the proxy tried to reach while the block ran."""
    seen: list[str] = []
    start = len(proxy.route.contacted)
    yield seen
    seen.extend(proxy.route.contacted[start:])


def urges_for(proxy, site: str) -> int:
    proxy.agent.settle()
    return sum(1 for urge in proxy.agent.urges.urges() if urge.site == site)


def read_reply(sock) -> http.client.HTTPResponse:
    reply = http.client.HTTPResponse(sock, method="GET")
    reply.begin()
    reply.body = reply.read()
    return reply


def plain(proxy, head: str) -> http.client.HTTPResponse:
    """A raw request (its head as given) to the proxy itself, as an HTTP proxy client sends one."""
    with socket.create_connection(proxy.address, timeout=10) as sock:
        sock.sendall(head.encode() + b"\r\n\r\n")
        return read_reply(sock)


def tunnel(proxy, target: str) -> socket.socket:
    sock = socket.create_connection(proxy.address, timeout=10)
    sock.sendall(f"CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n\r\n".encode())
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = sock.recv(4096)
        assert chunk, "the proxy closed the tunnel before answering the CONNECT"
        head += chunk
    assert head.startswith(b"HTTP/1.1 200"), head
    return sock


def tls(sock: socket.socket, sni: str | None) -> ssl.SSLSocket:
    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE  # which certificate came back is read
    return context.wrap_socket(sock, server_hostname=sni)


def issuer(sock: ssl.SSLSocket) -> str:
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    cert = x509.load_der_x509_certificate(sock.getpeercert(binary_form=True))
    return cert.issuer.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value


def closed_without_reply(sock) -> bool:
    """The proxy closed the connection and sent nothing back."""
    try:
        return sock.recv(4096) == b""
    except ConnectionResetError:
        return True


# --- a) the URL's authority and the Host header disagree ------------------------------------------------


@pytest.mark.parametrize("head, site", [
    ("GET http://allowed.test/a HTTP/1.1\r\nHost: badoo.com", "badoo.com"),
    ("GET http://happn.com/a HTTP/1.1\r\nHost: allowed.test", "happn.com"),
])
def test_a_url_and_a_host_header_that_disagree_are_both_decided_on(proxy, head, site):
    with new_contacts(proxy) as contacted:
        reply = plain(proxy, head + "\r\nAccept: text/html")
    assert reply.status == 403 and b"(" + site.encode() + b")" in reply.body  # the gentle page names the site
    assert reply.getheader("cache-control") == "no-store"
    assert contacted == []
    assert urges_for(proxy, site) == 1


def test_two_blocked_names_make_one_urge(proxy):
    with new_contacts(proxy) as contacted:
        reply = plain(proxy, "GET http://plentyoffish.com/ HTTP/1.1\r\nHost: coffeemeetsbagel.com\r\nAccept: text/html")
    assert reply.status == 403 and contacted == []
    assert urges_for(proxy, "plentyoffish.com") + urges_for(proxy, "coffeemeetsbagel.com") == 1


def test_a_background_call_with_a_disagreeing_host_gets_json(proxy):
    reply = plain(proxy, "GET http://allowed.test/api/x HTTP/1.1\r\nHost: badoo.com\r\n"
                         "Accept: application/json\r\nSec-Fetch-Mode: cors\r\nSec-Fetch-Dest: empty")
    assert reply.status == 403 and reply.getheader("content-type") == "application/json"


def test_the_person_s_profile_behind_another_host_header_is_blocked(proxy):
    with new_contacts(proxy) as contacted:
        reply = plain(proxy, "GET http://www.instagram.com/casey.lindqvist/ HTTP/1.1\r\nHost: allowed.test")
    assert reply.status == 403 and b"J (Instagram)" in reply.body
    assert contacted == []


def test_plain_http_inside_a_tunnel_is_decided_on_the_tunnel_s_target(proxy):
    with new_contacts(proxy) as contacted, tunnel(proxy, "pof.com:80") as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: allowed.test\r\nAccept: text/html\r\n\r\n")
        reply = read_reply(sock)
    assert reply.status == 403 and b"(pof.com)" in reply.body
    assert contacted == []


def test_agreeing_names_without_rules_go_through(proxy):
    with new_contacts(proxy) as contacted:
        reply = plain(proxy, "GET http://allowed.test/a HTTP/1.1\r\nHost: allowed.test")
    assert reply.status == 200 and b"origin page" in reply.body
    assert contacted == ["allowed.test"]


# --- b) several Host headers --------------------------------------------------------------------------------


@pytest.mark.parametrize("hosts", [
    ("allowed.test", "grindr.com"),
    ("grindr.com", "allowed.test"),
    ("allowed.test, grindr.com",),  # one header naming two hosts
])
def test_every_host_header_is_decided_on(proxy, hosts):
    lines = "".join(f"\r\nHost: {host}" for host in hosts)
    with new_contacts(proxy) as contacted:
        reply = plain(proxy, f"GET http://allowed.test/ HTTP/1.1{lines}\r\nAccept: text/html")
    assert reply.status == 403 and b"(grindr.com)" in reply.body
    assert contacted == []


def test_a_second_host_header_inside_a_decrypted_tunnel_is_decided_on(proxy):
    with new_contacts(proxy) as contacted, tls(tunnel(proxy, "www.instagram.com:443"), "www.instagram.com") as sock:
        sock.sendall(b"GET /someone.else/ HTTP/1.1\r\nHost: www.instagram.com\r\nHost: feeld.co\r\n\r\n")
        reply = read_reply(sock)
    assert reply.status == 403 and b"(feeld.co)" in reply.body
    assert contacted == []


# --- c) the CONNECT target and the TLS SNI disagree ---------------------------------------------------------


@pytest.mark.parametrize("target, sni, host, site", [
    ("tinder.com", "allowed.test", "allowed.test", "tinder.com"),
    ("allowed.test", "ourtime.com", "allowed.test", "ourtime.com"),
    ("allowed.test", "chemistry.com", None, "chemistry.com"),  # no Host header at all: HTTP/1.0
])
def test_a_tunnel_whose_sni_names_another_host_is_decrypted_and_decided_on_both(proxy, target, sni, host, site):
    with new_contacts(proxy) as contacted, tls(tunnel(proxy, f"{target}:443"), sni) as sock:
        assert issuer(sock) == MITM_CN  # a watched name among them: never passed through unread
        version, header = ("HTTP/1.1", f"Host: {host}\r\n") if host else ("HTTP/1.0", "")
        sock.sendall(f"GET /x {version}\r\n{header}Accept: text/html\r\n\r\n".encode())
        reply = read_reply(sock)
    assert reply.status == 403 and f"({site})".encode() in reply.body
    assert contacted == []


def test_a_tunnel_where_no_name_is_watched_stays_encrypted(proxy):
    with new_contacts(proxy) as contacted, tls(tunnel(proxy, "bank.test:443"), "allowed.test") as sock:
        assert issuer(sock) == ORIGIN_CN  # the origin's own certificate: not decrypted
        sock.sendall(b"GET / HTTP/1.1\r\nHost: allowed.test\r\n\r\n")
        assert read_reply(sock).status == 200
    assert contacted == ["bank.test"]


# --- d) bytes that are neither TLS nor HTTP -----------------------------------------------------------------


@pytest.mark.parametrize("target", ["tinder.com:443", "www.instagram.com:443", "blocked-site.test:5222"])
def test_a_stream_that_cannot_be_read_on_a_watched_host_is_closed(proxy, target):
    with new_contacts(proxy) as contacted, tunnel(proxy, target) as sock:
        sock.sendall(b"\x00\x01raw bytes, neither TLS nor HTTP\n")
        assert closed_without_reply(sock)
    assert contacted == []


def test_a_stream_that_cannot_be_read_inside_a_decrypted_tunnel_is_closed(proxy):
    with new_contacts(proxy) as contacted, tls(tunnel(proxy, "www.instagram.com:443"), "www.instagram.com") as sock:
        sock.sendall(b"\x00\x01raw bytes inside TLS\n")
        assert closed_without_reply(sock)
    assert contacted == []


def test_a_stream_to_a_host_without_rules_passes_untouched(proxy):
    with new_contacts(proxy) as contacted, tunnel(proxy, "news.test:80") as sock:
        sock.sendall(b"\x00\x01raw bytes, neither TLS nor HTTP\n")
        assert sock.recv(4096)  # relayed: the origin answers what it can make of them
    assert contacted == ["news.test"]
