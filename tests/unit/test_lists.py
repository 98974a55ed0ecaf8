"""The built-in category lists: well-formed domains, no repeats, and no site the engine reads more finely."""

from __future__ import annotations

import re

import pytest

from agent.engine.categories import CATEGORIES
from agent.engine.mirrors import MIRROR_DOMAINS
from agent.engine.platforms import PLATFORMS
from agent.engine.search import SEARCH_ENGINES
from agent.engine.urls import host_suffixes
from agent.engine.wrappers import ARCHIVES, CARRIERS, REDIRECTORS, TRANSLATORS
from agent.paths import list_file

DOMAIN = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z][a-z0-9-]*[a-z0-9]")


def entries(category: str) -> list[str]:
    lines = list_file(category).read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


@pytest.mark.parametrize("category", [c.key for c in CATEGORIES])
def test_each_entry_is_one_lower_case_domain_listed_once(category):
    found = entries(category)
    assert [d for d in found if not DOMAIN.fullmatch(d)] == []
    assert len(found) == len(set(found))


@pytest.mark.parametrize("category", ["dating", "viewers", "people_search"])
def test_no_list_but_social_takes_a_whole_platform_or_a_general_purpose_site(category):
    """Whole platforms are the social list's; search engines, archives, readers and redirectors are read
    link by link; mirrors (feeds, avatars, statistics) block only the person's page. A whole-site entry above
    any of them would block them for everyone."""
    fine = {d for p in PLATFORMS for d in p.domains}
    fine |= {*SEARCH_ENGINES, *ARCHIVES, *CARRIERS, *REDIRECTORS, *TRANSLATORS, *MIRROR_DOMAINS}
    for domain in entries(category):
        clash = [d for d in fine if domain in host_suffixes(d)]  # the entry covers that domain
        assert clash == [], (domain, clash)
