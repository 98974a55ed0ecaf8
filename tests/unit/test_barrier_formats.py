"""Formats of today's sends that no field name says (agent/barrier/readers.py, keys.py): XChat, JMAP, LinkedIn's
conversation forms, X's two-sided conversation ids, Venmo's user ids, Instagram's GraphQL sends."""

from __future__ import annotations

import base64
import json
import random
from urllib.parse import quote

import pytest

from agent.barrier import readers
from agent.barrier.keys import account_keys, thread_key, thread_keys
from agent.engine.jsonwalk import Budget
from tests.unit.test_barrier import ALL, barrier, run
from tests.unit.test_barrier_learn import ALL as RESPONSES
from tests.unit.test_barrier_learn import barrier as handles_only

JSON = {"content-type": "application/json"}
XCHAT = ("POST", "api.x.com", "/graphql/LkAIEchf8AGj-WgeLoTVcw/SendMessageMutation", JSON)


def xchat(conversation: str, event: str = "") -> bytes:
    return json.dumps({"operationName": "SendMessageMutation", "variables": {
        "conversation_id": conversation, "message_id": "m1", "encoded_message_create_event": event}}).encode()


# --- X -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("conversation", ["1570000000000000001:1402381655309180929",
                                          "1402381655309180929:1570000000000000001",
                                          "1402381655309180929-1570000000000000001"])
def test_x_a_conversation_of_two_ties_either_side(conversation):
    send = barrier().inspect(*XCHAT, xchat(conversation))
    assert send is not None and send.recipients_matched == ("x:id:1570000000000000001",)


def test_x_both_forms_of_the_mutation_and_no_other():
    b = barrier()
    body = xchat("1402381655309180929:1570000000000000001")
    for host, path in (("api.x.com", "/graphql/h/SendMessageMutation"), ("x.com", "/i/api/graphql/h/SendMessageMutation"),
                       ("twitter.com", "/i/api/graphql/h/useSendMessageMutation")):
        assert b.inspect("POST", host, path, JSON, body).service == "x", (host, path)
    for path in ("/graphql/h/DeleteMessageMutation", "/graphql/h/GetConversationPageQuery"):
        assert b.inspect("POST", "api.x.com", path, JSON, body) is None


def test_x_conversation_keys():
    assert thread_key("x", "1402:1570") == thread_key("x", "1402-1570") == "x:thread:1402-1570"
    assert thread_key("x", "g159") == thread_key("x", "159") == "x:thread:159"
    assert list(thread_keys("x", "1570:1402")) == ["x:thread:1570-1402", "x:id:1570", "x:id:1402"]
    assert list(account_keys("linkedin", "urn:li:fsd_profile:ACoAAB9x")) == ["linkedin:acoaab9x"]
    assert list(account_keys("reddit", "@t2_abc:reddit.com")) == ["reddit:t2_abc"]


def test_x_a_learnt_inbox_ties_xchat_conversations():
    b = handles_only()
    assert b.inspect(*XCHAT, xchat("1402381655309180929:1570000000000000001")) is None  # a handle alone
    next(r for r in RESPONSES if r.name == "x_xchat_inbox").feed(b)
    assert b.inspect(*XCHAT, xchat("1570000000000000001:1402381655309180929")).person == "J"
    assert b.inspect(*XCHAT, xchat("g1591234567890123456")).person == "J"
    assert b.inspect(*XCHAT, xchat("1288833444555666777:1402381655309180929")) is None


def test_xchat_words_are_read_only_from_a_plain_event():
    plain = next(f for f in ALL if f.name == "x_xchat_send")
    assert run(plain).text == "Our song came on the radio."
    assert run(next(f for f in ALL if f.name == "x_xchat_send_encrypted")).text is None
    for event in ("", "not base64 !!", base64.b64encode(b"\x0b\x00\x64\x7f\xff\xff\xff").decode(),
                  base64.b64encode(b"\x0c" * 5000).decode(), base64.b64encode(b"\x0f\x00\x64\x0c\x7f\xff\xff\xff").decode()):
        send = barrier().inspect(*XCHAT, xchat("1402381655309180929:1570000000000000001", event))
        assert send is not None and send.text is None


def test_thrift_reading_never_raises():
    rng = random.Random(5)
    event = json.loads(next(f for f in ALL if f.name == "x_xchat_send").text)["variables"]["encoded_message_create_event"]
    raw = bytearray(base64.b64decode(event))
    for _ in range(500):
        mangled = bytearray(raw)
        mangled[rng.randrange(len(mangled))] = rng.randrange(256)
        readers.xchat_text([{"encoded_message_create_event": base64.b64encode(bytes(mangled)).decode()}], Budget(100))


# --- LinkedIn ----------------------------------------------------------------------------------------

THREAD = "2-ZmQ5NjE0YjMtNGI2Ny00ZDk1LTg1ZjItMGE1ZDc5YzQ3OTQ2XzAxMA=="


@pytest.mark.parametrize("form", [THREAD, quote(THREAD, safe=""), f"urn:li:messagingThread:{THREAD}",
                                  f"urn:li:fs_conversation:{THREAD}",
                                  f"urn:li:msg_conversation:(urn:li:fsd_profile:ACoAAAbCdEf123,{THREAD})"])
def test_linkedin_one_conversation_whatever_names_it(form):
    assert thread_key("linkedin", form) == f"linkedin:thread:{THREAD}"


