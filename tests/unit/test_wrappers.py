"""Wrappers carry another URL; each is unwrapped to the URL it leads to."""

from urllib.parse import quote

import pytest

from agent.engine.platforms import PLATFORMS
from agent.engine.urls import parse
from agent.engine.wrappers import carried_urls, inner_urls, is_wrapper

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
    # the AMP cache's own hosts
    "https://www-instagram-com.cdn.ampproject.org/c/s/www.instagram.com/casey.lindqvist/",
    "https://www-instagram-com.cdn.ampproject.org/v/s/www.instagram.com/casey.lindqvist/?amp_js_v=0.1",
    # translate proxies on country domains, Bing's and Microsoft's, Yandex's and Papago
    "https://translate.google.co.uk/translate?sl=auto&tl=en&u=https://www.instagram.com/casey.lindqvist/",
    "https://translate.google.de/translate?hl=de&u=https%3A%2F%2Fwww.instagram.com%2Fcasey.lindqvist%2F",
    "https://translate.google.com/website?sl=auto&tl=en&u=https://www.instagram.com/casey.lindqvist/",
    "https://www.bing.com/translator?from=&to=en&a=https%3A%2F%2Fwww.instagram.com%2Fcasey.lindqvist%2F",
    "https://www.translatetheweb.com/?from=&to=en&a=https%3A%2F%2Fwww.instagram.com%2Fcasey.lindqvist%2F",
    "https://www.microsofttranslator.com/bv.aspx?from=&to=en&a=https://www.instagram.com/casey.lindqvist/",
    "https://translated.turbopages.org/proxy_u/en-ru.ru.1a2b3c/https/www.instagram.com/casey.lindqvist/",
    "https://papago.naver.net/website?locale=ko&source=auto&target=en&url=https://www.instagram.com/casey.lindqvist/",
    # archives: the submit form, wildcard listings, the availability and CDX APIs
    "https://archive.ph/?url=https%3A%2F%2Fwww.instagram.com%2Fcasey.lindqvist%2F",
    "https://archive.ph/submit/?anyway=1&url=https%3A%2F%2Fwww.instagram.com%2Fcasey.lindqvist%2F",
    "https://web.archive.org/web/*/instagram.com/casey.lindqvist*",
    "https://web.archive.org/web/2024*/https://www.instagram.com/casey.lindqvist/*",
    "https://archive.ph/www.instagram.com/casey.lindqvist*",
    # readers, feeds and click trackers that carry the link in their path
    "https://12ft.io/https://www.instagram.com/casey.lindqvist/",
    "https://r.jina.ai/https://www.instagram.com/casey.lindqvist/",
    "https://openrss.org/www.instagram.com/casey.lindqvist/",
    "https://feedly.com/i/subscription/feed%2Fhttps%3A%2F%2Fwww.instagram.com%2Fcasey.lindqvist%2F",
    "https://abcd1234.r.us-east-1.awstrack.me/L0/https:%2F%2Fwww.instagram.com%2Fcasey.lindqvist%2F/1/0100/abc=345",
    "https://click.pstmrk.it/3s/www.instagram.com%2Fcasey.lindqvist%2F/AbCd/xyz",
    "https://substack.com/redirect/2/eyJlIjoiaHR0cHM6Ly93d3cuaW5zdGFncmFtLmNvbS9jYXNleS5saW5kcXZpc3QvIn0.sig",
    "https://urldefense.proofpoint.com/v2/url?u=https-3A__www.instagram.com_casey.lindqvist_&d=DwMF&c=x",
    "https://l.threads.net/?u=https%3A%2F%2Fwww.instagram.com%2Fcasey.lindqvist%2F&e=AT0abc",
    "https://yandexwebcache.net/yandbtm?fmode=inject&tm=1&url=https%3A%2F%2Fwww.instagram.com%2Fcasey.lindqvist%2F",
    "https://paywallbuster.com/articles/?article=https://www.instagram.com/casey.lindqvist/",
    "https://archive.ph/search/?q=instagram.com%2Fcasey.lindqvist",
    # mirrors: a feed or an avatar of the profile
    "https://rsshub.app/instagram/user/casey.lindqvist",
    "https://rsshub.app/picuki/profile/casey.lindqvist",
    "https://unavatar.io/instagram/casey.lindqvist",
    "https://unavatar.io/casey.lindqvist",
    "https://socialblade.com/instagram/user/casey.lindqvist",
    "https://rss-bridge.org/bridge01/?action=display&bridge=InstagramBridge&context=Username&u=casey.lindqvist",
    "https://rss-bridge.org/bridge01/?action=display&bridge=Instagram&media_type=all&format=Atom&u=casey.lindqvist",
    "https://rsshub.ktachibana.party/instagram/user/casey.lindqvist",
    "https://mandrillapp.com/track/click/30000000/www.instagram.com?p=eyJzIjoiYWJjIiwidiI6MSwicCI6IntcInVcIjozMDAw"
    "MDAwMCxcInZcIjoxLFwidXJsXCI6XCJodHRwczpcXFwvXFxcL3d3dy5pbnN0YWdyYW0uY29tXFxcL2Nhc2V5LmxpbmRxdmlzdFxcXC9cIixcI"
    "mlkXCI6XCJhYmNcIn0ifQ",
    "https://click.convertkit-mail.com/abc123/def456/aHR0cHM6Ly93d3cuaW5zdGFncmFtLmNvbS9jYXNleS5saW5kcXZpc3Qv",
]


