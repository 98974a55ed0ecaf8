"""Benchmark-only mitmproxy script: every upstream connection goes to the local origin.

Loaded into plain `mitmdump` (-s) and into `nocontact run` (--set scripts=...),
so neither proxy ever resolves a name or leaves the machine. The origin's ports
come from NOCONTACT_BENCH_ORIGIN="<http port>,<https port>".

Unlike RouteToOrigin in tests/conftest.py, this does not rewrite
`data.server.address` in `server_connect`: mitmproxy reuses an upstream
connection only when its address equals the request's (www.instagram.com:443),
so a rewritten address opens a new upstream connection for every request on a
keep-alive client connection, and mitmproxy's limit of 5 connections per
address and client then stalls the 6th request. Instead, name resolution in
the proxy process answers every host name with the origin's loopback address
and port, which keeps the address (and so connection reuse) intact.
"""

from __future__ import annotations

import ipaddress
import os
import socket

_HTTP, _HTTPS = (int(p) for p in os.environ["NOCONTACT_BENCH_ORIGIN"].split(","))
_getaddrinfo = socket.getaddrinfo


def _is_ip(host) -> bool:
    try:
        ipaddress.ip_address(host.decode() if isinstance(host, bytes) else host)
        return True
    except ValueError:
        return False


def _to_origin(host, port, *args, **kwargs):
    if host is None or _is_ip(host):
        return _getaddrinfo(host, port, *args, **kwargs)
    return _getaddrinfo("127.0.0.1", _HTTPS if str(port) == "443" else _HTTP, *args, **kwargs)


class RouteToOrigin:
    def load(self, loader) -> None:
        socket.getaddrinfo = _to_origin

    def done(self) -> None:
        socket.getaddrinfo = _getaddrinfo


addons = [RouteToOrigin()]
