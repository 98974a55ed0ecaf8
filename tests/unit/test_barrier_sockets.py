"""Meta's chat sockets (agent/barrier/sockets.py, lightspeed.py): sends read in either framing, the answer that
makes a held message fail in the app, and what the sockets' sync teaches the barrier."""

from __future__ import annotations

import json
import random

import pytest

from agent.barrier import lightspeed, sockets
from agent.barrier.body import Work
from agent.engine.jsonwalk import Budget
from tests.unit.test_barrier import ALL, barrier, dgw_frames, mqtt_publish
from tests.unit.test_barrier_learn import ALL as RESPONSES
from tests.unit.test_barrier_learn import barrier as handles_only

SEND = next(f for f in ALL if f.name == "facebook_dgw_send")
OTHER = next(f for f in ALL if f.name == "facebook_dgw_other")
GATEWAY = ("gateway.facebook.com", "/ws/lightspeed?x-dgw-version=5")


def request(tasks: list, request_id: int = 40) -> str:
    body = {"epoch_id": 1, "tasks": [{"failure_count": None, "label": label, "payload": json.dumps(payload),
                                      "queue_name": "q", "task_id": n} for n, (label, payload) in enumerate(tasks)]}
    return json.dumps({"app_id": "2220391788200892", "payload": json.dumps(body), "request_id": request_id, "type": 3})


TO_THEM = ("46", {"thread_id": 100098765432101, "otid": "7001", "send_type": 1, "text": "are you there"})
TO_SAM = ("46", {"thread_id": 100055566677788, "otid": "7002", "send_type": 1, "text": "lunch?"})


# --- framing ------------------------------------------------------------------------------------


@pytest.mark.parametrize("params", ["{}", '{"x-dgw-app-stream-group":"group1"}', None])
def test_a_gateway_frame_is_read_past_its_header_block(params):
    frame = dgw_frames(SEND.text.encode(), stream=9, ack_id=2, params=params)
    send = barrier().inspect_websocket(*GATEWAY, frame)
    assert send is not None and send.person == "J" and send.text == "I saw your car outside. Can we talk tonight?"


def test_every_send_of_a_socket_is_read_wherever_it_stands():
    b = barrier()
    for host in ("gateway.facebook.com", "gateway.messenger.com", "edge-chat.facebook.com", "edge-chat.messenger.com"):
        for frame in (dgw_frames(SEND.text.encode()), mqtt_publish("/ls_req", SEND.text.encode()), SEND.text,
                      b"\x00\x01garbage header {}" + SEND.text.encode()):  # an unknown header: every JSON value
            assert b.inspect_websocket(host, "/ws/lightspeed", frame).person == "J", (host, frame[:12])
    # Two frames in one message, the send in the second.
    both = dgw_frames(OTHER.text.encode(), stream=1) + dgw_frames(SEND.text.encode(), stream=2)
    assert b.inspect_websocket(*GATEWAY, both).person == "J"
    two = mqtt_publish("/ls_foreground_state", b'{"foreground":true}') + mqtt_publish("/ls_req", SEND.text.encode())
    assert b.inspect_websocket("edge-chat.facebook.com", "/chat", two).person == "J"


def test_frames_whose_lengths_do_not_add_up_are_read_for_the_json_they_hold():
    payload = SEND.text.encode()
    frame = bytearray(dgw_frames(payload, params="{}"))
    data_at = 6 + 2  # after the establish frame and its {}
    frame[data_at + 3:data_at + 6] = len(payload).to_bytes(3, "little")  # the ack id left out of the length
    assert barrier().inspect_websocket(*GATEWAY, bytes(frame)).person == "J"
    assert barrier().inspect_websocket(*GATEWAY, "{}" + SEND.text).person == "J"  # a text frame: {} then the payload
    assert barrier().inspect_websocket(*GATEWAY, "{}\n" + SEND.text.replace('"type":3', '"type":3,"x":[1')) is None


