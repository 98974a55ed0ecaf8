"""The policy engine: URL in, decision out. Pure: no I/O, no mitmproxy.

Compiling a config builds dicts keyed by host suffix and by identity, so one
decision costs a few lookups whatever the size of the lists. The same compiled
sets decide which hosts are watched at all (PAC routing, TLS interception),
so `explain`, the PAC file and the proxy can never disagree.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass

from agent.barrier.barrier import Barrier
from agent.config import Config, Person
from agent.engine.identity import Identity, Platform
from agent.engine.platforms import GENERIC, PLATFORMS, platform_for_host, platform_named
from agent.engine.search import SEARCH_ENGINES, SearchIndex, engine_params, engine_searches, watched_hosts
from agent.engine.urls import Url, UrlError, host_suffixes, normalise_host, parse, quick_host
from agent.engine.wrappers import WRAPPER_DOMAINS, inner_urls, is_wrapper

MAX_WRAPPING = 5  # wrappers inside wrappers, unwrapped this deep
HOST_CACHE_SIZE = 50_000  # hosts remembered; browsing revisits few, so this is rarely cleared


@dataclass(frozen=True, slots=True)
class Decision:
    url: str
    action: str  # "block" | "allow"
    reason: str  # "person" | "category" | "site" | "allow_list" | "none"
    category: str | None = None
    person: str | None = None  # the alias, never a name
    platform: str | None = None
    rule: str | None = None
    site: str | None = None  # the listed domain or URL prefix that matched

    @property
    def blocked(self) -> bool:
        return self.action == "block"

    @property
    def target(self) -> tuple[str, str]:
        """What the urge was about: (alias, platform) or (category, site)."""
        if self.person:
            return self.person, self.platform or "web"
        return self.category or self.reason, self.site or ""

    def as_json(self) -> dict:
        data = asdict(self)
        data.pop("site")
        return data


@dataclass(frozen=True, slots=True)
class _Host:
    """What the rules say about one host; computed once per host and cached."""

    allowed: bool  # on the allow list: never watched
    watched: bool
    site: _Site | None
    platform: Platform | None
    engine: tuple[str, ...] | None  # search-engine query parameters
    web: bool  # some generic prefix rule (web profile, block.urls, allow URL) is on this host
    wrapper: bool


@dataclass(frozen=True, slots=True)
class _Site:
    domain: str
    category: str | None  # None for the person's own block.sites

    @property
    def reason(self) -> str:
        return "category" if self.category else "site"


class Policy:
    def __init__(self, config: Config, lists: Mapping[str, Iterable[str]]):
        """`lists`: category -> its domains (normalised), for the categories the config blocks."""
        self.config = config
        self._people: dict[Identity, Person] = {}
        self._search: SearchIndex[Person] = SearchIndex()
        # domain -> category name ("" for the person's own block.sites); plain strings, so the
        # garbage collector has nothing to walk even with hundreds of thousands of domains.
        self._sites: dict[str, str] = {}
        self._urls: dict[str, str] = {}  # generic prefix key -> the configured URL
        self._allow_hosts: set[str] = set()
        self._allow_urls: set[str] = set()
        self._watched: set[str] = set()  # domains: watched with all their subdomains
        self._watched_hosts: set[str] = set()  # exact hosts (the search hosts of a domain that also serves mail)

        for category, domains in lists.items():
            for domain in domains:
                self._sites.setdefault(domain, category)
        for domain in config.block.sites:
            self._sites[domain] = ""
        for url in config.block.urls:
            self._urls[recognise_generic(url)] = url
        for entry in config.allow:
            if "/" in entry.split("://", 1)[-1].rstrip("/"):
                self._allow_urls.add(recognise_generic(entry))
            else:
                self._allow_hosts.add(normalise_host(entry.split("://", 1)[-1].strip("/")))
        for person in config.people:
            self._add_person(person)

        self._watched.update(self._sites)
        if config.barrier.families:  # send requests on these hosts are read for recipients
            self._watched.update(Barrier(config.people, config.barrier.families).hosts())
        self._watched.update(key.split("/", 1)[0] for key in self._urls)
        if self._people or self._search.names or self._search.emails or self._search.phones:
            for platform in PLATFORMS:  # short links and embeds land on a watched host, judged then
                self._watched.update(platform.readable_domains)
            for domain in (*SEARCH_ENGINES, *WRAPPER_DOMAINS):
                hosts = watched_hosts(domain)
                if hosts is None:
                    self._watched.add(domain)
                else:
                    self._watched_hosts.update(hosts)
        web_hosts = [ident.key for ident in self._people if ident.platform == GENERIC.name]
        web_hosts += [*self._urls, *self._allow_urls]
        self._web_hosts = {key.split("/", 1)[0] for key in web_hosts}
        self._watched.update(key.split("/", 1)[0] for ident in self._people
                             if ident.platform == GENERIC.name for key in [ident.key])
        self._hosts: dict[str, _Host] = {}

    def _add_person(self, person: Person) -> None:
        for identity in person.identities:
            self._people[identity] = person
            platform = platform_named(identity.platform)
            if platform is not None:
                handle = platform.searched_handle(identity.key)
                self._search.add_handle(handle, person, ignore_dots=platform.ignores_dots)
        for name in person.names:
            self._search.add_name(name, person)
        for email in person.emails:
            self._search.add_email(email, person)
        for phone in person.phones:
            self._search.add_phone(phone, person)

    # --- which hosts are watched at all -----------------------------------

    def watches(self, host: str) -> bool:
        """Does any rule need to see requests to `host`? (PAC routing and TLS interception.)"""
        return self._host(normalise_host(host)).watched

    def _host(self, host: str) -> _Host:
        info = self._hosts.get(host)
        if info is None:
            if len(self._hosts) >= HOST_CACHE_SIZE:
                self._hosts.clear()
            suffixes = host_suffixes(host)
            allowed = any(s in self._allow_hosts for s in suffixes)
            info = self._hosts[host] = _Host(
                allowed=allowed,
                watched=not allowed and (host in self._watched_hosts or any(s in self._watched for s in suffixes)),
                site=next((_Site(s, self._sites[s] or None) for s in suffixes if s in self._sites), None),
                platform=platform_for_host(host),
                engine=engine_params(host),
                web=any(s in self._web_hosts for s in suffixes),
                wrapper=is_wrapper(host),
            )
        return info

    @property
    def watched_domains(self) -> set[str]:
        return set(self._watched)

    @property
    def watched_hosts(self) -> set[str]:
        return set(self._watched_hosts)

    @property
    def allowed_domains(self) -> set[str]:
        return set(self._allow_hosts)

    # --- decisions ---------------------------------------------------------

    def decide(self, url: str | Url, *, form: str | None = None) -> Decision:
        """The decision for one request. Raises UrlError for text that is not a URL.

        `form`: the urlencoded body of a GraphQL POST; its fields are read like query parameters
        (GraphQL `variables`, ids), while the decision keeps the URL as it was given.
        """
        if not isinstance(url, str):
            return self._decide(url.with_form(form) if form else url, url.origin + url.path, 0)
        host = quick_host(url)
        if host is not None:
            # Most traffic is decided by its host alone: no need to read the rest.
            info = self._host(host)
            if not info.watched:
                return self._unwatched(url, host)
            if info.site and not (info.platform or info.engine or info.web or info.wrapper):
                return self._site(info, url, [])
        parsed = parse(url)
        return self._decide(parsed.with_form(form) if form else parsed, url, 0)

    def _unwatched(self, text: str, host: str) -> Decision:
        if self._host(host).allowed:
            return Decision(text, "allow", "allow_list", rule=f"allow {host}")
        return Decision(text, "allow", "none")

    def _decide(self, url: Url, text: str, depth: int) -> Decision:
        info = self._host(url.host)
        if not info.watched:
            return self._unwatched(text, url.host)
        web_keys = [ident.key for ident in GENERIC.reaches(url)] if info.web else []
        for key in web_keys:
            if key in self._allow_urls:
                return Decision(text, "allow", "allow_list", rule=f"allow {key}")
        found = self._person(url, info, text, web_keys) or self._site(info, text, web_keys)
        if found:
            return found
        if info.wrapper and depth < MAX_WRAPPING:
            for inner in inner_urls(url):
                try:
                    decision = self._decide(parse(inner), text, depth + 1)
                except UrlError:
                    continue
                if decision.blocked:
                    return _wrapped(decision, url.host)
        return Decision(text, "allow", "none")

    def _person(self, url: Url, info: _Host, text: str, web_keys: list[str]) -> Decision | None:
        platform = info.platform
        if platform is not None:
            for identity in platform.reaches(url):
                person = self._people.get(identity)
                if person:  # shown as the platform of the page (Threads), the rule names the identity
                    return _person_decision(text, person, platform.name, f"profile {identity}")
            for query in platform.searches(url):
                match = self._search.match(query)
                if match:
                    return _person_decision(text, match[1], platform.name, f"{platform.name} search for their {match[0]}")
        for query in engine_searches(url, info.engine or ()):
            match = self._search.match(query)
            if match:
                return _person_decision(text, match[1], "search", f"web search for their {match[0]}")
        for key in web_keys:
            person = self._people.get(Identity(GENERIC.name, key))
            if person:
                return _person_decision(text, person, GENERIC.name, f"profile web:{key}")
        return None

    def _site(self, info: _Host, text: str, web_keys: list[str]) -> Decision | None:
        site = info.site
        if site:
            rule = f"{site.category} list: {site.domain}" if site.category else f"block.sites: {site.domain}"
            return Decision(text, "block", site.reason, site.category, rule=rule, site=site.domain)
        for key in web_keys:
            if key in self._urls:
                return Decision(text, "block", "site", rule=f"block.urls: {self._urls[key]}", site=key)
        return None


def _person_decision(text: str, person: Person, platform: str, rule: str) -> Decision:
    return Decision(text, "block", "person", person=person.alias, platform=platform, rule=rule)


def _wrapped(inner: Decision, wrapper_host: str) -> Decision:
    return Decision(
        inner.url, inner.action, inner.reason, inner.category, inner.person, inner.platform,
        f"{inner.rule} (inside {wrapper_host})", inner.site,
    )


def recognise_generic(url: str) -> str:
    return GENERIC.profile(parse(url)).key
