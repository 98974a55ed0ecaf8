"""agent.engine.platforms: which profile a pasted link names, and which requests reach it.

Each platform has a table: a pasted profile link, the URL forms that must reach
that identity, and the look-alikes and unrelated pages that must not.
"""

from __future__ import annotations

import pytest

from agent.engine.identity import Identity, ProfileError, phone_key
from agent.engine.platforms import GENERIC, PLATFORMS, json_values, platform_for_host, recognise
from agent.engine.urls import parse


def reaches(profile: str, url: str) -> bool:
    """Does a request to `url` reach the person behind the pasted `profile` link?"""
    target = recognise(profile)
    parsed = parse(url)
    platform = platform_for_host(parsed.host) or GENERIC
    return target in set(platform.reaches(parsed))


# (profile link, URLs that must reach it, URLs that must not)
TABLES: dict[str, list[tuple[str, list[str], list[str]]]] = {}

TABLES["instagram"] = [
    (
        "https://www.instagram.com/casey.lindqvist/",
        [
            "https://www.instagram.com/casey.lindqvist/",
            "https://instagram.com/casey.lindqvist",
            "http://instagram.com/casey.lindqvist",
            "https://m.instagram.com/casey.lindqvist/",
            "https://WWW.INSTAGRAM.COM/Casey.Lindqvist/",
            "https://www.instagram.com./casey.lindqvist/",
            "https://www.instagram.com:443/casey.lindqvist/",
            "https://www.instagram.com//casey.lindqvist//",
            "https://www.instagram.com/%63asey.lindqvist/",
            "https://www.instagram.com/%2563asey%252Elindqvist/",
            "https://www.instagram.com/explore/../casey.lindqvist/",
            "https://www.instagram.com/casey.lindqvist/?hl=en",
            "https://www.instagram.com/casey.lindqvist/?igsh=MWx0bmV4c2Q1&utm_source=qr",
            "https://www.instagram.com/casey.lindqvist/reels/",
            "https://www.instagram.com/casey.lindqvist/tagged/",
            "https://www.instagram.com/casey.lindqvist/followers/",
            "https://www.instagram.com/casey.lindqvist/following/",
            "https://www.instagram.com/casey.lindqvist/p/C1a2B3c4D5e/",
            "https://www.instagram.com/casey.lindqvist/reel/C7xYzAbCdEf/",
            "https://www.instagram.com/stories/casey.lindqvist/",
            "https://www.instagram.com/stories/casey.lindqvist/3281234567890123456/",
            "https://www.instagram.com/_u/casey.lindqvist",
            "https://www.instagram.com/casey.lindqvist/?__a=1&__d=dis",
            "https://www.instagram.com/api/v1/users/web_profile_info/?username=casey.lindqvist",
            "https://i.instagram.com/api/v1/users/web_profile_info/?username=Casey.Lindqvist",
            "https://i.instagram.com/api/v1/feed/user/casey.lindqvist/username/?count=12",
            "https://i.instagram.com/api/v1/users/casey.lindqvist/usernameinfo/",
            "https://www.instagram.com/graphql/query/?query_hash=d4d88dc1500312af6f937f7b804c68c3"
            "&variables=%7B%22username%22%3A%22casey.lindqvist%22%2C%22first%22%3A12%7D",
            'https://www.instagram.com/graphql/query/?doc_id=7950326061742207&variables={"data":{"user_name":"casey.lindqvist"}}',
            'https://www.instagram.com/api/graphql?variables={"username":"casey.lindqvist","render_surface":"PROFILE"}',
            "https://instagr.am/casey.lindqvist",
            "https://ig.me/m/casey.lindqvist",
            "https://ig.me/casey.lindqvist",
            "https://www.threads.net/@casey.lindqvist",
            "https://www.threads.com/@casey.lindqvist/post/C9aBcDeFgHi",
        ],
        [
            "https://www.instagram.com/casey.lindqvist2/",
            "https://www.instagram.com/xcasey.lindqvist/",
            "https://www.instagram.com/caseylindqvist/",
            "https://www.instagram.com/casey_lindqvist/",
            "https://www.instagram.com/casey.lindqvis/",
            "https://www.instagram.com/casey.lindqvist./",
            "https://www.instagram.com/",
            "https://www.instagram.com/explore/",
            "https://www.instagram.com/explore/search/keyword/?q=casey.lindqvist",
            "https://www.instagram.com/p/C1a2B3c4D5e/",
            "https://www.instagram.com/reel/C1a2B3c4D5e/",
            "https://www.instagram.com/reels/C1a2B3c4D5e/",
            "https://www.instagram.com/direct/inbox/",
            "https://www.instagram.com/direct/t/340282366841710300949128171234567890/",
            "https://www.instagram.com/stories/highlights/17912345678901234/",
            "https://www.instagram.com/accounts/edit/",
            "https://www.instagram.com/api/v1/users/web_profile_info/?username=casey.lindqvist.x",
            "https://i.instagram.com/api/v1/users/search/?q=casey.lindqvist",
            "https://www.instagram.com/graphql/query/?variables={bad json",
            'https://www.instagram.com/graphql/query/?variables={"username":"caseylindqvist"}',
            "https://help.instagram.com/casey.lindqvist",
            "https://www.tiktok.com/@casey.lindqvist",
            "https://www.threads.net/@casey.lindqvist2",
            "https://www.facebook.com/casey.lindqvist",
        ],
    ),
]

TABLES["threads"] = [
    (
        "https://www.threads.net/@casey.lindqvist",
        [
            "https://threads.net/@Casey.Lindqvist",
            "https://www.threads.com/@casey.lindqvist",
            "https://www.threads.net/@casey.lindqvist/",
            "https://www.threads.net/@casey.lindqvist/replies",
            "https://www.threads.net/@casey.lindqvist/reposts",
            "https://www.threads.net/@casey.lindqvist/post/C9aBcDeFgHi",
            "https://www.threads.net/%40casey.lindqvist",
            "https://www.threads.net/intent/follow?username=casey.lindqvist",
            "https://www.instagram.com/casey.lindqvist/",
            "https://ig.me/m/casey.lindqvist",
        ],
        [
            "https://www.threads.net/@casey.lindqvist_",
            "https://www.threads.net/@caseylindqvist",
            "https://www.threads.net/casey.lindqvist",
            "https://www.threads.net/search?q=casey.lindqvist",
            "https://www.threads.net/t/C9aBcDeFgHi",
            "https://www.threads.net/",
            "https://www.instagram.com/casey.lindqvist2/",
        ],
    ),
]

