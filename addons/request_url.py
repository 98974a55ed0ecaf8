"""The request's URL, parsed once per flow and shared by the addons that need it."""

from __future__ import annotations

from weakref import WeakKeyDictionary

from mitmproxy import http

from agent.engine.urls import Url, parse

_parsed: WeakKeyDictionary[http.HTTPFlow, Url] = WeakKeyDictionary()  # gone with the flow


def request_url(flow: http.HTTPFlow) -> Url:
    """The request's URL, parsed on first use; raises UrlError for one that cannot be read."""
    url = _parsed.get(flow)
    if url is None:
        url = _parsed[flow] = parse(flow.request.pretty_url)
    return url
