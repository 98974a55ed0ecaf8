"""Every host name a connection or a request involves.

A client names its destination several times: the CONNECT target (the server address), the TLS SNI, the
URL's authority and each Host header. They normally agree. When they do not, the proxy connects by one
name while the origin (or the CDN in front of it) may route by another, so each one is decided on.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from mitmproxy import http, tcp, tls

from agent.engine.policy import Policy
from agent.engine.urls import normalise_host

# One authority as browsers send it: a host name, maybe a port. Anything else (several names joined by
# commas, stray text) is read as every name in it, since an origin may take any of them.
_AUTHORITY = re.compile(r"([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?|([0-9A-Fa-f.]*:[0-9A-Fa-f:.]*)")
_NAME = re.compile(r"[^\s,;:/\\@\[\]?#]+")


def _names(values: Iterable[str | None]) -> list[str]:
    found: list[str] = []
    read: set[str] = set()  # nearly always one value, repeated: it is read once
    for value in values:
        if not value or value in read:
            continue
        read.add(value)
        plain = _AUTHORITY.fullmatch(value)
        for name in (plain.group(1) or plain.group(2),) if plain else _NAME.findall(value):
            name = normalise_host(name)
            if name and name not in found:
                found.append(name)
    return found


def request_names(flow: http.HTTPFlow) -> list[str]:
    """The names a request involves: its target host, its authority, every Host header and the TLS SNI."""
    request = flow.request
    return _names((request.host, request.authority, *request.headers.get_all("host"), flow.client_conn.sni))


def hello_names(data: tls.ClientHelloData) -> list[str]:
    """The names a TLS connection involves: the SNI and the address the client asked the proxy for."""
    return sni_and_address(data.client_hello.sni, data.context.server.address)


def sni_and_address(sni: str | None, address: tuple | None) -> list[str]:
    """The names a connection involves before it is read: its SNI (TLS or QUIC) and the address asked for."""
    return _names((sni, address[0] if address else None))


def stream_names(flow: tcp.TCPFlow) -> list[str]:
    """The names a raw stream involves: the server address and any TLS SNI on either side."""
    address = flow.server_conn.address
    return _names((address[0] if address else None, flow.client_conn.sni, flow.server_conn.sni))


def any_watched(policy: Policy, names: Iterable[str]) -> bool:
    """Does a rule watch any of `names`? A name that cannot be judged counts as watched (fail closed)."""
    for name in names:
        try:
            if policy.watches(name):
                return True
        except Exception:
            return True
    return False
