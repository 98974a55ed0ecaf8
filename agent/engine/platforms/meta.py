"""Meta's platforms: Instagram, Threads (Instagram accounts) and Facebook with Messenger."""

from __future__ import annotations

import re
from collections.abc import Iterator

from agent.engine.identity import Identity
from agent.engine.platforms.base import DIGITS, MIRROR_LABELS, Site, json_values, nth, word_set
from agent.engine.urls import Url


class Instagram(Site):
    name, label = "instagram", "Instagram"
    domains = ("instagram.com", "instagr.am", "ig.me")
    example = "https://www.instagram.com/name/"
    # Dots are significant on Instagram: casey.lindqvist and caseylindqvist are two people.
    handle_re = re.compile(r"[a-z0-9._]{1,30}")
    reserved = word_set("""
    explore accounts p reel reels tv igtv direct stories highlights about developer developers legal
    web api graphql static emails challenge session privacy terms press oauth ajax data download
    nametag qr create lite ar business blog brand directory topics locations tags s _n _u login
    logout signup help contact your_activity notifications sw.js robots.txt favicon.ico
    manifest.json
    """)
    redirects = {"l.instagram.com": (("/", ("u",)),)}
    search_paths = (
        ("explore/search/keyword", ("q",)),
        ("web/search/topsearch", ("query",)),
        ("api/v1/web/search/topsearch", ("query",)),
        ("api/v1/users/search", ("q", "query")),
        ("api/v1/fbsearch", ("query", "q")),
    )

    def identities(self, url: Url, domain: str, labels: list[str]) -> Iterator[Identity | None]:
        segs = url.segments
        low = [s.lower() for s in segs]
        # Background calls of the web app (www. and i.instagram.com).
        if low[:4] == ["api", "v1", "users", "web_profile_info"]:
            yield from map(self.handle, url.params("username"))
        if low[:4] == ["api", "v1", "feed", "user"] and nth(low, 5) == "username":
            yield self.handle(segs[4])
        if low[:3] == ["api", "v1", "users"] and nth(low, 4) == "usernameinfo":
            yield self.handle(segs[3])
        if "graphql" in low[:2]:
            yield from map(self.handle, self.graphql_variables(url, ("username", "user_name")))
        if labels:
            return  # help.instagram.com, about.instagram.com ...: no profiles
        if domain == "ig.me":  # ig.me/m/<handle> opens a chat, ig.me/<handle> the profile
            yield self.handle(nth(segs, 1) if low[:1] == ["m"] else nth(segs, 0))
        elif low[:1] in (["stories"], ["_u"]):  # /stories/<handle>/<id>/, app deep link /_u/<handle>
            yield self.handle(nth(segs, 1))
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
    redirects = {"l.threads.net": (("/", ("u",)),), "l.threads.com": (("/", ("u",)),)}
    search_paths = (("search", ("q", "query")),)

    def identities(self, url: Url, domain: str, labels: list[str]) -> Iterator[Identity | None]:
        segs = url.segments
        low = [s.lower() for s in segs]
        if low[:2] == ["intent", "follow"]:
            yield from map(self.handle, url.params("username"))
        if "graphql" in low[:2]:
            yield from map(self.handle, self.graphql_variables(url, ("username",)))
        if not labels and segs and segs[0].startswith("@"):  # /@handle, /@handle/post/<code>, /@handle/replies
            yield self.handle(segs[0])


