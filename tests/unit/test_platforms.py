"""agent.engine.platforms: recognising a pasted link, the platforms' searches and hosts, and every platform's table.

The tables themselves stand beside each platform module's tests: tests/unit/test_platforms_<module>.py.
"""

from __future__ import annotations

import importlib

import pytest

from agent.config import parse_config
from agent.engine.identity import Identity, ProfileError, phone_key
from agent.engine.platforms import GENERIC, PLATFORMS, platform_for_host, recognise
from agent.engine.policy import Policy
from agent.engine.urls import parse
from tests.unit.platform_tables import reaches


@pytest.mark.parametrize("platform", (*PLATFORMS, GENERIC), ids=lambda p: p.name)
def test_every_platform_has_its_table(platform) -> None:
    """Each platform has URLs that must and must not reach a profile, in the tests of its own module."""
    module = type(platform).__module__.rsplit(".", 1)[-1]  # agent.engine.platforms.meta -> meta
    tests = importlib.import_module(f"tests.unit.test_platforms_{module}")
    rows = getattr(tests, "TABLES", {}).get(platform.name, [])
    assert any(yes for _, yes, _ in rows) and any(no for _, _, no in rows), (
        f"{platform.name} has no table: add TABLES[{platform.name!r}] to tests/unit/test_platforms_{module}.py")


# --- recognise: the identity a pasted link names ------------------------------------


def test_recognise_accepts_a_parsed_url() -> None:
    assert recognise(parse("https://x.com/caseylindq")) == Identity("x", "caseylindq")


def test_phone_links_match_configured_phones() -> None:
    assert recognise("https://wa.me/447700900123") == Identity("phone", phone_key("+44 7700 900123"))


def test_instagram_exact_message() -> None:
    with pytest.raises(ProfileError) as err:
        recognise("https://www.instagram.com/explore/")
    assert str(err.value) == (
        "https://www.instagram.com/explore/ is not a profile link; "
        "paste the link of the profile page, like https://www.instagram.com/name/"
    )


def test_short_link_exact_message() -> None:
    with pytest.raises(ProfileError) as err:
        recognise("https://pin.it/1a2B3c4D")
    assert str(err.value) == "pin.it links cannot be read offline; open it and paste the profile address"