TABLES["facebook"] = [
    (
        "https://www.facebook.com/casey.lindqvist",
        [
            "https://www.facebook.com/casey.lindqvist",
            "https://facebook.com/CaseyLindqvist",
            "https://www.facebook.com/caseylindqvist/",
            "https://www.facebook.com/c.a.s.e.y.lindqvist",
            "https://www.facebook.com/Casey.Lindqvist/about",
            "https://www.facebook.com/casey.lindqvist/photos",
            "https://www.facebook.com/casey.lindqvist/friends",
            "https://www.facebook.com/casey.lindqvist/posts/pfbid02AbCdEfGhIjKlMnOp",
            "https://www.facebook.com/casey.lindqvist/videos/1234567890123456/",
            "https://m.facebook.com/casey.lindqvist?v=timeline",
            "https://mbasic.facebook.com/casey.lindqvist",
            "https://touch.facebook.com/casey.lindqvist",
            "https://web.facebook.com/casey.lindqvist",
            "https://de-de.facebook.com/casey.lindqvist",
            "https://www.facebook.com:443//casey.lindqvist/",
            "https://www.facebook.com/%63asey.lindqvist",
            "https://fb.com/casey.lindqvist",
            "https://fb.me/casey.lindqvist",
            "https://m.me/casey.lindqvist",
            "https://m.me/CaseyLindqvist?ref=share",
            "https://www.messenger.com/t/casey.lindqvist",
            "https://www.facebook.com/messages/t/casey.lindqvist",
            "https://www.facebook.com/pg/casey.lindqvist/about/",
            'https://www.facebook.com/api/graphql/?variables={"username":"casey.lindqvist","scale":2}',
        ],
        [
            "https://www.facebook.com/casey.lindqvist2",
            "https://www.facebook.com/caseylindqvist.official",
            "https://www.facebook.com/xcaseylindqvist",
            "https://www.facebook.com/caseylindqvis",
            "https://www.facebook.com/groups/caseylindqvist",
            "https://www.facebook.com/watch/?v=1234567890",
            "https://www.facebook.com/reel/1234567890123456",
            "https://www.facebook.com/search/top?q=casey.lindqvist",
            "https://www.facebook.com/hashtag/caseylindqvist",
            "https://www.facebook.com/events/1234567890/",
            "https://www.facebook.com/me",
            "https://www.facebook.com/profile.php?id=100098765432101",
            "https://developers.facebook.com/casey.lindqvist",
            "https://www.facebook.com/photo/?fbid=123456789&set=a.987654321",
            "https://www.facebook.com/share/1AbCdEfGhI/",
            "https://www.instagram.com/caseylindqvist/",
        ],
    ),
    (
        "https://www.facebook.com/profile.php?id=100098765432101",
        [
            "https://www.facebook.com/profile.php?id=100098765432101&sk=about",
            "https://m.facebook.com/profile.php?id=100098765432101",
            "https://www.facebook.com/profile%2Ephp?id=100098765432101",
            "https://www.facebook.com/profile.php?ID=100098765432101",
            "https://www.facebook.com/100098765432101",
            "https://www.facebook.com/people/Casey-Lindqvist/100098765432101/",
            "https://www.facebook.com/profile/100098765432101",
            "https://www.facebook.com/p/Casey-Lindqvist-100098765432101/",
            "https://www.facebook.com/Casey-Lindqvist-100098765432101/",
            "https://www.facebook.com/ajax/hovercard/user.php?id=100098765432101&extragetparams=%7B%7D",
            "https://www.facebook.com/ajax/hovercard/hovercard.php?id=100098765432101",
            'https://www.facebook.com/api/graphql/?variables={"userID":"100098765432101","scale":2}',
            'https://www.facebook.com/api/graphql/?variables={"profileID":"100098765432101"}',
            'https://www.facebook.com/api/graphql/?variables={"input":{"id":"100098765432101"}}',
            "https://www.messenger.com/t/100098765432101",
            "https://www.messenger.com/e2ee/t/100098765432101",
            "https://m.me/100098765432101",
            "https://www.facebook.com/messages/t/100098765432101/",
            "https://www.facebook.com/story.php?story_fbid=pfbid0xYz&id=100098765432101",
            "https://www.facebook.com/permalink.php?story_fbid=1234567&id=100098765432101",
            "https://www.facebook.com/groups/123456789/user/100098765432101/",
            "https://www.facebook.com/stories/100098765432101/UzpfSVNDOjE1MjM0NTY3ODk=/",
        ],
        [
            "https://www.facebook.com/profile.php?id=100098765432102",
            "https://www.facebook.com/profile.php?id=1000987654321010",
            "https://www.facebook.com/profile.php",
            "https://www.facebook.com/ajax/hovercard/user.php?id=12",
            'https://www.facebook.com/api/graphql/?variables={"userID":"12"}',
            "https://www.facebook.com/api/graphql/?variables=%7B%22userID",
            "https://www.facebook.com/people/Casey-Lindqvist/100098765432109/",
            "https://www.facebook.com/photo.php?fbid=100098765432101",
            "https://www.facebook.com/watch/?v=100098765432101",
            "https://www.facebook.com/casey.lindqvist",
            "https://fb.watch/AbCdEf123/",
        ],
    ),
]

