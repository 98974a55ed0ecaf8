"""The barrier learns ids from what the services show: a DM to the person is held when the config has their handle.

Fixtures: tests/fixtures/barrier/responses/*.yaml, one recorded-style response each: `response`
(method, url, status, headers, body stored decoded; `wire()` applies the Content-Encoding) or
`websocket` (url, frame, message: one message from a chat socket's server), and `expect.learnt`, every
key the barrier ties to a configured person after reading it.
"""

from __future__ import annotations

import gzip
import json
import random
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest
import yaml

from agent.agent import Agent
from agent.barrier.barrier import MAX_LEARNT, Barrier
from agent.barrier.body import Work
from agent.config import parse_config
from agent.notifier import Notifier
from tests.unit.test_barrier import AtUrl, Untouchable, dgw_frames, encode, mqtt_publish

RESPONSES = Path(__file__).parents[1] / "fixtures" / "barrier" / "responses"
# Handles only: no numeric id, URN, thread or room is configured.
CONFIG = """
people:
  - alias: "J"
    profiles:
      - https://x.com/caseylindq
      - https://www.instagram.com/casey.lindqvist/
      - https://www.linkedin.com/in/casey-lindqvist/
      - https://www.reddit.com/user/casey_lq/
      - https://venmo.com/u/casey-l
      - https://discord.com/users/80351110224678912
      - https://www.facebook.com/profile.php?id=100098765432101
  - alias: "M"
    profiles: [https://x.com/morgan_k]
barrier: {social_messages: true, payments: true}
"""
PEOPLE = parse_config(CONFIG).people
JSON = {"content-type": "application/json"}
FORM = {"content-type": "application/x-www-form-urlencoded;charset=UTF-8"}


@dataclass
class Response(AtUrl):
    name: str
    method: str
    url: str
    headers: dict
    text: str
    learnt: dict
    websocket: dict | None = None

    def wire(self) -> bytes:
        if self.websocket is None:
            return encode(self.text.encode(), self.headers.get("content-encoding", ""))
        if self.websocket["frame"] == "mqtt-publish":
            return mqtt_publish(self.websocket["topic"], self.text.encode())
        return dgw_frames(self.text.encode(), self.websocket.get("stream", 1), self.websocket.get("ack"),
                          self.websocket.get("params"))

    def feed(self, b: Barrier, body: bytes | None = None, headers: dict | None = None) -> int:
        """What the barrier learns from this response (or from `body` in its place)."""
        body = self.wire() if body is None else body
        if self.websocket is not None:
            return b.learn_from_websocket(self.host, self.path, body)
        return b.learn_from_response(self.method, self.host, self.path, self.headers if headers is None else headers,
                                     body)


def load_response(path: Path) -> Response:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if "websocket" in data:
        ws = dict(data["websocket"])
        return Response(path.stem, "WS", ws.pop("url"), {}, ws.pop("message"), data["expect"]["learnt"], ws)
    response = data["response"]
    return Response(path.stem, response["method"], response["url"], response["headers"], response["body"],
                    data["expect"]["learnt"])


ALL = [load_response(p) for p in sorted(RESPONSES.glob("*.yaml"))]


def barrier(people=PEOPLE, families=("social_messages", "payments")) -> Barrier:
    return Barrier(people, set(families))


def read(b: Barrier, name: str) -> int:
    return next(f for f in ALL if f.name == name).feed(b)


@pytest.mark.parametrize("fixture", ALL, ids=[f.name for f in ALL])
def test_response_fixture(fixture: Response):
    b = barrier()
    if fixture.websocket is None:
        assert b.is_listing(fixture.method, fixture.host, fixture.path)
    else:
        assert b.is_chat_socket(fixture.host)
    assert fixture.feed(b) == len(fixture.learnt)
    assert b.learnt() == fixture.learnt
    assert read(b, fixture.name) == 0  # read again: nothing new


def test_fixtures_cover_every_listed_service():
    assert {f.name.split("_", 1)[0] for f in ALL} == {"x", "instagram", "linkedin", "reddit", "venmo", "discord",
                                                      "facebook"}


# --- then a send ------------------------------------------------------------------------------


def x_send(conversation_id: str):
    return ("POST", "x.com", "/i/api/1.1/dm/new2.json", JSON,
            json.dumps({"conversation_id": conversation_id, "text": "hi", "cards_platform": "Web-12"}).encode())


X_ME = "1402381655309180929"


