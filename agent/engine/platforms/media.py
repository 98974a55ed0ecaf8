"""Listening, watching and training: YouTube, Twitch, Spotify and Strava."""

from __future__ import annotations

import re
from collections.abc import Iterator

from agent.engine.identity import Identity
from agent.engine.platforms.base import DIGITS, Site, nth, trim, word_set
from agent.engine.urls import Url


class YouTube(Site):
    """Handles (@x), custom names (/c/x, /x), legacy usernames (/user/x), channel ids (UC..., exact).

    A handle, a custom name and a legacy username with the same letters are one key, "@x": YouTube gave each
    channel its custom URL (or username) as its handle, and all three still lead to that channel.
    """

    name, label = "youtube", "YouTube"
    domains = ("youtube.com", "youtu.be", "youtube-nocookie.com")
    example = "https://www.youtube.com/@name"
    short_links = ("youtu.be",)  # videos, not channels
    embed_hosts = ("youtube-nocookie.com",)
    redirects = {"youtube.com": (("/redirect", ("q",)), ("/attribution_link", ("u",)))}
    handle_re = re.compile(r"[\w.-]{3,30}")
    name_re = re.compile(r"[\w-]{1,100}")
    channel_re = re.compile(r"UC[A-Za-z0-9_-]{22}")
    uploads_re = re.compile(r"UU(?:LF|SH|LV|MO|MF|PS|PV)?([A-Za-z0-9_-]{22})")
    reserved = word_set("""
    watch results feed playlist shorts channel c user embed live premium account
    account_notifications gaming music kids t hashtag redirect signin logout upload studio s about
    yt tv howyoutubeworks feeds youtubei api attribution_link creators ads new trends jobs copyright
    reporthistory paid_memberships oops error supported_browsers storefront movies podcasts trending
    originals red verify post source subscription_manager view_all_playlists my_videos dashboard
    analytics index get_video_info generate_204 pagead ptracking iframe_api player_api profile v e
    courses select community playables sw.js robots.txt
    """)
    search_paths = (("results", ("search_query", "q")),)

    def why_unreadable(self, url: Url) -> str | None:
        if super().why_unreadable(url):
            return (
                "youtu.be links are videos, not channels; open the video, choose the channel name "
                "and paste that address, like https://www.youtube.com/@name"
            )
        return None

    def channel(self, raw: str | None) -> Identity | None:
        raw = trim(raw or "")
        return Identity(self.name, f"channel/{raw}") if self.channel_re.fullmatch(raw) else None

    def channel_name(self, kind: str, raw: str | None) -> Identity | None:
        """A channel by its @handle (kind "@", `raw` with its "@"), custom name ("c") or legacy username ("user")."""
        raw = trim(raw or "").lower()
        if kind == "@":
            name = raw[1:] if raw.startswith("@") else ""
            ok = self.handle_re.fullmatch(name)
        else:
            name = raw
            ok = name not in self.reserved and self.name_re.fullmatch(name)
        return Identity(self.name, f"@{name}") if ok else None

    def identities(self, url: Url, domain: str, labels: list[str]) -> Iterator[Identity | None]:
        if domain != "youtube.com":
            return  # youtu.be and youtube-nocookie.com carry videos only
        segs = url.segments
        low = [s.lower() for s in segs]
        yield from map(self.channel, url.params("channel_id", "browseId", "channelid"))  # RSS feed, youtubei/v1/browse
        for playlist in url.params("list", "playlist_id"):  # a channel's own uploads: UU (UULF, UUSH...) + its id
            uploads = self.uploads_re.fullmatch(playlist.strip())
            if uploads:
                yield self.channel("UC" + uploads[1])
        if low[:1] == ["subscribe_embed"]:  # the subscribe button: ?channelid=<id> or ?channel=<legacy name>
            yield from (self.channel_name("user", v) for v in url.params("channel"))
        if low[:2] == ["feeds", "videos.xml"]:  # the RSS feed: ?user=<legacy name>, ?handle=<handle>
            yield from (self.channel_name("user", v) for v in url.params("user"))
            yield from (self.channel_name("@", "@" + v.strip().lstrip("@")) for v in url.params("handle"))
        if labels not in ([], ["music"]) or not segs:
            return
        first = low[0]
        if first.startswith("@"):  # /@handle, /@handle/videos, /shorts, /community ...
            yield self.channel_name("@", segs[0])
        elif first == "channel":
            yield self.channel(nth(segs, 1))
        elif first in ("c", "user"):
            yield self.channel_name(first, nth(segs, 1))
        else:  # youtube.com/<name> serves the custom name, or else the legacy username
            yield self.channel_name("c", segs[0])
        # /watch?v=, /shorts/<id>, /playlist?list=PL... do not name the channel: nothing here.


