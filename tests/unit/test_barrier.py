"""The contact barrier (agent/barrier/): sends to the person are recognised by their recipients only.

Fixtures: tests/fixtures/barrier/*.yaml, one recorded-style request each. A fixture has either
`request` (method, url, headers, body) or `websocket` (url, frame, topic, message), an optional
`learn` list (ids the running agent learnt), and `expect` (held, family, service, person, matched,
subject, text). Bodies are stored decoded so that they can be read; `wire()` turns them into the
bytes on the wire: CRLF line ends for multipart, then the Content-Encoding header applied
(gzip, br, deflate, zstd); WebSocket `frame: mqtt-publish` wraps the message in an MQTT PUBLISH
packet, `frame: dgw` in Direct Gateway frames (an establish-stream frame, then the data frame).
The proxy integration tests can reuse `load_fixture()`.
"""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
import zlib
from dataclasses import FrozenInstanceError, dataclass, field
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import quote, urlsplit

import brotli
import pytest
import yaml
import zstandard

from agent.barrier import services
from agent.barrier.barrier import FULL_READ, MAX_BODY, Barrier, Send
from agent.barrier.body import MAX_DEPTH, MAX_NODES, MAX_TOKENS, Work, decode_body, is_compressed, load_json
from agent.barrier.letter import MAX_LETTER, plain_text
from agent.barrier.services import FAMILIES, SERVICES
from agent.config import parse_config
from agent.engine.identity import Identity

FIXTURES = Path(__file__).parents[1] / "fixtures" / "barrier"

CONFIG = """
people:
  - alias: "J"
    profiles:
      - https://www.instagram.com/casey.lindqvist/
      - https://www.facebook.com/profile.php?id=100098765432101
      - https://x.com/caseylindq
      - https://x.com/i/user/1570000000000000001
      - https://www.linkedin.com/in/casey-lindqvist/
      - https://www.reddit.com/user/casey_lq/
      - https://discord.com/users/80351110224678912
      - https://discord.com/channels/@me/1098765432109876543
      - https://venmo.com/code?user_id=2857112233445566778
      - https://cash.app/$caseyl
    names: ["Casey Lindqvist"]
    emails: ["casey.l@example.org", "caseylindqvist@gmail.com"]
    phones: ["+44 7700 900123"]
  - alias: "M"
    emails: ["morgan.k@example.net"]
"""
PEOPLE = parse_config(CONFIG).people


def barrier(families=FAMILIES, people=PEOPLE) -> Barrier:
    return Barrier(people, set(families))


# --- fixtures -----------------------------------------------------------------------------------


def encode(data: bytes, content_encoding: str) -> bytes:
    for coding in (c.strip() for c in content_encoding.split(",") if c.strip()):
        if coding == "gzip":
            data = gzip.compress(data)
        elif coding == "br":
            data = brotli.compress(data)
        elif coding == "deflate":
            data = zlib.compress(data)
        elif coding == "zstd":
            data = zstandard.ZstdCompressor().compress(data)
        else:
            raise ValueError(coding)
    return data


def mqtt_publish(topic: str, payload: bytes, packet_id: int = 7) -> bytes:
    """An MQTT 3.1.1 PUBLISH packet (QoS 1), as Messenger's web client sends on its WebSocket."""
    rest = len(topic).to_bytes(2, "big") + topic.encode() + packet_id.to_bytes(2, "big") + payload
    size, length = len(rest), bytearray()
    while True:
        size, byte = divmod(size, 128)
        length.append(byte | (0x80 if size else 0))
        if not size:
            break
    return bytes([0x32]) + bytes(length) + rest


def dgw_frames(payload: bytes, stream: int = 1, ack_id: int | None = 0, params: str | None = "{}") -> bytes:
    """A Direct Gateway one-off request, as the /ws/lightspeed socket carries it: an establish-stream frame
    with its parameters (often just {}), then the data frame (mautrix/meta pkg/messagix/dgw/frames.go)."""
    sid = stream.to_bytes(2, "little")
    out = b""
    if params is not None:
        out += b"\x0f" + sid + len(params).to_bytes(3, "little") + params.encode()
    ack = (ack_id | 0x8000) if ack_id is not None else 0
    return out + b"\x0d" + sid + (len(payload) + 2).to_bytes(3, "little") + ack.to_bytes(2, "little") + payload


class AtUrl:
    """A recorded request or response: its host and path, from its `url`."""

    url: str

    @property
    def host(self) -> str:
        return urlsplit(self.url).hostname

    @property
    def path(self) -> str:
        parts = urlsplit(self.url)
        return parts.path + (f"?{parts.query}" if parts.query else "")