def test_x_a_send_to_the_learnt_conversations_is_held():
    b = barrier()
    one_to_one, group = x_send(f"{X_ME}-1570000000000000001"), x_send("1591234567890123456")
    assert b.inspect(*one_to_one) is None and b.inspect(*group) is None  # the handle alone cannot tie them
    read(b, "x_inbox_initial_state")
    send = b.inspect(*one_to_one)
    assert send is not None and send.person == "J" and send.text == "hi"
    assert send.recipients_matched == (f"x:thread:{X_ME}-1570000000000000001", "x:id:1570000000000000001")
    send = b.inspect(*group)  # a group thread that contains the person
    assert send is not None and send.person == "J" and send.recipients_matched == ("x:thread:1591234567890123456",)


@pytest.mark.parametrize("conversation", [f"{X_ME}-1288833444555666777", "1599876543210987654",
                                          "1593333333333333333"], ids=["sam", "group-without-them", "group-they-left"])
def test_x_a_send_to_another_conversation_passes(conversation):
    b = barrier()
    read(b, "x_inbox_initial_state")
    assert b.inspect(*x_send(conversation)) is None


def test_x_a_user_lookup_ties_the_id_to_the_handle():
    b = barrier()
    read(b, "x_user_by_screen_name")
    body = json.dumps({"recipient_ids": "1570000000000000001", "text": "hi"}).encode()
    assert b.inspect("POST", "x.com", "/i/api/1.1/dm/new2.json", JSON, body).person == "J"


def ig_send(**fields: str):
    body = "&".join(f"{k}={quote(v)}" for k, v in {"action": "send_item", "text": "hi", **fields}.items())
    return "POST", "www.instagram.com", "/api/v1/direct_v2/threads/broadcast/text/", FORM, body.encode()


def test_instagram_threads_and_users_after_the_inbox():
    b = barrier()
    read(b, "instagram_inbox")
    held = [ig_send(thread_ids='["340282366841710300949128137654321"]'),
            ig_send(thread_ids='["340282366841710300949128137650002"]'),  # the group with the person in it
            ig_send(thread_ids='["17845123456789012"]'),  # the v2 id of their one-to-one thread
            ig_send(recipient_users='[["48251234567"]]')]
    for send in held:
        assert b.inspect(*send).person == "J", send
    passed = [ig_send(thread_ids='["340282366841710300949128137650003"]'),  # Sam, with one of their posts shared
              ig_send(thread_ids='["340282366841710300949128137650004"]'),  # a group without them
              ig_send(thread_ids='["340282366841710300949128137650005"]'),  # a group they left
              ig_send(recipient_users='[["5566778899"]]')]
    for send in passed:
        assert b.inspect(*send) is None, send


LINKEDIN = ("POST", "www.linkedin.com", "/voyager/api/voyagerMessagingDashMessengerMessages?action=createMessage",
            {"content-type": "text/plain;charset=UTF-8"})
THEIRS = ("urn:li:msg_conversation:(urn:li:fsd_profile:ACoAAAbCdEf123,"
          "2-ZmQ5NjE0YjMtNGI2Ny00ZDk1LTg1ZjItMGE1ZDc5YzQ3OTQ2XzAxMA==)")
RECRUITER = ("urn:li:msg_conversation:(urn:li:fsd_profile:ACoAAAbCdEf123,"
             "2-YWJjZGVmMDEtMjM0NS00Njc4LTk5OTktMDAwMDAwMDAwMDAxXzAxMA==)")


def linkedin_send(**fields) -> tuple:
    body = {"message": {"body": {"attributes": [], "text": "hello"}, "renderContentUnions": []},
            "mailboxUrn": "urn:li:fsd_profile:ACoAAAbCdEf123", **fields}
    return (*LINKEDIN, json.dumps(body).encode())


def test_linkedin_the_inbox_names_members_by_id_and_the_profile_lookup_ties_them():
    """Real inboxes name people by member id (ACoAA...), never by handle: the profile lookup ties the id to the
    handle, before or after the inbox was read."""
    for order in (("linkedin_profile", "linkedin_conversations"), ("linkedin_conversations", "linkedin_profile"),
                  ("linkedin_conversations", "linkedin_profile_view")):
        b = barrier()
        assert b.inspect(*linkedin_send(conversationUrn=THEIRS)) is None
        read(b, order[0])
        read(b, order[1])
        assert b.inspect(*linkedin_send(conversationUrn=THEIRS)).person == "J", order
        assert b.inspect(*linkedin_send(hostRecipientUrns=["urn:li:fsd_profile:ACoAAB9xQzL0cK2m"])).person == "J"
        assert b.inspect(*linkedin_send(conversationUrn=RECRUITER)) is None  # names them in a headline only
    b = barrier()
    read(b, "linkedin_conversations")
    assert b.inspect(*linkedin_send(conversationUrn=THEIRS)) is None  # the inbox alone ties nothing to a handle