@pytest.mark.parametrize(
    ("link", "expected"),
    [
        ("https://www.instagram.com/p/C1a2B3c4D5e/", "like https://www.instagram.com/name/"),
        ("https://www.instagram.com/", "is not a profile link"),
        ("https://www.threads.net/search?q=casey", "like https://www.threads.net/@name"),
        ("https://www.facebook.com/groups/123456789", "like https://www.facebook.com/name"),
        ("https://www.facebook.com/watch/?v=123", "is not a profile link"),
        ("https://www.facebook.com/share/1AbCdEfGhI/", "facebook.com/share/ links cannot be read offline"),
        ("https://fb.watch/AbCdEf123/", "fb.watch links cannot be read offline"),
        ("https://x.com/home", "like https://x.com/name"),
        ("https://x.com/search?q=caseylindq", "is not a profile link"),
        ("https://t.co/AbCdEf1234", "t.co links cannot be read offline"),
        ("https://www.tiktok.com/foryou", "like https://www.tiktok.com/@name"),
        ("https://www.tiktok.com/casey.lindqvist", "like https://www.tiktok.com/@name"),
        ("https://vm.tiktok.com/ZMhAbCdEf/", "vm.tiktok.com links cannot be read offline"),
        ("https://www.snapchat.com/t/AbCdEfGh", "snapchat.com/t/ links cannot be read offline"),
        ("https://www.linkedin.com/company/acme/", "like https://www.linkedin.com/in/name/"),
        ("https://lnkd.in/eAbCdEfG", "lnkd.in links cannot be read offline"),
        ("https://www.youtube.com/watch?v=dQw4w9WgXcQ", "like https://www.youtube.com/@name"),
        ("https://youtu.be/dQw4w9WgXcQ", "youtu.be links are videos, not channels"),
        ("https://www.pinterest.com/pin/123456789012345678/", "like https://www.pinterest.com/name/"),
        ("https://pin.it/1a2B3c4D", "pin.it links cannot be read offline"),
        ("https://www.reddit.com/r/AskReddit/", "like https://www.reddit.com/user/name/"),
        ("https://redd.it/1abcde", "redd.it links cannot be read offline"),
        ("https://www.reddit.com/r/AskReddit/s/AbCdEfGh", "share links cannot be read offline"),
        ("https://open.spotify.com/album/4Z8W4fKeB5YxbusRsdQVPb", "like https://open.spotify.com/user/id"),
        ("https://spotify.link/AbCdEfGh", "spotify.link links cannot be read offline"),
        ("https://venmo.com/about/", "like https://venmo.com/u/name"),
        ("https://cash.app/help", "like https://cash.app/$name"),
        ("https://www.strava.com/athletes/caseyl", "like https://www.strava.com/athletes/12345678"),
        ("https://github.com/explore", "like https://github.com/name"),
        ("https://linktr.ee/", "like https://linktr.ee/name"),
        ("https://bsky.app/", "like https://bsky.app/profile/name.bsky.social"),
        ("https://t.me/joinchat/AbCdEfGhIjKlMnOp", "like https://t.me/name"),
        ("https://t.me/+AbCdEfGhIjKlMnOp", "like https://t.me/name"),
        ("https://web.telegram.org/k/#@caseylindq", "never reaches nocontact"),
        ("https://chat.whatsapp.com/AbCdEfGhIjKlMnOp", "group invites, not a person"),
        ("https://wa.me/message/ABCDEF123GHI1", "wa.me/message/ links cannot be read offline"),
        ("https://wa.me/12", "like https://wa.me/447700900123"),
        ("https://example.org/view?a=1&b=2", "several query parameters (a, b)"),
        ("", "is not a link nocontact can read"),
        ("not a link", "is not a link nocontact can read"),
        ("whatsapp://send?phone=447700900123", "only http and https"),
        ("https://www.twitch.tv/directory", "like https://www.twitch.tv/name"),
        ("https://www.twitch.tv/videos/1234567890", "like https://www.twitch.tv/name"),
        ("https://www.twitch.tv/abc", "is not a profile link"),
        ("https://clips.twitch.tv/AwkwardHelplessSalamanderSwiftRage", "is not a profile link"),
        ("https://www.twitch.tv/search?term=caseylindqvist", "is not a profile link"),
        ("https://www.tumblr.com/explore/trending", "like https://www.tumblr.com/name"),
        ("https://www.tumblr.com/dashboard", "like https://www.tumblr.com/name"),
        ("https://www.tumblr.com/search/caseylindqvist", "is not a profile link"),
        ("https://assets.tumblr.com/", "is not a profile link"),
        ("https://tmblr.co/ZAbCdE1a2B3c", "tmblr.co links cannot be read offline"),
    ],
)
def test_recognise_explains_what_was_expected(link: str, expected: str) -> None:
    with pytest.raises(ProfileError) as err:
        recognise(link)
    assert expected in str(err.value)