TABLES["x"] = [
    (
        "https://x.com/caseylindq",
        [
            "https://x.com/caseylindq",
            "https://twitter.com/caseylindq",
            "https://x.com/CaseyLindq",
            "https://www.twitter.com/caseylindq/",
            "https://mobile.twitter.com/caseylindq",
            "https://mobile.x.com/caseylindq",
            "https://X.COM./caseylindq",
            "https://x.com:443/caseylindq",
            "https://x.com/%63aseylindq",
            "https://x.com/%2563aseylindq",
            "https://x.com/caseylindq%2Fmedia",
            "https://x.com/caseylindq/status/1790000000000000000",
            "https://x.com/caseylindq/status/1790000000000000000/photo/1",
            "https://x.com/caseylindq/with_replies",
            "https://x.com/caseylindq/media",
            "https://x.com/caseylindq/likes",
            "https://x.com/caseylindq/highlights",
            "https://x.com/caseylindq/followers",
            "https://x.com/caseylindq/following",
            "https://x.com/caseylindq/verified_followers",
            "https://x.com/intent/user?screen_name=caseylindq",
            "https://x.com/intent/follow?screen_name=CaseyLindq",
            "https://twitter.com/intent/tweet?screen_name=caseylindq&text=hi",
            "https://twitter.com/intent/follow?original_referer=https%3A%2F%2Fexample.org&screen_name=caseylindq",
            'https://x.com/i/api/graphql/G3KGOASz96M-Qu0nwmGXNg/UserByScreenName?variables={"screen_name":"caseylindq","withSafetyModeUserFields":true}&features={}',
            "https://twitter.com/i/api/graphql/G3KGOASz96M-Qu0nwmGXNg/UserByScreenName?variables=%7B%22screen_name%22%3A%22caseylindq%22%7D",
            'https://api.x.com/graphql/G3KGOASz96M-Qu0nwmGXNg/UserByScreenName?variables={"screen_name":"caseylindq"}',
            "https://api.twitter.com/1.1/users/show.json?screen_name=caseylindq",
            "https://api.twitter.com/1.1/statuses/user_timeline.json?screen_name=caseylindq&count=200",
            "https://api.x.com/2/users/by/username/caseylindq",
            "https://x.com/intent/user?screen_name=%2540caseylindq",
        ],
        [
            "https://x.com/caseylindq_",
            "https://x.com/caseylind",
            "https://x.com/thecaseylindq",
            "https://x.com/home",
            "https://x.com/explore",
            "https://x.com/search?q=caseylindq",
            "https://x.com/hashtag/caseylindq",
            "https://x.com/i/user/1456789012345678901",
            "https://x.com/i/web/status/1790000000000000000",
            "https://x.com/settings/profile",
            "https://x.com/intent/user?screen_name=caseylindq2",
            'https://x.com/i/api/graphql/abc/UserByScreenName?variables={"screen_name":"caseylindq2"}',
            "https://x.com/i/api/graphql/abc/UserByScreenName?variables={oops",
            "https://t.co/AbCdEf1234",
            "https://developer.x.com/caseylindq",
            "https://www.instagram.com/caseylindq/",
        ],
    ),
    (
        "https://x.com/i/user/1456789012345678901",
        [
            "https://twitter.com/i/user/1456789012345678901",
            "https://x.com/intent/user?user_id=1456789012345678901",
            "https://x.com/messages/compose?recipient_id=1456789012345678901",
            'https://x.com/i/api/graphql/abc/UserByRestId?variables={"userId":"1456789012345678901","withSafetyModeUserFields":true}',
            'https://x.com/i/api/graphql/abc/UserTweets?variables={"userId":"1456789012345678901","count":20}',
            'https://x.com/i/api/graphql/abc/UsersByRestIds?variables={"userIds":["12","1456789012345678901"]}',
            "https://api.twitter.com/1.1/users/show.json?user_id=1456789012345678901",
            "https://api.x.com/2/users/1456789012345678901",
        ],
        [
            "https://x.com/i/user/1456789012345678902",
            "https://x.com/messages/compose?recipient_id=145678901234567890",
            "https://x.com/i/status/1456789012345678901",
            "https://x.com/caseylindq",
        ],
    ),
]

TABLES["tiktok"] = [
    (
        "https://www.tiktok.com/@casey.lindqvist",
        [
            "https://tiktok.com/@casey.lindqvist",
            "https://www.tiktok.com/@Casey.Lindqvist/",
            "https://m.tiktok.com/@casey.lindqvist",
            "https://www.tiktok.com/@casey.lindqvist?lang=en&is_from_webapp=1",
            "https://www.tiktok.com/@casey.lindqvist/video/7301234567890123456",
            "https://www.tiktok.com/@casey.lindqvist/photo/7301234567890123456",
            "https://www.tiktok.com/@casey.lindqvist/live",
            "https://www.tiktok.com/%40casey.lindqvist",
            "https://www.tiktok.com/%2540casey.lindqvist",
            "https://www.tiktok.com/api/user/detail/?WebIdLastTime=1700000000&aid=1988&uniqueId=casey.lindqvist",
            "https://www.tiktok.com/node/share/user/@casey.lindqvist",
            "https://www.tiktok.com/embed/@casey.lindqvist",
        ],
        [
            "https://www.tiktok.com/@casey.lindqvist1",
            "https://www.tiktok.com/@caseylindqvist",
            "https://www.tiktok.com/@casey.lindqvis",
            "https://www.tiktok.com/casey.lindqvist",
            "https://www.tiktok.com/search?q=casey.lindqvist",
            "https://www.tiktok.com/search/user?q=casey.lindqvist",
            "https://vm.tiktok.com/ZMhAbCdEf/",
            "https://vt.tiktok.com/ZSabcdef/",
            "https://www.tiktok.com/tag/caseylindqvist",
            "https://www.tiktok.com/api/user/detail/?uniqueId=casey.lindqvist.x",
            "https://www.tiktok.com/embed/v2/7301234567890123456",
            "https://www.tiktok.com/foryou",
        ],
    ),
    (
        "https://m.tiktok.com/h5/share/usr/6812345678901234567.html",
        [
            "https://m.tiktok.com/h5/share/usr/6812345678901234567.html?sec_uid=MS4wLjABAAAA",
            "https://www.tiktok.com/share/user/6812345678901234567",
        ],
        [
            "https://m.tiktok.com/h5/share/usr/6812345678901234568.html",
            "https://www.tiktok.com/@casey.lindqvist",
        ],
    ),
]

TABLES["snapchat"] = [
    (
        "https://www.snapchat.com/add/caseyl.snaps",
        [
            "https://snapchat.com/add/caseyl.snaps",
            "https://www.snapchat.com/add/CaseyL.Snaps",
            "https://www.snapchat.com/add/caseyl.snaps/",
            "https://www.snapchat.com/add/caseyl.snaps?share_id=AbCd&locale=en-GB",
            "https://www.snapchat.com/@caseyl.snaps",
            "https://story.snapchat.com/@caseyl.snaps",
            "https://story.snapchat.com/s/caseyl.snaps",
            "https://story.snapchat.com/u/caseyl.snaps",
        ],
        [
            "https://www.snapchat.com/add/caseyl.snaps2",
            "https://www.snapchat.com/add/caseyl",
            "https://www.snapchat.com/t/AbCdEfGh",
            "https://www.snapchat.com/discover",
            "https://accounts.snapchat.com/accounts/login",
            "https://www.snapchat.com/",
        ],
    ),
]