def matrix_send(room: str) -> tuple:
    return ("PUT", "matrix.redditspace.com", f"/_matrix/client/v3/rooms/{quote(room)}/send/m.room.message/m1717.1",
            JSON, b'{"msgtype":"m.text","body":"hey"}')


def test_reddit_chat_rooms_after_a_sync():
    b = barrier()
    read(b, "reddit_matrix_sync")
    for room in ("!dmRoomAbC123:reddit.com", "!groupRoomXyZ789:reddit.com"):
        send = b.inspect(*matrix_send(room))
        assert send is not None and send.person == "J" and send.text == "hey", room
    for room in ("!otherRoomQrs456:reddit.com", "!leftGroupTuv321:reddit.com"):
        assert b.inspect(*matrix_send(room)) is None, room
    invite = json.dumps({"invite": ["@t2_9xk2lq:reddit.com"], "is_direct": True}).encode()
    assert b.inspect("POST", "matrix.redditspace.com", "/_matrix/client/v3/createRoom", JSON, invite).person == "J"


def test_matrix_members_chunk():
    chunk = {"chunk": [
        {"type": "m.room.member", "room_id": "!r1:reddit.com", "state_key": "@t2_9xk2lq:reddit.com",
         "content": {"membership": "join", "displayname": "casey_lq"}},
        {"type": "m.room.member", "room_id": "!r1:reddit.com", "state_key": "@t2_5am0r:reddit.com",
         "content": {"membership": "join", "displayname": "sam_r_writes"}}]}
    b = barrier()
    assert b.learn_from_response("GET", "matrix.redditspace.com", "/_matrix/client/v3/rooms/%21r1%3Areddit.com/members",
                                 JSON, json.dumps(chunk).encode()) == 2
    assert b.learnt() == {"reddit:t2_9xk2lq": "J", "reddit:thread:!r1:reddit.com": "J"}


def test_each_person_is_told_apart_and_the_first_owner_stays():
    inbox = {"users": {"1": {"id_str": "1", "screen_name": "Morgan_K"}, "2": {"id_str": "2", "screen_name": "caseylindq"}},
             "conversations": {"9": {"conversation_id": "9", "participants": [{"user_id": "1"}, {"user_id": "2"}]}}}
    b = barrier()
    b.learn_from_response("GET", "x.com", "/i/api/1.1/dm/inbox_initial_state.json", JSON, json.dumps(inbox).encode())
    learnt = b.learnt()
    assert learnt["x:id:1"] == "M" and learnt["x:id:2"] == "J" and learnt["x:thread:9"] in ("J", "M")
    b.learn("M", "x", "2")
    assert b.who("x", "2") == "J"


def test_an_id_near_but_not_beside_the_handle_is_not_learnt():
    """A user object's description or a message naming the handle does not tie another id to it."""
    inbox = {"users": {"7": {"id_str": "7", "screen_name": "sam_r_writes", "description": "friend of @caseylindq",
                             "entities": {"description": {"user_mentions": [{"screen_name": "caseylindq"}]}}}}}
    b = barrier()
    b.learn_from_response("GET", "x.com", "/i/api/1.1/dm/user_updates.json", JSON, json.dumps(inbox).encode())
    assert b.learnt() == {}


def test_learning_stops_at_its_bound():
    users = {str(n): {"id_str": str(n), "screen_name": "caseylindq"} for n in range(MAX_LEARNT + 50)}
    b = barrier()
    body = json.dumps({"users": users}).encode()
    assert b.learn_from_response("GET", "x.com", "/i/api/1.1/dm/user_updates.json", JSON, body) == MAX_LEARNT
    assert len(b.learnt()) == MAX_LEARNT


# --- what is never read ---------------------------------------------------------------------------