# --- searches: the platform's own search box ---------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://www.instagram.com/explore/search/keyword/?q=casey%20lindqvist", ["casey lindqvist"]),
        ("https://www.instagram.com/web/search/topsearch/?context=blended&query=casey.lindqvist", ["casey.lindqvist"]),
        ("https://i.instagram.com/api/v1/users/search/?q=casey&count=30", ["casey"]),
        ("https://www.threads.net/search?q=casey&serp_type=default", ["casey"]),
        ("https://x.com/search?q=casey%20lindqvist&src=typed_query", ["casey lindqvist"]),
        (
            'https://x.com/i/api/graphql/abc/SearchTimeline?variables={"rawQuery":"casey lindqvist","count":20}',
            ["casey lindqvist"],
        ),
        ("https://www.facebook.com/search/top?q=casey+lindqvist", ["casey lindqvist"]),
        ("https://www.facebook.com/search/people/?q=Casey%20Lindqvist", ["Casey Lindqvist"]),
        ("https://www.facebook.com/public/Casey-Lindqvist", ["Casey Lindqvist"]),
        ("https://www.tiktok.com/search?q=casey&t=1700000000000", ["casey"]),
        ("https://www.tiktok.com/search/user?q=casey.lindqvist", ["casey.lindqvist"]),
        ("https://www.tiktok.com/api/search/general/full/?keyword=casey%20lindqvist&offset=0", ["casey lindqvist"]),
        ("https://www.youtube.com/results?search_query=casey+lindqvist", ["casey lindqvist"]),
        (
            "https://www.linkedin.com/search/results/all/?keywords=casey%20lindqvist&origin=GLOBAL_SEARCH_HEADER",
            ["casey lindqvist"],
        ),
        ("https://www.linkedin.com/search/results/people/?keywords=Casey%20Lindqvist", ["Casey Lindqvist"]),
        ("https://www.reddit.com/search/?q=casey_l", ["casey_l"]),
        ("https://old.reddit.com/r/sweden/search?q=casey&restrict_sr=on", ["casey"]),
        ("https://www.pinterest.com/search/pins/?q=casey%20lindqvist&rs=typed", ["casey lindqvist"]),
        (
            'https://www.pinterest.com/resource/BaseSearchResource/get/?data={"options":{"query":"casey lindqvist"}}',
            ["casey lindqvist"],
        ),
        ("https://github.com/search?q=caseylindqvist&type=users", ["caseylindqvist"]),
        ("https://open.spotify.com/search/casey%20lindqvist", ["casey lindqvist"]),
        ("https://open.spotify.com/search/casey/users", ["casey"]),
        ("https://api.spotify.com/v1/search?q=casey&type=artist", ["casey"]),
        ("https://bsky.app/search?q=casey", ["casey"]),
        ("https://public.api.bsky.app/xrpc/app.bsky.actor.searchActorsTypeahead?q=casey&limit=8", ["casey"]),
        ("https://www.snapchat.com/search?q=caseyl", ["caseyl"]),
        ("https://www.strava.com/athletes/search?text=casey+lindqvist", ["casey lindqvist"]),
        ("https://www.twitch.tv/search?term=casey%20lindqvist", ["casey lindqvist"]),
        ("https://m.twitch.tv/search?term=caseylindqvist&type=channels", ["caseylindqvist"]),
        ("https://api.twitch.tv/helix/search/channels?query=caseylindqvist&first=20", ["caseylindqvist"]),
        ("https://www.twitch.tv/caseylindqvist", []),
        ("https://www.tumblr.com/search/casey%20lindqvist", ["casey lindqvist"]),
        ("https://www.tumblr.com/search/casey+lindqvist/recent", ["casey lindqvist"]),
        ("https://www.tumblr.com/api/v2/timeline/search?limit=20&query=caseylindqvist&mode=top", ["caseylindqvist"]),
        ("https://www.tumblr.com/search", []),
        ("https://www.tumblr.com/caseylindqvist", []),
        (
            "https://www.instagram.com/api/v1/web/search/topsearch/?context=blended&query=casey%20lindqvist",
            ["casey lindqvist"],
        ),
        ("https://www.linkedin.com/pub/dir/Casey/Lindqvist", ["Casey Lindqvist"]),
        ("https://uk.linkedin.com/pub/dir/casey/lindqvist/gb-0-United-Kingdom", ["casey lindqvist"]),
        ("https://www.linkedin.com/pub/dir/?firstName=Casey&lastName=Lindqvist&trk=guest", ["Casey Lindqvist"]),
        ("https://www.linkedin.com/search/results/people/?firstName=Casey&lastName=Lindqvist", ["Casey Lindqvist"]),
        ("https://www.linkedin.com/pub/dir/?firstName=Casey", []),
        ("https://www.linkedin.com/pub/dir/Casey", []),
        ("https://venmo.com/search?q=casey%20lindqvist", ["casey lindqvist"]),
        ("https://account.venmo.com/search?q=Casey+Lindqvist", ["Casey Lindqvist"]),
        ("https://api.venmo.com/v1/users?query=casey&limit=50", ["casey"]),
        ("https://api.venmo.com/v1/users/casey-lindqvist", []),
        ("https://www.instagram.com/casey.lindqvist/", []),
        ("https://x.com/caseylindq", []),
        ("https://x.com/search", []),
        ("https://x.com/search?q=", []),
        ("https://www.facebook.com/searchx?q=casey", []),
        ("https://www.reddit.com/user/casey_l", []),
        ("https://www.youtube.com/watch?v=dQw4w9WgXcQ", []),
    ],
)
def test_searches(url: str, expected: list[str]) -> None:
    parsed = parse(url)
    platform = platform_for_host(parsed.host)
    assert platform is not None
    assert list(platform.searches(parsed)) == expected


