"""The platforms: which profile a pasted link names, and which profiles a request reaches.

Pure (no I/O, no mitmproxy). Every platform turns a URL into `Identity` values
whose `key` is already normalised by the platform's own rules (case, dots,
opaque ids kept exact), so the policy matches with dict lookups only.

Some things cannot be known offline and are not pretended:
- post, reel and video links that do not name their owner in the URL
  (instagram.com/p/<code>/, youtube.com/watch?v=, facebook.com/reel/<id>)
  reach no identity;
- short links (pin.it, redd.it, vm.tiktok.com, t.co, lnkd.in, youtu.be ...)
  reach no identity; the browser follows the redirect through the proxy and
  the target is judged then;
- anything after `#` never reaches a proxy (web.telegram.org/k/#@name).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator

from agent.engine.identity import Identity, Platform, ProfileError, phone_identity
from agent.engine.urls import Url, UrlError, host_suffixes, parse

# Host labels that serve the same pages as the bare domain.
MIRROR_LABELS = frozenset("www m mobile web touch mbasic old new np i amp free lite".split())
# de-de.facebook.com, uk.linkedin.com, br.pinterest.com: stripped only where a platform has them.
REGIONAL_LABEL = re.compile(r"[a-z]{2}(?:[-_][a-z]{2})?")
DIGITS = re.compile(r"[0-9]{1,25}")
MAX_JSON_NODES = 5000  # a hostile `variables` blob must stay cheap


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


def _at(items: list[str], index: int) -> str:
    return items[index] if index < len(items) else ""


def json_values(text: str, keys: Iterable[str]) -> list[str]:
    """Scalar values stored under any of `keys` (case-insensitive), at any depth of a JSON text.

    Bad JSON gives nothing and never raises: the request is still judged by its other parts.
    """
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return []
    wanted = {k.lower() for k in keys}
    found: list[str] = []
    stack, budget = [data], MAX_JSON_NODES
    while stack and budget > 0:
        budget -= 1
        node = stack.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                if isinstance(key, str) and key.lower() in wanted:
                    for item in value if isinstance(value, list) else [value]:
                        if isinstance(item, (str, int)) and not isinstance(item, bool):
                            found.append(str(item))
                if isinstance(value, (dict, list)):
                    stack.append(value)
        elif isinstance(node, list):
            stack.extend(item for item in node if isinstance(item, (dict, list)))
    return found


def _phone(raw: str) -> Identity | None:
    digits = re.sub(r"\D", "", raw)
    if digits.startswith("00"):  # 0044... typed instead of +44...
        digits = digits[2:]
    return phone_identity(digits)


class Site(Platform):
    """A platform whose people are named by handles and ids in its URLs.

    Subclasses say where the names appear (`found`); the normalising, the
    reserved words, the profile errors and the search tables are shared here.
    """

    handle_re = re.compile(r"[a-z0-9._]{1,30}")  # a valid key, after `normalise`
    reserved: frozenset[str] = frozenset()  # first path segments that are pages, not people
    regional = False  # strip xx. / xx-yy. host labels
    identity_name = ""  # the Identity.platform, when it differs from `name` (Threads -> instagram)
    example = ""  # a profile link, shown in error messages
    short_links: tuple[str, ...] = ()  # hosts of opaque redirect links
    search_paths: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (path prefix, query params)

    # --- normalising -------------------------------------------------------

    def normalise(self, raw: str) -> str:
        return raw.strip().lstrip("@").lower()

    def key(self, raw: str) -> str | None:
        """The normalised handle, or None when `raw` is no handle here."""
        key = self.normalise(raw)
        if key in self.reserved or not self.handle_re.fullmatch(key):
            return None
        return key

    def handle(self, raw: str | None) -> Identity | None:
        key = self.key(raw) if raw else None
        return Identity(self.identity_name or self.name, key) if key else None

    def number(self, raw: str | None) -> Identity | None:
        """A numeric account id: a namespace of its own ("id:123"), apart from handles."""
        raw = (raw or "").strip()
        return Identity(self.name, f"id:{raw}") if DIGITS.fullmatch(raw) else None

    def where(self, host: str) -> tuple[str, list[str]]:
        """(the platform domain the host is under, the host labels in front that matter)."""
        for suffix in host_suffixes(host):
            if suffix in self.domains:
                labels = host[: -len(suffix)].split(".")[:-1]
                kept = [
                    label
                    for label in labels
                    if label not in MIRROR_LABELS and not (self.regional and REGIONAL_LABEL.fullmatch(label))
                ]
                return suffix, kept
        return "", []

    def variables(self, url: Url, keys: Iterable[str]) -> list[str]:
        """Values from the JSON `variables` parameter (GraphQL GETs, and POST forms passed as a query)."""
        keys = tuple(keys)
        return [value for text in url.params("variables") for value in json_values(text, keys)]

    # --- the Platform interface ---------------------------------------------

    def found(self, url: Url, domain: str, sub: list[str]) -> Iterable[Identity | None]:
        raise NotImplementedError

    def reaches(self, url: Url) -> Iterator[Identity]:
        domain, sub = self.where(url.host)
        for identity in self.found(url, domain, sub):
            if identity is not None:
                yield identity

    def opaque(self, url: Url) -> str | None:
        """Why a pasted short link cannot be read, or None when it is not one."""
        for suffix in host_suffixes(url.host):
            if suffix in self.short_links:
                return f"{suffix} links cannot be read offline; open it and paste the profile address"
        return None

    def profile(self, url: Url) -> Identity:
        problem = self.opaque(url)
        if problem:
            raise ProfileError(problem)
        for identity in self.reaches(url):
            return identity
        raise ProfileError(
            f"{url.without_query()} is not a profile link; paste the link of the profile page, like {self.example}"
        )

    def searches(self, url: Url) -> Iterator[str]:
        path = "/".join(url.segments).lower()
        for prefix, names in self.search_paths:
            if path == prefix or path.startswith(prefix + "/"):
                for value in url.params(*names):
                    if value.strip():
                        yield value.strip()


# --- the platforms, one small class each ---------------------------------------


class Instagram(Site):
    name, label = "instagram", "Instagram"
    domains = ("instagram.com", "instagr.am", "ig.me")
    example = "https://www.instagram.com/name/"
    # Dots are significant on Instagram: casey.lindqvist and caseylindqvist are two people.
    handle_re = re.compile(r"[a-z0-9._]{1,30}")
    reserved = _words("""
    explore accounts p reel reels tv igtv direct stories highlights about developer developers legal
    web api graphql static emails challenge session privacy terms press oauth ajax data download
    nametag qr create lite ar business blog brand directory topics locations tags s _n _u login
    logout signup help contact your_activity notifications sw.js robots.txt favicon.ico
    manifest.json
    """)
    search_paths = (
        ("explore/search/keyword", ("q",)),
        ("web/search/topsearch", ("query",)),
        ("api/v1/users/search", ("q", "query")),
        ("api/v1/fbsearch", ("query", "q")),
    )

    def found(self, url: Url, domain: str, sub: list[str]) -> Iterator[Identity | None]:
        segs = url.segments
        low = [s.lower() for s in segs]
        # Background calls of the web app (www. and i.instagram.com).
        if low[:4] == ["api", "v1", "users", "web_profile_info"]:
            yield from map(self.handle, url.params("username"))
        if low[:4] == ["api", "v1", "feed", "user"] and _at(low, 5) == "username":
            yield self.handle(segs[4])
        if low[:3] == ["api", "v1", "users"] and _at(low, 4) == "usernameinfo":
            yield self.handle(segs[3])
        if "graphql" in low[:2]:
            yield from map(self.handle, self.variables(url, ("username", "user_name")))
        if sub:
            return  # help.instagram.com, about.instagram.com ...: no profiles
        if domain == "ig.me":  # ig.me/m/<handle> opens a chat, ig.me/<handle> the profile
            yield self.handle(_at(segs, 1) if low[:1] == ["m"] else _at(segs, 0))
        elif low[:1] in (["stories"], ["_u"]):  # /stories/<handle>/<id>/, app deep link /_u/<handle>
            yield self.handle(_at(segs, 1))
        elif segs:
            # /<handle>/ and its sub-pages (reels, tagged, followers, ?__a=1). /p/<code>/ and
            # /reel/<code>/ do not name the owner: they stop here as reserved words.
            yield self.handle(segs[0])


class Threads(Instagram):
    """Threads profiles are Instagram accounts: the same handle is the same person."""

    name, label = "threads", "Threads"
    domains = ("threads.net", "threads.com")
    identity_name = "instagram"
    example = "https://www.threads.net/@name"
    search_paths = (("search", ("q", "query")),)

    def found(self, url: Url, domain: str, sub: list[str]) -> Iterator[Identity | None]:
        segs = url.segments
        low = [s.lower() for s in segs]
        if low[:2] == ["intent", "follow"]:
            yield from map(self.handle, url.params("username"))
        if "graphql" in low[:2]:
            yield from map(self.handle, self.variables(url, ("username",)))
        if not sub and segs and segs[0].startswith("@"):  # /@handle, /@handle/post/<code>, /@handle/replies
            yield self.handle(segs[0])


class Facebook(Site):
    """Facebook and Messenger (m.me, messenger.com): one account, one identity."""

    name, label = "facebook", "Facebook"
    domains = ("facebook.com", "fb.com", "fb.me", "m.me", "messenger.com", "fb.watch")
    regional = True
    example = "https://www.facebook.com/name or https://www.facebook.com/profile.php?id=100000000000000"
    short_links = ("fb.watch",)
    vanity_re = re.compile(r"[a-z0-9.]{3,50}")
    numbered_re = re.compile(r"[^/]+-([0-9]{5,25})")  # Casey-Lindqvist-100098765432101 (pages, /p/)
    reserved = _words("""
    pages groups events watch marketplace gaming profile.php people profile photo.php photo photos
    login login.php help settings home.php home search hashtag notifications messages friends
    bookmarks saved memories reel reels stories story.php permalink.php sharer sharer.php share
    dialog plugins privacy policies policy.php terms legal ads business careers about l.php
    video.php video videos live fundraisers donate places pg me checkpoint recover r.php reg
    campaign lite mobile developers games instantgames media composer ajax api graphql rsrc.php
    security directory public p find-friends feeds latest messenger notes offers jobs weather
    coronavirus_info logout.php unsupportedbrowser
    """)
    search_paths = (("search", ("q",)),)

    def key(self, raw: str) -> str | None:
        # Vanity names ignore dots and case: casey.lindqvist == CaseyLindqvist.
        raw = self.normalise(raw)
        if raw in self.reserved:
            return None
        if DIGITS.fullmatch(raw):
            return f"id:{raw}"
        numbered = self.numbered_re.fullmatch(raw)
        if numbered:
            return f"id:{numbered[1]}"
        if self.vanity_re.fullmatch(raw):
            return raw.replace(".", "") or None
        return None

    def found(self, url: Url, domain: str, sub: list[str]) -> Iterator[Identity | None]:
        if domain == "fb.watch":
            return  # video short links
        segs = url.segments
        low = [s.lower() for s in segs]
        if domain == "messenger.com":  # /t/<name or id>, /e2ee/t/<id>
            if low[:1] == ["t"]:
                yield self.handle(_at(segs, 1))
            elif low[:2] == ["e2ee", "t"]:
                yield self.handle(_at(segs, 2))
            return
        if domain in ("m.me", "fb.me"):  # m.me/<name> opens a chat, fb.me/<name> the profile
            if not sub and low[:1] not in (["e"], ["d"], ["g"], ["j"], ["ch"]):  # short codes
                yield self.handle(_at(segs, 0))
            return
        if low[:2] == ["ajax", "hovercard"] or low[:1] in (["profile.php"], ["story.php"], ["permalink.php"]):
            yield from map(self.handle, url.params("id"))  # the profile, or the owner of the story
        if "graphql" in low[:2]:
            yield from map(self.number, self.variables(url, ("userID", "profileID", "profile_id", "id")))
            yield from map(self.handle, self.variables(url, ("username", "vanity", "userVanity")))
        if sub or not segs:
            return  # developers.facebook.com, business.facebook.com ...
        first = low[0]
        if first == "people":  # /people/<Name>/<id>/
            yield self.number(_at(segs, 2))
        elif first in ("profile", "p", "pg"):  # /profile/<id>, /p/<Name>-<id>/, /pg/<name>/
            yield self.handle(_at(segs, 1))
        elif first == "pages":  # /pages/<Name>/<id>
            yield self.number(_at(segs, 2))
        elif first == "messages" and _at(low, 1) == "t":  # facebook.com/messages/t/<name or id>
            yield self.handle(_at(segs, 2))
        elif first == "messages" and low[1:3] == ["e2ee", "t"]:  # /messages/e2ee/t/<id>
            yield self.handle(_at(segs, 3))
        elif first == "stories":  # /stories/<owner id>/<story id>/
            yield self.number(_at(segs, 1))
        elif first == "groups" and _at(low, 2) == "user":  # /groups/<group>/user/<id>/
            yield self.number(_at(segs, 3))
        else:
            yield self.handle(segs[0])

    def searches(self, url: Url) -> Iterator[str]:
        yield from super().searches(url)
        segs = url.segments
        if len(segs) > 1 and segs[0].lower() == "public":  # facebook.com/public/Casey-Lindqvist
            yield segs[1].replace("-", " ")

    def opaque(self, url: Url) -> str | None:
        domain, _ = self.where(url.host)
        first = _at([s.lower() for s in url.segments], 0)
        share = domain == "facebook.com" and first == "share"  # facebook.com/share/<code>/
        code = domain in ("m.me", "fb.me") and first in ("e", "d", "g", "j")  # fb.me/e/<code>
        if share or code:
            return f"{domain}/{first}/ links cannot be read offline; open it and paste the profile address"
        return super().opaque(url)


class X(Site):
    """X and Twitter: one platform, both domains."""

    name, label = "x", "X (Twitter)"
    domains = ("x.com", "twitter.com", "t.co")
    example = "https://x.com/name"
    short_links = ("t.co",)
    handle_re = re.compile(r"[a-z0-9_]{1,15}")
    reserved = _words("""
    home explore search i settings messages notifications intent share hashtag compose login signup
    tos privacy logout account about download jobs bookmarks lists communities premium topics oauth
    en who_to_follow connect_people rules safety help display session sessions verified sw following
    followers media status web embed widgets
    """)
    search_paths = (("search", ("q",)), ("i/api/2/search", ("q",)), ("1.1/search", ("q",)))

    def found(self, url: Url, domain: str, sub: list[str]) -> Iterator[Identity | None]:
        if domain == "t.co":
            return
        segs = url.segments
        low = [s.lower() for s in segs]
        # Intents (/intent/user?screen_name=), DM links (/messages/compose?recipient_id=) and the
        # REST API (1.1/users/show.json?screen_name=) all carry the person in these parameters.
        yield from map(self.handle, url.params("screen_name", "screenName"))
        if low[:1] == ["intent"] and _at(low, 1) in ("tweet", "post"):  # a public @mention is contact too
            for text in url.params("text"):
                yield from (self.handle(word) for word in re.findall(r"@(\w{1,15})", text))
        yield from map(self.number, url.params("user_id", "recipient_id", "userId"))
        if "graphql" in low[:3]:  # .../UserByScreenName, UserByRestId, UserTweets
            yield from map(self.handle, self.variables(url, ("screen_name", "screenName")))
            yield from map(self.number, self.variables(url, ("userId", "user_id", "rest_id", "userIds")))
        if sub == ["api"]:  # api.x.com/2/users/by/username/<name>, /2/users/<id>
            if low[:4] == ["2", "users", "by", "username"]:
                yield self.handle(_at(segs, 4))
            elif low[:2] == ["2", "users"]:
                yield self.number(_at(segs, 2))
        elif not sub and segs:
            if low[:2] == ["i", "user"]:  # twitter.com/i/user/<numeric id>
                yield self.number(_at(segs, 2))
            else:  # /<handle>, /<handle>/status/<id>, /with_replies, /media, /likes ...
                yield self.handle(segs[0])

    def searches(self, url: Url) -> Iterator[str]:
        yield from super().searches(url)
        if "SearchTimeline" in url.path:
            yield from self.variables(url, ("rawQuery",))


class TikTok(Site):
    name, label = "tiktok", "TikTok"
    domains = ("tiktok.com",)
    example = "https://www.tiktok.com/@name"
    handle_re = re.compile(r"[a-z0-9._]{2,24}")
    search_paths = (("search", ("q",)), ("api/search", ("keyword",)))

    def opaque(self, url: Url) -> str | None:
        if url.host.split(".")[0] in ("vm", "vt"):
            return f"{url.host} links cannot be read offline; open it and paste the profile address"
        return None

    def found(self, url: Url, domain: str, sub: list[str]) -> Iterator[Identity | None]:
        if self.opaque(url):
            return
        segs = url.segments
        low = [s.lower() for s in segs]
        yield from map(self.handle, url.params("uniqueId", "unique_id"))  # /api/user/detail/?uniqueId=
        if segs and segs[0].startswith("@"):  # only /@handle is a user: /@h, /@h/video/<id>, /@h/live
            yield self.handle(segs[0])
        elif low[:1] == ["embed"] and _at(segs, 1).startswith("@"):  # /embed/@handle
            yield self.handle(segs[1])
        elif low[:3] == ["node", "share", "user"]:  # /node/share/user/@handle
            yield self.handle(_at(segs, 3))
        elif low[:3] == ["h5", "share", "usr"]:  # m.tiktok.com/h5/share/usr/<numeric id>.html
            yield self.number(_at(segs, 3).removesuffix(".html"))
        elif low[:2] == ["share", "user"]:  # /share/user/<numeric id>
            yield self.number(_at(segs, 2))


class Snapchat(Site):
    name, label = "snapchat", "Snapchat"
    domains = ("snapchat.com",)
    example = "https://www.snapchat.com/add/name"
    handle_re = re.compile(r"[a-z][a-z0-9._-]{1,14}")
    search_paths = (("search", ("q",)),)

    def found(self, url: Url, domain: str, sub: list[str]) -> Iterator[Identity | None]:
        segs = url.segments
        low = [s.lower() for s in segs]
        if sub not in ([], ["story"]):
            return
        if segs and segs[0].startswith("@"):  # www.snapchat.com/@name, story.snapchat.com/@name
            yield self.handle(segs[0])
        elif low[:1] == ["add"] or sub == ["story"] and low[:1] in (["s"], ["u"]):
            yield self.handle(_at(segs, 1))

    def opaque(self, url: Url) -> str | None:
        if [s.lower() for s in url.segments[:1]] == ["t"]:  # snapchat.com/t/<code> share links
            return "snapchat.com/t/ links cannot be read offline; open it and paste the profile address"
        return None


class LinkedIn(Site):
    name, label = "linkedin", "LinkedIn"
    domains = ("linkedin.com", "lnkd.in")
    regional = True  # uk.linkedin.com, de.linkedin.com ...
    example = "https://www.linkedin.com/in/name/"
    short_links = ("lnkd.in",)
    handle_re = re.compile(r"[\w-]{3,100}")  # slugs may hold any letters (percent-decoded)
    reserved = _words("""
    me
    """)
    search_paths = (("search/results", ("keywords",)),)

    def found(self, url: Url, domain: str, sub: list[str]) -> Iterator[Identity | None]:
        if domain != "linkedin.com" or sub:
            return
        segs = url.segments
        low = [s.lower() for s in segs]
        if low[:1] == ["in"]:  # /in/<slug>/, /in/<slug>/recent-activity/all/, /detail/contact-info/
            yield self.handle(_at(segs, 1))
        elif low[:2] == ["mwlite", "in"]:
            yield self.handle(_at(segs, 2))
        elif low[:4] == ["voyager", "api", "identity", "profiles"]:  # XHR: .../profiles/<slug>/profileView
            yield self.handle(_at(segs, 4))
        if low[:1] == ["voyager"]:
            yield from map(self.handle, url.params("memberIdentity", "vanityName"))
            for text in url.params("variables"):  # Rest.li, not JSON: (vanityName:casey-lindqvist)
                yield from map(self.handle, re.findall(r"vanityName:([^,()]+)", text))


class YouTube(Site):
    """Handles (@x), custom names (/c/x, /x), legacy usernames (/user/x), channel ids (UC..., exact)."""

    name, label = "youtube", "YouTube"
    domains = ("youtube.com", "youtu.be", "youtube-nocookie.com")
    example = "https://www.youtube.com/@name"
    handle_re = re.compile(r"[\w.-]{3,30}")
    name_re = re.compile(r"[\w-]{1,100}")
    channel_re = re.compile(r"UC[A-Za-z0-9_-]{22}")
    reserved = _words("""
    watch results feed playlist shorts channel c user embed live premium account
    account_notifications gaming music kids t hashtag redirect signin logout upload studio s about
    yt tv howyoutubeworks feeds youtubei api attribution_link creators ads new trends jobs copyright
    reporthistory paid_memberships oops error supported_browsers storefront movies podcasts trending
    originals red verify post source subscription_manager view_all_playlists my_videos dashboard
    analytics index get_video_info generate_204 pagead ptracking iframe_api player_api profile v e
    courses select community playables sw.js robots.txt
    """)
    search_paths = (("results", ("search_query", "q")),)

    def opaque(self, url: Url) -> str | None:
        if "youtu.be" in host_suffixes(url.host):
            return (
                "youtu.be links are videos, not channels; open the video, choose the channel name "
                "and paste that address, like https://www.youtube.com/@name"
            )
        return None

    def channel(self, raw: str | None) -> Identity | None:
        raw = (raw or "").strip()
        return Identity(self.name, f"channel/{raw}") if self.channel_re.fullmatch(raw) else None

    def named(self, kind: str, raw: str | None) -> Identity | None:
        raw = (raw or "").strip().lower()
        if kind == "@":
            ok = raw.startswith("@") and self.handle_re.fullmatch(raw[1:])
            return Identity(self.name, raw) if ok else None
        ok = raw not in self.reserved and self.name_re.fullmatch(raw)
        return Identity(self.name, f"{kind}/{raw}") if ok else None

    def found(self, url: Url, domain: str, sub: list[str]) -> Iterator[Identity | None]:
        if domain != "youtube.com":
            return  # youtu.be and youtube-nocookie.com carry videos only
        segs = url.segments
        low = [s.lower() for s in segs]
        yield from map(self.channel, url.params("channel_id", "browseId"))  # RSS feed, youtubei/v1/browse
        if low[:2] == ["feeds", "videos.xml"]:
            yield from (self.named("user", v) for v in url.params("user"))
        if sub not in ([], ["music"]) or not segs:
            return
        first = low[0]
        if first.startswith("@"):  # /@handle, /@handle/videos, /shorts, /community ...
            yield self.named("@", segs[0])
        elif first == "channel":
            yield self.channel(_at(segs, 1))
        elif first in ("c", "user"):
            yield self.named(first, _at(segs, 1))
        else:  # youtube.com/<name> serves the custom name, or else the legacy username
            yield self.named("c", segs[0])
            yield self.named("user", segs[0])
        # /watch?v=, /shorts/<id>, /playlist?list= do not name the channel: nothing here.


class Pinterest(Site):
    name, label = "pinterest", "Pinterest"
    domains = (
        "pinterest.com",
        "pinterest.co.uk",
        "pinterest.de",
        "pinterest.fr",
        "pinterest.ca",
        "pinterest.com.au",
        "pinterest.jp",
        "pinterest.es",
        "pinterest.it",
        "pinterest.com.mx",
        "pinterest.at",
        "pinterest.ch",
        "pinterest.ie",
        "pinterest.nz",
        "pinterest.pt",
        "pinterest.se",
        "pinterest.dk",
        "pinterest.cl",
        "pinterest.co.kr",
        "pinterest.ph",
        "pin.it",
    )
    regional = True  # uk.pinterest.com, de.pinterest.com, br.pinterest.com ...
    example = "https://www.pinterest.com/name/"
    short_links = ("pin.it",)
    handle_re = re.compile(r"[a-z0-9_]{3,30}")
    reserved = _words("""
    pin pins search ideas today explore settings business login logout signup categories topics
    news_hub videos shopping shop resource password about secure oauth edit notifications inbox
    homefeed discover creators help developers static _ngjs _ngapi user users board boards following
    followers privacy terms amp messages analytics ads convert closeup _tools _saved _created
    offsite invite join home sitemaps robots.txt
    """)
    search_paths = (("search", ("q",)),)

    def found(self, url: Url, domain: str, sub: list[str]) -> Iterator[Identity | None]:
        if domain == "pin.it":
            return
        segs = url.segments
        low = [s.lower() for s in segs]
        if "resource" in low[:2]:  # XHR: /resource/UserResource/get/?data={"options":{"username":...}}
            for data in url.params("data"):
                yield from map(self.handle, json_values(data, ("username",)))
            for source in url.params("source_url"):  # the page the call loads for: /<name>/<board>/
                yield self.handle(_at([s for s in source.split("/") if s], 0))
        if low[:2] == ["v3", "users"]:  # api.pinterest.com/v3/users/<name>/
            yield self.handle(_at(segs, 2))
        elif not sub and segs:  # /<name>/, /<name>/<board>/, /<name>/_saved/; /pin/<id>/ names no owner
            yield self.handle(segs[0])

    def searches(self, url: Url) -> Iterator[str]:
        yield from super().searches(url)
        if "BaseSearchResource" in url.path:
            for data in url.params("data"):
                yield from json_values(data, ("query",))


class Reddit(Site):
    name, label = "reddit", "Reddit"
    domains = ("reddit.com", "redd.it")
    example = "https://www.reddit.com/user/name/"
    short_links = ("redd.it",)
    handle_re = re.compile(r"[a-z0-9_-]{3,20}")

    def normalise(self, raw: str) -> str:
        return super().normalise(raw).split(".")[0]  # /user/name.json, /user/name/.rss

    def found(self, url: Url, domain: str, sub: list[str]) -> Iterator[Identity | None]:
        if domain != "reddit.com":
            return
        segs = url.segments
        low = [s.lower() for s in segs]
        if low[:1] in (["user"], ["u"]):  # /user/<name>/submitted/, /u/<name>, about.json
            yield self.handle(_at(segs, 1))
        elif low[:2] == ["message", "compose"]:  # a private message: /message/compose/?to=<name>
            yield from (self.handle(v.removeprefix("/u/").removeprefix("u/")) for v in url.params("to"))
        elif low[:2] == ["chat", "user"]:  # a chat: /chat/user/<name>
            yield self.handle(_at(segs, 2))
        elif low[:1] == ["r"] and _at(low, 1).startswith("u_"):  # /r/u_<name>: the profile's own feed
            yield self.handle(segs[1][2:])

    def opaque(self, url: Url) -> str | None:
        low = [s.lower() for s in url.segments]
        if low[:1] == ["r"] and _at(low, 2) == "s":  # reddit.com/r/<sub>/s/<code> share links
            return "reddit.com/r/.../s/ share links cannot be read offline; open it and paste the profile address"
        return super().opaque(url)

    def searches(self, url: Url) -> Iterator[str]:
        segs = url.segments
        if segs and segs[-1].lower() == "search":  # /search?q=, /r/<sub>/search?q=
            yield from (v.strip() for v in url.params("q") if v.strip())


class Spotify(Site):
    """Users, artists and shows by their ids: opaque, compared exactly."""

    name, label = "spotify", "Spotify"
    domains = ("spotify.com", "spotify.link", "spoti.fi")
    example = "https://open.spotify.com/user/id"
    short_links = ("spotify.link", "spoti.fi")
    id_re = re.compile(r"[A-Za-z0-9._-]{1,64}")
    kinds = {"user": "user", "users": "user", "artist": "artist", "artists": "artist", "show": "show", "shows": "show"}
    search_paths = (("v1/search", ("q",)),)

    def opaque_id(self, kind: str, raw: str) -> Identity | None:
        return Identity(self.name, f"{kind}:{raw}") if self.id_re.fullmatch(raw) else None

    def found(self, url: Url, domain: str, sub: list[str]) -> Iterator[Identity | None]:
        if domain != "spotify.com":
            return
        segs = url.segments
        while segs and (segs[0].lower().startswith("intl-") or segs[0].lower() in ("embed", "v1")):
            segs = segs[1:]  # /intl-de/user/<id>, /embed/artist/<id>, api.spotify.com/v1/users/<id>
        kind = self.kinds.get(_at(segs, 0).lower())
        if kind and len(segs) > 1:
            yield self.opaque_id(kind, segs[1])
        elif kind:  # api.spotify.com/v1/artists?ids=a,b
            for ids in url.params("ids"):
                yield from (self.opaque_id(kind, i.strip()) for i in ids.split(","))
        low = [s.lower() for s in segs]
        if low[:3] == ["user-profile-view", "v3", "profile"]:  # spclient XHR of the web player
            yield self.opaque_id("user", _at(segs, 3))

    def searches(self, url: Url) -> Iterator[str]:
        yield from super().searches(url)
        segs = url.segments
        if len(segs) > 1 and segs[0].lower() == "search":  # open.spotify.com/search/<term>/users
            yield segs[1]


class Venmo(Site):
    name, label = "venmo", "Venmo"
    domains = ("venmo.com",)
    example = "https://venmo.com/u/name"
    handle_re = re.compile(r"[a-z0-9_-]{2,30}")
    reserved = _words("""
    about account accounts legal signup sign-in signin login logout u code pay request business
    resources card cashback crypto help security privacy terms contact careers blog developers
    download features fees our-fees gift gifts info jobs money referral safety send-receive-money
    how-it-works teen credit-card debit-card direct-deposit wallet settings statement notifications
    search invite story stories pay-with-venmo api v1 groups charities static home feed
    """)

    def found(self, url: Url, domain: str, sub: list[str]) -> Iterator[Identity | None]:
        segs = url.segments
        low = [s.lower() for s in segs]
        yield from map(self.number, url.params("user_id"))  # venmo.com/code?user_id=<id>
        for recipients in url.params("recipients"):  # venmo.com/?txn=pay&recipients=<name>
            yield from map(self.handle, recipients.split(","))
        if sub == ["api"] and low[:2] == ["v1", "users"]:  # api.venmo.com/v1/users/<id or name>
            raw = _at(segs, 2)
            yield self.number(raw) if raw.isdigit() else self.handle(raw)
        elif sub in ([], ["account"]) and segs:
            yield self.handle(_at(segs, 1) if low[0] == "u" else segs[0])  # /u/<name>, /<name>


class CashApp(Site):
    name, label = "cashapp", "Cash App"
    domains = ("cash.app", "cash.me")
    example = "https://cash.app/$name"
    handle_re = re.compile(r"[a-z0-9_-]{1,20}")

    def found(self, url: Url, domain: str, sub: list[str]) -> Iterator[Identity | None]:
        first = _at(url.segments, 0)
        if not sub and first[:1] in ("$", "£"):  # cash.app/$tag (UK: £tag), cash.app/$tag/20
            yield self.handle(first[1:])


class Strava(Site):
    name, label = "strava", "Strava"
    domains = ("strava.com", "strava.app.link")
    example = "https://www.strava.com/athletes/12345678"
    short_links = ("strava.app.link",)
    handle_re = DIGITS  # athletes are numbered
    search_paths = (("athletes/search", ("text", "keywords")),)

    def found(self, url: Url, domain: str, sub: list[str]) -> Iterator[Identity | None]:
        segs = url.segments
        low = [s.lower() for s in segs]
        if low[:2] == ["api", "v3"]:  # /api/v3/athletes/<id>/stats
            segs, low = segs[2:], low[2:]
        if domain == "strava.com" and low[:1] in (["athletes"], ["pros"]):
            yield self.handle(_at(segs, 1))


class GitHub(Site):
    """github.com/<user>, its repos and pages, and <user>.github.io: one namespace, no case."""

    name, label = "github", "GitHub"
    domains = ("github.com", "github.io", "githubusercontent.com")
    example = "https://github.com/name"
    handle_re = re.compile(r"[a-z0-9][a-z0-9-]{0,38}")
    reserved = _words("""
    about pricing features login join logout settings notifications explore topics trending
    marketplace search new organizations enterprise enterprises security site apps pulls issues
    codespaces collections events readme team customer-stories contact dashboard account blog
    sponsors orgs users stars github resources solutions copilot home mobile premium-support
    nonprofit education watching signup password_reset session sessions auth showcases git-guides
    open-source partners why-github trust-center discover starred mine robots favicon manifest
    opensearch api raw gist www status support docs skills models repos codes sitemap webhooks
    """)
    search_paths = (("search", ("q",)),)

    def normalise(self, raw: str) -> str:
        return super().normalise(raw).split(".")[0]  # github.com/<user>.keys, .gpg, .atom

    def found(self, url: Url, domain: str, sub: list[str]) -> Iterator[Identity | None]:
        segs = url.segments
        low = [s.lower() for s in segs]
        if domain == "github.io":  # <user>.github.io/<anything>
            if len(sub) == 1:
                yield self.handle(sub[0])
        elif domain == "githubusercontent.com":  # raw.githubusercontent.com/<user>/<repo>/...
            if sub in (["raw"], ["gist"]):
                yield self.handle(_at(segs, 0))
        elif sub == ["api"]:  # api.github.com/users/<user>, /orgs/<org>, /repos/<user>/<repo>
            if low[:1] in (["users"], ["orgs"], ["repos"]):
                yield self.handle(_at(segs, 1))
        elif sub == ["gist"]:
            yield self.handle(_at(segs, 0))
        elif not sub and segs:
            if low[0] in ("orgs", "sponsors", "users", "stars"):  # /orgs/<org>/people, /sponsors/<user>
                yield self.handle(_at(segs, 1))
            else:  # /<user>, /<user>/<repo>/..., /<user>?tab=repositories
                yield self.handle(segs[0])


class Linktree(Site):
    name, label = "linktree", "Linktree"
    domains = ("linktr.ee",)
    example = "https://linktr.ee/name"
    reserved = _words("""
    s admin login register help blog privacy terms marketplace discover explore legal features
    pricing api about careers contact signup dashboard settings account templates creators static
    robots.txt favicon.ico
    """)

    def found(self, url: Url, domain: str, sub: list[str]) -> Iterator[Identity | None]:
        if not sub and url.segments:
            yield self.handle(url.segments[0])


class Bluesky(Site):
    """Handles are domain names (no case); DIDs (did:plc:...) are opaque and compared exactly."""

    name, label = "bluesky", "Bluesky"
    domains = ("bsky.app", "bsky.social")
    example = "https://bsky.app/profile/name.bsky.social"
    handle_re = re.compile(r"(?=.{3,253}$)[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+")
    did_re = re.compile(r"did:[a-z]+:[A-Za-z0-9._:%-]{1,2000}")
    search_paths = (
        ("search", ("q",)),
        ("xrpc/app.bsky.actor.searchactors", ("q", "term")),
        ("xrpc/app.bsky.actor.searchactorstypeahead", ("q", "term")),
        ("xrpc/app.bsky.feed.searchposts", ("q",)),
    )

    def key(self, raw: str) -> str | None:
        raw = raw.strip().lstrip("@")
        if raw[:4].lower() == "did:":
            return raw if self.did_re.fullmatch(raw) else None
        return super().key(raw)

    def found(self, url: Url, domain: str, sub: list[str]) -> Iterator[Identity | None]:
        segs = url.segments
        low = [s.lower() for s in segs]
        if low[:1] == ["profile"]:  # /profile/<handle or did>/, /post/<id>, /follows ...
            yield self.handle(_at(segs, 1))
        if low[:1] == ["xrpc"]:  # app.bsky.actor.getProfile?actor=, app.bsky.feed.getAuthorFeed?actor=
            yield from map(self.handle, url.params("actor", "actors", "repo", "handle", "did"))
            for uri in url.params("uri", "uris"):  # at://<author>/app.bsky.feed.post/<id>
                if uri.startswith("at://"):
                    yield self.handle(uri[5:].split("/", 1)[0])
        if domain == "bsky.social" and len(sub) == 1:  # <name>.bsky.social: handle resolution
            yield self.handle(f"{sub[0]}.bsky.social")


class Telegram(Site):
    name, label = "telegram", "Telegram"
    domains = ("t.me", "telegram.me", "telegram.dog", "telegram.org")
    example = "https://t.me/name"
    handle_re = re.compile(r"[a-z][a-z0-9_]{3,31}")
    reserved = _words("""
    joinchat addstickers addemoji addtheme addlist share proxy socks login setlanguage confirmphone
    boost invoice contact giftcode iv bg c apps blog faq privacy tos nft auction
    """)

    def opaque(self, url: Url) -> str | None:
        if url.host == "web.telegram.org":
            return (
                "Telegram Web keeps the chat after '#', which never reaches nocontact; "
                "paste the t.me link instead, like https://t.me/name"
            )
        return None

    def found(self, url: Url, domain: str, sub: list[str]) -> Iterator[Identity | None]:
        if domain == "telegram.org":
            return  # web.telegram.org/k/#@name: the name is in the fragment, unseen by a proxy
        segs = url.segments
        low = [s.lower() for s in segs]
        if domain == "t.me" and len(sub) == 1:  # <name>.t.me
            yield self.handle(sub[0])
        if sub or not segs:
            return
        if low[0] == "s":  # t.me/s/<name>: public channel preview
            yield self.handle(_at(segs, 1))
        elif low[:2] == ["i", "userpic"]:  # t.me/i/userpic/320/<name>.jpg
            yield self.handle(segs[-1].split(".")[0])
        elif segs[0].startswith("+"):
            # t.me/+<digits> opens a chat with a phone number; t.me/+<hash> is a group invite.
            if segs[0][1:].isdigit():
                yield _phone(segs[0])
        else:
            yield self.handle(segs[0])  # t.me/<name>, t.me/<name>/<post>


class WhatsApp(Site):
    """Chat links name a phone number: they reach Identity("phone", ...), shared with the config's phones."""

    name, label = "whatsapp", "WhatsApp"
    domains = ("wa.me", "whatsapp.com")
    example = "https://wa.me/447700900123"

    def opaque(self, url: Url) -> str | None:
        domain, sub = self.where(url.host)
        first = _at([s.lower() for s in url.segments], 0)
        if sub == ["chat"]:
            return "chat.whatsapp.com links are group invites, not a person; paste a chat link like https://wa.me/447700900123"
        if domain == "wa.me" and first in ("message", "qr"):
            return f"wa.me/{first}/ links cannot be read offline; open it and paste the profile address"
        return None

    def found(self, url: Url, domain: str, sub: list[str]) -> Iterator[Identity | None]:
        segs = url.segments
        # api.whatsapp.com/send?phone=, web.whatsapp.com/send?phone=, wa.me/<digits>?text=
        yield from map(_phone, url.params("phone"))
        if domain == "wa.me" and not sub and segs:
            number = _at(segs, 1) if segs[0].lower() == "c" else segs[0]  # wa.me/c/<digits>: a catalogue
            if number.lstrip("+").isdigit():
                yield _phone(number)


