"""`nocontact explain-send`: would these recorded sends be held back? Nothing is sent anywhere.

Each input line is one JSON object: {"method": "POST" | ... | "WS", "url", "headers", "body": base64,
"responses": [{"method", "url", "headers", "body"}, ...]}, where `responses` are what the browser
loaded before the send (learnt first, in order; "WS" there is one message from the server on that
socket) and "WS" as the method is one WebSocket message from the browser. Every line is judged on
its own, by a fresh barrier built from the config, so no line teaches another.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from agent.commands.config import config_path, with_config
from agent.commands.output import add_output_options, print_records
from agent.config import load_config
from agent.errors import UserError

if TYPE_CHECKING:  # the barrier is imported when a line is judged, not for every command
    from agent.barrier.barrier import Barrier, Send


class LineError(ValueError):
    """A line that cannot be judged: not JSON, bad base64, no url."""


@dataclass
class Recorded:
    """One request (or WebSocket message) as the browser made it."""

    method: str
    url: str
    host: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


@dataclass
class Verdict:
    url: str
    action: str  # "hold" | "pass"
    person: str | None
    service: str | None
    recipients: list[str]
    reason: str

    def as_json(self) -> dict[str, Any]:
        return {"url": self.url, "action": self.action, "person": self.person, "service": self.service,
                "recipients": self.recipients, "reason": self.reason}

    def as_line(self) -> str:
        return " ".join((self.action, self.person or "-", self.service or "-", ",".join(self.recipients) or "-"))


def _recorded(item: Any, where: str, default_method: str) -> Recorded:
    """One request of a line; `where` names it in a message ("", or "response 2: ")."""
    if not isinstance(item, dict):
        raise LineError(f"{where}expected a JSON object")
    url = item.get("url")
    if not isinstance(url, str) or not url.strip():
        raise LineError(f"{where}no url")
    parts = urlsplit(url.strip())
    if not parts.hostname:
        raise LineError(f"{where}the url {url[:200]!r} names no host")
    method = item.get("method", default_method)
    if not isinstance(method, str) or not method.strip():
        raise LineError(f"{where}method must be text such as POST or WS")
    headers = item.get("headers") or {}
    if not isinstance(headers, dict) or not all(isinstance(v, str | int) for v in headers.values()):
        raise LineError(f"{where}headers must be an object of names and values")
    body = item.get("body") or ""
    if not isinstance(body, str):
        raise LineError(f"{where}body must be base64 text")
    try:
        data = base64.b64decode("".join(body.split()), validate=True)
    except (binascii.Error, ValueError):
        raise LineError(f"{where}body is not valid base64") from None
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Recorded(method.strip().upper(), url.strip(), parts.hostname, path,
                    {str(k).lower(): str(v) for k, v in headers.items()}, data)


def parse_line(text: str) -> tuple[Recorded, list[Recorded]]:
    """The send on one input line and the responses loaded before it; LineError when it cannot be read."""
    try:
        item = json.loads(text)
    except (ValueError, RecursionError) as err:
        raise LineError(f"not JSON ({err.__class__.__name__}: {str(err)[:120]})") from None
    send = _recorded(item, "", "POST")
    responses = item.get("responses") or []
    if not isinstance(responses, list):
        raise LineError("responses must be a list")
    return send, [_recorded(r, f"response {n}: ", "GET") for n, r in enumerate(responses, 1)]


def judge(barrier: Barrier, send: Recorded, responses: Iterable[Recorded]) -> Verdict:
    """What the running proxy would do with `send` after the browser loaded `responses`."""
    for response in responses:
        if response.method == "WS":
            barrier.learn_from_websocket(response.host, response.path, response.body)
        else:
            barrier.learn_from_response(response.method, response.host, response.path, response.headers,
                                        response.body)
    service = barrier.service_at(send.method, send.host, send.path)
    found: Send | None
    try:
        if send.method == "WS":
            found = barrier.inspect_websocket(send.host, send.path, send.body)
        else:
            found = barrier.inspect(send.method, send.host, send.path, send.headers, send.body)
    except Exception as err:  # the proxy holds what it could not read (fail closed); so does this
        return Verdict(send.url, "hold", None, service, [], f"could not be read ({type(err).__name__}), held to be safe")
    if found is not None:
        return Verdict(send.url, "hold", found.person, found.service, list(found.recipients_matched),
                       f"a send to {found.person}")
    if service is None:
        return Verdict(send.url, "pass", None, None, [], "not a send the barrier reads")
    return Verdict(send.url, "pass", None, service, [], "no configured person among its recipients")


def explain_lines(lines: Iterable[str], people: Any, families: Iterable[str]) -> Iterator[Verdict | LineError]:
    """A verdict for each non-blank line, each on a fresh barrier; a LineError (with the line number) for a bad one."""
    from agent.barrier.barrier import Barrier

    families = list(families)
    for number, text in enumerate(lines, 1):
        if not text.strip():
            continue
        try:
            send, responses = parse_line(text)
        except LineError as err:
            yield LineError(f"line {number}: {err}")
            continue
        yield judge(Barrier(people, families), send, responses)


def cmd_explain_send(args) -> int:
    config = load_config(config_path(args))
    if not config.barrier.families:
        print("Note: the barrier is off in this config, so nothing would be held "
              "(it is turned on under barrier: email, social_messages, payments).", file=sys.stderr)
    try:
        source = contextlib.nullcontext(sys.stdin) if args.file == "-" else open(args.file, encoding="utf-8",
                                                                                 errors="replace")
    except OSError as err:
        raise UserError(f"{args.file}: cannot be read ({err.strerror or err})") from None
    failed, rows = False, []
    with source as lines:
        for verdict in explain_lines(lines, config.people, config.barrier.families):
            if isinstance(verdict, LineError):
                failed = True
                print(f"nocontact: {verdict}", file=sys.stderr)
            elif args.output in ("json", "csv"):  # one document: printed once every line is judged
                rows.append(verdict.as_json())
            elif args.output == "nl":
                print(json.dumps(verdict.as_json()), flush=True)
            else:
                print(verdict.as_line(), flush=True)
    if rows or args.output in ("json", "csv"):
        print_records(rows, args.output, ["url", "action", "person", "service", "recipients", "reason"])
    return 1 if failed else 0


def add_commands(sub) -> None:
    """Add `explain-send` to the subparsers."""
    explain = with_config(sub.add_parser(
        "explain-send", help="say whether recorded sends would be held back, and why (nothing is sent)"))
    add_output_options(explain)
    explain.add_argument("file", metavar="FILE", help="JSON lines of recorded sends, or - to read standard input")
    explain.set_defaults(func=cmd_explain_send)