NOT_LISTINGS = [
    ("GET", "example.org", "/i/api/1.1/dm/inbox_initial_state.json"),  # not a barrier host
    ("GET", "x.com.example.org", "/i/api/1.1/dm/inbox_initial_state.json"),
    ("GET", "mail.google.com", "/sync/u/0/i/s"),
    ("GET", "x.com", "/i/api/graphql/abc123/HomeTimeline"),  # a barrier host, not a listing path
    ("GET", "x.com", "/caseylindq"),
    ("GET", "www.instagram.com", "/api/v1/feed/timeline/"),
    ("GET", "www.linkedin.com", "/voyager/api/feed/dash/feedUpdates"),
    ("GET", "matrix.redditspace.com", "/_matrix/client/v3/rooms/%21r%3Areddit.com/messages"),
    ("GET", "www.facebook.com", "/ajax/bz"),
    ("GET", "venmo.com", "/api/payments"),
    ("PUT", "x.com", "/i/api/1.1/dm/inbox_initial_state.json"),
    ("DELETE", "www.instagram.com", "/api/v1/direct_v2/inbox/"),
]


@pytest.mark.parametrize(("method", "host", "path"), NOT_LISTINGS)
def test_other_responses_are_never_read(method, host, path):
    b = barrier()
    assert not b.is_listing(method, host, path)
    assert b.learn_from_response(method, host, path, JSON, Untouchable()) == 0


def test_not_read_without_the_family_or_without_json():
    inbox = next(f for f in ALL if f.name == "x_inbox_initial_state")
    args = (inbox.method, inbox.host, inbox.path)
    assert barrier(families=("email", "payments")).learn_from_response(*args, inbox.headers, Untouchable()) == 0
    for kind in ("text/html; charset=utf-8", "image/png", "text/css"):
        assert barrier().learn_from_response(*args, {"content-type": kind}, Untouchable()) == 0
    for kind in ("text/plain", "", "text/javascript; charset=utf-8"):  # JSON, whatever the type says
        assert barrier().learn_from_response(*args, {"content-type": kind}, inbox.text.encode()) == 3, kind


def test_a_graphql_answer_without_chat_rows_is_not_read_past_its_start():
    """Facebook's and Instagram's /api/graphql answer everything (feeds too): only those that show chat rows
    near their start are read whole."""
    feed = json.dumps({"data": {"xdt_api__v1__feed__timeline__connection": {"edges": [
        {"node": {"media": {"caption": {"text": "casey.lindqvist " * 50}}}}] * 2000}}}).encode()
    for host in ("www.instagram.com", "www.facebook.com"):
        work = Work()
        assert barrier().learn_from_response("POST", host, "/api/graphql/", JSON, feed, work=work) == 0
        assert work.read == 0 and work.decoded <= 16 * 1024 + 1


HOSTILE = [
    b"",
    b"<!doctype html><title>Log in</title>",
    b"\x00\xff" * 1000,
    b"[" * 100_000,
    b'{"users":' * 50_000,
    b'{"users": [1, 2, null], "conversations": "x"}',
    b'{"users": {"1": {"id_str": true, "screen_name": ["caseylindq"]}}, "participants": {"user_id": 2}}',
    b'{"a": {"id_str": 1.5e300, "screen_name": "caseylindq"}, "b": {"id_str": "' + b"9" * 100_000 + b'", '
    b'"screen_name": "caseylindq"}}',
    b'{"conversation_id": {"x": 1}, "participants": [[[{"user_id": "1570000000000000001"}]]]}',
    b'{"rooms": {"join": {"!r:reddit.com": {"state": {"events": "x"}, "summary": {"m.heroes": [1, null]}}}}, '
    b'"chunk": [1, {"room_id": 2}, {"room_id": "!s:reddit.com", "type": "m.room.member", "content": []}]}',
    "{\"users\": {\"1\": {\"id_str\": \"\ud800\", \"screen_name\": \"caseylindq\"}}}".encode("utf-8", "surrogatepass"),
]


