"""Social platforms named by a handle: X, Bluesky, TikTok, Snapchat, Pinterest, Reddit, Tumblr and Linktree."""

from __future__ import annotations

import re
from collections.abc import Iterator

from agent.engine.identity import Identity
from agent.engine.platforms.base import Site, json_values, nth, trim, word_set
from agent.engine.urls import Url


class X(Site):
    """X and Twitter: one platform, both domains."""

    name, label = "x", "X (Twitter)"
    # cdn.syndication.twimg.com serves the embedded timelines (?screen_name=), alone of X's media hosts.
    domains = ("x.com", "twitter.com", "t.co", "cdn.syndication.twimg.com")
    example = "https://x.com/name"
    short_links = ("t.co",)
    redirects = {"x.com": (("/i/redirect", ("url",)),), "twitter.com": (("/i/redirect", ("url",)),)}
    handle_re = re.compile(r"[a-z0-9_]{1,15}")
    reserved = word_set("""
    home explore search i settings messages notifications intent share hashtag compose login signup
    tos privacy logout account about download jobs bookmarks lists communities premium topics oauth
    en who_to_follow connect_people rules safety help display session sessions verified sw following
    followers media status web embed widgets
    """)
    search_paths = (("search", ("q",)), ("i/api/2/search", ("q",)), ("1.1/search", ("q",)))

    def identities(self, url: Url, domain: str, labels: list[str]) -> Iterator[Identity | None]:
        if domain == "t.co":
            return
        segs = url.segments
        low = [s.lower() for s in segs]
        # Intents (/intent/user?screen_name=), DM links (/messages/compose?recipient_id=) and the
        # REST API (1.1/users/show.json?screen_name=) all carry the person in these parameters; users/lookup.json
        # takes a comma-separated list.
        for names in url.params("screen_name", "screenName"):
            yield from map(self.handle, names.split(","))
        if low[:1] == ["intent"] and nth(low, 1) in ("tweet", "post"):  # a public @mention is contact too
            for text in url.params("text"):
                yield from (self.handle(word) for word in re.findall(r"@(\w{1,15})", text))
        for ids in url.params("user_id", "recipient_id", "userId"):
            yield from map(self.numeric_id, ids.split(","))
        if "graphql" in low[:3]:  # .../UserByScreenName, UsersByScreenNames, UserByRestId, UserTweets
            yield from map(self.handle, self.graphql_variables(url, ("screen_name", "screenName", "screen_names")))
            yield from map(self.numeric_id, self.graphql_variables(url, ("userId", "user_id", "rest_id", "userIds")))
        if labels == ["syndication"] or domain == "cdn.syndication.twimg.com":
            # Embedded timelines: /srv/timeline-profile/screen-name/<name>, .../user-id/<id>
            for kind, read in (("screen-name", self.handle), ("user-id", self.numeric_id)):
                if kind in low:
                    yield read(nth(segs, low.index(kind) + 1))
        elif labels == ["api"]:  # api.x.com/2/users/by/username/<name>, /2/users/<id>
            if low[:4] == ["2", "users", "by", "username"]:
                yield self.handle(nth(segs, 4))
            elif low[:2] == ["2", "users"]:
                yield self.numeric_id(nth(segs, 2))
        elif not labels and segs:
            if low[:2] == ["i", "user"]:  # twitter.com/i/user/<numeric id>
                yield self.numeric_id(nth(segs, 2))
            else:  # /<handle>, /<handle>/status/<id>, /with_replies, /media, /likes ...
                yield self.handle(segs[0])

    def searches(self, url: Url) -> Iterator[str]:
        yield from super().searches(url)
        if "SearchTimeline" in url.path:
            yield from self.graphql_variables(url, ("rawQuery",))


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
        raw = trim(raw).lstrip("@")
        if raw[:4].lower() == "did:":
            return raw if self.did_re.fullmatch(raw) else None
        return super().key(raw)

    def identities(self, url: Url, domain: str, labels: list[str]) -> Iterator[Identity | None]:
        segs = url.segments
        low = [s.lower() for s in segs]
        if low[:1] == ["profile"]:  # /profile/<handle or did>/, /post/<id>, /follows ...
            yield self.handle(nth(segs, 1))
        if low[:1] == ["xrpc"]:  # app.bsky.actor.getProfile?actor=, app.bsky.feed.getAuthorFeed?actor=
            yield from map(self.handle, url.params("actor", "actors", "repo", "handle", "did"))
            for uri in url.params("uri", "uris"):  # at://<author>/app.bsky.feed.post/<id>
                if uri.startswith("at://"):
                    yield self.handle(uri[5:].split("/", 1)[0])
        if domain == "bsky.social" and len(labels) == 1:  # <name>.bsky.social: handle resolution
            yield self.handle(f"{labels[0]}.bsky.social")