# --- platform_for_host ---------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "name"),
    [
        ("www.instagram.com", "instagram"),
        ("instagram.com.", "instagram"),
        ("i.instagram.com", "instagram"),
        ("ig.me", "instagram"),
        ("evilinstagram.com", None),
        ("instagram.com.evil.net", None),
        ("www.threads.net", "threads"),
        ("threads.com", "threads"),
        ("de-de.facebook.com", "facebook"),
        ("m.me", "facebook"),
        ("www.messenger.com", "facebook"),
        ("x.com", "x"),
        ("cdn.syndication.twimg.com", "x"),
        ("pbs.twimg.com", None),
        ("feelinsonice-hrd.appspot.com", "snapchat"),
        ("appspot.com", None),
        ("business.facebook.com", "facebook"),
        ("graph.facebook.com", "facebook"),
        ("mobile.twitter.com", "x"),
        ("api.x.com", "x"),
        ("t.co", "x"),
        ("vm.tiktok.com", "tiktok"),
        ("uk.linkedin.com", "linkedin"),
        ("youtu.be", "youtube"),
        ("music.youtube.com", "youtube"),
        ("www.pinterest.co.uk", "pinterest"),
        ("uk.pinterest.com", "pinterest"),
        ("pin.it", "pinterest"),
        ("co.uk", None),
        ("old.reddit.com", "reddit"),
        ("redd.it", "reddit"),
        ("open.spotify.com", "spotify"),
        ("account.venmo.com", "venmo"),
        ("cash.app", "cashapp"),
        ("strava.app.link", "strava"),
        ("app.link", None),
        ("caseylindqvist.github.io", "github"),
        ("raw.githubusercontent.com", "github"),
        ("linktr.ee", "linktree"),
        ("public.api.bsky.app", "bluesky"),
        ("caseylindq.t.me", "telegram"),
        ("web.telegram.org", "telegram"),
        ("wa.me", "whatsapp"),
        ("web.whatsapp.com", "whatsapp"),
        ("flickr.com", None),
        ("example.org", None),
    ],
)
def test_platform_for_host(host: str, name: str | None) -> None:
    platform = platform_for_host(host)
    assert (platform.name if platform else None) == name


# --- the module's shape ------------------------------------------------------------


def test_names_and_domains_are_unique() -> None:
    names = [p.name for p in PLATFORMS]
    assert len(names) == len(set(names))
    domains = [d for p in PLATFORMS for d in p.domains]
    assert len(domains) == len(set(domains))
    assert GENERIC not in PLATFORMS
    assert (GENERIC.name, GENERIC.label) == ("web", "a website")
    assert all(p.label and p.domains for p in PLATFORMS)


@pytest.mark.parametrize("platform", PLATFORMS, ids=lambda p: p.name)
def test_each_example_is_a_profile_of_its_platform(platform) -> None:
    link = platform.example.split(" or ")[0]
    assert platform_for_host(parse(link).host) is platform
    assert recognise(link)


