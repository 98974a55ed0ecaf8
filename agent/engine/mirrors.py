"""Third-party services whose URLs name a platform profile: feeds, avatar proxies, stats pages and data APIs.

A URL of theirs that names someone becomes that person's own platform URL (rsshub.app/instagram/user/<name>
-> https://www.instagram.com/<name>/), and the policy decides it like any other: a look-alike handle stays
a look-alike, and only the configured person's feed, avatar or data is blocked, not the service.
Services whose whole purpose is looking at someone unseen are whole sites on the viewers list instead.
"""

from __future__ import annotations

from agent.engine.identity import EMAIL_RE
from agent.engine.platforms.work import Gravatar
from agent.engine.urls import Url, by_host

# Where a handle lands on its platform: "{}" is the handle without a leading "@" (or Cash App's "$"), "{raw}" the
# segment as given.
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
TWITCH = "https://www.twitch.tv/{}"
SOUNDCLOUD = "https://soundcloud.com/{}"  # a web address to the engine: matched as a profile listed by link
YOUTUBE_HANDLE = "https://www.youtube.com/@{}"
YOUTUBE_NAME = (YOUTUBE_HANDLE, YOUTUBE)  # a name without "@": the handle, or a custom name
YOUTUBE_CHANNEL = "https://www.youtube.com/channel/{raw}"

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
    "soundcloud/tracks/{}": (SOUNDCLOUD,), "soundcloud/user/{}": (SOUNDCLOUD,), "twitch/video/{}": (TWITCH,),
}
UNAVATAR: Routes = {  # avatar proxies: /<service>/<handle>, or /<handle> tried on every service
    "instagram/{}": (INSTAGRAM,), "twitter/{}": (X,), "x/{}": (X,), "tiktok/{}": (TIKTOK,), "youtube/{}": YOUTUBE_NAME,
    "reddit/{}": (REDDIT,), "github/{}": (GITHUB,), "telegram/{}": (TELEGRAM,), "facebook/{}": (FACEBOOK,),
    "bluesky/{}": (BLUESKY,), "threads/{}": (THREADS,), "pinterest/{}": (PINTEREST,),
    "linkedin/{}": ("https://www.linkedin.com/in/{}/",), "snapchat/{}": ("https://www.snapchat.com/add/{}",),
    "venmo/{}": ("https://venmo.com/u/{}",), "cashapp/{}": ("https://cash.app/${}",),
    "strava/{}": ("https://www.strava.com/athletes/{}",), "whatsapp/{}": ("https://wa.me/{}",),
    # Services without a platform of their own still reach a profile the person lists as a web address.
    "gravatar/{}": ("https://gravatar.com/{}",), "gitlab/{}": ("https://gitlab.com/{}",), "twitch/{}": (TWITCH,),
    "soundcloud/{}": (SOUNDCLOUD,), "tumblr/{}": ("https://www.tumblr.com/{}",),
    "medium/{}": ("https://medium.com/@{}",), "substack/{}": ("https://{}.substack.com/",),
    "patreon/{}": ("https://www.patreon.com/{}",), "onlyfans/{}": ("https://onlyfans.com/{}",),
    "ko-fi/{}": ("https://ko-fi.com/{}",), "buymeacoffee/{}": ("https://buymeacoffee.com/{}",),
    "deviantart/{}": ("https://www.deviantart.com/{}",), "dribbble/{}": ("https://dribbble.com/{}",),
    "behance/{}": ("https://www.behance.net/{}",), "vimeo/{}": ("https://vimeo.com/{}",),
    "paypal/{}": ("https://www.paypal.com/paypalme/{}",),
    "{}": (INSTAGRAM, X, TIKTOK, GITHUB, REDDIT, TELEGRAM, YOUTUBE_HANDLE, THREADS, FACEBOOK),
}
SOCIALBLADE: Routes = {  # follower statistics, page by page
    "instagram/user/{}": (INSTAGRAM,), "twitter/user/{}": (X,), "tiktok/user/{}": (TIKTOK,),
    "youtube/handle/{}": (YOUTUBE_HANDLE,), "youtube/user/{}": ("https://www.youtube.com/user/{}",),
    "youtube/c/{}": ("https://www.youtube.com/c/{}",), "youtube/channel/{}": ("https://www.youtube.com/channel/{raw}",),
}
REDDIT_ARCHIVES: Routes = {"?author": (REDDIT,)}  # Pushshift-style archives of everything a user posted
REVEDDIT: Routes = {"y/{}": (REDDIT,), "user/{}": (REDDIT,), "u/{}": (REDDIT,)}
PHOTON: Routes = {"u/{}": (REDDIT,), "user/{}": (REDDIT,), "?author": (REDDIT,)}  # a Reddit client and its archive
TIKTOK_APIS: Routes = {"?unique_id": (TIKTOK,), "?uniqueid": (TIKTOK,)}
TWITCH_STATS: Routes = {"channels/{}": (TWITCH,), "channel/{}": (TWITCH,), "{}": (TWITCH,)}  # /<login>/streams
TIKTOK_STATS: Routes = {"tiktok-analytics/user/{}": (TIKTOK,), "api/exist/{}": (TIKTOK,), "user/{}": (TIKTOK,)}
# AT Protocol explorers: an account's records by handle or DID (/at/<handle>, /at://<did>/<collection>/...,
# its "//" read as "/"); the longer route first, as the first that matches wins.
AT_EXPLORER: Routes = {"at/at:/{}": (BLUESKY,), "at/{}": (BLUESKY,), "at:/{}": (BLUESKY,)}

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
    "twitchtracker.com": TWITCH_STATS,
    "streamscharts.com": TWITCH_STATS,
    "sullygnome.com": TWITCH_STATS,
    "logs.ivr.fi": {"channel/{}": (TWITCH,)},  # a channel's chat logs, user by user
    "multitwitch.tv": {"{}": (TWITCH,)},
    "sc.maid.zone": {"{}": (SOUNDCLOUD,)},
    "github-readme-stats.vercel.app": {"?username": (GITHUB,)},  # their GitHub stats and chart, as images
    "ghchart.rshah.org": {"{}": (GITHUB,)},  # Soundcloak, a SoundCloud front-end: /<user>/<track>
    "hypeauditor.com": {"instagram/{}": (INSTAGRAM,), "tiktok/{}": (TIKTOK,), "youtube/{}": YOUTUBE_NAME,
                        "twitter/{}": (X,), "preview/instagram/{}": (INSTAGRAM,)},
    "notjustanalytics.com": {"profile/{}": (INSTAGRAM,), "analysis/{}": (INSTAGRAM,)},
    "foller.me": {"{}": (X,)},
    "search-new.pullpush.io": REDDIT_ARCHIVES,
    "snoopsnoo.com": {"u/{}": (REDDIT,)},
    "countik.com": TIKTOK_STATS,
    "exolyt.com": TIKTOK_STATS,
    "pdsls.dev": AT_EXPLORER,
    "atp.tools": AT_EXPLORER,
    "atproto-browser.vercel.app": AT_EXPLORER,
    "internect.info": {"did/{}": (BLUESKY,)},
    "plc.directory": {"{}": (BLUESKY,)},  # plc.directory/<did>
    "cred.blue": {"{}": (BLUESKY,)},  # an account's score: cred.blue/<handle>
    "blue.mackuba.eu": {"skythread?author": (BLUESKY,)},  # a thread by its author: /skythread/?author=<did>&post=
}