class TikTok(Site):
    name, label = "tiktok", "TikTok"
    domains = ("tiktok.com",)
    example = "https://www.tiktok.com/@name"
    redirects = {"tiktok.com": (("/link/v2", ("target", "url")),)}
    handle_re = re.compile(r"[a-z0-9._]{2,24}")
    search_paths = (("search", ("q",)), ("api/search", ("keyword",)))

    def why_unreadable(self, url: Url) -> str | None:
        if url.host.split(".")[0] in ("vm", "vt"):
            return f"{url.host} links cannot be read offline; open it and paste the profile address"
        return None

    def identities(self, url: Url, domain: str, labels: list[str]) -> Iterator[Identity | None]:
        if self.why_unreadable(url):
            return
        segs = url.segments
        low = [s.lower() for s in segs]
        yield from map(self.handle, url.params("uniqueId", "unique_id"))  # /api/user/detail/?uniqueId=
        if segs and segs[0].startswith("@"):  # only /@handle is a user: /@h, /@h/video/<id>, /@h/live
            yield self.handle(segs[0])
        elif low[:1] == ["embed"] and nth(segs, 1).startswith("@"):  # /embed/@handle
            yield self.handle(segs[1])
        elif low[:3] == ["node", "share", "user"]:  # /node/share/user/@handle
            yield self.handle(nth(segs, 3))
        elif low[:3] == ["h5", "share", "usr"]:  # m.tiktok.com/h5/share/usr/<numeric id>.html
            yield self.numeric_id(nth(segs, 3).removesuffix(".html"))
        elif low[:2] == ["share", "user"]:  # /share/user/<numeric id>
            yield self.numeric_id(nth(segs, 2))


class Snapchat(Site):
    name, label = "snapchat", "Snapchat"
    # feelinsonice-hrd.appspot.com: the older host of the Snapcode images, as app.snapchat.com/web/deeplink/snapcode.
    domains = ("snapchat.com", "feelinsonice-hrd.appspot.com")
    example = "https://www.snapchat.com/add/name"
    handle_re = re.compile(r"[a-z][a-z0-9._-]{1,14}")
    search_paths = (("search", ("q",)),)

    def identities(self, url: Url, domain: str, labels: list[str]) -> Iterator[Identity | None]:
        segs = url.segments
        low = [s.lower() for s in segs]
        if "snapcode" in low or "bitmoji" in low:  # a Snapcode or avatar image: .../snapcode?username=<name>
            yield from map(self.handle, url.params("username"))
        if labels not in ([], ["story"]) or domain != "snapchat.com":
            return
        if segs and segs[0].startswith("@"):  # www.snapchat.com/@name, story.snapchat.com/@name
            yield self.handle(segs[0])
        elif low[:1] == ["add"] or labels == ["story"] and low[:1] in (["s"], ["u"]):
            yield self.handle(nth(segs, 1))

    def why_unreadable(self, url: Url) -> str | None:
        if [s.lower() for s in url.segments[:1]] == ["t"]:  # snapchat.com/t/<code> share links
            return "snapchat.com/t/ links cannot be read offline; open it and paste the profile address"
        return None


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
    reserved = word_set("""
    pin pins search ideas today explore settings business login logout signup categories topics
    news_hub videos shopping shop resource password about secure oauth edit notifications inbox
    homefeed discover creators help developers static _ngjs _ngapi user users board boards following
    followers privacy terms amp messages analytics ads convert closeup _tools _saved _created
    offsite invite join home sitemaps robots.txt
    """)
    search_paths = (("search", ("q",)),)

    def identities(self, url: Url, domain: str, labels: list[str]) -> Iterator[Identity | None]:
        if domain == "pin.it":
            return
        segs = url.segments
        low = [s.lower() for s in segs]
        if "resource" in low[:2]:  # XHR: /resource/UserResource/get/?data={"options":{"username":...}}
            for data in url.params("data"):
                yield from map(self.handle, json_values(data, ("username",)))
            for source in url.params("source_url"):  # the page the call loads for: /<name>/<board>/
                yield self.handle(nth([s for s in source.split("/") if s], 0))
        if low[:2] == ["v3", "users"]:  # api.pinterest.com/v3/users/<name>/
            yield self.handle(nth(segs, 2))
        elif low[:2] == ["v3", "pidgets"] and nth(low, 2) in ("users", "boards"):
            yield self.handle(nth(segs, 3))  # widgets.pinterest.com/v3/pidgets/users/<name>/pins/, boards/<name>/<board>/
        elif not labels and segs:  # /<name>/, /<name>/<board>/, /<name>/_saved/; /pin/<id>/ names no owner
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
    redirects = {"out.reddit.com": (("/", ("url",)),)}
    handle_re = re.compile(r"[a-z0-9_-]{3,20}")

    def normalise(self, raw: str) -> str:
        return super().normalise(raw).split(".")[0]  # /user/name.json, /user/name/.rss

    def identities(self, url: Url, domain: str, labels: list[str]) -> Iterator[Identity | None]:
        if domain != "reddit.com":
            return
        segs = url.segments
        low = [s.lower() for s in segs]
        if low[:1] in (["user"], ["u"]):  # /user/<name>/submitted/, /u/<name>, about.json
            yield self.handle(nth(segs, 1))
        elif low[:2] == ["message", "compose"]:  # a private message: /message/compose/?to=<name>
            yield from (self.handle(v.removeprefix("/u/").removeprefix("u/")) for v in url.params("to"))
        elif low[:2] == ["chat", "user"]:  # a chat: /chat/user/<name>
            yield self.handle(nth(segs, 2))
        elif low[:1] == ["r"] and nth(low, 1).startswith("u_"):  # /r/u_<name>: the profile's own feed
            yield self.handle(segs[1][2:])

    def why_unreadable(self, url: Url) -> str | None:
        low = [s.lower() for s in url.segments]
        if low[:1] == ["r"] and nth(low, 2) == "s":  # reddit.com/r/<sub>/s/<code> share links
            return "reddit.com/r/.../s/ share links cannot be read offline; open it and paste the profile address"
        return super().why_unreadable(url)

    def searches(self, url: Url) -> Iterator[str]:
        segs = url.segments
        if segs and segs[-1].lower() in ("search", "search.json", "search.rss"):  # /search?q=, /r/<sub>/search.rss?q=
            yield from (v.strip() for v in url.params("q") if v.strip())


