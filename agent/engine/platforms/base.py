"""What every platform shares: the `Site` base class and the helpers its subclasses read URLs with.

Pure (no I/O, no mitmproxy). A platform turns a URL into `Identity` values
whose `key` is already normalised by the platform's own rules (case, dots,
opaque ids kept exact), so the policy matches with dict lookups only.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator

from agent.engine.identity import Identity, Platform, ProfileError, phone_identity
from agent.engine.jsonwalk import scalars
from agent.engine.urls import Url, host_suffixes

# Host labels that serve the same pages as the bare domain.
MIRROR_LABELS = frozenset("www m mobile web touch mbasic old new np i amp free lite".split())
# de-de.facebook.com, uk.linkedin.com, br.pinterest.com: stripped only where a platform has them.
REGIONAL_LABEL = re.compile(r"[a-z]{2}(?:[-_][a-z]{2})?")
DIGITS = re.compile(r"[0-9]{1,25}")
# Embeds, widgets, badges, buttons and avatars name the person in a parameter: on any platform, a URL whose
# host or path says it is one of them is read for these parameters too.
WIDGET_PATH = re.compile(r"embed|widget|plugin|badge|button|snapcode|avatar|profile_pic", re.IGNORECASE)
WIDGET_PARAMS = ("username", "user_name", "screen_name", "screenname", "name", "user", "handle", "unique_id",
                 "uniqueid", "vanityname")
# What a pasted or typed link carries after the name: "…/name)," from a sentence, "…/name." at its end, a closing
# quote or bracket (also percent-encoded: %22, %29). No platform's handle ends in one of these, so a handle is read
# without them; "_" and "-" are not among them (rowan.vale_ is not rowan.vale).
TRAILING_PUNCTUATION = ".,;:!?\"'`()[]{}<>\u2026\u201c\u201d\u2018\u2019\u00ab\u00bb "
MAX_PLACES = 4096  # hosts whose place on a platform is remembered, per platform
MAX_JSON_NODES = 20_000  # nodes (objects, lists and values) read of one JSON text: a hostile blob stays cheap
# Redirect pages: host (any subdomain) -> (path prefix, query parameters holding the target; none: the path).
Redirects = dict[str, tuple[tuple[str, tuple[str, ...]], ...]]


def word_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


def nth(items: list[str] | tuple[str, ...], index: int) -> str:
    """The item at `index`, or "" past the end."""
    return items[index] if index < len(items) else ""


def json_values(text: str, keys: Iterable[str]) -> list[str]:
    """Strings and whole numbers stored under any of `keys` (case-insensitive), at any depth of a JSON text.

    Bad JSON gives nothing and never raises: the request is still judged by its other parts.
    """
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return []
    wanted = {key.lower() for key in keys}
    return [
        str(value)
        for path, value in scalars(data, MAX_JSON_NODES)
        if path and path[-1] in wanted and not isinstance(value, float)
    ]


def trim(raw: str) -> str:
    """`raw` without the spaces around it and the punctuation after it (see TRAILING_PUNCTUATION)."""
    return raw.strip().rstrip(TRAILING_PUNCTUATION)


def phone_in_link(raw: str) -> Identity | None:
    """The phone number a chat link names (wa.me/<digits>, t.me/+<digits>, ?phone=)."""
    digits = re.sub(r"\D", "", raw)
    if digits.startswith("00"):  # 0044... typed instead of +44...
        digits = digits[2:]
    return phone_identity(digits)


class Site(Platform):
    """A platform whose people are named by handles and ids in its URLs.

    Subclasses say where the names appear (`identities`) and hold their own facts
    (domains, short links, redirect pages, reserved words, searches); the normalising,
    the profile errors and the reading of those tables are shared here.
    """

    handle_re = re.compile(r"[a-z0-9._]{1,30}")  # a valid key, after `normalise`
    reserved: frozenset[str] = frozenset()  # first path segments that are pages, not people
    regional = False  # strip xx. / xx-yy. host labels
    identity_name = ""  # the Identity.platform, when it differs from `name` (Threads -> instagram)
    example = ""  # a profile link, shown in error messages
    short_links: tuple[str, ...] = ()  # hosts of opaque redirect links: they name no one offline
    embed_hosts: tuple[str, ...] = ()  # hosts that only embed content (video players): they name no one
    redirects: Redirects = {}  # the platform's own "you are leaving" pages, unwrapped like other wrappers
    search_paths: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (path prefix, query params)
    ignores_dots = False  # handles compare without their dots: casey.l and caseyl are one person
    mirror_labels: frozenset[str] = MIRROR_LABELS  # host labels that serve the same pages as the bare domain
    # Read only when the config names someone in one of these ways (Gravatar: by an email address); None:
    # read whenever anyone is set up (a search or a wrapped link can reach them there).
    read_for: frozenset[str] | None = None

    @property
    def readable_domains(self) -> tuple[str, ...]:
        """The domains whose requests can name a person; short links and embeds never need decrypting."""
        return tuple(d for d in self.domains if d not in self.short_links and d not in self.embed_hosts)

    # --- normalising -------------------------------------------------------

    def normalise(self, raw: str) -> str:
        return trim(raw).lstrip("@").lower()

    def key(self, raw: str) -> str | None:
        """The normalised handle, or None when `raw` is no handle here."""
        key = self.normalise(raw)
        if key in self.reserved or not self.handle_re.fullmatch(key):
            return None
        return key

    def handle(self, raw: str | None) -> Identity | None:
        key = self.key(raw) if raw else None
        return Identity(self.identity_name or self.name, key) if key else None

    def numeric_id(self, raw: str | None) -> Identity | None:
        """A numeric account id: a namespace of its own ("id:123"), apart from handles."""
        raw = trim(raw or "")
        return Identity(self.name, f"id:{raw}") if DIGITS.fullmatch(raw) else None

    def place(self, host: str) -> tuple[str, list[str]]:
        """(the platform domain the host is under, the host labels in front that matter)."""
        found = self._places.get(host)
        if found is None:
            if len(self._places) >= MAX_PLACES:
                self._places.clear()
            found = self._places[host] = self._find_place(host)
        return found[0], list(found[1])

    @property
    def _places(self) -> dict[str, tuple[str, tuple[str, ...]]]:
        """Hosts already placed (browsing asks about the same few over and over): one dict per platform."""
        return self.__dict__.setdefault("_place_cache", {})

    def _find_place(self, host: str) -> tuple[str, tuple[str, ...]]:
        for suffix in host_suffixes(host):
            if suffix in self.domains:
                labels = host[: -len(suffix)].split(".")[:-1]
                kept = tuple(
                    label
                    for label in labels
                    if label not in self.mirror_labels and not (self.regional and REGIONAL_LABEL.fullmatch(label))
                )
                return suffix, kept
        return "", ()

    def graphql_variables(self, url: Url, keys: Iterable[str]) -> list[str]:
        """Values from the JSON `variables` parameter (of a GraphQL GET, or the form of a GraphQL POST)."""
        keys = tuple(keys)
        return [value for text in url.params("variables") for value in json_values(text, keys)]

    # --- the Platform interface ---------------------------------------------

    def identities(self, url: Url, domain: str, labels: list[str]) -> Iterable[Identity | None]:
        """The identities `url` names (None for a part that names none); `labels`: see `place`."""
        raise NotImplementedError

    def reaches(self, url: Url) -> Iterator[Identity]:
        domain, labels = self.place(url.host)
        for identity in self.identities(url, domain, labels):
            if identity is not None:
                yield identity
        if url.query and WIDGET_PATH.search(url.host + url.path):  # a badge, button or avatar of ?username=<name>
            for raw in url.params(*WIDGET_PARAMS):
                identity = self.handle(raw)
                if identity is not None:
                    yield identity

    def why_unreadable(self, url: Url) -> str | None:
        """Why a pasted short link cannot be read, or None when it is not one."""
        for suffix in host_suffixes(url.host):
            if suffix in self.short_links:
                return f"{suffix} links cannot be read offline; open it and paste the profile address"
        return None

    def profile(self, url: Url) -> Identity:
        problem = self.why_unreadable(url)
        if problem:
            raise ProfileError(problem)
        for identity in self.reaches(url):
            return identity
        raise ProfileError(
            f"{url.without_query()} is not a profile link; paste the link of the profile page, like {self.example}"
        )

    def searched_handle(self, key: str) -> str:
        """The bare handle a search would type for an identity key ("id:123", "@name", "user/name", "artist:abc")."""
        return key.rsplit(":", 1)[-1].rsplit("/", 1)[-1].lstrip("@")

    def searches(self, url: Url) -> Iterator[str]:
        path = "/".join(url.segments).lower()
        for prefix, names in self.search_paths:
            if path == prefix or path.startswith(prefix + "/"):
                for value in url.params(*names):
                    if value.strip():
                        yield value.strip()