# RSS-Bridge: ?bridge=<Name>Bridge (or <Name>) and the handle in the bridge's own parameters. Public instances
# on a host of their own (one at a path of a general domain is not listed: the whole domain would be read).
RSS_BRIDGE_HOSTS = (
    "rss-bridge.org", "rssbridge.flossboxin.org.in", "rss-bridge.cheredeprince.net", "rss-bridge.sans-nuage.fr",
    "rss-bridge.lewd.tech", "rss.nixnet.services", "rss-bridge.ggc-project.de", "feeds.proxeuse.com",
    "rssbridge.boldair.dev", "rss-bridge.bb8.fun", "bridge.suumitsu.eu", "feed.eugene2molotov.ru",
    "rss-bridge.mediani.de", "rb.ash.fail", "rss.noleron.com", "rssbridge.projectsegfau.lt", "rb.vern.cc",
    "rss.bloat.cat", "rssbridge.prenghy.org", "rss-bridge.snopyta.org",
)
BRIDGE_PARAMS = ("u", "username", "user", "screen_name", "handle")  # not h=: a hashtag (InstagramBridge)
Bridge = dict[str, tuple[str, ...]]  # parameter -> where its value lands


def _by_handle(*targets: str) -> Bridge:
    return dict.fromkeys(BRIDGE_PARAMS, targets)


BRIDGES: dict[str, Bridge] = {
    "instagram": _by_handle(INSTAGRAM), "picuki": _by_handle(INSTAGRAM), "imgsed": _by_handle(INSTAGRAM),
    "twitter": _by_handle(X), "x": _by_handle(X), "farsidenitter": _by_handle(X), "tiktok": _by_handle(TIKTOK),
    "threads": _by_handle(THREADS), "reddit": _by_handle(REDDIT), "facebook": _by_handle(FACEBOOK),
    "pinterest": _by_handle(PINTEREST), "telegram": _by_handle(TELEGRAM),
    "vk": _by_handle("https://vk.com/{}"), "vk2": _by_handle("https://vk.com/{}"),
    "soundcloud": _by_handle(SOUNDCLOUD), "twitch": {"channel": (TWITCH,)},
    # user_id (handle or DID); the first version took handle=; data_source= names the kind of id, and is read
    # too in case a handle is written there (a kind's name matches no one)
    "bluesky": dict.fromkeys(("user_id", "handle", "data_source"), (BLUESKY,)),
    # u= a username (/user/<u>, also tried as the handle), c= a channel id, custom= a custom name (/<custom>)
    "youtube": {"u": ("https://www.youtube.com/user/{}", YOUTUBE_HANDLE), "c": (YOUTUBE_CHANNEL,),
                "custom": YOUTUBE_NAME},
    "youtubecommunitytab": {"channel": (YOUTUBE_CHANNEL,), "username": YOUTUBE_NAME},
    "youtubefeedexpander": {"channel": (YOUTUBE_CHANNEL,)},
}

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
    if "@" in raw[1:] and EMAIL_RE.fullmatch(raw):  # unavatar.io/<email>: that address's avatar, wherever the route points
        return [Gravatar.avatar_url(raw)]
    handle = raw.lstrip("@$")
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
        bridge = BRIDGES.get((url.param("bridge") or "").lower().removesuffix("bridge"), {})
        pairs = (*url.query, *url.form)
        return [t for name, value in pairs if name.lower() in bridge for t in _fill(bridge[name.lower()], value)]
    return []