@dataclass
class Fixture(AtUrl):
    name: str
    url: str
    expect: dict
    method: str = "POST"
    headers: dict = field(default_factory=dict)
    text: str = ""  # the body or message as stored (decoded)
    websocket: dict | None = None
    learn: list = field(default_factory=list)

    def wire(self) -> bytes | str:
        """The body (or WebSocket message) as it travels."""
        if self.websocket is not None:
            if self.websocket.get("frame") == "mqtt-publish":
                return mqtt_publish(self.websocket["topic"], self.text.encode())
            if self.websocket.get("frame") == "dgw":
                return dgw_frames(self.text.encode(), self.websocket.get("stream", 1), self.websocket.get("ack", 0),
                                  self.websocket.get("params", "{}"))
            return self.text
        data = self.text
        if self.headers.get("content-type", "").startswith("multipart/"):
            data = data.replace("\n", "\r\n")
        return encode(data.encode(), self.headers.get("content-encoding", ""))


def load_fixture(path: Path) -> Fixture:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    learn = data.get("learn") or []
    if "websocket" in data:
        ws = dict(data["websocket"])
        return Fixture(path.stem, ws.pop("url"), data["expect"], text=ws.pop("message"), websocket=ws, learn=learn)
    request = data["request"]
    return Fixture(path.stem, request["url"], data["expect"], request["method"], request.get("headers") or {},
                   request.get("body") or "", learn=learn)


ALL = [load_fixture(p) for p in sorted(FIXTURES.glob("*.yaml"))]


def run(fixture: Fixture, subject: Barrier | None = None) -> Send | None:
    subject = subject or barrier()
    for item in fixture.learn:
        subject.learn(item["alias"], item["platform"], item["value"], item["kind"])
    if fixture.websocket is not None:
        return subject.inspect_websocket(fixture.host, fixture.path, fixture.wire())
    return subject.inspect(fixture.method, fixture.host, fixture.path, fixture.headers, fixture.wire())


@pytest.mark.parametrize("fixture", ALL, ids=[f.name for f in ALL])
def test_fixture(fixture: Fixture):
    send = run(fixture)
    expect = fixture.expect
    if not expect["held"]:
        assert send is None
        return
    assert send is not None, "a send to the person was not recognised"
    assert (send.family, send.service, send.person) == (expect["family"], expect["service"], expect["person"])
    assert list(send.recipients_matched) == expect["matched"]
    assert send.subject == expect["subject"]
    assert send.text == expect["text"]


@pytest.mark.parametrize("fixture", [f for f in ALL if f.websocket is None], ids=lambda f: f.name)
def test_every_request_fixture_is_send_shaped(fixture: Fixture):
    """Held or passed, every fixture is a send: passing means the recipients were read and are someone else.
    A look-alike marked `shaped: false` (a lookup made while an address is typed) is not even read."""
    assert barrier().is_send_shaped(fixture.method, fixture.host, fixture.path) == fixture.expect.get("shaped", True)


def test_fixtures_cover_every_service_and_encoding():
    held = {f.expect["service"] for f in ALL if f.expect["held"]}
    assert {s.name for s in SERVICES} <= held
    passed = {f.name.split("_", 1)[0] for f in ALL if not f.expect["held"]}
    assert {s.name for s in SERVICES} - {"webde"} <= passed  # every service also lets someone else's mail through
    kinds = " ".join(f"{f.headers.get('content-type', '')} {f.headers.get('content-encoding', '')}" for f in ALL)
    for kind in ("x-www-form-urlencoded", "application/json", "text/plain", "multipart/form-data", "gzip", "br",
                 "deflate"):
        assert kind in kinds
    assert any("f.req=" in f.text or "variables=" in f.text for f in ALL)  # JSON inside a form field
    # the things the issue asks for, by name
    names = {f.name for f in ALL}
    for service in ("gmail", "outlook", "yahoo", "icloud", "aol"):
        assert any(n.startswith(service) and "_cc" in n for n in names), service  # Cc, not Bcc
        assert any(n.startswith(service) and ("bcc" in n) for n in names), service
    assert sum("mention" in n for n in names) >= 6


# --- recipients, not words ----------------------------------------------------------------------


def test_mentions_in_text_never_hold():
    """The same request with the person's every identifier in the subject and text, to someone else."""
    mention = ("Casey Lindqvist casey.l@example.org caseylindqvist@gmail.com +44 7700 900123 @caseylindq "
               "1570000000000000001 100098765432101 $caseyl")
    b = barrier()
    body = f"to=a.okafor%40okafor-law.example&subject={quote(mention)}&body={quote(mention)}".encode()
    assert b.inspect("POST", "mail.google.com", "/mail/u/0/?act=sm", {}, body) is None
    body = json.dumps({"conversation_id": "1402381655309180929-1288833444555666777", "text": mention}).encode()
    assert b.inspect("POST", "x.com", "/i/api/1.1/dm/new2.json", {"content-type": "application/json"}, body) is None
    body = json.dumps({"recipient": "$SamR", "note": mention}).encode()
    assert b.inspect("POST", "cash.app", "/api/cash-web/payments/initiate", {}, body) is None


