"""The text of a subscribed domain list, read into its domains (pure: no I/O but the public suffix table).

Three forms are read, also mixed in one file, as Pi-hole and uBlock Origin read them:
- hosts format: `0.0.0.0 example.com` (any address, one or more names after it);
- plain domains: `example.com`, also `*.example.com` or `.example.com`;
- adblock domain rules: `||example.com^`, optionally with `$important`, `$all`, `$document` or `$doc`.
Comments (`#`, `!`, `[Adblock Plus 2.0]`) and a hosts file's own names (localhost, broadcasthost) are passed
over. Anything else is skipped and counted: a rule with a path or other options (it does not block a whole
site), an exception (`@@`), a name that is not a domain, or a public suffix such as `co.uk` or `github.io`
(it would block thousands of unrelated sites).

`problem` says why a copy must not replace the last good one: binary, a web page, no domains, mostly lines
that are not domains, or far fewer domains than the last good copy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from publicsuffix2 import PSL_FILE  # shipped with mitmproxy's dependency: the suffixes under which anyone registers

from agent.engine.urls import normalise_host

MAX_DOMAINS = 1_000_000  # one list; the largest public domain lists hold a few hundred thousand
# A copy with fewer than a tenth of the last good copy's domains (of at least SHRINK_FROM) looks cut short.
SHRINK_FROM = 100
SHRINK_FACTOR = 10
# A copy where fewer than one line in MOSTLY_NOT lines is a domain is not a domain list.
MOSTLY_NOT = 5

_DOMAIN = re.compile(r"(?:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?\.)+(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})")
# One line that holds one domain in any of the three forms (lower case), with the domain as the group. Its
# labels are read loosely (a doubled dot passes): such a name can only ever match itself, and one expression
# this simple reads a few hundred thousand lines in a fraction of a second.
_ONE_DOMAIN = re.compile(
    r"^[ \t]*(?:(?:0\.0\.0\.0|127\.0\.0\.1|::1?)[ \t]+|\|\|)?(?:\*\.|\.)?"
    r"([a-z0-9_][a-z0-9_.-]*\.(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59}))\.?"
    r"(?:\^(?:\$(?:important|all|document|doc))?)?[ \t\r]*(?:#[^\n]*)?$", re.MULTILINE)
_CONTENT_LINE = re.compile(r"^[ \t]*[^\s#!\[]", re.MULTILINE)  # not empty, not a comment
_ADBLOCK = re.compile(r"\|\|([^/^$|*]+)\^(?:\$(?:important|all|document|doc)(?:,important)?)?")
_ADDRESS = re.compile(r"[0-9.]+|[0-9a-fA-F.%]*:[0-9a-zA-Z:.%]*")  # IPv4, or IPv6 (a colon: never in a domain)
HOSTS_OWN = frozenset({"localhost", "localhost.localdomain", "local", "broadcasthost", "ip6-localhost",
                       "ip6-loopback", "ip6-localnet", "ip6-mcastprefix", "ip6-allnodes", "ip6-allrouters",
                       "ip6-allhosts", "0.0.0.0"})


@dataclass(frozen=True, slots=True)
class DomainList:
    domains: tuple[str, ...]  # normalised, in the list's order, each once
    skipped: int  # lines that are not a domain, nor a comment
    first_skipped: int | None = None  # its line number (1-based), to point at
    binary: bool = False
    web_page: bool = False
    too_many: bool = False  # more than MAX_DOMAINS: the rest was not read


@cache
def public_suffixes() -> tuple[frozenset[str], re.Pattern]:
    """The public suffixes with a dot in them (a name without one is no domain anyway), and an expression for
    the names that a `*.parent` rule makes public suffixes (one label over the parent)."""
    exact, parents = set(), []
    with open(PSL_FILE, encoding="utf-8") as table:
        for line in table:
            rule = line.strip()
            if not rule or rule.startswith(("//", "!")):
                continue
            rule = normalise_host(rule)
            if rule.startswith("*."):
                parents.append(re.escape(rule[2:]))
            elif "." in rule:
                exact.add(rule)
    return frozenset(exact), re.compile(rf"^[^.\n]+\.(?:{'|'.join(parents)})$", re.MULTILINE)


def domain_of(name: str) -> str | None:
    """`name` as a normalised domain, or None when it is not one (or is a public suffix)."""
    if name.startswith("*."):
        name = name[2:]
    elif name.startswith("."):
        name = name[1:]
    host = normalise_host(name)
    if not _DOMAIN.fullmatch(host) or len(host) > 253:
        return None
    exact, wildcard = public_suffixes()
    return None if host in exact or wildcard.match(host) else host


def read_domain_list(text: str) -> DomainList:
    """The domains of a list in any of the three forms (see the module's words)."""
    if "\x00" in text:
        return DomainList((), 0, binary=True)
    if text.lstrip()[:1] == "<":  # a web page: an error or a login page answered in place of the list
        return DomainList((), 0, web_page=True)
    text = text.lower()
    # The common lines, one domain each, are read by one expression over the whole text; they are then blanked
    # (their line break kept, so line numbers hold) and what is left is read line by line.
    read = _ONE_DOMAIN.findall(text)
    found = dict.fromkeys(read)
    # Lines left to read one by one: none when every line with content was one of the common ones.
    rest = "" if len(read) == len(_CONTENT_LINE.findall(text)) else _ONE_DOMAIN.sub("", text)
    skipped, first_skipped = 0, None
    for number, line in enumerate(rest.splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line or line[0] in "![":
            continue
        if line.startswith("||"):
            match = _ADBLOCK.fullmatch(line)
            names = (match.group(1),) if match else ()
        else:
            parts = line.split()
            names = parts[1:] if _ADDRESS.fullmatch(parts[0]) else parts if len(parts) == 1 else ()
        kept = [name for name in names if name in HOSTS_OWN or (domain := domain_of(name)) and found.setdefault(domain)
                is None]
        if not kept:
            skipped += 1
            first_skipped = first_skipped or number
    for name in HOSTS_OWN.intersection(found):  # a hosts file's own names: neither kept nor a mistake
        del found[name]
    refused = _not_domains(found)
    for name in refused:
        del found[name]
    skipped += len(refused)
    if len(found) > MAX_DOMAINS:
        return DomainList(tuple(found)[:MAX_DOMAINS], skipped, first_skipped, too_many=True)
    return DomainList(tuple(found), skipped, first_skipped)


def _not_domains(found: dict[str, None]) -> list[str]:
    """Of the domains read by the one expression, those that are public suffixes or too long."""
    exact, wildcard = public_suffixes()
    refused = list(exact.intersection(found))
    refused += wildcard.findall("\n".join(found))
    if max(map(len, found), default=0) > 253:
        refused += [name for name in found if len(name) > 253]
    return refused


def problem(copy: DomainList, last_good: int = 0) -> str | None:
    """Why `copy` must not replace the last good copy (of `last_good` domains), in words; None when it may."""
    if copy.binary:
        return "it is not text (a binary file?)"
    if copy.web_page:
        return "a web page came back instead of a list"
    if copy.too_many:
        return f"it has more than {MAX_DOMAINS:,} domains"
    if not copy.domains:
        return "it holds no domains" + (f" ({copy.skipped:,} lines that are not domains)" if copy.skipped else "")
    if copy.skipped > MOSTLY_NOT * len(copy.domains):
        return f"most of it is not domains ({copy.skipped:,} lines are not, {len(copy.domains):,} are)"
    if last_good >= SHRINK_FROM and len(copy.domains) * SHRINK_FACTOR < last_good:
        return f"it shrank from {last_good:,} to {len(copy.domains):,} domains, which looks cut short"
    return None
