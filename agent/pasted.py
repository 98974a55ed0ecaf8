"""A profile entry as the person wrote it in their config: a link that reaches someone, or a mistake with what was
probably meant.

The engine reads any link (agent/engine/platforms): one on a platform it knows names a handle or an id, and any
other names a page on that site, which guards that page. So a bare `@handle`, a name, a mistyped link
(`htps//x.com/...`, `twiter.com/...`) or one with a space in it would be read as a page on a site that does not
exist, and guard nothing. Each is refused here, with a suggestion where one can be made.
"""

from __future__ import annotations

import ipaddress
import re
from functools import cache

from publicsuffix2 import PSL_FILE  # shipped with mitmproxy's dependency: every ending a site's name can have

from agent.engine.identity import EMAIL_RE, Identity, ProfileError
from agent.engine.platforms import PLATFORMS, recognise
from agent.engine.urls import Url, UrlError, parse

# Endings kept for tests and examples (RFC 2606, RFC 6761): no profile lives there, but they are names.
RESERVED_ENDINGS = frozenset({"test", "example", "invalid", "localhost"})
_SCHEME = re.compile(r"([a-z]{3,6})(:/{0,3}|/{1,3})(?=[^/\s])", re.IGNORECASE)
_HOST = re.compile(r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+")
_HANDLE = re.compile(r"@?[\w.-]{1,64}")
_PHONE = re.compile(r"\+?[\d\s().-]{7,}")
EXAMPLE = "like https://www.instagram.com/name/"
LINK_FORM = f"write the whole link of their profile page, {EXAMPLE}"


@cache
def top_level_endings() -> frozenset[str]:
    """Every top-level ending a site's name can have (com, org, uk, ...), from the public suffix table."""
    with open(PSL_FILE, encoding="utf-8") as table:
        endings = {line.strip().rsplit(".", 1)[-1].lstrip("*!") for line in table
                   if line.strip() and not line.startswith("//")}
    return frozenset(ending.encode("idna").decode("ascii") if not ending.isascii() else ending
                     for ending in endings if ending) | RESERVED_ENDINGS


@cache
def _platform_domains() -> dict[str, str]:
    """Each domain of a platform nocontact knows, and the link form to suggest on it ({name: domain} as well)."""
    domains = {domain: domain for p in PLATFORMS for domain in p.domains}
    for platform in PLATFORMS:
        domains.setdefault(platform.name, platform.domains[0])
        domains.setdefault(platform.domains[0].split(".")[0], platform.domains[0])
    return domains


def profile_identity(text: str) -> Identity:
    """The identity a profile entry names; ValueError saying what to write instead when it is no link that
    reaches anyone."""
    entry = text.strip()
    problem = _not_a_link(entry)
    if problem:
        raise ValueError(problem)
    try:
        identity = recognise(entry)
    except ProfileError as err:  # a page of a platform that is not a profile, or text no link can be read from
        raise ValueError(str(err)) from None
    if identity.platform == "web":
        problem = _no_such_site(entry, parse(entry))
        if problem:
            raise ValueError(problem)
    return identity


def _not_a_link(entry: str) -> str | None:
    """What the entry is, when it is plainly no link: empty, a handle, an email, a phone number, a name."""
    if not entry:
        return f"is empty; write the link of their profile page, {EXAMPLE}"
    if EMAIL_RE.fullmatch(entry):
        return f"{entry!r} is an email address; it goes under emails:, and here the link of their profile page"
    if _PHONE.fullmatch(entry) and not entry.isdigit():  # a long number alone may be an id
        return f"{entry!r} is a phone number; it goes under phones:, and here the link of their profile page"
    if entry.startswith("@") and _HANDLE.fullmatch(entry):
        return _which_platform(entry)
    if re.search(r"\s", entry):
        if "/" not in entry and "." not in entry:
            return (f"{entry!r} is not a link; a name goes under names:, and here the link of their profile page, "
                    f"{EXAMPLE}")
        joined = re.sub(r"\s*([/.:])\s*", r"\1", entry)
        suggestion = _suggestion(joined) if not re.search(r"\s", joined) else None
        return _with_suggestion(f"{entry!r} has a space in it, and a link has none", suggestion,
                                "copy the address from the address bar of their profile page")
    mended = _mended_scheme(entry)
    if mended != entry:
        return _with_suggestion(f"{entry!r} is not a link nocontact can read", _suggestion(mended), LINK_FORM)
    return None


def _which_platform(handle: str) -> str:
    name = handle.removeprefix("@")
    return (f"{handle!r} is not a link: which platform is {handle} on? Write the link of their profile there, "
            f"like https://x.com/{name} or https://www.instagram.com/{name}/")


def _mended_scheme(entry: str) -> str:
    """`htps//x.com/a`, `https:/x.com/a`, `hxxps://x.com/a` -> `https://x.com/a`; anything else as it is."""
    found = _SCHEME.match(entry)
    if not found or entry.lower().startswith(("http://", "https://")):
        return entry
    scheme, rest = found.group(1).lower(), entry[found.end():]
    if _distance(scheme, "https") > 2 and _distance(scheme, "http") > 1:
        return entry  # ftp://, file:/, or a site's name such as tiktok/...: not a mistyped scheme
    return ("http://" if scheme == "http" else "https://") + rest


def _no_such_site(entry: str, url: Url) -> str | None:
    """Why a link that the engine reads as a page on its host reaches nobody, or None when the host can be a site."""
    host = url.host
    try:
        ipaddress.ip_address(host)
        return None
    except ValueError:
        pass
    bare = "/" not in entry and ":" not in entry
    ending = host.rsplit(".", 1)[-1]
    if _HOST.fullmatch(host) and ending in top_level_endings():
        near = _near_platform(host, short_too=False)
        if near is None:
            return None
        return _with_suggestion(f"{entry!r} is on {host}, which is not a site nocontact knows",
                                _suggestion(_on_host(url, near)), f"is {near} meant?")
    if bare and _HANDLE.fullmatch(entry):
        return _which_platform(entry)
    named = (_platform_domains().get(host) or _near_platform(host, short_too=True)
             or _platform_domains().get(host.split(".")[0]) or (host.replace(",", ".") if "," in host else None))
    suggestion = _suggestion(_on_host(url, named)) if named else None
    return _with_suggestion(f"{entry!r} names no site (a site's name is letters, digits and dashes, and ends in "
                            ".com, .org or the like)", suggestion, LINK_FORM)


def _near_platform(host: str, short_too: bool) -> str | None:
    """The domain of a platform nocontact knows that `host` is one typing slip from (twiter.com, facebook.co). Two
    slips reach real sites (gitlab.com, reveddit.com), and so does one from a short name (x.co, ex.com): a short
    name counts only when `short_too` (the host can be no site at all)."""
    site = host.removeprefix("www.").removeprefix("m.")
    for domain in _platform_domains().values():
        short = len(domain.split(".")[0]) < 5
        if (short_too or not short) and abs(len(domain) - len(site)) <= 1 and _distance(site, domain) == 1:
            return domain
    return None


def _on_host(url: Url, domain: str) -> str:
    """The link with its site's name replaced by `domain`."""
    return f"https://{domain}{url.path}" + (f"?{url.raw_query}" if url.raw_query else "")


def _suggestion(candidate: str) -> str | None:
    """`candidate` when it is a link that reaches someone, else None."""
    try:
        profile_identity(candidate)
    except (ValueError, UrlError):
        return None
    return candidate


def _with_suggestion(message: str, suggestion: str | None, otherwise: str) -> str:
    return f"{message}; did you mean {suggestion}?" if suggestion else f"{message}; {otherwise}"


def _distance(a: str, b: str) -> int:
    """How many letters to add, take away, change or swap to make `a` into `b` (optimal string alignment)."""
    before, row = None, list(range(len(b) + 1))
    for i, char in enumerate(a, 1):
        current = [i]
        for j, other in enumerate(b, 1):
            cost = current[j - 1] + 1, row[j] + 1, row[j - 1] + (char != other)
            best = min(cost)
            if before is not None and i > 1 and j > 1 and char == b[j - 2] and a[i - 2] == other:
                best = min(best, before[j - 2] + 1)
            current.append(best)
        before, row = row, current
    return row[-1]