def test_text_that_is_json_is_not_read_for_recipients():
    body = json.dumps({"to": "sam.r@example.com", "body": '{"to": "casey.l@example.org"}'}).encode()
    assert barrier().inspect("POST", "p68-mailws.icloud.com", "/wm/message", {}, body) is None


def test_display_names_are_not_addresses():
    body = json.dumps({"to": [{"name": "casey.l@example.org", "email": "sam.r@example.com"}]}).encode()
    assert barrier().inspect("POST", "mail.yahoo.com", "/ws/v3/batch", {}, body) is None
    body = b"to=%22casey.l%40example.org%22+%3Csam.r%40example.com%3E&subject=x&body=y"
    assert barrier().inspect("POST", "mail.google.com", "/mail/u/1/?ui=2&act=sm", {}, body) is None


def test_each_person_is_told_apart():
    b = barrier()
    send = b.inspect("POST", "mail.google.com", "/mail/u/0/?act=sm", {}, b"to=morgan.k%40example.net&subject=hi")
    assert send is not None and send.person == "M" and send.recipients_matched == ("email:morgan.k@example.net",)
    both = b"to=morgan.k%40example.net%2C+casey.l%40example.org&cc=caseylindqvist%40gmail.com"
    send = b.inspect("POST", "mail.google.com", "/mail/u/0/?act=sm", {}, both)
    assert send.person == "M"  # the first recipient decides; the log names one alias


@pytest.mark.parametrize("name", ["MWChatThreadMessagesQuery", "MessengerMarkThreadReadMutation",
                                  "MWChatSendTypingIndicatorMutation", "ProfileCometHovercardQuery"])
def test_facebook_graphql_that_is_no_send(name):
    body = "fb_api_caller_class=RelayModern&fb_api_req_friendly_name={}&variables={}".format(
        name, quote(json.dumps({"thread_id": "100098765432101", "userID": "100098765432101"}))).encode()
    assert barrier().inspect("POST", "www.facebook.com", "/api/graphql/", {}, body) is None


def test_gmail_address_rules():
    b = barrier()
    for address in ("c.a.s.e.y.lindqvist@gmail.com", "CaseyLindqvist+x@GoogleMail.com", "caseylindqvist@gmail.com."):
        body = f"to={quote(address)}".encode()
        send = b.inspect("POST", "mail.google.com", "/mail/u/0/?act=sm", {}, body)
        assert (send is not None) == (not address.endswith(".")), address
    # dots are significant outside Gmail
    assert b.inspect("POST", "mail.google.com", "/mail/u/0/?act=sm", {}, b"to=caseyl%40example.org") is None


def test_person_like_objects():
    person = SimpleNamespace(alias="K", emails=["k@example.com"], phones=[], identities=[Identity("x", "id:42")])
    b = Barrier([person], {"email", "social_messages"})
    assert b.inspect("POST", "mail.aol.com", "/ws/v3/batch", {}, b'{"to":[{"email":"K@example.com"}]}').person == "K"
    send = b.inspect("POST", "x.com", "/i/api/1.1/dm/new2.json", {}, b'{"conversation_id":"7-42","text":"x"}')
    assert send.recipients_matched == ("x:id:42",)


def test_learn_and_who():
    b = barrier()
    assert b.who("instagram", "Casey.Lindqvist") == "J"
    assert b.who("instagram", "48251234567") is None
    b.learn("J", "instagram", "48251234567")
    assert b.who("instagram", "48251234567") == "J"
    b.learn("M", "instagram", "48251234567")  # the first owner stays
    assert b.who("instagram", "48251234567") == "J"


# --- which requests are looked at ---------------------------------------------------------------


def test_hosts_follow_the_enabled_families():
    assert barrier([]).hosts() == set()
    email = barrier({"email"}).hosts()
    assert {"mail.google.com", "outlook.live.com", "mail.yahoo.com", "mail.aol.com", "icloud.com", "web.de"} <= email
    assert "x.com" not in email and "google.com" not in email
    social = barrier({"social_messages"}).hosts()
    assert {"x.com", "twitter.com", "facebook.com", "messenger.com", "instagram.com", "linkedin.com", "reddit.com",
            "discord.com"} <= social
    assert {"venmo.com", "cash.app", "paypal.com"} == barrier({"payments"}).hosts()
    with pytest.raises(ValueError, match="unknown barrier families: sms"):
        Barrier(PEOPLE, {"email", "sms"})
    for families in ({"email"}, {"social_messages", "payments"}, set(FAMILIES)):
        assert services.hosts(families) == barrier(families).hosts()  # what the policy watches


def test_the_policy_reads_the_hosts_from_the_table_alone():
    """The engine imports the services table, which is pure data: no decoding, no barrier."""
    code = "import sys, agent.engine.policy; print(sorted(m for m in sys.modules if m.startswith('agent.barrier')))"
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert found.split() == ["['agent.barrier',", "'agent.barrier.services']"]


