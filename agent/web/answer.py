"""What the proxy answers in place of the origin: a gentle page, a small JSON body, or a redirect.

The agent decides what to show; the mitmproxy addons only turn an `Answer` into a response.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from agent.web import pages

SAFE_PAUSE = "nocontact could not read this address, so it paused it to be safe."
NOT_VALID = "This link is not valid here."


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    body: bytes = b""
    kind: str = "html"  # "html", "json", or "see": a redirect to `location`
    location: str = ""


def page(status: int, html: str) -> Answer:
    return Answer(status, html.encode("utf-8"))


def notice(text: str, status: int = 200) -> Answer:
    return page(status, pages.notice_page(text))


def error_json(text: str) -> Answer:
    """For a background call: the reason in a small JSON body."""
    return Answer(403, json.dumps({"error": text}).encode(), "json")


def see(location: str) -> Answer:
    return Answer(303, kind="see", location=location)


def refused() -> Answer:
    return notice(NOT_VALID, 403)


def paused() -> Answer:
    """Our own mistake on a host under rules: the request is paused, never let through."""
    return notice(SAFE_PAUSE, 403)
