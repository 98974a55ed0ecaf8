"""The gentle pages the person sees instead of a blocked page. Words follow tone.md.

Everything is inline (no external resource: nothing leaks, works offline).
The first, biggest, default-focused action is always the calm exit.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from html import escape

CLOSE_PATH = "/.well-known/nocontact/close"

# Varied so the page does not become wallpaper; chosen by urge id.
HEADLINES = (
    "This is an urge, not an order.",
    "You're allowed to feel this.",
    "A pause, just for now.",
    "This feeling is real. It will also pass.",
    "Nothing needs to happen right now.",
)
LINES = (
    "Urges crest and fade, usually within 15 to 30 minutes. You don't have to act on this one.",
    "Whatever you'd find wouldn't answer what you're really asking.",
    "Some platforms can show them who viewed their stories or profile.",
    "Looking is not contact. Nothing is lost by a moment like this.",
    "Notice the feeling, name it, and let it move through.",
)
CLOSED_LINES = (
    "You stepped away. That's the whole skill, and you just did it.",
    "Closed. The urge will keep fading on its own.",
    "That was a kind thing to do for yourself.",
)

STYLE = """
:root { color-scheme: light dark; --bg:#f4f6f4; --fg:#2d3a35; --soft:#5f6f68; --accent:#3f7a68; --card:#fff; }
@media (prefers-color-scheme: dark) { :root { --bg:#1d2422; --fg:#e4ebe7; --soft:#a9b8b1; --card:#26302d; } }
* { box-sizing: border-box; }
body { margin:0; min-height:100vh; display:flex; align-items:center; justify-content:center;
       background:var(--bg); color:var(--fg); font:17px/1.55 system-ui, -apple-system, "Segoe UI", sans-serif; }
main { max-width:34rem; margin:1.5rem; padding:2rem 2rem 1.5rem; background:var(--card); border-radius:18px;
       box-shadow:0 2px 18px rgba(0,0,0,.06); }
h1 { font-size:1.5rem; font-weight:600; margin:0 0 .75rem; }
p { margin:.5rem 0; }
.soft { color:var(--soft); font-size:.95rem; }
.plan { border-left:3px solid var(--accent); padding:.25rem .9rem; margin:1rem 0; }
.actions { display:flex; flex-direction:column; gap:.6rem; margin-top:1.4rem; }
button { font:inherit; border-radius:12px; padding:.9rem 1rem; cursor:pointer; border:1px solid var(--accent); }
.primary { background:var(--accent); color:#fff; font-size:1.15rem; font-weight:600; }
.secondary { background:transparent; color:var(--accent); }
#breath { display:none; margin:1.2rem auto; width:7rem; height:7rem; border-radius:50%; background:var(--accent);
          opacity:.35; animation:breathe 10s ease-in-out infinite; }
@keyframes breathe { 0%,100% { transform:scale(.6); } 40%,60% { transform:scale(1); } }
footer { margin-top:1.4rem; font-size:.85rem; }
a { color:var(--accent); }
"""

BREATHE_SCRIPT = """
document.getElementById('breathe').addEventListener('click', function () {
  var b = document.getElementById('breath'), t = document.getElementById('breath-text');
  b.style.display = 'block'; t.textContent = 'Breathe in as it grows, out as it shrinks.';
  setTimeout(function () { b.style.display = 'none'; t.textContent = 'That was a minute. How does it feel now?'; }, 60000);
});
"""


@dataclass(frozen=True, slots=True)
class Help:
    name: str
    phone: str | None = None
    url: str | None = None


def _page(title: str, body: str, script: str = "") -> str:
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<meta name='robots' content='noindex'><title>{escape(title)}</title><style>{STYLE}</style></head>"
        f"<body><main>{body}</main>{f'<script>{script}</script>' if script else ''}</body></html>"
    )


def _help_footer(help_lines: list[Help]) -> str:
    if not help_lines:
        return ""
    items = []
    for entry in help_lines:
        text = escape(entry.name)
        if entry.phone:
            text += f" <a href='tel:{escape(entry.phone)}'>{escape(entry.phone)}</a>"
        if entry.url:
            text += f" <a href='{escape(entry.url)}' rel='noreferrer'>website</a>"
        items.append(text)
    return "<footer class='soft'>If you'd like someone to talk to: " + " · ".join(items) + "</footer>"


def block_page(*, urge_id: int, token: str, what: str, plan: str | None, help_lines: list[Help]) -> str:
    """The page shown instead of a blocked page. `what` is safe to show (alias or site)."""
    headline = HEADLINES[urge_id % len(HEADLINES)]
    line = LINES[urge_id % len(LINES)]
    plan_html = f"<p class='plan'>Your plan: {escape(plan)}</p>" if plan else ""
    body = f"""
<h1>{escape(headline)}</h1>
<p>{escape(line)}</p>
<p class='soft'>This page would have led to {escape(what)}, so nocontact paused it.</p>
{plan_html}
<div id='breath'></div><p id='breath-text' class='soft' aria-live='polite'></p>
<form class='actions' method='post' action='{CLOSE_PATH}'>
  <input type='hidden' name='urge' value='{urge_id}'><input type='hidden' name='token' value='{escape(token)}'>
  <button class='primary' type='submit' autofocus>Close - I'm OK</button>
  <button class='secondary' type='button' id='breathe'>Breathe for a minute</button>
</form>
{_help_footer(help_lines)}
"""
    return _page("Paused by nocontact", body, BREATHE_SCRIPT)


def closed_page(urge_id: int) -> str:
    line = CLOSED_LINES[urge_id % len(CLOSED_LINES)]
    body = f"<h1>{escape(line)}</h1><p class='soft'>You can close this tab whenever you like.</p>"
    return _page("Closed", body, "try { window.close(); } catch (e) {}")


def block_json(what: str) -> bytes:
    """The small body a blocked background request (XHR/fetch) gets."""
    return json.dumps({"blocked": True, "by": "nocontact", "about": what,
                       "message": "Paused by nocontact."}).encode()


def notification_text(what: str, urge_id: int) -> tuple[str, str]:
    titles = ("Caught one.", "A pause, just now.", "That was an urge.", "Still here with you.")
    bodies = (
        "You're allowed to feel this. It will pass.",
        "Urges crest and fade. This one will too.",
        "Nothing needs to happen right now.",
        "Breathe out slowly. You're doing fine.",
    )
    return titles[urge_id % len(titles)], f"{bodies[urge_id % len(bodies)]} ({what})"
