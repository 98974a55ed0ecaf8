"""URL parsing and normalisation for the policy engine (pure, no I/O).

Every rule compares normalised forms, so the tricks that change how a URL is
spelt but not where it leads (case, a trailing dot, a default port, doubled
slashes, percent-encoding applied twice, dot segments, backslashes) all land
on the same `Url`.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import TypeVar
from urllib.parse import unquote, urlsplit

from agent.errors import UserError

# Decoding rounds for percent-encoding: enough for "encoded twice" (and thrice),
# bounded so a hostile URL cannot make us loop.
DECODE_ROUNDS = 3
# Longer URLs are cut before parsing; no real profile or search needs more.
MAX_URL_CHARS = 16_384
# A host name has at most 253 characters (DNS); longer ones are refused, so that no host costs more to look up.
MAX_HOST_CHARS = 253
# A form body (a GraphQL POST) is read this far; its variables come first in practice.
MAX_FORM_CHARS = 65_536
DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}
V = TypeVar("V")


class UrlError(UserError):
    """The text is not a URL we can read."""


def decode(text: str, plus: bool = False) -> str:
    """Percent-decode until stable (at most DECODE_ROUNDS rounds)."""
    if plus:
        text = text.replace("+", " ")
    for _ in range(DECODE_ROUNDS):
        if "%" not in text:
            break
        decoded = unquote(text, errors="replace")
        if decoded == text:
            break
        text = decoded
    return text


_PLAIN_HOST = re.compile(r"[a-z0-9-]+(\.[a-z0-9-]+)*")
# One flat character class: no nested quantifier, so no input can make it backtrack.
_PLAIN_PATH = re.compile(r"/[A-Za-z0-9_@$!:;,=+~*'()\-./]*")


def normalise_host(host: str) -> str:
    """Lower case, no trailing dot, IDN as punycode, IPv6 without brackets."""
    if _PLAIN_HOST.fullmatch(host):
        return host  # the common case, already normal
    host = decode(host).strip().lower().rstrip(".")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if host and not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            pass  # keep the Unicode form: it still matches nothing by accident
    return host


@lru_cache(maxsize=16_384)
def host_suffixes(host: str) -> tuple[str, ...]:
    """`a.b.example.com` -> (`a.b.example.com`, `b.example.com`, `example.com`, `com`).

    Cached: browsing asks about the same few hosts over and over.
    """
    parts = host.split(".")
    return tuple(".".join(parts[i:]) for i in range(len(parts)))


def by_host(table: Mapping[str, V], host: str) -> V | None:
    """The entry of `table` for the longest suffix of `host` (the host itself first), or None."""
    for suffix in host_suffixes(host):
        if suffix in table:
            return table[suffix]
    return None


def _normalise_path(raw: str) -> str:
    if _PLAIN_PATH.fullmatch(raw) and "//" not in raw and "/." not in raw:
        return raw  # nothing encoded, no dot segments, no doubled slashes
    path = decode(raw).replace("\\", "/")
    if not path.startswith("/"):
        path = "/" + path
    trailing = path.endswith("/") and path != "/"
    path = posixpath.normpath(path)  # collapses //, resolves . and ..
    if path.startswith("//"):
        path = "/" + path.lstrip("/")
    return path + "/" if trailing else path


@dataclass(frozen=True, slots=True)
class Url:
    scheme: str
    host: str
    port: int | None  # None when it is the scheme's default
    path: str  # decoded, normalised, starts with "/"
    query: tuple[tuple[str, str], ...]  # decoded (name, value) pairs, in order
    raw_query: str
    segments: tuple[str, ...] = ()  # the path's non-empty segments
    form: tuple[tuple[str, str], ...] = ()  # decoded fields of a urlencoded request body (GraphQL POSTs)

    def __post_init__(self) -> None:
        object.__setattr__(self, "segments", tuple(filter(None, self.path.split("/"))))

    def with_form(self, body: str) -> Url:
        """This URL with a urlencoded request body whose fields are read like its query parameters."""
        return replace(self, form=_query(body[:MAX_FORM_CHARS]))

    def param(self, *names: str) -> str | None:
        """The first value of any of `names`, in the query then the form (names are case-insensitive)."""
        values = self.params(*names)
        return values[0] if values else None

    def params(self, *names: str) -> list[str]:
        """Every value of `names`, in the query then the form (names are case-insensitive)."""
        pairs = self.query + self.form if self.form else self.query
        if not pairs:  # most URLs: asked for many names, they have none
            return []
        wanted = _lower_names(names)
        return [value for key, value in pairs if key.lower() in wanted]

    @property
    def origin(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        port = f":{self.port}" if self.port else ""
        return f"{self.scheme}://{host}{port}"

    def without_query(self) -> str:
        """The URL as the urge log keeps it: no query string, no fragment."""
        return self.origin + self.path


@lru_cache(maxsize=1024)
def _lower_names(names: tuple[str, ...]) -> frozenset[str]:
    """The parameter names a platform asks for, in lower case (the same few tuples, asked for over and over)."""
    return frozenset(name.lower() for name in names)


_QUICK = re.compile(r"https?://([a-z0-9.-]+)(?::\d+)?(?:[/?#]|$)", re.IGNORECASE)


def quick_host(text: str) -> str | None:
    """The host of an ordinary absolute http(s) URL, cheaply; None when it needs a full parse."""
    match = _QUICK.match(text)
    if match is None:
        return None
    host = match.group(1).lower()
    return None if host.endswith(".") or ".." in host or not host else host


_ORDINARY = re.compile(r"(https?)://([a-z0-9.-]+)(?::(\d{1,5}))?(/[^?#\\]*)?(?:\?([^#]*))?(?:#.*)?", re.IGNORECASE)


def _field(text: str) -> str:
    # As parse_qsl reads one name or value ("+" is a space, then one round of percent-decoding), then `decode`.
    if "+" in text:
        text = text.replace("+", " ")
    return decode(unquote(text, errors="replace")) if "%" in text else text


def _query(raw: str) -> tuple[tuple[str, str], ...]:
    """The decoded (name, value) pairs of a query string, as parse_qsl(keep_blank_values=True) and `decode` read it.

    Written out because it runs for every request on a watched host; `test_urls` holds it to parse_qsl.
    """
    if not raw:
        return ()
    pairs = []
    for field in raw.split("&"):
        if field:
            name, _, value = field.partition("=")
            pairs.append((_field(name), _field(value)))
    return tuple(pairs)


def parse(text: str) -> Url:
    """Parse and normalise `text`; a missing scheme means https.

    Raises UrlError for text that cannot name a web address.
    """
    match = _ORDINARY.fullmatch(text) if isinstance(text, str) and len(text) <= MAX_URL_CHARS else None
    if match:  # the common case, read with one expression
        scheme, host, port_text, path, raw_query = match.groups()
        scheme = scheme.lower()
        host = normalise_host(host.lower())
        port = int(port_text) if port_text else None
        if (host and len(host) <= MAX_HOST_CHARS and not host.startswith(".") and ".." not in host
                and (port is None or 0 < port < 65536)):
            if port == DEFAULT_PORTS[scheme]:
                port = None
            raw_query = raw_query or ""
            return Url(scheme, host, port, _normalise_path(path or "/"), _query(raw_query), raw_query)
    return _parse_unusual(text)


_QUOTES = "\"'<>‹›«»“”‘’`([)]"


def _parse_unusual(text: str) -> Url:
    if not isinstance(text, str):
        raise UrlError("a URL must be text")
    text = text.strip()[:MAX_URL_CHARS]
    if text[:1] in _QUOTES:  # pasted from a message or a document: "https://...", <https://...>, «...»
        text = text.strip(_QUOTES + " ,.;")
    if not text:
        raise UrlError("the URL is empty")
    head, sep, tail = text.partition("?")
    text = head.replace("\\", "/") + sep + tail  # browsers read "\" as "/" in web addresses
    if "://" not in text.split("?", 1)[0]:
        text = "https://" + text.lstrip("/")
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as err:
        raise UrlError(f"not a readable URL ({err})") from None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise UrlError(f"only http and https addresses can be checked, not {scheme}:")
    if len(parts.hostname or "") > 3 * MAX_HOST_CHARS:  # even percent-encoded: refused before any decoding
        raise UrlError("the host name is longer than any on the internet")
    host = normalise_host(parts.hostname or "")
    if not host or " " in host:
        raise UrlError("the URL has no host name")
    if len(host) > MAX_HOST_CHARS:
        raise UrlError("the host name is longer than any on the internet")
    if port == DEFAULT_PORTS[scheme]:
        port = None
    return Url(scheme, host, port, _normalise_path(parts.path or "/"), _query(parts.query), parts.query)