def test_families_off_are_not_looked_at():
    email_only = barrier({"email"})
    for fixture in ALL:
        if fixture.expect.get("family") == "social_messages":
            assert run(fixture, email_only) is None, fixture.name


NOT_SEND_SHAPED = [
    ("GET", "mail.google.com", "/mail/u/0/?act=sm"),
    ("GET", "mail.google.com", "/mail/u/0/#inbox"),
    ("HEAD", "x.com", "/i/api/1.1/dm/new2.json"),
    ("OPTIONS", "outlook.live.com", "/owa/0/service.svc?action=CreateItem"),
    ("POST", "mail.google.com", "/sync/u/0/i/fd?hl=en&c=3"),
    ("POST", "outlook.live.com", "/owa/0/service.svc?action=GetAccessTokenforResource"),
    ("POST", "x.com", "/i/api/graphql/abc123/HomeTimeline"),
    ("POST", "x.com", "/i/api/1.1/dm/conversation/1402381655309180929-1570000000000000001/mark_read.json"),
    ("POST", "www.instagram.com", "/api/v1/web/likes/3141592653/like/"),
    ("POST", "www.facebook.com", "/ajax/bz"),
    ("POST", "discord.com", "/api/v9/science"),
    ("POST", "discord.com", "/api/v9/channels/1098765432109876543/typing"),
    ("POST", "www.linkedin.com", "/voyager/api/feed/dash/feedUpdates"),
    ("POST", "www.linkedin.com", "/voyager/api/messaging/conversations/2-ZmQ5NjE0?action=markAllItemsAsSeen"),
    ("POST", "account.venmo.com", "/api/stories"),
    ("POST", "www.paypal.com", "/myaccount/summary/api/balance"),
    # Outlook: every web call carries app=Mail; only the send and draft actions are sends.
    ("POST", "outlook.live.com", "/owa/0/service.svc?action=GetMailTips&app=Mail&n=61"),
    ("POST", "outlook.office.com", "/owa/service.svc?action=FindPeople&app=Mail&n=12"),
    ("POST", "outlook.office365.com", "/owa/service.svc?action=GetPersona&app=Mail"),
    ("POST", "outlook.live.com", "/owa/0/service.svc?action=ExpandDL&app=Mail"),
    ("POST", "outlook.live.com", "/owa/0/sessiondata.ashx?app=Mail"),
    ("POST", "outlook.live.com", "/owa/0/service.svc?action=MarkItemAsRead&app=Mail"),
    ("POST", "account.venmo.com", "/api/eligibility"),
    ("POST", "api.x.com", "/graphql/Qh3fZRjPPtPoHYR_2sCZsA/GenerateXChatTokenMutation"),
    ("POST", "x.com", "/i/api/graphql/HL96-xZ3Y81IEzAdczDokg/useTypingNotifierMutation"),
    ("POST", "www.google.com", "/mail/send"),  # not a mail host
    ("POST", "example.org", "/send"),
]


@pytest.mark.parametrize(("method", "host", "path"), NOT_SEND_SHAPED)
def test_not_send_shaped(method, host, path):
    assert not barrier().is_send_shaped(method, host, path)


class Untouchable(bytes):
    """A body that fails the test if anything reads it."""

    def _touched(self, *args, **kwargs):
        raise AssertionError("the body of a request that cannot send was read")

    __getitem__ = __len__ = __iter__ = __bytes__ = __buffer__ = startswith = decode = split = _touched


@pytest.mark.parametrize(("method", "host", "path"), NOT_SEND_SHAPED)
def test_bodies_of_other_requests_are_never_read(method, host, path):
    assert barrier().inspect(method, host, path, {"content-type": "application/json"}, Untouchable()) is None


def test_host_forms():
    b = barrier()
    for host in ("MAIL.GOOGLE.COM", "mail.google.com.", "Outlook.Office365.com"):
        assert b.is_send_shaped("post", host, "/mail/u/0/?act=sm") or b.is_send_shaped(
            "POST", host, "/owa/service.svc?action=CreateItem"), host


# --- encodings -------------------------------------------------------------------------------------

