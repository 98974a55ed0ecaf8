"""Sites a person needs every day are never on a built-in category list, nor under an entry of one.

Public block lists carry such hosts by mistake (a site builder, a CDN, a chat back end, a social network); a
built-in list must never take them in, or turning a category on would cut the person off from mail, money,
maps or the news.
"""

from __future__ import annotations

import pytest

from agent.engine.categories import CATEGORIES
from agent.engine.urls import host_suffixes
from tests.unit.test_lists import entries

pytestmark = pytest.mark.unit

GENERAL = {
    "mail": ["gmail.com", "mail.google.com", "outlook.live.com", "outlook.office.com", "mail.yahoo.com", "proton.me",
             "mail.proton.me", "icloud.com", "www.icloud.com", "mail.ru", "e.mail.ru", "gmx.net", "web.de",
             "fastmail.com", "mail.yandex.ru", "tutanota.com"],
    "banking": ["chase.com", "secure.chase.com", "bankofamerica.com", "wellsfargo.com", "hsbc.co.uk", "barclays.co.uk",
                "lloydsbank.com", "ing.nl", "paypal.com", "www.paypal.com", "revolut.com", "monzo.com", "n26.com",
                "sparkasse.de", "wise.com"],
    "search": ["google.com", "www.google.com", "www.google.co.uk", "bing.com", "www.bing.com", "duckduckgo.com",
               "search.yahoo.com", "yandex.ru", "www.baidu.com", "www.ecosia.org", "search.brave.com"],
    "maps": ["maps.google.com", "www.google.com", "maps.apple.com", "www.openstreetmap.org", "waze.com",
             "www.bing.com", "citymapper.com"],
    "cloud": ["drive.google.com", "docs.google.com", "dropbox.com", "www.dropbox.com", "onedrive.live.com",
              "amazonaws.com", "s3.amazonaws.com", "cloudfront.net", "d1t13vwmbdrp1.cloudfront.net",
              "storage.googleapis.com", "firebaseapp.com", "web.app", "appspot.com", "herokuapp.com",
              "azurewebsites.net", "github.io", "github.com", "cloudflare.com", "akamaihd.net", "fastly.net",
              "imgix.net", "sendbird.com", "arkoselabs.com", "zendesk.com", "wordpress.com", "wixsite.com",
              "business.site", "blogspot.com", "apple.com", "www.apple.com", "microsoft.com", "amazon.com"],
    "news": ["bbc.co.uk", "www.bbc.com", "nytimes.com", "www.theguardian.com", "reuters.com", "news.google.com",
             "apnews.com", "cnn.com", "lemonde.fr", "www.spiegel.de", "en.wikipedia.org"],
}
# Never dating, whatever a public dating list says: social and chat services, and general sites such lists hold.
NEVER_DATING = ["facebook.com", "www.facebook.com", "instagram.com", "x.com", "tiktok.com", "snapchat.com",
                "whatsapp.com", "telegram.org", "discord.com", "reddit.com", "youtube.com", "linkedin.com",
                "bebo.com", "younow.com", "paltalk.com", "muslim.com", "onlyfans.com", "classifiedads.com"]


def covering(category: str, host: str) -> list[str]:
    """The entries of a built-in list that would block `host` (the host itself or a domain above it)."""
    listed = set(entries(category))
    return [suffix for suffix in host_suffixes(host) if suffix in listed]


@pytest.mark.parametrize("kind", sorted(GENERAL))
@pytest.mark.parametrize("category", [c.key for c in CATEGORIES])
def test_no_built_in_list_blocks_a_general_site(category, kind):
    assert {host: covering(category, host) for host in GENERAL[kind] if covering(category, host)} == {}


@pytest.mark.parametrize("host", NEVER_DATING)
def test_the_dating_list_never_takes_a_social_network_or_a_general_site(host):
    assert covering("dating", host) == []


@pytest.mark.parametrize("category", [c.key for c in CATEGORIES])
def test_no_entry_is_a_bare_domain_ending(category):
    """A bare ending (dating, co.uk) would block every site under it."""
    endings = {"dating", "app", "site", "co.uk", "com.au", "co.nz", "co.za", "com.br", "co.jp", "co.il", "com.mx"}
    assert [d for d in entries(category) if d in endings or "." not in d] == []
