"""Searches for the person: name as consecutive words, handles, emails, phones; and no look-alikes."""

import pytest

from agent.engine.search import MAX_SEARCH_CHARS, SearchIndex, engine_searches
from agent.engine.urls import parse


@pytest.fixture(scope="module")
def index():
    found = SearchIndex()
    found.add_name("Casey Lindqvist", "J")
    found.add_name("Zoë Ångström", "Z")
    found.add_name("María O'Connell", "M")
    found.add_name("Anne-Marie Vale", "A")
    found.add_name("Siobhán Ní Bhriain", "S")
    found.add_handle("maroc", "M")  # a short handle that is also a word
    found.add_handle("casey.lindqvist", "J")
    found.add_email("casey.l@example.org", "J")
    found.add_email("Casey.Lind@gmail.com", "J")
    found.add_phone("+447700900123", "J")
    found.add_phone("+12025550143", "Z")
    return found


MATCHES = [
    "casey lindqvist", "Casey Lindqvist", "CASEY   LINDQVIST", '"casey lindqvist"', "casey lindqvist instagram",
    "where does casey lindqvist work", "casey-lindqvist", "casey_lindqvist", "casey lindqvist's new job",
    "zoe angstrom", "Zoë Ångström", "ZOE ÅNGSTRÖM", "casey.lindqvist", "@casey.lindqvist", "instagram @Casey.Lindqvist",
    "casey.l@example.org", "CASEY.L@EXAMPLE.ORG", "mail casey.l@example.org?", "caseylind@gmail.com",
    "c.a.s.e.y.lind+x@googlemail.com", "+44 7700 900123", "+447700900123", "07700 900123", "07700-900-123",
    "(0)7700 900 123", "0044 7700 900123", "Lindqvist, Casey", '"lindqvist, casey"', "Ångström, Zoë", "maria oconnell", "María O’Connell",
    "O'Connell, Maria", "Ní Bhriain, Siobhán", "ni bhriain, siobhan", "annemarie vale", "anne marie vale", "$maroc", "@MaroC", "from:maroc", "447700900123", "who called me 07700900123",
    "+1 (202) 555-0143", "202-555-0143", "(202) 555 0143", "1 202 555 0143", "011 1 202 555 0143",
]
MISSES = [
    "casey", "lindqvist", "lindqvist casey", "casey smith lindqvist", "caseylindqvist", "casey lindqvistson",
    "lindqvist casey article", "casey street", "lindqvist bakery stockholm", "casey.lindqvist2", "xcasey.lindqvist",
    "lindqvist, carl", "smith, casey lindqvistson", "ebbw lindqvist, casey close", "bhriain, siobhan", "ni bhriain, siobhan road", "lindqvist, casey county jobs",
    "maria connell", "oconnell street", "marie vale", "maroc tourisme", "maroc", "riad maroc.", "email me@maroc.", "casey.l@example.org.uk", "acasey.l@example.org", "casey.l@example.com",
    "+44 7700 900124", "7700 900 1234", "+33 7700 900123", "17700900123", "zoe", "angstrom zoe", "weather",
]


@pytest.mark.parametrize("text", MATCHES)
def test_matches(index, text):
    assert index.match(text) is not None


@pytest.mark.parametrize("text", MISSES)
def test_no_look_alikes(index, text):
    assert index.match(text) is None


