"""The request's URL, parsed once per flow and shared by the addons that need it."""

from __future__ import annotations

from weakref import WeakKeyDictionary

from mitmproxy import http

from agent.engine.urls import Url, UrlError, parse

_parsed: WeakKeyDictionary[http.HTTPFlow, Url] = WeakKeyDictionary()  # gone with the flow


def request_url(flow: http.HTTPFlow) -> Url:
    """The request's URL as the browser shows it, parsed on first use; raises UrlError for one that cannot be read.

    A Host header that is not one host name (two headers, or two names in one) leaves the request's own
    target; the names it holds are decided on apart from it (`names.request_names`).
    """
    url = _parsed.get(flow)
    if url is None:
        try:
            url = parse(flow.request.pretty_url)
        except UrlError:
            url = parse(flow.request.url)
        _parsed[flow] = url
    return url
