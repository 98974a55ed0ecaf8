"""The unsent letter: the person's own words of a held message, as plain text.

Pure (no I/O). HTML becomes plain text (a letter is shown as text, never HTML); a quoted earlier
message (a reply's "On ... wrote:" line and what follows, a quote block, a cited blockquote, lines
starting with ">") is left out, so the letter never keeps the other person's message or their name
and address. Every pattern here is linear in its input, whatever the input: a tag ends at the next
"<" at the latest, and a quote is found by its marker first (`python -m bench.barrier` times
hostile letters).
"""

from __future__ import annotations

import html
import re

MAX_LETTER = 100_000  # characters kept of a message's text

# [^<>]: a tag ends at the next "<" at the latest, so a body of unclosed "<a <a <a" stays linear.
_HTML = re.compile(r"<[a-zA-Z][a-zA-Z0-9]*\b[^<>]*>|</[a-zA-Z][a-zA-Z0-9]*\s*>")
_HIDDEN_OPEN = re.compile(r"(?i)<(script|style|head|title)\b[^<>]*>")
_HIDDEN_CLOSE = {name: re.compile(rf"(?i)</{name}\s*>") for name in ("script", "style", "head", "title")}
_BREAK = re.compile(r"(?i)<br\b[^<>]*>|</(?:p|div|li|tr|h[1-6]|blockquote)\s*>")
_TAG = re.compile(r"<[^<>]*>")


# Where a reply's quoted message starts: the letter keeps the person's own words, never the other
# person's message or their name and address from the "... wrote:" line.
# Found by the marker itself (then the tag it stands in), so that no text can make the search slow.
_QUOTE_MARK_HTML = re.compile(
    r"""\b(?:(?:id|class)\s*=\s*["']?[^"'<>]{0,200}?\b(?:gmail_quote|appendonsend|divRplyFwdMsg|yahoo_quoted|"""
    r"""moz-cite-prefix|OutlookMessageHeader)\b|type\s*=\s*["']?cite\b)""", re.IGNORECASE)
_QUOTE_START_TEXT = re.compile(
    r"^[ \t]*(?:On\b[^\n]{0,300}\bwrote:|Le\b[^\n]{0,300}\ba écrit ?:|Am\b[^\n]{0,300}\bschrieb[^\n]{0,100}:|"
    r"El\b[^\n]{0,300}\bescribió:|-{2,} ?(?:Original Message|Forwarded message) ?-{2,}|_{10,}\s*\n(?:From|De|Von):)",
    re.IGNORECASE | re.MULTILINE)


def _without_hidden(text: str) -> str:
    """The HTML without its script, style, head and title elements; one pass, whatever the input."""
    kept, at = [], 0
    while (opening := _HIDDEN_OPEN.search(text, at)) is not None:
        kept.append(text[at:opening.start()])
        closing = _HIDDEN_CLOSE[opening.group(1).lower()].search(text, opening.end())
        if closing is None:  # never closed: the rest is inside it
            return "".join(kept)
        at = closing.end()
    return "".join(kept) + text[at:]


def plain_text(text: str) -> str:
    """The person's own words of an HTML or plain message, as plain text (a letter is shown as text, never HTML).

    A quoted earlier message (a reply's "On ... wrote:" and what follows, a quote block or a cited
    blockquote, lines starting with ">") is left out; an indent the person made with a plain
    blockquote is kept.
    """
    text = text[:MAX_LETTER * 4]
    if text.lstrip().startswith("-----BEGIN PGP"):
        return ""  # encrypted in the page (Proton): there are no words to keep
    if _HTML.search(text):
        quote = _QUOTE_MARK_HTML.search(text)
        if quote:  # from the tag that carries the mark (a quote block, a cited blockquote) to the end
            text = text[:max(0, text.rfind("<", 0, quote.start()))]
        text = _TAG.sub("", _BREAK.sub("\n", _without_hidden(text)))
        text = html.unescape(text).replace("\xa0", " ")
        text = re.sub(r"[ \t]+\n", "\n", text)
    quote = _QUOTE_START_TEXT.search(text)
    text = text[:quote.start()] if quote else text
    text = "\n".join(line for line in text.split("\n") if not line.lstrip().startswith(">"))
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()[:MAX_LETTER]
