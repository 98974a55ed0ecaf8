"""Readers for bodies whose recipients no field name says: Gmail's sync layouts, JMAP, X's XChat messages.

Pure (no I/O). Each reader takes the JSON values of one body and a node budget and returns the
`Envelope` it reads (None: the body is not in its layout, and the endpoint's fields are read as usual).
An envelope marked `whole` says everything the body addresses: its fields are not read again.

- Gmail (mail.google.com /sync/u/<n>/i/s) sends every change of the mailbox, a sent or saved message
  among them, in two layouts (KartikTalwar/gmail.js src/gmail.js, parse_sent_message_payload and
  parse_sent_message_payload_new; test/testdata-parser.js). From 2018 to 2022, objects with numbered
  keys, counted from "1": {"1": "msg-a:r...", "2": sender, "3": To, "4": Cc, "5": Bcc, "7": time,
  "8": subject, "9": {"2": [{"2": html}]}}, a contact {"1": type, "2": address, "3": name}. Since
  then, arrays counted from 0: [id, sender, To, Cc, Bcc, _, time, subject, [_, [[_, html], ...]]], a
  contact [type, address, name]. Label, filter and block changes name people too, but never in a
  message's To, Cc or Bcc: only those are recipients.
- JMAP (RFC 8620/8621; Fastmail): one request holds several method calls. Only Email/set (a message
  created or changed: to, cc, bcc) and EmailSubmission/set (an envelope's rcptTo) address anyone; a
  search (Email/query) whose filter names the person, or a fetch, does not.
- XChat (X's newer messages, mautrix/twitter pkg/twittermeow): SendMessageMutation carries the message
  as base64 Thrift (binary protocol): MessageCreateEvent {100: contents}, where plain (not encrypted)
  contents are MessageEntryContents {1: MessageContents {1: message_text}}. Encrypted contents have no
  words to read.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Iterator
from typing import Any

from agent.barrier.services import Envelope
from agent.engine.identity import EMAIL_RE
from agent.engine.jsonwalk import Budget, walk

MAX_THRIFT = 1 << 20  # bytes of one XChat event read

# --- Gmail -------------------------------------------------------------------------------------


def _msg_id(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(("msg-a:", "msg-f:"))


def _address(value: Any) -> str | None:
    return value if isinstance(value, str) and EMAIL_RE.fullmatch(value.strip()) else None


class _Layout:
    """Where one of Gmail's layouts keeps a message's parts."""

    def __init__(self, first: int, keyed: bool):
        self.first, self.keyed = first, keyed

    def get(self, node: Any, position: int) -> Any:
        """Part `position` (counted from 0) of an array, or of an object keyed from `first`."""
        if isinstance(node, dict):
            return node.get(str(position + self.first)) if self.keyed else None
        return node[position] if isinstance(node, list) and len(node) > position else None

    def contacts(self, node: Any) -> Iterator[str]:
        for contact in node if isinstance(node, list) else ():
            address = _address(self.get(contact, 1))
            if address:
                yield address

    def html(self, node: Any) -> str | None:
        parts = [self.get(part, 1) for part in self.get(self.get(node, 8), 1) or () if isinstance(part, list | dict)]
        text = "".join(part for part in parts if isinstance(part, str))
        return text or None


ARRAYS, KEYED_FROM_ONE, KEYED_FROM_ZERO = _Layout(0, False), _Layout(1, True), _Layout(0, True)


def _layout(node: Any) -> _Layout | None:
    """The layout of a message: its id first, then its sender (a list of message ids is an action, no message)."""
    if isinstance(node, list):
        found = ARRAYS if len(node) > 2 and _msg_id(node[0]) else None
    elif isinstance(node, dict):
        found = KEYED_FROM_ONE if _msg_id(node.get("1")) else KEYED_FROM_ZERO if _msg_id(node.get("0")) else None
    else:
        return None
    return found if found and not isinstance(found.get(node, 1), str) else None


def gmail_sync(roots: list[Any], budget: Budget) -> Envelope:
    """The To, Cc and Bcc of the messages in a /sync/ request, and the first message's subject and words."""
    envelope = Envelope(whole=True)
    for root in roots:
        for _, node in walk(root, budget, into=lambda _, node: _layout(node) is None):
            layout = _layout(node)
            if layout is None:
                continue
            for position in (2, 3, 4):  # To, Cc, Bcc
                envelope.recipients += [("email", a) for a in layout.contacts(layout.get(node, position))]
            if envelope.subject is None and envelope.text is None:
                subject = layout.get(node, 7)
                envelope.subject = subject if isinstance(subject, str) else None
                snippet = layout.get(node, 9) if layout is KEYED_FROM_ONE else None  # "10": the plain words
                envelope.text = layout.html(node) or (snippet if isinstance(snippet, str) else None)
    return envelope


# --- JMAP --------------------------------------------------------------------------------------


