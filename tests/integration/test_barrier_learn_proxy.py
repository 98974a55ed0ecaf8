"""Learning through the real proxy: the origin serves an inbox; a send to a conversation in it never leaves."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest

from tests.conftest import own_proxy
from tests.origins import start_origin
from tests.unit.test_barrier_learn import ALL, FORM, JSON, x_send

CONFIG = """
people:
  - alias: J
    profiles: [https://x.com/caseylindq, https://www.instagram.com/casey.lindqvist/]
barrier: {social_messages: true}
"""
SEND_PATHS = ("/i/api/1.1/dm/new2.json", "/api/v1/direct_v2/threads/broadcast/text/")


@pytest.fixture(scope="module")
def guarded(tmp_path_factory):
    origin, servers = start_origin(tmp_path_factory.mktemp("inbox-origin"))
    try:
        with own_proxy(CONFIG, tmp_path_factory.mktemp("learn"), origin) as proxy:
            yield proxy
    finally:
        for server in servers:
            server.shutdown()


def serve(proxy, url: str, headers: dict, body: bytes):
    """The origin serves `body` at `url`; the app fetches it through the proxy."""
    path = url.split("://", 1)[1].split("/", 1)[1].split("?", 1)[0]
    proxy.origin.responses["/" + path] = (headers, body)
    reply = proxy.fetch(url, headers={"Accept": "application/json", "Sec-Fetch-Mode": "cors"})
    assert reply.status == 200 and reply.body == body  # the response itself goes on untouched
    return reply


def post(proxy, host: str, path: str, headers: dict, body: bytes):
    return proxy.fetch(f"https://{host}{path}", method="POST", headers=headers | {"Sec-Fetch-Mode": "cors"},
                       body=body)


def sent(proxy, path: str) -> list[bytes]:
    return [r[3] for r in proxy.origin.seen if r[0] == "POST" and r[2].startswith(path)]


def test_x_after_the_inbox_a_send_to_a_group_with_the_person_never_leaves(guarded):
    inbox = next(f for f in ALL if f.name == "x_inbox_initial_state")
    serve(guarded, inbox.url, inbox.headers, inbox.wire())  # gzip, as the app receives it
    assert guarded.agent.barrier.learnt()["x:thread:1591234567890123456"] == "J"

    method, host, path, headers, body = x_send("1591234567890123456")
    reply = post(guarded, host, path, headers, body)
    assert reply.status == 403 and "Held back by nocontact" in reply.text
    assert body not in sent(guarded, path)  # never reached the origin
    guarded.agent.settle()
    assert [(letter["person"], letter["service"], letter["text"]) for letter in guarded.agent.urges.letters()] == [
        ("J", "x", "hi")]

    other = x_send("1599876543210987654")  # a group without them: passes, byte for byte
    assert post(guarded, host, path, headers, other[4]).status == 200
    assert sent(guarded, path)[-1] == other[4]


def test_x_the_same_lists_on_a_path_that_is_no_inbox_teach_nothing(guarded):
    timeline = {"users": {"1570000000000000001": {"id_str": "1570000000000000001", "screen_name": "caseylindq"}},
                "conversations": {"1597777777777777777": {"conversation_id": "1597777777777777777",
                                                          "participants": [{"user_id": "1570000000000000001"}]}}}
    serve(guarded, "https://x.com/i/api/graphql/abc123/HomeTimeline?variables=%7B%7D", JSON,
          json.dumps(timeline).encode())
    assert "x:thread:1597777777777777777" not in guarded.agent.barrier.learnt()
    method, host, path, headers, body = x_send("1597777777777777777")
    assert post(guarded, host, path, headers, body).status == 200
    assert sent(guarded, path)[-1] == body


def test_instagram_a_large_inbox_is_read_off_the_event_loop_and_its_threads_are_held(guarded):
    inbox = next(f for f in ALL if f.name == "instagram_inbox")
    data = json.loads(inbox.text)
    strangers = [{"thread_id": f"3402823668417103009491281376{n:05d}", "thread_v2_id": f"178450000{n:08d}",
                  "users": [{"pk": 7000000000 + n, "pk_id": str(7000000000 + n), "username": f"stranger.{n}"}],
                  "items": [{"item_id": str(n), "item_type": "text", "text": "see you at the match" * 5}]}
                 for n in range(10, 400)]
    data["inbox"]["threads"] = strangers + data["inbox"]["threads"]
    body = json.dumps(data).encode()
    assert len(body) > 64 * 1024
    serve(guarded, inbox.url, JSON, body)
    assert guarded.agent.barrier.learnt()["instagram:thread:340282366841710300949128137650002"] == "J"

    path = "/api/v1/direct_v2/threads/broadcast/text/"
    held = {"340282366841710300949128137650002": "to the group", "17845123456789012": "to you"}  # v2 id: theirs
    for thread, words in held.items():
        send = f"action=send_item&text={quote(words)}&thread_ids={quote(json.dumps([thread]))}".encode()
        reply = post(guarded, "www.instagram.com", path, FORM, send)
        assert reply.status == 403 and send not in sent(guarded, path), thread
    guarded.agent.settle()
    kept = {letter["text"] for letter in guarded.agent.urges.letters() if letter["service"] == "instagram"}
    assert kept == set(held.values())

    other = f"action=send_item&text=hi&thread_ids={quote(json.dumps(['3402823668417103009491281376' + '00010']))}"
    assert post(guarded, "www.instagram.com", path, FORM, other.encode()).status == 200
    assert sent(guarded, path)[-1] == other.encode()


def test_instagram_the_inbox_as_the_web_app_loads_it_ties_its_socket_sends(guarded):
    """Instagram web never loads the REST inbox: its Lightspeed answer (POST /api/graphql) names the thread keys
    that its chat socket (gateway.instagram.com/ws/lightspeed) sends to."""
    import time

    from tests.origins import websocket_send
    from tests.unit.test_barrier import FIXTURES, load_fixture

    sync = next(f for f in ALL if f.name == "instagram_lightspeed_sync")
    guarded.origin.responses["/api/graphql"] = (sync.headers, sync.wire())
    reply = guarded.fetch(sync.url, method="POST", headers=FORM | {"Sec-Fetch-Mode": "cors"},
                          body=b"fb_api_req_friendly_name=LSPlatformGraphQLLightspeedRequestForIGDQuery")
    assert reply.status == 200 and reply.body == sync.wire()  # the answer itself goes on untouched
    assert guarded.agent.barrier.learnt()["instagram:thread:110598887654321"] == "J"

    to_them = load_fixture(FIXTURES / "instagram_dgw_send_learned.yaml")
    other = load_fixture(FIXTURES / "instagram_dgw_other.yaml").wire()
    assert websocket_send(guarded.address, to_them.url, [to_them.wire(), other]) == 101
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not [r for r in guarded.origin.seen if r[0] == "WS"]:
        time.sleep(0.05)
    time.sleep(0.3)
    assert [r[3] for r in guarded.origin.seen if r[0] == "WS"] == [other]
    guarded.agent.settle()
    assert ("J", "instagram", "hey. are you awake?") in [
        (letter["person"], letter["service"], letter["text"]) for letter in guarded.agent.urges.letters()]
