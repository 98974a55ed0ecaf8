"""URL normalisation: every spelling of the same address lands on the same Url."""

import pytest

from agent.engine.urls import MAX_FORM_CHARS, UrlError, by_host, parse

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
    ('"https://example.com/casey"', "https", "example.com", None, "/casey"),  # pasted with what quoted it
    ("<https://example.com/casey>,", "https", "example.com", None, "/casey"),
    ("‹https://example.com/casey›", "https", "example.com", None, "/casey"),
    ("“example.com/casey”.", "https", "example.com", None, "/casey"),
    ("(example.com/casey)", "https", "example.com", None, "/casey"),
    ("[https://example.com/casey]", "https", "example.com", None, "/casey"),
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


@pytest.mark.parametrize("text", ["", "   ", '""', "<>", "ftp://example.com/", "javascript:alert(1)", "https://", "https://exa mple.com/",
                                  "https://example.com:99999/"])
def test_rejects_what_is_not_a_web_address(text):
    with pytest.raises(UrlError):
        parse(text)


def test_a_form_body_is_read_after_the_query_and_leaves_the_url_alone():
    url = parse("https://www.instagram.com/api/graphql?doc_id=1")
    posted = url.with_form("variables=%7B%22username%22%3A%22casey%22%7D&doc_id=2&X=a+b")
    assert posted.params("doc_id") == ["1", "2"] and posted.param("x") == "a b"
    assert posted.params("variables") == ['{"username":"casey"}']
    assert (posted.path, posted.query, posted.raw_query) == (url.path, url.query, url.raw_query)
    assert url.params("variables") == [] and url.form == ()
    assert parse("https://a.test/").with_form("v=" + "x" * MAX_FORM_CHARS).param("v") == "x" * (MAX_FORM_CHARS - 2)


def test_a_table_is_looked_up_by_the_longest_suffix_of_a_host():
    table = {"example.com": 1, "a.example.com": 2}
    assert [by_host(table, h) for h in ("b.a.example.com", "a.example.com", "x.example.com", "example.org")] == [
        2, 2, 1, None]


@pytest.mark.parametrize("raw", [
    "", "a=1", "a=1&b=2", "a", "a=", "=v", "&&a=1&&", "a=1=2", "q=casey+lindqvist", "q=casey%2Blindqvist",
    "q=casey%2520lindqvist", "u=https%3A%2F%2Fx.com%2Fa%3Fb%3D1%26c%3D2", "n%61me=v", "a=%zz&b=%e2%82%ac",
    "a=%C3%28", "a+b=c+d", "a=1;b=2", "x=%", "x=%2", "%=%", "a=%25%32%35", "k=v&k=w",
])
def test_the_query_reads_as_parse_qsl_then_decode_reads_it(raw):
    """The query reader is written out for speed; it must read every query exactly as the standard library."""
    from urllib.parse import parse_qsl

    from agent.engine.urls import decode
    expected = tuple((decode(k), decode(v)) for k, v in parse_qsl(raw, keep_blank_values=True, errors="replace"))
    assert parse(f"https://example.com/?{raw}").query == expected


@pytest.mark.parametrize("host", ["a" * 254, "a." * 127 + "com", "%61" * 300, "a" * 4000 + "\u2014"])
def test_a_host_longer_than_dns_allows_is_refused(host):
    """A link carried in a query can name any host; one no DNS name can be is refused before any lookup."""
    with pytest.raises(UrlError):
        parse(f"https://{host}/x")


def test_the_longest_dns_host_is_read():
    host = ".".join(["a" * 63] * 3 + ["b" * 61])
    assert parse(f"https://{host}/x").host == host
