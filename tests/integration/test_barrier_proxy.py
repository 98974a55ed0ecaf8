"""The contact barrier through the real proxy: a send to the person never reaches the origin."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import own_proxy
from tests.unit.test_barrier import load_fixture

FIXTURES = Path(__file__).parents[1] / "fixtures" / "barrier"
CONFIG = """
people:
  - alias: J
    profiles: [https://x.com/caseylindq, "https://www.facebook.com/profile.php?id=100098765432101"]
    emails: [casey.l@example.org]
  - alias: M
    emails: [morgan.k@example.net]
barrier: {email: true, social_messages: true}
"""


@pytest.fixture(scope="module")
def guarded(tmp_path_factory, origin):
    with own_proxy(CONFIG, tmp_path_factory.mktemp("barrier"), origin) as proxy:
        yield proxy


def send(proxy, name: str):
    """One recorded-style request, with its body as it travels (encoded, multipart line ends)."""
    fixture = load_fixture(FIXTURES / f"{name}.yaml")
    body = fixture.wire()
    reply = proxy.fetch(fixture.url, method=fixture.method, headers=fixture.headers, body=body)
    return reply, fixture.host, body


def test_a_mail_to_the_person_is_held_and_kept_as_an_unsent_letter(guarded):
    reply, host, _ = send(guarded, "outlook_cc")
    assert reply.status == 403 and "Held back by nocontact" in reply.text
    assert not [r for r in guarded.origin.requests_to(host) if r[0] == "POST"]  # it never left the machine
    guarded.agent.settle()
    (letter,) = guarded.agent.urges.letters()
    assert (letter["person"], letter["service"], letter["subject"], letter["text"]) == (
        "J", "outlook", "re: keys", "I left the keys with Sam.")
    (urge,) = [u for u in guarded.agent.urges.urges() if u.source == "message"]
    assert urge.person == "J" and urge.rule == "barrier: email"
    deadline = time.monotonic() + 5
    while not any(title == "Held back." for title, _ in guarded.notes) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert any("Your words are saved, not sent." in body for _, body in guarded.notes)


def test_a_mail_to_someone_else_passes_byte_for_byte(guarded):
    for name in ("outlook_mention", "gmail_form_other", "gmail_form_mention"):
        reply, host, body = send(guarded, name)
        assert reply.status == 200, name
        received = [r for r in guarded.origin.requests_to(host) if r[0] == "POST"]
        assert received and received[-1][3] == body  # untouched


@pytest.mark.parametrize("name, held", [
    ("gmail_sync_to_gzip", True), ("gmx_to_deflate", True), ("outlook_to_br", True), ("aol_bcc", True),
    ("gmail_form_bcc", True), ("icloud_to_textplain", True), ("gmail_sync_mention", False), ("aol_other", False),
])
def test_every_encoding_through_the_proxy(guarded, name, held):
    before = len([r for r in guarded.origin.seen if r[0] == "POST"])
    reply, host, body = send(guarded, name)
    after = [r for r in guarded.origin.seen if r[0] == "POST"]
    if held:
        assert reply.status == 403 and len(after) == before  # never reached the origin
    else:
        assert reply.status == 200 and after[-1][3] == body  # passed untouched, byte for byte


def test_letters_from_the_cli(guarded):
    env = {**os.environ, "NOCONTACT_HOME": str(guarded.agent.urges.path.parent)}
    # The CLI reads the log in the data directory; point it at this agent's log.
    target = guarded.agent.urges.path.parent / "nocontact.sqlite3"
    if not target.exists():
        target.symlink_to(guarded.agent.urges.path)
    listed = subprocess.run([sys.executable, "-m", "agent", "letters", "--json"], env=env, capture_output=True,
                            text=True, timeout=60)
    letters = json.loads(listed.stdout)
    assert letters and letters[0]["service"] == "outlook"
    shown = subprocess.run([sys.executable, "-m", "agent", "letters", "show", str(letters[0]["id"])], env=env,
                           capture_output=True, text=True, timeout=60)
    assert "held back, not sent" in shown.stdout and "I left the keys with Sam." in shown.stdout


def test_a_window_for_messages_lets_one_through_as_contact(guarded):
    hold = guarded.agent.cooldowns.request("barrier", "J", reason="the custody handover time")
    guarded.clock.advance(hold.needed)
    guarded.agent.tick()
    guarded.agent.cooldowns.open(hold.id)
    try:
        reply, host, body = send(guarded, "outlook_cc")
        assert reply.status == 200
        assert [r for r in guarded.origin.requests_to(host) if r[0] == "POST"][-1][3] == body
        guarded.agent.settle()
        (contact,) = [u for u in guarded.agent.urges.urges() if u.source == "contact"]
        assert contact.outcome == "overridden" and contact.person == "J"
    finally:
        guarded.clock.advance(hold.window)
        guarded.agent.tick()


def test_a_window_for_one_person_does_not_let_a_mail_that_also_goes_to_the_other_through(guarded):
    hold = guarded.agent.cooldowns.request("barrier", "M")
    guarded.clock.advance(hold.needed)
    guarded.agent.tick()
    guarded.agent.cooldowns.open(hold.id)
    url = "https://mail.google.com/mail/u/0/?ui=2&ik=abc&act=sm"
    form = {"Content-Type": "application/x-www-form-urlencoded;charset=UTF-8"}
    try:
        before = len(guarded.agent.urges.letters())
        reply = guarded.fetch(url, method="POST", headers=form,
                              body=b"to=morgan.k%40example.net&bcc=casey.l%40example.org&subject=hi&body=about+friday")
        assert reply.status == 403
        assert b"about+friday" not in b"".join(r[3] for r in guarded.origin.requests_to("mail.google.com"))
        guarded.agent.settle()
        letters = guarded.agent.urges.letters()[before:]
        assert [(letter["person"], letter["text"]) for letter in letters] == [("J", "about friday")]
        # To M alone, in M's window: it goes, as contact with M.
        assert guarded.fetch(url, method="POST", headers=form,
                             body=b"to=morgan.k%40example.net&subject=hi&body=friday").status == 200
        guarded.agent.settle()
        assert [u.person for u in guarded.agent.urges.urges() if u.source == "contact"][-1] == "M"
    finally:
        guarded.clock.advance(hold.window)
        guarded.agent.tick()


def test_when_the_log_cannot_be_written_the_send_is_held_and_the_note_promises_nothing(guarded):
    db = guarded.agent.urges._db
    db.execute("PRAGMA query_only = ON")  # SQLite's answer for a read-only file or a full disk
    try:
        guarded.notes.clear()
        reply = guarded.fetch("https://mail.google.com/mail/u/0/?act=sm", method="POST",
                              headers={"Content-Type": "application/x-www-form-urlencoded"},
                              body=b"to=morgan.k%40example.net&subject=hi&body=one+more+thing")
        assert reply.status == 403
        deadline = time.monotonic() + 5
        while not any(title == "Held back." for title, _ in guarded.notes) and time.monotonic() < deadline:
            time.sleep(0.05)
        held = [body for title, body in guarded.notes if title == "Held back."]
        assert held == ["It wasn't sent."]  # never "saved" when it was not
    finally:
        db.execute("PRAGMA query_only = OFF")


def test_websocket_messages_to_the_person_are_dropped_and_others_pass(guarded):
    import time as clock

    from tests.origins import websocket_send

    to_them = load_fixture(FIXTURES / "facebook_ws_send.yaml")
    to_someone = load_fixture(FIXTURES / "facebook_ws_other.yaml")
    status = websocket_send(guarded.address, to_them.url, [to_someone.wire(), to_them.wire(), to_someone.wire()])
    assert status == 101
    deadline = clock.monotonic() + 5
    received = []
    while clock.monotonic() < deadline:
        received = [r[3] for r in guarded.origin.seen if r[0] == "WS"]
        if len(received) >= 2:
            break
        clock.sleep(0.05)
    clock.sleep(0.3)
    received = [r[3] for r in guarded.origin.seen if r[0] == "WS"]
    other = to_someone.wire()
    assert received == [other if isinstance(other, bytes) else other.encode()] * 2  # theirs dropped, others passed
    guarded.agent.settle()
    assert any("awake" in (letter["text"] or "") for letter in guarded.agent.urges.letters())


def test_letters_are_readable_on_the_local_page_and_escaped(guarded):
    import urllib.request

    guarded.agent.urges.add_letter(None, "J", "gmail", "<b>hi</b>", "<script>alert(1)</script> still here")
    page = urllib.request.urlopen(guarded.pac_url.rsplit("/", 1)[0] + "/letters", timeout=5).read().decode()
    assert "Unsent letters" in page and "I left the keys with Sam." in page
    assert "<script>alert" not in page and "&lt;script&gt;" in page


def _received_ws(guarded, host: str, count: int) -> list[bytes]:
    """The WebSocket messages the origin received on `host`, once `count` of them came (or 5 s passed)."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        received = [r[3] for r in guarded.origin.seen if r[0] == "WS" and r[1].startswith(host)]
        if len(received) >= count:
            break
        time.sleep(0.05)
    time.sleep(0.3)  # anything that should not have come has had its chance
    return [r[3] for r in guarded.origin.seen if r[0] == "WS" and r[1].startswith(host)]


def test_the_gateway_socket_drops_a_send_to_the_person_and_passes_the_rest_byte_for_byte(guarded):
    """Messenger's current socket (gateway.facebook.com/ws/lightspeed): Direct Gateway frames, the send task
    after an establish frame's {} header."""
    from tests.origins import websocket_send

    to_them = load_fixture(FIXTURES / "facebook_dgw_send.yaml")
    others = [load_fixture(FIXTURES / f"{name}.yaml").wire() for name in ("facebook_dgw_other", "facebook_dgw_mark_read")]
    before = len(guarded.agent.urges.letters())
    status = websocket_send(guarded.address, to_them.url, [others[0], to_them.wire(), others[1]])
    assert status == 101
    assert _received_ws(guarded, "gateway.facebook.com", 2) == others  # theirs dropped, the others untouched
    guarded.agent.settle()
    kept = [letter["text"] for letter in guarded.agent.urges.letters()[before:]]
    assert kept == ["I saw your car outside. Can we talk tonight?"]


def test_the_gateway_socket_of_messenger_com_too(guarded):
    from tests.origins import websocket_send

    to_them = load_fixture(FIXTURES / "facebook_dgw_send.yaml")
    url = to_them.url.replace("gateway.facebook.com", "gateway.messenger.com")
    other = load_fixture(FIXTURES / "facebook_dgw_other.yaml").wire()
    assert websocket_send(guarded.address, url, [to_them.wire(), other]) == 101
    assert _received_ws(guarded, "gateway.messenger.com", 1) == [other]


def test_a_held_gateway_message_is_answered_as_not_sent(guarded):
    """The app is told the message did not go (the socket's own answer), not left showing it as sending."""
    from urllib.parse import urlsplit

    from tests.origins import websocket_send

    to_them = load_fixture(FIXTURES / "facebook_dgw_send.yaml")
    parts = urlsplit(to_them.url)
    expected = guarded.agent.barrier.inspect_websocket(parts.hostname, parts.path, to_them.wire()).answer
    assert expected is not None
    replies: list[bytes] = []
    assert websocket_send(guarded.address, to_them.url, [to_them.wire()], replies) == 101
    wanted = expected.encode() if isinstance(expected, str) else expected
    assert wanted in replies