@pytest.mark.parametrize("url", CASES)
def test_unwraps_to_the_profile(url):
    parsed = parse(url)
    inner = [parse(u) for u in inner_urls(parsed) + carried_urls(parsed)]
    assert any(u.host in ("www.instagram.com", "instagram.com") and u.path.startswith("/casey.lindqvist") for u in inner), inner


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


@pytest.mark.parametrize("url", CASES)
def test_every_wrapper_host_is_watched_through_the_wrapper_domains(url):
    """The wrapper domains go to the PAC file and the CA's names; each wrapper above must be among them."""
    from agent.engine.search import watched_hosts
    from agent.engine.urls import host_suffixes
    from agent.engine.wrappers import WRAPPER_DOMAINS

    host = parse(url).host
    hosts = {h for d in WRAPPER_DOMAINS for h in (watched_hosts(d) or ())}
    domains = {d for d in WRAPPER_DOMAINS if watched_hosts(d) is None}
    assert host in hosts or any(s in domains for s in host_suffixes(host)), host


CARRIED = [  # (a request, the URL it carries; a path starts with "/" and is placed on the site's own host)
    ("https://www.instagram.com/accounts/login/?next=%2Fcasey.lindqvist%2F%3Fhl%3Den", "/casey.lindqvist/?hl=en"),
    ("https://x.com/i/flow/login?redirect_after_login=%2Fcaseylindq", "/caseylindq"),
    ("https://www.facebook.com/login/?next=https%3A%2F%2Fwww.facebook.com%2Fcasey.lindqvist",
     "https://www.facebook.com/casey.lindqvist"),
    ("https://www.linkedin.com/authwall?sessionRedirect=https%253A%252F%252Fwww.linkedin.com%252Fin%252Fcasey",
     "https://www.linkedin.com/in/casey"),
    ("https://publish.twitter.com/oembed?url=https://twitter.com/caseylindq", "https://twitter.com/caseylindq"),
    ("https://www.tiktok.com/oembed?url=//www.tiktok.com/@casey", "https://www.tiktok.com/@casey"),
    ("https://archive.org/wayback/available?url=instagram.com/casey.lindqvist", "instagram.com/casey.lindqvist"),
    ("https://web.archive.org/cdx/search/cdx?url=twitter.com/caseylindq/status/*&output=json",
     "twitter.com/caseylindq/status/"),
    ("https://ghostarchive.org/search?term=x.com%2Fcaseylindq", "x.com/caseylindq"),
    ("https://archive.org/wayback/available?url=tinder.com", "tinder.com"),
    ("https://www.google.com/url?q=aHR0cHM6Ly94LmNvbS9jYXNleWxpbmRx", "https://x.com/caseylindq"),
    ("https://12ft.io/https://x.com/caseylindq", "https://x.com/caseylindq"),
    ("https://mail.example/track/aHR0cHM6Ly94LmNvbS9jYXNleWxpbmRx/open", "https://x.com/caseylindq"),
]


