"""Third-party services whose URLs name a platform profile: feeds, avatar proxies, stats pages and data APIs.

A URL of theirs that names someone becomes that person's own platform URL (rsshub.app/instagram/user/<name>
-> https://www.instagram.com/<name>/), and the policy decides it like any other: a look-alike handle stays
a look-alike, and only the configured person's feed, avatar or data is blocked, not the service.
Services whose whole purpose is looking at someone unseen are whole sites on the viewers list instead.
"""

from __future__ import annotations

from agent.engine.urls import Url, by_host

# Where a handle lands on its platform: "{}" is the handle without a leading "@", "{raw}" the segment as given.
INSTAGRAM = "https://www.instagram.com/{}/"
X = "https://x.com/{}"
TIKTOK = "https://www.tiktok.com/@{}"
THREADS = "https://www.threads.net/@{}"
BLUESKY = "https://bsky.app/profile/{}"
YOUTUBE = "https://www.youtube.com/{raw}"  # "@name" is a handle, "name" a custom or legacy name
REDDIT = "https://www.reddit.com/user/{}/"
FACEBOOK = "https://www.facebook.com/{}"
PINTEREST = "https://www.pinterest.com/{}/"
TELEGRAM = "https://t.me/{}"
GITHUB = "https://github.com/{}"

# A route: "a/b/{}" (the handle is the segment after a/b; later segments are sub-pages) or "a/b?param"
# (any path under a/b, the handle in the parameter; "?param" alone: any path). The first route that matches wins.
Routes = dict[str, tuple[str, ...]]

RSSHUB: Routes = {  # RSSHub: a feed for a profile, route by route
    "instagram/user/{}": (INSTAGRAM,), "instagram/2/user/{}": (INSTAGRAM,), "picuki/profile/{}": (INSTAGRAM,),
    "picnob/user/{}": (INSTAGRAM,), "picnob.info/user/{}": (INSTAGRAM,),
    "twitter/user/{}": (X,), "twitter/media/{}": (X,), "twitter/likes/{}": (X,), "twitter/followings/{}": (X,),
    "tiktok/user/{}": (TIKTOK,), "threads/{}": (THREADS,), "bsky/profile/{}": (BLUESKY,),
    "youtube/user/{}": (YOUTUBE,), "youtube/channel/{}": ("https://www.youtube.com/channel/{raw}",),
    "youtube/c/{}": ("https://www.youtube.com/c/{}",), "facebook/page/{}": (FACEBOOK,),
    "pinterest/user/{}": (PINTEREST,), "telegram/channel/{}": (TELEGRAM,), "github/repos/{}": (GITHUB,),
    "reddit/user/{}": (REDDIT,), "spotify/artist/{}": ("https://open.spotify.com/artist/{raw}",),
}
UNAVATAR: Routes = {  # avatar proxies: /<service>/<handle>, or /<handle> tried on every service
    "instagram/{}": (INSTAGRAM,), "twitter/{}": (X,), "x/{}": (X,), "tiktok/{}": (TIKTOK,), "youtube/{}": (YOUTUBE,),
    "reddit/{}": (REDDIT,), "github/{}": (GITHUB,), "telegram/{}": (TELEGRAM,), "facebook/{}": (FACEBOOK,),
    "bluesky/{}": (BLUESKY,), "threads/{}": (THREADS,),
    "{}": (INSTAGRAM, X, TIKTOK, GITHUB, REDDIT, TELEGRAM),
}
SOCIALBLADE: Routes = {  # follower statistics, page by page
    "instagram/user/{}": (INSTAGRAM,), "twitter/user/{}": (X,), "tiktok/user/{}": (TIKTOK,),
    "youtube/handle/{}": ("https://www.youtube.com/@{}",), "youtube/user/{}": ("https://www.youtube.com/user/{}",),
    "youtube/c/{}": ("https://www.youtube.com/c/{}",), "youtube/channel/{}": ("https://www.youtube.com/channel/{raw}",),
}
REDDIT_ARCHIVES: Routes = {"?author": (REDDIT,)}  # Pushshift-style archives of everything a user posted
REVEDDIT: Routes = {"y/{}": (REDDIT,), "user/{}": (REDDIT,), "u/{}": (REDDIT,)}
PHOTON: Routes = {"u/{}": (REDDIT,), "user/{}": (REDDIT,), "?author": (REDDIT,)}  # a Reddit client and its archive
TIKTOK_APIS: Routes = {"?unique_id": (TIKTOK,), "?uniqueid": (TIKTOK,)}
TIKTOK_STATS: Routes = {"tiktok-analytics/user/{}": (TIKTOK,), "api/exist/{}": (TIKTOK,), "user/{}": (TIKTOK,)}

