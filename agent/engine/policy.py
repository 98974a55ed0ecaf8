"""The policy engine: URL in, decision out. Pure: no I/O, no mitmproxy.

Compiling a config builds dicts keyed by host suffix and by identity, so one
decision costs a few lookups whatever the size of the lists. The same compiled
sets decide which hosts are watched at all (PAC routing, TLS interception),
so `explain`, the PAC file and the proxy can never disagree.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from functools import lru_cache

from agent.barrier import services as barrier_services
from agent.config import Config, Person
from agent.engine.categories import BY_KEY, site_words
from agent.engine.identity import Identity, Platform
from agent.engine.platforms import GENERIC, PLATFORMS, Site, platform_for_host, platform_named
from agent.engine.platforms.work import Gravatar
from agent.engine.search import SEARCH_ENGINES, SearchIndex, engine_params, engine_searches, watched_hosts
from agent.engine.urls import Url, UrlError, host_suffixes, normalise_host, parse, quick_host
from agent.engine.wrappers import WRAPPER_DOMAINS, Wrapping, carried_urls, inner_urls, redirect_targets, wrapping

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
class _HostRules:
    """What the rules say about one host; computed once per host and cached."""

    allowed: bool  # on the allow list: never watched
    watched: bool
    listed: _ListedSite | None  # on a category list or block.sites
    platform: Platform | None
    search_params: tuple[str, ...] | None  # a search engine's query parameters
    prefix_rules: bool  # some URL prefix rule (web profile, block.urls, allow URL) is on this host
    wrapper: Wrapping | None  # what kind of wrapper the host is, if any


@dataclass(frozen=True, slots=True)
class _ListedSite:
    domain: str  # the listed domain; under a listed ending (.dating), the site's own domain
    category: str | None  # None for the person's own block.sites
    ending: str | None = None  # the category's top-level domain the site is under

    @classmethod
    def of(cls, entry: str, category: str, suffixes: tuple[str, ...]) -> _ListedSite:
        """The listed site a host is on; under a listed ending, the host's own domain is the site (a window
        opened for one .dating site opens that one)."""
        if "." in entry or len(suffixes) < 2:
            return cls(entry, category or None)
        return cls(suffixes[-2], category, ending=entry)

    @property
    def reason(self) -> str:
        return "category" if self.category else "site"


class Policy:
    def __init__(self, config: Config, lists: Mapping[str, Iterable[str]]):
        """`lists`: category -> its domains (normalised), for the categories the config blocks."""
        self.config = config
        self._people: dict[Identity, Person] = {}
        self._search: SearchIndex[Person] = SearchIndex()
        # listed domain -> category key ("" for the person's own block.sites); plain strings, so the
        # garbage collector has nothing to walk even with hundreds of thousands of domains.
        self._listed: dict[str, str] = {}
        self._blocked_prefixes: dict[str, str] = {}  # URL prefix key -> the block.urls entry
        self._allowed_domains: set[str] = set()
        self._allowed_prefixes: set[str] = set()
        self._watched: set[str] = set()  # domains: watched with all their subdomains
        self._watched_hosts: set[str] = set()  # exact hosts (the search hosts of a domain that also serves mail)

        for category, domains in lists.items():
            for domain in domains:
                self._listed.setdefault(domain, category)
            for ending in BY_KEY[category].endings if category in BY_KEY else ():
                self._listed.setdefault(ending, category)
        for domain in config.block.sites:
            self._listed[domain] = ""
        for url in config.block.urls:
            self._blocked_prefixes[prefix_key(url)] = url
        self._category_pages: dict[str, str] = {  # URL prefix key -> its category (Facebook Dating: dating)
            prefix_key(f"https://{page}"): category
            for category in lists for page in (BY_KEY[category].pages if category in BY_KEY else ())
        }
        for entry in config.allow:
            if "/" in entry.split("://", 1)[-1].rstrip("/"):
                self._allowed_prefixes.add(prefix_key(entry))
            else:
                self._allowed_domains.add(normalise_host(entry.split("://", 1)[-1].strip("/")))
        for person in config.people:
            self._add_person(person)

        self._watched.update(self._listed)
        if config.barrier.families:  # send requests on these hosts are read for recipients
            self._watched.update(barrier_services.hosts(config.barrier.families))
        self._watched.update(key.split("/", 1)[0] for key in self._blocked_prefixes)
        if self._people or self._search.names or self._search.emails or self._search.phones:
            domains, hosts = _read_for_people()
            self._watched.update(domains)
            self._watched_hosts.update(hosts)
            named = {identity.platform for identity in self._people}  # how the config names someone
            self._watched.update(domain for platform in PLATFORMS if platform.read_for and platform.read_for & named
                                 for domain in platform.readable_domains)
        prefix_keys = [ident.key for ident in self._people if ident.platform == GENERIC.name]
        prefix_keys += [*self._blocked_prefixes, *self._allowed_prefixes, *self._category_pages]
        self._prefix_hosts = {key.split("/", 1)[0] for key in prefix_keys}
        self._watched.update(key.split("/", 1)[0] for ident in self._people
                             if ident.platform == GENERIC.name for key in [ident.key])
        self._host_rules: dict[str, _HostRules] = {}

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
            for key in Gravatar.email_keys(email):  # their avatar and profile, asked for by the address's hash
                self._people[Identity(Gravatar.name, key)] = person
        for phone in person.phones:
            self._search.add_phone(phone, person)

    # --- which hosts are watched at all -----------------------------------

    def watches(self, host: str) -> bool:
        """Does any rule need to see requests to `host`? (PAC routing and TLS interception.)"""
        return self._rules_for(normalise_host(host)).watched

    def whole_site(self, host: str) -> Decision | None:
        """The block of every address on `host` when its whole site is blocked (a listed site, with no path
        allowed or blocked apart on it), else None: what a connection can be refused on by its name alone."""
        host = normalise_host(host)
        rules = self._rules_for(host)
        if not rules.watched or rules.prefix_rules:
            return None
        return self._listed_site(rules, f"https://{host}/", [])

    def _rules_for(self, host: str) -> _HostRules:
        rules = self._host_rules.get(host)
        if rules is None:
            if len(self._host_rules) >= HOST_CACHE_SIZE:
                self._host_rules.clear()
            suffixes = host_suffixes(host)
            allowed = any(s in self._allowed_domains for s in suffixes)
            rules = self._host_rules[host] = _HostRules(
                allowed=allowed,
                watched=not allowed and (host in self._watched_hosts or any(s in self._watched for s in suffixes)),
                listed=next((_ListedSite.of(s, self._listed[s], suffixes) for s in suffixes if s in self._listed), None),
                platform=platform_for_host(host),
                search_params=engine_params(host),
                prefix_rules=any(s in self._prefix_hosts for s in suffixes),
                wrapper=wrapping(host),
            )
        return rules

    @property
    def watched_domains(self) -> set[str]:
        return set(self._watched)

    @property
    def watched_hosts(self) -> set[str]:
        return set(self._watched_hosts)

    @property
    def allowed_domains(self) -> set[str]:
        return set(self._allowed_domains)

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
            rules = self._rules_for(host)
            if not rules.watched:
                return _unwatched(url, host, rules)
            if rules.listed and not (rules.platform or rules.search_params or rules.prefix_rules or rules.wrapper):
                return self._listed_site(rules, url, [])
        parsed = parse(url)
        return self._decide(parsed.with_form(form) if form else parsed, url, 0)

    def _decide(self, url: Url, given: str, depth: int) -> Decision:
        """`given`: the URL as the caller gave it, which the decision carries (also for a wrapped one)."""
        rules = self._rules_for(url.host)
        if not rules.watched:
            return _unwatched(given, url.host, rules)
        prefix_keys = [ident.key for ident in GENERIC.reaches(url)] if rules.prefix_rules else []
        for key in prefix_keys:
            if key in self._allowed_prefixes:
                return Decision(given, "allow", "allow_list", rule=f"allow {key}")
        blocked = self._person_reached(url, rules, given, prefix_keys)
        if blocked:
            return blocked
        if rules.listed and rules.wrapper and depth < MAX_WRAPPING:
            # A blocked platform's own "you are leaving" page leads off the platform: it is decided by
            # where it leads (a news link out of Facebook is not Facebook), never by the host alone.
            leaving = redirect_targets(url, rules.wrapper, params_only=True)
            if leaving:  # where it leads, and whatever else it carries (a next= beside the u=)
                inner = leaving + carried_urls(url)
                return self._first_blocked(url, rules, given, depth, inner) or Decision(given, "allow", "none")
        blocked = self._listed_site(rules, given, prefix_keys)
        if blocked:
            return blocked
        if depth < MAX_WRAPPING:
            carried = carried_urls(url)
            inner = inner_urls(url, rules.wrapper) + carried if rules.wrapper else carried
            blocked = self._first_blocked(url, rules, given, depth, inner) if inner else None
            if blocked:
                return blocked
        return Decision(given, "allow", "none")

    def _first_blocked(self, url: Url, rules: _HostRules, given: str, depth: int,
                       inner: list[str]) -> Decision | None:
        """The first of the URLs `url` carries that is blocked, decided as itself (one level deeper)."""
        seen = {given}
        for target in inner:
            if target.startswith("/"):  # a path a login page returns to: on the site's own main host
                target = _home(url, rules.platform) + target
            if target in seen:
                continue
            seen.add(target)
            try:
                decision = self._decide(parse(target), given, depth + 1)
            except UrlError:
                continue
            if decision.blocked:
                return _wrapped(decision, url.host)
        return None

    def _person_reached(self, url: Url, rules: _HostRules, given: str, prefix_keys: list[str]) -> Decision | None:
        platform = rules.platform
        if platform is not None:
            for identity in platform.reaches(url):
                person = self._people.get(identity)
                if person:  # shown as the platform of the page (Threads), the rule names the identity
                    return _person_decision(given, person, platform.name, f"profile {identity}")
            for query in platform.searches(url):
                match = self._search.match(query)
                if match:
                    rule = f"{platform.name} search for their {match[0]}"
                    return _person_decision(given, match[1], platform.name, rule)
        for query in engine_searches(url, rules.search_params or ()):
            match = self._search.match(query)
            if match:
                return _person_decision(given, match[1], "search", f"web search for their {match[0]}")
        for key in prefix_keys:
            person = self._people.get(Identity(GENERIC.name, key))
            if person:
                return _person_decision(given, person, GENERIC.name, f"profile web:{key}")
        return None

    def _listed_site(self, rules: _HostRules, given: str, prefix_keys: list[str]) -> Decision | None:
        site = rules.listed
        if site:
            # A category in words, as everywhere the person reads it ("people-search site list: spokeo.com"); a list
            # they named themselves by its own name.
            if site.ending:
                rule = f"{site_words(site.category or '')} list: every site ending in .{site.ending} ({site.domain})"
            elif site.category:
                rule = f"{site_words(site.category)} list: {site.domain}"
            else:
                rule = f"block.sites: {site.domain}"
            return Decision(given, "block", site.reason, site.category, rule=rule, site=site.domain)
        for key in prefix_keys:
            if key in self._blocked_prefixes:
                return Decision(given, "block", "site", rule=f"block.urls: {self._blocked_prefixes[key]}", site=key)
            category = self._category_pages.get(key)
            if category:
                return Decision(given, "block", "category", category, rule=f"{site_words(category)} list: {key}",
                                site=key)
        return None


@lru_cache(maxsize=1)
def _read_for_people() -> tuple[frozenset[str], frozenset[str]]:
    """(domains, exact hosts) watched whenever someone is configured: the platforms' readable domains,
    the search engines and the wrappers. The same for every config, so found once."""
    domains = {d for platform in PLATFORMS if platform.read_for is None  # short links land here, judged then
               for d in platform.readable_domains}
    hosts: set[str] = set()
    for domain in (*SEARCH_ENGINES, *WRAPPER_DOMAINS):
        exact = watched_hosts(domain)
        if exact is None:
            domains.add(domain)
        else:
            hosts.update(exact)
    return frozenset(domains), frozenset(hosts)


def _unwatched(given: str, host: str, rules: _HostRules) -> Decision:
    if rules.allowed:
        return Decision(given, "allow", "allow_list", rule=f"allow {host}")
    return Decision(given, "allow", "none")


def _home(url: Url, platform: Platform | None) -> str:
    """Where a platform's relative links lead: its own domain (accounts.snapchat.com/...?continue=/add/<name>
    returns to snapchat.com), or this URL's own origin on any other site."""
    if isinstance(platform, Site):
        domain, _ = platform.place(url.host)
        if domain:
            return f"https://{domain}"
    return url.origin


def _person_decision(given: str, person: Person, platform: str, rule: str) -> Decision:
    return Decision(given, "block", "person", person=person.alias, platform=platform, rule=rule)


def _wrapped(inner: Decision, wrapper_host: str) -> Decision:
    return Decision(
        inner.url, inner.action, inner.reason, inner.category, inner.person, inner.platform,
        f"{inner.rule} (inside {wrapper_host})", inner.site,
    )


def prefix_key(url: str) -> str:
    return GENERIC.profile(parse(url)).key
