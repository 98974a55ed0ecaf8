"""Request and response bodies for the barrier: decoded within a bound, then read as fields.

Pure (no I/O). Bodies are decoded (gzip, deflate, br, zstd), parsed (form, JSON, JSON inside form
fields or inside JSON strings, multipart, JSON sent as text/plain) and flattened into `Fields`:
(keys, value) leaves in document order. Decompression stops at the bound, so a small compressed
body cannot make it use much memory; a JSON text cut at the bound is closed so that its start
still parses, scanning at most MAX_TOKENS tokens; at most MAX_NODES JSON nodes and form fields are
walked per body. Hostile input (bad JSON, bad compression, deep nesting) never raises.

The work done is counted in a `Work` a caller may pass: tests assert its bounds, and
`python -m bench.barrier` times it.
"""

from __future__ import annotations

import json
import re
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

import brotli
import zstandard  # a dependency of ours: mitmproxy 12 no longer brings it

from agent.engine.jsonwalk import Budget, Keys, scalars

MAX_NODES = 50_000  # JSON nodes and form fields walked per body
MAX_NESTING = 4  # JSON inside a string inside JSON ..., this deep
MAX_DEPTH = 500  # brackets open at once in a JSON text cut short; deeper is no message
MAX_TOKENS = 4 * MAX_NODES  # strings and brackets scanned to close a JSON text cut short
BROTLI_CHUNK = 16  # input bytes per step: one step can give at most ~16 MiB, whatever the input


@dataclass
class Work:
    """What reading bodies cost, counted as it is done (each bounded by the constants above)."""

    read: int = 0  # bytes of body text read, after decoding
    decoded: int = 0  # bytes that came out of decompression
    tokens: int = 0  # strings and brackets scanned to close JSON texts cut short
    parsed: int = 0  # characters handed to the JSON parser
    nodes: int = 0  # JSON nodes and form fields walked

    def walked(self, budget: Budget) -> None:
        self.nodes += budget.spent


# --- decoding ----------------------------------------------------------------------


def _gunzip(data: bytes, limit: int, wbits: int = 16 + zlib.MAX_WBITS) -> bytes:
    return zlib.decompressobj(wbits).decompress(data, limit + 1)


def _inflate(data: bytes, limit: int) -> bytes:
    try:
        return _gunzip(data, limit, zlib.MAX_WBITS)  # HTTP "deflate" is zlib-wrapped ...
    except zlib.error:
        return _gunzip(data, limit, -zlib.MAX_WBITS)  # ... except where it is raw


def _unbrotli(data: bytes, limit: int) -> bytes:
    decoder, out, size = brotli.Decompressor(), [], 0
    for start in range(0, len(data), BROTLI_CHUNK):
        piece = decoder.process(data[start : start + BROTLI_CHUNK])
        out.append(piece)
        size += len(piece)
        if size > limit:
            break
    return b"".join(out)


def _unzstd(data: bytes, limit: int) -> bytes:
    reader, out, size = zstandard.ZstdDecompressor().stream_reader(data), [], 0
    while size <= limit:
        piece = reader.read(min(65536, limit + 1 - size))
        if not piece:
            break
        out.append(piece)
        size += len(piece)
    return b"".join(out)


DECODERS: dict[str, Callable[[bytes, int], bytes]] = {
    "gzip": _gunzip, "x-gzip": _gunzip, "deflate": _inflate, "br": _unbrotli,
    "zstd": _unzstd,
}
_DECODE_ERRORS: tuple[type[Exception], ...] = (zlib.error, brotli.error, zstandard.ZstdError, ValueError, EOFError)


def _codings(content_encoding: str, body: bytes) -> list[str]:
    """The encodings applied, in order; an app that compresses in the page may say nothing: the magic bytes tell."""
    codings = [c.strip().lower() for c in content_encoding.split(",") if c.strip().lower() not in ("", "identity")]
    if not codings:
        codings = ["gzip"] if body[:2] == b"\x1f\x8b" else ["zstd"] if body[:4] == b"\x28\xb5\x2f\xfd" else []
    return codings