@pytest.mark.parametrize("url, text", [
    ("https://www.google.com/search?q=casey+lindqvist", "casey lindqvist"),
    ("https://www.google.co.uk/search?hl=en&q=casey%20lindqvist", "casey lindqvist"),
    ("https://www.google.de/complete/search?q=casey+lin&client=gws", "casey lin"),
    ("https://www.bing.com/search?q=casey+lindqvist&form=QBLH", "casey lindqvist"),
    ("https://duckduckgo.com/?q=casey+lindqvist&ia=web", "casey lindqvist"),
    ("https://html.duckduckgo.com/html/?q=casey", "casey"),
    ("https://search.yahoo.com/search?p=casey+lindqvist", "casey lindqvist"),
    ("https://uk.search.yahoo.com/search?p=casey", "casey"),
    ("https://yandex.ru/search/?text=casey+lindqvist", "casey lindqvist"),
    ("https://search.brave.com/search?q=casey", "casey"),
    ("https://www.startpage.com/do/search?query=casey", "casey"),
    ("https://www.ecosia.org/search?q=casey", "casey"),
    # answer engines and smaller engines
    ("https://kagi.com/search?q=casey+lindqvist", "casey lindqvist"),
    ("https://you.com/search?q=casey+lindqvist&fromSearchBar=true", "casey lindqvist"),
    ("https://www.perplexity.ai/search?q=casey%20lindqvist", "casey lindqvist"),
    ("https://www.perplexity.ai/search/who-is-casey-lindqvist-Ab1cD2eF.g3", "who is casey lindqvist Ab1cD2eF.g3"),
    ("https://www.phind.com/search?q=casey+lindqvist", "casey lindqvist"),
    ("https://www.startpage.com/sp/search?query=casey", "casey"),
    ("https://www.qwant.com/?q=casey&t=web", "casey"),
    ("https://www.mojeek.com/search?q=casey", "casey"),
    ("https://yep.com/web?q=casey", "casey"),
    ("https://presearch.com/search?q=casey", "casey"),
    ("https://swisscows.com/web?query=casey", "casey"),
    ("https://www.dogpile.com/serp?q=casey", "casey"),
    ("https://metager.org/meta/meta.ger3?eingabe=casey", "casey"),
    ("https://search.naver.com/search.naver?query=casey", "casey"),
    ("https://search.seznam.cz/?q=casey", "casey"),
    # public SearXNG instances
    ("https://searx.be/search?q=casey+lindqvist&categories=general", "casey lindqvist"),
    ("https://priv.au/search?q=casey", "casey"),
    ("https://search.sapti.me/search?q=casey", "casey"),
    ("https://searx.tiekoetter.com/search?q=casey", "casey"),
    ("https://cc.bingj.com/cache.aspx?q=casey+lindqvist&d=4711&mkt=en-GB&w=abc", "casey lindqvist"),
    # the Internet Archive's own search
    ("https://web.archive.org/search?query=casey+lindqvist", "casey lindqvist"),
    ("https://archive.org/search?query=casey", "casey"),
])
def test_engine_queries(url, text):
    assert text in engine_searches(parse(url))


@pytest.mark.parametrize("url", [
    "https://news.example/search?q=casey+lindqvist",
    "https://searx.example/search?q=casey+lindqvist",  # a SearXNG instance nobody has named is not decrypted
    "https://mail.seznam.cz/?q=casey",
    "https://mail.naver.com/search?query=casey",
    "https://www.perplexity.ai/discover/casey-lindqvist",
])
def test_non_engines_have_no_search(url):
    assert engine_searches(parse(url)) == []


def test_search_hosts_of_portals_that_also_serve_mail_are_named_alone():
    from agent.engine.search import SEARCH_ENGINES

    for domain in ("seznam.cz", "naver.com", "daum.net", "microsoft.com", "disroot.org"):
        assert domain not in SEARCH_ENGINES, domain


def test_a_search_is_read_to_a_bound(index):
    """No engine takes a longer search; a hostile one (a page can post megabytes to a search form) is read no
    further, and the email pattern starts only where an address can start, so it stays linear."""
    assert index.match("a" * MAX_SEARCH_CHARS + " casey lindqvist") is None
    assert index.match("x " * 100 + "casey lindqvist") == ("name", "J")
    assert index.match("@" * 5000 + " casey.l@example.org") is None  # past the bound
    assert index.match("see casey.l@example.org" + "@x" * 500) == ("email", "J")