# --- any other site ------------------------------------------------------------


class GenericSite(Platform):
    """Any other site: the profile is its host plus a path prefix at a segment boundary.

    flickr.com/photos/caseyl reaches /photos/caseyl and everything under it, not
    /photos/caseyl2. A bare host means the whole site, subdomains included. Keys are
    "<host>/<segments>" (lower case), so `reaches` yields one key per prefix and the
    caller matches with dict lookups. A profile named in the query (profile.php?id=7)
    keeps that one parameter in its key, so other profiles on the site stay open.
    """

    name, label = "web", "a website"
    domains = ()
    prefixes = frozenset({"www", "m", "mobile", "web", "touch"})
    tracking = _words("""
    ref ref_src ref_url fbclid gclid igshid igsh si mibextid share share_id src source from feature
    lang locale hl sk tab s t
    """)
    id_params = _words("""
    id uid user userid user_id username u profile profile_id profileid member member_id memberid
    name handle screen_name pid
    """)
    max_pairs = 32

    def host(self, host: str) -> str:
        labels = host.split(".")
        while len(labels) > 2 and labels[0] in self.prefixes:
            labels = labels[1:]
        return ".".join(labels)

    def _pairs(self, url: Url) -> list[tuple[str, str]]:
        pairs = []
        for key, value in url.query[: self.max_pairs]:
            key = key.strip().lower()
            if key and key not in self.tracking and not key.startswith("utm_"):
                pairs.append((key, value.strip().lower()))
        return pairs

    @staticmethod
    def _with(path_key: str, pair: tuple[str, str]) -> str:
        base = path_key if "/" in path_key else path_key + "/"
        return f"{base}?{pair[0]}={pair[1]}" if pair[1] else f"{base}?{pair[0]}"

    def _path_keys(self, url: Url) -> list[str]:
        host = self.host(url.host)
        segs = [s.lower() for s in url.segments]
        return [host] + [f"{host}/{'/'.join(segs[:i])}" for i in range(1, len(segs) + 1)]

    def profile(self, url: Url) -> Identity:
        path_key = self._path_keys(url)[-1]
        pairs = self._pairs(url)
        if len(pairs) > 1:
            named = [p for p in pairs if p[0] in self.id_params]
            if len(named) != 1:
                names = ", ".join(k for k, _ in pairs)
                raise ProfileError(
                    f"{url.without_query()} names the page with several query parameters ({names}), and nocontact "
                    "cannot tell which one is the person; paste the shortest link that still opens the profile"
                )
            pairs = named
        return Identity(self.name, self._with(path_key, pairs[0]) if pairs else path_key)

    def reaches(self, url: Url) -> Iterator[Identity]:
        keys = self._path_keys(url)
        labels = keys[0].split(".")
        for i in range(1, max(1, len(labels) - 1)):  # blog.casey.com reaches a whole-site casey.com
            yield Identity(self.name, ".".join(labels[i:]))
        for key in keys:
            yield Identity(self.name, key)
        for pair in self._pairs(url):
            yield Identity(self.name, self._with(keys[-1], pair))