def jmap(roots: list[Any], budget: Budget) -> Envelope | None:
    """The recipients of the messages a JMAP request creates, changes or submits; None for any other body."""
    root = roots[0] if roots else None
    calls = root.get("methodCalls") if isinstance(root, dict) else None
    if not isinstance(calls, list):
        return None
    envelope = Envelope(whole=True)
    for call in calls:
        if not (budget.take() and isinstance(call, list) and len(call) >= 2 and isinstance(call[1], dict)):
            continue
        name, args = call[0], call[1]
        for change in _changes(args, budget):
            if name == "Email/set":
                for key, value in change.items():
                    if key.split("/", 1)[0] in ("to", "cc", "bcc"):
                        envelope.recipients += [("email", a) for a in _jmap_addresses(value)]
                if envelope.subject is None and isinstance(change.get("subject"), str):
                    envelope.subject = change["subject"]
                envelope.text = envelope.text or _jmap_text(change)
            elif name == "EmailSubmission/set":
                rcpt = change.get("envelope", {}).get("rcptTo") if isinstance(change.get("envelope"), dict) else None
                envelope.recipients += [("email", a) for a in _jmap_addresses(rcpt)]
    return envelope


def _changes(args: dict, budget: Budget) -> Iterator[dict]:
    for part in ("create", "update"):
        found = args.get(part)
        for change in found.values() if isinstance(found, dict) else ():
            if isinstance(change, dict) and budget.take():
                yield change


def _jmap_addresses(value: Any) -> Iterator[str]:
    for item in value if isinstance(value, list) else [value]:
        address = _address(item.get("email")) if isinstance(item, dict) else _address(item)
        if address:
            yield address


def _jmap_text(change: dict) -> str | None:
    values = change.get("bodyValues")
    for part in values.values() if isinstance(values, dict) else ():
        if isinstance(part, dict) and isinstance(part.get("value"), str):
            return part["value"]
    return None


# --- XChat ----------------------------------------------------------------------------------------


def xchat_text(roots: list[Any], budget: Budget) -> Envelope | None:
    """The words of an XChat message sent in the clear; None when there are none to read (the fields still are)."""
    for root in roots:
        for keys, value in walk(root, budget):
            if keys and keys[-1] == "encoded_message_create_event" and isinstance(value, str):
                try:
                    event = base64.b64decode(value[: MAX_THRIFT * 2], validate=False)
                except (binascii.Error, ValueError):
                    return None
                contents = _thrift_field(event, 100, 11)
                entry = _thrift_field(contents, 1, 12) if contents else None
                text = _thrift_field(entry, 1, 11) if entry else None
                try:
                    return Envelope(text=text.decode("utf-8")) if text else None
                except UnicodeDecodeError:
                    return None
    return None


_FIXED = {2: 1, 3: 1, 4: 8, 6: 2, 8: 4, 10: 8}  # Thrift binary protocol: bool, byte, double, i16, i32, i64


def _thrift_field(data: bytes, wanted: int, kind: int) -> bytes | None:
    """The bytes of field `wanted` (a string/binary, type 11, or a struct, type 12) of a Thrift struct."""
    at, steps = 0, 0
    while at < len(data) and steps < 1000:
        steps += 1
        field_type = data[at]
        if field_type == 0:  # the end of the struct
            return None
        if at + 3 > len(data):
            return None
        field_id = int.from_bytes(data[at + 1:at + 3], "big", signed=True)
        end = _skip(data, at + 3, field_type, 0)
        if end is None:
            return None
        if field_id == wanted and field_type == kind:
            return data[at + 7:end] if kind == 11 else data[at + 3:end]
        at = end
    return None


def _skip(data: bytes, at: int, field_type: int, depth: int) -> int | None:
    """Where a value of `field_type` that starts at `at` ends; None when it runs past the data."""
    if depth > 16:
        return None
    if field_type in _FIXED:
        end = at + _FIXED[field_type]
    elif field_type == 11:
        size = int.from_bytes(data[at:at + 4], "big", signed=True) if at + 4 <= len(data) else -1
        end = at + 4 + size if size >= 0 else len(data) + 1
    elif field_type == 12:
        end = at
        while end is not None and end < len(data) and data[end] != 0:
            end = _skip(data, end + 3, data[end], depth + 1)
        end = end + 1 if end is not None else None
    elif field_type in (13, 14, 15):  # map, set, list
        head = 6 if field_type == 13 else 5
        if at + head > len(data):
            return None
        types = [data[at], data[at + 1]] if field_type == 13 else [data[at]]
        count = int.from_bytes(data[at + head - 4:at + head], "big", signed=True)
        end = at + head
        for _ in range(max(0, min(count, 100_000))):
            for item_type in types:
                end = _skip(data, end, item_type, depth + 1) if end is not None else None
    else:
        return None
    return end if end is not None and end <= len(data) else None


READERS: dict[str, Callable[[list[Any], Budget], Envelope | None]] = {
    "gmail_sync": gmail_sync, "jmap": jmap, "xchat_text": xchat_text,
}