TABLES["linkedin"] = [
    (
        "https://www.linkedin.com/in/casey-lindqvist-4b2a1c/",
        [
            "https://linkedin.com/in/casey-lindqvist-4b2a1c",
            "https://www.linkedin.com/in/Casey-Lindqvist-4B2A1C/",
            "https://uk.linkedin.com/in/casey-lindqvist-4b2a1c",
            "https://de.linkedin.com/in/casey-lindqvist-4b2a1c?originalSubdomain=de",
            "https://m.linkedin.com/in/casey-lindqvist-4b2a1c",
            "https://www.linkedin.com/in/casey-lindqvist-4b2a1c/recent-activity/all/",
            "https://www.linkedin.com/in/casey-lindqvist-4b2a1c/details/experience/",
            "https://www.linkedin.com/in/casey-lindqvist-4b2a1c/overlay/contact-info/",
            "https://www.linkedin.com/mwlite/in/casey-lindqvist-4b2a1c",
            "https://www.linkedin.com/in/casey-lindqvist-4b2a1c?trk=public_profile",
            "https://www.linkedin.com/voyager/api/identity/profiles/casey-lindqvist-4b2a1c/profileView",
            "https://www.linkedin.com/voyager/api/identity/dash/profiles?q=memberIdentity"
            "&memberIdentity=casey-lindqvist-4b2a1c&decorationId=com.linkedin.voyager.dash.deco.identity.profile",
            "https://www.linkedin.com/voyager/api/graphql?includeWebMetadata=true"
            "&variables=(vanityName:casey-lindqvist-4b2a1c)&queryId=voyagerIdentityDashProfiles.abc123",
        ],
        [
            "https://www.linkedin.com/in/casey-lindqvist/",
            "https://www.linkedin.com/in/casey-lindqvist-4b2a1c2/",
            "https://www.linkedin.com/in/casey-lindqvist-4b2a1/",
            "https://www.linkedin.com/company/casey-lindqvist-4b2a1c/",
            "https://www.linkedin.com/search/results/people/?keywords=casey%20lindqvist",
            "https://lnkd.in/eAbCdEfG",
            "https://www.linkedin.com/in/me/",
            "https://www.linkedin.com/feed/",
        ],
    ),
    (
        "https://www.linkedin.com/in/%C3%A9lise-lindqvist/",
        [
            "https://www.linkedin.com/in/élise-lindqvist",
            "https://se.linkedin.com/in/%C3%89lise-Lindqvist/",
        ],
        ["https://www.linkedin.com/in/elise-lindqvist/"],
    ),
]

CHANNEL = "UCa1b2C3d4E5f6G7h8I9j0KL"
TABLES["youtube"] = [
    (
        "https://www.youtube.com/@CaseyLindqvist",
        [
            "https://www.youtube.com/@caseylindqvist",
            "https://youtube.com/@CaseyLindqvist/",
            "https://m.youtube.com/@CaseyLindqvist/videos",
            "https://www.youtube.com/@caseylindqvist/shorts",
            "https://www.youtube.com/@caseylindqvist/streams",
            "https://www.youtube.com/@caseylindqvist/playlists",
            "https://www.youtube.com/@caseylindqvist/community",
            "https://www.youtube.com/@caseylindqvist/about",
            "https://www.youtube.com/@caseylindqvist/featured",
            "https://www.youtube.com/@caseylindqvist/search?query=holiday",
            "https://music.youtube.com/@caseylindqvist",
            "https://www.youtube.com/%40CaseyLindqvist",
            "https://www.youtube.com/%2540CaseyLindqvist",
        ],
        [
            "https://www.youtube.com/@caseylindqvist2",
            "https://www.youtube.com/@thecaseylindqvist",
            "https://www.youtube.com/@caseylindqvis",
            "https://www.youtube.com/caseylindqvist",
            "https://www.youtube.com/c/caseylindqvist",
            "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
            "https://youtu.be/dQw4w9WgXcQ",
            "https://www.youtube.com/results?search_query=casey+lindqvist",
            "https://www.youtube.com/feed/subscriptions",
            "https://www.youtube.com/shorts/aBcDeFgHiJk",
            "https://studio.youtube.com/@caseylindqvist",
        ],
    ),
    (
        f"https://www.youtube.com/channel/{CHANNEL}",
        [
            f"https://www.youtube.com/channel/{CHANNEL}/videos",
            f"https://www.youtube.com/channel/{CHANNEL}/",
            f"https://m.youtube.com/channel/{CHANNEL}",
            f"https://music.youtube.com/channel/{CHANNEL}",
            f"https://WWW.YOUTUBE.COM/channel/{CHANNEL}",
            f"https://www.youtube.com/feeds/videos.xml?channel_id={CHANNEL}",
            f"https://www.youtube.com/youtubei/v1/browse?browseId={CHANNEL}",
        ],
        [
            f"https://www.youtube.com/channel/{CHANNEL.upper()}",
            f"https://www.youtube.com/channel/{CHANNEL.lower()}",
            f"https://www.youtube.com/channel/{CHANNEL[:-1]}",
            f"https://www.youtube.com/channel/{CHANNEL}x",
            f"https://www.youtube.com/@{CHANNEL}",
        ],
    ),
    (
        "https://www.youtube.com/c/CaseyLindqvistMusic",
        [
            "https://www.youtube.com/c/caseylindqvistmusic/videos",
            "https://www.youtube.com/CaseyLindqvistMusic",
            "https://m.youtube.com/caseylindqvistmusic/about",
        ],
        [
            "https://www.youtube.com/c/caseylindqvistmusic2",
            "https://www.youtube.com/user/caseylindqvistmusic",
            "https://www.youtube.com/@caseylindqvistmusic",
        ],
    ),
    (
        "https://www.youtube.com/user/caseyl1985",
        [
            "https://www.youtube.com/user/CaseyL1985/videos",
            "https://www.youtube.com/caseyl1985",
            "https://www.youtube.com/feeds/videos.xml?user=caseyl1985",
        ],
        [
            "https://www.youtube.com/user/caseyl1986",
            "https://www.youtube.com/c/caseyl1985",
        ],
    ),
]