@pytest.mark.parametrize(
    ("profile", "url"),
    [
        ("https://www.instagram.com/caseyl/", "https://www.tiktok.com/@caseyl"),
        ("https://www.instagram.com/caseyl/", "https://x.com/caseyl"),
        ("https://www.instagram.com/caseyl/", "https://www.facebook.com/caseyl"),
        ("https://x.com/caseyl", "https://www.instagram.com/caseyl/"),
        ("https://www.tiktok.com/@caseyl", "https://www.instagram.com/caseyl/"),
        ("https://github.com/caseyl", "https://gitlab.com/caseyl"),
        ("https://t.me/caseylindq", "https://x.com/caseylindq"),
        ("https://www.reddit.com/user/caseyl", "https://www.pinterest.com/caseyl/"),
        ("https://linktr.ee/caseyl", "https://www.instagram.com/caseyl/"),
    ],
)
def test_same_handle_elsewhere_is_someone_else(profile: str, url: str) -> None:
    assert not reaches(profile, url)


HOSTILE_PATHS = [
    "/",
    "/%",
    "/%%%",
    "/@",
    "/+",
    "/$",
    "/..",
    "/./././",
    "/" + "a/" * 300,
    "/@" + "x" * 5000,
    "/api/graphql?variables=" + "[" * 20000 + "]" * 20000,
    '/graphql?variables={"username":["a",{"b":null}],"id":true,"userID":1.5}',
    "/resource/UserResource/get/?data=null&source_url=",
    "/xrpc/app.bsky.feed.getPostThread?uri=at://",
    "/profile.php?id=&id=abc",
    "/i/user/",
    "/stories/",
    "/in/",
    "/channel/",
    "/h5/share/usr/.html",
]


@pytest.mark.parametrize("platform", PLATFORMS, ids=lambda p: p.name)
def test_reaches_never_raises_on_odd_urls(platform) -> None:
    for domain in platform.domains:
        for path in HOSTILE_PATHS:
            url = parse(f"https://{domain}{path}")
            list(platform.reaches(url))
            list(platform.searches(url))
            list(GENERIC.reaches(url))


# --- through the policy: a platform's forms, its mirrors and wrappers, and its look-alikes --------------------

THROUGH_THE_POLICY = """
people:
  - alias: J
    profiles:
      - https://www.twitch.tv/CaseyLindqvist
      - https://caseylindqvist.tumblr.com/
    names: ["Casey Lindqvist"]
"""


@pytest.mark.parametrize(
    ("url", "blocked"),
    [
        ("https://www.twitch.tv/caseylindqvist/videos", True),
        ("https://www.twitch.tv/search?term=Casey%20Lindqvist", True),
        ("https://www.twitch.tv/search?term=caseylindqvist", True),
        ("https://unavatar.io/twitch/caseylindqvist", True),  # mirrors.py: avatar proxies
        ("https://rss-bridge.org/bridge01/?action=display&bridge=TwitchBridge&channel=caseylindqvist", True),
        ("https://www.google.com/url?q=https://www.twitch.tv/caseylindqvist", True),
        ("https://www.twitch.tv/caseylindqvist2", False),
        ("https://unavatar.io/twitch/caseylindqvist2", False),
        ("https://www.twitch.tv/search?term=casey", False),
        ("https://www.twitch.tv/videos/1234567890", False),
        ("https://www.tumblr.com/caseylindqvist/123456789012/holiday-photos", True),
        ("https://www.tumblr.com/search/Casey%20Lindqvist", True),
        ("https://t.umblr.com/redirect?z=https%3A%2F%2Fwww.tumblr.com%2Fcaseylindqvist&t=AbCd", True),
        ("https://unavatar.io/tumblr/caseylindqvist", True),  # mirrors.py: avatar proxies
        ("https://www.google.com/url?q=https://caseylindqvist.tumblr.com/rss", True),
        ("https://othername.tumblr.com/", False),
        ("https://t.umblr.com/redirect?z=https%3A%2F%2Fothername.tumblr.com%2F&t=AbCd", False),
        ("https://unavatar.io/tumblr/caseylindqvist2", False),
        ("https://www.tumblr.com/search/casey", False),
    ],
)
def test_through_the_policy(url: str, blocked: bool) -> None:
    decision = Policy(parse_config(THROUGH_THE_POLICY), lists={}).decide(url)
    assert decision.blocked is blocked, decision
