"""The harness of the platform tables (tests/unit/test_platforms_<module>.py, one a platform module).

A table row: a pasted profile link, the URLs that must reach that identity, and the URLs that must not.
"""

from __future__ import annotations

import pytest

from agent.engine.identity import Identity
from agent.engine.platforms import GENERIC, platform_for_host, recognise
from agent.engine.urls import parse

Table = list[tuple[str, list[str], list[str]]]
Recognised = list[tuple[str, str, str]]  # (pasted link, Identity.platform, Identity.key)


def reaches(profile: str, url: str) -> bool:
    """Does a request to `url` reach the person behind the pasted `profile` link?"""
    target = recognise(profile)
    parsed = parse(url)
    platform = platform_for_host(parsed.host) or GENERIC
    return target in set(platform.reaches(parsed))


def table_cases(tables: dict[str, Table]) -> list:
    """(profile, url, whether it must reach) for every URL of every row."""
    return [
        pytest.param(profile, url, reach, id=f"{platform}:{'reach' if reach else 'not'}:{url[:90]}")
        for platform, rows in tables.items()
        for profile, yes, no in rows
        for reach, urls in ((True, yes), (False, no))
        for url in urls
    ]


def table_tests(tables: dict[str, Table], recognised: Recognised):
    """A platform module's two tests: what each table URL reaches, and which identity each pasted link names."""

    @pytest.mark.parametrize(("profile", "url", "reach"), table_cases(tables))
    def test_table(profile: str, url: str, reach: bool) -> None:
        assert reaches(profile, url) is reach, f"{url} {'must' if reach else 'must not'} reach {profile}"

    @pytest.mark.parametrize(("link", "platform", "key"), recognised)
    def test_recognise(link: str, platform: str, key: str) -> None:
        found = recognise(link)
        assert found == Identity(platform, key), f"{link} names {found}, not {platform}:{key}"

    return test_table, test_recognise