TABLES["pinterest"] = [
    (
        "https://www.pinterest.com/caseylindqvist/",
        [
            "https://pinterest.com/caseylindqvist",
            "https://uk.pinterest.com/CaseyLindqvist/",
            "https://br.pinterest.com/caseylindqvist/",
            "https://www.pinterest.co.uk/caseylindqvist/",
            "https://www.pinterest.de/caseylindqvist/",
            "https://www.pinterest.fr/caseylindqvist/",
            "https://www.pinterest.ca/caseylindqvist/",
            "https://www.pinterest.com.au/caseylindqvist/",
            "https://www.pinterest.jp/caseylindqvist/",
            "https://www.pinterest.es/caseylindqvist/",
            "https://www.pinterest.com.mx/caseylindqvist/",
            "https://www.pinterest.co.kr/caseylindqvist/",
            "https://www.pinterest.ph/caseylindqvist/",
            "https://www.pinterest.com/caseylindqvist/_saved/",
            "https://www.pinterest.com/caseylindqvist/_created/",
            "https://www.pinterest.com/caseylindqvist/wedding-ideas/",
            "https://www.pinterest.com/caseylindqvist/pins/",
            "https://www.pinterest.com/resource/UserResource/get/?source_url=%2Fcaseylindqvist%2F"
            "&data=%7B%22options%22%3A%7B%22username%22%3A%22caseylindqvist%22%2C%22field_set_key%22%3A%22profile%22%7D%2C%22context%22%3A%7B%7D%7D&_=1700000000000",
            'https://www.pinterest.com/resource/BoardsResource/get/?data={"options":{"username":"caseylindqvist","page_size":25}}',
            'https://www.pinterest.com/_ngjs/resource/UserActivityPinsResource/get/?data={"options":{"username":"CaseyLindqvist"}}',
            "https://api.pinterest.com/v3/users/caseylindqvist/",
        ],
        [
            "https://www.pinterest.com/caseylindqvist2/",
            "https://www.pinterest.com/xcaseylindqvist/",
            "https://www.pinterest.com/pin/123456789012345678/",
            "https://www.pinterest.com/search/pins/?q=caseylindqvist",
            "https://pin.it/1a2B3c4D",
            "https://www.pinterest.com/ideas/",
            "https://www.pinterest.com/today/",
            'https://www.pinterest.com/resource/UserResource/get/?data={"options":{"username":"caseylindqvist2"}}',
            "https://www.pinterest.com/resource/UserResource/get/?data={not json",
            "https://www.pinterest.com/business/hub/",
        ],
    ),
]

# Every country domain serves the same profiles.
TABLES["pinterest"][0][1].extend(
    f"https://www.{domain}/caseylindqvist/"
    for domain in next(p for p in PLATFORMS if p.name == "pinterest").domains
    if domain != "pin.it"
)

TABLES["reddit"] = [
    (
        "https://www.reddit.com/user/Casey_L/",
        [
            "https://reddit.com/user/casey_l",
            "https://www.reddit.com/u/casey_l",
            "https://old.reddit.com/user/Casey_L/",
            "https://new.reddit.com/u/casey_l/",
            "https://np.reddit.com/user/casey_l",
            "https://i.reddit.com/user/casey_l",
            "https://m.reddit.com/u/casey_l",
            "https://www.reddit.com/user/casey_l/submitted/",
            "https://www.reddit.com/user/casey_l/comments/",
            "https://www.reddit.com/user/casey_l/overview",
            "https://www.reddit.com/user/casey_l/about.json",
            "https://www.reddit.com/user/casey_l.json",
            "https://www.reddit.com/user/casey_l/.rss",
            "https://www.reddit.com/r/u_casey_l/",
            "https://www.reddit.com/r/u_Casey_L/comments/1abcde/my_post/",
            "https://oauth.reddit.com/user/casey_l/about",
            "https://www.reddit.com/USER/%63asey_l",
        ],
        [
            "https://www.reddit.com/user/casey_l2",
            "https://www.reddit.com/user/xcasey_l",
            "https://www.reddit.com/user/casey",
            "https://www.reddit.com/r/casey_l/",
            "https://www.reddit.com/search?q=casey_l",
            "https://redd.it/1abcde",
            "https://www.reddit.com/r/AskReddit/s/AbCdEfGh",
            "https://www.reddit.com/r/AskReddit/comments/1abcde/title/",
            "https://www.reddit.com/",
        ],
    ),
]

TABLES["spotify"] = [
    (
        "https://open.spotify.com/user/31l77y2al5lnn7mxfrmd4bpfhqke",
        [
            "https://open.spotify.com/user/31l77y2al5lnn7mxfrmd4bpfhqke?si=a1b2c3d4e5",
            "https://open.spotify.com/intl-de/user/31l77y2al5lnn7mxfrmd4bpfhqke",
            "https://play.spotify.com/user/31l77y2al5lnn7mxfrmd4bpfhqke",
            "https://api.spotify.com/v1/users/31l77y2al5lnn7mxfrmd4bpfhqke",
            "https://spclient.wg.spotify.com/user-profile-view/v3/profile/31l77y2al5lnn7mxfrmd4bpfhqke?playlist_limit=10",
        ],
        [
            "https://open.spotify.com/user/31L77Y2AL5LNN7MXFRMD4BPFHQKE",
            "https://open.spotify.com/user/31l77y2al5lnn7mxfrmd4bpfhqk",
            "https://open.spotify.com/artist/31l77y2al5lnn7mxfrmd4bpfhqke",
            "https://open.spotify.com/search/31l77y2al5lnn7mxfrmd4bpfhqke",
            "https://spotify.link/AbCdEfGh",
        ],
    ),
    (
        "https://open.spotify.com/artist/4Z8W4fKeB5YxbusRsdQVPb",
        [
            "https://open.spotify.com/artist/4Z8W4fKeB5YxbusRsdQVPb?si=xyz",
            "https://open.spotify.com/intl-fr/artist/4Z8W4fKeB5YxbusRsdQVPb",
            "https://open.spotify.com/embed/artist/4Z8W4fKeB5YxbusRsdQVPb",
            "https://api.spotify.com/v1/artists/4Z8W4fKeB5YxbusRsdQVPb/top-tracks?market=GB",
            "https://api.spotify.com/v1/artists?ids=0OdUWJ0sBjDrqHygGUXeCF,4Z8W4fKeB5YxbusRsdQVPb",
        ],
        [
            "https://open.spotify.com/artist/4z8w4fkeb5yxbusrsdqvpb",
            "https://open.spotify.com/artist/4Z8W4fKeB5YxbusRsdQVPc",
            "https://open.spotify.com/album/4Z8W4fKeB5YxbusRsdQVPb",
            "https://open.spotify.com/user/4Z8W4fKeB5YxbusRsdQVPb",
        ],
    ),
]

