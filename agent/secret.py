"""The per-install secret that signs the actions offered on our own pages.

A web page must not be able to act for the person (close an urge, later open a
window): each action carries an HMAC that only this install can compute.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path


def load(path: Path) -> bytes | None:
    """The install's secret, or None when there is none (or it is not one)."""
    try:
        return bytes.fromhex(path.read_text().strip())
    except (FileNotFoundError, ValueError):
        return None


def load_or_create(path: Path) -> bytes:
    value = load(path)
    if value is None:
        value = secrets.token_bytes(32)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(value.hex())
    return value


def sign(secret: bytes, message: str) -> str:
    return hmac.new(secret, message.encode(), hashlib.sha256).hexdigest()[:32]


def verify(secret: bytes, message: str, token: str) -> bool:
    # Bytes, so a token with any characters is simply wrong, never an error.
    return hmac.compare_digest(sign(secret, message).encode(), (token or "").encode("utf-8", "replace"))
