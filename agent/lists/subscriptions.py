"""Subscribed domain lists (`lists:` in the config): the copies kept, what is known of each, keeping them fresh.

Each address is fetched at start and then every `every` (24 hours unless said), off the event loop
(agent/lists/fetch.py), read (agent/lists/parse.py), and kept in the data directory: `lists/<key>.txt` (its
domains, one a line) and `lists/<key>.json` (when it was fetched and tried, its ETag, the last error). A new
copy replaces the last good one only when it is good; a failed fetch, an error answer, an empty, binary or
cut-short copy leaves the last good copy in force, says so in the log and in `nocontact lists`, and after
FAILING_DAYS without a good copy the person hears of it (a guard event). A list never silently drops to nothing.

What a list does, and why:
- It blocks whatever the `block:` switch of its category says: the switch is for the built-in list, and
  subscribing is a choice of its own. Taking a subscription out of the config is a loosening and waits
  (config.Stricter.BY_LIST); a list under a name of the person's own blocks its sites like `block.sites`.
- Domains new in a list apply at once, like any tightening.
- Domains gone from a list's new copy stay blocked for the cooldown delay (`cooldown.delay`), counted from the
  fetch that found them gone, and are then dropped. The list's maintainer decides what it holds, and a
  removal is mostly a wrong block put right; but a list can be a file the person edits, and a line taken out
  of it must not open a site sooner than one taken out of `block.sites` would.

The compiled policy is rebuilt on a worker thread and swapped in with one assignment (`swap_policy`):
requests are decided on the old policy until then, never on a half-built one.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from urllib.parse import urlsplit

from agent.config import Config, Subscription
from agent.engine.categories import site_words
from agent.engine.policy import Policy
from agent.lists import fetch as listfetch
from agent.lists.builtin import builtin_lists
from agent.lists.parse import problem, read_domain_list
from agent.paths import write_whole

log = logging.getLogger("nocontact")

RETRY_SECONDS = 3600.0  # after a failed fetch, tried again this soon (or at its period, if shorter)
FAILING_DAYS = 3  # a list without a good fetch for this long is a guard event
CHECK_SECONDS = 60.0  # how often the running agent looks for lists that are due
UPDATE_WAIT = listfetch.FETCH_DEADLINE + 30  # how long `nocontact lists update` waits for the running agent


@dataclass(frozen=True)
class Kept:
    """What is known of one list address (its `lists/<key>.json`)."""

    url: str
    etag: str | None = None
    last_modified: str | None = None
    fetched: float | None = None  # the last fetch that brought a good copy or found it unchanged
    tried: float | None = None  # the last fetch, good or not
    error: str | None = None  # why the last fetch left the last good copy in force
    failing_since: float | None = None  # the first fetch of this run of failures
    told: bool = False  # the person heard that it keeps failing
    domains: int = 0
    skipped: int = 0  # lines of the copy that are not domains
    digest: str | None = None  # of the copy's file, so an edited copy is not taken for the list
    gone: dict[str, float] = field(default_factory=dict)  # domains gone from the list -> when a fetch first missed them

    def next_fetch(self, every: float) -> float:
        if self.tried is None:
            return 0.0  # never tried: now
        return self.tried + (min(every, RETRY_SECONDS) if self.error else every)


@dataclass(frozen=True)
class Outcome:
    """One fetch: what is now known, the new copy's domains (None: the copy in force stays), and what to say."""

    kept: Kept
    domains: tuple[str, ...] | None
    changed: bool  # the domains a policy is built from changed
    news: str | None = None  # said in the log
    tell: str | None = None  # a guard event


def list_key(url: str) -> str:
    return hashlib.sha256(url.encode()).hexdigest()[:16]


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _sites(count: int) -> str:
    return f"{count:,} site" if count == 1 else f"{count:,} sites"


def _list_words(sub: Subscription) -> str:
    """A subscribed list as its news names it: "people-search site list from lists.example.org"."""
    return f"{site_words(sub.category)} list from {_host(sub.url)}"


def _host(url: str) -> str:
    parts = urlsplit(url)
    return parts.hostname or Path(parts.path).name or url


