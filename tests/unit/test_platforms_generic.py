"""The tables of any other site (agent/engine/platforms/generic.py).

A table row: a pasted profile link, the URL forms that must reach that identity, and the
look-alikes and unrelated pages that must not. A new platform gets its table here.
"""

from __future__ import annotations

from agent.engine.platforms import GENERIC
from agent.engine.urls import parse
from tests.unit.platform_tables import Recognised, Table, table_tests

TABLES: dict[str, Table] = {}

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


RECOGNISED: Recognised = [
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
]

test_table, test_recognise = table_tests(TABLES, RECOGNISED)


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