@pytest.mark.parametrize(("url", "carried"), CARRIED)
def test_a_request_carries_the_links_in_its_query_and_path(url, carried):
    assert carried in carried_urls(parse(url))


@pytest.mark.parametrize("url", [
    "https://www.instagram.com/casey.lindqvist/?hl=en&igsh=MWx0bmV4c2Q1",
    "https://www.google.com/search?q=instagram+casey+lindqvist",
    "https://www.google.com/search?q=tinder.com",  # a search for a site names no link to it
    "https://www.facebook.com/?sk=h_chr",
    "https://x.com/?next=/",
    "https://rss-bridge.org/bridge01/?bridge=InstagramBridge&u=casey.lindqvist",  # a handle is no link
])
def test_nothing_is_carried_where_no_value_is_a_link(url):
    assert [u for u in carried_urls(parse(url)) if u.startswith(("http", "/"))] == []


@pytest.mark.parametrize(("url", "target"), [
    ("https://twitrss.me/twitter_user_to_rss/?user=caseylindq", "https://x.com/caseylindq"),
    ("https://queryfeed.net/tw?q=%40caseylindq", "https://x.com/caseylindq"),
    ("https://tg.i-c-a.su/rss/caseylindq", "https://t.me/caseylindq"),
    ("https://rss-bridge.org/bridge01/?action=display&bridge=Telegram&username=%40caseylindq", "https://t.me/caseylindq"),
    ("https://rss-bridge.org/bridge01/?action=display&bridge=TikTokBridge&context=By+user&username=casey.l",
     "https://www.tiktok.com/@casey.l"),
    ("https://unavatar.io/x/caseylindq", "https://x.com/caseylindq"),
    ("https://socialblade.com/youtube/handle/caseyl", "https://www.youtube.com/@caseyl"),
    ("https://api.pullpush.io/reddit/search/comment/?author=casey_lq", "https://www.reddit.com/user/casey_lq/"),
])
def test_mirrors_name_the_platform_url_of_the_profile(url, target):
    assert target in inner_urls(parse(url))


@pytest.mark.parametrize("url", [
    "https://rsshub.app/", "https://rsshub.app/instagram/user/", "https://queryfeed.net/tw?q=casey+lindqvist",
    "https://rss-bridge.org/bridge01/?action=display&bridge=Instagram&h=caseylindq",  # h= is a hashtag
    "https://rss-bridge.org/bridge01/?action=display&bridge=Unknown&u=caseylindq", "https://socialblade.com/",
])
def test_mirrors_name_nothing_else(url):
    assert inner_urls(parse(url)) == []


def test_carried_links_are_bounded():
    url = parse("https://x.com/?" + "&".join(f"u{i}=https://x.com/a{i}" for i in range(500)))
    assert len(carried_urls(url)) <= 8


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