TO_PERSON = {"to": "Casey <casey.l@example.org>", "subject": "hello", "textBody": "it's me"}
MULTIPART = (
    "--XyZ\r\nContent-Disposition: form-data; name=\"to\"\r\n\r\ncasey.l@example.org\r\n"
    "--XyZ\r\nContent-Disposition: form-data; name=\"subject\"\r\n\r\nhello\r\n"
    "--XyZ\r\nContent-Disposition: form-data; name=\"textBody\"\r\n\r\nit's me\r\n--XyZ--\r\n"
)
ENCODINGS = [
    ("form", "application/x-www-form-urlencoded", "", "to=casey.l%40example.org&subject=hello&textBody=it%27s+me"),
    ("json", "application/json", "", json.dumps({"params": TO_PERSON})),
    ("text/plain json", "text/plain;charset=UTF-8", "", json.dumps({"params": TO_PERSON})),
    ("no content-type", "", "", json.dumps(TO_PERSON)),
    ("json in form", "application/x-www-form-urlencoded", "", "data=" + quote(json.dumps(TO_PERSON))),
    ("json in json string", "application/json", "", json.dumps({"payload": json.dumps({"params": TO_PERSON})})),
    ("form brackets", "application/x-www-form-urlencoded", "", "to[]=sam.r%40example.com&to[]=casey.l%40example.org"
                                                                "&subject=hello&textBody=it%27s+me"),
    ("multipart", "multipart/form-data; boundary=XyZ", "", MULTIPART),
    ("multipart, LF only", "multipart/form-data; boundary=\"XyZ\"", "", MULTIPART.replace("\r\n", "\n")),
    ("gzip", "application/json", "gzip", json.dumps(TO_PERSON)),
    ("br", "application/json", "br", json.dumps(TO_PERSON)),
    ("deflate", "application/json", "deflate", json.dumps(TO_PERSON)),
    ("gzip, br", "application/x-www-form-urlencoded", "gzip, br", "to=casey.l%40example.org&subject=hello"),
    ("multipart gzip", "multipart/form-data; boundary=XyZ", "gzip", MULTIPART),
    ("zstd", "application/json", "zstd", json.dumps(TO_PERSON)),
]


@pytest.mark.parametrize(("name", "content_type", "content_encoding", "body"), ENCODINGS, ids=[e[0] for e in ENCODINGS])
def test_encodings(name, content_type, content_encoding, body):
    headers = {"content-type": content_type, "content-encoding": content_encoding}
    wire = encode(body.encode(), content_encoding)
    send = barrier().inspect("POST", "p31-mailws.icloud.com", "/wm/message?clientBuildNumber=2420Project35", headers,
                             wire)
    assert send is not None and send.service == "icloud" and send.recipients_matched == ("email:casey.l@example.org",)
    assert send.subject == "hello"
    if "br" not in content_encoding or name == "br":
        assert send.text in ("it's me", None)


def test_compressed_without_saying_so():
    """A page that gzips its own body may send no Content-Encoding: the magic bytes tell."""
    wire = gzip.compress(json.dumps(TO_PERSON).encode())
    assert barrier().inspect("POST", "p31-mailws.icloud.com", "/wm/message", {}, wire) is not None


@pytest.mark.parametrize(("encoding", "body"), [
    ("gzip", b"\x1f\x8b\x08\x00not gzip at all"),
    ("br", b"\xff\xfe\xfd not brotli"),
    ("deflate", b"not deflate"),
])
def test_unreadable_bodies_with_no_recipient_pass(encoding, body):
    headers = {"content-type": "application/x-www-form-urlencoded", "content-encoding": encoding}
    assert barrier().inspect("POST", "mail.google.com", "/mail/u/0/?act=sm", headers, body) is None


@pytest.mark.parametrize("encoding", ["compress", "gzip", "br"])
def test_a_body_that_is_not_what_its_header_says_is_read_as_it_is(encoding):
    headers = {"content-type": "application/x-www-form-urlencoded", "content-encoding": encoding}
    body = b"to=casey.l%40example.org&subject=hi&body=hello"
    assert barrier().inspect("POST", "mail.google.com", "/mail/u/0/?act=sm", headers, body) is not None


@pytest.mark.parametrize("body", [
    b"[" * 100_000,
    b'{"to":' * 50_000,
    b"\x00\xff" * 1000,
    b"to=" + b"%" * 100_000,
    b'{"to":["' + b"@" * 200_000 + b'"]}',
    "{\"to\": \"\ud800\"}".encode("utf-8", "surrogatepass"),
])
def test_hostile_bodies_are_harmless(body):
    for content_type in ("application/json", "application/x-www-form-urlencoded", "multipart/form-data; boundary=[",
                         "multipart/form-data", ""):
        assert barrier().inspect("POST", "mail.yahoo.com", "/ws/v3/batch", {"content-type": content_type},
                                 body) is None


# --- WebSocket ----------------------------------------------------------------------------------------


def test_websocket_messages():
    b = barrier()
    sent = next(f for f in ALL if f.name == "facebook_ws_send")
    frame = sent.wire()
    assert isinstance(frame, bytes) and frame[:1] == b"\x32"
    assert b.inspect_websocket("edge-chat.facebook.com", "/chat?region=prn", frame).person == "J"
    assert b.inspect_websocket("edge-chat.messenger.com", "/chat", sent.text).person == "J"  # a text frame
    assert b.inspect_websocket("edge-chat.facebook.com", "/chat", b"\xc0\x00") is None  # MQTT PINGREQ
    assert b.inspect_websocket("edge-chat.facebook.com", "/chat", b"\x10\x1a\x00\x04MQTToT") is None
    assert b.inspect_websocket("gateway.discord.gg", "/?v=9", sent.text) is None  # not a watched WebSocket
    assert b.inspect_websocket("x.com", "/", sent.text) is None
    assert barrier({"email"}).inspect_websocket("edge-chat.facebook.com", "/chat", frame) is None


