"""The tables of X, Bluesky, TikTok, Snapchat, Pinterest, Reddit, Tumblr and Linktree (agent/engine/platforms/social.py).

A table row: a pasted profile link, the URL forms that must reach that identity, and the
look-alikes and unrelated pages that must not. A new platform gets its table here.
"""

from __future__ import annotations

from agent.engine.platforms import PLATFORMS
from tests.unit.platform_tables import Recognised, Table, table_tests

TABLES: dict[str, Table] = {}

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
            # embedded timelines and widgets
            "https://syndication.twitter.com/srv/timeline-profile/screen-name/caseylindq",
            "https://syndication.twitter.com/srv/timeline-profile/screen-name/CaseyLindq?dnt=false&embedId=twitter-widget-0",
            "https://syndication.x.com/srv/timeline-profile/screen-name/caseylindq",
            "https://cdn.syndication.twimg.com/timeline/profile?callback=__twttr.setUpdate&screen_name=caseylindq",
            "https://platform.twitter.com/widgets/follow_button.html?screen_name=caseylindq&show_count=false",
            "https://platform.twitter.com/embed/Timeline.html?dnt=false&screenName=caseylindq",
            "https://api.twitter.com/1.1/users/lookup.json?screen_name=someone,caseylindq",
            'https://x.com/i/api/graphql/abc/UsersByScreenNames?variables={"screen_names":["someone","caseylindq"]}',
            # punctuation stuck to a pasted or typed link
            "https://x.com/caseylindq.",
            "https://x.com/caseylindq,",
            "https://x.com/caseylindq),",
            "https://x.com/caseylindq!",
            "https://x.com/caseylindq;",
            'https://x.com/caseylindq"',
            "https://x.com/caseylindq'",
            "https://x.com/caseylindq>",
            "https://x.com/caseylindq\u2026",
            "https://x.com/caseylindq%22",
            "https://x.com/caseylindq%29",
            "https://twitter.com/caseylindq).",
        ],
        [
            "https://x.com/caseylindq_",
            "https://x.com/caseylindq_.",
            "https://x.com/caseylindq2),",
            "https://api.twitter.com/1.1/users/lookup.json?screen_name=someone,caseylindq2",
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
            "https://syndication.twitter.com/srv/timeline-profile/screen-name/caseylindq_fan",
            "https://syndication.twitter.com/srv/timeline-profile/screen-name/",
            "https://cdn.syndication.twimg.com/timeline/profile?screen_name=caseylindqvist",
            "https://cdn.syndication.twimg.com/caseylindq",
            "https://platform.twitter.com/widgets.js",
            "https://pbs.twimg.com/profile_images/123/caseylindq.jpg",
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
            "https://api.twitter.com/1.1/users/lookup.json?user_id=12,1456789012345678901",
        ],
        [
            "https://x.com/i/user/1456789012345678902",
            "https://x.com/messages/compose?recipient_id=145678901234567890",
            "https://x.com/i/status/1456789012345678901",
            "https://x.com/caseylindq",
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
            "https://bsky.app/profile/casey.bsky.social.",
            "https://bsky.app/profile/casey.bsky.social),",
            "https://bsky.app/profile/@casey.bsky.social%22",
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
            f"https://bsky.app/profile/{DID}),",
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
            "https://www.tiktok.com/@casey.lindqvist.",
            "https://www.tiktok.com/@casey.lindqvist),",
            "https://www.tiktok.com/@casey.lindqvist%22",
        ],
        [
            "https://www.tiktok.com/@casey.lindqvist1",
            "https://www.tiktok.com/@caseylindqvist",
            "https://www.tiktok.com/@casey.lindqvis",
            "https://www.tiktok.com/@casey.lindqvist_.",
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
            # Snapcode images: the code that adds the person
            "https://app.snapchat.com/web/deeplink/snapcode?username=caseyl.snaps&type=SVG&bitmoji=enable",
            "https://www.snapchat.com/web/deeplink/snapcode?username=CaseyL.Snaps&type=PNG",
            "https://feelinsonice-hrd.appspot.com/web/deeplink/snapcode?username=caseyl.snaps&size=400&type=SVG",
            "https://www.snapchat.com/add/caseyl.snaps.",
            "https://www.snapchat.com/add/caseyl.snaps),",
        ],
        [
            "https://www.snapchat.com/add/caseyl.snaps2",
            "https://www.snapchat.com/add/caseyl",
            "https://www.snapchat.com/add/caseyl.snaps-.",
            "https://www.snapchat.com/t/AbCdEfGh",
            "https://www.snapchat.com/discover",
            "https://accounts.snapchat.com/accounts/login",
            "https://www.snapchat.com/",
            "https://app.snapchat.com/web/deeplink/snapcode?username=caseyl.snaps2&type=SVG",
            "https://accounts.snapchat.com/accounts/login?username=caseyl",
            "https://feelinsonice-hrd.appspot.com/caseyl.snaps",
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
            "https://widgets.pinterest.com/v3/pidgets/users/caseylindqvist/pins/",
            "https://widgets.pinterest.com/v3/pidgets/boards/caseylindqvist/wedding-ideas/pins/",
            "https://www.pinterest.com/caseylindqvist).",
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
            "https://widgets.pinterest.com/v3/pidgets/users/caseylindqvist2/pins/",
            "https://widgets.pinterest.com/v3/pidgets/boards/caseylindqvist2/wedding-ideas/pins/",
            "https://widgets.pinterest.com/caseylindqvist/",
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
            # punctuation stuck to a pasted link, with Reddit's own .json and .rss still read
            "https://www.reddit.com/user/casey_l.",
            "https://www.reddit.com/user/casey_l,",
            "https://www.reddit.com/u/casey_l),",
            "https://www.reddit.com/user/casey_l.json),",
        ],
        [
            "https://www.reddit.com/user/casey_l2",
            "https://www.reddit.com/user/xcasey_l",
            "https://www.reddit.com/user/casey",
            "https://www.reddit.com/user/casey_l_.",
            "https://www.reddit.com/user/casey_l-),",
            "https://www.reddit.com/r/casey_l/",
            "https://www.reddit.com/search?q=casey_l",
            "https://redd.it/1abcde",
            "https://www.reddit.com/r/AskReddit/s/AbCdEfGh",
            "https://www.reddit.com/r/AskReddit/comments/1abcde/title/",
            "https://www.reddit.com/",
        ],
    ),
]