@pytest.mark.parametrize("frame", [
    b"\x09", b"\x0a", b"\x0c\x01\x00\x02\x00\x00\x07\x00", b"\x0e\x03\x00", b"\x0f\x01\x00\x02\x00\x00{}",
    b"\xc0\x00", b"\x10\x1a\x00\x04MQTToT", b"", b"\x0d\xff\xff\xff\xff\xff", b"\x32\xff\xff\xff\xff\xff",
    b"\x0d\x01\x00\x05\x00\x00\x00\x80{}{}" * 1000, "[" * 10_000, "{" + '"a":' * 5000,
])
def test_frames_that_hold_no_send_pass_and_never_raise(frame):
    assert barrier().inspect_websocket(*GATEWAY, frame) is None


def test_random_bytes_never_raise():
    rng = random.Random(11)
    wire = dgw_frames(SEND.text.encode())
    for _ in range(300):
        mangled = bytearray(wire)
        for _ in range(rng.randint(1, 6)):
            mangled[rng.randrange(len(mangled))] = rng.randrange(256)
        barrier().inspect_websocket(*GATEWAY, bytes(mangled[: rng.randint(1, len(mangled))]))


def test_only_tasks_that_send_are_read():
    """Marking their thread read, fetching its messages, typing in it: no message. A send in the same request is."""
    b = barrier()
    read = ("21", {"thread_id": 100098765432101, "last_read_watermark_ts": 1, "sync_group": 1})
    fetch = ("228", {"thread_key": 100098765432101, "direction": 0})
    assert b.inspect_websocket(*GATEWAY, dgw_frames(request([read, fetch, TO_SAM]).encode())) is None
    send = b.inspect_websocket(*GATEWAY, dgw_frames(request([read, TO_SAM, TO_THEM]).encode()))
    assert send.person == "J" and send.text == "are you there"  # the words of the send to them, not of the other
    group = ("130", {"participants": [100055566677788, 100098765432101],
                     "send_payload": {"thread_id": 9, "otid": "7003", "source": 0, "send_type": 8}})
    assert b.inspect_websocket(*GATEWAY, request([group])).recipients_matched == ("facebook:id:100098765432101",)


def test_instagram_sockets_are_watched_with_its_own_ids():
    b = barrier()
    b.learn("J", "instagram", "110598887654321", "thread")
    to_thread = ("46", {"thread_id": 110598887654321, "otid": "8001", "send_type": 1, "text": "hi"})
    for host in ("gateway.instagram.com", "edge-chat.instagram.com"):
        send = b.inspect_websocket(host, "/ws/lightspeed", dgw_frames(request([to_thread]).encode()))
        assert send.service == "instagram" and send.recipients_matched == ("instagram:thread:110598887654321",)
    # Facebook ids mean nothing on Instagram's socket.
    assert b.inspect_websocket("gateway.instagram.com", "/ws/lightspeed", request([TO_THEM])) is None


# --- the answer that makes a held message look not sent ------------------------------------------


def failed_steps(answer_json: dict) -> list:
    return json.loads(answer_json["payload"])["step"][1:]


def test_the_gateway_answer_acknowledges_and_marks_the_message_not_sent():
    send = barrier().inspect_websocket(*GATEWAY, dgw_frames(request([TO_SAM, TO_THEM], 41).encode(), stream=5,
                                                            ack_id=3, params="{}"))
    answer = send.answer
    assert isinstance(answer, bytes)
    # The stream is established, the data frame acknowledged by its ack id, then a data frame answers it.
    assert answer[:6] == b"\x0f\x05\x00" + (12).to_bytes(3, "little") and answer[6:18] == b'{"code":200}'
    assert answer[18:26] == b"\x0c\x05\x00\x02\x00\x00\x03\x00"
    data = sockets.carried(answer[26:], 1 << 20)
    assert len(data) == 1 and data[0].framing == "dgw" and data[0].stream == 5
    body = json.loads(data[0].text)
    assert body["request_id"] == 41 and body["sp"] == ["markOptimisticMessageFailed", "removeTask"]
    # The message is held whole: the one to Sam in it did not go either, and says so.
    assert failed_steps(body) == [[5, "markOptimisticMessageFailed", "7002", sockets.HELD_WORDS],
                                  [5, "removeTask", [19, "0"]],
                                  [5, "markOptimisticMessageFailed", "7001", sockets.HELD_WORDS],
                                  [5, "removeTask", [19, "1"]]]


