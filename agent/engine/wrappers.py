"""Wrappers: URLs that carry another URL (redirectors, archives, caches, translate and reader proxies, feeds).

`inner_urls` returns the URLs a known wrapper leads to; `carried_urls` the URLs any request carries in its
query or path (a login page's `next=`, an embed's `url=`). The policy decides each of them too
(recursively, to a bound), so a profile cannot be reached by wrapping it.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

from agent.engine.mirrors import MIRROR_DOMAINS, mirror_urls
from agent.engine.platforms import PLATFORMS
from agent.engine.platforms.base import Redirects
from agent.engine.search import GOOGLE_DOMAINS
from agent.engine.urls import Url, by_host, decode

# Redirectors: host (any subdomain) -> (path prefix, query parameters holding the target; none: the path).
# The platforms' own redirect pages are declared by each platform.
_GOOGLE = (("/url", ("q", "url")), ("/imgres", ("imgurl", "imgrefurl")), ("/amp/s/", ()))
_AMP_CACHE = tuple((prefix, ()) for prefix in ("/c/s/", "/v/s/", "/i/s/", "/c/", "/v/", "/i/"))
# Email link protectors: a mail gateway rewrites every link to its own page, which checks the target when it
# is clicked and then opens it. Opaque ones (Mimecast's /s/<token>) carry nothing readable and are left out,
# and so are hosts that also serve an app or a whole site (Teams' Safe Links page is on its app's file host,
# Mailchimp's tracker on every list's own pages): the link is decided where it lands.
_TREND_MICRO = (("/wis/clicktime/", ("url",)),)  # one host per product and version, no shared subdomain
_CHECK_POINT = (("/v1/", ("o",)),)  # Check Point Harmony (formerly Avanan): /v1/url?o=<target>, /v1/r01/url?o=
LINK_PROTECTORS: Redirects = {
    "safelinks.protection.outlook.com": (("/", ("url",)),),
    "safelinks.protection.office365.us": (("/", ("url",)),),  # Microsoft's US government cloud
    "safelinks.protection.outlook.cn": (("/", ("url",)),),
    "linkprotect.cudasvc.com": (("/url", ("a", "u")),),  # Barracuda: ?a=<target, often lower-case %3a%2f>
    "protection.sophos.com": (("/", ("u",)),),  # <region>.protection.sophos.com/?d=<host>&u=<base64 target>
    "protect2.fireeye.com": (("/", ("u",)),),
    "clicktime.symantec.com": (("/", ("u",)),),
    "scanmail.trustwave.com": (("/", ("u",)),),
    "atpscan.global.hornetsecurity.com": (("/", ("u",)),),
    "linklock.titanhq.com": (("/analyse", ("url",)),),
    "link.edgepilot.com": (("/", ("u",)),),
    "link.zixcentral.com": (("/u/", ("u",)),),
    "antiphishing.vadesecure.com": (("/", ("u",)),),
    "m365.eu.vadesecure.com": (("/safeproxy/", ("u",)),),
    "m365.us.vadesecure.com": (("/safeproxy/", ("u",)),),
    "gws.eu.vadesecure.com": (("/safeproxy/", ("u",)),),
    "urlisolation.com": (("/browser", ("url",)),),  # Proofpoint's URL isolation
    "isolation.zscaler.com": (("/profile/", ("original_url",)),),
    "checkpoint.url-protection.com": _CHECK_POINT,
    "avanan.url-protection.com": _CHECK_POINT,
    "sonicwall.url-protection.com": _CHECK_POINT,
    **dict.fromkeys((
        "cas5-0-urlprotect.trendmicro.com", "ddec1-0-en-ctp.trendmicro.com", "ddei5-0-ctp.trendmicro.com",
        "hes32-ctp.trendmicro.com", "imsva91-ctp.trendmicro.com", "smex-ctp.trendmicro.com",
        "smex12-5-en-ctp.trendmicro.com",
    ), _TREND_MICRO),
}
REDIRECTORS: Redirects = {
    **dict.fromkeys(GOOGLE_DOMAINS, _GOOGLE),
    "googleadservices.com": (("/pagead/aclk", ("adurl",)),),
    "bing.com": (("/ck/a", ("u",)), ("/translator", ("a", "url", "u"))),
    "duckduckgo.com": (("/l/", ("uddg",)),),
    "search.yahoo.com": (("/", ()),),
    "t.umblr.com": (("/redirect", ("z",)),),
    "href.li": (("/", ()),),
    "slack-redir.net": (("/link", ("url",)),),
    "vk.com": (("/away.php", ("to",)),),
    "exit.sc": (("/", ("url",)),),
    "steamcommunity.com": (("/linkfilter", ("url", "u")),),
    "away.vk.com": (("/", ("to",)),),
    "urldefense.com": (("/", ()),),
    "cdn.ampproject.org": _AMP_CACHE,  # <host-with-dashes>.cdn.ampproject.org/c/s/<host>/<path>
    "click.pstmrk.it": tuple((prefix, ()) for prefix in ("/2s/", "/3s/", "/2/", "/3/")),  # /3s/<host%2Fpath>/...
    **LINK_PROTECTORS,
    **{host: rules for platform in PLATFORMS for host, rules in platform.redirects.items()},
}

# Archives and caches that carry the target in their path (or in q=cache:..., url=, term=).
ARCHIVES = (
    "web.archive.org", "webcache.googleusercontent.com", "cachedview.nl", "timetravel.mementoweb.org",
    "archive.ph", "archive.is", "archive.li", "archive.vn", "archive.md", "archive.fo", "archive.today",
    "ghostarchive.org", "archive.org", "arquivo.pt", "webarchive.org.uk", "megalodon.jp", "webarchive.loc.gov",
    "wayback.archive-it.org", "webarchive.nla.gov.au", "web.archive.org.au", "pandora.nla.gov.au",
    "webarchive.nationalarchives.gov.uk", "vefsafn.is", "webarchiveweb.wayback.bac-lac.canada.ca",
    "archive.wikiwix.com", "webcitation.org",
)
# Public web proxies. CroxyProxy and its clones serve <target origin>/<path> as /<path>?__cpo=<base64 origin>; the
# others take the target in a parameter (glype's browse.php?u=, ProxySite's process.php?d=), plain or base64,
# or in the path (4everproxy's /direct/<base64>, anonymouse.org/cgi-bin/anon-www.cgi/<target>).
WEB_PROXIES = (
    "croxyproxy.com", "croxyproxy.net", "croxyproxy.rocks", "croxy.network", "croxy.org", "croxy.net",
    "proxyium.com", "blockaway.net", "youtubeunblocked.live", "proxysite.com", "4everproxy.com",
    "hideproxy.me", "plainproxies.com", "boomproxy.com", "novpn.net", "anonymouse.org",
)
_ORIGIN_PARAM = "__cpo"
# Services that carry the target anywhere in their path or query: reader and paywall proxies, feed readers
# and feed makers, email click trackers, image and avatar proxies. `carried_urls` reads their links like any
# request's; `inner_urls` adds a bare <host>/<path> at the start of the path and links kept in base64 JSON.
CARRIERS = (
    "12ft.io", "1ft.io", "r.jina.ai", "smry.ai", "removepaywall.com", "removepaywalls.com", "printfriendly.com",
    "txtify.it", "freedium.cfd", "feedly.com", "inoreader.com", "newsblur.com", "theoldreader.com", "openrss.org",
    "fetchrss.com", "rss.app", "awstrack.me", "customeriomail.com", "images.weserv.nl", "wsrv.nl",
    "translated.turbopages.org", "urldefense.proofpoint.com", "yandexwebcache.net", "paywallbuster.com",
    "feedbin.com", "netvibes.com", "mandrillapp.com", "convertkit-mail.com", "convertkit-mail2.com",
    # Link protectors with the target in their path: secure-web.cisco.com/<token>/<percent-encoded target>
    "secure-web.cisco.com", "safe.menlosecurity.com",
    # Email click trackers. Most keep the target in an opaque token; these hosts are read for the ones that
    # carry it in a parameter, a percent-encoded path segment or base64 (ActiveCampaign's redirectUrl=).
    "ct.sendgrid.net", "hubspotlinks.com", "hs-sales-engage.com", "click.mailerlite.com",
    "klclick.com", "klclick1.com", "sendibt2.com", "sendibt3.com", "rs6.net", "createsend1.com", "acemlna.com",
    "acemlnb.com", "acemlnc.com", "acemlnd.com", "mailtrack.io", "trk.elasticemail.com", "usndr.com",
    "engage.squarespace-mail.com", "streaklinks.com", "streak-link.com",
    # HubSpot Sales' click trackers: t.<host>/e1t/c/5/<id>?t=<target>
    "t.signauxtrois.com", "t.signauxdeux.com", "t.signauxquatre.com", "t.signauxsept.com", "t.signauxdix.com",
    "t.signaletre.com", "t.signaledue.com", "t.signalecinque.com", "t.senalquatro.com",
    *WEB_PROXIES,
)
# Translate proxies: `www-instagram-com.translate.goog` serves www.instagram.com; the others take a parameter.
TRANSLATE_SUFFIX = ".translate.goog"
TRANSLATORS = {
    **{f"translate.{domain}": ("u",) for domain in GOOGLE_DOMAINS},  # translate.google.co.uk/translate?u=
    "translate.googleusercontent.com": ("u",),
    "translate.yandex.com": ("url",), "translate.yandex.ru": ("url",),
    "translatetheweb.com": ("a",), "microsofttranslator.com": ("a",),
    "papago.naver.net": ("url",),
}
# Wrappers watched at this host alone, never their subdomains (substack.com/redirect/..., not the newsletters).
EXACT_HOSTS = ("substack.com",)

_ARCHIVE_HOSTS = dict.fromkeys(ARCHIVES, True)
_CARRIER_HOSTS = dict.fromkeys((*CARRIERS, *MIRROR_DOMAINS), True)
WRAPPER_DOMAINS = (*REDIRECTORS, *ARCHIVES, *CARRIERS, *MIRROR_DOMAINS, "translate.goog", *TRANSLATORS,
                   *EXACT_HOSTS)

_ABSOLUTE_URL = re.compile(r"(https?):/+(.+)", re.IGNORECASE)
_BARE_HOST = re.compile(r"^(\*\.)?([a-z0-9-]+\.)+[a-z]{2,}(/|$)", re.IGNORECASE)
_STARS = re.compile(r"\*+")  # an archive listing's wildcard: instagram.com/<name>* lists <name> too
_BASE64_URL = re.compile(r"aHR0c[A-Za-z0-9+_-]{8,}={0,2}")  # "http..." in base64 (within one path segment)
_BASE64_JSON = re.compile(r"eyJ[A-Za-z0-9+/_-]{8,}={0,2}")  # '{"...' in base64: a tracker's JSON with the link
_BASE64 = re.compile(r"[A-Za-z0-9+/_-]{12,2048}={0,2}")  # a whole value or segment in base64 (a proxy's target)
# An archive's own path before the target: replay prefixes, collections and timestamps (/web/2024id_/,
# /wayback/20240101000000/, megalodon's /2024-0101-1234-56/, archive-it's /<collection>/<timestamp>/, /newest/).
_ARCHIVE_PREFIX = re.compile(
    r"(?:/(?:web|wayback|archive|all|awa|gov|ukgwa|is|nph-wb|list|timemap|timegate|memento|link|api|json|newest"
    r"|oldest|\d[\w*-]*|[*+])(?=/))+"
)
_JSON_URL = re.compile(r"https?://[^\"'\s<>]+")  # a link in decoded text (JSON with its backslashes taken out)
_ORIGIN = re.compile(r"https?://[a-z0-9.-]+(:\d+)?(?=/|$)", re.IGNORECASE)  # an origin, nothing after it
# Query parameters that name a link even without its scheme (url=instagram.com/<name>).
URL_PARAMS = frozenset("""
url u href link target dest destination redirect redirect_url redirect_uri return_to returnto return_url
continue next goto uri term
""".split())
ARCHIVE_SEARCH_PARAMS = ("q", "query", "term", "search")  # an archive's search form, when it names a link
MAX_CARRIED = 8  # URLs read out of one request: enough for any real one, bounded for a hostile one


@dataclass(frozen=True, slots=True)
class Wrapping:
    """The kinds of wrapper one host is, found once per host (the policy keeps it with the host's rules)."""

    redirects: tuple[tuple[str, tuple[str, ...]], ...]  # (path prefix, parameters holding the target)
    translator: tuple[str, ...]  # the translate page's parameters holding the URL
    archive: bool
    carrier: bool  # carries a link anywhere in its path (readers, feeds, trackers) or is a mirror
    base64_json: bool  # a click tracker that keeps the link in base64 JSON
    translate_goog: bool


def wrapping(host: str) -> Wrapping | None:
    """What kind of wrapper `host` is; None when it is none."""
    carrier = bool(by_host(_CARRIER_HOSTS, host))
    found = Wrapping(
        redirects=by_host(REDIRECTORS, host) or (),
        translator=by_host(TRANSLATORS, host) or (),
        archive=bool(by_host(_ARCHIVE_HOSTS, host)),
        carrier=carrier,
        base64_json=carrier or host in EXACT_HOSTS,
        translate_goog=host.endswith(TRANSLATE_SUFFIX),
    )
    return found if found != _NOT_A_WRAPPER else None


_NOT_A_WRAPPER = Wrapping((), (), False, False, False, False)


def is_wrapper(host: str) -> bool:
    return wrapping(host) is not None


def _unstar(target: str) -> str:
    """`target` without the wildcards that end a segment (no lookahead: linear on any run of stars)."""
    if "*" in target:
        target = target.removeprefix("*.")
        target = _STARS.sub(lambda m: "" if m.end() == len(target) or target[m.end()] in "/?" else m[0], target)
    return target


def _url_inside(text: str) -> str | None:
    """An absolute URL inside `text` (a path or parameter), or a bare host+path at its start."""
    match = _ABSOLUTE_URL.search(text)
    if match:
        return _unstar(f"{match.group(1)}://{match.group(2)}")
    text = text.lstrip("/")
    return _unstar(text) if _BARE_HOST.match(text) else None


def _base64(text: str) -> str:
    text = text.replace(" ", "+")  # a "+" of base64 in a query was read as a space
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode("utf-8", "replace")
    except (ValueError, binascii.Error):
        return ""


def _base64_link(text: str) -> str | None:
    """The link a base64 value or path segment holds: an absolute URL, or a host/path (`d3d3Lmluc3Rh...`)."""
    if len(text) < 12 or "." in text:  # most segments and values: too short, or a name with a dot
        return None
    text = text.replace(" ", "+")
    if not _BASE64.fullmatch(text):
        return None
    plain = decode(_base64(text))
    if plain.startswith(("http://", "https://")):
        return _url_inside(plain)
    return _unstar(plain) if "/" in plain and plain.isprintable() and _BARE_HOST.match(plain) else None


def _proxied(url: Url) -> str | None:
    """A CroxyProxy-style proxy's target: the origin in base64 in __cpo=, this URL's path and its other parameters."""
    origin = _base64(url.param(_ORIGIN_PARAM) or "")
    match = _ORIGIN.match(origin)
    if not match:
        return None
    query = "&".join(p for p in url.raw_query.split("&") if p and not p.startswith(_ORIGIN_PARAM + "="))
    return match[0] + url.path + (f"?{query}" if query else "")


def _bing_target(value: str) -> str:
    # Bing's /ck/a?u=a1<base64url of the target>
    if value.startswith("a1"):
        return _base64(value[2:]) or value
    return value


def _proofpoint_v2(value: str) -> str:
    # urldefense.proofpoint.com/v2/url?u=https-3A__www.example.com_path: "-XX" is a hex escape, "_" a slash
    return re.sub(r"-([0-9A-F]{2})", lambda m: chr(int(m[1], 16)), value.replace("_", "/"))


def _turbopages(url: Url) -> str | None:
    # translated.turbopages.org/proxy_u/<languages>/<scheme>/<host>/<path>
    segs = url.segments
    if len(segs) > 3 and segs[0] == "proxy_u" and segs[2] in ("http", "https"):
        return f"{segs[2]}://" + "/".join(segs[3:]) + (f"?{url.raw_query}" if url.raw_query else "")
    return None


def _archived(url: Url) -> str | None:
    cache_query = url.param("q") or ""
    if cache_query.startswith("cache:"):
        return _url_inside(cache_query[len("cache:"):].split(" ", 1)[0])
    for value in url.params(*ARCHIVE_SEARCH_PARAMS):  # a search form: archive.ph/search/?q=<host>/<path>
        if "/" in value and " " not in value.strip():
            target = _url_inside(value)
            if target:
                return target
    rest = url.path
    prefix = _ARCHIVE_PREFIX.match(rest)  # /web/<timestamp>[id_]/<target>, /web/*/<target>*, /<date>/<target>
    if prefix:
        rest = rest[prefix.end():]
    target = _url_inside(rest)
    if target and url.raw_query:
        target = _unstar(target + "?" + url.raw_query)  # the query belongs to the archived URL
    return target


def redirect_targets(url: Url, wrap: Wrapping, params_only: bool = False) -> list[str]:
    """Where a redirect page leads, when `url` is one; `params_only`: only pages with the target in a parameter
    (a platform's link shim), not those carrying it in their path."""
    targets: list[str] = []
    for prefix, target_params in wrap.redirects:
        if (target_params or not params_only) and (url.path.startswith(prefix) or url.path + "/" == prefix):
            if target_params:
                values = url.params(*target_params)
            else:  # the target is the rest of the path, with this URL's query as its own
                rest = url.path[len(prefix):]
                values = [rest + ("?" + url.raw_query if url.raw_query else ""), url.raw_query]
            targets += [t for t in (_url_inside(_bing_target(v)) for v in values) if t]
    return targets


def inner_urls(url: Url, wrap: Wrapping | None = None) -> list[str]:
    """The URLs a known wrapper `url` leads to; empty when it wraps nothing. `wrap`: `wrapping(url.host)`."""
    wrap = wrap or wrapping(url.host)
    if wrap is None:
        return []
    targets: list[str] = []
    host = url.host
    if wrap.translate_goog:
        label = host[: -len(TRANSLATE_SUFFIX)]
        # The translate proxy writes "." as "-" and "-" as "--".
        target = label.replace("--", "\0").replace("-", ".").replace("\0", "-")
        query = "&".join(p for p in url.raw_query.split("&") if p and not p.startswith("_x_tr_"))
        targets.append(f"https://{target}{url.path}" + (f"?{query}" if query else ""))
    if wrap.redirects:
        targets += redirect_targets(url, wrap)
    if wrap.translator:
        targets += [t for t in map(_url_inside, url.params(*wrap.translator)) if t]
    if wrap.archive:
        target = _archived(url)
        if target:
            targets.append(target)
    if wrap.carrier:
        if host == "translated.turbopages.org":
            target = _turbopages(url)
            if target:
                targets.append(target)
        elif host == "urldefense.proofpoint.com":
            targets += [t for t in (_url_inside(_proofpoint_v2(v)) for v in url.params("u")) if t]
        targets += mirror_urls(url)
        bare = _url_inside(url.path)  # openrss.org/<host>/<path>
        if bare:
            targets.append(bare + ("?" + url.raw_query if url.raw_query else ""))
        target = _proxied(url)
        if target:
            targets.append(target)
        # Whatever the parameter's name: a bare <host>/<path> (proxysite's d=instagram.com/<name>) or base64
        # of a link; and base64 path segments (4everproxy.com/direct/<base64 of host/path>).
        for _, value in url.query[:MAX_CARRIED]:
            if "/" in value and ":/" not in value and not value.startswith("/") and _BARE_HOST.match(value):
                targets.append(_unstar(value))
            else:
                target = _base64_link(value)
                if target:
                    targets.append(target)
        targets += [t for t in map(_base64_link, url.segments[:MAX_CARRIED]) if t]
    if wrap.base64_json:  # trackers keeping the link in base64 JSON: substack.com/redirect/2/eyJ...
        for blob in _BASE64_JSON.findall(url.path + "&" + url.raw_query)[:MAX_CARRIED]:
            targets += _JSON_URL.findall(_base64(blob).replace("\\", ""))[:MAX_CARRIED]
    return targets


def carried_urls(url: Url) -> list[str]:
    """The URLs any request carries: query values that are links (plain, percent-encoded, base64), an absolute
    URL inside the path, and paths ("/<name>/") that a login page returns to, which start with "/"
    and are for the caller to place on the site's own host.
    """
    found: list[str] = []
    for name, value in url.query:
        if len(found) >= MAX_CARRIED:
            break
        if value.startswith("aHR0c"):  # base64 of "http..." (of its percent-encoded form too); "+" read as " "
            found += _JSON_URL.findall(decode(_base64(value)))[:1]
            continue
        if "/" not in value:
            if "." in value and name.lower() in URL_PARAMS and _BARE_HOST.match(value):
                found.append(_unstar(value))
            continue
        if ":/" in value:
            target = _url_inside(value)
        elif value.startswith("//"):
            target = "https:" + value
        elif value.startswith("/"):
            target = _unstar(value) if len(value) > 1 else None
        elif name.lower() in URL_PARAMS:
            target = _url_inside(value)
        else:
            target = None
        if target:
            found.append(target)
    path = url.path
    if ":/" in path:
        target = _url_inside(path)
        if target:
            found.append(target)
    if "aHR0c" in path:
        found += [u for d in map(_base64, _BASE64_URL.findall(path)[:MAX_CARRIED]) for u in _JSON_URL.findall(d)[:1]]
    return found
