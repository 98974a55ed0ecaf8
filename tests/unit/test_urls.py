"""URL normalisation: every spelling of the same address lands on the same Url."""

import pytest

from agent.engine.urls import UrlError, parse

SAME = [
    ("https://WWW.Instagram.COM./casey/", "https", "www.instagram.com", None, "/casey/"),
    ("https://www.instagram.com:443//casey//", "https", "www.instagram.com", None, "/casey/"),
    ("http://example.com:80/a/./b/../c", "http", "example.com", None, "/a/c"),
    ("https://example.com:8443/x", "https", "example.com", 8443, "/x"),
    ("https://example.com/%2563asey", "https", "example.com", None, "/casey"),
    ("https://example.com/%63asey", "https", "example.com", None, "/casey"),
    ("https://example.com\\casey", "https", "example.com", None, "/casey"),
    ("example.com/casey", "https", "example.com", None, "/casey"),
    ("https://user:pass@example.com/casey", "https", "example.com", None, "/casey"),
    ("https://bücher.example/", "https", "xn--bcher-kva.example", None, "/"),
    ("https://[::1]:8080/", "https", "::1", 8080, "/"),
    ("https://127.0.0.1/x", "https", "127.0.0.1", None, "/x"),
    ("https://example.com", "https", "example.com", None, "/"),
    ("https://example.com/a/../../..", "https", "example.com", None, "/"),
]


@pytest.mark.parametrize("text, scheme, host, port, path", SAME)
def test_normalises(text, scheme, host, port, path):
    url = parse(text)
    assert (url.scheme, url.host, url.port, url.path) == (scheme, host, port, path)


def test_query_is_decoded_once_more_for_double_encoding():
    url = parse("https://www.google.com/search?q=casey%2520lindqvist&Q2=x")
    assert url.param("q") == "casey lindqvist"
    assert url.param("q2") == "x"


def test_invalid_percent_encoding_and_utf8_do_not_raise():
    url = parse("https://example.com/%ff%fe%zz/%C3%28?q=%E0%A4%A")
    assert url.host == "example.com"
    assert url.path.startswith("/")


def test_huge_url_is_cut_not_fatal():
    url = parse("https://example.com/" + "a" * 1_000_000)
    assert len(url.path) < 20_000


def test_without_query_drops_query_and_fragment():
    assert parse("https://Example.com/x/?a=1#frag").without_query() == "https://example.com/x/"


@pytest.mark.parametrize("text", ["", "   ", "ftp://example.com/", "javascript:alert(1)", "https://", "https://exa mple.com/",
                                  "https://example.com:99999/"])
def test_rejects_what_is_not_a_web_address(text):
    with pytest.raises(UrlError):
        parse(text)