def test_websocket_frame_with_a_brace_in_its_header():
    payload = next(f for f in ALL if f.name == "facebook_ws_send").text.encode()
    frame = mqtt_publish("/ls_req", payload, packet_id=0x7B7B)  # "{{" as the packet id
    assert barrier().inspect_websocket("edge-chat.facebook.com", "/chat", frame).person == "J"


# --- size bound -------------------------------------------------------------------------------------


def owa_body(body_chars: int, to: str = "casey.l@example.org") -> bytes:
    return json.dumps({"Body": {"Items": [{
        "Subject": "long", "Body": {"BodyType": "HTML", "Value": "<div>" + "x" * body_chars + "</div>"},
        "ToRecipients": [{"EmailAddress": to}]}], "MessageDisposition": "SendAndSaveCopy"}}).encode()


OWA = ("POST", "outlook.live.com", "/owa/0/service.svc?action=CreateItem&app=Mail")


def test_above_the_bound_recipients_first_are_read():
    """Gmail puts the recipients first: the first 2 MiB show them; the text kept is cut."""
    body = b"to=casey.l%40example.org&subject=long&body=" + b"y" * (3 * MAX_BODY)
    work = Work()
    send = barrier().inspect("POST", "mail.google.com", "/mail/u/0/?act=sm", {}, body, work=work)
    assert send is not None and send.person == "J"
    assert send.text == "y" * MAX_LETTER
    assert work.read == MAX_BODY and work.nodes == 3  # read once, to the bound: three form fields


def test_above_the_bound_recipients_after_the_body_are_read_again():
    """Outlook puts the recipients after the body: no recipient in the first 2 MiB, so up to 16 MiB is read."""
    send = barrier().inspect(*OWA, {"content-type": "application/json"}, owa_body(3 * MAX_BODY))
    assert send is not None and send.recipients_matched == ("email:casey.l@example.org",)
    assert send.subject == "long"


def test_above_eight_times_the_bound_it_passes():
    b = barrier()
    assert b.inspect(*OWA, {}, owa_body(6_000), max_body=1024) is not None  # within 8 KiB
    assert b.inspect(*OWA, {}, owa_body(9_000), max_body=1024) is None  # beyond: passes (documented)


def test_a_cut_json_text_is_closed_to_read_its_start():
    head = '{"to": ["casey.l@example.org"], "cc": [], "textBody": "'
    cut = (head + "z" * 5000 + '"}').encode()
    send = barrier().inspect("POST", "p31-mailws.icloud.com", "/wm/message", {"content-type": "application/json"}, cut,
                             max_body=1000)
    assert send is not None and send.text == "z" * (1000 - len(head))  # the text up to the cut is kept


@pytest.mark.parametrize(("text", "value"), [
    ('{"a": {"to": "x@y.z", "body": "abc', {"a": {"to": "x@y.z", "body": "abc"}}),
    ('{"a": [1, 2, ', {"a": [1, 2]}),
    ('{"a": ', {"a": None}),
    ('{"a": 1, "b"', {"a": 1, "b": None}),
    ('{"a": "x\\"y', {"a": 'x"y'}),
    ('[[1, "q\\', [[1, "q"]]),
    ('{"a": tru', {"a": None}),
    ('{"a": "\\u00', {"a": ""}),
    ('{"a": 1, "b', {"a": 1, "b": None}),
    ('{"a": [1, 2], "b": [3, tr', {"a": [1, 2], "b": []}),
    ('not json', None),
])
def test_json_cut_short(text, value):
    assert load_json(text, True) == value


def test_json_cut_short_stays_cheap():
    deep, work = '{"x":' + '{"a":[1,2,"b"],' * 100_000, Work()
    assert load_json(deep, True, work) is None  # nested deeper than any message
    assert work.tokens < 5 * MAX_DEPTH and work.parsed == len(deep)  # given up at the depth bound, nothing tried
    strings, work = "[" + '"a",' * 150_000, Work()
    assert len(load_json(strings, True, work)) == 150_000
    assert work.tokens == 150_001 and work.parsed <= 2 * len(strings) + 2  # the whole, then the first closing
    brackets, work = "[" + "{}," * 7_000_000, Work()
    assert len(load_json(brackets, True, work)) < 200_000  # more brackets than any message: closed early
    assert work.tokens <= MAX_TOKENS + 2  # the scan stopped at its bound, not at the 14 million tokens
    assert work.parsed < len(brackets) + len(brackets) // 10  # the closings were tried on its start only