TABLES["venmo"] = [
    (
        "https://venmo.com/u/Casey-Lindqvist",
        [
            "https://venmo.com/Casey-Lindqvist",
            "https://venmo.com/casey-lindqvist",
            "https://www.venmo.com/u/casey-lindqvist",
            "https://account.venmo.com/u/Casey-Lindqvist",
            "https://venmo.com/?txn=pay&recipients=Casey-Lindqvist&amount=10&note=rent",
            "https://api.venmo.com/v1/users/casey-lindqvist",
        ],
        [
            "https://venmo.com/u/Casey-Lindqvist-1",
            "https://venmo.com/u/casey-lindqvis",
            "https://venmo.com/about/",
            "https://venmo.com/legal/us-user-agreement/",
            "https://venmo.com/code?user_id=2345678901234567890",
        ],
    ),
    (
        "https://venmo.com/code?user_id=2345678901234567890",
        [
            "https://venmo.com/code?user_id=2345678901234567890&created=1700000000",
            "https://api.venmo.com/v1/users/2345678901234567890",
        ],
        ["https://venmo.com/code?user_id=2345678901234567891"],
    ),
]

TABLES["cashapp"] = [
    (
        "https://cash.app/$CaseyL",
        [
            "https://cash.app/$caseyl",
            "https://cash.app/%24caseyl",
            "https://cash.app/%2524caseyl",
            "https://cash.app/$CASEYL/25",
            "https://cash.me/$caseyl",
        ],
        [
            "https://cash.app/$caseyl2",
            "https://cash.app/$casey",
            "https://cash.app/$xcaseyl",
            "https://cash.app/caseyl",
            "https://cash.app/help",
        ],
    ),
]

TABLES["strava"] = [
    (
        "https://www.strava.com/athletes/12345678",
        [
            "https://strava.com/athletes/12345678",
            "https://www.strava.com/athletes/12345678/",
            "https://www.strava.com/athletes/12345678/follows?type=following",
            "https://www.strava.com/athletes/12345678/posts",
            "https://www.strava.com/pros/12345678",
            "https://www.strava.com/api/v3/athletes/12345678/stats",
        ],
        [
            "https://www.strava.com/athletes/123456789",
            "https://www.strava.com/athletes/1234567",
            "https://www.strava.com/athletes/search?text=casey",
            "https://www.strava.com/clubs/12345678",
            "https://www.strava.com/activities/12345678",
            "https://strava.app.link/AbCdEf",
        ],
    ),
]

TABLES["github"] = [
    (
        "https://github.com/caseylindqvist",
        [
            "https://github.com/CaseyLindqvist",
            "https://www.github.com/caseylindqvist/",
            "https://github.com/caseylindqvist?tab=repositories",
            "https://github.com/caseylindqvist/dotfiles",
            "https://github.com/caseylindqvist/dotfiles/blob/main/README.md",
            "https://github.com/caseylindqvist.keys",
            "https://caseylindqvist.github.io",
            "https://caseylindqvist.github.io/blog/2024/",
            "https://CaseyLindqvist.github.io/",
            "https://api.github.com/users/caseylindqvist",
            "https://api.github.com/users/caseylindqvist/repos?per_page=100",
            "https://api.github.com/repos/caseylindqvist/dotfiles",
            "https://gist.github.com/caseylindqvist",
            "https://gist.github.com/caseylindqvist/0a1b2c3d4e5f",
            "https://raw.githubusercontent.com/caseylindqvist/dotfiles/main/.bashrc",
            "https://github.com/sponsors/caseylindqvist",
        ],
        [
            "https://github.com/caseylindqvist2",
            "https://github.com/casey-lindqvist",
            "https://github.com/search?q=caseylindqvist",
            "https://github.com/explore",
            "https://github.com/torvalds/linux",
            "https://caseylindqvist2.github.io/",
            "https://github.io/",
            "https://github.com/topics/caseylindqvist",
            "https://github.com/settings/profile",
            "https://avatars.githubusercontent.com/u/1234567",
        ],
    ),
]

TABLES["linktree"] = [
    (
        "https://linktr.ee/casey.lindqvist",
        [
            "https://linktr.ee/Casey.Lindqvist",
            "https://linktr.ee/casey.lindqvist?utm_source=ig_bio",
            "https://www.linktr.ee/casey.lindqvist/",
        ],
        [
            "https://linktr.ee/casey.lindqvist2",
            "https://linktr.ee/caseylindqvist",
            "https://linktr.ee/s/AbCdEf",
            "https://linktr.ee/admin",
            "https://linktr.ee/",
        ],
    ),
]