class Subscriptions:
    """The subscribed lists' copies, in memory and in `folder`."""

    def __init__(self, folder: Path, wall: Callable[[], float] = time.time):
        self.folder, self.wall = Path(folder), wall
        self._kept: dict[str, Kept] = {}
        self._domains: dict[str, tuple[str, ...]] = {}
        self.lock = asyncio.Lock()  # one refresh at a time: the periodic one, or `nocontact lists update`
        self.started = False  # the running agent fetched every list once at its start
        self.changes = 0  # counts changes of the copies in memory: a policy compiled meanwhile is out of date

    # --- the copies ------------------------------------------------------------

    def kept(self, url: str) -> Kept:
        if url not in self._kept:
            self._kept[url], self._domains[url] = self._load(url)
        return self._kept[url]

    def domains(self, url: str) -> tuple[str, ...]:
        self.kept(url)
        return self._domains[url]

    def _load(self, url: str) -> tuple[Kept, tuple[str, ...]]:
        base = self.folder / list_key(url)
        try:
            data = json.loads(base.with_suffix(".json").read_text(encoding="utf-8"))
            known = {f.name for f in fields(Kept)}
            kept = Kept(**{k: v for k, v in data.items() if k in known} | {"url": url})
        except (OSError, ValueError, TypeError):
            return Kept(url), ()
        if kept.digest is None:  # never a good copy yet
            return kept, ()
        try:
            text = base.with_suffix(".txt").read_text(encoding="utf-8")
        except (OSError, ValueError):
            text = None
        if text is None or _digest(text) != kept.digest:
            # Not the copy fetched: fetched again in full (no ETag) at once, and in the meantime nothing.
            log.warning("The kept copy of the list from %s is missing or was changed; it is fetched again.",
                        _host(url))
            return replace(kept, etag=None, last_modified=None, domains=0, digest=None, tried=None), ()
        return kept, tuple(text.split())

    def _save(self, kept: Kept, domains: tuple[str, ...] | None = None) -> Kept:
        """Write the copy (when given) and what is known of it; a disk that refuses is said, and the copy in
        memory stays in force (the next start fetches it again)."""
        base = self.folder / list_key(kept.url)
        try:
            self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            if domains is not None:
                text = "\n".join(domains) + "\n"
                write_whole(base.with_suffix(".txt"), text.encode(), mode=0o600)
                kept = replace(kept, digest=_digest(text))
            write_whole(base.with_suffix(".json"), json.dumps(asdict(kept), indent=1).encode(), mode=0o600)
        except OSError as err:
            log.error("The copy of the list from %s could not be kept on disk (%s).", _host(kept.url),
                      err.strerror or type(err).__name__)
        return kept

    def for_policy(self, config: Config) -> dict[str, tuple[str, ...]]:
        """The built-in lists of the categories switched on, grown by every subscribed list: what `Policy` takes."""
        lists = dict(builtin_lists(config.block.categories))
        now = self.wall()
        for sub in config.lists:
            held = tuple(d for d, since in self.kept(sub.url).gone.items() if now - since < config.cooldown.delay)
            lists[sub.category] = lists.get(sub.category, ()) + self.domains(sub.url) + held
        return lists

    # --- fetching ----------------------------------------------------------------

    @staticmethod
    def addresses(config: Config) -> dict[str, list[Subscription]]:
        """Each address once, with its entries (one address may feed two categories)."""
        found: dict[str, list[Subscription]] = {}
        for sub in config.lists:
            found.setdefault(sub.url, []).append(sub)
        return found

    def due(self, config: Config) -> list[str]:
        now = self.wall()
        return [url for url, subs in self.addresses(config).items()
                if self.kept(url).next_fetch(min(s.every for s in subs)) <= now]

    def fetch(self, sub: Subscription, delay: float) -> Outcome:
        """Fetch one list and keep what it brought (on a worker thread: it waits on the network and the disk).

        `delay`: how long domains gone from the list stay blocked. The copy in memory is not touched here:
        `accept` takes the outcome on the event loop."""
        kept, now = self.kept(sub.url), self.wall()
        try:
            return self._fetch(sub, kept, delay, now)
        except Exception as err:  # whatever it was, the last good copy stays, and the agent goes on
            log.debug("Fetching a list failed unexpectedly.", exc_info=True)
            return self._failed(sub, kept, f"something unexpected happened ({type(err).__name__})", now)

    def _fetch(self, sub: Subscription, kept: Kept, delay: float, now: float) -> Outcome:
        current = self.domains(sub.url)
        try:
            got = listfetch.fetch(sub.url, *((kept.etag, kept.last_modified) if current else (None, None)))
        except listfetch.FetchError as err:
            return self._failed(sub, kept, str(err), now)
        gone = {d: since for d, since in kept.gone.items() if now - since < delay}
        held_changed = len(gone) != len(kept.gone)
        if got.body is None:  # unchanged
            kept = replace(kept, fetched=now, tried=now, error=None, failing_since=None, told=False, gone=gone,
                           etag=got.etag or kept.etag, last_modified=got.last_modified or kept.last_modified)
            return Outcome(self._save(kept), None, held_changed)
        copy = read_domain_list(listfetch.decode(got.body))
        why = problem(copy, len(current))
        if why:
            return self._failed(sub, kept, why, now)
        changed = copy.domains != current
        if changed:
            new: set[str] = set()
            for start in range(0, len(copy.domains), 16384):  # a part at a time: see parse.read_domain_list
                new.update(copy.domains[start:start + 16384])
            gone = {d: since for d, since in gone.items() if d not in new}
            gone.update((d, now) for d in current if d not in new and d not in gone)
            held_changed = True
        kept = replace(kept, etag=got.etag, last_modified=got.last_modified, fetched=now, tried=now, error=None,
                       failing_since=None, told=False, domains=len(copy.domains), skipped=copy.skipped, gone=gone)
        kept = self._save(kept, copy.domains if changed or kept.digest is None else None)
        news = None
        if changed:
            news = (f"The {_list_words(sub)} now has {_sites(len(copy.domains))}"
                    + (f" ({copy.skipped:,} {'line' if copy.skipped == 1 else 'lines'} skipped: not domains"
                       + (f"; the first is line {copy.first_skipped}" if copy.first_skipped else "") + ")"
                       if copy.skipped else "") + ".")
        return Outcome(kept, copy.domains if changed else None, held_changed, news)

    def _failed(self, sub: Subscription, kept: Kept, why: str, now: float) -> Outcome:
        since = kept.failing_since or now
        tell = None
        if not kept.told and now - since >= FAILING_DAYS * 86400:
            tell = (f"the {_list_words(sub)} has not refreshed for {FAILING_DAYS} days; "
                    + (f"its last good copy ({_sites(kept.domains)}) still applies" if kept.domains
                       else "it blocks nothing yet"))
        news = None
        if why != kept.error:  # said once, not at every try
            news = (f"The {_list_words(sub)} was not refreshed: {why}. "
                    + (f"Its last good copy ({_sites(kept.domains)}) stays in force." if kept.domains
                       else "It blocks nothing until a good copy arrives."))
        kept = replace(kept, tried=now, error=why, failing_since=since, told=kept.told or tell is not None)
        return Outcome(self._save(kept), None, False, news, tell)

    def accept(self, outcome: Outcome) -> bool:
        """Take a fetch's outcome (on the event loop); True when the policy must be built again."""
        self._kept[outcome.kept.url] = outcome.kept
        if outcome.domains is not None:
            self._domains[outcome.kept.url] = outcome.domains
        self.changes += outcome.changed
        return outcome.changed

    def expire(self, config: Config) -> bool:
        """Drop the gone domains whose wait is over; True when some were (the policy must be built again)."""
        now, changed = self.wall(), False
        for url in self.addresses(config):
            kept = self.kept(url)
            held = {d: since for d, since in kept.gone.items() if now - since < config.cooldown.delay}
            if len(held) != len(kept.gone):
                self._kept[url] = self._save(replace(kept, gone=held))
                changed = True
        self.changes += changed
        return changed

    # --- what `nocontact lists` shows ----------------------------------------------

    def rows(self, config: Config) -> list[dict]:
        rows = []
        for url, subs in self.addresses(config).items():
            kept, every = self.kept(url), min(s.every for s in subs)
            for sub in subs:
                rows.append({
                    "url": url, "category": sub.category, "every": sub.every, "domains": kept.domains,
                    "skipped": kept.skipped, "held": len(kept.gone), "last_fetch": kept.fetched,
                    "last_try": kept.tried, "next_fetch": kept.next_fetch(every) or None, "last_error": kept.error,
                    "failing_since": kept.failing_since,
                })
        return rows


