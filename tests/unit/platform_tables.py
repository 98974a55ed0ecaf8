"""The harness of the platform tables (tests/unit/test_platforms_<module>.py, one a platform module).

A table row: a pasted profile link, the URLs that must reach that identity, and the URLs that must not.
"""

from __future__ import annotations

import pytest

from agent.engine.platforms import GENERIC, platform_for_host, recognise
from agent.engine.urls import parse

Table = list[tuple[str, list[str], list[str]]]


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
