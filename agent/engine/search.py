"""Searches for the person: which URLs are searches, and whether a search text names them.

Matching is by lookups, never by scanning the people: names as consecutive
words (n-grams of the query), handles and emails as whole tokens, phone
numbers by their national digits in any common formatting.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Generic, TypeVar

import phonenumbers

from agent.engine.identity import EMAIL_RE, email_key
from agent.engine.urls import Url, by_host

T = TypeVar("T")

# Search engines: registrable domain -> the query parameters that carry the search text.
_GOOGLE_TLDS = (
    "com ad ae al am as at az ba be bf bg bi bj bs bt by ca cat cd cf cg ch ci cl cm cn cv cz de dj dk dm "
    "dz ee es fi fm fr ga ge gg gl gm gr gy hn hr ht hu ie im iq is it je jo kg ki kz la li lk lu lv md me "
    "mg mk ml mn mv mw ne nl no nr nu pl pn ps pt ro rs ru rw sc se sh si sk sm sn so sr st td tg tl tm tn "
    "to tt vg vu ws co.ao co.bw co.ck co.cr co.id co.il co.in co.jp co.ke co.kr co.ls co.ma co.mz co.nz "
    "co.th co.tz co.ug co.uk co.uz co.ve co.vi co.za co.zm co.zw com.af com.ag com.ar com.au com.bd "
    "com.bh com.bn com.bo com.br com.bz com.co com.cu com.cy com.do com.ec com.eg com.et com.fj com.gh "
    "com.gi com.gt com.hk com.jm com.kh com.kw com.lb com.ly com.mm com.mt com.mx com.my com.na com.ng "
    "com.ni com.np com.om com.pa com.pe com.pg com.ph com.pk com.pr com.py com.qa com.sa com.sb com.sg "
    "com.sl com.sv com.tj com.tr com.tw com.ua com.uy com.vc com.vn"
).split()
GOOGLE_DOMAINS = tuple(f"google.{tld}" for tld in _GOOGLE_TLDS)
# Public SearXNG instances: SearXNG serves /search?q= on any host, so the well-known instances are named
# one by one (a host is decrypted only when it is known to be a search engine).
SEARXNG_INSTANCES = (
    "searx.be", "priv.au", "search.sapti.me", "searx.tiekoetter.com", "search.bus-hit.me", "paulgo.io",
    "searx.work", "search.inetol.net", "searx.fmac.xyz", "search.ononoki.org", "searxng.site", "opnxng.com",
    "search.rhscz.eu", "searx.perennialte.ch", "searx.mxchange.org", "search.hbubli.cc", "baresearch.org",
    "etsi.me", "search.projectsegfau.lt", "northboot.xyz", "searx.catfluori.de", "search.mdosch.de",
    "searx.lunar.icu", "searx.daetalytica.io", "searx.ox2.fr", "searx.tuxcloud.net", "searxng.world",
    "searx.foss.family", "search.im-in.space", "searx.nixnet.services", "search.leptons.xyz",
    "searx.techsaviours.org", "searxng.ch", "searx.headpat.exchange", "searx.namejeff.xyz", "searx.oloke.xyz",
    "search.demoniak.ch", "searx.zhenyapav.com", "search.smnz.de", "searx.si", "searx.dresden.network",
    "search.disroot.org", "searx.prvcy.eu", "searx.xyz", "search.unlocked.link", "searx.divided-by-zero.eu",
    "searx.rhscz.eu", "search.indst.eu", "search.canine.tools", "searx.stream", "searxng.online",
    "search.nerdvpn.de", "searx.garudalinux.org", "search.privacyguides.net", "searx.sethforprivacy.com",
    "searxng.nicfab.eu", "search.ethibox.fr", "searx.sev.monster", "s.mble.dk", "search.blitzw.in",
    "searx.juancord.xyz", "search.neet.works", "searx.kutay.dev", "searx.lavatech.top",
)
SEARCH_ENGINES: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(GOOGLE_DOMAINS, ("q", "as_q", "as_epq", "oq")),
    "bing.com": ("q",),
    "cc.bingj.com": ("q",),  # Bing's cache of a result keeps the search in q=
    "duckduckgo.com": ("q",),
    "search.yahoo.com": ("p", "q"),
    "search.yahoo.co.jp": ("p",),
    **{f"yandex.{tld}": ("text",) for tld in ("com", "ru", "by", "kz", "com.tr", "uz", "az", "eu")},
    "ya.ru": ("text",),
    "search.brave.com": ("q",),
    "startpage.com": ("query", "q"),
    "ecosia.org": ("q",),
    "qwant.com": ("q",),
    "baidu.com": ("wd", "word"),
    "search.aol.com": ("q",),
    "ask.com": ("q",),
    "mojeek.com": ("q",),
    "mojeek.co.uk": ("q",),
    "duck.com": ("q",),
    # Answer engines and smaller engines.
    "kagi.com": ("q",),
    "you.com": ("q",),
    "perplexity.ai": ("q",),
    "phind.com": ("q",),
    "yep.com": ("q",),
    "presearch.com": ("q",),
    "swisscows.com": ("query",),
    "dogpile.com": ("q",),
    "webcrawler.com": ("q",),
    "info.com": ("q",),
    "metager.org": ("eingabe",),
    "metager.de": ("eingabe",),
    "search.lilo.org": ("q",),
    "andisearch.com": ("query", "q"),
    "leta.mullvad.net": ("q",),
    "search.marginalia.nu": ("query",),
    "searchencrypt.com": ("q",),
    "gibiru.com": ("q",),
    "oceanhero.today": ("q",),
    "search.seznam.cz": ("q",),
    "search.naver.com": ("query",),
    "search.daum.net": ("q",),
    "sogou.com": ("query",),
    "so.com": ("q",),
    # Archives' own searches: the Internet Archive (captured sites, collections, the advanced search),
    # a handle typed into the Wayback Machine's box (web.archive.org/web/*/<name>*), Ghostarchive's.
    "archive.org": ("query", "q"),
    "web.archive.org": ("q", "query"),
    "ghostarchive.org": ("term",),
    **dict.fromkeys(("archive.ph", "archive.is", "archive.li", "archive.md", "archive.vn", "archive.today"), ("q",)),
    "arquivo.pt": ("query", "q"),  # /page/search?query=, /textsearch?q=
    "webarchive.org.uk": ("query", "text"),
    **dict.fromkeys(SEARXNG_INSTANCES, ("q",)),
}
# Engines that also put the search text in the path: domain -> (the first segment, the text's segment)
# (perplexity.ai/search/who-is-casey-lindqvist-Ab1cD2; web.archive.org/web/*/<name>*, a link there is a capture).
PATH_SEARCHES = {"perplexity.ai": ("search", 1), "web.archive.org": ("web", 2)}


# Engines whose domain also serves mail, documents, storage or accounts (mail.google.com,
# docs.google.com, mail.yandex.ru, pan.baidu.com): only these hosts of theirs are searched on,
# so only these are watched. The rest of the domain is never decrypted.
SEARCH_LABELS = {  # domain prefix -> first labels of its search hosts ("" is the domain itself)
    "google.": ("", "www", "images", "news", "scholar", "books", "video"),
    "yandex.": ("", "www"),
    "baidu.com": ("", "www", "m", "image"),
    "substack.com": ("",),  # its redirect page, not the newsletters on its subdomains
}


def watched_hosts(domain: str) -> tuple[str, ...] | None:
    """The exact hosts of a search or redirect `domain` that are watched; None: the whole domain."""
    for prefix, labels in SEARCH_LABELS.items():
        if domain.startswith(prefix):
            return tuple(f"{label}.{domain}" if label else domain for label in labels)
    return None


def engine_params(host: str) -> tuple[str, ...] | None:
    """The query parameters that carry the search text, if `host` is a search engine."""
    return by_host(SEARCH_ENGINES, host)


# Paths on search engines that are redirects or ads, not searches (`google.com/url?q=<a link>`).
NOT_SEARCHES = ("/url", "/imgres", "/amp/", "/l/", "/ck/", "/aclk", "/pagead/", "/redirect")


def is_search(url: Url) -> bool:
    return not url.path.startswith(NOT_SEARCHES)


def searches_in_form(host: str, path: str) -> bool:
    """Can a form POST to `path` on `host` carry a search? On a search engine, yes: SearXNG instances post
    their search form to /search, DuckDuckGo's plain page and Startpage post theirs too. The body is then
    read like the query; the host is watched, or not, as for a search in the URL."""
    return engine_params(host) is not None and not path.startswith(NOT_SEARCHES)


def engine_searches(url: Url, params: tuple[str, ...] | None = None) -> list[str]:
    """The search texts in `url`; `params` when the caller already knows the host's (see engine_params)."""
    params = params if params is not None else engine_params(url.host)
    if not params or not is_search(url):
        return []
    found = url.params(*params)
    in_path = by_host(PATH_SEARCHES, url.host)
    segs = url.segments
    if in_path and len(segs) > in_path[1] and segs[0].lower() == in_path[0]:
        found.append(segs[in_path[1]].replace("-", " "))
    return found


