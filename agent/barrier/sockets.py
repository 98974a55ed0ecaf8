"""WebSocket messages of Meta's chat sockets: the JSON texts they carry, and the frames that answer one.

Pure (no I/O). Messenger (facebook.com, messenger.com) and Instagram web send their chat tasks in
one of two framings, both read here:

- MQTT 3.1.1 over WebSocket, the older edge-chat socket: a PUBLISH packet on /ls_req whose payload
  is the JSON request; QoS 1 packets carry a packet id that the server acknowledges with a PUBACK
  (mautrix/meta before its "switch from mqtt to dgw" commit, pkg/messagix/packets/publish.go).
- The Direct Gateway framing of the current /ws/lightspeed socket (gateway.facebook.com,
  gateway.instagram.com): frames of [type][stream id, u16 LE][length, u24 LE]... A one-off request
  is an "establish stream" frame whose parameters are a small JSON object (often {}), then a data
  frame [13][stream][length + 2][ack id, u16 LE, top bit: ack wanted][JSON payload]; the server
  answers the establish frame with {"code": 200}, acknowledges the data frame by its ack id, and
  sends its own data frame back (mautrix/meta pkg/messagix/dgw/frames.go and oneoffstream.go).

A message in neither framing (a text frame, or an unknown binary header) is read for every JSON
value in it, so a header block before the payload never hides the payload.

`failed_answer` builds what the server would send back for a request that did not go through: the
acknowledgement the app waits for, and a Lightspeed response that marks the message as not sent
and drops the task from the app's queue (stored procedures markOptimisticMessageFailed and
removeTask, pkg/messagix/table/table.go). Without it the app shows the message as still sending.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

MAX_JSON_VALUES = 8  # JSON values read from one message in no known framing
MAX_FRAMES = 64  # frames read from one message
MQTT_PUBLISH, MQTT_PUBACK = 3, 4
DGW_DRAIN, DGW_DEAUTH, DGW_PING, DGW_PONG = 3, 4, 9, 10
DGW_ACK, DGW_DATA, DGW_END, DGW_ESTABLISH = 12, 13, 14, 15
HELD_WORDS = "Held back by nocontact: this message was not sent. Your words are kept as an unsent letter."


@dataclass
class Carried:
    """One JSON text carried by a WebSocket message, and how it came, to answer it in kind."""

    text: str
    framing: str  # "mqtt" | "dgw" | "text" | "raw"
    topic: str = ""  # MQTT
    packet_id: int | None = None  # MQTT, QoS 1
    stream: int | None = None  # DGW
    ack_id: int | None = None  # DGW: set when the frame asks for an acknowledgement
    established: bool = False  # DGW: the same message opened the stream
    value: Any = None  # the JSON value of `text` (None: it is no JSON)


def carried(message: bytes | str, limit: int) -> list[Carried]:
    """The JSON texts in one WebSocket message (at most `limit` bytes of it are read), each with its value.

    A message whose frames carry no JSON that parses (lengths that do not add up, a framing not known
    here) is read for every JSON value in it instead.
    """
    if isinstance(message, str):
        return _loose(message[:limit], "text")
    data = bytes(message[:limit])
    head = data.lstrip()[:1]
    if head in (b"{", b"["):
        return _loose(data.decode("utf-8", "replace"), "text")
    found = (_mqtt(data) if data[0] >= 0x10 else _dgw(data)) if data else None
    for item in found or ():
        item.value = _parse(item.text)
    if not found or all(item.value is None for item in found):
        return _loose(data.decode("utf-8", "replace"), "raw")
    return found


def _parse(text: str) -> Any:
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None


def _mqtt(data: bytes) -> list[Carried] | None:
    """Every PUBLISH in MQTT packets; None when the bytes are no MQTT packets."""
    found, at = [], 0
    for _ in range(MAX_FRAMES):
        if at >= len(data):
            break
        first = data[at]
        size, shift, pos = 0, 0, at + 1
        while True:  # the remaining length: 7 bits a byte, at most 4 bytes
            if pos >= len(data) or shift > 21:
                return None
            byte = data[pos]
            size |= (byte & 0x7F) << shift
            pos += 1
            shift += 7
            if not byte & 0x80:
                break
        end = pos + size
        if end > len(data):
            return found or None  # cut at the read bound: what was whole is kept
        if first >> 4 == MQTT_PUBLISH:
            qos = (first >> 1) & 3
            if size < 2:
                return None
            topic_size = int.from_bytes(data[pos:pos + 2], "big")
            start = pos + 2 + topic_size + (2 if qos else 0)
            if start > end:
                return None
            topic = data[pos + 2:pos + 2 + topic_size].decode("utf-8", "replace")
            packet_id = int.from_bytes(data[start - 2:start], "big") if qos else None
            found.append(Carried(data[start:end].decode("utf-8", "replace"), "mqtt", topic, packet_id))
        at = end
    return found


def _dgw(data: bytes) -> list[Carried] | None:
    """Every data frame's payload in Direct Gateway frames; None when the bytes are no such frames."""
    found, opened, at = [], set(), 0
    for _ in range(MAX_FRAMES):
        if at >= len(data):
            break
        kind = data[at]
        if kind in (DGW_PING, DGW_PONG, DGW_DEAUTH):
            at += 1
            continue
        if kind == DGW_DRAIN:
            at += 5
            continue
        if len(data) < at + 3:
            return None
        stream = int.from_bytes(data[at + 1:at + 3], "little")
        if kind == DGW_END:
            at += 3
            continue
        if kind not in (DGW_ACK, DGW_DATA, DGW_ESTABLISH) or len(data) < at + 6:
            return found or None
        size = int.from_bytes(data[at + 3:at + 6], "little")
        body = at + 6
        if body + size > len(data):
            size = len(data) - body  # cut at the read bound: the JSON reader closes what it can
        if kind == DGW_ESTABLISH:
            opened.add(stream)
        elif kind == DGW_DATA and size >= 2:
            ack = int.from_bytes(data[body:body + 2], "little")
            payload = data[body + 2:body + size].decode("utf-8", "replace")
            found.append(Carried(payload, "dgw", stream=stream, ack_id=ack & 0x7FFF if ack & 0x8000 else None,
                                 established=stream in opened))
        at = body + size
    return found