def test_the_mqtt_answer_is_a_puback_and_a_response():
    frame = mqtt_publish("/ls_req", request([TO_THEM], 42).encode(), packet_id=0x1234)
    answer = barrier().inspect_websocket("edge-chat.facebook.com", "/chat", frame).answer
    assert answer[:4] == b"\x40\x02\x12\x34"  # PUBACK for packet 0x1234
    (response,) = sockets.carried(answer[4:], 1 << 20)
    assert response.framing == "mqtt" and response.topic == "/ls_resp"
    assert json.loads(response.text)["request_id"] == 42
    text = barrier().inspect_websocket("edge-chat.facebook.com", "/chat", request([TO_THEM], 43)).answer
    assert isinstance(text, str) and json.loads(text)["request_id"] == 43  # a text frame is answered in text


def test_the_words_of_the_answer_follow_the_tone():
    words = sockets.HELD_WORDS.lower()
    assert "held back" in words and "unsent letter" in words
    assert not any(bad in words for bad in ("fail", "error", "blocked", "denied"))


# --- what the sockets' sync teaches --------------------------------------------------------------------


def test_instagram_thread_keys_are_learnt_from_the_sync_and_tie_sends():
    b = handles_only()
    to_thread = request([("46", {"thread_id": 110598887654321, "otid": "9", "send_type": 1, "text": "hey"})])
    assert b.inspect_websocket("gateway.instagram.com", "/ws/lightspeed", to_thread) is None
    sync = next(r for r in RESPONSES if r.name == "instagram_socket_sync")
    assert sync.feed(b) == 2
    assert b.inspect_websocket("gateway.instagram.com", "/ws/lightspeed", to_thread).person == "J"
    # The older REST thread id of the same thread, told by the HTTP sync: a send by either id is theirs.
    http = next(r for r in RESPONSES if r.name == "instagram_lightspeed_sync")
    http.feed(b)
    assert b.who("instagram", "340282366841710300949128137654321", "thread") == "J"
    assert b.who("instagram", "110598887650005", "thread") is None  # the group they left
    assert b.who("instagram", "110598887650003", "thread") is None  # Sam's


def test_a_thread_read_before_its_participant_is_known_is_tied_when_they_are():
    b = handles_only()
    participants = {"name": None, "step": [1, [5, "addParticipantIdToGroupThread", [19, "555"], [19, "777"]]]}
    contact = {"name": None, "step": [1, [5, "verifyContactRowExists", [19, "777"], 0, "", "C", *([0] * 16),
                                          "casey.lindqvist", "C"]]}
    for value in (participants, contact):
        frame = json.dumps({"request_id": None, "payload": json.dumps(value)})
        b.learn_from_websocket("gateway.instagram.com", "/ws/lightspeed", dgw_frames(frame.encode(), ack_id=None,
                                                                                     params=None))
    assert b.learnt() == {"instagram:id:777": "J", "instagram:thread:555": "J"}


def test_server_messages_of_other_hosts_teach_nothing():
    sync = next(r for r in RESPONSES if r.name == "instagram_socket_sync")
    b = handles_only()
    assert not b.is_chat_socket("gateway.discord.gg") and not b.is_chat_socket("x.com")
    assert b.learn_from_websocket("gateway.discord.gg", "/", sync.wire()) == 0
    assert handles_only(families=("email",)).learn_from_websocket("gateway.instagram.com", "/", sync.wire()) == 0


def test_lightspeed_rows_stay_within_their_budget():
    steps = [1] + [[5, "addParticipantIdToGroupThread", [19, str(n)], [19, "1"]] for n in range(100_000)]
    budget = Budget(5_000)
    rows = list(lightspeed.rows({"payload": json.dumps({"step": steps})}, budget, "instagram"))
    assert budget.left <= 0 and len(rows) < 5_000
    deep = "[" * 50_000 + "]" * 50_000
    assert list(lightspeed.rows({"step": json.loads("[" * 500 + "]" * 500)}, Budget(10_000), "instagram")) == []
    assert lightspeed.task_sends(deep) == [] and lightspeed.task_sends({"payload": deep}) == []
    work = Work()
    assert handles_only().learn_from_websocket("gateway.instagram.com", "/", deep, work=work) == 0