@pytest.mark.parametrize("body", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_responses_are_ignored_without_error(body):
    for host, path in (("x.com", "/i/api/1.1/dm/inbox_initial_state.json"), ("www.instagram.com", "/api/v1/direct_v2/inbox/"),
                       ("www.linkedin.com", "/voyager/api/messaging/conversations"),
                       ("matrix.redditspace.com", "/_matrix/client/v3/sync")):
        for encoding in ("", "gzip", "br"):
            headers = JSON | {"content-encoding": encoding}
            b = barrier()
            b.learn_from_response("GET", host, path, headers, body)
            assert not [k for k in b.learnt() if "1570000000000000001" in k]


def test_a_broken_encoding_is_ignored():
    for encoding, body in (("gzip", b"\x1f\x8b\x08\x00not gzip"), ("br", b"\xff\xfe not brotli"), ("compress", b"{}")):
        assert barrier().learn_from_response("GET", "x.com", "/i/api/1.1/dm/user_updates.json",
                                             JSON | {"content-encoding": encoding}, body) == 0


def test_mangled_fixtures_never_raise():
    """Every value of every fixture swapped, one at a time, for something of another shape."""
    shapes = [None, True, 0, -1, 1.5, "", "x" * 2000, [], {}, [None], {"user_id": None}, [[["caseylindq"]]]]
    rng = random.Random(7)
    for fixture in ALL:
        original = json.loads(fixture.text)
        paths: list[tuple] = []
        stack: list[tuple[tuple, object]] = [((), original)]
        while stack:
            where, node = stack.pop()
            paths.append(where)
            items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
            stack.extend((where + (k,), v) for k, v in items)
        for where in rng.sample(paths, min(len(paths), 150)):
            copy = json.loads(fixture.text)
            node = copy
            for key in where[:-1]:
                node = node[key]
            if where:
                node[where[-1]] = rng.choice(shapes)
            barrier().learn_from_response(fixture.method, fixture.host, fixture.path, JSON,
                                          json.dumps(copy).encode())


def test_an_oversized_response_is_read_to_its_bound_only():
    inbox = json.loads(next(f for f in ALL if f.name == "x_inbox_initial_state").text)["inbox_initial_state"]
    filler = {"entries": [{"message": {"text": "x" * 1000}}] * 5000}  # about 5 MB of messages first
    body = json.dumps({"inbox_initial_state": filler | {"users": inbox["users"]}}).encode()
    path = "/i/api/1.1/dm/inbox_initial_state.json"
    b = barrier()
    assert b.learn_from_response("GET", "x.com", path, JSON, body) == 0  # the users come after the bound
    assert b.learn_from_response("GET", "x.com", path, JSON, body, max_body=len(body)) == 1
    front = json.dumps({"inbox_initial_state": {"users": inbox["users"]} | filler}).encode()
    b = barrier()
    assert b.learn_from_response("GET", "x.com", path, JSON | {"content-encoding": "gzip"}, gzip.compress(front)) == 1


# --- a config reload --------------------------------------------------------------------------------


def test_learnt_ids_are_kept_while_the_handle_they_came_through_is_configured():
    old = barrier()
    read(old, "x_inbox_initial_state")
    old.learn("J", "instagram", "48251234567")  # learnt by hand: kept while J is configured
    same = barrier()
    same.keep_learnt(old)
    assert same.learnt() == old.learnt()
    assert same.inspect(*x_send("1591234567890123456")).person == "J"

    renamed = barrier(parse_config(CONFIG.replace('alias: "J"', 'alias: "K"')).people)
    renamed.keep_learnt(old)
    assert renamed.inspect(*x_send("1591234567890123456")).person == "K"
    assert "instagram:id:48251234567" not in renamed.learnt()  # its alias J is gone

    moved = barrier(parse_config(CONFIG.replace("https://x.com/caseylindq", "https://x.com/casey_new")).people)
    moved.keep_learnt(old)  # the X handle it was learnt through is no longer theirs
    assert not [k for k in moved.learnt() if k.startswith("x:")]
    assert moved.inspect(*x_send("1591234567890123456")) is None

    gone = barrier(parse_config("people:\n  - alias: M\n    profiles: [https://x.com/morgan_k]\n").people)
    gone.keep_learnt(old)
    assert gone.learnt() == {}


def test_a_reload_of_the_agent_keeps_what_was_learnt(tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text(CONFIG)
    agent = Agent(config, notifier=Notifier(send=lambda title, body: None), database=tmp_path / "urges.sqlite3")
    try:
        read(agent.barrier, "x_inbox_initial_state")
        learnt = agent.barrier.learnt()
        before = agent.barrier
        config.write_text(CONFIG.replace("barrier:", "  - alias: Q\n    emails: [q@example.net]\nbarrier:"))
        assert agent.reload() == "applied"
        assert agent.barrier is not before and agent.barrier.learnt() == learnt
        assert agent.barrier.inspect(*x_send("1591234567890123456")).person == "J"
    finally:
        agent.close()