DID = "did:plc:z72i7hdynmk6r22z27h6tvur"
TABLES["bluesky"] = [
    (
        "https://bsky.app/profile/casey.bsky.social",
        [
            "https://bsky.app/profile/Casey.bsky.social",
            "https://bsky.app/profile/casey.bsky.social/post/3kxyzabc2d",
            "https://bsky.app/profile/casey.bsky.social/follows",
            "https://bsky.app/profile/casey.bsky.social/followers",
            "https://public.api.bsky.app/xrpc/app.bsky.actor.getProfile?actor=casey.bsky.social",
            "https://public.api.bsky.app/xrpc/app.bsky.feed.getAuthorFeed?actor=casey.bsky.social&filter=posts_and_author_threads&limit=30",
            "https://api.bsky.app/xrpc/app.bsky.actor.getProfiles?actors=alice.bsky.social&actors=casey.bsky.social",
            "https://public.api.bsky.app/xrpc/app.bsky.graph.getFollowers?actor=casey.bsky.social",
            "https://bsky.social/xrpc/com.atproto.identity.resolveHandle?handle=casey.bsky.social",
            "https://public.api.bsky.app/xrpc/app.bsky.feed.getPostThread?uri=at://casey.bsky.social/app.bsky.feed.post/3kabc",
            "https://casey.bsky.social/.well-known/atproto-did",
        ],
        [
            "https://bsky.app/profile/casey2.bsky.social",
            "https://bsky.app/profile/xcasey.bsky.social",
            "https://bsky.app/profile/casey.bsky.social.evil.com",
            "https://bsky.app/profile/casey.com",
            "https://bsky.app/search?q=casey.bsky.social",
            "https://public.api.bsky.app/xrpc/app.bsky.actor.searchActors?q=casey",
            f"https://bsky.app/profile/{DID}",
        ],
    ),
    (
        f"https://bsky.app/profile/{DID}",
        [
            f"https://bsky.app/profile/{DID}/post/3kxyzabc2d",
            "https://bsky.app/profile/did%3Aplc%3Az72i7hdynmk6r22z27h6tvur",
            f"https://public.api.bsky.app/xrpc/app.bsky.feed.getAuthorFeed?actor={DID}",
            f"https://public.api.bsky.app/xrpc/app.bsky.feed.getPostThread?uri=at://{DID}/app.bsky.feed.post/3kabc",
            f"https://bsky.social/xrpc/com.atproto.repo.listRecords?repo={DID}&collection=app.bsky.feed.post",
        ],
        [
            "https://bsky.app/profile/did:plc:z72i7hdynmk6r22z27h6tvuR",
            "https://bsky.app/profile/did:plc:z72i7hdynmk6r22z27h6tvu",
        ],
    ),
    (
        "https://bsky.app/profile/caseylindqvist.com",
        ["https://bsky.app/profile/CaseyLindqvist.com"],
        ["https://bsky.app/profile/caseylindqvist.com.au", "https://caseylindqvist.com/"],
    ),
]

TABLES["telegram"] = [
    (
        "https://t.me/caseylindq",
        [
            "https://t.me/CaseyLindq",
            "http://t.me/caseylindq",
            "https://telegram.me/caseylindq",
            "https://telegram.dog/caseylindq",
            "https://t.me/s/caseylindq",
            "https://t.me/caseylindq/123",
            "https://t.me/caseylindq?start=hello",
            "https://caseylindq.t.me/",
            "https://t.me/i/userpic/320/caseylindq.jpg",
        ],
        [
            "https://t.me/caseylindq2",
            "https://t.me/xcaseylindq",
            "https://t.me/joinchat/AbCdEfGhIjKlMnOp",
            "https://t.me/+AbCdEfGhIjKlMnOp",
            "https://t.me/share/url?url=https://x.com",
            "https://web.telegram.org/k/#@caseylindq",
            "https://t.me/addstickers/caseylindq",
        ],
    ),
    (
        "https://t.me/+447700900123",
        [
            "https://t.me/%2B447700900123",
            "https://telegram.me/+447700900123",
            "https://wa.me/447700900123",
            "https://api.whatsapp.com/send?phone=447700900123",
        ],
        ["https://t.me/+447700900124", "https://t.me/+AbCdEfGhIjKlMnOp"],
    ),
]

TABLES["whatsapp"] = [
    (
        "https://wa.me/447700900123",
        [
            "https://wa.me/447700900123?text=hi",
            "https://wa.me/+447700900123",
            "https://wa.me/00447700900123",
            "https://wa.me/c/447700900123",
            "https://api.whatsapp.com/send?phone=447700900123",
            "https://api.whatsapp.com/send/?phone=%2B447700900123&text&type=phone_number&app_absent=0",
            "https://web.whatsapp.com/send?phone=447700900123&text=hello",
            "https://www.whatsapp.com/send?phone=+44%207700%20900123",
            "https://t.me/+447700900123",
        ],
        [
            "https://wa.me/447700900124",
            "https://wa.me/4477009001",
            "https://chat.whatsapp.com/AbCdEfGhIjKlMnOp",
            "https://wa.me/message/ABCDEF123GHI1",
            "https://api.whatsapp.com/send?phone=447700900124",
            "https://wa.me/",
            "https://web.whatsapp.com/",
        ],
    ),
]

TABLES["web"] = [
    (
        "https://www.flickr.com/photos/caseyl/",
        [
            "https://flickr.com/photos/caseyl",
            "https://m.flickr.com/photos/caseyl/albums",
            "https://www.flickr.com/photos/CaseyL/",
            "https://www.flickr.com/photos/caseyl/53012345678/in/dateposted/",
            "https://flickr.com:443/photos/caseyl",
            "https://www.flickr.com/photos//caseyl",
            "https://www.flickr.com/photos/%63aseyl",
            "https://www.flickr.com./photos/caseyl?sort=date",
        ],
        [
            "https://www.flickr.com/photos/caseyl2/",
            "https://www.flickr.com/photos/xcaseyl/",
            "https://www.flickr.com/photos/",
            "https://www.flickr.com/",
            "https://www.flickr.com/people/caseyl/",
            "https://www.flickr.com/photos/casey/",
            "https://other.example/photos/caseyl",
        ],
    ),
    (
        "https://caseylindqvist.com",
        [
            "https://caseylindqvist.com/",
            "https://www.caseylindqvist.com/about",
            "https://blog.caseylindqvist.com/2024/hello",
            "http://caseylindqvist.com/?p=1",
            "https://CASEYLINDQVIST.COM.",
        ],
        [
            "https://caseylindqvist.co/",
            "https://caseylindqvist.com.evil.net/",
            "https://notcaseylindqvist.com/",
            "https://caseylindqvist2.com/",
        ],
    ),
    (
        "https://forum.example.org/memberlist.php?mode=viewprofile&u=4821",
        [
            "https://forum.example.org/memberlist.php?mode=viewprofile&u=4821",
            "https://forum.example.org/memberlist.php?u=4821&mode=viewprofile",
            "https://forum.example.org/memberlist.php?mode=viewprofile&u=4821&sid=0a1b2c",
        ],
        [
            "https://forum.example.org/memberlist.php?mode=viewprofile&u=48210",
            "https://forum.example.org/memberlist.php?mode=viewprofile&u=482",
            "https://forum.example.org/memberlist.php",
            "https://forum.example.org/viewtopic.php?t=4821",
        ],
    ),
    (
        "https://caseyl.substack.com/",
        ["https://caseyl.substack.com/p/my-first-post", "https://caseyl.substack.com/archive?sort=new"],
        ["https://substack.com/", "https://other.substack.com/", "https://caseyl2.substack.com/"],
    ),
]


