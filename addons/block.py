"""Blocked requests never reach the origin: a page load gets the gentle page, a background call a JSON 403.

The urge is committed before the answer goes out. Our own mistake pauses the request where a rule
watches its host (fail closed) and lets it through elsewhere.
"""

from __future__ import annotations

from mitmproxy import http

from addons.request_url import request_url
from addons.responses import fail_closed, response
from agent.agent import Agent

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
            url = request_url(flow)
            decision = self.agent.policy.decide(url, form=graphql_form(flow.request))
            if decision.blocked and not self.agent.is_open(decision):
                reply = await self.agent.block_answer(decision, url.without_query(), flow.request.path,
                                                      wants_page(flow.request))
                flow.response = response(reply)


def graphql_form(request: http.Request) -> str | None:
    """The urlencoded body of a GraphQL POST, which the decision reads like the query."""
    if request.method != "POST" or not request.path.split("?", 1)[0].rstrip("/").endswith(FORM_BODY_PATHS):
        return None
    if "application/x-www-form-urlencoded" not in request.headers.get("content-type", ""):
        return None
    return request.get_text(strict=False) or None


def wants_page(request: http.Request) -> bool:
    """A page load gets the gentle page; a background call (XHR/fetch) gets JSON."""
    mode = request.headers.get("sec-fetch-mode")
    if mode:
        return mode == "navigate" or request.headers.get("sec-fetch-dest") in ("document", "iframe")
    if request.headers.get("x-requested-with"):
        return False
    accept = request.headers.get("accept", "")
    return "json" not in accept or "html" in accept
