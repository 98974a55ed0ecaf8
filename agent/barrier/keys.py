"""The keys a recipient value stands for: "email:casey.l@example.org", "x:id:1570...", "linkedin:thread:2-ZmQ5...".

Pure (no I/O). A configured person owns keys (from their emails, phones and profile links, as
agent.engine.platforms keys them); a recipient found in a send is turned into the same keys here, so
that one dict lookup per key says whose it is. Threads have one key per conversation whatever form
names it: X's one-to-one "<a>-<b>" and XChat's "<a>:<b>" are one thread, as are an XChat group
"g<n>" and the group <n> of the older inbox (mautrix/twitter pkg/connector/ids.go maps them so);
LinkedIn names one conversation by its id "2-...", as urn:li:messagingThread:<id>, and inside
urn:li:msg_conversation:(<mailbox>,<id>) (mautrix/linkedin pkg/linkedingo/conversations.go).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from email.utils import getaddresses
from urllib.parse import unquote

from agent.engine.identity import email_key
from agent.engine.platforms import platform_named

DIGITS = re.compile(r"[0-9]{1,25}")
PAIR = re.compile(r"[0-9]+(?:[-:][0-9]+)+")  # X conversations: "<a>-<b>", XChat "<a>:<b>"
PHONEISH = re.compile(r"\+?\(?[0-9][0-9 ().-]{5,}[0-9]")  # "+44 7700 900123", "(202) 555-0143"
_SPLIT = re.compile(r"[,;\s]+")
_X_GROUP = re.compile(r"g([0-9]{1,25})")
_LINKEDIN_THREAD = re.compile(r"(?:^|[:,(])\s*(2-[A-Za-z0-9+/=_-]{8,})\)?$")


def email_keys(value: str) -> Iterator[str]:
    for _, address in getaddresses([value.replace(";", ",")]):
        try:
            yield "email:" + email_key(address)
        except ValueError:
            continue


def account_keys(platform: str, value: str) -> Iterator[str]:
    """Handles and numeric ids on `platform`, keyed as agent.engine.platforms keys them ("x:id:123", "x:name")."""
    site = platform_named(platform)
    for part in _SPLIT.split(value.strip()):
        if part.startswith("@") and ":" in part:
            part = part[1:].split(":", 1)[0]  # a Matrix user: @t2_abc:reddit.com
        elif ":" in part and not PAIR.fullmatch(part):
            part = part.rsplit(":", 1)[1]  # urn:li:fsd_profile:<id>, fbid:<id>
        part = part.lstrip("@$£").removeprefix("/").removeprefix("user/").removeprefix("u/")
        # A conversation that names both accounts ("<a>-<b>", "<a>:<b>") stands for either of them.
        for item in re.split(r"[-:]", part) if PAIR.fullmatch(part) else [part]:
            if DIGITS.fullmatch(item):
                yield f"{platform}:id:{item}"
            elif site is not None:
                key = site.key(item)
                if key:
                    yield f"{platform}:{key}"


def thread_key(platform: str, value: str) -> str:
    """The one key of a conversation on `platform`, whichever of its forms `value` is."""
    value = value.strip()
    if platform == "x":
        group = _X_GROUP.fullmatch(value)
        value = group[1] if group else value.replace(":", "-") if PAIR.fullmatch(value) else value
    elif platform == "linkedin":
        found = _LINKEDIN_THREAD.search(unquote(value))
        value = found[1] if found else value
    return f"{platform}:thread:{value}"


def thread_keys(platform: str, value: str) -> Iterator[str]:
    """The thread's key, then the accounts a one-to-one conversation id names (X: both sides of "<a>-<b>")."""
    yield thread_key(platform, value)
    if PAIR.fullmatch(value.strip()):
        yield from account_keys(platform, value)
