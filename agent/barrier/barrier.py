"""The contact barrier: is this request a send to one of the configured people?

Pure (no I/O, no mitmproxy). A send is recognised by its RECIPIENTS only (To,
Cc, Bcc, chat participant, thread, payment recipient), never by the words of the
message: a message about them to a lawyer, a friend or the police passes.

One small table, `SERVICES`, says per service: its host suffixes, the paths that
can send, which body fields hold recipients and how each is read, and where the
subject and text are (kept as the "unsent letter"). Bodies are decoded
(gzip, deflate, br, zstd), parsed (form, JSON, JSON inside form fields or inside
JSON strings, multipart, JSON sent as text/plain) and flattened into
(keys, value) leaves; a leaf is a recipient when one of its last three keys is a
recipient field of the service.

Size: at most `max_body` bytes (2 MiB) after decoding are read. Above that, the
first 2 MiB are parsed (a cut JSON text is closed so it still parses); when they
show no recipient field at all (Outlook puts the recipients after the body, and
the order of the others is not known for sure), the body is read again up to
8 x `max_body` (16 MiB); when even that shows none, the request passes. A body that cannot be decoded as its header says
(corrupt, or an encoding no browser sends) is read as it is. Decompression stops
at the bound, so a small compressed body cannot make it use much memory.

Cost (`python -m bench.barrier`): an ordinary send is read in 20-150 us and
every other request costs one dict lookup and a regex on the path
(`is_send_shaped`, under 1 us); a body of 1 MiB takes about 1 ms, and a body
made to be slow (a few KB of gzip that unpack to megabytes of tiny JSON) well
under a second: closing a cut JSON text scans at most MAX_TOKENS tokens (a text
with more is closed there). The caller reads compressed or large bodies on a
thread of their own, so they never hold up other traffic.

Drafts count: a draft saved with the person as a recipient (Outlook's SaveOnly,
Gmail and Yahoo draft saves) is held too, because once a recipient is saved into
a server-side draft the later send request need not name it again.

Errors: hostile input (bad JSON, bad compression, deep nesting) never raises; an
exception out of `inspect` is a bug, and the caller should hold the request
(fail closed) as it does for the rest of the proxy.

Learning from what the services show: the ids a send names (X's numeric user ids and conversations,
Instagram's user and thread ids, LinkedIn's profile URNs and conversations, Reddit chat's @t2_ users
and rooms) are learnt at run time from the service's own inbox, conversation and profile-lookup
JSON (`LISTINGS`, `learn_from_response`): an account id that sits in the same object as a configured
handle, and a thread whose participants include a configured person (by handle, by a configured id,
or by an id learnt from the same response). Only JSON responses on listing paths of the barrier
hosts are read (everything else costs `is_listing`: one dict lookup and a regex, about 0.5 us), at
most `MAX_RESPONSE` (4 MiB) after decoding (a longer text is closed where it was cut, so a list that
comes later is not seen) and 200,000 JSON nodes; hostile input never raises. An inbox of a few KiB
is read in about 0.2 ms, one of 1 MiB in about 50 ms (the caller reads those off the event loop).
Learnt ids live in memory only and follow a config reload while the handle or id they were learnt
through is still configured.

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

import html
import json
import re
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from email.utils import getaddresses
from typing import Any
from urllib.parse import parse_qsl, unquote

import brotli
import phonenumbers

from agent.engine.identity import EMAIL_RE, email_key, phone_key
from agent.engine.platforms import PLATFORMS
from agent.engine.urls import host_suffixes, normalise_host, parse

try:  # optional: zstd request bodies are rare
    import zstandard
except ImportError:  # pragma: no cover - installed with mitmproxy
    zstandard = None

FAMILIES = ("email", "social_messages", "payments")
MAX_BODY = 2 * 1024 * 1024  # bytes read after decoding
FULL_READ = 8  # x max_body: read again this far when the first part showed no recipient at all
SEND_METHODS = frozenset({"POST", "PUT", "PATCH"})
MAX_NODES = 50_000  # JSON nodes and form fields walked per body
MAX_NESTING = 4  # JSON inside a string inside JSON ..., this deep
MAX_DEPTH = 500  # brackets open at once in a JSON text cut short; deeper is no message
MAX_TOKENS = 4 * MAX_NODES  # strings and brackets scanned to close a JSON text cut short
MAX_FIELD = 64 * 1024  # a recipient field longer than this is cut before it is read
MAX_LETTER = 100_000  # characters kept of a message's text
NAME_KEYS = frozenset({"name", "displayname", "display_name", "fullname", "full_name"})
BROTLI_CHUNK = 16  # input bytes per step: one step can give at most ~16 MiB, whatever the input
MAX_RESPONSE = 4 * 1024 * 1024  # bytes of a listing response read after decoding; a longer one is read to here
MAX_RESPONSE_NODES = 200_000  # JSON nodes walked per listing response
LISTING_METHODS = frozenset({"GET", "POST"})
MAX_LEARNT = 10_000  # keys learnt per barrier; beyond this nothing more is learnt

_SITES = {platform.name: platform for platform in PLATFORMS}
_DIGITS = re.compile(r"[0-9]{1,25}")
_DASHED_IDS = re.compile(r"[0-9]+(?:-[0-9]+)+")  # X conversation ids: "<a>-<b>"
_PHONEISH = re.compile(r"\+?\(?[0-9][0-9 ().-]{5,}[0-9]")  # "+44 7700 900123", "(202) 555-0143"
_SPLIT = re.compile(r"[,;\s]+")
_DISCORD = re.compile(r"(?:discord|discordapp)\.com/(?:users/([0-9]+)|channels/@me/([0-9]+))")


@dataclass(frozen=True)
class Send:
    family: str  # "email" | "social_messages" | "payments"
    service: str  # "gmail", "outlook", ...
    person: str  # the alias
    recipients_matched: tuple[str, ...]  # normalised keys that matched ("email:casey.l@example.org")
    subject: str | None
    text: str | None  # the words of the message, as plain text: the unsent letter
    people: tuple[str, ...] = ()  # every configured person it goes to (`person` first)


@dataclass(frozen=True)
class Service:
    name: str
    family: str
    hosts: tuple[str, ...]  # host suffixes
    path: re.Pattern[str] | None  # send-shaped path+query; a (?P<thread>...) group is a recipient; None: WebSocket only
    to: dict[str, str] = field(default_factory=dict)  # recipient field -> kind: email|phone|contact|account|thread
    subject: tuple[str, ...] = ()  # field names, or dotted key suffixes ("body.value")
    text: tuple[str, ...] = ()
    platform: str = ""  # whose handles and ids the account and thread kinds name
    when: tuple[str, re.Pattern[str]] | None = None  # a field whose value must match, or it is no send
    reader: Callable[[_Doc], _Reading] | None = None  # for formats without field names (Gmail's arrays)
    websocket: bool = False  # its WebSocket messages are read instead of request bodies


@dataclass
class _Reading:
    recipients: list[tuple[str, str]] = field(default_factory=list)  # (kind, value)
    subject: str | None = None
    text: str | None = None
    cut: bool = False  # more body than was read


def _re(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


# --- the services ----------------------------------------------------------------

MAIL_TO = {"to": "email", "cc": "email", "bcc": "email"}
ANY_MAIL_TO = MAIL_TO | {
    name: "email"
    for name in """recipients torecipients ccrecipients bccrecipients tolist cclist bcclist toaddresses
    ccaddresses bccaddresses rcptto""".split()
}
MAIL_TEXT = ("body.value", "textbody", "htmlbody", "body", "text", "html", "content")
ANY_SEND = _re(r"send|submit|compose|draft|message|mail|batch|rpc|jmap")  # the fallback's paths
FACEBOOK = ("facebook.com", "messenger.com")
FACEBOOK_TO = {
    name: "account"
    for name in "thread_id thread_fbid other_user_fbid other_user_id recipient_id recipient_ids specific_to_list ids".split()
}
YAHOO = Service(
    "yahoo", "email", ("mail.yahoo.com",), _re(r"^/ws/v3/batch(?:\?|$)"), MAIL_TO,
    ("subject",), ("simplebody.html", "simplebody.text"),
)
GMX = Service("gmx", "email", ("gmx.net", "gmx.de", "gmx.at", "gmx.ch", "gmx.com", "gmx.fr", "gmx.es", "gmx.co.uk",
                               "mail.com"), _re(r"^/mail/client/[^?]*send"), MAIL_TO, ("subject",), ("text", "body", "html"))
WEBMAIL = Service(  # any other web mail, and the fallback on every mail host above
    "webmail", "email", ("mail.proton.me", "mail.protonmail.com", "fastmail.com", "mail.zoho.com", "mail.zoho.eu",
                         "posteo.de", "mailbox.org"), ANY_SEND, ANY_MAIL_TO, ("subject",), MAIL_TEXT,
)


def _gmail_sync(doc: _Doc) -> _Reading:
    """Gmail's /sync/ requests are arrays without field names (simplified from the app's JSPB).

    /sync/ carries every kind of change (labels, filters, blocks), so only a message array is read:
    the array that starts with the message id ("msg-..."), laid out as [id, sender, To, Cc, Bcc, time,
    subject, [null, "text/html", body], ...]. Its To, Cc and Bcc lists hold contacts
    `[<type>, "<address>", "<name>"?]`; an address anywhere else (a filter or a block naming the
    person, the sender) is no recipient. The layout is from the app's public behaviour, not from a
    recording, and should be checked against one.
    """
    reading, anywhere, message = _Reading(), [], False
    stack, budget = list(reversed(doc.roots)), MAX_NODES
    while stack and budget > 0:
        budget -= 1
        node = stack.pop()
        if not isinstance(node, list):
            continue
        if _gmail_contact(node):
            anywhere.append(("email", node[1]))
        if _gmail_body(node) and reading.text is None:
            reading.text = node[2]
        if not (node and isinstance(node[0], str) and node[0].startswith("msg-")):
            stack.extend(reversed(node))
            continue
        message = True
        for contacts in node[2:5]:  # To, Cc, Bcc
            reading.recipients += [("email", c[1]) for c in (contacts if isinstance(contacts, list) else ())
                                   if _gmail_contact(c)]
        if reading.subject is None:
            reading.subject = next((item for item in node[1:] if isinstance(item, str)), None)
        reading.text = next((part[2] for part in node if _gmail_body(part)), reading.text)
    if not message and reading.text is not None:
        # A message body with no message array as laid out here: the layout has changed. Every contact
        # in it is read (as before this reader was narrowed), rather than letting every send through.
        reading.recipients = anywhere
    return reading


def _gmail_contact(node: Any) -> bool:
    return (isinstance(node, list) and 2 <= len(node) <= 4 and (node[0] is None or type(node[0]) is int)
            and isinstance(node[1], str) and EMAIL_RE.fullmatch(node[1].strip()) is not None)


def _gmail_body(node: Any) -> bool:
    return (isinstance(node, list) and len(node) >= 3 and node[1] in ("text/html", "text/plain")
            and isinstance(node[2], str))


SERVICES: tuple[Service, ...] = (
    # --- email ---
    Service("gmail", "email", ("mail.google.com",), _re(r"^/mail/[^#]*[?&]act=sm(?:&|$)"), MAIL_TO,
            ("subject",), ("body",)),
    Service("gmail", "email", ("mail.google.com",), _re(r"^/sync/u/\d+/i/s(?:\?|$)"), reader=_gmail_sync),
    Service("outlook", "email", ("outlook.live.com", "outlook.office.com", "outlook.office365.com",
                                 "outlook.cloud.microsoft"),
            _re(r"/service\.svc\?(?:[^#]*&)?action=(?:CreateItem|UpdateItem|SendItem)(?:&|$)"),
            {name: "email" for name in
             "torecipients ccrecipients bccrecipients requiredattendees optionalattendees".split()},
            ("subject",), ("body.value",)),
    YAHOO,
    replace(YAHOO, name="aol", hosts=("mail.aol.com",)),  # AOL Mail runs on Yahoo's mail service
    Service("icloud", "email", ("icloud.com",), _re(r"^/wm/message(?:\?|$)"), MAIL_TO,
            ("subject",), ("textbody", "body")),
    GMX,
    replace(GMX, name="webde", hosts=("web.de",)),
    WEBMAIL,
    # --- social messages ---
    Service("x", "social_messages", ("x.com", "twitter.com"),
            _re(r"^/(?:i/api/)?1\.1/(?:dm/new2?\.json|direct_messages/(?:events/)?new\.json)"
                r"|^/i/api/graphql/[^/]+/useSendMessageMutation"),
            {name: "account" for name in
             "recipient_ids participant_ids recipient_id screen_name recipient_screen_name".split()}
            | {"conversation_id": "thread"}, text=("text",), platform="x"),
    Service("facebook", "social_messages", FACEBOOK, _re(r"^/api/graphql/?(?:\?|$)"), FACEBOOK_TO,
            text=("message.text", "text", "body"), platform="facebook",
            when=("fb_api_req_friendly_name", _re(r"^(?!.*(?:typing|read|seen|receipt)).*send"))),
    Service("facebook", "social_messages", FACEBOOK, _re(r"^/(?:messaging|messages)/send/?(?:\?|$)"), FACEBOOK_TO,
            text=("body", "text"), platform="facebook"),
    Service("facebook", "social_messages", FACEBOOK, None, FACEBOOK_TO, text=("text",), platform="facebook",
            when=("send_type", _re(r"\d")), websocket=True),  # Lightspeed tasks over MQTT
    Service("instagram", "social_messages", ("instagram.com",),
            _re(r"^/api/v1/direct_v2/(?:threads/broadcast/[a-z_]+|create_group_thread)/?(?:\?|$)"),
            {"recipient_users": "account", "thread_ids": "thread", "thread_id": "thread"},
            text=("text",), platform="instagram"),
    Service("linkedin", "social_messages", ("linkedin.com",),
            _re(r"^/voyager/api/(?:voyagerMessagingDashMessengerMessages|messaging/conversations(?:/[^/?]+/events)?)"
                r"\?(?:[^#]*&)?action=create(?:Message)?(?:&|$)"),
            {"recipients": "account", "hostrecipienturns": "account", "conversationurn": "thread"},
            ("subject",), ("text",), platform="linkedin"),
    Service("reddit", "social_messages", ("reddit.com",), _re(r"^/api/compose/?(?:\?|$)"), {"to": "account"},
            ("subject",), ("text",), platform="reddit"),
    Service("reddit", "social_messages", ("redditspace.com",), _re(r"^/_matrix/client/(?:r0|v3)/createRoom"),
            {"invite": "account"}, platform="reddit"),
    Service("reddit", "social_messages", ("redditspace.com",),
            _re(r"^/_matrix/client/(?:r0|v3)/rooms/(?P<thread>[^/?]+)/send/"), text=("body",), platform="reddit"),
    Service("discord", "social_messages", ("discord.com", "discordapp.com"),
            _re(r"^/api/(?:v\d+/)?channels/(?P<thread>\d+)/messages/?(?:\?|$)"), text=("content",), platform="discord"),
    Service("discord", "social_messages", ("discord.com", "discordapp.com"),
            _re(r"^/api/(?:v\d+/)?users/@me/channels/?(?:\?|$)"),
            {"recipients": "account", "recipient_id": "account"}, platform="discord"),
    # --- payments: money with a note is contact too ---
    Service("venmo", "payments", ("venmo.com",), _re(r"^/(?:api/|v1/)+payments/?(?:\?|$)"),
            {"user_id": "account", "targetid": "contact", "username": "account", "phone": "phone", "email": "email"},
            text=("note",), platform="venmo"),
    Service("cashapp", "payments", ("cash.app",), _re(r"^/(?:api|2\.0)/[^?]*(?:pay|send|request|transfer)"),
            {"recipient": "contact", "recipients": "contact", "cashtag": "account", "recipient_cashtag": "account",
             "recipient_id": "account"}, text=("note",), platform="cashapp"),
    Service("paypal", "payments", ("paypal.com",),
            _re(r"^/myaccount/transfer/[^?]*(?:send|request|pay|submit|confirm|preview)"),
            {"recipient": "contact", "recipients": "contact", "payee": "contact", "receiver": "contact",
             "emailorphone": "contact", "email": "email", "phone": "phone"},
            text=("note", "message")),
)


def _fallbacks() -> tuple[Service, ...]:
    """Any send-shaped POST on a mail host with to/cc/bcc-like fields: after the specific paths."""
    hosts: dict[str, tuple[str, ...]] = {}
    for service in SERVICES:
        if service.family == "email" and service.name != WEBMAIL.name:
            hosts[service.name] = hosts.get(service.name, ()) + service.hosts
    return tuple(replace(WEBMAIL, name=name, hosts=tuple(dict.fromkeys(h))) for name, h in hosts.items())


SERVICES += _fallbacks()


# --- decoding ----------------------------------------------------------------------


def _gunzip(data: bytes, limit: int, wbits: int = 16 + zlib.MAX_WBITS) -> bytes:
    return zlib.decompressobj(wbits).decompress(data, limit + 1)


def _inflate(data: bytes, limit: int) -> bytes:
    try:
        return _gunzip(data, limit, zlib.MAX_WBITS)  # HTTP "deflate" is zlib-wrapped ...
    except zlib.error:
        return _gunzip(data, limit, -zlib.MAX_WBITS)  # ... except where it is raw


def _unbrotli(data: bytes, limit: int) -> bytes:
    decoder, out, size = brotli.Decompressor(), [], 0
    for start in range(0, len(data), BROTLI_CHUNK):
        piece = decoder.process(data[start : start + BROTLI_CHUNK])
        out.append(piece)
        size += len(piece)
        if size > limit:
            break
    return b"".join(out)


def _unzstd(data: bytes, limit: int) -> bytes:
    reader, out, size = zstandard.ZstdDecompressor().stream_reader(data), [], 0
    while size <= limit:
        piece = reader.read(min(65536, limit + 1 - size))
        if not piece:
            break
        out.append(piece)
        size += len(piece)
    return b"".join(out)


DECODERS: dict[str, Callable[[bytes, int], bytes]] = {
    "gzip": _gunzip, "x-gzip": _gunzip, "deflate": _inflate, "br": _unbrotli,
    **({"zstd": _unzstd} if zstandard else {}),
}
_DECODE_ERRORS: tuple[type[Exception], ...] = (zlib.error, brotli.error, ValueError, EOFError) + (
    (zstandard.ZstdError,) if zstandard else ())


def _codings(content_encoding: str, body: bytes) -> list[str]:
    """The encodings applied, in order; an app that compresses in the page may say nothing: the magic bytes tell."""
    codings = [c.strip().lower() for c in content_encoding.split(",") if c.strip().lower() not in ("", "identity")]
    if not codings:
        codings = ["gzip"] if body[:2] == b"\x1f\x8b" else ["zstd"] if body[:4] == b"\x28\xb5\x2f\xfd" else []
    return codings


def is_compressed(headers: dict[str, str], body: bytes) -> bool:
    """Whether the body must be unpacked first: then even a few KB can stand for megabytes of work."""
    return bool(_codings(headers.get("content-encoding", ""), body))


def decode_body(body: bytes, content_encoding: str, limit: int) -> tuple[bytes, bool] | None:
    """(the first `limit` bytes of the decoded body, whether there was more); None when it cannot be decoded."""
    codings = _codings(content_encoding, body)
    data = bytes(body[: limit + 1]) if not codings else bytes(body)
    try:
        for coding in reversed(codings):  # the last one applied is the first undone
            decoder = DECODERS.get(coding)
            if decoder is None:
                return None
            data = decoder(data, limit)
    except _DECODE_ERRORS:
        return None
    return data[:limit], len(data) > limit


# --- parsing into leaves -------------------------------------------------------------

_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*(")?|[{}\[\]]')
_CLOSERS = {"{": "}", "[": "]"}


def _json(text: str, cut: bool) -> Any:
    """The JSON value of `text`; for a text cut short, the value of its longest prefix that can be closed."""
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        if not cut:
            return None
    stack: list[str] = []  # the closers owed, innermost last
    recent: list[tuple[int, str, str]] = []  # the last tokens: (end, token, the closer it used up)
    heads = [text]
    for count, token in enumerate(_TOKEN.finditer(text)):
        if count > MAX_TOKENS:  # more than any message has: closed here, as if the text were cut here
            text = heads[0] = text[: token.start()]
            break
        value, used = token.group(), ""
        if value[0] == '"':
            if token.group(1) is None:  # a string still open at the cut: close it (minus a cut escape), or drop it
                heads = [text[: len(text) - trim] + '"' for trim in range(6)] + [text[: token.start()]]
                break
        elif value in _CLOSERS:
            stack.append(_CLOSERS[value])
            if len(stack) > MAX_DEPTH:
                return None
        elif stack:
            used = stack.pop()
        recent = [*recent[-5:], (token.end(), value, used)]
    candidates = [(head, "".join(reversed(stack))) for head in heads]
    owed = list(stack)
    for end, value, used in reversed(recent):  # the closers owed just after each recent token, undoing them
        candidates.append((text[:end], "".join(reversed(owed))))
        if value in _CLOSERS:
            owed.pop()
        elif used:
            owed.append(used)
    tries = (head.rstrip().rstrip(",") + filler + close for head, close in candidates
             for filler in ("", "null", ":null"))  # a value cut off after "key": or after a lone key
    # At most ~40 tries, each on a text of at most MAX_TOKENS tokens: bounded, on the barrier's own thread.
    for attempt in tries:
        try:
            return json.loads(attempt)
        except (ValueError, RecursionError):
            continue
    return None


def _form_keys(name: str) -> tuple[str, ...]:
    """`to`, `to[]`, `ids[0]`, `message[to]` -> ("to",), ("to",), ("ids",), ("message", "to")."""
    head, _, rest = name.partition("[")
    subs = re.findall(r"([^\[\]]*)\]", rest) if rest else []
    return (head.strip().lower(), *(s.lower() for s in subs if s and not s.isdigit()))


class _Doc:
    """A body as leaves: (keys, value), keys lower case without list positions, in document order."""

    def __init__(self, keep_text: Iterable[str] = ()):
        self.leaves: list[tuple[tuple[str, ...], str]] = []
        self.roots: list[Any] = []  # every JSON value found, for formats without field names
        self.budget = MAX_NODES
        self.keep_text = frozenset(name.rsplit(".", 1)[-1] for name in keep_text)  # text is never read as JSON

    def add_json(self, data: Any, prefix: tuple[str, ...] = (), depth: int = 0) -> None:
        self.roots.append(data)
        stack = [(prefix, data)]
        while stack and self.budget > 0:
            self.budget -= 1
            keys, node = stack.pop()
            if isinstance(node, dict):
                stack.extend((keys + (str(k).lower(),), v) for k, v in reversed(list(node.items())))
            elif isinstance(node, list):
                stack.extend((keys, v) for v in reversed(node))
            elif isinstance(node, str):
                self.add_text(keys, node, depth)
            elif isinstance(node, int | float) and not isinstance(node, bool):
                self.leaves.append((keys, str(node)))

    def add_text(self, keys: tuple[str, ...], text: str, depth: int = 0) -> None:
        """A string value; JSON inside it (Facebook `variables`, Instagram `recipient_users`) is read too."""
        stripped = text.strip()
        if (depth < MAX_NESTING and stripped[:1] in ("{", "[") and stripped[-1:] in ("}", "]")
                and not (keys and keys[-1] in self.keep_text)):
            data = _json(stripped, False)
            if isinstance(data, dict | list):
                self.add_json(data, keys, depth + 1)
                return
        self.leaves.append((keys, text))

    def add_form(self, text: str, prefix: tuple[str, ...] = ()) -> None:
        for name, value in parse_qsl(text, keep_blank_values=True, errors="replace"):
            if self.budget <= 0:
                break
            self.budget -= 1
            self.add_text(prefix + _form_keys(name), value)

    def add_multipart(self, data: bytes, boundary: str) -> None:
        for part in data.split(b"--" + boundary.encode("latin-1"))[1:]:
            if part.startswith(b"--"):
                break  # the closing boundary
            head, sep, body = part.partition(b"\r\n\r\n")
            if not sep:
                head, sep, body = part.partition(b"\n\n")
            head_text = head.decode("latin-1")
            name = re.search(r'(?i)(?:^|;)\s*name="([^"]*)"', head_text)
            kind = re.search(r"(?im)^content-type:\s*([^;\r\n]+)", head_text)
            kind = kind.group(1).strip().lower() if kind else ""
            if not sep or not name or ("filename=" in head_text.lower() and "json" not in kind):
                continue  # attachments are files, not recipients
            self.add_body(body.removesuffix(b"\n").removesuffix(b"\r"), kind, False, _form_keys(name.group(1)))

    def add_body(self, data: bytes, content_type: str, cut: bool, prefix: tuple[str, ...] = ()) -> None:
        mime = content_type.split(";", 1)[0].strip().lower()
        if mime.startswith("multipart/"):
            boundary = re.search(r'(?i)boundary="?([^";]+)"?', content_type)
            if boundary:
                self.add_multipart(data, boundary.group(1).strip())
            return
        text = data.decode("utf-8", "replace")
        if mime == "application/x-www-form-urlencoded":
            self.add_form(text, prefix)
        elif text.lstrip()[:1] in ("{", "["):  # application/json, text/plain, or nothing said
            value = _json(text.strip(), cut)
            if value is not None:
                self.add_json(value, prefix)
        elif "=" in text:
            self.add_form(text, prefix)
        elif prefix:
            self.add_text(prefix, text)


def _json_in(message: str) -> Any:
    """The JSON of a WebSocket message: the whole text, or a JSON value after a binary header (MQTT)."""
    value = _json(message.strip(), False)
    if value is not None:
        return value
    decoder, start = json.JSONDecoder(), 0
    for _ in range(4):
        start = message.find("{", start)
        if start < 0 or start > 1024:
            return None
        try:
            return decoder.raw_decode(message, start)[0]
        except (ValueError, RecursionError):
            start += 1
    return None


# --- plain text for the letter ---------------------------------------------------------

# [^<>]: a tag ends at the next "<" at the latest, so a body of unclosed "<a <a <a" stays linear.
_HTML = re.compile(r"<[a-zA-Z][a-zA-Z0-9]*\b[^<>]*>|</[a-zA-Z][a-zA-Z0-9]*\s*>")
_HIDDEN_OPEN = re.compile(r"(?i)<(script|style|head|title)\b[^<>]*>")
_HIDDEN_CLOSE = {name: re.compile(rf"(?i)</{name}\s*>") for name in ("script", "style", "head", "title")}
_BREAK = re.compile(r"(?i)<br\b[^<>]*>|</(?:p|div|li|tr|h[1-6]|blockquote)\s*>")
_TAG = re.compile(r"<[^<>]*>")


# Where a reply's quoted message starts: the letter keeps the person's own words, never the other
# person's message or their name and address from the "... wrote:" line.
# Found by the marker itself (then the tag it stands in), so that no text can make the search slow.
_QUOTE_MARK_HTML = re.compile(
    r"""\b(?:(?:id|class)\s*=\s*["']?[^"'<>]{0,200}?\b(?:gmail_quote|appendonsend|divRplyFwdMsg|yahoo_quoted|"""
    r"""moz-cite-prefix|OutlookMessageHeader)\b|type\s*=\s*["']?cite\b)""", re.IGNORECASE)
_QUOTE_START_TEXT = re.compile(
    r"^[ \t]*(?:On\b[^\n]{0,300}\bwrote:|Le\b[^\n]{0,300}\ba écrit ?:|Am\b[^\n]{0,300}\bschrieb[^\n]{0,100}:|"
    r"El\b[^\n]{0,300}\bescribió:|-{2,} ?(?:Original Message|Forwarded message) ?-{2,}|_{10,}\s*\n(?:From|De|Von):)",
    re.IGNORECASE | re.MULTILINE)


def _without_hidden(text: str) -> str:
    """The HTML without its script, style, head and title elements; one pass, whatever the input."""
    kept, at = [], 0
    while (opening := _HIDDEN_OPEN.search(text, at)) is not None:
        kept.append(text[at:opening.start()])
        closing = _HIDDEN_CLOSE[opening.group(1).lower()].search(text, opening.end())
        if closing is None:  # never closed: the rest is inside it
            return "".join(kept)
        at = closing.end()
    return "".join(kept) + text[at:]


def plain_text(text: str) -> str:
    """The person's own words of an HTML or plain message, as plain text (a letter is shown as text, never HTML).

    A quoted earlier message (a reply's "On ... wrote:" and what follows, a quote block or a cited
    blockquote, lines starting with ">") is left out; an indent the person made with a plain
    blockquote is kept.
    """
    text = text[:MAX_LETTER * 4]
    if text.lstrip().startswith("-----BEGIN PGP"):
        return ""  # encrypted in the page (Proton): there are no words to keep
    if _HTML.search(text):
        quote = _QUOTE_MARK_HTML.search(text)
        if quote:  # from the tag that carries the mark (a quote block, a cited blockquote) to the end
            text = text[:max(0, text.rfind("<", 0, quote.start()))]
        text = _TAG.sub("", _BREAK.sub("\n", _without_hidden(text)))
        text = html.unescape(text).replace("\xa0", " ")
        text = re.sub(r"[ \t]+\n", "\n", text)
    quote = _QUOTE_START_TEXT.search(text)
    text = text[:quote.start()] if quote else text
    text = "\n".join(line for line in text.split("\n") if not line.lstrip().startswith(">"))
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()[:MAX_LETTER]


# --- reading recipients ---------------------------------------------------------------


def _email_keys(value: str) -> Iterator[str]:
    for _, address in getaddresses([value.replace(";", ",")]):
        try:
            yield "email:" + email_key(address)
        except ValueError:
            continue


def _account_keys(platform: str, value: str) -> Iterator[str]:
    """Handles and numeric ids on `platform`, keyed as agent.engine.platforms keys them ("x:id:123", "x:name")."""
    site = _SITES.get(platform)
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


def _match(pattern: tuple[str, ...], keys: tuple[str, ...]) -> bool:
    return len(keys) >= len(pattern) and keys[-len(pattern) :] == pattern


def _first(doc: _Doc, names: tuple[str, ...]) -> str | None:
    for name in names:
        pattern = tuple(name.split("."))
        for keys, value in doc.leaves:
            if value.strip() and _match(pattern, keys):
                return value
    return None



# --- learning ids from what the services show --------------------------------------------


@dataclass(frozen=True)
class Listing:
    """A response that lists accounts and threads: an inbox, a conversation, a user lookup."""

    platform: str
    hosts: tuple[str, ...]  # host suffixes
    path: re.Pattern[str]  # the paths whose JSON can carry these lists
    ids: tuple[str, ...] = ()  # an account object's id fields, read next to ...
    handles: tuple[str, ...] = ()  # ... its handle, in the same object (dotted: "legacy.screen_name")
    threads: tuple[str, ...] = ()  # a thread object's id fields, read next to ...
    members: tuple[str, ...] = ()  # ... its list of participants
    member: frozenset[str] = frozenset()  # the fields (lower case) in a participant that name it; a bare string counts
    skip: frozenset[str] = frozenset()  # fields never walked: messages and events, not lists of people
    reader: Callable[[Any], Iterator[tuple[str, str, Any]]] | None = None  # for layouts keyed by id (Matrix)


def _matrix(value: Any) -> Iterator[tuple[str, str, Any]]:
    """Reddit chat (Matrix): rooms of a /sync keyed by room id, and /members chunks that carry their room_id.

    A member event names the user in `state_key` (@t2_<id>:reddit.com) and, in `content.displayname`,
    the Reddit username (Reddit sets it; from memory, check against a recording). A room's members
    are those whose last member event here says join or invite, and the summary's heroes that no
    member event here says more about (a member who left is not one).
    """
    if not isinstance(value, dict):
        return
    rooms: list[tuple[str, list, list]] = []
    sync = value.get("rooms")
    for section in ("join", "invite") if isinstance(sync, dict) else ():
        listed = sync.get(section)
        for room_id, room in listed.items() if isinstance(listed, dict) else ():
            if not isinstance(room, dict):
                continue
            events = []
            for part in ("state", "timeline", "invite_state"):
                found = room.get(part)
                if isinstance(found, dict) and isinstance(found.get("events"), list):
                    events += found["events"]
            summary = room.get("summary")
            heroes = summary.get("m.heroes") if isinstance(summary, dict) else None
            rooms.append((room_id, events, heroes if isinstance(heroes, list) else []))
    chunk = value.get("chunk")
    by_room: dict[str, list] = {}
    for event in chunk if isinstance(chunk, list) else ():
        if isinstance(event, dict) and isinstance(event.get("room_id"), str):
            by_room.setdefault(event["room_id"], []).append(event)
    rooms += [(room_id, events, []) for room_id, events in by_room.items()]
    for room_id, events, heroes in rooms:
        membership: dict[str, Any] = {}
        for event in events:
            if not (isinstance(event, dict) and event.get("type") == "m.room.member"
                    and isinstance(event.get("state_key"), str) and isinstance(event.get("content"), dict)):
                continue
            user, content = event["state_key"], event["content"]
            membership[user] = content.get("membership")
            if isinstance(content.get("displayname"), str):
                yield "account", user, content["displayname"]
        members = [user for user, state in membership.items() if state in ("join", "invite")]
        members += [user for user in heroes if isinstance(user, str) and user not in membership]
        yield "thread", room_id, members


LISTINGS: tuple[Listing, ...] = (
    # X: the DM inbox, its updates and one conversation: `users` {id: {id_str, screen_name}} and
    # `conversations` {id: {conversation_id, participants: [{user_id}]}}; a user looked up by GraphQL.
    Listing("x", ("x.com", "twitter.com"),
            _re(r"^/(?:i/api/)?1\.1/dm/(?:inbox_initial_state|user_updates|inbox_timeline/[^/?]+|conversation/[^/?]+)"
                r"\.json|^/i/api/graphql/[^/?]+/(?:UserByScreenName|UserByRestId|UsersByRestIds)(?:\?|$)"),
            ids=("id_str", "rest_id"), handles=("screen_name", "legacy.screen_name", "core.screen_name"),
            threads=("conversation_id",), members=("participants",), member=frozenset({"user_id"}),
            skip=frozenset({"entries"})),
    # Instagram: direct_v2 inbox and threads: threads[] {thread_id, thread_v2_id, users: [{pk, username}]};
    # a profile looked up by name.
    Listing("instagram", ("instagram.com",),
            _re(r"^/api/v1/(?:direct_v2/(?:inbox|pending_inbox|threads/[^/?]+|threads/get_by_participants)"
                r"|users/(?:web_profile_info|[0-9]+/info))/?(?:\?|$)"),
            ids=("pk", "pk_id", "id"), handles=("username",), threads=("thread_id", "thread_v2_id"),
            members=("users",), member=frozenset({"pk", "pk_id", "username"}), skip=frozenset({"items"})),
    # LinkedIn: messenger conversations {entityUrn, backendUrn, conversationParticipants: [{hostIdentityUrn,
    # participantType.member.profileUrl}]}; profiles {entityUrn, publicIdentifier}.
    Listing("linkedin", ("linkedin.com",),
            _re(r"^/voyager/api/(?:voyagerMessagingGraphQL/graphql|messaging/conversations|identity/dash/profiles)"
                r"(?:[/?]|$)"),
            ids=("hostIdentityUrn", "entityUrn"), handles=("publicIdentifier", "participantType.member.profileUrl"),
            threads=("entityUrn", "backendUrn"), members=("conversationParticipants", "participants"),
            member=frozenset({"hostidentityurn", "publicidentifier", "profileurl"})),
    Listing("reddit", ("redditspace.com",), _re(r"^/_matrix/client/(?:r0|v3)/(?:sync|rooms/[^/?]+/members)(?:\?|$)"),
            reader=_matrix),
)


def _field(node: dict, name: str) -> Any:
    for part in name.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    return node


def _text(value: Any) -> str | None:
    """An id or handle as text: strings and whole numbers (Instagram's pk); never a bool."""
    if isinstance(value, str) and 0 < len(value) <= 1000:
        return value
    return str(value) if type(value) is int else None


def _listed(listing: Listing, value: Any) -> Iterator[tuple[str, str, Any]]:
    """("account", id, handle) and ("thread", id, participants) in a listing's JSON, within a node budget."""
    stack, budget = [value], MAX_RESPONSE_NODES
    while stack and budget > 0:
        budget -= 1
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
            continue
        if not isinstance(node, dict):
            continue
        if any(name in node for name in listing.ids):
            handle = next((h for h in (_text(_field(node, name)) for name in listing.handles) if h), None)
            for name in listing.ids if handle else ():
                found = _text(node.get(name))
                if found:
                    yield "account", found, handle
        members = next((node[name] for name in listing.members if isinstance(node.get(name), list)), None)
        if members is not None:
            names = [v for keys, v in _leaves(members) if not keys or keys[-1] in listing.member]
            for name in listing.threads:
                found = _text(node.get(name))
                if found:
                    yield "thread", found, names
        stack.extend(v for k, v in node.items() if k not in listing.skip)


def _leaves(value: Any) -> list[tuple[tuple[str, ...], str]]:
    doc = _Doc()
    doc.budget = 2_000  # one thread's participants
    doc.add_json(value)
    return doc.leaves


def _handle(platform: str, value: str) -> str:
    """A handle as a listing shows it; a profile link (LinkedIn's profileUrl) becomes the handle it names."""
    if len(value) > 1000:
        return ""
    if value[:8].lower().startswith(("https://", "http://")):
        try:
            return str(_SITES[platform].profile(parse(value)).key)
        except (ValueError, KeyError):
            return ""
    return value


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
        unknown = self.families - set(FAMILIES)
        if unknown:
            raise ValueError(f"unknown barrier families: {', '.join(sorted(unknown))} (expected {', '.join(FAMILIES)})")
        self._services = tuple(s for s in SERVICES if s.family in self.families)
        self._hosts_seen: dict[str, tuple[Service, ...]] = {}
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
        return {host for service in self._services for host in service.hosts}

    def _services_for(self, host: str) -> tuple[Service, ...]:
        # in table order: a service's specific paths before the mail fallback
        return _on_host(self._hosts_seen, self._services, host)

    def _route(self, method: str, host: str, path: str) -> tuple[Service, re.Match[str]] | None:
        if method.upper() not in SEND_METHODS:
            return None
        for service in self._services_for(host):
            found = service.path.search(path) if service.path is not None else None
            if found:
                return service, found
        return None

    def is_send_shaped(self, method: str, host: str, path: str) -> bool:
        """Cheap: can this request send (method, host, path with query)? Only these have their body read."""
        return self._route(method, host, path) is not None

    # --- inspection -----------------------------------------------------------------

    def inspect(self, method: str, host: str, path: str, headers: dict[str, str], body: bytes,
                max_body: int = MAX_BODY) -> Send | None:
        """The send to a configured person this request is, or None (not send-shaped, someone else, unreadable)."""
        route = self._route(method, host, path)
        if route is None:
            return None  # the body is never touched
        service, found = route
        reading = self._read_body(service, found, headers, body, max_body)
        if reading.cut and not reading.recipients:  # the recipients may come after the body (Outlook)
            reading = self._read_body(service, found, headers, body, max_body * FULL_READ)
        return self._send(service, reading)

    def inspect_websocket(self, host: str, path: str, message: bytes | str, max_body: int = MAX_BODY) -> Send | None:
        """The send to a configured person this WebSocket message (client to server) is, or None."""
        services = [s for s in self._services_for(host) if s.websocket]
        if not services:
            return None
        if isinstance(message, bytes):
            message = message[:max_body].decode("utf-8", "replace")
        value = _json_in(message[:max_body])
        if value is None:
            return None
        for service in services:
            doc = _Doc(service.text + service.subject)
            doc.add_json(value)
            send = self._send(service, self._reading(service, doc, None))
            if send:
                return send
        return None

    def _read_body(self, service: Service, found: re.Match[str], headers: dict[str, str], body: bytes,
                   limit: int) -> _Reading:
        doc = _Doc(service.text + service.subject)
        body = body or b""
        # A body that cannot be decoded as it says is read as it is: its recipients may stand there plainly.
        data, cut = decode_body(body, headers.get("content-encoding", ""), limit) or (body[:limit], len(body) > limit)
        doc.add_body(data, headers.get("content-type", ""), cut)
        owa = headers.get("x-owa-urlpostdata")  # Outlook may send the request JSON in a header
        if owa:
            doc.add_body(unquote(owa)[:limit].encode(), "application/json", False)
        reading = self._reading(service, doc, found)
        reading.cut = cut
        return reading

    def _reading(self, service: Service, doc: _Doc, found: re.Match[str] | None) -> _Reading:
        if service.when and not any(
            keys and keys[-1] == service.when[0] and service.when[1].search(value) for keys, value in doc.leaves
        ):
            return _Reading()  # this service's requests on that path send only with this field
        reading = service.reader(doc) if service.reader else _Reading()
        for keys, value in doc.leaves:
            for key in reversed(keys[-3:]):  # the nearest recipient field within three keys
                kind = service.to.get(key)
                if kind:
                    if not (kind in ("email", "contact") and keys[-1] in NAME_KEYS):
                        reading.recipients.append((kind, value[:MAX_FIELD]))
                    break
        if found is not None and found.groupdict().get("thread"):
            reading.recipients.append(("thread", unquote(found.group("thread"))))
        reading.subject = reading.subject or _first(doc, service.subject)
        reading.text = reading.text or _first(doc, service.text)
        return reading

    def _send(self, service: Service, reading: _Reading) -> Send | None:
        people: list[str] = []
        matched: list[str] = []
        for kind, value in reading.recipients:
            for key in self._keys(kind, service.platform, value):
                alias = self._owner.get(key)
                if alias:
                    people += [alias] if alias not in people else []
                    matched += [key] if key not in matched else []
        if not people:
            return None
        subject = reading.subject.strip()[:1000] if reading.subject else None
        text = plain_text(reading.text) if reading.text else None
        return Send(service.family, service.name, people[0], tuple(matched), subject or None, text or None,
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
                            max_body: int = MAX_RESPONSE) -> int:
        """Learn the ids a service's own JSON ties to a configured person; the number of keys newly tied.

        Read only for listing paths (`is_listing`) with a JSON content type; at most `max_body` bytes
        after decoding (a longer text is closed where it was cut). An account id is learnt when it sits
        in the same object as a configured handle (or a profile link naming it); a thread when one of its
        participants is a configured person, by handle or by an id known before or learnt here.
        """
        listing = self._listing(method, host, path)
        if listing is None or "json" not in headers.get("content-type", "").lower():
            return 0
        decoded = decode_body(body or b"", headers.get("content-encoding", ""), max_body)
        if decoded is None:
            return 0
        data, cut = decoded
        value = _json(data.decode("utf-8", "replace").strip(), cut)
        if not isinstance(value, dict | list):
            return 0
        accounts, threads = [], []
        for kind, found, extra in (listing.reader or (lambda v: _listed(listing, v)))(value):
            (accounts if kind == "account" else threads).append((found, extra))
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
            keys = self._keys("account", platform, _handle(platform, value))
            seen[value] = next((key for key in keys if key in self._owner), None)
        return seen[value]

    def _via(self, key: str) -> str | None:
        """The configured key behind `key`: itself, or the one it was learnt through (None: learnt by hand)."""
        learnt = self._learnt.get(key)
        return learnt[1] if learnt else key