class Tumblr(Site):
    """Blogs by their name (no case): <name>.tumblr.com and, since 2023, tumblr.com/<name> are one blog.

    Its "you are leaving" page, t.umblr.com/redirect?z=, is on a domain of its own, read with the other redirectors.
    """

    name, label = "tumblr", "Tumblr"
    domains = ("tumblr.com", "tmblr.co")
    example = "https://www.tumblr.com/name or https://name.tumblr.com/"
    short_links = ("tmblr.co",)
    mirror_labels = frozenset({"www"})  # m., new., free., i. ... are blogs here
    handle_re = re.compile(r"[a-z0-9-]{1,32}")
    reserved = word_set("""
    dashboard explore tagged tags search settings login logout register signup likes following followers
    inbox messages messaging activity new help about policy privacy terms docs apps blog blogs reblog edit
    follow ask_form submit_form share widgets oembed oauth api svc communities community tumblrmart
    premium support abuse security jobs press business themes customize mobile safe-mode notifications
    account onboarding logged-out robots.txt favicon.ico sitemap.xml sitemap manifest.json
    """)
    # tumblr.com's own hosts, not blogs (staff.tumblr.com is a blog).
    subdomains = word_set("""
    www api assets static media help embed px t va vt ve a platform secure data srvcs mx mail
    """)
    # tumblr.com/search/<words> is read in `searches`; the web app searches with /api/v2/timeline/search?query=.
    search_paths = (("search", ("q",)), ("api/v2/timeline/search", ("query",)), ("v2/timeline/search", ("query",)))

    def normalise(self, raw: str) -> str:
        return super().normalise(raw).removesuffix(".tumblr.com")  # the API's and the ask form's <name>.tumblr.com

    def identities(self, url: Url, domain: str, labels: list[str]) -> Iterator[Identity | None]:
        if domain != "tumblr.com":
            return  # tmblr.co short links
        segs = url.segments
        low = [s.lower() for s in segs]
        if low[:2] == ["v2", "blog"] and labels == ["api"] or low[:3] == ["api", "v2", "blog"] and not labels:
            # api.tumblr.com/v2/blog/<name or name.tumblr.com>/posts, the web app's /api/v2/blog/<name>/info
            yield self.handle(nth(segs, low.index("blog") + 1))
        elif len(labels) == 1:  # <name>.tumblr.com/<anything>: /rss, /post/<id>/<slug>, /tagged/<tag>, /ask
            name = self.normalise(labels[0])
            if name not in self.subdomains and self.handle_re.fullmatch(name):
                yield Identity(self.name, name)
        elif not labels and segs:
            first = low[0]
            if first == "blog" and nth(low, 1) == "view" or first == "dashboard" and nth(low, 1) == "blog":
                yield self.handle(nth(segs, 2))  # /blog/view/<name>, /dashboard/blog/<name>/<post id>
            elif first in ("follow", "ask_form", "submit_form"):  # /follow/<name>, /ask_form/<name>.tumblr.com
                yield self.handle(nth(segs, 1))
            elif first == "reblog" and len(segs) > 3:  # /reblog/<name>/<post id>/<reblog key>; the older
                yield self.handle(segs[1])  # /reblog/<post id>/<reblog key> names no blog
            else:  # /<name>, /<name>/<post id>/<slug>, /<name>/tagged/<tag>, /<name>/likes
                yield self.handle(segs[0])

    def searches(self, url: Url) -> Iterator[str]:
        yield from super().searches(url)
        segs = url.segments
        if len(segs) > 1 and segs[0].lower() == "search":  # tumblr.com/search/<words>, /search/<words>/recent
            words = segs[1].replace("+", " ").strip()
            if words:
                yield words


class Linktree(Site):
    name, label = "linktree", "Linktree"
    domains = ("linktr.ee",)
    example = "https://linktr.ee/name"
    reserved = word_set("""
    s admin login register help blog privacy terms marketplace discover explore legal features
    pricing api about careers contact signup dashboard settings account templates creators static
    robots.txt favicon.ico
    """)

    def identities(self, url: Url, domain: str, labels: list[str]) -> Iterator[Identity | None]:
        if not labels and url.segments:
            yield self.handle(url.segments[0])
