"""Wrappers carry another URL; each is unwrapped to the URL it leads to."""

from urllib.parse import quote

import pytest

from agent.engine.platforms import PLATFORMS
from agent.engine.urls import parse
from agent.engine.wrappers import inner_urls, is_wrapper

TARGET = "https://www.instagram.com/casey.lindqvist/"

CASES = [
    "https://www.google.com/url?q=https://www.instagram.com/casey.lindqvist/&sa=D",
    "https://www.google.co.uk/url?url=https%3A%2F%2Fwww.instagram.com%2Fcasey.lindqvist%2F",
    "https://www.google.com/amp/s/www.instagram.com/casey.lindqvist/",
    "https://l.facebook.com/l.php?u=https%3A%2F%2Fwww.instagram.com%2Fcasey.lindqvist%2F&h=AT0",
    "https://lm.facebook.com/l.php?u=https%253A%252F%252Fwww.instagram.com%252Fcasey.lindqvist%252F",
    "https://l.instagram.com/?u=https%3A%2F%2Fwww.instagram.com%2Fcasey.lindqvist%2F&e=AT",
    "https://out.reddit.com/t3_abc?url=https%3A%2F%2Fwww.instagram.com%2Fcasey.lindqvist%2F",
    "https://www.youtube.com/redirect?event=video&q=https%3A%2F%2Fwww.instagram.com%2Fcasey.lindqvist%2F",
    "https://www.linkedin.com/redir/redirect?url=https%3A%2F%2Fwww.instagram.com%2Fcasey.lindqvist%2F",
    "https://duckduckgo.com/l/?uddg=https%3A%2F%2Fwww.instagram.com%2Fcasey.lindqvist%2F&rut=1",
    "https://www.bing.com/ck/a?!&&p=abc&u=a1aHR0cHM6Ly93d3cuaW5zdGFncmFtLmNvbS9jYXNleS5saW5kcXZpc3Qv&ntb=1",
    "https://web.archive.org/web/20240101000000/https://www.instagram.com/casey.lindqvist/",
    "https://web.archive.org/web/2024id_/https://www.instagram.com/casey.lindqvist/",
    "https://archive.ph/newest/https://www.instagram.com/casey.lindqvist/",
    "https://archive.is/https://www.instagram.com/casey.lindqvist/",
    "https://webcache.googleusercontent.com/search?q=cache:https://www.instagram.com/casey.lindqvist/",
    "https://www-instagram-com.translate.goog/casey.lindqvist/?_x_tr_sl=auto&_x_tr_tl=en",
    "https://translate.google.com/translate?sl=auto&tl=en&u=https://www.instagram.com/casey.lindqvist/",
    "https://vk.com/away.php?to=https%3A%2F%2Fwww.instagram.com%2Fcasey.lindqvist%2F",
    "https://t.umblr.com/redirect?z=https%3A%2F%2Fwww.instagram.com%2Fcasey.lindqvist%2F&t=x",
]


@pytest.mark.parametrize("url", CASES)
def test_unwraps_to_the_profile(url):
    inner = [parse(u) for u in inner_urls(parse(url))]
    assert any(u.host == "www.instagram.com" and u.path.startswith("/casey.lindqvist") for u in inner), inner


PLATFORM_REDIRECTS = [
    pytest.param(host, prefix, param, id=f"{host}{prefix}")
    for platform in PLATFORMS
    for host, rules in platform.redirects.items()
    for prefix, params in rules
    for param in params
]


@pytest.mark.parametrize(("host", "prefix", "param"), PLATFORM_REDIRECTS)
def test_the_platforms_own_redirect_pages_are_unwrapped(host, prefix, param):
    """Each platform declares its "you are leaving" pages in its class; the wrappers read them there."""
    url = parse(f"https://{host}{prefix}?{param}={quote(TARGET, safe='')}")
    assert is_wrapper(url.host)
    assert [parse(u).path for u in inner_urls(url)] == ["/casey.lindqvist/"]


def test_translate_host_keeps_real_dashes():
    (inner,) = inner_urls(parse("https://my--site-example-com.translate.goog/x"))
    assert parse(inner).host == "my-site.example.com"


@pytest.mark.parametrize("url", [
    "https://www.google.com/search?q=weather",
    "https://web.archive.org/",
    "https://archive.org/details/some-book",
    "https://archive.ph/AbCdE",
    "https://l.facebook.com/l.php?u=not-a-url",
    "https://news.example/story?url=https://www.instagram.com/casey.lindqvist/",
])
def test_not_a_wrapper_or_nothing_inside(url):
    assert inner_urls(parse(url)) == []
