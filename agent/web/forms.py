"""Form posts from our own pages: whether one came from the page itself, and the numbers it carries.

Both the block page (served by the proxy on the blocked site's origin) and the loopback pages
post forms; a page on any other origin must not be able to act for the person.
"""

from __future__ import annotations

import re
from collections.abc import Mapping


def same_origin(headers: Mapping[str, str], own_origin: str, *, null_origin: bool = False) -> bool:
    """Did the browser send this request from `own_origin` itself? `headers` are looked up case-insensitively.

    `null_origin`: accept "Origin: null", which Chromium sends for a page served with no referrer.
    """
    if headers.get("sec-fetch-site", "same-origin") != "same-origin":
        return False
    origin = headers.get("origin")
    if origin is None or (null_origin and origin == "null"):
        return True
    return origin.lower() == own_origin.lower()


def form_int(text: str | None) -> int | None:
    """A whole number from a form field or link: plain ASCII digits, or None ("²".isdigit() is true)."""
    return int(text) if text and re.fullmatch(r"[0-9]{1,12}", text) else None