def _loose(text: str, framing: str) -> list[Carried]:
    """Every JSON value in a text of no known framing, the whole text first."""
    stripped = text.strip()
    if stripped[:1] in ("{", "["):
        value = _parse(stripped)
        if value is not None:
            return [Carried(stripped, framing, value=value)]
    decoder, found, start, tries = json.JSONDecoder(), [], 0, 0
    while len(found) < MAX_JSON_VALUES and tries < MAX_FRAMES * 16:
        start = text.find("{", start)
        if start < 0:
            break
        tries += 1
        try:
            value, end = decoder.raw_decode(text, start)
        except (ValueError, RecursionError):
            start += 1
            continue
        found.append(Carried(text[start:end], framing, value=value))
        start = end
    return found


# --- the answer to a request that did not go through -------------------------------------------


def failed_answer(how: Carried, request_id: int | None, failed: list[tuple[str | None, str | None]],
                  words: str = HELD_WORDS) -> bytes | str | None:
    """What the server would send back for a request it did not take: an acknowledgement, then a response
    marking each (task id, offline threading id) as not sent. None when the request gives nothing to answer."""
    steps: list = []
    for task_id, otid in failed:
        if otid:
            steps.append([5, "markOptimisticMessageFailed", otid, words])
        if task_id:
            steps.append([5, "removeTask", [19, task_id]])
    response = json.dumps({
        "request_id": request_id,
        "payload": json.dumps({"name": None, "step": [1, *steps]}, separators=(",", ":")),
        "sp": sorted({step[1] for step in steps}),
    }, separators=(",", ":"))
    if how.framing == "mqtt":
        answer = b""
        if how.packet_id is not None:
            answer += bytes([MQTT_PUBACK << 4, 2]) + how.packet_id.to_bytes(2, "big")
        return answer + _mqtt_publish("/ls_resp", response.encode())
    if how.framing == "dgw" and how.stream is not None:
        stream = how.stream.to_bytes(2, "little")
        answer = b""
        if how.established:
            params = b'{"code":200}'
            answer += bytes([DGW_ESTABLISH]) + stream + len(params).to_bytes(3, "little") + params
        if how.ack_id is not None:
            answer += bytes([DGW_ACK]) + stream + (2).to_bytes(3, "little") + how.ack_id.to_bytes(2, "little")
        payload = response.encode()
        answer += bytes([DGW_DATA]) + stream + (len(payload) + 2).to_bytes(3, "little") + b"\x00\x00" + payload
        return answer
    if how.framing == "text":
        return response
    return None


def _mqtt_publish(topic: str, payload: bytes) -> bytes:
    """An MQTT PUBLISH packet, QoS 0."""
    rest = len(topic).to_bytes(2, "big") + topic.encode() + payload
    size, length = len(rest), bytearray()
    while True:
        size, byte = divmod(size, 128)
        length.append(byte | (0x80 if size else 0))
        if not size:
            break
    return bytes([MQTT_PUBLISH << 4]) + bytes(length) + rest