class Twitch(Site):
    """Channels by their login (no case). Videos, clips and the player's ?video= are opaque: they name no one."""

    name, label = "twitch", "Twitch"
    # Its video and image hosts (ttvnw.net, jtvnw.net) are not among them: they stream, and name no one to read.
    domains = ("twitch.tv",)
    example = "https://www.twitch.tv/name"
    handle_re = re.compile(r"[a-z0-9_]{4,25}")
    reserved = word_set("""
    directory downloads jobs p search settings subscriptions turbo videos wallet inventory drops friends
    messages prime store user moderator popout team embed subs login signup logout dashboard following
    broadcast creatorcamp bits bits-checkout checkout partner payments privacy terms legal security
    products redeem activate collections clip clips event events charity recaps annual-recap help
    support creators extensions communities sitemap robots.txt favicon.ico manifest.json opensearch.xml
    """)
    # The channel in the second segment: /popout/<login>/chat, /embed/<login>/chat (the chat embed),
    # /moderator/<login> (the mod view), /subs/<login> (its subscribe page).
    channel_pages = ("popout", "embed", "moderator", "subs")
    search_paths = (("search", ("term",)), ("helix/search/channels", ("query",)))

    def identities(self, url: Url, domain: str, labels: list[str]) -> Iterator[Identity | None]:
        segs = url.segments
        low = [s.lower() for s in segs]
        if labels in (["player"], ["embed"]):  # player.twitch.tv/?channel=<login>&parent=, embed.twitch.tv/?channel=
            yield from map(self.handle, url.params("channel"))
        elif labels == ["api"] and low[:1] == ["helix"]:  # /helix/users?login=<login>, /helix/streams?user_login=
            yield from map(self.handle, url.params("login", "user_login"))
        elif labels == ["dashboard"] and low[:1] == ["u"]:  # the channel's dashboard: dashboard.twitch.tv/u/<login>/
            yield self.handle(nth(segs, 1))
        elif not labels and segs:
            if low[0] in self.channel_pages:
                yield self.handle(nth(segs, 1))
                if low[0] == "popout" and nth(low, 2) == "viewercard":  # /popout/<channel>/viewercard/<login>
                    yield self.handle(nth(segs, 3))
            else:  # /<login>, /<login>/videos, /clips, /about, /schedule, /<login>/clip/<slug>; /videos/<id> is no one
                yield self.handle(segs[0])
        # clips.twitch.tv/<slug>, clips.twitch.tv/embed?clip=<slug> and player.twitch.tv/?video= do not name the
        # channel: nothing here.


class Spotify(Site):
    """Users, artists and shows by their ids: opaque, compared exactly."""

    name, label = "spotify", "Spotify"
    domains = ("spotify.com", "spotify.link", "spoti.fi")
    example = "https://open.spotify.com/user/id"
    short_links = ("spotify.link", "spoti.fi")
    id_re = re.compile(r"[A-Za-z0-9._-]{1,64}")
    kind_by_segment = {
        "user": "user", "users": "user", "artist": "artist", "artists": "artist", "show": "show", "shows": "show"}
    search_paths = (("v1/search", ("q",)),)

    def spotify_id(self, kind: str, raw: str) -> Identity | None:
        raw = trim(raw)
        return Identity(self.name, f"{kind}:{raw}") if self.id_re.fullmatch(raw) else None

    def identities(self, url: Url, domain: str, labels: list[str]) -> Iterator[Identity | None]:
        if domain != "spotify.com":
            return
        segs = url.segments
        while segs and (segs[0].lower().startswith("intl-") or segs[0].lower() in ("embed", "v1")):
            segs = segs[1:]  # /intl-de/user/<id>, /embed/artist/<id>, api.spotify.com/v1/users/<id>
        kind = self.kind_by_segment.get(nth(segs, 0).lower())
        if kind and len(segs) > 1:
            yield self.spotify_id(kind, segs[1])
        elif kind:  # api.spotify.com/v1/artists?ids=a,b
            for ids in url.params("ids"):
                yield from (self.spotify_id(kind, i.strip()) for i in ids.split(","))
        low = [s.lower() for s in segs]
        if low[:3] == ["user-profile-view", "v3", "profile"]:  # spclient XHR of the web player
            yield self.spotify_id("user", nth(segs, 3))
        for uri in url.params("uri"):  # the older embed: embed.spotify.com/?uri=spotify:user:<id>
            parts = uri.split(":")
            kind = self.kind_by_segment.get(nth(parts, 1).lower()) if parts[0] == "spotify" else None
            if kind and len(parts) > 2:
                yield self.spotify_id(kind, parts[2])

    def searches(self, url: Url) -> Iterator[str]:
        yield from super().searches(url)
        segs = url.segments
        if len(segs) > 1 and segs[0].lower() == "search":  # open.spotify.com/search/<term>/users
            yield segs[1]


class Strava(Site):
    name, label = "strava", "Strava"
    domains = ("strava.com", "strava.app.link")
    example = "https://www.strava.com/athletes/12345678"
    short_links = ("strava.app.link",)
    handle_re = DIGITS  # athletes are numbered
    search_paths = (("athletes/search", ("text", "keywords")),)

    def identities(self, url: Url, domain: str, labels: list[str]) -> Iterator[Identity | None]:
        segs = url.segments
        low = [s.lower() for s in segs]
        if low[:2] == ["api", "v3"]:  # /api/v3/athletes/<id>/stats
            segs, low = segs[2:], low[2:]
        if domain == "strava.com" and low[:1] in (["athletes"], ["pros"]):
            yield self.handle(nth(segs, 1))
