"""The Instagram, Threads and Facebook (agent/engine/platforms/meta.py): each table.

A table row: a pasted profile link, the URL forms that must reach that identity, and the
look-alikes and unrelated pages that must not. A new platform gets its table here.
"""

from __future__ import annotations

import pytest

from agent.engine.identity import Identity
from agent.engine.platforms import recognise
from tests.unit.platform_tables import Table, reaches, table_cases

TABLES: dict[str, Table] = {}

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


@pytest.mark.parametrize(("profile", "url", "reach"), table_cases(TABLES))
def test_table(profile: str, url: str, reach: bool) -> None:
    assert reaches(profile, url) is reach


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
    ],
)
def test_recognise(link: str, platform: str, key: str) -> None:
    assert recognise(link) == Identity(platform, key)