def test_a_small_compressed_body_made_to_be_slow_is_read_within_bounds():
    """21 KB of gzip that unpacks to 21 MB of tiny JSON: read to the bound, not parsed for seconds (bench.barrier)."""
    config = parse_config("people:\n  - alias: J\n    emails: [casey.l@example.org]\nbarrier: {email: true}\n")
    barrier = Barrier(config.people, config.barrier.families)
    body = gzip.compress(("[" + "{}," * (7 << 20) + "{}]").encode(), 9)
    for host, path in (("mail.google.com", "/mail/u/0/?act=sm"), ("outlook.live.com", "/owa/service.svc?action=CreateItem")):
        work = Work()
        assert barrier.inspect("POST", host, path, {"content-type": "application/json"}, body, work=work) is None
        # No recipient in the first 2 MiB, so it is read again to 16 MiB: twice, each time within the bounds.
        assert work.read == (1 + FULL_READ) * MAX_BODY and work.decoded <= work.read + 2
        assert work.tokens <= 2 * (MAX_TOKENS + 2) and work.nodes <= 2 * MAX_NODES
        assert work.parsed < 2 * work.read  # each text parsed whole once, then only its closed start
    assert is_compressed({}, body) and not is_compressed({}, b"to=x")


@pytest.mark.parametrize("words", ['<p style="a">\u00e9 "quoted"\n', "\u0416\u0430\u00e9", "say \\ back"])
def test_a_large_body_cut_anywhere_in_an_escape_still_shows_its_recipients(words):
    """Cut at 2 MiB, the text may end inside an escape (\\", \\u00e9): every way of closing it is tried."""
    config = parse_config("people:\n  - alias: J\n    emails: [casey.l@example.org]\nbarrier: {email: true}\n")
    barrier = Barrier(config.people, config.barrier.families)
    filler = json.dumps(words)[1:-1]  # as a JSON string carries it: \" \n \u0416 \\
    for pad in range(12):
        body = '{"to":["casey.l@example.org"],"subject":"' + "x" * pad + '","textbody":"' + filler * (MAX_BODY // 4)
        assert barrier.inspect("POST", "p31-mailws.icloud.com", "/wm/message", {"content-type": "application/json"},
                               (body + '"}').encode()), pad


def test_recipients_after_a_large_body_are_found_on_any_service():
    config = parse_config("people:\n  - alias: J\n    emails: [casey.l@example.org]\nbarrier: {email: true}\n")
    barrier = Barrier(config.people, config.barrier.families)
    body = json.dumps({"subject": "hi", "textbody": "abcdefgh" * (MAX_BODY // 8 + 1000), "to": ["casey.l@example.org"]})
    for host, path in (("p31-mailws.icloud.com", "/wm/message"), ("mail.yahoo.com", "/ws/v3/batch")):
        assert barrier.inspect("POST", host, path, {"content-type": "application/json"}, body.encode()) or \
            host == "mail.yahoo.com", host  # Yahoo's batch wraps its message differently; iCloud must hold


def test_compression_bombs_stay_bounded():
    inner = b'{"to":"casey.l@example.org","body":"' + b" " * (64 * 1024 * 1024) + b'"}'
    for coding, packed in (("gzip", gzip.compress(inner, 1)), ("br", brotli.compress(inner, quality=1))):
        assert len(packed) < 2 * 1024 * 1024
        work = Work()
        decoded = decode_body(packed, coding, MAX_BODY, work)
        assert decoded is not None and len(decoded[0]) == MAX_BODY and decoded[1] is True
        # gzip stops one byte past the bound; brotli after the step that passed it (16 input bytes: 16 MiB at most)
        assert work.decoded == MAX_BODY + 1 if coding == "gzip" else work.decoded <= MAX_BODY + (16 << 20), coding
        send = barrier().inspect("POST", "mail.aol.com", "/ws/v3/batch", {"content-encoding": coding}, packed)
        assert send is not None and send.person == "J"


# --- the letter -----------------------------------------------------------------------------------------


def test_plain_text():
    assert plain_text("<html><head><style>p{}</style></head><body><p>one</p><p>two &amp; three</p></body></html>") \
        == "one\ntwo & three"
    assert plain_text("I <3 you\n  ") == "I <3 you"
    assert plain_text("-----BEGIN PGP MESSAGE-----\nabc\n-----END PGP MESSAGE-----") == ""
    assert plain_text("<script>alert(1)</script>hi<br/>there") == "hi\nthere"


@pytest.mark.parametrize("message", [
    '<div dir="ltr">Please stop.</div><br><div class="gmail_quote"><div class="gmail_attr">On Tue, Jun 2, 2026 at '
    '9:00 PM Casey Lindqvist &lt;casey.l@example.org&gt; wrote:<br></div><blockquote class="gmail_quote">you will '
    'regret this</blockquote></div>',
    "Please stop.\n\nOn Tue, Jun 2, 2026 at 9:00 PM Casey Lindqvist <casey.l@example.org> wrote:\n> you will regret this",
    '<div>Please stop.</div><div id="appendonsend"></div><hr><div id="divRplyFwdMsg"><b>From:</b> Casey Lindqvist'
    '</div><div>you will regret this</div>',
    "Please stop.\n\n________________________________\nFrom: Casey Lindqvist\nSent: Tuesday\nyou will regret this",
    "Please stop.\n\n-----Original Message-----\nFrom: Casey Lindqvist\nyou will regret this",
    "Please stop.\n\nLe mar. 2 juin 2026, Casey Lindqvist <casey.l@example.org> a écrit :\n> you will regret this",
])
def test_a_letter_keeps_the_persons_own_words_never_the_message_they_answer(message):
    assert plain_text(message) == "Please stop."


def test_quotes_inside_a_reply_are_left_out_and_the_rest_is_kept():
    assert plain_text("Line one\n> quoted\nmy reply\n") == "Line one\nmy reply"
    assert plain_text('<p>a</p><blockquote type="cite">x<blockquote>y</blockquote>z</blockquote>') == "a"
    # An indent the person made (Gmail's indent button: a plain blockquote) is their own words.
    assert plain_text('<p>a</p><blockquote style="margin:0 0 0 40px">mine</blockquote><p>b</p>') == "a\nmine\nb"


@pytest.mark.parametrize("tail", ["<a " * 60_000, "<script>" * 30_000, "<br " * 30_000, "<style>x" * 30_000,
                                  'class="' * 50_000, "<blockquote>" * 20_000])
def test_no_message_makes_reading_its_words_slow(tail):
    # Each was seconds to minutes with patterns that backtrack; bench.barrier times them, and the suite's
    # timeout stops a test that hangs. Here: the words are still read, whatever follows them.
    assert plain_text("<p>hello</p>" + tail).startswith("hello")
    assert plain_text("I wrote: nothing special, on Tuesday.") == "I wrote: nothing special, on Tuesday."


def test_gmail_sync_reads_only_a_message_to_cc_and_bcc():
    config = parse_config("people:\n  - alias: J\n    emails: [casey.l@example.org]\nbarrier: {email: true}\n")
    barrier = Barrier(config.people, config.barrier.families)

    def sync(value) -> Send | None:
        return barrier.inspect("POST", "mail.google.com", "/sync/u/0/i/s", {"content-type": "application/json"},
                               json.dumps(value).encode())

    def message(sender, to, cc, bcc, msg_id="msg-a:r-1"):  # gmail.js: [id, sender, To, Cc, Bcc, _, time, subject, body]
        return [msg_id, sender, to, cc, bcc, None, "1732680000000", "s", [None, [[None, "<p>hi</p>"]]]]

    me, person, other = [1, "me@example.com"], [1, "casey.l@example.org", "Casey"], [1, "sam.r@example.com", "Sam"]
    for to, cc, bcc in (([person], [], []), ([other], [person], []), ([other], [], [person])):
        send = sync([[message(me, to, cc, bcc)]])
        assert send and (send.subject, send.text) == ("s", "hi")  # never the time as the subject
    # Blocking them, a filter naming them, a message from them, a stray contact: none is a send to them.
    assert sync([[[None, None, [["op-block", [1, "casey.l@example.org"]]]]]]) is None
    assert sync([[message(person, [other], [], [])]]) is None
    assert sync([[message(me, [other], [], []), [None, "casey.l@example.org"]]]) is None
    # Actions name messages by id only: a list of ids is no message.
    assert sync([[["msg-f:1", "msg-f:2", "msg-f:3", [person]]]]) is None
    # The 2018-22 layout: numbered keys from "1"; and keys from "0" as gmail.js reads the arrays.
    keyed = {"1": "msg-a:r1", "2": {"2": "me@example.com"}, "3": [{"1": 1, "2": "casey.l@example.org"}],
             "7": "1525348076087", "8": "hello", "9": {"2": [{"1": 0, "2": "<div>again</div>"}]}}
    send = sync({"2": {"6": [{"1": {"5": [keyed]}}]}})
    assert send and (send.subject, send.text) == ("hello", "again")
    zero = {str(i): v for i, v in enumerate(message(me, [], [], [person]))}
    assert sync({"x": [zero]})


def test_a_phone_number_in_any_usual_form_is_a_recipient():
    config = parse_config("people:\n  - alias: J\n    phones: ['+1 202 555 0143']\nbarrier: {payments: true}\n")
    barrier = Barrier(config.people, config.barrier.families)
    for phone in ("(202) 555-0143", "202-555-0143", "+1 (202) 555-0143", "2025550143"):
        fixture = next(f for f in ALL if f.name.startswith("venmo"))
        body = json.dumps({"recipient": {"phone": phone}, "note": "for the kids' shoes", "amount": 40}).encode()
        assert barrier.inspect("POST", fixture.host, fixture.path, {"content-type": "application/json"}, body), phone


def test_send_is_frozen():
    send = run(next(f for f in ALL if f.name == "gmail_form_to"))
    with pytest.raises(FrozenInstanceError):
        send.person = "X"
