"""The per-install secret: it signs the records of the commitment and the actions offered on our own pages.

A web page must not be able to act for the person (close an urge, later open a
window): each action carries a token that only this install can compute, that
names the host it was issued on, and that expires. The secret is kept twice:
in the data directory and in a second folder outside it, so deleting the one
in the data directory does not leave the signed records unreadable.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from pathlib import Path
from typing import NamedTuple

from agent.paths import guard_dir

MAC_CHARS = 32  # 128 bits of HMAC-SHA256, as hex
_STAMP = re.compile(r"[0-9a-f]{1,12}")


def load(path: Path) -> bytes | None:
    """The install's secret, or None when there is none (or it is not one)."""
    try:
        value = bytes.fromhex(path.read_text().strip())
    except (OSError, ValueError):
        return None
    return value or None


def _write(path: Path, value: bytes) -> None:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(value.hex())
    os.chmod(path, 0o600)


def load_or_create(path: Path) -> bytes:
    """The secret at `path`; where it is missing, its copy outside the data directory, else a new one."""

    value = load(path)
    if value is None:
        value = load(guard_dir(path.parent) / "secret") or secrets.token_bytes(32)
        _write(path, value)
    return value


class Kept(NamedTuple):
    key: bytes
    copy_existed: bool  # the copy outside the data directory was there before: nocontact ran here
    note: str | None  # what had to be put right, in words for a guard note


def keep(path: Path, copy: Path) -> Kept:
    """The install's secret from `path`, with its copy at `copy`; either one missing is made again from the other.

    Where the two differ, the copy wins: it is the one a change in the data directory does not reach.
    """
    here, there = load(path), load(copy)
    if there is not None:
        if here == there:
            return Kept(there, True, None)
        _write(path, there)
        said = "was missing" if here is None else "had been replaced"
        return Kept(there, True, f"the install's secret in the data directory {said}; its copy was put back")
    if here is None:
        here = secrets.token_bytes(32)
        _write(path, here)
    _write(copy, here)
    return Kept(here, False, None)


def sign(secret: bytes, message: str) -> str:
    return hmac.new(secret, message.encode(), hashlib.sha256).hexdigest()[:MAC_CHARS]


def verify(secret: bytes, message: str, token: str) -> bool:
    # Bytes, so a token with any characters is simply wrong, never an error.
    return hmac.compare_digest(sign(secret, message).encode(), (token or "").encode("utf-8", "replace"))


def issue(secret: bytes, action: str, host: str, expires: float) -> str:
    """A token for `action` on `host`, good until `expires` (wall clock): the expiry in hex, then the MAC.

    Plain hex, so it fits a link or a form field as it is.
    """
    stamp = f"{max(0, int(expires)):x}"
    return stamp + sign(secret, f"token:{action}:{host}:{stamp}")


def check(secret: bytes, action: str, host: str, token: str | None, now: float) -> bool:
    """Was `token` issued by this install for `action` on `host`, and is it still good at `now`?"""
    token = token or ""
    stamp, mac = token[:-MAC_CHARS], token[-MAC_CHARS:]
    if len(mac) != MAC_CHARS or not _STAMP.fullmatch(stamp) or int(stamp, 16) < now:
        return False
    return verify(secret, f"token:{action}:{host}:{stamp}", mac)