class Facebook(Site):
    """Facebook and Messenger (m.me, messenger.com): one account, one identity."""

    name, label = "facebook", "Facebook"
    # Facebook's own onion service serves facebook.com (www. and m. too) to Tor.
    onion = "facebookwkhpilnemxj7asaniu7vnjjbiltxjqhye3mhbshg7kx5tfyd.onion"
    domains = ("facebook.com", "fb.com", "fb.me", "m.me", "messenger.com", "fb.watch", onion)
    regional = True
    # Numbered, business and test hosts serve the same profiles: x.facebook.com, 0.facebook.com, b-www.facebook.com,
    # business.facebook.com, www.beta.facebook.com.
    mirror_labels = MIRROR_LABELS | frozenset("x 0 d h iphone upload business b-www b-m mtouch beta latest".split())
    example = "https://www.facebook.com/name or https://www.facebook.com/profile.php?id=100000000000000"
    short_links = ("fb.watch",)
    redirects = {"facebook.com": (("/l.php", ("u",)), ("/flx/warn", ("u",))), onion: (("/l.php", ("u",)),),
                 "messenger.com": (("/l.php", ("u",)),)}
    ignores_dots = True  # Vanity names ignore dots and case: casey.lindqvist == CaseyLindqvist.
    vanity_re = re.compile(r"[a-z0-9.]{3,50}")
    numbered_re = re.compile(r"[^/]+-([0-9]{5,25})")  # Casey-Lindqvist-100098765432101 (pages, /p/)
    reserved = word_set("""
    pages groups events watch marketplace gaming profile.php people profile photo.php photo photos
    login login.php help settings home.php home search hashtag notifications messages friends
    bookmarks saved memories reel reels stories story.php permalink.php sharer sharer.php share
    dialog plugins privacy policies policy.php terms legal ads business careers about l.php
    video.php video videos live fundraisers donate places pg me checkpoint recover r.php reg
    campaign lite mobile developers games instantgames media composer ajax api graphql rsrc.php
    security directory public p find-friends feeds latest messenger notes offers jobs weather
    coronavirus_info logout.php unsupportedbrowser latest shows topic browse
    """)
    # Account ids by other names: friends/suggestions/?profile_id=, hovercard ?uid=, mbasic ?owner_id=, ?av=.
    id_params = ("profile_id", "user_id", "uid", "owner_id", "av")
    graph_version = re.compile(r"v[0-9]{1,2}(?:\.[0-9]{1,2})?")
    # /search/top/?q=, /search/people/?q=, m. and mbasic.'s /search/?query=, the older /search.php?q=
    search_paths = (("search", ("q", "query")), ("search.php", ("q",)))

    def key(self, raw: str) -> str | None:
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

    def identities(self, url: Url, domain: str, labels: list[str]) -> Iterator[Identity | None]:
        if domain == "fb.watch":
            return  # video short links
        segs = url.segments
        low = [s.lower() for s in segs]
        if domain == "messenger.com":  # /t/<name or id>, /e2ee/t/<id>
            if low[:1] == ["t"]:
                yield self.handle(nth(segs, 1))
            elif low[:2] == ["e2ee", "t"]:
                yield self.handle(nth(segs, 2))
            return
        if domain in ("m.me", "fb.me"):  # m.me/<name> opens a chat, fb.me/<name> the profile
            if not labels and low[:1] not in (["e"], ["d"], ["g"], ["j"], ["ch"]):  # short codes
                yield self.handle(nth(segs, 0))
            return
        if "hovercard" in low[:2] or low[:1] in (["profile.php"], ["story.php"], ["permalink.php"],
                                                  ["photo.php"], ["browse"]):  # browse/friends/?id=
            yield from map(self.handle, url.params("id"))  # the profile, or the owner of the story
        yield from map(self.numeric_id, url.params(*self.id_params))
        for album in url.params("set"):  # photo sets: set=a.<id>, set=pb.<id>.-2207520000, set=t.<id>
            yield from map(self.numeric_id, re.findall(r"[0-9]{5,25}", album))
        if low[:1] == ["ajax"]:  # partial renders: /ajax/pagelet/generic.php/...?data={"profile_id":<id>}
            for data in url.params("data"):
                yield from map(self.numeric_id, json_values(data, self.id_params + ("profileid", "userid", "ownerid")))
        if labels == ["graph"]:  # graph.facebook.com[/v18.0]/<id or name>/picture: avatars and objects
            nodes = segs[1:] if segs and self.graph_version.fullmatch(low[0]) else segs
            yield self.handle(nth(nodes, 0))
        if "graphql" in low[:2]:
            yield from map(self.numeric_id, self.graphql_variables(url, ("userID", "profileID", "profile_id", "id")))
            yield from map(self.handle, self.graphql_variables(url, ("username", "vanity", "userVanity")))
        if labels or not segs:
            return  # developers.facebook.com, business.facebook.com ...
        first = low[0]
        if first == "people":  # /people/<Name>/<id>/
            yield self.numeric_id(nth(segs, 2))
        elif first in ("profile", "p", "pg", "watch", "gaming"):  # /profile/<id>, /p/<Name>-<id>/, /watch/<name>
            yield self.handle(nth(segs, 1))
        elif first == "pages":  # /pages/<Name>/<id>
            yield self.numeric_id(nth(segs, 2))
        elif first == "messages" and nth(low, 1) == "t":  # facebook.com/messages/t/<name or id>
            yield self.handle(nth(segs, 2))
        elif first == "messages" and low[1:3] == ["e2ee", "t"]:  # /messages/e2ee/t/<id>
            yield self.handle(nth(segs, 3))
        elif first == "stories":  # /stories/<owner id>/<story id>/
            yield self.numeric_id(nth(segs, 1))
        elif first == "groups" and nth(low, 2) == "user":  # /groups/<group>/user/<id>/
            yield self.numeric_id(nth(segs, 3))
        elif first == "marketplace" and nth(low, 1) == "profile":  # /marketplace/profile/<id>/: their listings
            yield self.numeric_id(nth(segs, 2))
        elif first == "app_scoped_user_id":  # /app_scoped_user_id/<id>/ opens the profile; YXNp... ones are opaque
            yield self.numeric_id(nth(segs, 1))
        else:
            yield self.handle(segs[0])

    def searches(self, url: Url) -> Iterator[str]:
        yield from super().searches(url)
        segs = url.segments
        low = [s.lower() for s in segs]
        if len(segs) > 1 and low[0] == "public":  # facebook.com/public/Casey-Lindqvist
            yield segs[1].replace("-", " ")
        if low[:2] == ["search", "str"] and len(segs) > 2:  # graph search: /search/str/<words>/keywords_users
            yield segs[2]

    def why_unreadable(self, url: Url) -> str | None:
        domain, _ = self.place(url.host)
        first = nth([s.lower() for s in url.segments], 0)
        share = domain == "facebook.com" and first == "share"  # facebook.com/share/<code>/
        code = domain in ("m.me", "fb.me") and first in ("e", "d", "g", "j")  # fb.me/e/<code>
        if share or code:
            return f"{domain}/{first}/ links cannot be read offline; open it and paste the profile address"
        return super().why_unreadable(url)
