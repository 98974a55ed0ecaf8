"""Blocked requests never reach the origin: a page load gets the gentle page, a background call a JSON 403.

A request is decided on every name it involves (its URL, its target, each Host header, the TLS SNI): it
is blocked if any of them is. The urge is committed before the answer goes out. Our own mistake pauses
the request where a rule watches one of its names (fail closed) and lets it through elsewhere.
"""

from __future__ import annotations

from dataclasses import replace

from mitmproxy import http

from addons.names import request_names
from addons.request_url import request_url
from addons.responses import fail_closed, response
from agent.agent import Agent
from agent.engine.policy import Decision
from agent.engine.search import searches_in_form
from agent.engine.urls import Url

# Background calls that send their query (GraphQL variables) as a form body.
FORM_BODY_PATHS = ("/api/graphql", "/graphql", "/graphql/query")


class Block:
    name = "nocontact-block"  # mitmproxy has a "block" of its own

    def __init__(self, agent: Agent | None = None):
        self.agent = agent  # standalone, set once the config is read

    async def request(self, flow: http.HTTPFlow) -> None:
        if flow.response or flow.error or not flow.live:
            return
        with fail_closed(self.agent, flow):
            blocked = self._blocked(flow)
            if blocked and embedded_image(flow.request):
                # Their avatar on someone else's page (a friend's blog): kept out, but the person did not reach
                # for it, so it is no urge of theirs and no notification comes.
                flow.response = http.Response.make(403, b"", {"Cache-Control": "no-store"})
            elif blocked:
                decision, url = blocked
                source = self.agent.tunnels.name_for(flow.client_conn.proxy_mode) or "proxy"
                reply = await self.agent.block_answer(decision, url.without_query(), flow.request.path,
                                                      wants_page(flow.request), source=source)
                flow.response = response(reply)

    def _blocked(self, flow: http.HTTPFlow) -> tuple[Decision, Url] | None:
        """The first decision that blocks the request (with the URL it was made on), or None.

        The URL as the browser shows it is decided first; each other watched name, with the same path and
        query, after it. Nearly always the names agree and this is one decision.
        """
        agent, policy = self.agent, self.agent.policy
        url = request_url(flow)
        form = form_body(flow.request, url)
        decision = policy.decide(url, form=form)
        if decision.blocked and not agent.is_open(decision):
            return decision, url
        for name in request_names(flow):
            if name != url.host and policy.watches(name):
                other = replace(url, host=name)
                decision = policy.decide(other, form=form)
                if decision.blocked and not agent.is_open(decision):
                    return decision, other
        return None


def form_body(request: http.Request, url: Url) -> str | None:
    """The urlencoded body of a GraphQL POST, or of a search posted as a form (SearXNG's POST /search), which
    the decision reads like the query."""
    if request.method != "POST":
        return None
    path = request.path.split("?", 1)[0]
    if not (path.rstrip("/").endswith(FORM_BODY_PATHS) or searches_in_form(url.host, path)):
        return None
    if "application/x-www-form-urlencoded" not in request.headers.get("content-type", ""):
        return None
    return request.get_text(strict=False) or None


def embedded_image(request: http.Request) -> bool:
    """An image some page shows (its browser says so), not one the person opened."""
    return request.headers.get("sec-fetch-dest") == "image" and request.headers.get("sec-fetch-mode") != "navigate"


def wants_page(request: http.Request) -> bool:
    """A page load gets the gentle page; a background call (XHR/fetch) gets JSON."""
    mode = request.headers.get("sec-fetch-mode")
    if mode:
        return mode == "navigate" or request.headers.get("sec-fetch-dest") in ("document", "iframe")
    if request.headers.get("x-requested-with"):
        return False
    accept = request.headers.get("accept", "")
    return "json" not in accept or "html" in accept