RSSHUB_HOSTS = (  # rsshub.app and public instances of it
    "rsshub.app", "rsshub.rssforever.com", "hub.slarker.me", "rsshub.pseudoyu.com", "rsshub.ktachibana.party",
    "rsshub.woodland.cafe", "rss.owo.nz", "rsshub.henry.wang", "rsshub.rss.tips", "rsshub.umzzz.com",
    "rsshub.isrss.com", "rsshub.email-once.com", "rsshub.asailor.org", "rsshub2.asailor.org", "yangzhi.app",
    "rss.datuan.dev", "rss.littlebaby.life", "rss.wudifeixue.com", "rss.4040940.xyz", "holoxx.f5.si",
)
_TABLES: dict[str, Routes] = {
    **dict.fromkeys(RSSHUB_HOSTS, RSSHUB),
    "twitrss.me": {"?user": (X,)},  # twitrss.me/twitter_user_to_rss/?user=<name>
    "queryfeed.net": {"tw?q": (X,)},  # queryfeed.net/tw?q=@<name>
    "tg.i-c-a.su": {"rss/{}": (TELEGRAM,), "json/{}": (TELEGRAM,)},  # a public Telegram channel as a feed
    "unavatar.io": UNAVATAR,
    "socialblade.com": SOCIALBLADE,
    "api.pullpush.io": REDDIT_ARCHIVES,
    "api.pushshift.io": REDDIT_ARCHIVES,
    "reveddit.com": REVEDDIT,
    "photon-reddit.com": PHOTON,
    "tikwm.com": TIKTOK_APIS,
    "countik.com": TIKTOK_STATS,
    "exolyt.com": TIKTOK_STATS,
}

# RSS-Bridge: ?bridge=<Name>Bridge and the handle in one of these parameters.
RSS_BRIDGE_HOSTS = ("rss-bridge.org",)
BRIDGES = {
    "instagram": INSTAGRAM, "twitter": X, "x": X, "tiktok": TIKTOK, "threads": THREADS, "bluesky": BLUESKY,
    "reddit": REDDIT, "youtube": YOUTUBE, "facebook": FACEBOOK, "pinterest": PINTEREST, "telegram": TELEGRAM,
}
BRIDGE_PARAMS = ("u", "username", "user", "screen_name", "handle")  # not h=: a hashtag

Route = tuple[tuple[str, ...], str | None, tuple[str, ...]]  # (path prefix, parameter or None, targets)


def _compile(routes: Routes) -> tuple[Route, ...]:
    out = []
    for pattern, targets in routes.items():
        path, _, param = pattern.partition("?")
        prefix = tuple(s for s in path.split("/") if s and s != "{}")
        out.append((prefix, param or None, targets))
    return tuple(out)


MIRRORS: dict[str, tuple[Route, ...]] = {host: _compile(routes) for host, routes in _TABLES.items()}
MIRROR_DOMAINS = (*MIRRORS, *RSS_BRIDGE_HOSTS)
_BRIDGE_HOSTS = dict.fromkeys(RSS_BRIDGE_HOSTS, True)


def _fill(targets: tuple[str, ...], raw: str) -> list[str]:
    raw = raw.strip()
    handle = raw.lstrip("@")
    if not handle or any(c in handle for c in "/?#@ "):
        return []  # not a handle: a mirror never turns text into a path of its own
    return [t.replace("{raw}", raw).replace("{}", handle) for t in targets]


def mirror_urls(url: Url) -> list[str]:
    """The platform URLs a mirror's URL names; empty for any other URL."""
    routes = by_host(MIRRORS, url.host)
    if routes:
        segs = url.segments
        low = [s.lower() for s in segs]
        for prefix, param, targets in routes:
            if tuple(low[: len(prefix)]) != prefix:
                continue
            if param:
                values = url.params(param)
            else:
                values = [segs[len(prefix)]] if len(segs) > len(prefix) else []
            if values:
                return [target for value in values for target in _fill(targets, value)]
        return []
    if by_host(_BRIDGE_HOSTS, url.host):
        template = BRIDGES.get((url.param("bridge") or "").lower().removesuffix("bridge"))
        if template:
            return [t for value in url.params(*BRIDGE_PARAMS) for t in _fill((template,), value)]
    return []
