"""The services table: which requests of which mail, message and payment services are sends.

Pure data (and the reader of one layout without field names); no I/O, no decoding, so the policy
can ask which hosts the barrier watches (`hosts`) without building a barrier.

One row, an `Endpoint`, per way a service sends: its host suffixes, the paths that can send, which
body fields hold recipients and how each is read, and where the subject and text are (kept as the
"unsent letter"). A field is a recipient when it is one of the last three keys of a leaf. A service
may have several rows (Gmail's form send and its /sync/ arrays); every mail service also gets a
fallback row after its own: any send-shaped POST with to/cc/bcc-like fields.

Drafts count: a draft saved with the person as a recipient (Outlook's SaveOnly, Gmail and Yahoo
draft saves) is held too, because once a recipient is saved into a server-side draft the later send
request need not name it again.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

FAMILIES = ("email", "social_messages", "payments")


@dataclass
class Envelope:
    """What one body says to a service: who it goes to, and its subject and words."""

    recipients: list[tuple[str, str]] = field(default_factory=list)  # (kind, value)
    subject: str | None = None
    text: str | None = None
    cut: bool = False  # more body than was read
    whole: bool = False  # a reader said every recipient there is: the fields are not read for more


@dataclass(frozen=True)
class Endpoint:
    """One way a service sends (a row of SERVICES): where its sends go, and which fields say what."""

    name: str  # the service: "gmail", "outlook", ...
    family: str
    hosts: tuple[str, ...]  # host suffixes
    path: re.Pattern[str] | None  # send-shaped path+query; a (?P<thread>...) group is a recipient; None: WebSocket only
    to: dict[str, str] = field(default_factory=dict)  # recipient field -> kind: email|phone|contact|account|thread
    subject: tuple[str, ...] = ()  # field names, or dotted key suffixes ("body.value")
    text: tuple[str, ...] = ()
    platform: str = ""  # whose handles and ids the account and thread kinds name
    when: tuple[str, re.Pattern[str]] | None = None  # a field whose value must match, or it is no send
    reader: str = ""  # a reader in agent/barrier/readers.py, for layouts that no field name says (Gmail's arrays)
    websocket: bool = False  # its WebSocket messages (Lightspeed tasks) are read instead of request bodies


def _re(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


MAIL_TO = {"to": "email", "cc": "email", "bcc": "email"}
ANY_MAIL_TO = MAIL_TO | {
    name: "email"
    for name in """recipients torecipients ccrecipients bccrecipients tolist cclist bcclist toaddresses
    ccaddresses bccaddresses rcptto""".split()
}
MAIL_TEXT = ("body.value", "textbody", "htmlbody", "body", "text", "html", "content")
# The fallback's paths, by the path alone: a query parameter every page of a web mail carries (Outlook's
# app=Mail) must not make its every call a send.
ANY_SEND = _re(r"^[^?#]*(?:send|submit|compose|draft|message|mail|batch|rpc|jmap)")
FACEBOOK = ("facebook.com", "messenger.com")
FACEBOOK_TO = {
    name: "account"
    for name in "thread_id thread_fbid other_user_fbid other_user_id recipient_id recipient_ids specific_to_list ids".split()
}
YAHOO = Endpoint(
    "yahoo", "email", ("mail.yahoo.com",), _re(r"^/ws/v3/batch(?:\?|$)"), MAIL_TO,
    ("subject",), ("simplebody.html", "simplebody.text"),
)
GMX = Endpoint("gmx", "email", ("gmx.net", "gmx.de", "gmx.at", "gmx.ch", "gmx.com", "gmx.fr", "gmx.es", "gmx.co.uk",
                                "mail.com"), _re(r"^/mail/client/[^?]*send"), MAIL_TO, ("subject",), ("text", "body", "html"))
WEBMAIL = Endpoint(  # any other web mail, and the fallback on every mail host above
    "webmail", "email", ("mail.proton.me", "mail.protonmail.com", "fastmail.com", "mail.zoho.com", "mail.zoho.eu",
                         "posteo.de", "mailbox.org"), ANY_SEND, ANY_MAIL_TO, ("subject",), MAIL_TEXT, reader="jmap",
)


SERVICES: tuple[Endpoint, ...] = (
    # --- email ---
    Endpoint("gmail", "email", ("mail.google.com",), _re(r"^/mail/[^#]*[?&]act=sm(?:&|$)"), MAIL_TO,
             ("subject",), ("body",)),
    Endpoint("gmail", "email", ("mail.google.com",), _re(r"^/sync/u/\d+/i/s(?:\?|$)"), reader="gmail_sync"),
    Endpoint("outlook", "email", ("outlook.live.com", "outlook.office.com", "outlook.office365.com",
                                  "outlook.cloud.microsoft"),
             _re(r"/service\.svc\?(?:[^#]*&)?action=(?:CreateItem|UpdateItem|SendItem)(?:&|$)"),
             {name: "email" for name in
              "torecipients ccrecipients bccrecipients requiredattendees optionalattendees".split()},
             ("subject",), ("body.value",)),
    YAHOO,
    replace(YAHOO, name="aol", hosts=("mail.aol.com",)),  # AOL Mail runs on Yahoo's mail service
    Endpoint("icloud", "email", ("icloud.com",), _re(r"^/wm/message(?:\?|$)"), MAIL_TO,
             ("subject",), ("textbody", "body")),
    GMX,
    replace(GMX, name="webde", hosts=("web.de",)),
    WEBMAIL,
    # --- social messages ---
    Endpoint("x", "social_messages", ("x.com", "twitter.com"),
             _re(r"^/(?:i/api/)?1\.1/(?:dm/new2?\.json|direct_messages/(?:events/)?new\.json)"
                 r"|^/(?:i/api/)?graphql/[^/]+/(?:use)?SendMessageMutation(?:\?|$)"),  # XChat: api.x.com/graphql/...
             {name: "account" for name in
              "recipient_ids participant_ids recipient_id screen_name recipient_screen_name".split()}
             | {"conversation_id": "thread"}, text=("text",), platform="x", reader="xchat_text"),
    Endpoint("facebook", "social_messages", FACEBOOK, _re(r"^/api/graphql/?(?:\?|$)"), FACEBOOK_TO,
             text=("message.text", "text", "body"), platform="facebook",
             when=("fb_api_req_friendly_name", _re(r"^(?!.*(?:typing|read|seen|receipt)).*send"))),
    Endpoint("facebook", "social_messages", FACEBOOK, _re(r"^/(?:messaging|messages)/send/?(?:\?|$)"), FACEBOOK_TO,
             text=("body", "text"), platform="facebook"),
    # Lightspeed tasks on the chat sockets (edge-chat over MQTT, gateway /ws/lightspeed): agent/barrier/lightspeed.py
    Endpoint("facebook", "social_messages", FACEBOOK, None, platform="facebook", websocket=True),
    Endpoint("instagram", "social_messages", ("instagram.com",),
             _re(r"^/api/v1/direct_v2/(?:threads/broadcast/[a-z_]+|create_group_thread)/?(?:\?|$)"),
             {"recipient_users": "account", "thread_ids": "thread", "thread_id": "thread"},
             text=("text",), platform="instagram"),
    # The web app's GraphQL sends (IGDirectTextSendMutation, IGDirectMediaSendMutation: ig_thread_igid, recipient_igids,
    # thread_id, text.sensitive_string_value; mautrix/meta pkg/instameow/graphql.go, slidetypes/requests.go).
    Endpoint("instagram", "social_messages", ("instagram.com",), _re(r"^/(?:api/graphql|graphql/query)/?(?:\?|$)"),
             {"ig_thread_igid": "thread", "recipient_igids": "account", "thread_id": "thread", "thread_fbid": "thread",
              "recipient_users": "account"},
             text=("text.sensitive_string_value", "body.sensitive_string_value", "text"), platform="instagram",
             when=("fb_api_req_friendly_name", _re(r"^(?!.*(?:typing|read|seen|receipt|validation)).*send"))),
    Endpoint("instagram", "social_messages", ("instagram.com",), None, platform="instagram", websocket=True),
    Endpoint("linkedin", "social_messages", ("linkedin.com",),
             # The legacy form names an existing conversation in its path only: .../conversations/<id>/events
             _re(r"^/voyager/api/(?:voyagerMessagingDashMessengerMessages|messaging/conversations"
                 r"(?:/(?P<thread>[^/?]+)/events)?)\?(?:[^#]*&)?action=create(?:Message)?(?:&|$)"),
             {"recipients": "account", "hostrecipienturns": "account", "conversationurn": "thread"},
             ("subject",), ("text",), platform="linkedin"),
    Endpoint("reddit", "social_messages", ("reddit.com",), _re(r"^/api/compose/?(?:\?|$)"), {"to": "account"},
             ("subject",), ("text",), platform="reddit"),
    Endpoint("reddit", "social_messages", ("redditspace.com",), _re(r"^/_matrix/client/(?:r0|v3)/createRoom"),
             {"invite": "account"}, platform="reddit"),
    Endpoint("reddit", "social_messages", ("redditspace.com",),
             _re(r"^/_matrix/client/(?:r0|v3)/rooms/(?P<thread>[^/?]+)/send/"), text=("body",), platform="reddit"),
    Endpoint("discord", "social_messages", ("discord.com", "discordapp.com"),
             _re(r"^/api/(?:v\d+/)?channels/(?P<thread>\d+)/messages/?(?:\?|$)"), text=("content",), platform="discord"),
    Endpoint("discord", "social_messages", ("discord.com", "discordapp.com"),
             _re(r"^/api/(?:v\d+/)?users/@me/channels/?(?:\?|$)"),
             {"recipients": "account", "recipient_id": "account"}, platform="discord"),
    # --- payments: money with a note is contact too ---
    Endpoint("venmo", "payments", ("venmo.com",), _re(r"^/(?:api/|v1/)+payments/?(?:\?|$)"),
             {"user_id": "account", "targetid": "contact", "userid": "account", "username": "account", "phone": "phone",
              "email": "email"},
             text=("note",), platform="venmo"),
    Endpoint("cashapp", "payments", ("cash.app",), _re(r"^/(?:api|2\.0)/[^?]*(?:pay|send|request|transfer)"),
             {"recipient": "contact", "recipients": "contact", "cashtag": "account", "recipient_cashtag": "account",
              "recipient_id": "account"}, text=("note",), platform="cashapp"),
    Endpoint("paypal", "payments", ("paypal.com",),
             _re(r"^/myaccount/transfer/[^?]*(?:send|request|pay|submit|confirm|preview)"),
             {"recipient": "contact", "recipients": "contact", "payee": "contact", "receiver": "contact",
              "emailorphone": "contact", "email": "email", "phone": "phone"},
             text=("note", "message")),
)


def _fallbacks() -> tuple[Endpoint, ...]:
    """Any send-shaped POST on a mail host with to/cc/bcc-like fields: after the specific paths."""
    hosts: dict[str, tuple[str, ...]] = {}
    for endpoint in SERVICES:
        if endpoint.family == "email" and endpoint.name != WEBMAIL.name:
            hosts[endpoint.name] = hosts.get(endpoint.name, ()) + endpoint.hosts
    return tuple(replace(WEBMAIL, name=name, hosts=tuple(dict.fromkeys(h))) for name, h in hosts.items())


SERVICES += _fallbacks()


def endpoints(families: Iterable[str]) -> tuple[Endpoint, ...]:
    """The rows of the enabled `families`, in table order (a service's own paths before the mail fallback)."""
    families = frozenset(families)
    unknown = families - set(FAMILIES)
    if unknown:
        raise ValueError(f"unknown barrier families: {', '.join(sorted(unknown))} (expected {', '.join(FAMILIES)})")
    return tuple(endpoint for endpoint in SERVICES if endpoint.family in families)


def hosts(families: Iterable[str]) -> frozenset[str]:
    """Host suffixes of the enabled families: they need TLS interception for the barrier to see sends."""
    return frozenset(host for endpoint in endpoints(families) for host in endpoint.hosts)