def is_compressed(headers: dict[str, str], body: bytes) -> bool:
    """Whether the body must be unpacked first: then even a few KB can stand for megabytes of work."""
    return bool(_codings(headers.get("content-encoding", ""), body))


def decode_body(body: bytes, content_encoding: str, limit: int,
                work: Work | None = None) -> tuple[bytes, bool] | None:
    """(the first `limit` bytes of the decoded body, whether there was more); None when it cannot be decoded."""
    codings = _codings(content_encoding, body)
    data = bytes(body[: limit + 1]) if not codings else bytes(body)
    try:
        for coding in reversed(codings):  # the last one applied is the first undone
            decoder = DECODERS.get(coding)
            if decoder is None:
                return None
            data = decoder(data, limit)
            if work is not None:
                work.decoded += len(data)
    except _DECODE_ERRORS:
        return None
    return data[:limit], len(data) > limit


# --- JSON, whole or cut short -----------------------------------------------------------

_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*(")?|[{}\[\]]')
_CLOSERS = {"{": "}", "[": "]"}


def _loads(text: str, work: Work | None) -> Any:
    if work is not None:
        work.parsed += len(text)
    return json.loads(text)


def load_json(text: str, cut: bool = False, work: Work | None = None) -> Any:
    """The JSON value of `text`; for a text cut short, the value of its longest prefix that can be closed."""
    try:
        return _loads(text, work)
    except (ValueError, RecursionError):
        if not cut:
            return None
    stack: list[str] = []  # the closers owed, innermost last
    recent: list[tuple[int, str, str]] = []  # the last tokens: (end, token, the closer it used up)
    heads = [text]
    count = -1
    for count, token in enumerate(_TOKEN.finditer(text)):
        if count > MAX_TOKENS:  # more than any message has: closed here, as if the text were cut here
            text = heads[0] = text[: token.start()]
            break
        value, used = token.group(), ""
        if value[0] == '"':
            if token.group(1) is None:  # a string still open at the cut: close it (minus a cut escape), or drop it
                heads = [text[: len(text) - trim] + '"' for trim in range(6)] + [text[: token.start()]]
                break
        elif value in _CLOSERS:
            stack.append(_CLOSERS[value])
            if len(stack) > MAX_DEPTH:
                break
        elif stack:
            used = stack.pop()
        recent = [*recent[-5:], (token.end(), value, used)]
    if work is not None:
        work.tokens += count + 1
    if len(stack) > MAX_DEPTH:
        return None
    candidates = [(head, "".join(reversed(stack))) for head in heads]
    owed = list(stack)
    for end, value, used in reversed(recent):  # the closers owed just after each recent token, undoing them
        candidates.append((text[:end], "".join(reversed(owed))))
        if value in _CLOSERS:
            owed.pop()
        elif used:
            owed.append(used)
    tries = (head.rstrip().rstrip(",") + filler + close for head, close in candidates
             for filler in ("", "null", ":null"))  # a value cut off after "key": or after a lone key
    # At most ~40 tries, each on a text of at most MAX_TOKENS tokens: bounded, on the barrier's own thread.
    for attempt in tries:
        try:
            return _loads(attempt, work)
        except (ValueError, RecursionError):
            continue
    return None


def json_in(message: str, work: Work | None = None) -> Any:
    """The JSON of a WebSocket message: the whole text, or a JSON value after a binary header (MQTT)."""
    value = load_json(message.strip(), False, work)
    if value is not None:
        return value
    decoder, start = json.JSONDecoder(), 0
    for _ in range(4):
        start = message.find("{", start)
        if start < 0 or start > 1024:
            return None
        try:
            if work is not None:
                work.parsed += len(message) - start
            return decoder.raw_decode(message, start)[0]
        except (ValueError, RecursionError):
            start += 1
    return None


# --- fields ----------------------------------------------------------------------------


def form_keys(name: str) -> Keys:
    """`to`, `to[]`, `ids[0]`, `message[to]` -> ("to",), ("to",), ("ids",), ("message", "to")."""
    head, _, rest = name.partition("[")
    subs = re.findall(r"([^\[\]]*)\]", rest) if rest else []
    return (head.strip().lower(), *(s.lower() for s in subs if s and not s.isdigit()))


class Fields:
    """A body as leaves: (keys, value), keys lower case without list positions, in document order.

    `keep_text`: fields whose value is the message's text, never read as JSON. The parts of one body
    share one node budget (`nodes`; `budget.spent` is what they walked); JSON parsing is counted in `work`.
    """

    def __init__(self, keep_text: Iterable[str] = (), nodes: int = MAX_NODES, work: Work | None = None):
        self.leaves: list[tuple[Keys, str]] = []
        self.roots: list[Any] = []  # every JSON value found, for formats without field names
        self.budget = Budget(nodes)
        self.work = work
        self.keep_text = frozenset(name.rsplit(".", 1)[-1] for name in keep_text)  # text is never read as JSON

    def add_json(self, data: Any, prefix: Keys = (), depth: int = 0) -> None:
        self.roots.append(data)
        for keys, value in scalars(data, self.budget, prefix):
            if isinstance(value, str):
                self.add_text(keys, value, depth)
            else:
                self.leaves.append((keys, str(value)))

    def add_text(self, keys: Keys, text: str, depth: int = 0) -> None:
        """A string value; JSON inside it (Facebook `variables`, Instagram `recipient_users`) is read too."""
        stripped = text.strip()
        if (depth < MAX_NESTING and stripped[:1] in ("{", "[") and stripped[-1:] in ("}", "]")
                and not (keys and keys[-1] in self.keep_text)):
            data = load_json(stripped, False, self.work)
            if isinstance(data, dict | list):
                self.add_json(data, keys, depth + 1)
                return
        self.leaves.append((keys, text))

    def add_form(self, text: str, prefix: Keys = ()) -> None:
        for name, value in parse_qsl(text, keep_blank_values=True, errors="replace"):
            if not self.budget.take():
                break
            self.add_text(prefix + form_keys(name), value)

    def add_multipart(self, data: bytes, boundary: str) -> None:
        for part in data.split(b"--" + boundary.encode("latin-1"))[1:]:
            if part.startswith(b"--"):
                break  # the closing boundary
            head, sep, body = part.partition(b"\r\n\r\n")
            if not sep:
                head, sep, body = part.partition(b"\n\n")
            head_text = head.decode("latin-1")
            name = re.search(r'(?i)(?:^|;)\s*name="([^"]*)"', head_text)
            kind = re.search(r"(?im)^content-type:\s*([^;\r\n]+)", head_text)
            kind = kind.group(1).strip().lower() if kind else ""
            if not sep or not name or ("filename=" in head_text.lower() and "json" not in kind):
                continue  # attachments are files, not recipients
            self.add_body(body.removesuffix(b"\n").removesuffix(b"\r"), kind, False, form_keys(name.group(1)))

    def add_body(self, data: bytes, content_type: str, cut: bool, prefix: Keys = ()) -> None:
        mime = content_type.split(";", 1)[0].strip().lower()
        if mime.startswith("multipart/"):
            boundary = re.search(r'(?i)boundary="?([^";]+)"?', content_type)
            if boundary:
                self.add_multipart(data, boundary.group(1).strip())
            return
        text = data.decode("utf-8", "replace")
        if mime == "application/x-www-form-urlencoded":
            self.add_form(text, prefix)
        elif text.lstrip()[:1] in ("{", "["):  # application/json, text/plain, or nothing said
            value = load_json(text.strip(), cut, self.work)
            if value is not None:
                self.add_json(value, prefix)
        elif "=" in text:
            self.add_form(text, prefix)
        elif prefix:
            self.add_text(prefix, text)

    def first(self, names: Iterable[str]) -> str | None:
        """The first non-blank value of the first of `names` found: field names, or dotted key suffixes."""
        for name in names:
            pattern = tuple(name.split("."))
            for keys, value in self.leaves:
                if value.strip() and keys[-len(pattern):] == pattern:
                    return value
        return None
