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

CHUNK_CHARS = 128 * 1024  # read at a time: a few milliseconds of work
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
_WHOLE_CONTENT_LINE = re.compile(r"^[ \t]*[^\s#!\[][^\n]*", re.MULTILINE)
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
def public_suffixes() -> tuple[frozenset[str], frozenset[str]]:
    """The public suffixes with a dot in them (a name without one is no domain anyway), and the parents of
    `*.parent` rules (every name one label over such a parent is a public suffix)."""
    exact, parents = set(), set()
    with open(PSL_FILE, encoding="utf-8") as table:
        for line in table:
            rule = line.strip()
            if not rule or rule.startswith(("//", "!")):
                continue
            rule = normalise_host(rule)
            if rule.startswith("*."):
                parents.add(rule[2:])
            elif "." in rule:
                exact.add(rule)
    return frozenset(exact), frozenset(parents)


def domain_of(name: str) -> str | None:
    """`name` as a normalised domain, or None when it is not one (or is a public suffix)."""
    if name.startswith("*."):
        name = name[2:]
    elif name.startswith("."):
        name = name[1:]
    host = normalise_host(name)
    if not _DOMAIN.fullmatch(host) or len(host) > 253:
        return None
    exact, parents = public_suffixes()
    return None if host in exact or host.partition(".")[2] in parents else host


def read_domain_list(text: str) -> DomainList:
    """The domains of a list in any of the three forms (see the module's words).

    Read a part of about CHUNK_CHARS at a time: the expressions below each run in one call that holds the
    interpreter, and a list is read on a worker thread while the proxy decides requests on the event loop."""
    if "\x00" in text:
        return DomainList((), 0, binary=True)
    if text[:4096].lstrip()[:1] == "<":  # a web page: an error or a login page answered in place of the list
        return DomainList((), 0, web_page=True)
    found: dict[str, None] = {}
    skipped, first_skipped, lines_before = 0, None, 0
    for part in _parts(text):
        part = part.lower()
        # The common lines, one domain each, are read by one expression; what is left between them (their
        # line breaks included, so line numbers hold) is read line by line.
        pieces = _ONE_DOMAIN.split(part)  # text between the lines read, domain, text between, domain, ...
        read, rest = pieces[1::2], "".join(pieces[::2])
        refused = _not_domains(read)
        found.update(dict.fromkeys(read))
        skipped += len(refused)
        for name in refused:
            found.pop(name, None)
        for match in _WHOLE_CONTENT_LINE.finditer(rest):  # the lines with content that are not one of the common
            if not _read_line(match.group(), found):
                skipped += 1
                first_skipped = first_skipped or lines_before + rest.count("\n", 0, match.start()) + 1
        lines_before += part.count("\n")
        if len(found) > MAX_DOMAINS + len(HOSTS_OWN):
            break
    for name in HOSTS_OWN.intersection(found):  # a hosts file's own names: neither kept nor a mistake
        del found[name]
    if len(found) > MAX_DOMAINS:
        return DomainList(tuple(found)[:MAX_DOMAINS], skipped, first_skipped, too_many=True)
    return DomainList(tuple(found), skipped, first_skipped)


def _parts(text: str):
    """`text` in parts of about CHUNK_CHARS, each ending at a line break."""
    start = 0
    while start < len(text):
        end = text.find("\n", start + CHUNK_CHARS)
        end = len(text) if end < 0 else end + 1
        yield text[start:end]
        start = end


def _read_line(line: str, found: dict[str, None]) -> bool:
    """Add the domains of one line that the common expression did not read; False when it holds none."""
    line = line.split("#", 1)[0].strip()
    if line.startswith("||"):
        match = _ADBLOCK.fullmatch(line)
        names = (match.group(1),) if match else ()
    else:
        parts = line.split()
        names = parts[1:] if _ADDRESS.fullmatch(parts[0]) else parts if len(parts) == 1 else ()
    kept = False
    for name in names:
        if name in HOSTS_OWN:
            kept = True
        elif domain := domain_of(name):
            found[domain] = None
            kept = True
    return kept


def _not_domains(read: list[str]) -> list[str]:
    """Of the domains read by the common expression, those that are public suffixes or too long."""
    exact, parents = public_suffixes()
    refused = list(exact.intersection(read))
    refused += [name for name in read if name.partition(".")[2] in parents]
    if max(map(len, read), default=0) > 253:
        refused += [name for name in read if len(name) > 253]
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