# --- matching ----------------------------------------------------------------


def words(text: str) -> list[str]:
    """Case- and accent-folded words: "Casey  LINDQVIST's" -> ["casey", "lindqvist", "s"]."""
    text = text.casefold()
    if not text.isascii():  # fold accents only where there are any: "zoë" -> "zoe"
        text = unicodedata.normalize("NFKD", text)
        text = "".join(c for c in text if not unicodedata.combining(c))
    return _WORD.findall(text)


def name_keys(name: str) -> set[tuple[str, ...]]:
    """The word sequences a name is searched as: "María O'Connell" as "maria o connell" and "maria oconnell",
    "Anne-Marie Vale" as "anne marie vale" and "annemarie vale"."""
    keys: set[tuple[str, ...]] = {()}
    for part in name.split():
        pieces = words(part)
        if not pieces:
            continue
        ways = {tuple(pieces), ("".join(pieces),)}
        keys = {key + way for key in keys for way in ways}
    return {key for key in keys if key}


def tokens(text: str) -> list[str]:
    """Whitespace tokens with surrounding punctuation and a leading @ or $ removed."""
    out = []
    for raw in _TOKEN.findall(text.casefold()):  # "from:name" and "to:name" name the handle too
        token = raw.strip("\"'()[]{}<>,;!?*").lstrip("@$").rstrip(".")
        if token:
            out.append(token)
    return out