def test_linkedin_the_legacy_send_names_its_conversation_in_the_path():
    b = barrier()
    b.learn("J", "linkedin", f"urn:li:messagingThread:{THREAD}", "thread")
    body = json.dumps({"eventCreate": {"value": {"com.linkedin.voyager.messaging.create.MessageCreate": {
        "attributedBody": {"text": "hi", "attributes": []}, "attachments": []}}}}).encode()
    path = "/voyager/api/messaging/conversations/{}/events?action=create"
    assert b.inspect("POST", "www.linkedin.com", path.format(quote(THREAD, safe="")), JSON, body).text == "hi"
    assert b.inspect("POST", "www.linkedin.com", path.format("2-b3RoZXItY29udmVyc2F0aW9uXzAxMA=="), JSON, body) is None
    # A new conversation with the person's member id (learnt from their profile) in recipients.
    fresh = handles_only()
    next(r for r in RESPONSES if r.name == "linkedin_profile").feed(fresh)
    new = json.dumps({"keyVersion": "LEGACY_INBOX", "conversationCreate": {"recipients": ["ACoAAB9xQzL0cK2m"],
                                                                          "subtype": "MEMBER_TO_MEMBER"}}).encode()
    assert fresh.inspect("POST", "www.linkedin.com", "/voyager/api/messaging/conversations?action=create", JSON,
                         new).person == "J"


# --- mail look-alikes -----------------------------------------------------------------------------------

FASTMAIL = ("POST", "api.fastmail.com", "/jmap/api/", JSON)


def jmap(*calls) -> bytes:
    return json.dumps({"using": ["urn:ietf:params:jmap:mail"], "methodCalls": list(calls)}).encode()


def test_jmap_reads_only_what_creates_changes_or_submits_a_message():
    b = barrier()
    person = {"email": "casey.l@example.org"}
    for filter_ in ({"to": "casey.l@example.org"}, {"from": "casey.l@example.org"}, {"text": "casey.l@example.org"}):
        assert b.inspect(*FASTMAIL, jmap(["Email/query", {"filter": filter_}, "0"])) is None
    assert b.inspect(*FASTMAIL, jmap(["Email/get", {"ids": ["M1"], "properties": ["to"]}, "0"])) is None
    assert b.inspect(*FASTMAIL, jmap(["Email/set", {"create": {"d": {"to": [person], "subject": "x"}}}, "0"]))
    assert b.inspect(*FASTMAIL, jmap(["Email/set", {"update": {"M1": {"cc": [person]}}}, "0"]))
    assert b.inspect(*FASTMAIL, jmap(["EmailSubmission/set", {"create": {"s": {"envelope": {"rcptTo": [person]}}}},
                                      "0"]))
    # A body that is no JMAP request is read by its fields, as before.
    assert b.inspect("POST", "mail.proton.me", "/api/mail/v4/messages", JSON,
                     json.dumps({"Message": {"ToList": [{"Address": "casey.l@example.org"}]}}).encode())


def test_outlook_reads_only_its_send_and_draft_actions():
    b = barrier()
    body = json.dumps({"Body": {"Recipients": [{"EmailAddress": "casey.l@example.org"}],
                                "Items": [{"ToRecipients": [{"EmailAddress": "casey.l@example.org"}]}]}}).encode()
    for action in ("GetMailTips", "FindPeople", "ResolveNames", "GetPersona", "FindItem", "GetItem"):
        assert not b.is_send_shaped("POST", "outlook.live.com", f"/owa/0/service.svc?action={action}&app=Mail")
        assert b.inspect("POST", "outlook.live.com", f"/owa/0/service.svc?action={action}&app=Mail", JSON, body) is None
    for action in ("CreateItem", "UpdateItem"):
        assert b.inspect("POST", "outlook.live.com", f"/owa/0/service.svc?action={action}&app=Mail", JSON, body)


# --- Venmo, Instagram ---------------------------------------------------------------------------------------


def test_venmo_payments_by_user_id_after_a_profile_or_search():
    pay = ("POST", "account.venmo.com", "/api/payments", JSON,
           json.dumps({"targetUserDetails": {"userId": "2859950549165568970"}, "amountInCents": 500,
                       "note": "coffee", "type": "pay"}).encode())
    for name in ("venmo_user_search", "venmo_people_search"):
        b = handles_only()
        assert b.inspect(*pay) is None
        next(r for r in RESPONSES if r.name == name).feed(b)
        send = b.inspect(*pay)
        assert send.person == "J" and send.family == "payments" and send.text == "coffee", name
    other = json.loads(pay[4])
    other["targetUserDetails"]["userId"] = "2859950549165500000"  # the look-alike in the same search
    assert b.inspect(*pay[:4], json.dumps(other).encode()) is None


def test_instagram_the_web_inbox_ties_its_thread_keys_and_the_graphql_send():
    b = handles_only()
    next(r for r in RESPONSES if r.name == "instagram_slide_inbox").feed(b)
    fixture = next(f for f in ALL if f.name == "instagram_graphql_send_learned")
    send = b.inspect(fixture.method, fixture.host, fixture.path, fixture.headers, fixture.wire())
    assert send.person == "J" and send.text == "I miss you."
    socket = json.dumps({"app_id": "936619743392459", "request_id": 3, "type": 3, "payload": json.dumps({"tasks": [
        {"label": "46", "task_id": 1, "payload": json.dumps({"thread_id": 110598887654321, "otid": "1",
                                                              "send_type": 1, "text": "hey"})}]})})
    assert b.inspect_websocket("gateway.instagram.com", "/ws/lightspeed", socket).person == "J"
