"""How the addons answer: the agent's `Answer` as a mitmproxy response, and the guard on our own mistakes."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from mitmproxy import http

from addons.names import any_watched, request_names
from agent.agent import Agent
from agent.web import answer
from agent.web.answer import Answer

log = logging.getLogger("nocontact")

NO_STORE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
HEADERS = {
    "html": NO_STORE | {
        "Content-Type": "text/html; charset=utf-8",
        "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
        "form-action 'self'; base-uri 'none'",
    },
    "json": NO_STORE | {"Content-Type": "application/json"},
    "see": NO_STORE,
}


def response(reply: Answer) -> http.Response:
    headers = HEADERS[reply.kind] | ({"Location": reply.location} if reply.kind == "see" else {})
    return http.Response.make(reply.status, reply.body, headers)


@contextmanager
def fail_closed(agent: Agent, flow: http.HTTPFlow) -> Iterator[None]:
    """An exception in our code never kills the proxy or another flow.

    The request is paused where a rule watches any name it involves (fail closed), and let through elsewhere.
    """
    try:
        yield
    except Exception as err:
        if _watched(agent, flow):
            log.warning("nocontact could not handle a request (%s); it was paused to be safe.", type(err).__name__)
            flow.response = response(answer.paused())
        else:
            log.debug("nocontact could not handle a request (%s) to a host without rules.", type(err).__name__)


def _watched(agent: Agent, flow: http.HTTPFlow) -> bool:
    try:
        return any_watched(agent.policy, request_names(flow))
    except Exception:
        return True  # a request whose names cannot even be read is paused