# --- in the running agent ----------------------------------------------------------


async def refresh(agent, *, every_list: bool = False) -> list[dict]:
    """Fetch the lists that are due (every one with `every_list`) off the loop; swap in a policy built from
    what changed. The rows of `nocontact lists`."""
    store: Subscriptions = agent.lists
    async with store.lock:
        config = agent.config
        due = set(store.due(config))  # reads any copy not yet in memory, here on the loop, not on the fetch threads
        wanted = set(store.addresses(config)) if every_list else due
        subs = [entries[0] for url, entries in store.addresses(config).items() if url in wanted]
        outcomes = await asyncio.gather(*(asyncio.to_thread(store.fetch, sub, config.cooldown.delay) for sub in subs))
        changed = False
        for outcome in outcomes:
            changed |= store.accept(outcome)
            if outcome.news:
                log.warning("%s", outcome.news)
            if outcome.tell:
                agent.guard_event("lists", outcome.tell)
        changed |= store.expire(agent.config)
        if changed:
            await swap_policy(agent)
        return store.rows(agent.config)


async def swap_policy(agent) -> None:
    """Build the policy again on a worker thread and swap it in with one assignment, unless the config changed
    meanwhile (its own policy, built with the lists as they are now, is then in force already)."""
    while True:
        config = agent.config
        policy = await asyncio.to_thread(Policy, config, agent.lists.for_policy(config))
        if agent.config is config:
            agent.policy = policy
            return


async def keep_lists(agent) -> None:
    """Fetch every list at start, then look each CHECK_SECONDS for lists that are due."""
    store: Subscriptions = agent.lists
    first, store.started = not store.started, True  # started again after a failure: no fetching all at once again
    await refresh(agent, every_list=first)
    while True:
        await asyncio.sleep(CHECK_SECONDS)
        await refresh(agent)
