"""The gentle pages the person sees instead of a blocked page. Words follow tone.md.

Everything is inline (no external resource: nothing leaks, works offline).
The first, biggest, default-focused action is always the calm exit.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, tzinfo
from html import escape
from urllib.parse import urljoin

from agent.review import plural

# Our own pages live under this path on the blocked site's origin itself: the person's browser
# already reaches it through the proxy, and a form there posts to its own origin.
PREFIX = "/.well-known/nocontact/"
CLOSE_PATH = PREFIX + "close"
ASK_PATH = PREFIX + "ask"
WAIT_PATH = PREFIX + "wait"
CANCEL_PATH = PREFIX + "cancel"
OPEN_PATH = PREFIX + "open"
LETTERS_PATH = "/letters"  # on the pages server (agent/web/server.py): the unsent letters
LIMIT_LINE = "Today's windows are used up. Stepping away is still open to you, any time."

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
    "Looking is not contact. Nothing is lost by a moment like this.",
    "Notice the feeling, name it, and let it move through.",
)
PERSON_LINES = LINES + ("Some platforms can show them who viewed their stories or profile.",)
CLOSED_LINES = (
    "You stepped away. That's the whole skill, and you just did it.",
    "Closed. The urge will keep fading on its own.",
    "That was a kind thing to do for yourself.",
)

STYLE = """
:root { color-scheme: light dark; --bg:#f4f6f4; --fg:#2d3a35; --soft:#5f6f68; --accent:#3f7a68; --on-accent:#fff;
        --card:#fff; }
@media (prefers-color-scheme: dark) {
  :root { --bg:#1d2422; --fg:#e4ebe7; --soft:#a9b8b1; --accent:#7fc4ad; --on-accent:#1d2422; --card:#26302d; } }
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
.actions form { display:flex; flex-direction:column; }
details.ask { margin-top:1.2rem; } details.ask form { display:flex; flex-direction:column; gap:.5rem; margin-top:.6rem; }
input[name=reason] { font:inherit; width:100%; padding:.5rem; border-radius:8px; border:1px solid var(--soft);
       background:var(--card); color:var(--fg); }
button { font:inherit; border-radius:12px; padding:.9rem 1rem; cursor:pointer; border:1px solid var(--accent); }
.primary { background:var(--accent); color:var(--on-accent); font-size:1.15rem; font-weight:600; }
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
class Ask:
    """The quiet second choice on a block page: ask to open this target after a wait."""

    kind: str
    name: str
    token: str
    minutes: int
    limit_reached: bool = False
    waiting_id: int | None = None  # a request for this target is already waiting
    waiting_token: str = ""
    longer: str | None = None  # why the wait is longer than the one configured


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


def _ask_html(urge_id: int, ask: Ask | None) -> str:
    if ask is None:
        return ""
    if ask.waiting_id is not None:
        link = f"{WAIT_PATH}?id={ask.waiting_id}&amp;t={escape(ask.waiting_token)}"
        return f"<p class='soft'>You already asked to open this. <a href='{link}'>See the wait</a>.</p>"
    if ask.limit_reached:
        return f"<p class='soft'>{escape(LIMIT_LINE)}</p>"
    return f"""
<details class='ask'><summary class='soft'>Ask to open it after a {ask.minutes}-minute wait</summary>
{f"<p class='soft'>{escape(ask.longer)}</p>" if ask.longer else ""}
<form method='post' action='{ASK_PATH}'>
  <input type='hidden' name='urge' value='{urge_id}'><input type='hidden' name='kind' value='{escape(ask.kind)}'>
  <input type='hidden' name='name' value='{escape(ask.name)}'><input type='hidden' name='token' value='{escape(ask.token)}'>
  <label class='soft'>What do I hope to find? (optional)<br><input name='reason' maxlength='200'></label>
  <button class='secondary' type='submit'>Start the {ask.minutes}-minute wait</button>
</form></details>"""


def _our_pages(note_url: str | None) -> str:
    """Links to the person's own pages, on the pages server that `note_url` is on (none without it)."""
    if not note_url:
        return ""
    letters = urljoin(note_url, LETTERS_PATH)
    return (f"<p class='soft'><a href='{escape(note_url)}'>Add a note about this moment</a> · "
            f"<a href='{escape(letters)}'>Your unsent letters</a></p>")


def block_page(*, urge_id: int, token: str, what: str, plan: str | None, help_lines: list[Help],
               ask: Ask | None = None, note_url: str | None = None, about_person: bool = False) -> str:
    """The page shown instead of a blocked page. `what` is safe to show (alias or site)."""
    headline = HEADLINES[urge_id % len(HEADLINES)]
    lines = PERSON_LINES if about_person else LINES
    line = lines[urge_id % len(lines)]
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
{_ask_html(urge_id, ask)}
{_our_pages(note_url)}
{_help_footer(help_lines)}
"""
    return _page("Paused by nocontact", body, BREATHE_SCRIPT)


COUNTDOWN_SCRIPT = """
var left = %d, el = document.getElementById('left');
function show() {
  var m = Math.floor(left / 60), s = left %% 60;
  el.textContent = m + ':' + (s < 10 ? '0' : '') + s;
  if (left <= 0) { location.reload(); return; }
  left -= 1; setTimeout(show, 1000);
}
show();
"""


def wait_page(*, hold_id: int, token: str, what: str, remaining: float, ready: bool, window_minutes: int,
              plan: str | None, help_lines: list[Help], note: str | None = None, reason: str | None = None,
              longer: str | None = None) -> str:
    """The calm countdown while a request waits; once ready, one more question. `reason` is the person's own
    answer to "what do I hope to find?", given back to them; `longer` says why the wait grew."""
    ids = f"<input type='hidden' name='id' value='{hold_id}'><input type='hidden' name='token' value='{escape(token)}'>"
    plan_html = f"<p class='plan'>Your plan: {escape(plan)}</p>" if plan else ""
    note_html = f"<p class='soft'>{escape(note)}</p>" if note else ""
    if ready:
        hoped = f"<p class='plan'>What you hoped to find: {escape(reason)}</p>" if reason else ""
        body = f"""
<h1>Still want to open it?</h1>
<p>The wait is over. If the pull has eased, you can simply let this go.</p>
{hoped}<p class='soft'>Opening shows {escape(what)} for {plural(window_minutes, 'minute')}, then it closes by itself.</p>
{plan_html}{note_html}
<div class='actions'>
  <form method='post' action='{CANCEL_PATH}'>{ids}<button class='primary' type='submit' autofocus>Close - I'm OK</button></form>
  <form method='post' action='{OPEN_PATH}'>{ids}<button class='secondary' type='submit'>Open it for {plural(window_minutes, 'minute')}</button></form>
</div>{_help_footer(help_lines)}"""
        return _page("Still want to open it?", body)
    body = f"""
<h1>Waiting it out: <span id='left'></span></h1>
<p>Urges crest and fade. Stay with this for a while; you can stop waiting at any moment.</p>
<p class='soft'>When the wait is over you'll be asked once more before {escape(what)} opens.</p>
{f"<p class='soft'>{escape(longer)}</p>" if longer else ""}
{f"<p class='plan'>What you hope to find: {escape(reason)}</p>" if reason else ""}
{plan_html}{note_html}
<div id='breath'></div><p id='breath-text' class='soft' aria-live='polite'></p>
<div class='actions'>
  <form method='post' action='{CANCEL_PATH}'>{ids}<button class='primary' type='submit' autofocus>Close - I'm OK</button></form>
  <button class='secondary' type='button' id='breathe'>Breathe for a minute</button>
</div>{_help_footer(help_lines)}"""
    return _page("Waiting it out", body, COUNTDOWN_SCRIPT % int(remaining) + BREATHE_SCRIPT)


def looked_page(*, hold_id: int, token: str, back: str, note_url: str | None, urge_id: int | None) -> str:
    """Right after a window opens, before going on: no judgement, a note offered, and still a way out."""
    ids = f"<input type='hidden' name='id' value='{hold_id}'><input type='hidden' name='token' value='{escape(token)}'>"
    if note_url:
        note_html = f"<p>Want to note what led here? <a href='{escape(note_url)}'>Add a note</a></p>"
    else:  # no pages server (the addon on its own in mitmdump): the command does the same
        note_html = (f"<p>Want to note what led here? <code>nocontact urges note {urge_id}</code> keeps it with "
                     "this moment.</p>") if urge_id else ""
    body = f"""
<h1>You chose to look.</h1>
<p>That's information, not failure.</p>
{note_html}
<p><a href='{escape(back)}' id='go-on'>Go on to the page</a></p>
<div class='actions'>
  <form method='post' action='{CANCEL_PATH}'>{ids}<button class='secondary' type='submit'>Close it again - I'm OK</button></form>
</div>"""
    return _page("You chose to look", body)


def closed_page(urge_id: int, note: str | None = None) -> str:
    line = CLOSED_LINES[urge_id % len(CLOSED_LINES)]
    note_html = f"<p>{escape(note)}</p>" if note else ""
    body = f"<h1>{escape(line)}</h1>{note_html}<p class='soft'>You can close this tab whenever you like.</p>"
    return _page("Closed", body, "try { window.close(); } catch (e) {}")


def notice_page(text: str) -> str:
    """A plain, calm page for a request that cannot be carried out."""
    return _page("nocontact", f"<h1>{escape(text)}</h1><p class='soft'>You can close this tab whenever you like.</p>")


def block_json(what: str) -> bytes:
    """The small body a blocked background request (XHR/fetch) gets."""
    return json.dumps({"blocked": True, "by": "nocontact", "about": what,
                       "message": "Paused by nocontact."}).encode()


def app_text(label: str, action: str, urge_id: int) -> tuple[str, str]:
    """A barred app was opened: what happened, and a kind word."""
    done = {"close": f"{label} was closed", "suspend": f"{label} is paused for now",
            "notify": f"{label} just opened"}[action]
    lines = ("Nothing needs to happen right now.", "It's an urge; it will crest and pass.",
             "Breathe out slowly. You're doing fine.")
    return "A pause, just now.", f"{done}. {lines[urge_id % len(lines)]}"


def window_text(what: str, opened: bool, minutes: int) -> tuple[str, str]:
    """A window opening or closing: plain facts, no judgement either way."""
    if opened:
        return "A window is open.", f"{what} is open for {plural(minutes, 'minute')}; it closes by itself. You chose to look."
    return "The window has closed.", f"{what} is paused again. Whatever you found, you're still here, still okay."


def held_text(kept: bool, pages_url: str | None) -> tuple[str, str]:
    """A message to them was held back: say the words are saved only when they were, and where they are."""
    if not kept:
        return "Held back.", "It wasn't sent."
    where = f"{pages_url}{LETTERS_PATH}, or `nocontact letters`" if pages_url else "`nocontact letters`"
    return "Held back.", f"Your words are saved, not sent. Read them any time in your unsent letters: {where}."


def guard_text(detail: str) -> tuple[str, str]:
    """A guard event, said plainly and without blame."""
    return "nocontact noticed something", f"{detail[0].upper()}{detail[1:]}. It's noted in your log."


def ca_outside_text(count: int) -> tuple[str, str]:
    """Sites were added after this install's CA was made: they are paused without the calm page until rotated."""
    sites = "1 site it watches is" if count == 1 else f"{count} sites it watches are"
    return ("Some sites are outside nocontact's certificate", f"{sites} outside its certificate. A blocked one is "
            "paused without the calm page, and the rest pass unread. `nocontact ca rotate` widens it when you're "
            "ready.")


def config_kept_text() -> tuple[str, str]:
    """The config file has a mistake at start: the last good one is in force."""
    return ("nocontact is running", "Your config has a small mistake, so the last good one is in force. "
            "`nocontact check` shows where; once it is fixed, it applies by itself.")


def notification_text(what: str, urge_id: int) -> tuple[str, str]:
    titles = ("Caught one.", "A pause, just now.", "That was an urge.", "Still here with you.")
    bodies = (
        "You're allowed to feel this. It will pass.",
        "Urges crest and fade. This one will too.",
        "Nothing needs to happen right now.",
        "Breathe out slowly. You're doing fine.",
    )
    return titles[urge_id % len(titles)], f"{bodies[urge_id % len(bodies)]} ({what})"


def letters_html(letters: list[dict], tz: tzinfo | None = None) -> str:
    """Unsent letters, to read back: words that were written and kept, never sent. Times in local time
    (`tz`, else this computer's)."""
    items = []
    for letter in reversed(letters):
        subject = f"<p><strong>{escape(letter['subject'])}</strong></p>" if letter.get("subject") else ""
        when = datetime.fromisoformat(letter["time"]).astimezone(tz).strftime("%a %d %b %Y, %H:%M")
        items.append(
            f"<article class='plan'><p class='soft'>To {escape(letter['person'] or '')}, through "
            f"{escape(letter['service'])}, {escape(when)}</p>{subject}"
            f"<p style='white-space:pre-wrap'>{escape(letter.get('text') or '')}</p></article>")
    body = ("<h1>Unsent letters</h1><p class='soft'>Words you wrote and kept. None of them was sent, "
            "and nocontact never sends them anywhere.</p>" + ("".join(items) or "<p>No letters yet.</p>")
            + "<p class='soft'><a href='/'>nocontact's home page</a></p>")
    return _page("Unsent letters", body)
