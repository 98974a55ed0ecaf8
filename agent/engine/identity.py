"""Identities: who a URL reaches, in a form that compares by the platform's own rules.

A pasted profile URL becomes an `Identity`; every request URL is turned into
the identities it reaches; the policy then needs one dict lookup per identity.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import phonenumbers

from agent.engine.urls import Url


@dataclass(frozen=True, slots=True)
class Identity:
    platform: str  # "instagram", "facebook", ..., or "phone", "email", "web"
    key: str  # normalised by the platform's rules (case, dots, ...)

    def __str__(self) -> str:
        return f"{self.platform}:{self.key}"


class ProfileError(ValueError):
    """A URL that belongs to a platform but does not name a profile on it."""


class Platform:
    """One platform: its domains, how a profile URL names someone, and what a URL reaches."""

    name: str = ""  # machine name, used in explain output and the urge log
    label: str = ""  # what a person reads ("Instagram")
    domains: tuple[str, ...] = ()  # every subdomain of these belongs to the platform

    def profile(self, url: Url) -> Identity:
        """The identity a pasted profile URL names; ProfileError if it names none."""
        raise NotImplementedError

    def reaches(self, url: Url) -> Iterable[Identity]:
        """Every identity this request URL shows, loads, or opens a chat with."""
        raise NotImplementedError

    def searches(self, url: Url) -> Iterable[str]:
        """Search texts typed into the platform's own search, if this URL is one."""
        return ()


# --- contact identifiers shared by every platform -------------------------

_GMAIL = {"gmail.com", "googlemail.com"}
# Anchored at the start of the address: unanchored, a search would retry from every character of a long text.
EMAIL_RE = re.compile(r"(?<![A-Za-z0-9._%+'-])[A-Za-z0-9._%+'-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")


def email_key(text: str) -> str:
    """Lower case; for Gmail also without dots and +tags (Gmail ignores both)."""
    text = text.strip().lower()
    if not EMAIL_RE.fullmatch(text):
        raise ValueError(f"{text!r} is not an email address")
    local, domain = text.rsplit("@", 1)
    if domain in _GMAIL:
        local = local.split("+", 1)[0].replace(".", "")
        domain = "gmail.com"
    return f"{local}@{domain}"


def phone_key(text: str, region: str | None = None) -> str:
    """E.164 digits without "+" ("+44 7700 900123" -> "447700900123").

    Without a region the number must be international (start with + or 00).
    """
    cleaned = text.strip()
    if cleaned.startswith("00"):
        cleaned = "+" + cleaned[2:]
    try:
        number = phonenumbers.parse(cleaned, region)
    except phonenumbers.NumberParseException as err:
        raise ValueError(f"{text!r} is not a phone number ({err})") from None
    if not phonenumbers.is_possible_number(number):
        raise ValueError(f"{text!r} is not a possible phone number")
    return f"{number.country_code}{number.national_number}"


def phone_identity(digits: str) -> Identity | None:
    """An identity for a phone link's digits ("447700900123"), or None if not a number."""
    digits = re.sub(r"\D", "", digits)
    if len(digits) < 7:
        return None
    try:
        return Identity("phone", phone_key("+" + digits))
    except ValueError:
        return None
