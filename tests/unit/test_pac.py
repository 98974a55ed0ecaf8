"""The PAC file routes exactly as the policy watches, and names no more of the allow list than routing needs."""

from __future__ import annotations

import pytest

from agent.config import parse_config
from agent.engine.policy import Policy
from agent.system.doctor import pac_route
from agent.web.pac import pac_file, routing_tables

CONFIG = """
block:
  dating: true
  sites: [watched-site.test, inner.allowed-whole.test]
allow:
  - thehotline.org                # a crisis line
  - ourfamilywizard.com           # a co-parenting app
  - help.watched-site.test        # a part of a watched site
  - deep.help.watched-site.test   # inside that part
  - tinder.com                    # a whole watched site
  - allowed-whole.test            # above a watched site
  - https://www.facebook.com/groups/coparenting
"""
PROXY = "PROXY 127.0.0.1:8080"


@pytest.fixture(scope="module")
def policy() -> Policy:
    return Policy(parse_config(CONFIG), lists={"dating": ["tinder.com", "match.com"]})


def test_only_an_allowed_part_of_a_watched_site_is_named(policy):
    pac = pac_file(policy, "127.0.0.1", 8080)
    for private in ("thehotline", "ourfamilywizard", "coparenting", "tinder", "allowed-whole"):
        assert private not in pac, private
    watched, exact, allowed = routing_tables(policy)
    assert allowed == {"help.watched-site.test"}
    assert {"watched-site.test", "match.com"} <= watched and not {"tinder.com", "inner.allowed-whole.test"} & watched


def test_every_host_is_routed_as_the_policy_watches_it(policy):
    pac = pac_file(policy, "127.0.0.1", 8080)
    hosts = [f"{prefix}{domain}" for prefix in ("", "www.", "a.b.")
             for domain in ("thehotline.org", "ourfamilywizard.com", "watched-site.test", "help.watched-site.test",
                            "deep.help.watched-site.test", "tinder.com", "match.com", "allowed-whole.test",
                            "inner.allowed-whole.test", "www.facebook.com", "news.test", "test", "site.test",
                            "flirty.dating", "meet.singles", "dating", "update.com", "example.date")]
    for host in hosts:
        assert pac_route(pac, host) == (PROXY if policy.watches(host) else "DIRECT"), host
    assert pac_route(pac, "x.watched-site.test") == PROXY and pac_route(pac, "x.help.watched-site.test") == "DIRECT"
    assert pac_route(pac, "www.flirty.dating") == PROXY  # a site under a top-level domain meant for dating


def test_without_an_allow_list_the_tables_are_the_policys():
    policy = Policy(parse_config("block:\n  sites: [watched-site.test]\n"), lists={"dating": ["tinder.com"]})
    assert routing_tables(policy) == (policy.watched_domains, policy.watched_hosts, set())
