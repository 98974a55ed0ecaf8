"""What every platform shares (agent/engine/platforms/base.py): JSON values, and each platform's own facts."""

from __future__ import annotations

import pytest

from agent.engine.platforms import PLATFORMS, platform_for_host, platform_named
from agent.engine.platforms.base import json_values


def test_json_values_is_defensive() -> None:
    found = json_values('{"a":{"Username":"x"},"b":[{"username":["y",1,true]}]}', ["username"])
    assert sorted(found) == ["1", "x", "y"]
    assert json_values("{not json", ["username"]) == []
    assert json_values("[" * 100000 + "]" * 100000, ["username"]) == []
    assert json_values('"just a string"', ["username"]) == []
    assert json_values('{"id": 1.5, "userID": null, "ID": false}', ["id", "userid"]) == []


@pytest.mark.parametrize("platform", PLATFORMS, ids=lambda p: p.name)
def test_a_platforms_short_links_embeds_and_redirect_pages_are_its_own(platform) -> None:
    for host in (*platform.short_links, *platform.embed_hosts, *platform.redirects):
        assert platform_for_host(host) is platform, host


def test_short_links_and_embeds_are_never_read() -> None:
    assert platform_named("youtube").readable_domains == ("youtube.com",)
    assert platform_named("x").readable_domains == ("x.com", "twitter.com", "cdn.syndication.twimg.com")
    assert platform_for_host("pbs.twimg.com") is None  # X's media hosts are not read, only its embed timelines
    assert platform_named("instagram").readable_domains == platform_named("instagram").domains


def test_only_facebook_ignores_dots() -> None:
    assert [p.name for p in PLATFORMS if p.ignores_dots] == ["facebook"]


@pytest.mark.parametrize(("key", "handle"), [
    ("casey.lindqvist", "casey.lindqvist"), ("id:100098765432101", "100098765432101"), ("@caseyl", "caseyl"),
    ("user/caseyl1985", "caseyl1985"), ("artist:4Z8W4fKeB5YxbusRsdQVPb", "4Z8W4fKeB5YxbusRsdQVPb"),
])
def test_the_handle_a_search_would_type(key: str, handle: str) -> None:
    assert platform_named("youtube").searched_handle(key) == handle