# --- the module API the policy uses -------------------------------------------------

PLATFORMS: tuple[Platform, ...] = (
    Instagram(),
    Threads(),
    Facebook(),
    X(),
    TikTok(),
    Snapchat(),
    LinkedIn(),
    YouTube(),
    Pinterest(),
    Reddit(),
    Spotify(),
    Venmo(),
    CashApp(),
    Strava(),
    GitHub(),
    Linktree(),
    Bluesky(),
    Telegram(),
    WhatsApp(),
)
GENERIC: Platform = GenericSite()
_BY_DOMAIN: dict[str, Platform] = {domain: p for p in PLATFORMS for domain in p.domains}


def platform_for_host(host: str) -> Platform | None:
    """The platform serving `host` (a normalised host name), or None for any other site."""
    for suffix in host_suffixes(host.lower().rstrip(".")):
        platform = _BY_DOMAIN.get(suffix)
        if platform is not None:
            return platform
    return None


def recognise(text_or_url: str | Url) -> Identity:
    """The identity named by a pasted profile link.

    Raises ProfileError, saying what was expected, for a link on a known platform
    that is not a profile (or is an opaque short link), and for text that is no link.
    """
    if isinstance(text_or_url, Url):
        url = text_or_url
    else:
        try:
            url = parse(text_or_url)
        except UrlError as err:
            raise ProfileError(
                f"{text_or_url!r} is not a link nocontact can read ({err}); "
                "paste the address of the profile page, starting with https://"
            ) from None
    return (platform_for_host(url.host) or GENERIC).profile(url)