_WORD = re.compile(r"[^\W_]+")
_TOKEN = re.compile(r"[^\s:]+")
_MARKED = re.compile(r"(?:(?<![\w.])[@$]|\b(?:from|to):@?)([\w.-]+)", re.IGNORECASE)  # @name, $name, from:name
MAX_SEARCH_CHARS = 2048  # Google's own limit on a search
SHORT_WORD = 5  # a handle of letters alone this short may be a word of any language ("maroc", "sunny")
_PHONE_RE = re.compile(r"\+?\(?\d[\d\s().\-/]{5,}\d")


@dataclass
class SearchIndex(Generic[T]):
    """Everything a search can name, each mapped to its owner (a person)."""

    names: dict[tuple[str, ...], T] = field(default_factory=dict)
    handles: dict[str, T] = field(default_factory=dict)
    dotless_handles: dict[str, T] = field(default_factory=dict)  # platforms that ignore dots (Facebook)
    marked_handles: dict[str, T] = field(default_factory=dict)  # short plain words: matched as @name or $name
    emails: dict[str, T] = field(default_factory=dict)
    phones: dict[str, tuple[str, T]] = field(default_factory=dict)  # national digits -> (country code, owner)
    longest_name: int = 0

    def add_name(self, name: str, owner: T) -> None:
        for key in name_keys(name):
            self.names[key] = owner
            self.longest_name = max(self.longest_name, len(key))

    def add_handle(self, handle: str, owner: T, ignore_dots: bool = False) -> None:
        if len(handle) >= 3 and "/" not in handle:
            if (handle.isalpha() or handle.isdigit()) and len(handle) <= SHORT_WORD:  # "maroc", "1999": words too
                self.marked_handles[handle.casefold()] = owner
                return
            self.handles[handle.casefold()] = owner
            if ignore_dots:
                self.dotless_handles[handle.casefold().replace(".", "")] = owner

    def add_email(self, email: str, owner: T) -> None:
        self.emails[email_key(email)] = owner

    def add_phone(self, phone: str, owner: T) -> None:
        number = phonenumbers.parse(phone if phone.startswith("+") else "+" + phone.lstrip("0"))
        self.phones[str(number.national_number)] = (str(number.country_code), owner)

    def match(self, text: str) -> tuple[str, T] | None:
        """(what matched, owner) for the first name, handle, email or phone in `text` (read to MAX_SEARCH_CHARS:
        no engine takes a longer search, and a page's hostile one must not hold up the proxy)."""
        text = text[:MAX_SEARCH_CHARS]
        found = words(text)
        for n in range(min(self.longest_name, len(found)), 0, -1):
            for i in range(len(found) - n + 1):
                owner = self.names.get(tuple(found[i : i + n]))
                if owner is not None:
                    return "name", owner
        owner = self._surname_first(text)
        if owner is not None:
            return "name", owner
        for token in tokens(text):
            owner = self.handles.get(token) or self.dotless_handles.get(token.replace(".", ""))
            if owner is not None:
                return "handle", owner
        if self.marked_handles:
            for token in _MARKED.findall(text):
                owner = self.marked_handles.get(token.rstrip(".").casefold())
                if owner is not None:
                    return "handle", owner
        for email in EMAIL_RE.findall(text):
            owner = self.emails.get(email_key(email))
            if owner is not None:
                return "email", owner
        for candidate in _PHONE_RE.findall(text):
            owner = self._phone_owner(candidate)
            if owner is not None:
                return "phone", owner
        return None

    def _surname_first(self, text: str) -> T | None:
        """A name written surname first, as directories write it: "Lindqvist, Casey", "Ní Bhriain, Siobhán": the
        surname alone before the comma and the given names alone after it, together the whole name ("Ebbw Vale,
        Rowan Close" names a street)."""
        if "," not in text:
            return None
        clauses = [clause.split() for clause in text.split(",")]
        for before, after in zip(clauses, clauses[1:], strict=False):
            if before and after and len(before) + len(after) <= self.longest_name:
                for key in name_keys(" ".join(after + before)):
                    owner = self.names.get(key)
                    if owner is not None:
                        return owner
        return None

    def _phone_owner(self, candidate: str) -> T | None:
        digits = re.sub(r"\D", "", candidate)
        for length in {len(k) for k in self.phones}:
            entry = self.phones.get(digits[-length:]) if len(digits) >= length else None
            if entry is None:
                continue
            country, owner = entry
            prefix = digits[: len(digits) - length]
            # "07700 900123", "+44 7700 900123", "+44 (0)7700 900123", "0044 ...", "011 44 ..."
            if prefix in ("", "0", country, country + "0", "00" + country, "00" + country + "0", "011" + country):
                return owner
        return None
