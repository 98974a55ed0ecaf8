"""The platforms: which profile a pasted link names, and which profiles a request reaches.

Pure (no I/O, no mitmproxy). Each platform is one class that holds all its facts
(domains, URL forms, short links, redirect pages, searches, rules of identity);
`base.Site` reads them. Adding a platform is one class here and its table test.

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

from agent.engine.identity import Identity, ProfileError
from agent.engine.platforms.base import Site, json_values
from agent.engine.platforms.generic import GenericSite
from agent.engine.platforms.media import Spotify, Strava, Twitch, YouTube
from agent.engine.platforms.messaging import Telegram, Viber, WhatsApp
from agent.engine.platforms.meta import Facebook, Instagram, Threads
from agent.engine.platforms.payments import CashApp, Venmo
from agent.engine.platforms.social import Bluesky, Linktree, Pinterest, Reddit, Snapchat, TikTok, Tumblr, X
from agent.engine.platforms.work import GitHub, Gravatar, LinkedIn
from agent.engine.urls import Url, UrlError, by_host, parse

__all__ = ["GENERIC", "PLATFORMS", "GenericSite", "Site", "json_values", "platform_for_host", "platform_named",
           "recognise"]

PLATFORMS: tuple[Site, ...] = (
    Instagram(),
    Threads(),
    Facebook(),
    X(),
    TikTok(),
    Snapchat(),
    LinkedIn(),
    YouTube(),
    Twitch(),
    Pinterest(),
    Reddit(),
    Tumblr(),
    Spotify(),
    Venmo(),
    CashApp(),
    Strava(),
    GitHub(),
    Gravatar(),
    Linktree(),
    Bluesky(),
    Telegram(),
    WhatsApp(),
    Viber(),
)
GENERIC = GenericSite()
_BY_DOMAIN: dict[str, Site] = {domain: p for p in PLATFORMS for domain in p.domains}
_BY_NAME: dict[str, Site] = {p.name: p for p in PLATFORMS}


def platform_for_host(host: str) -> Site | None:
    """The platform serving `host` (a normalised host name), or None for any other site."""
    return by_host(_BY_DOMAIN, host.lower().rstrip("."))


def platform_named(name: str) -> Site | None:
    """The platform an `Identity.platform` names ("instagram" also for Threads), or None ("web", "phone")."""
    return _BY_NAME.get(name)


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
