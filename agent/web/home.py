"""The pages server's own front door: the home page at its root, and the status page.

The home page is the one place that links everything the person has on this
computer: looking back (the review), the unsent letters, the status, the
devices. Self-contained like every page here (inline CSS, no script, nothing
from elsewhere); times in local time; words per tone.md.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from html import escape
from typing import NamedTuple

from agent.review import plural
from agent.web.devices_page import DEVICES_PATH
from agent.web.pages import LETTERS_PATH, STYLE

REVIEW_PATH = "/review"
STATUS_PATH = "/status"
# What the home page links, in the order it shows them: (path, name, what it holds).
LINKS = (
    (REVIEW_PATH, "Looking back", "your urges, how it is going, and your notes"),
    (LETTERS_PATH, "Unsent letters", "words to them, kept and never sent"),
    (STATUS_PATH, "Status", "where nocontact listens, and what is waiting"),
    (DEVICES_PATH, "Your phone and other devices", "guarded by the same rules, through WireGuard"),
)
WHEN = "%a %d %b, %H:%M"

HOME_STYLE = """
body { display:block; }
main { margin:1.5rem auto; }
nav.home { display:flex; flex-direction:column; gap:.7rem; margin-top:1.2rem; }
nav.home a { display:block; padding:.8rem 1rem; border:1px solid var(--accent); border-radius:12px;
             text-decoration:none; }
nav.home strong { display:block; font-weight:600; }
nav.home span { color:var(--fg); font-size:.95rem; }
dl { display:grid; grid-template-columns:max-content 1fr; gap:.3rem 1rem; margin:1rem 0; }
dt { color:var(--soft); } dd { margin:0; overflow-wrap:anywhere; }
ul.plain { padding-left:1.1rem; }
@media (max-width: 640px) { main { margin:.5rem; padding:1.2rem 1rem; } dl { grid-template-columns:1fr; } }
"""


class Waiting(NamedTuple):
    """A cooldown request, as the status page shows it."""
    what: str  # in words: an alias, "dating sites", "stopping nocontact"
    state: str  # waiting, ready or open
    remaining: float  # seconds still to wait


def local_page(title: str, body: str) -> str:
    """One of the pages server's own pages: the block pages' calm style, and a way home."""
    home = "" if title == "nocontact" else "<p class='soft'><a href='/'>nocontact's home page</a></p>"
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<meta name='robots' content='noindex'><title>{escape(title)}</title>"
        f"<style>{STYLE}{HOME_STYLE}</style></head><body><main>{body}{home}</main></body></html>"
    )


def home_html(now: datetime) -> str:
    """The home page at the root of the pages server. `now` in local time."""
    links = "".join(f"<a href='{path}'><strong>{escape(name)}</strong><span>{escape(words)}</span></a>"
                    for path, name, words in LINKS)
    body = ("<h1>nocontact</h1><p>Running on this computer; everything here stays on it.</p>"
            f"<nav class='home' aria-label='Your pages'>{links}</nav>"
            f"<p class='soft'>As of {escape(now.strftime(WHEN))}.</p>")
    return local_page("nocontact", body)


def _state_words(hold: Waiting) -> str:
    if hold.state == "open":
        return "open now"
    if hold.state == "ready":
        return "the wait is over; open it from its page, or let it go"
    return f"waiting, about {plural(max(1, round(hold.remaining / 60)), 'minute')} left"


def status_html(address: dict, waiting: Iterable[Waiting], now: datetime) -> str:
    """What `nocontact status` says, as a page: where it listens, and what is waiting. `now` in local time."""
    rows = (("Proxy", address.get("proxy")), ("PAC file", address.get("pac_url")),
            ("CA certificate", address.get("ca_cert")))
    found = "".join(f"<dt>{name}</dt><dd>{escape(str(value))}</dd>" for name, value in rows if value)
    items = "".join(f"<li>{escape(hold.what)}: {escape(_state_words(hold))}</li>" for hold in waiting)
    body = ("<h1>nocontact is running</h1>" + (f"<dl>{found}</dl>" if found else "")
            + "<h2>Waiting</h2>"
            + (f"<ul class='plain'>{items}</ul>" if items else "<p>Nothing is waiting or open.</p>")
            + f"<p class='soft'>As of {escape(now.strftime(WHEN))}.</p>")
    return local_page("nocontact status", body)

