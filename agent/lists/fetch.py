"""Fetching one subscribed list: directly, conditionally, within bounds.

Directly: never through nocontact's own proxy or any proxy the system names (the list's host sees one plain
request from this machine, with urllib's own user agent, no cookies and nothing about the person).
Conditionally: with the `ETag` and `Last-Modified` of the copy kept, so an unchanged list costs one short
answer (304). Within bounds: a timeout for each wait, a deadline for the whole answer, and a size limit,
so a list that hangs, trickles or never ends cannot hold anything up or fill the disk.
"""

from __future__ import annotations

import hashlib
import http.client
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

# Read when a fetch starts, so tests can make them short.
FETCH_TIMEOUT = 30.0  # seconds to connect, and to wait for each part of the answer
FETCH_DEADLINE = 120.0  # seconds for the whole answer
MAX_BYTES = 40 * 1024 * 1024  # a list of a million domains in hosts form is about 35 MB
CHUNK = 256 * 1024


class FetchError(Exception):
    """The list could not be fetched; `str()` says why, in words for the person."""


@dataclass(frozen=True, slots=True)
class Fetched:
    body: bytes | None  # None: unchanged since the copy kept
    etag: str | None = None
    last_modified: str | None = None  # for a file: the digest of its contents


def fetch(url: str, etag: str | None = None, last_modified: str | None = None) -> Fetched:
    """The list at `url` (https, http or file), or None as its body when it has not changed; FetchError if not."""
    if urlsplit(url).scheme.lower() == "file":
        return _read_file(url, last_modified)
    return _download(url, etag, last_modified)


def _read_file(url: str, seen: str | None) -> Fetched:
    """A local list; its digest stands in for an ETag (a file is read whole each time: it is on this disk)."""
    path = Path(urllib.request.url2pathname(urlsplit(url).path))
    try:
        with open(path, "rb") as source:
            body = source.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise FetchError(f"there is no file {path}") from None
    except IsADirectoryError:
        raise FetchError(f"{path} is a folder, not a file") from None
    except OSError as err:
        raise FetchError(f"{path} cannot be read ({err.strerror or type(err).__name__})") from None
    if len(body) > MAX_BYTES:
        raise FetchError(f"it is larger than {_size(MAX_BYTES)}")
    digest = "sha256:" + hashlib.sha256(body).hexdigest()
    return Fetched(None if digest == seen else body, last_modified=digest)


def _download(url: str, etag: str | None, last_modified: str | None) -> Fetched:
    headers = {"Accept": "text/plain, */*;q=0.5"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    # No proxy at all: not nocontact's own (the list's hosts are not its business), nor one from the environment.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    deadline = time.monotonic() + FETCH_DEADLINE
    try:
        with opener.open(urllib.request.Request(url, headers=headers), timeout=FETCH_TIMEOUT) as answer:
            length = answer.headers.get("Content-Length")
            if length and length.isdigit() and int(length) > MAX_BYTES:
                raise FetchError(f"it is larger than {_size(MAX_BYTES)}")
            parts, size = [], 0
            while chunk := answer.read(CHUNK):
                size += len(chunk)
                if size > MAX_BYTES:
                    raise FetchError(f"it is larger than {_size(MAX_BYTES)}")
                if time.monotonic() > deadline:
                    raise FetchError(f"it took longer than {FETCH_DEADLINE:g} seconds to arrive")
                parts.append(chunk)
            return Fetched(b"".join(parts), answer.headers.get("ETag"), answer.headers.get("Last-Modified"))
    except urllib.error.HTTPError as err:
        if err.code == 304:
            return Fetched(None, etag, last_modified)
        raise FetchError(f"the server answered {err.code} {err.reason}".rstrip()) from None
    except urllib.error.URLError as err:
        reason = err.reason
        if isinstance(reason, TimeoutError):
            raise FetchError(f"the server did not answer within {FETCH_TIMEOUT:g} seconds") from None
        raise FetchError(f"it could not be reached ({getattr(reason, 'strerror', None) or reason})") from None
    except TimeoutError:
        raise FetchError(f"the server did not answer within {FETCH_TIMEOUT:g} seconds") from None
    except (OSError, ValueError, http.client.HTTPException) as err:  # a reset, a cut or broken answer
        raise FetchError(f"the answer broke off ({type(err).__name__})") from None


def _size(count: int) -> str:
    return f"{count // 2**20:,} MB" if count >= 2**20 else f"{count // 1024:,} KB"


def decode(body: bytes) -> str:
    """A list's bytes as text: UTF-8 (with or without its mark); what is not UTF-8 cannot be a domain anyway."""
    return body.decode("utf-8-sig", errors="replace")