WRAPPED_CONFIG = """
people:
  - alias: J
    profiles:
      - https://www.instagram.com/casey.lindqvist/
      - https://x.com/caseylindq
      - https://www.tiktok.com/@casey.lindqvist
      - https://www.facebook.com/casey.lindqvist
      - https://bsky.app/profile/caseylq.bsky.social
      - https://www.youtube.com/@caseylq
      - https://www.threads.net/@casey.lindqvist
      - https://www.linkedin.com/in/casey-lindqvist-4a1b2c/
      - https://venmo.com/u/Casey-Lindqvist
      - https://soundcloud.com/caseylq
"""
NEWS = "https%3A%2F%2Fnews.example%2F2024%2Fcasey-lindqvist-wins"
IG = "https%3A%2F%2Fwww.instagram.com%2Fcasey.lindqvist%2F"
IG_FAN = "https%3A%2F%2Fwww.instagram.com%2Fcasey.lindqvist.art%2F"
WRAPPED: dict[str, tuple[list[str], list[str]]] = {  # behaviour -> (must block, must allow)
    "email link protectors": ([
        "https://linkprotect.cudasvc.com/url?a=https%3a%2f%2fwww.tiktok.com%2f%40casey.lindqvist&c=E,1,abc&typo=1",
        "https://gcc02.safelinks.protection.office365.us/?url=https%3A%2F%2Fx.com%2Fcaseylindq&data=05",
        "https://imsva91-ctp.trendmicro.com:443/wis/clicktime/v1/query?url=https%3a%2f%2fx.com%2fcaseylindq&umid=1",
        "https://eu-west-1.protection.sophos.com/?d=instagram.com"
        "&u=aHR0cHM6Ly93d3cuaW5zdGFncmFtLmNvbS9jYXNleS5saW5kcXZpc3Qv&i=NjA4&t=N256&h=0d",
        "https://secure-web.cisco.com/1AbCdEfGh-iJkL/" + IG,
        "https://protect2.fireeye.com/v1/url?k=31323334&q=abc&u=" + IG,
        "https://clicktime.symantec.com/3AbCdEf?u=" + IG,
        "https://checkpoint.url-protection.com/v1/r01/url?o=" + IG + "&g=abc&h=def",
        "https://linklock.titanhq.com/analyse?url=" + IG + "&data=abc",
    ], [
        "https://linkprotect.cudasvc.com/url?a=" + NEWS + "&c=E,1,abc",
        "https://linkprotect.cudasvc.com/url?a=" + IG_FAN,
        "https://eu-west-1.protection.sophos.com/?d=news.example"
        "&u=aHR0cHM6Ly9uZXdzLmV4YW1wbGUvMjAyNC9jYXNleS1saW5kcXZpc3Qtd2lucw==",
        "https://secure-web.cisco.com/1AbCdEfGh-iJkL/" + NEWS,
    ]),
    "email click trackers": ([
        "https://u1234567.ct.sendgrid.net/ls/click?upn=abcdef&url=https%3A%2F%2Fx.com%2Fcaseylindq",
        "https://d2v8tf04.na1.hubspotlinks.com/Ctc/RI+113/d2v8tf04/MW?url=" + IG,
        "https://click.mailerlite.com/link/c/YT0xMjM0NTY3/" + IG,
        "https://r20.rs6.net/tn.jsp?t=abc&p=" + IG,
        "https://abc.lt.acemlnb.com/Prod/link-tracker?redirectUrl=aHR0cHMlM0ElMkYlMkZ4LmNvbSUyRmNhc2V5bGluZHE=&sig=1",
        "https://t.signauxtrois.com/e1t/c/5/f18dQhb0?t=" + IG,
        "https://abc.streak-link.com/AbCdEfGhIjKlMnOpQrStUvWx/" + IG,
    ], [
        "https://u1234567.ct.sendgrid.net/ls/click?upn=abcdef&url=" + NEWS,
        "https://click.mailerlite.com/link/c/YT0xMjM0NTY3/" + IG_FAN,
        "https://abc.lt.acemlnb.com/Prod/link-tracker"
        "?redirectUrl=aHR0cHM6Ly9uZXdzLmV4YW1wbGUvMjAyNC9jYXNleS1saW5kcXZpc3Qtd2lucw==",
    ]),
    "web proxies": ([
        "https://de1.croxyproxy.rocks/casey.lindqvist/?__cpo=aHR0cHM6Ly93d3cuaW5zdGFncmFtLmNvbQ",
        "https://proxyium.com/caseylindq?__cpo=aHR0cHM6Ly94LmNvbQ",
        "https://www.croxyproxy.com/_public/servers?url=https%3A%2F%2Fwww.tiktok.com%2F%40casey.lindqvist",
        "https://us5.proxysite.com/process.php?d=" + IG + "&b=1",
        "https://us5.proxysite.com/process.php?d=www.instagram.com%2Fcasey.lindqvist%2F&b=1",
        "https://www.blockaway.net/browse.php?u=aHR0cHM6Ly93d3cuaW5zdGFncmFtLmNvbS9jYXNleS5saW5kcXZpc3Qv&b=4",
        "https://fr.4everproxy.com/direct/d3d3Lmluc3RhZ3JhbS5jb20vY2FzZXkubGluZHF2aXN0Lw",
        "https://fr.4everproxy.com/direct/aHR0cHM6Ly93d3cuaW5zdGFncmFtLmNvbS9jYXNleS5saW5kcXZpc3Qv",
        "https://anonymouse.org/cgi-bin/anon-www.cgi/https://x.com/caseylindq",
    ], [
        "https://de1.croxyproxy.rocks/casey.lindqvist/?__cpo=aHR0cHM6Ly9uZXdzLmV4YW1wbGU",  # news.example/casey...
        "https://de1.croxyproxy.rocks/casey.lindqvist.art/?__cpo=aHR0cHM6Ly93d3cuaW5zdGFncmFtLmNvbQ",
        "https://proxyium.com/?__cpo=1",
        "https://us5.proxysite.com/process.php?d=news.example%2F2024%2Fcasey-lindqvist-wins&b=1",
        "https://us5.proxysite.com/process.php?d=My1Q6HnB2ZE9mK7KUvryzrWbhWzX3w%3D%3D&b=1",  # its own encoding
        "https://www.croxyproxy.com/",
    ]),
    "archives": ([
        "https://megalodon.jp/?url=" + IG,
        "https://megalodon.jp/2024-0101-1234-56/https://www.instagram.com:443/casey.lindqvist/",
        "https://megalodon.jp/2024-0101-1234-56/x.com/caseylindq",  # an http target is kept without its scheme
        "https://timetravel.mementoweb.org/list/20240101000000/https://x.com/caseylindq",
        "https://timetravel.mementoweb.org/list/20240101000000/x.com/caseylindq",
        "https://arquivo.pt/wayback/20240101000000/x.com/caseylindq",
        "https://webarchive.loc.gov/all/20240101000000/https://x.com/caseylindq",
        "https://wayback.archive-it.org/1234/20240101000000/https://x.com/caseylindq",
        "https://archive.wikiwix.com/cache/?url=https://x.com/caseylindq",
        "https://www.webcitation.org/query?url=https://x.com/caseylindq&date=2024-01-01",
        "https://archive.ph/newest/https://x.com/caseylindq",
        "https://archive.ph/x.com/caseylindq*",
        "https://archive.ph/*.instagram.com/casey.lindqvist*",
        "https://archive.org/wayback/available?url=instagram.com/casey.lindqvist",
        "https://web.archive.org/cdx/search/cdx?url=x.com/caseylindq/status/*&output=json",
    ], [
        "https://megalodon.jp/?url=" + NEWS,
        "https://megalodon.jp/2024-0101-1234-56/news.example/2024/casey-lindqvist-wins",
        "https://arquivo.pt/wayback/20240101000000/x.com/caseylindq_fan",
        "https://archive.ph/*.instagram.com/casey.lindqvist.art*",
        "https://archive.org/details/casey.lindqvist",
        "https://archive.org/wayback/available?url=news.example/2024/casey-lindqvist-wins",
    ]),
    "rss-bridge": ([
        "https://rss-bridge.org/bridge01/?action=display&bridge=BlueskyBridge&user_id=caseylq.bsky.social&format=Atom",
        "https://rss-bridge.org/bridge01/?action=display&bridge=BlueskyBridge&data_source=caseylq.bsky.social",
        "https://rss-bridge.org/bridge01/?action=display&bridge=YoutubeBridge&context=By+username&u=caseylq",
        "https://rss-bridge.org/bridge01/?action=display&bridge=YoutubeBridge&context=By+custom+name&custom=caseylq",
        "https://rss.nixnet.services/?action=display&bridge=ThreadsBridge&u=casey.lindqvist&format=Atom",
        "https://rss-bridge.bb8.fun/?action=display&bridge=TikTokBridge&context=By+user&username=%40casey.lindqvist",
        "https://rssbridge.flossboxin.org.in/?action=display&bridge=FarsideNitterBridge&username=caseylindq",
    ], [
        "https://rss-bridge.org/bridge01/?action=display&bridge=YoutubeBridge&context=By+username&u=caseylq_music",
        "https://rss-bridge.org/bridge01/?action=display&bridge=YoutubeBridge&context=Search+result&s=caseylq",
        "https://rss-bridge.org/bridge01/?action=display&bridge=BlueskyBridge&user_id=caseylq2.bsky.social",
        "https://rss.nixnet.services/?action=display&bridge=InstagramBridge&context=Hashtag&h=casey.lindqvist",
        "https://rss.nixnet.services/?action=display&bridge=ThreadsBridge&u=casey.lindqvist.art",
    ]),
    "avatars and account explorers": ([
        "https://unavatar.io/youtube/caseylq",
        "https://unavatar.io/caseylq?fallback=false",  # tried on every service, YouTube's handles among them
        "https://unavatar.io/threads/casey.lindqvist",
        "https://unavatar.io/linkedin/casey-lindqvist-4a1b2c",
        "https://unavatar.io/venmo/Casey-Lindqvist",
        "https://unavatar.io/soundcloud/caseylq",  # a profile listed as a web address
        "https://pdsls.dev/at/caseylq.bsky.social",
        "https://pdsls.dev/at://caseylq.bsky.social/app.bsky.feed.post/3kabc",
        "https://atp.tools/at:/caseylq.bsky.social",
        "https://atproto-browser.vercel.app/at/at%3A%2F%2Fcaseylq.bsky.social%2Fapp.bsky.feed.post%2F3kabc",
        "https://cred.blue/caseylq.bsky.social",
    ], [
        "https://unavatar.io/youtube/caseylq_music",
        "https://unavatar.io/soundcloud/caseylq2",
        "https://pdsls.dev/at/caseylq2.bsky.social",
        "https://pdsls.dev/",
        "https://cred.blue/about",
    ]),
}


@pytest.fixture(scope="module")
def wrapped_policy():
    from agent.config import parse_config
    from agent.engine.policy import Policy

    return Policy(parse_config(WRAPPED_CONFIG), lists={})


@pytest.mark.parametrize(("url", "blocked"), [
    pytest.param(url, blocked, id=f"{behaviour}:{'block' if blocked else 'allow'}:{url[8:60]}")
    for behaviour, (block, allow) in WRAPPED.items()
    for urls, blocked in ((block, True), (allow, False))
    for url in urls
])
def test_a_wrapper_is_decided_as_the_url_it_carries(wrapped_policy, url, blocked):
    """The person's page through a protector, tracker, proxy, archive, feed or explorer is blocked; the same
    service carrying anything else (a news link, a look-alike handle, its own pages) stays allowed."""
    decision = wrapped_policy.decide(url)
    assert decision.blocked is blocked, decision
    if blocked:
        assert (decision.reason, decision.person) == ("person", "J"), decision
        assert wrapped_policy.watches(parse(url).host), url
