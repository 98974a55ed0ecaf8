"""Lightspeed, the protocol of Messenger's and Instagram's web chat: the sends in a request, the rows in a response.

Pure (no I/O). Layouts from mautrix/meta pkg/messagix: a request is {"app_id", "payload", "request_id",
"type": 3} whose payload (JSON in a string) holds "tasks", each {"label", "payload" (JSON in a string),
"queue_name", "task_id"} (socket/task.go, taskManager.go). A message is a SendMessageTask (label
"46": thread_id, otid, send_type, text; socket/threads.go), a new group a CreateGroupTask (label
"130": participants). Marking a thread read (label "21"), typing and presence are tasks too, and
are no message: only tasks that send are read.

A response (a socket frame, or the GraphQL answer to LSPlatformGraphQLLightspeedRequest(ForIGD)Query)
holds a payload {"name", "step": [...]}: a program whose stored-procedure calls [5, "<name>", args...]
write the app's tables (lightspeed/decode.go, table/*.go). The rows read here: contacts
(verifyContactRowExists, deleteThenInsertContact: id and username), thread participants
(addParticipantIdToGroupThread, verifyContactParticipantExist, removeParticipantFromThread), and
Instagram's id pairs (deleteThenInsertIGContactInfo: contact id and Instagram user id;
deleteThenInsertIgThreadInfo: thread key and the Instagram thread id of the REST inbox).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from agent.engine.jsonwalk import Budget

SEND_LABELS = frozenset({"46"})  # SendMessageTask; any task with a send_type sends too
GROUP_LABELS = frozenset({"130"})  # CreateGroupTask
MAX_NESTING = 3  # JSON in a string in JSON, this deep
CALL = 5  # CALL_STORED_PROCEDURE
I64_FROM_STRING, UNDEFINED = 19, 9


@dataclass
class TaskSend:
    """One task of a request that sends: who it goes to, its words, and what names it for an answer."""

    recipients: list[tuple[str, str]] = field(default_factory=list)  # (kind, value)
    text: str | None = None
    task_id: str | None = None
    otid: str | None = None  # the offline threading id the app shows the message under


def _json(value: Any) -> Any:
    if isinstance(value, str) and value.lstrip()[:1] in ("{", "["):
        try:
            return json.loads(value)
        except (ValueError, RecursionError):
            return None
    return value


def _id(value: Any) -> str | None:
    if isinstance(value, list) and len(value) == 2 and value[0] == I64_FROM_STRING:
        value = value[1]
    if type(value) is int:
        return str(value)
    return value if isinstance(value, str) and 0 < len(value) <= 100 else None


def request_id(value: Any) -> int | None:
    found = value.get("request_id") if isinstance(value, dict) else None
    return found if type(found) is int else None


def _tasks(value: Any) -> list:
    if not isinstance(value, dict):
        return []
    payload = _json(value.get("payload"))
    tasks = payload.get("tasks") if isinstance(payload, dict) else value.get("tasks")
    return tasks[:1000] if isinstance(tasks, list) else []


def task_ids(value: Any) -> list[str]:
    """The ids of every task of a Lightspeed request."""
    return [found for found in (_id(task.get("task_id")) for task in _tasks(value) if isinstance(task, dict)) if found]


def task_sends(value: Any) -> list[TaskSend]:
    """The tasks of a Lightspeed request that send a message or start a group, in order."""
    sends = []
    for task in _tasks(value):
        if not isinstance(task, dict):
            continue
        label, body = str(task.get("label", "")), _json(task.get("payload"))
        if not isinstance(body, dict):
            continue
        send = TaskSend(task_id=_id(task.get("task_id")), otid=_id(body.get("otid")))
        if label in SEND_LABELS or "send_type" in body:
            for name in ("thread_id", "thread_key", "thread_fbid"):
                found = _id(body.get(name))
                if found:  # a one-to-one thread is the other account's id; a group is a thread
                    send.recipients += [("account", found), ("thread", found)]
            text = body.get("text")
            send.text = text if isinstance(text, str) else None
        elif label in GROUP_LABELS:
            people = body.get("participants")
            send.recipients += [("account", f) for f in map(_id, people if isinstance(people, list) else ()) if f]
            inner = body.get("send_payload")
            send.otid = _id(inner.get("otid")) if isinstance(inner, dict) else send.otid
        else:
            continue
        sends.append(send)
    return sends


# --- responses ----------------------------------------------------------------------------------


def calls(value: Any, budget: Budget, depth: int = 0) -> Iterator[tuple[str, list]]:
    """Every stored-procedure call (name, arguments) in the Lightspeed payloads inside `value`."""
    stack = [value]
    while stack and budget.take():
        node = stack.pop()
        if isinstance(node, dict):
            step = node.get("step")
            if isinstance(step, list):
                yield from _steps(step, budget)
            stack.extend(reversed([v for k, v in node.items() if k != "step" and isinstance(v, dict | list | str)]))
        elif isinstance(node, list):
            stack.extend(reversed([v for v in node if isinstance(v, dict | list | str)]))
        elif isinstance(node, str) and depth < MAX_NESTING and '"step"' in node[:200_000]:
            inner = _json(node)
            if isinstance(inner, dict | list):
                yield from calls(inner, budget, depth + 1)


def _steps(step: list, budget: Budget) -> Iterator[tuple[str, list]]:
    stack = [step]
    while stack and budget.take():
        node = stack.pop()
        if len(node) >= 2 and node[0] == CALL and isinstance(node[1], str):
            yield node[1], [None if isinstance(a, list) and a[:1] == [UNDEFINED] else _id(a) or a for a in node[2:]]
        stack.extend(reversed([item for item in node if isinstance(item, list)]))


def _arg(args: list, index: int) -> str | None:
    return _id(args[index]) if index < len(args) else None


def rows(value: Any, budget: Budget, platform: str) -> Iterator[tuple[str, str, Any]]:
    """What a Lightspeed response ties together, as listings say it:

    ("account", contact id, username), ("thread", thread key, [contact ids]), and pairs that name the
    same account or thread twice: ("same_account", contact id, Instagram user id), ("same_thread",
    thread key, Instagram thread id). A participant removed in the same response is no member.
    """
    members: dict[str, list[str]] = {}
    removed: set[tuple[str, str]] = set()
    for name, args in calls(value, budget):
        if name == "verifyContactRowExists" and platform == "instagram":
            contact, handles = _arg(args, 0), [_arg(args, 20)]
        elif name == "deleteThenInsertContact":
            contact, handles = _arg(args, 0), [_arg(args, 43)] + ([_arg(args, 41)] if platform == "instagram" else [])
        elif name == "deleteThenInsertIGContactInfo":
            contact, other = _arg(args, 0), _arg(args, 1)
            if contact and other:
                yield "same_account", contact, other
            continue
        elif name == "deleteThenInsertIgThreadInfo":
            thread, other = _arg(args, 0), _arg(args, 1)
            if thread and other:
                yield "same_thread", thread, other
            continue
        elif name in ("addParticipantIdToGroupThread", "removeParticipantFromThread", "verifyContactParticipantExist"):
            thread, contact = (_arg(args, 1), _arg(args, 0)) if name == "verifyContactParticipantExist" else (
                _arg(args, 0), _arg(args, 1))
            if thread and contact:
                if name == "removeParticipantFromThread":
                    removed.add((thread, contact))
                else:
                    members.setdefault(thread, []).append(contact)
            continue
        else:
            continue
        for handle in handles:
            if contact and handle:
                yield "account", contact, handle
    for thread, people in members.items():
        yield "thread", thread, [person for person in people if (thread, person) not in removed]
