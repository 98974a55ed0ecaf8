"""The contact barrier: is this request a send to one of the configured people?

Pure (no I/O, no mitmproxy). A send is recognised by its RECIPIENTS only (To,
Cc, Bcc, chat participant, thread, payment recipient), never by the words of the
message: a message about them to a lawyer, a friend or the police passes.

Which requests send, and which body fields hold recipients, subject and text, is the
services table (agent/barrier/services.py); bodies are decoded and read as fields by
agent/barrier/body.py; the words kept as the unsent letter come from agent/barrier/letter.py.
A leaf of the body is a recipient when one of its last three keys is a recipient field of the
service.

Size: at most `max_body` bytes (2 MiB) after decoding are read. Above that, the
first 2 MiB are parsed (a cut JSON text is closed so it still parses); when they
show no recipient field at all (Outlook puts the recipients after the body, and
the order of the others is not known for sure), the body is read again up to
8 x `max_body` (16 MiB); when even that shows none, the request passes. A body
that cannot be decoded as its header says (corrupt, or an encoding no browser
sends) is read as it is.

Cost (`python -m bench.barrier`): an ordinary send is read in 20-150 us and
every other request costs one dict lookup and a regex on the path
(`is_send_shaped`, under 1 us); a body of 1 MiB takes about 1 ms, and a body
made to be slow (a few KB of gzip that unpack to megabytes of tiny JSON) well
under a second. The work of one read is bounded (bytes decoded, tokens scanned, nodes walked)
and counted in a `Work` the caller may pass. The caller reads compressed or large bodies on a
thread of their own, so they never hold up other traffic.

Errors: hostile input (bad JSON, bad compression, deep nesting) never raises; an
exception out of `inspect` is a bug, and the caller should hold the request
(fail closed) as it does for the rest of the proxy.

Learning from what the services show: the ids a send names are learnt at run time from the
service's own inbox, conversation and profile-lookup JSON (agent/barrier/listings.py,
`learn_from_response`): an account id that sits in the same object as a configured handle, and a
thread whose participants include a configured person (by handle, by a configured id, or by an id
learnt from the same response). Everything else costs `is_listing`: one dict lookup and a regex,
about 0.5 us; hostile input never raises. An inbox of a few KiB is read in about 0.2 ms, one of
1 MiB in about 50 ms (the caller reads those off the event loop). Learnt ids live in memory only
and follow a config reload while the handle or id they were learnt through is still configured.

What cannot be tied to the person (and is not pretended):
- X DMs: tied once the DM inbox (or a conversation, or a profile lookup) has been loaded while the
  agent runs; a send from a page that loaded its inbox before the agent started matches only by
  what it carries itself (the handle, or x.com/i/user/<id> pasted as a profile). X's end-to-end
  encrypted messages, where used, show a proxy nothing to read.
- Instagram DMs: tied once the direct inbox or the thread has been loaded while the agent runs.
- LinkedIn messages: the opaque profile URN (ACoAA...) and the conversation URN are learnt from the
  messaging inbox; without it they match only when the URN ends with the public identifier.
- Reddit chat (Matrix): @t2_<id> users and rooms are learnt from /sync and member lists, where a
  member event's display name is taken as the Reddit username (as Reddit sets it; to be checked
  against a recording). Old-style private messages (/api/compose, to=<name>) match by name.
- Group threads are tied while the person is a participant in the listing the agent saw; one they
  join later is tied at the next inbox load, one they left stays tied until a restart.
- Facebook/Messenger vanity names (facebook.com/<name>) are not the numeric ids a send carries;
  profile.php?id=<n> links match, and nothing is learnt from Facebook's responses. Personal
  Messenger chats are end-to-end encrypted now and out of reach of a proxy.
- Discord messages go to a channel id: they match when the config has the DM channel
  (discord.com/channels/@me/<id>); opening a DM with the user id from discord.com/users/<id>
  matches too; Discord's responses are not read.
- Gmail's current app sends positional arrays (JSPB) without field names: the To, Cc and Bcc
  lists of the message array in a /sync/ request are read; the layout here is simplified and
  should be checked against a recording.
- The response layouts read here are written from memory and simplified (the fixtures say so);
  a service that renames a field stops feeding `learn()` without raising.
- End-to-end encrypted apps (WhatsApp Web, Signal, Telegram Web, Google Messages, personal
  Messenger chats) show a proxy nothing to read.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from email.utils import getaddresses
from typing import Any
from urllib.parse import unquote

import phonenumbers

from agent.barrier.body import MAX_NODES, Fields, Work, decode_body, json_in, load_json
from agent.barrier.letter import plain_text
from agent.barrier.listings import LISTING_METHODS, LISTINGS, MAX_RESPONSE, Listing, as_handle, read_listing
from agent.barrier.services import Endpoint, Envelope, endpoints
from agent.engine.identity import email_key, phone_key
from agent.engine.jsonwalk import Budget
from agent.engine.platforms import platform_named
from agent.engine.urls import host_suffixes, normalise_host

MAX_BODY = 2 * 1024 * 1024  # bytes read after decoding
FULL_READ = 8  # x max_body: read again this far when the first part showed no recipient at all
SEND_METHODS = frozenset({"POST", "PUT", "PATCH"})
MAX_FIELD = 64 * 1024  # a recipient field longer than this is cut before it is read
NAME_KEYS = frozenset({"name", "displayname", "display_name", "fullname", "full_name"})
MAX_LEARNT = 10_000  # keys learnt per barrier; beyond this nothing more is learnt

_DIGITS = re.compile(r"[0-9]{1,25}")
_DASHED_IDS = re.compile(r"[0-9]+(?:-[0-9]+)+")  # X conversation ids: "<a>-<b>"
_PHONEISH = re.compile(r"\+?\(?[0-9][0-9 ().-]{5,}[0-9]")  # "+44 7700 900123", "(202) 555-0143"
_SPLIT = re.compile(r"[,;\s]+")
_DISCORD = re.compile(r"(?:discord|discordapp)\.com/(?:users/([0-9]+)|channels/@me/([0-9]+))")


@dataclass(frozen=True)
class Send:
    """A request recognised as a send to a configured person: what is logged, and the letter kept."""

    family: str  # "email" | "social_messages" | "payments"
    service: str  # "gmail", "outlook", ...
    person: str  # the alias
    recipients_matched: tuple[str, ...]  # normalised keys that matched ("email:casey.l@example.org")
    subject: str | None
    text: str | None  # the words of the message, as plain text: the unsent letter
    people: tuple[str, ...] = ()  # every configured person it goes to (`person` first)


def _email_keys(value: str) -> Iterator[str]:
    for _, address in getaddresses([value.replace(";", ",")]):
        try:
            yield "email:" + email_key(address)
        except ValueError:
            continue


def _account_keys(platform: str, value: str) -> Iterator[str]:
    """Handles and numeric ids on `platform`, keyed as agent.engine.platforms keys them ("x:id:123", "x:name")."""
    site = platform_named(platform)
    for part in _SPLIT.split(value.strip()):
        if part.startswith("@") and ":" in part:
            part = part[1:].split(":", 1)[0]  # a Matrix user: @t2_abc:reddit.com
        elif ":" in part:
            part = part.rsplit(":", 1)[1]  # urn:li:fsd_profile:<id>, fbid:<id>
        part = part.lstrip("@$£").removeprefix("/").removeprefix("user/").removeprefix("u/")
        for item in part.split("-") if _DASHED_IDS.fullmatch(part) else [part]:
            if _DIGITS.fullmatch(item):
                yield f"{platform}:id:{item}"
            elif site is not None:
                key = site.key(item)
                if key:
                    yield f"{platform}:{key}"


def _on_host(seen: dict, items: tuple, host: str) -> tuple:
    """The items (services or listings) whose host suffixes cover `host`, in table order; cached per host."""
    found = seen.get(host)
    if found is None:
        if len(seen) > 10_000:
            seen.clear()
        suffixes = host_suffixes(normalise_host(host))
        found = seen[host] = tuple(item for item in items if any(h in suffixes for h in item.hosts))
    return found


class Barrier:
    """Decides whether a request is a send to one of `people`, for the enabled `families`."""

    def __init__(self, people: Iterable[Any], families: Iterable[str]):
        self.families = frozenset(families)
        self._endpoints = endpoints(self.families)  # raises ValueError for an unknown family
        self._hosts_seen: dict[str, tuple[Endpoint, ...]] = {}
        self._listings_seen: dict[str, tuple[Listing, ...]] = {}
        self._listings = LISTINGS if "social_messages" in self.families else ()
        self._owner: dict[str, str] = {}  # normalised key -> alias
        # Learnt while running, in memory only: key -> (alias, the configured key it was learnt through).
        self._learnt: dict[str, tuple[str, str | None]] = {}
        self._aliases: set[str] = set()
        self._regions: set[str] = set()  # countries of the configured phones, for national numbers
        for person in people:
            self._aliases.add(person.alias)
            for key in self._person_keys(person):
                self._owner.setdefault(key, person.alias)

    def _person_keys(self, person: Any) -> Iterator[str]:
        for email in person.emails:
            yield "email:" + email_key(email)
        for phone in person.phones:
            key = phone_key(phone)
            yield "phone:" + key
            region = phonenumbers.region_code_for_country_code(phonenumbers.parse("+" + key).country_code)
            if region != "ZZ":
                self._regions.add(region)
        for identity in person.identities:
            if identity.platform == "web":  # Discord has no platform of its own: its links are web profiles
                found = _DISCORD.fullmatch(identity.key)
                if found:
                    yield f"discord:id:{found[1]}" if found[1] else f"discord:thread:{found[2]}"
            else:
                yield str(identity)

    # --- which requests are looked at --------------------------------------------

    def hosts(self) -> set[str]:
        """Host suffixes of the enabled families: they need TLS interception for the barrier to see sends."""
        return {host for endpoint in self._endpoints for host in endpoint.hosts}

    def _endpoints_for(self, host: str) -> tuple[Endpoint, ...]:
        # in table order: a service's specific paths before the mail fallback
        return _on_host(self._hosts_seen, self._endpoints, host)

    def _route(self, method: str, host: str, path: str) -> tuple[Endpoint, re.Match[str]] | None:
        if method.upper() not in SEND_METHODS:
            return None
        for endpoint in self._endpoints_for(host):
            found = endpoint.path.search(path) if endpoint.path is not None else None
            if found:
                return endpoint, found
        return None

    def is_send_shaped(self, method: str, host: str, path: str) -> bool:
        """Cheap: can this request send (method, host, path with query)? Only these have their body read."""
        return self._route(method, host, path) is not None

    # --- inspection -----------------------------------------------------------------

    def inspect(self, method: str, host: str, path: str, headers: dict[str, str], body: bytes,
                max_body: int = MAX_BODY, work: Work | None = None) -> Send | None:
        """The send to a configured person this request is, or None (not send-shaped, someone else, unreadable).

        `work`: counts what reading the body cost (bytes decoded and read, tokens scanned, nodes walked).
        """
        route = self._route(method, host, path)
        if route is None:
            return None  # the body is never touched
        endpoint, found = route
        work = work if work is not None else Work()
        envelope = self._read_body(endpoint, found, headers, body, max_body, work)
        if envelope.cut and not envelope.recipients:  # the recipients may come after the body (Outlook)
            envelope = self._read_body(endpoint, found, headers, body, max_body * FULL_READ, work)
        return self._send(endpoint, envelope)

    def inspect_websocket(self, host: str, path: str, message: bytes | str, max_body: int = MAX_BODY,
                          work: Work | None = None) -> Send | None:
        """The send to a configured person this WebSocket message (client to server) is, or None."""
        websockets = [endpoint for endpoint in self._endpoints_for(host) if endpoint.websocket]
        if not websockets:
            return None
        work = work if work is not None else Work()
        if isinstance(message, bytes):
            message = message[:max_body].decode("utf-8", "replace")
        work.read += len(message[:max_body])
        value = json_in(message[:max_body], work)
        if value is None:
            return None
        for endpoint in websockets:
            fields = Fields(endpoint.text + endpoint.subject, work=work)
            fields.add_json(value)
            send = self._send(endpoint, self._envelope(endpoint, fields, None, work))
            if send:
                return send
        return None

    def _read_body(self, endpoint: Endpoint, found: re.Match[str], headers: dict[str, str], body: bytes,
                   limit: int, work: Work) -> Envelope:
        fields = Fields(endpoint.text + endpoint.subject, work=work)
        body = body or b""
        # A body that cannot be decoded as it says is read as it is: its recipients may stand there plainly.
        data, cut = (decode_body(body, headers.get("content-encoding", ""), limit, work)
                     or (body[:limit], len(body) > limit))
        work.read += len(data)
        fields.add_body(data, headers.get("content-type", ""), cut)
        owa = headers.get("x-owa-urlpostdata")  # Outlook may send the request JSON in a header
        if owa:
            fields.add_body(unquote(owa)[:limit].encode(), "application/json", False)
        envelope = self._envelope(endpoint, fields, found, work)
        envelope.cut = cut
        return envelope

    def _envelope(self, endpoint: Endpoint, fields: Fields, found: re.Match[str] | None, work: Work) -> Envelope:
        """Who the body goes to by the endpoint's fields (and its reader, and the path), with its subject and text."""
        work.walked(fields.budget)
        if endpoint.when and not any(
            keys and keys[-1] == endpoint.when[0] and endpoint.when[1].search(value) for keys, value in fields.leaves
        ):
            return Envelope()  # this endpoint's requests on that path send only with this field
        envelope = Envelope()
        if endpoint.reader:
            budget = Budget(MAX_NODES)
            envelope = endpoint.reader(fields.roots, budget)
            work.walked(budget)
        for keys, value in fields.leaves:
            for key in reversed(keys[-3:]):  # the nearest recipient field within three keys
                kind = endpoint.to.get(key)
                if kind:
                    if not (kind in ("email", "contact") and keys[-1] in NAME_KEYS):
                        envelope.recipients.append((kind, value[:MAX_FIELD]))
                    break
        if found is not None and found.groupdict().get("thread"):
            envelope.recipients.append(("thread", unquote(found.group("thread"))))
        envelope.subject = envelope.subject or fields.first(endpoint.subject)
        envelope.text = envelope.text or fields.first(endpoint.text)
        return envelope

    def _send(self, endpoint: Endpoint, envelope: Envelope) -> Send | None:
        people: list[str] = []
        matched: list[str] = []
        for kind, value in envelope.recipients:
            for key in self._keys(kind, endpoint.platform, value):
                alias = self._owner.get(key)
                if alias:
                    people += [alias] if alias not in people else []
                    matched += [key] if key not in matched else []
        if not people:
            return None
        subject = envelope.subject.strip()[:1000] if envelope.subject else None
        text = plain_text(envelope.text) if envelope.text else None
        return Send(endpoint.family, endpoint.name, people[0], tuple(matched), subject or None, text or None,
                    tuple(people))

    def _keys(self, kind: str, platform: str, value: str) -> Iterator[str]:
        value = value.strip()
        if not value:
            return
        if kind == "email" or (kind == "contact" and "@" in value[1:]):
            yield from _email_keys(value)
            return
        if kind == "thread":
            if platform:
                yield f"{platform}:thread:{value}"
                if _DASHED_IDS.fullmatch(value):  # X: a one-to-one conversation is "<one id>-<the other>"
                    yield from _account_keys(platform, value)
            return
        if kind in ("phone", "contact") and _PHONEISH.fullmatch(value):
            key = self._phone(value)
            if key:
                yield "phone:" + key
        if kind in ("account", "contact") and platform:
            yield from _account_keys(platform, value)

    def _phone(self, value: str) -> str | None:
        for region in (None, *sorted(self._regions)):
            try:
                return phone_key(value, region)
            except ValueError:
                continue
        return None

    # --- ids the agent learns while running --------------------------------------------

    def learn(self, alias: str, platform: str, value: str, kind: str = "account", via: str | None = None) -> int:
        """Tie an id seen at run time to a person (an Instagram user id next to their handle, a thread id).

        `via`: the configured key it was seen next to (kept across a reload while that key is). A value
        must name one id (an X conversation "<a>-<b>" is one thread, never the two accounts in it); a key
        already tied keeps its first owner. 1 when a key was newly tied, else 0.
        """
        value = value.strip()
        keys = [f"{platform}:thread:{value}"] if kind == "thread" and platform and value else [
            *self._keys(kind, platform, value)]
        return int(len(keys) == 1 and self._tie(keys[0], alias, via))

    def _tie(self, key: str, alias: str, via: str | None) -> bool:
        if key in self._owner or len(self._learnt) >= MAX_LEARNT:
            return False
        self._owner[key] = alias
        self._learnt[key] = (alias, via)
        return True

    def who(self, platform: str, value: str, kind: str = "account") -> str | None:
        """The alias whose handle or id `value` is on `platform`, or None."""
        return next((self._owner[k] for k in self._keys(kind, platform, value) if k in self._owner), None)

    def learnt(self) -> dict[str, str]:
        """The keys learnt while running and whose they are ("x:thread:159...": "J")."""
        return {key: alias for key, (alias, _) in dict(self._learnt).items()}

    def keep_learnt(self, old: Barrier) -> None:
        """After a config reload: keep what `old` learnt while the handle or id it was learnt through is still
        configured (for whichever alias has it now); an id learnt by hand stays while its alias does."""
        configured = {key: alias for key, alias in self._owner.items() if key not in self._learnt}
        for key, (alias, via) in dict(old._learnt).items():
            owner = configured.get(via) if via else (alias if alias in self._aliases else None)
            if owner:
                self._tie(key, owner, via)

    def _listings_for(self, host: str) -> tuple[Listing, ...]:
        return _on_host(self._listings_seen, self._listings, host)

    def _listing(self, method: str, host: str, path: str) -> Listing | None:
        if method.upper() not in LISTING_METHODS:
            return None
        for item in self._listings_for(host):
            if item.path.match(path):  # every listing path starts at the start
                return item
        return None

    def is_listing(self, method: str, host: str, path: str) -> bool:
        """Cheap: can this request's response list accounts and threads (an inbox, a user lookup)?"""
        return self._listing(method, host, path) is not None

    def learn_from_response(self, method: str, host: str, path: str, headers: dict[str, str], body: bytes,
                            max_body: int = MAX_RESPONSE, work: Work | None = None) -> int:
        """Learn the ids a service's own JSON ties to a configured person; the number of keys newly tied.

        Read only for listing paths (`is_listing`) with a JSON content type; at most `max_body` bytes
        after decoding (a longer text is closed where it was cut). An account id is learnt when it sits
        in the same object as a configured handle (or a profile link naming it); a thread when one of its
        participants is a configured person, by handle or by an id known before or learnt here.
        """
        listing = self._listing(method, host, path)
        if listing is None or "json" not in headers.get("content-type", "").lower():
            return 0
        work = work if work is not None else Work()
        decoded = decode_body(body or b"", headers.get("content-encoding", ""), max_body, work)
        if decoded is None:
            return 0
        data, cut = decoded
        work.read += len(data)
        value = load_json(data.decode("utf-8", "replace").strip(), cut, work)
        if not isinstance(value, dict | list):
            return 0
        accounts, threads = read_listing(listing, value, work)
        platform, new, anchors = listing.platform, 0, {}
        for found, handle in accounts:  # first every account, so that threads can be tied by the ids learnt here
            anchor = self._anchor(platform, handle, anchors)
            if anchor:
                new += self.learn(self._owner[anchor], platform, found, "account", via=self._via(anchor))
        anchors.clear()
        for found, members in threads:
            anchor = next(filter(None, (self._anchor(platform, member, anchors) for member in members)), None)
            if anchor:
                new += self.learn(self._owner[anchor], platform, found, "thread", via=self._via(anchor))
        return new

    def _anchor(self, platform: str, value: str, seen: dict[str, str | None]) -> str | None:
        """The key by which `value` (a handle, id or profile link on `platform`) is tied to a person, or None."""
        if value not in seen:
            keys = self._keys("account", platform, as_handle(platform, value))
            seen[value] = next((key for key in keys if key in self._owner), None)
        return seen[value]

    def _via(self, key: str) -> str | None:
        """The configured key behind `key`: itself, or the one it was learnt through (None: learnt by hand)."""
        learnt = self._learnt.get(key)
        return learnt[1] if learnt else key
