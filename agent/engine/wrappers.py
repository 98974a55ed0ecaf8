"""Wrappers: URLs that carry another URL (redirectors, archives, caches, translate proxies).

`inner_urls` returns the URLs a wrapper leads to; the policy decides each of
them too (recursively), so a profile cannot be reached by wrapping it.
"""

from __future__ import annotations

import base64
import re

from agent.engine.platforms import PLATFORMS
from agent.engine.platforms.base import Redirects
from agent.engine.search import GOOGLE_DOMAINS
from agent.engine.urls import Url, by_host, host_suffixes

# Redirectors: host (any subdomain) -> (path prefix, query parameters holding the target; none: the path).
# The platforms' own redirect pages are declared by each platform.
_GOOGLE = (("/url", ("q", "url")), ("/imgres", ("imgurl", "imgrefurl")), ("/amp/s/", ()))
REDIRECTORS: Redirects = {
    **dict.fromkeys(GOOGLE_DOMAINS, _GOOGLE),
    "googleadservices.com": (("/pagead/aclk", ("adurl",)),),
    "bing.com": (("/ck/a", ("u",)),),
    "duckduckgo.com": (("/l/", ("uddg",)),),
    "search.yahoo.com": (("/", ()),),
    "t.umblr.com": (("/redirect", ("z",)),),
    "href.li": (("/", ()),),
    "slack-redir.net": (("/link", ("url",)),),
    "vk.com": (("/away.php", ("to",)),),
    "exit.sc": (("/", ("url",)),),
    "steamcommunity.com": (("/linkfilter", ("url", "u")),),
    "away.vk.com": (("/", ("to",)),),
    "safelinks.protection.outlook.com": (("/", ("url",)),),
    "urldefense.com": (("/", ()),),
    **{host: rules for platform in PLATFORMS for host, rules in platform.redirects.items()},
}

# Archives and caches that carry the target in their path (or in q=cache:...).
ARCHIVES = (
    "web.archive.org", "webcache.googleusercontent.com", "cachedview.nl", "timetravel.mementoweb.org",
    "archive.ph", "archive.is", "archive.li", "archive.vn", "archive.md", "archive.fo", "archive.today",
    "ghostarchive.org", "archive.org", "arquivo.pt", "webarchive.org.uk",
)
# Translate proxies: `www-instagram-com.translate.goog` serves www.instagram.com.
TRANSLATE_SUFFIX = ".translate.goog"
TRANSLATORS = {"translate.google.com": ("u",), "translate.yandex.com": ("url",), "translate.yandex.ru": ("url",)}

_ARCHIVE_HOSTS = dict.fromkeys(ARCHIVES, True)
WRAPPER_DOMAINS = (*REDIRECTORS, *ARCHIVES, "translate.goog", *TRANSLATORS)

_ABSOLUTE_URL = re.compile(r"(https?):/+(.+)", re.IGNORECASE)
_BARE_HOST = re.compile(r"^([a-z0-9-]+\.)+[a-z]{2,}(/|$)", re.IGNORECASE)


def is_wrapper(host: str) -> bool:
    return host.endswith(TRANSLATE_SUFFIX) or any(
        s in REDIRECTORS or s in TRANSLATORS or s in _ARCHIVE_HOSTS for s in host_suffixes(host)
    )


def _url_inside(text: str) -> str | None:
    """An absolute URL inside `text` (a path or parameter), or a bare host+path."""
    match = _ABSOLUTE_URL.search(text)
    if match:
        return f"{match.group(1)}://{match.group(2)}"
    text = text.lstrip("/")
    return text if _BARE_HOST.match(text) else None


def _bing_target(value: str) -> str:
    # Bing's /ck/a?u=a1<base64url of the target>
    if value.startswith("a1"):
        try:
            padded = value[2:] + "=" * (-len(value[2:]) % 4)
            return base64.urlsafe_b64decode(padded).decode("utf-8", "replace")
        except ValueError:
            pass
    return value


def inner_urls(url: Url) -> list[str]:
    """The URLs `url` wraps; empty when it wraps nothing."""
    targets: list[str] = []
    host = url.host
    if host.endswith(TRANSLATE_SUFFIX):
        label = host[: -len(TRANSLATE_SUFFIX)]
        # The translate proxy writes "." as "-" and "-" as "--".
        target = label.replace("--", "\0").replace("-", ".").replace("\0", "-")
        query = "&".join(p for p in url.raw_query.split("&") if p and not p.startswith("_x_tr_"))
        targets.append(f"https://{target}{url.path}" + (f"?{query}" if query else ""))
    rules = by_host(REDIRECTORS, host)
    for prefix, target_params in rules or ():
        if url.path.startswith(prefix) or url.path + "/" == prefix:
            values = url.params(*target_params) if target_params else [url.path[len(prefix):], url.raw_query]
            for value in values:
                target = _url_inside(_bing_target(value))
                if target:
                    targets.append(target)
    params = by_host(TRANSLATORS, host)  # the translate page's parameters holding the URL
    if params:
        targets += [t for t in map(_url_inside, url.params(*params)) if t]
    if by_host(_ARCHIVE_HOSTS, host):
        cache_query = url.param("q") or ""
        if cache_query.startswith("cache:"):
            target = _url_inside(cache_query[len("cache:"):].split(" ", 1)[0])
        else:
            rest = url.path
            if rest.startswith("/web/"):  # /web/<timestamp>[id_]/<target>
                parts = rest.split("/", 3)
                rest = parts[3] if len(parts) > 3 else ""
            target = _url_inside(rest)
            if target and url.raw_query:
                target += "?" + url.raw_query  # the query belongs to the archived URL
        if target:
            targets.append(target)
    return targets
