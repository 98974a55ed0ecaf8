"""What the barrier learns while running: the ids the services use for a configured person.

Pure (no I/O, no mitmproxy). The services' own inbox, conversation, profile-lookup and search
responses, and the sync their chat sockets push (agent/barrier/listings.py), tie ids to a person:
an account id in the same object as their handle, a thread one of whose participants is theirs, and
an id that a response names as the same account or thread as one already tied (Instagram's contact
and thread ids beside the ids of its older inbox). A thread whose participants are not known yet
(the inbox came before the profile lookup) waits, in memory, for one of them to be tied; so does an
id pair. Learnt ids live in memory only, at most MAX_LEARNT keys and MAX_WAITING waiting ones, and
follow a config reload while the handle or id they were learnt through is still configured.
Everything else costs `is_listing`: one dict lookup and a regex; hostile input never raises.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from agent.barrier import sockets
from agent.barrier.body import Work, decode_body, load_json
from agent.barrier.keys import thread_key
from agent.barrier.listings import LISTING_METHODS, MARKER_WINDOW, MAX_RESPONSE, Listing, Row, as_handle, read_listing
from agent.engine.urls import host_suffixes, normalise_host

MAX_LEARNT = 10_000  # keys learnt per barrier; beyond this nothing more is learnt
MAX_WAITING = 50_000  # threads and id pairs waiting for one of their ids to be tied
NOT_JSON = ("text/html", "image/", "video/", "audio/", "font/", "text/css", "application/octet-stream")
_PREFIXES = ("for (;;);", ")]}'")  # what some services put before their JSON, so it cannot be run as a script


def on_host(seen: dict, items: tuple, host: str) -> tuple:
    """The items (services or listings) whose host suffixes cover `host`, in table order; cached per host."""
    found = seen.get(host)
    if found is None:
        if len(seen) > 10_000:
            seen.clear()
        suffixes = host_suffixes(normalise_host(host))
        found = seen[host] = tuple(item for item in items if any(h in suffixes for h in item.hosts))
    return found


class Learning:
    """The learnt half of the barrier: keys tied at run time to an alias, and the responses they come from."""

    def __init__(self, listings: tuple[Listing, ...]):
        self._listings = listings
        self._listings_seen: dict[str, tuple[Listing, ...]] = {}
        self._owner: dict[str, str] = {}  # normalised key -> alias (configured and learnt)
        # Learnt while running, in memory only: key -> (alias, the configured key it was learnt through).
        self._learnt: dict[str, tuple[str, str | None]] = {}
        self._waiting: dict[str, set[str]] = {}  # an untied key -> keys to tie with it (threads, the same id)
        self._waits = 0
        self._aliases: set[str] = set()

    def _keys(self, kind: str, platform: str, value: str) -> Iterator[str]:  # the barrier's own
        raise NotImplementedError

    def learn(self, alias: str, platform: str, value: str, kind: str = "account", via: str | None = None) -> int:
        """Tie an id seen at run time to a person (an Instagram user id next to their handle, a thread id).

        `via`: the configured key it was seen next to (kept across a reload while that key is). A value
        must name one id (an X conversation "<a>-<b>" is one thread, never the two accounts in it); a key
        already tied keeps its first owner. The number of keys newly tied: this one, and what waited on it.
        """
        key = self._one_key(kind, platform, value)
        return self._tie(key, alias, via) if key else 0

    def _one_key(self, kind: str, platform: str, value: str) -> str | None:
        value = value.strip()
        if kind == "thread":
            return thread_key(platform, value) if platform and value else None
        keys = [*self._keys(kind, platform, value)]
        return keys[0] if len(keys) == 1 else None

    def _tie(self, key: str, alias: str, via: str | None) -> int:
        tied, queue = 0, [key]
        while queue:
            key = queue.pop()
            if key in self._owner or len(self._learnt) >= MAX_LEARNT:
                continue
            self._owner[key] = alias
            self._learnt[key] = (alias, via)
            tied += 1
            waited = self._waiting.pop(key, ())
            self._waits -= len(waited)
            queue += waited
        return tied

    def _wait(self, key: str, then: str) -> None:
        """Tie `then` to whoever `key` is tied to, when it is."""
        if self._waits < MAX_WAITING and then not in self._waiting.setdefault(key, set()):
            self._waiting[key].add(then)
            self._waits += 1

    def who(self, platform: str, value: str, kind: str = "account") -> str | None:
        """The alias whose handle or id `value` is on `platform`, or None."""
        return next((self._owner[k] for k in self._keys(kind, platform, value) if k in self._owner), None)

    def learnt(self) -> dict[str, str]:
        """The keys learnt while running and whose they are ("x:thread:159...": "J")."""
        return {key: alias for key, (alias, _) in dict(self._learnt).items()}

    def keep_learnt(self, old: Learning) -> None:
        """After a config reload: keep what `old` learnt while the handle or id it was learnt through is still
        configured (for whichever alias has it now); an id learnt by hand stays while its alias does."""
        configured = {key: alias for key, alias in self._owner.items() if key not in self._learnt}
        for key, (alias, via) in dict(old._learnt).items():
            owner = configured.get(via) if via else (alias if alias in self._aliases else None)
            if owner:
                self._tie(key, owner, via)

    # --- which responses are read -------------------------------------------------------------

    def _listing(self, method: str, host: str, path: str) -> Listing | None:
        if method.upper() not in LISTING_METHODS:
            return None
        for item in on_host(self._listings_seen, self._listings, host):
            if item.path is not None and item.path.match(path):  # every listing path starts at the start
                return item
        return None

    def is_listing(self, method: str, host: str, path: str) -> bool:
        """Cheap: can this request's response list accounts and threads (an inbox, a user lookup)?"""
        return self._listing(method, host, path) is not None

    def is_chat_socket(self, host: str) -> bool:
        """Cheap: do this host's WebSocket messages from the server carry chat sync to learn from?"""
        return any(item.websocket for item in on_host(self._listings_seen, self._listings, host))

    def learn_from_response(self, method: str, host: str, path: str, headers: dict[str, str], body: bytes,
                            max_body: int = MAX_RESPONSE, work: Work | None = None) -> int:
        """Learn the ids a service's own JSON ties to a configured person; the number of keys newly tied.

        Read only for listing paths (`is_listing`) whose body is JSON (a type that says HTML, an image or
        the like is never read); at most `max_body` bytes after decoding (a longer text is closed where
        it was cut). A listing with markers is read only when one shows in its first bytes.
        """
        listing = self._listing(method, host, path)
        kind = headers.get("content-type", "").lower()
        if listing is None or kind.startswith(NOT_JSON):
            return 0
        work = work if work is not None else Work()
        encoding = headers.get("content-encoding", "")
        if listing.markers:
            head = decode_body(body or b"", encoding, MARKER_WINDOW, work)
            if head is None or not any(marker in head[0] for marker in listing.markers):
                return 0
        decoded = decode_body(body or b"", encoding, max_body, work)
        if decoded is None:
            return 0
        data, cut = decoded
        work.read += len(data)
        text = data.decode("utf-8", "replace").strip()
        for prefix in _PREFIXES:
            text = text.removeprefix(prefix).lstrip()
        value = load_json(text, cut, work)
        if not isinstance(value, dict | list):
            return 0
        return self._learn_rows(listing.platform, read_listing(listing, value, work))

    def learn_from_websocket(self, host: str, path: str, message: bytes | str, max_body: int = MAX_RESPONSE,
                             work: Work | None = None) -> int:
        """Learn from one WebSocket message from the server (a chat socket's sync); the number of keys newly tied."""
        listing = next((item for item in on_host(self._listings_seen, self._listings, host) if item.websocket), None)
        if listing is None:
            return 0
        work = work if work is not None else Work()
        new = 0
        for carried in sockets.carried(message, max_body):
            work.read += len(carried.text)
            work.parsed += len(carried.text)
            value = carried.value
            if isinstance(value, dict | list):
                new += self._learn_rows(listing.platform, read_listing(listing, value, work))
        return new

    # --- what the rows tie ------------------------------------------------------------------------

    def _learn_rows(self, platform: str, rows: Iterable[Row]) -> int:
        rows = list(rows)
        new, anchors = 0, {}
        for kind, found, handle in rows:  # first every account, so that threads can be tied by the ids learnt here
            if kind == "account" and isinstance(handle, str):
                anchor = self._anchor(platform, handle, anchors)
                if anchor:
                    new += self.learn(self._owner[anchor], platform, found, "account", via=self._via(anchor))
        for kind, one, other in rows:
            if kind in ("same_account", "same_thread"):
                new += self._same("account" if kind == "same_account" else "thread", platform, one, other)
        anchors.clear()
        member_keys: dict[str, tuple[str, ...]] = {}
        for kind, found, members in rows:
            if kind != "thread" or not isinstance(members, list):
                continue
            thread = self._one_key("thread", platform, found)
            anchor = next(filter(None, (self._anchor(platform, member, anchors) for member in members)), None)
            if anchor and thread:
                new += self._tie(thread, self._owner[anchor], self._via(anchor))
            elif thread:
                for member in members:  # tied later, if one of them turns out to be the person
                    if isinstance(member, str) and member not in member_keys:
                        member_keys[member] = tuple(self._keys("account", platform, as_handle(platform, member)))
                    for key in member_keys.get(member, ()) if isinstance(member, str) else ():
                        self._wait(key, thread)
        return new

    def _same(self, kind: str, platform: str, one: str, other: str) -> int:
        """Two ids of one account or thread: whoever has one has the other, now or when it is tied."""
        first, second = self._one_key(kind, platform, one), self._one_key(kind, platform, other)
        if not first or not second or first == second:
            return 0
        for have, get in ((first, second), (second, first)):
            if have in self._owner:
                return self._tie(get, self._owner[have], self._via(have))
        self._wait(first, second)
        self._wait(second, first)
        return 0

    def _anchor(self, platform: str, value: Any, seen: dict[str, str | None]) -> str | None:
        """The key by which `value` (a handle, id or profile link on `platform`) is tied to a person, or None."""
        if not isinstance(value, str):
            return None
        if value not in seen:
            keys = self._keys("account", platform, as_handle(platform, value))
            seen[value] = next((key for key in keys if key in self._owner), None)
        return seen[value]

    def _via(self, key: str) -> str | None:
        """The configured key behind `key`: itself, or the one it was learnt through (None: learnt by hand)."""
        learnt = self._learnt.get(key)
        return learnt[1] if learnt else key