TABLES["tumblr"] = [
    (
        "https://caseylindqvist.tumblr.com/",
        [
            "https://caseylindqvist.tumblr.com",
            "https://CaseyLindqvist.tumblr.com/",
            "http://caseylindqvist.tumblr.com./",
            "https://caseylindqvist.tumblr.com/post/123456789012/holiday-photos",
            "https://caseylindqvist.tumblr.com/rss",
            "https://caseylindqvist.tumblr.com/tagged/art",
            "https://caseylindqvist.tumblr.com/archive",
            "https://caseylindqvist.tumblr.com/ask",
            "https://caseylindqvist.tumblr.com/api/read/json",
            # the same blog on www.tumblr.com, since 2023
            "https://www.tumblr.com/caseylindqvist",
            "https://tumblr.com/CaseyLindqvist",
            "https://www.tumblr.com/caseylindqvist/123456789012/holiday-photos",
            "https://www.tumblr.com/caseylindqvist/tagged/art",
            "https://www.tumblr.com/caseylindqvist/likes",
            "https://www.tumblr.com/blog/view/caseylindqvist",
            "https://www.tumblr.com/blog/view/caseylindqvist/123456789012",
            "https://www.tumblr.com/dashboard/blog/caseylindqvist",
            "https://www.tumblr.com/dashboard/blog/CaseyLindqvist/123456789012",
            "https://www.tumblr.com/follow/caseylindqvist",
            "https://www.tumblr.com/ask_form/caseylindqvist.tumblr.com",
            "https://www.tumblr.com/reblog/caseylindqvist/123456789012/AbCdEf12",
            # the API, and the web app's calls to it
            "https://api.tumblr.com/v2/blog/caseylindqvist.tumblr.com/posts?api_key=AbCdEf",
            "https://api.tumblr.com/v2/blog/CaseyLindqvist.tumblr.com/avatar/64",
            "https://api.tumblr.com/v2/blog/caseylindqvist/info",
            "https://www.tumblr.com/api/v2/blog/caseylindqvist/posts?fields%5Bblogs%5D=name",
            # punctuation stuck to a pasted link
            "https://www.tumblr.com/caseylindqvist.",
            "https://www.tumblr.com/caseylindqvist),",
            "https://www.tumblr.com/caseylindqvist%22",
        ],
        [
            "https://caseylindqvist2.tumblr.com/",
            "https://thecaseylindqvist.tumblr.com/",
            "https://caseylindqvis.tumblr.com/",
            "https://casey-lindqvist.tumblr.com/",
            "https://caseylindqvist-art.tumblr.com/",
            "https://caseylindqvist.tumblr.com.evil.net/",
            "https://www.tumblr.com/caseylindqvist2",
            "https://www.tumblr.com/othername/123456789012/caseylindqvist",
            "https://www.tumblr.com/blog/view/caseylindqvist2",
            "https://www.tumblr.com/dashboard/blog/caseylindqvist2",
            "https://api.tumblr.com/v2/blog/caseylindqvist2.tumblr.com/posts",
            "https://api.tumblr.com/v2/blog/caseylindqvist.example.com/info",
            "https://www.tumblr.com/search/caseylindqvist",
            "https://www.tumblr.com/tagged/caseylindqvist",
            "https://www.tumblr.com/explore/trending",
            "https://www.tumblr.com/dashboard",
            "https://www.tumblr.com/settings/account",
            "https://www.tumblr.com/reblog/123456789012/AbCdEf12",
            "https://www.tumblr.com/",
            "https://64.media.tumblr.com/0a1b2c3d/s640x960/caseylindqvist.jpg",
            "https://assets.tumblr.com/caseylindqvist",
            "https://tmblr.co/ZAbCdE1a2B3c",
            "https://www.twitch.tv/caseylindqvist",
        ],
    ),
    (
        "https://www.tumblr.com/staff",
        ["https://staff.tumblr.com/", "https://staff.tumblr.com/post/123456789012/changes", "https://tumblr.com/Staff"],
        ["https://staff2.tumblr.com/", "https://www.tumblr.com/staff2", "https://www.tumblr.com/search/staff"],
    ),
    (
        "https://www.tumblr.com/Casey-L",
        ["https://casey-l.tumblr.com/", "https://www.tumblr.com/casey-l/123456789012"],
        ["https://caseyl.tumblr.com/", "https://casey-l-.tumblr.com/", "https://www.tumblr.com/casey"],
    ),
]