def _cases(want: bool) -> list:
    return [
        pytest.param(profile, url, id=f"{platform}:{url[:90]}")
        for platform, rows in TABLES.items()
        for profile, yes, no in rows
        for url in (yes if want else no)
    ]


@pytest.mark.parametrize(("profile", "url"), _cases(True))
def test_reaches(profile: str, url: str) -> None:
    assert reaches(profile, url)


@pytest.mark.parametrize(("profile", "url"), _cases(False))
def test_does_not_reach(profile: str, url: str) -> None:
    assert not reaches(profile, url)


# --- recognise: the identity a pasted link names ------------------------------------


@pytest.mark.parametrize(
    ("link", "platform", "key"),
    [
        ("https://www.instagram.com/casey.lindqvist/", "instagram", "casey.lindqvist"),
        ("instagram.com/Casey.Lindqvist", "instagram", "casey.lindqvist"),
        ("  https://www.instagram.com/casey.lindqvist/?igsh=abc  ", "instagram", "casey.lindqvist"),
        ("https://www.threads.net/@casey.lindqvist", "instagram", "casey.lindqvist"),
        ("https://www.facebook.com/Casey.Lindqvist", "facebook", "caseylindqvist"),
        ("https://www.facebook.com/profile.php?id=100098765432101", "facebook", "id:100098765432101"),
        ("https://m.me/casey.lindqvist", "facebook", "caseylindqvist"),
        ("https://www.messenger.com/t/100098765432101", "facebook", "id:100098765432101"),
        ("https://x.com/CaseyLindq", "x", "caseylindq"),
        ("https://twitter.com/caseylindq/status/1790000000000000000", "x", "caseylindq"),
        ("https://x.com/i/user/1456789012345678901", "x", "id:1456789012345678901"),
        ("https://www.tiktok.com/@Casey.Lindqvist", "tiktok", "casey.lindqvist"),
        ("https://www.snapchat.com/add/caseyl.snaps", "snapchat", "caseyl.snaps"),
        ("https://uk.linkedin.com/in/Casey-Lindqvist-4b2a1c", "linkedin", "casey-lindqvist-4b2a1c"),
        ("https://www.youtube.com/@CaseyLindqvist", "youtube", "@caseylindqvist"),
        (f"https://www.youtube.com/channel/{CHANNEL}", "youtube", f"channel/{CHANNEL}"),
        ("https://www.youtube.com/c/CaseyLindqvistMusic", "youtube", "c/caseylindqvistmusic"),
        ("https://www.youtube.com/user/CaseyL1985", "youtube", "user/caseyl1985"),
        ("https://www.pinterest.co.uk/CaseyLindqvist/", "pinterest", "caseylindqvist"),
        ("https://old.reddit.com/u/Casey_L", "reddit", "casey_l"),
        ("https://open.spotify.com/artist/4Z8W4fKeB5YxbusRsdQVPb", "spotify", "artist:4Z8W4fKeB5YxbusRsdQVPb"),
        ("https://open.spotify.com/user/31l77y2al5lnn7mxfrmd4bpfhqke", "spotify", "user:31l77y2al5lnn7mxfrmd4bpfhqke"),
        ("https://venmo.com/u/Casey-Lindqvist", "venmo", "casey-lindqvist"),
        ("https://venmo.com/code?user_id=2345678901234567890", "venmo", "id:2345678901234567890"),
        ("https://cash.app/$CaseyL", "cashapp", "caseyl"),
        ("https://www.strava.com/athletes/12345678", "strava", "12345678"),
        ("https://github.com/CaseyLindqvist", "github", "caseylindqvist"),
        ("https://caseylindqvist.github.io/", "github", "caseylindqvist"),
        ("https://linktr.ee/Casey.Lindqvist", "linktree", "casey.lindqvist"),
        ("https://bsky.app/profile/Casey.bsky.social", "bluesky", "casey.bsky.social"),
        (f"https://bsky.app/profile/{DID}", "bluesky", DID),
        ("https://t.me/CaseyLindq", "telegram", "caseylindq"),
        ("https://t.me/+447700900123", "phone", "447700900123"),
        ("https://wa.me/447700900123", "phone", "447700900123"),
        ("https://api.whatsapp.com/send?phone=447700900123", "phone", "447700900123"),
        ("https://www.flickr.com/photos/caseyl/", "web", "flickr.com/photos/caseyl"),
        ("https://caseylindqvist.com", "web", "caseylindqvist.com"),
        ("https://www.CaseyLindqvist.com/", "web", "caseylindqvist.com"),
        ("https://web.de/", "web", "web.de"),
        (
            "https://forum.example.org/memberlist.php?mode=viewprofile&u=4821",
            "web",
            "forum.example.org/memberlist.php?u=4821",
        ),
        ("https://example.org/?user=casey", "web", "example.org/?user=casey"),
    ],
)
def test_recognise(link: str, platform: str, key: str) -> None:
    assert recognise(link) == Identity(platform, key)


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


def test_json_values_is_defensive() -> None:
    found = json_values('{"a":{"Username":"x"},"b":[{"username":["y",1,true]}]}', ["username"])
    assert sorted(found) == ["1", "x", "y"]
    assert json_values("{not json", ["username"]) == []
    assert json_values("[" * 100000 + "]" * 100000, ["username"]) == []
    assert json_values('"just a string"', ["username"]) == []


def test_generic_reaches_yields_one_key_per_prefix() -> None:
    keys = [i.key for i in GENERIC.reaches(parse("https://m.blog.example.org/a/B/c?Id=7&utm_source=x"))]
    assert keys == [
        "example.org",
        "blog.example.org",
        "blog.example.org/a",
        "blog.example.org/a/b",
        "blog.example.org/a/b/c",
        "blog.example.org/a/b/c?id=7",
    ]
