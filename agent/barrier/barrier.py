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

Chat sockets: Messenger's and Instagram's web apps send over a WebSocket (the edge-chat socket's
MQTT, or the Direct Gateway framing of /ws/lightspeed); each message is read for the Lightspeed
tasks that send (agent/barrier/sockets.py, lightspeed.py), and a held one comes with the answer
(`Send.answer`) that makes the app show it as not sent.

Learning from what the services show (agent/barrier/learning.py): the ids a send names are learnt
at run time from the services' own inbox, conversation, profile-lookup and search JSON and from
their chat sockets' sync: an account id beside a configured handle, a thread with a configured
person among its participants, and ids that a response names as the same account or thread. Learnt
ids live in memory only and follow a config reload while the handle or id they were learnt through
is still configured.

What cannot be tied to the person (and is not pretended):
- A send from a page that loaded its inbox before the agent started matches only by what it carries
  itself (an email address, a phone, a configured numeric id); reloading the page once covers it.
- Group threads are tied while the person is a participant in the listing the agent saw; one they
  join later is tied at the next load, one they left stays tied until a restart.
- Facebook/Messenger vanity names (facebook.com/<name>) are not the numeric ids a send carries;
  profile.php?id=<n> links match, and groups with that id among their participants.
- Reddit chat (Matrix): a member event's display name is taken as the Reddit username (as Reddit
  sets it); old-style private messages (/api/compose, to=<name>) match by name.
- End-to-end encrypted chats (WhatsApp Web, Signal, Telegram Web, Google Messages, Messenger's
  personal chats, encrypted X Chat messages) show a proxy nothing to read, or only who they go to:
  an encrypted X Chat message is held by its conversation, with no words to keep.
- The layouts are written from the public, maintained clients named beside each (the fixtures say
  which); a service that renames a field stops that reading without raising.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

import phonenumbers

from agent.barrier import lightspeed, sockets
from agent.barrier.body import MAX_NODES, Fields, Work, decode_body
from agent.barrier.keys import PHONEISH, account_keys, email_keys, thread_keys
from agent.barrier.learning import MAX_LEARNT, Learning, on_host
from agent.barrier.letter import plain_text
from agent.barrier.listings import LISTINGS
from agent.barrier.readers import READERS
from agent.barrier.services import Endpoint, Envelope, endpoints
from agent.engine.identity import email_key, phone_key
from agent.engine.jsonwalk import Budget

__all__ = ["MAX_BODY", "MAX_LEARNT", "Barrier", "Send"]

MAX_BODY = 2 * 1024 * 1024  # bytes read after decoding
FULL_READ = 8  # x max_body: read again this far when the first part showed no recipient at all
SEND_METHODS = frozenset({"POST", "PUT", "PATCH"})
MAX_FIELD = 64 * 1024  # a recipient field longer than this is cut before it is read
NAME_KEYS = frozenset({"name", "displayname", "display_name", "fullname", "full_name"})

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
    # WebSocket only: the frames to send back to the app when the message is held, so that it shows it as
    # not sent instead of sending for ever (agent/barrier/sockets.py); None: nothing to answer.
    answer: bytes | str | None = None


class Barrier(Learning):
    """Decides whether a request is a send to one of `people`, for the enabled `families`."""

    def __init__(self, people: Iterable[Any], families: Iterable[str]):
        self.families = frozenset(families)
        super().__init__(tuple(listing for listing in LISTINGS if listing.family in self.families))
        self._endpoints = endpoints(self.families)  # raises ValueError for an unknown family
        self._hosts_seen: dict[str, tuple[Endpoint, ...]] = {}
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
        return on_host(self._hosts_seen, self._endpoints, host)

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

    def service_at(self, method: str, host: str, path: str) -> str | None:
        """The service whose send this request would be, if it is send-shaped (WebSocket: method "WS")."""
        if method.upper() == "WS":
            return next((e.name for e in self._endpoints_for(host) if e.websocket), None)
        route = self._route(method, host, path)
        return route[0].name if route else None

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
        """The send to a configured person this WebSocket message (client to server) is, or None.

        Its Lightspeed tasks are read, in either framing (agent/barrier/sockets.py); a message that
        holds a send to the person is held whole, and `Send.answer` is what to tell the app instead.
        """
        websockets = [endpoint for endpoint in self._endpoints_for(host) if endpoint.websocket]
        if not websockets:
            return None
        work = work if work is not None else Work()
        for carried in sockets.carried(message, max_body):
            work.read += len(carried.text)
            work.parsed += len(carried.text)
            value = carried.value
            sends = lightspeed.task_sends(value)
            for endpoint in websockets:
                held = [(task, self._send(endpoint, Envelope(task.recipients, text=task.text))) for task in sends]
                held = [(task, send) for task, send in held if send]
                if held:
                    # The whole message is held: every message in it shows as not sent, and every task is
                    # taken off the app's queue so that it is not sent again and again.
                    failed = [(task.task_id, task.otid) for task in sends]
                    failed += [(task_id, None) for task_id in lightspeed.task_ids(value)
                               if task_id not in {task.task_id for task in sends}]
                    answer = sockets.failed_answer(carried, lightspeed.request_id(value), failed)
                    first = held[0][1]
                    return Send(first.family, first.service, first.person, first.recipients_matched, first.subject,
                                first.text, first.people, answer)
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
        envelope = None
        if endpoint.reader:
            budget = Budget(MAX_NODES)
            envelope = READERS[endpoint.reader](fields.roots, budget)
            work.walked(budget)
        envelope = envelope or Envelope()
        for keys, value in fields.leaves if not envelope.whole else ():
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
            yield from email_keys(value)
            return
        if kind == "thread":
            if platform:
                yield from thread_keys(platform, value)
            return
        if kind in ("phone", "contact") and PHONEISH.fullmatch(value):
            key = self._phone(value)
            if key:
                yield "phone:" + key
        if kind in ("account", "contact") and platform:
            yield from account_keys(platform, value)

    def _phone(self, value: str) -> str | None:
        for region in (None, *sorted(self._regions)):
            try:
                return phone_key(value, region)
            except ValueError:
                continue
        return None