TABLES["linktree"] = [
    (
        "https://linktr.ee/casey.lindqvist",
        [
            "https://linktr.ee/Casey.Lindqvist",
            "https://linktr.ee/casey.lindqvist?utm_source=ig_bio",
            "https://www.linktr.ee/casey.lindqvist/",
            "https://linktr.ee/casey.lindqvist),",
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


RECOGNISED: Recognised = [
    ("https://x.com/CaseyLindq", "x", "caseylindq"),
    ("https://twitter.com/caseylindq/status/1790000000000000000", "x", "caseylindq"),
    ("https://x.com/i/user/1456789012345678901", "x", "id:1456789012345678901"),
    ("https://www.tiktok.com/@Casey.Lindqvist", "tiktok", "casey.lindqvist"),
    ("https://www.tiktok.com/@casey.lindqvist.", "tiktok", "casey.lindqvist"),
    ("https://x.com/caseylindq),", "x", "caseylindq"),
    ("https://www.reddit.com/user/Casey_L/.", "reddit", "casey_l"),
    ("https://www.snapchat.com/add/caseyl.snaps", "snapchat", "caseyl.snaps"),
    ("https://www.pinterest.co.uk/CaseyLindqvist/", "pinterest", "caseylindqvist"),
    ("https://old.reddit.com/u/Casey_L", "reddit", "casey_l"),
    ("https://linktr.ee/Casey.Lindqvist", "linktree", "casey.lindqvist"),
    ("https://bsky.app/profile/Casey.bsky.social", "bluesky", "casey.bsky.social"),
    (f"https://bsky.app/profile/{DID}", "bluesky", DID),
    ("https://caseylindqvist.tumblr.com/", "tumblr", "caseylindqvist"),
    ("https://CaseyLindqvist.tumblr.com/post/123456789012/holiday-photos", "tumblr", "caseylindqvist"),
    ("https://www.tumblr.com/CaseyLindqvist", "tumblr", "caseylindqvist"),
    ("https://tumblr.com/caseylindqvist/123456789012/holiday-photos", "tumblr", "caseylindqvist"),
    ("https://www.tumblr.com/blog/view/caseylindqvist", "tumblr", "caseylindqvist"),
    ("https://www.tumblr.com/caseylindqvist).", "tumblr", "caseylindqvist"),
    ("https://staff.tumblr.com/", "tumblr", "staff"),
]

test_table, test_recognise = table_tests(TABLES, RECOGNISED)
