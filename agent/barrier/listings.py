"""Listings: the responses in which a service shows accounts and threads (an inbox, a conversation, a
user lookup, a chat socket's sync), and how the ids in them are read.

Pure (no I/O). The barrier learns the ids a send names (X's numeric user ids and conversations,
Instagram's user ids and thread keys, LinkedIn's member ids and conversations, Reddit chat's @t2_
users and rooms, Venmo's user ids, Messenger's group threads) from these: an account id that sits in
the same object as a handle, a thread with its participants, and two ids that name the same account
or thread. Only listing paths of the barrier hosts are read (and Meta's chat sockets, for their
sync), at most MAX_RESPONSE bytes after decoding and MAX_RESPONSE_NODES JSON nodes. Where each
layout comes from is said beside it; a service that renames a field stops feeding the barrier
without raising.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from agent.barrier import lightspeed
from agent.barrier.body import Fields, Work
from agent.engine.jsonwalk import Budget, Keys, walk
from agent.engine.platforms import platform_named
from agent.engine.urls import parse

MAX_RESPONSE = 4 * 1024 * 1024  # bytes of a listing response read after decoding; a longer one is read to here
MAX_RESPONSE_NODES = 200_000  # JSON nodes walked per listing response
MAX_MEMBER_NODES = 2_000  # JSON nodes walked per thread's participants
MARKER_WINDOW = 16 * 1024  # decoded bytes looked through for a listing's marker before the whole is read
LISTING_METHODS = frozenset({"GET", "POST"})

Row = tuple[str, str, Any]  # ("account", id, handle) | ("thread", id, members) | ("same_account"|"same_thread", a, b)


def _re(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


@dataclass(frozen=True)
class Listing:
    """A response that lists accounts and threads: an inbox, a conversation, a user lookup, a chat sync."""

    platform: str
    hosts: tuple[str, ...]  # host suffixes
    path: re.Pattern[str] | None  # the paths whose JSON can carry these lists; None: the chat socket only
    ids: tuple[str, ...] = ()  # an account object's id fields, read next to ...
    handles: tuple[str, ...] = ()  # ... its handle, in the same object (dotted: "legacy.screen_name")
    threads: tuple[str, ...] = ()  # a thread object's id fields, read next to ...
    members: tuple[str, ...] = ()  # ... its list of participants
    member: frozenset[str] = frozenset()  # the fields (lower case) in a participant that name it; a bare string counts
    skip: frozenset[str] = frozenset()  # fields never walked: messages and events, not lists of people
    reader: Callable[[Any, Budget, str], Iterator[Row]] | None = None  # for layouts without such objects
    markers: tuple[bytes, ...] = ()  # one must be in the first MARKER_WINDOW bytes, or the response is not read
    websocket: bool = False  # the service's chat socket sends these too (server to client)
    family: str = "social_messages"  # read while the barrier holds this family


def _matrix(value: Any, budget: Budget, platform: str) -> Iterator[tuple[str, str, Any]]:
    """Reddit chat (Matrix): rooms of a /sync keyed by room id, and /members chunks that carry their room_id.

    A member event names the user in `state_key` (@t2_<id>:reddit.com) and, in `content.displayname`,
    the Reddit username (Reddit sets it; from memory, check against a recording). A room's members
    are those whose last member event here says join or invite, and the summary's heroes that no
    member event here says more about (a member who left is not one).
    """
    if not isinstance(value, dict):
        return
    rooms: list[tuple[str, list, list]] = []
    sync = value.get("rooms")
    for section in ("join", "invite") if isinstance(sync, dict) else ():
        listed = sync.get(section)
        for room_id, room in listed.items() if isinstance(listed, dict) else ():
            if not isinstance(room, dict):
                continue
            events = []
            for part in ("state", "timeline", "invite_state"):
                found = room.get(part)
                if isinstance(found, dict) and isinstance(found.get("events"), list):
                    events += found["events"]
            summary = room.get("summary")
            heroes = summary.get("m.heroes") if isinstance(summary, dict) else None
            rooms.append((room_id, events, heroes if isinstance(heroes, list) else []))
    chunk = value.get("chunk")
    by_room: dict[str, list] = {}
    for event in chunk if isinstance(chunk, list) else ():
        if isinstance(event, dict) and isinstance(event.get("room_id"), str):
            by_room.setdefault(event["room_id"], []).append(event)
    rooms += [(room_id, events, []) for room_id, events in by_room.items()]
    for room_id, events, heroes in rooms:
        membership: dict[str, Any] = {}
        for event in events:
            if not (isinstance(event, dict) and event.get("type") == "m.room.member"
                    and isinstance(event.get("state_key"), str) and isinstance(event.get("content"), dict)):
                continue
            user, content = event["state_key"], event["content"]
            membership[user] = content.get("membership")
            if isinstance(content.get("displayname"), str):
                yield "account", user, content["displayname"]
        members = [user for user, state in membership.items() if state in ("join", "invite")]
        members += [user for user in heroes if isinstance(user, str) and user not in membership]
        yield "thread", room_id, members



def _lightspeed(value: Any, budget: Budget, platform: str) -> Iterator[Row]:
    yield from lightspeed.rows(value, budget, platform)


META_USERS = dict(  # Instagram's web inbox, threads, profiles and search (GraphQL "slide" layout and REST)
    ids=("pk", "pk_id", "id", "interop_messaging_user_fbid", "fbid_v2", "igid"), handles=("username",),
    threads=("thread_id", "thread_v2_id", "thread_key", "thread_fbid", "id"), members=("users", "usersWithoutViewer"),
    member=frozenset({"pk", "pk_id", "username", "id", "interop_messaging_user_fbid", "fbid_v2"}),
    skip=frozenset({"items", "slide_messages", "messages"}),
)
XCHAT = "GetInitialXChatPageQuery|GetInboxPageRequestQuery|GetInboxPageConversationDataRequestQuery|GetUsersByIdsForXChat"

LISTINGS: tuple[Listing, ...] = (
    # X: the DM inbox, its updates and one conversation: `users` {id: {id_str, screen_name}} and
    # `conversations` {id: {conversation_id, participants: [{user_id}]}}; a user looked up by GraphQL;
    # XChat's inbox pages: items[].conversation_detail {conversation_id, participants_results,
    # group_members_results: [{rest_id, result: {rest_id, core: {screen_name}}}]} and its user lookups
    # (mautrix/twitter pkg/twittermeow/data/response/xchat.go; endpoints on api.x.com/graphql).
    Listing("x", ("x.com", "twitter.com"),
            _re(r"^/(?:i/api/)?1\.1/dm/(?:inbox_initial_state|user_updates|inbox_timeline/[^/?]+|conversation/[^/?]+)"
                r"\.json|^/(?:i/api/)?graphql/[^/?]+/(?:UserByScreenName|UserByRestId|UsersByRestIds|" + XCHAT + r")(?:\?|$)"),
            ids=("id_str", "rest_id"), handles=("screen_name", "legacy.screen_name", "core.screen_name"),
            threads=("conversation_id",), members=("participants", "participants_results", "group_members_results"),
            member=frozenset({"user_id", "rest_id", "screen_name"}), skip=frozenset({"entries"})),
    # Instagram: the REST inbox and threads (threads[] {thread_id, thread_v2_id, users: [{pk, username}]}),
    # profiles looked up by name; the web app's GraphQL (mautrix/meta pkg/instameow/slidetypes: threads
    # {thread_key, thread_fbid, thread_id, users: [{interop_messaging_user_fbid, username, pk}]}, profiles,
    # search) and Lightspeed answers (lightspeed_web_request_for_igd, pkg/messagix/graphql/responses.go).
    Listing("instagram", ("instagram.com",),
            _re(r"^/api/v1/(?:direct_v2/(?:inbox|pending_inbox|threads/[^/?]+|threads/get_by_participants)"
                r"|users/(?:web_profile_info|[0-9]+/info|search))/?(?:\?|$)"), **META_USERS),
    Listing("instagram", ("instagram.com",), _re(r"^/(?:api/graphql|graphql/query)/?(?:\?|$)"), **META_USERS,
            reader=_lightspeed, markers=(b"lightspeed", b"slide", b"thread_key", b'"username"'), websocket=True),
    # Messenger: Lightspeed answers on facebook.com and messenger.com (lightspeed_web_request) and the chat
    # socket's sync; contacts there are keyed by the numeric ids that profile.php?id= links name.
    Listing("facebook", ("facebook.com", "messenger.com"), _re(r"^/api/graphql/?(?:\?|$)"), reader=_lightspeed,
            markers=(b"lightspeed",), websocket=True),
    # LinkedIn: messenger conversations {entityUrn, conversationParticipants: [{entityUrn
    # urn:li:msg_messagingParticipant:urn:li:fsd_profile:<member id>, participantType.member.profileUrl}]}
    # (mautrix/linkedin pkg/linkedingo/conversations.go), and the profile lookups that name a member by
    # both ids: identity/dash/profiles and identity/profiles/<id>/profileView, and the GraphQL
    # voyagerIdentityDashProfiles query ({entityUrn urn:li:fsd_profile:<member id>, publicIdentifier};
    # miniProfile {entityUrn, dashEntityUrn, publicIdentifier}, pkg/linkedingo/self.go and search.go).
    Listing("linkedin", ("linkedin.com",),
            _re(r"^/voyager/api/(?:voyagerMessagingGraphQL/graphql|messaging/conversations|"
                r"voyagerMessagingDashMessengerConversations|identity/dash/profiles|identity/profiles/[^/?]+)(?:[/?]|$)"
                r"|^/voyager/api/graphql\?(?:[^#]*&)?queryId=voyager(?:IdentityDashProfile|MessagingDash)"),
            ids=("hostIdentityUrn", "entityUrn", "dashEntityUrn", "objectUrn"),
            handles=("publicIdentifier", "participantType.member.profileUrl", "miniProfile.publicIdentifier"),
            threads=("entityUrn", "backendUrn"),
            members=("conversationParticipants", "participants", "*conversationParticipants"),
            member=frozenset({"hostidentityurn", "publicidentifier", "profileurl", "entityurn"}),
            skip=frozenset({"messages", "events"})),
    Listing("reddit", ("redditspace.com",), _re(r"^/_matrix/client/(?:r0|v3)/(?:sync|rooms/[^/?]+/members)(?:\?|$)"),
            reader=_matrix),
    # Venmo: users searched and looked up ({id, username}: mmohades/Venmo venmo_api/apis/user_api.py on
    # api.venmo.com/v1; the web app's GraphQL search {node: {id, handle}} and profile lookups).
    Listing("venmo", ("venmo.com",),
            _re(r"^/(?:v1/users|api/(?:v\d+/)?(?:users?|people|profiles?|search)|graphql)(?:[/?]|$)"
                r"|^/_next/data/[^/]+/u/[^/?]+\.json"),  # the profile page's data, when the site moves to it
            ids=("id", "external_id", "externalId", "user_id", "userId"), handles=("username", "handle", "userName"),
            family="payments"),
    # Discord: a direct-message channel opened or listed {id, type, recipients: [{id, username}]}
    # (discord/discord-api-docs, Create DM and Get ... DM channels).
    Listing("discord", ("discord.com", "discordapp.com"), _re(r"^/api/(?:v\d+/)?users/@me/channels/?(?:\?|$)"),
            threads=("id",), members=("recipients", "recipient_ids"), member=frozenset({"id"})),
)


def _field(node: dict, name: str) -> Any:
    for part in name.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    return node


def _text(value: Any) -> str | None:
    """An id or handle as text: strings and whole numbers (Instagram's pk); never a bool."""
    if isinstance(value, str) and 0 < len(value) <= 1000:
        return value
    return str(value) if type(value) is int else None


def read_listing(listing: Listing, value: Any, work: Work) -> list[Row]:
    """The rows of a listing's JSON: accounts (id, handle), threads (id, participants), ids named twice."""
    budget = Budget(MAX_RESPONSE_NODES)
    found: list[Row] = []
    if listing.ids or listing.threads:
        found += _listed(listing, value, work, budget)
    if listing.reader:
        found += listing.reader(value, budget, listing.platform)
    work.walked(budget)
    return found


def _listed(listing: Listing, value: Any, work: Work, budget: Budget) -> Iterator[Row]:
    """("account", id, handle) and ("thread", id, participants) in a listing's JSON, within a node budget."""

    def outside_skip(keys: Keys, _: Any) -> bool:  # messages and events are no lists of people
        return not keys or keys[-1] not in listing.skip

    for keys, node in walk(value, budget, into=outside_skip):
        if not isinstance(node, dict) or not outside_skip(keys, node):
            continue
        if any(name in node for name in listing.ids):
            handle = next((h for h in (_text(_field(node, name)) for name in listing.handles) if h), None)
            for name in listing.ids if handle else ():
                found = _text(node.get(name))
                if found:
                    yield "account", found, handle
        members = next((node[name] for name in listing.members if isinstance(node.get(name), list)), None)
        if members is not None:
            names = [v for keys, v in _members(members, work) if not keys or keys[-1] in listing.member]
            for name in listing.threads:
                found = _text(node.get(name))
                if found:
                    yield "thread", found, names


def _members(value: Any, work: Work) -> list[tuple[Keys, str]]:
    fields = Fields(nodes=MAX_MEMBER_NODES, work=work)
    fields.add_json(value)
    work.walked(fields.budget)
    return fields.leaves


def as_handle(platform: str, value: str) -> str:
    """A handle as a listing shows it; a profile link (LinkedIn's profileUrl) becomes the handle it names."""
    if len(value) > 1000:
        return ""
    if value[:8].lower().startswith(("https://", "http://")):
        site = platform_named(platform)
        try:
            return str(site.profile(parse(value)).key) if site else ""
        except (ValueError, KeyError):
            return ""
    return value
