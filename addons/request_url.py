"""The request's URL, read once per flow and shared by the addons that need it."""

from __future__ import annotations

from weakref import WeakKeyDictionary

from mitmproxy import http

from agent.engine.urls import Url, parse

# Background calls that send their query (GraphQL variables) as a form body.
FORM_BODY_PATHS = ("/api/graphql", "/graphql", "/graphql/query")
MAX_FORM_CHARS = 65536

_read: WeakKeyDictionary[http.HTTPFlow, Url] = WeakKeyDictionary()  # gone with the flow


def request_url(flow: http.HTTPFlow) -> Url:
    """The URL to decide on, parsed on first use; raises UrlError for one that cannot be read."""
    url = _read.get(flow)
    if url is None:
        url = _read[flow] = parse(_decision_text(flow.request))
    return url


def _decision_text(request: http.Request) -> str:
    """For GraphQL POSTs the form body joins the query."""
    url = request.pretty_url
    if request.method == "POST" and request.path.split("?", 1)[0].rstrip("/").endswith(FORM_BODY_PATHS):
        if "application/x-www-form-urlencoded" in request.headers.get("content-type", ""):
            body = request.get_text(strict=False) or ""
            url += ("&" if "?" in url else "?") + body[:MAX_FORM_CHARS]
    return url
