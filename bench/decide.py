"""Benchmark of the policy engine alone: `python -m bench.decide [--domains N] [--urls N] [--small] [--profile]`.

What is measured, in one process, with no I/O and no mitmproxy:

- load: `parse_config` of a YAML config with 10 people (profiles on instagram,
  facebook profile.php?id=, x, tiktok, a youtube channel, linkedin /in/, reddit
  /user/, github and a generic website prefix; names, emails, phones;
  block.sites), then `Policy(config, lists=...)` with the built-in lists of the
  enabled categories grown with synthetic `dating-site-000123.example`-style
  domains to N domains in all. The compile is timed three times (median shown).
- memory: tracemalloc current/peak around building the lists and compiling
  the policy (the policy keeps the domain strings, so they count), and the RSS
  delta (psutil) of the same, measured without tracemalloc.
- speed: decisions per second over a shuffled, realistic mix of URLs, and
  per-call latency (time.perf_counter_ns around each `policy.decide(url)`),
  p50/p90/p99/max for the mix and for each class of URL (after a first pass
  that fills the policy's per-host cache; that cold pass is shown too):
  (a) hosts without any rule, (b) allowed URLs on watched hosts, (c) blocked
  profile forms, (d) category/site blocks on (deep) subdomains, (e) search
  engine queries (some name a person), (f) wrapped URLs (redirectors, archives,
  caches, translate proxies), (g) links carried in a login page's or an embed's parameters, archive
  listings with wildcards, feeds and mirrors of a profile (half of them someone else's).
- sanity: every URL is generated with the decision it must get; the count of
  blocks per class and any mismatch are printed (exit status 1 on a mismatch),
  so a broken engine cannot look fast. Nothing timed is asserted.

`--profile` adds a cProfile run of the mix and prints the top functions.

`--before REV` adds a comparison in the same run: policies compiled from the built-in lists as git revision
REV had them and as they are now (each grown to the same N domains), compiled in turns, then deciding the same
URLs (made from the domains both lists hold) in turns; medians and the ratio now / before.
"""

from __future__ import annotations

import argparse
import base64
import cProfile
import gc
import io
import pstats
import random
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote, quote_plus

import psutil
from tabulate import tabulate

from agent.config import Config, parse_config
from agent.engine.policy import Policy
from agent.engine.urls import normalise_host
from agent.lists.builtin import builtin

PEOPLE = [
    "Casey Lindqvist", "Jordan Okafor", "Riley Marchetti", "Avery Nakamura", "Morgan Delacroix",
    "Quinn Abernathy", "Rowan Szabo", "Harper Villanueva", "Emerson Kowalczyk", "Sasha Thorvaldsen",
]
CLASSES = {  # class -> (description, share of the mix)
    "a": ("hosts without any rule", 0.40),
    "b": ("allowed on watched hosts", 0.20),
    "c": ("blocked profile forms", 0.05),
    "d": ("category/site blocks, subdomains", 0.10),
    "e": ("search-engine queries", 0.20),
    "f": ("wrapped URLs", 0.05),
    "g": ("carried links, feeds, mirrors", 0.05),
}
SYNTHETIC = {"dating": "dating-site", "people_search": "people-search", "viewers": "profile-viewer"}
BLOCKED_SITES = [f"blocked-site-{k}.test" for k in range(5)]
VOCAB = (
    "weather tomorrow london recipe pasta train times football score news election python tutorial "
    "cheap flights paris hotel review best laptop 2025 how to fix leaking tap bus timetable cinema "
    "near me translate dictionary meaning symptoms cold flu garden plants birthday gift ideas"
).split()
TARGETS = {"p50": 5.0, "p99": 50.0, "memory_mb": 100.0, "load_s": 1.0}


class Person:
    """The handles of one synthetic person, as the URL generators need them."""

    def __init__(self, i: int, name: str):
        first, last = name.lower().split()
        self.alias, self.name = f"P{i}", name
        self.ig = f"{first}.{last}"
        self.fb = str(100098765432100 + i)
        self.x = (first + last)[:13]
        self.tt = f"{first}_{last}"
        self.yt = ("UCbench" + f"{i:02d}" + "x" * 22)[:24]
        self.li = f"{first}-{last}-{i}a1b2"
        self.rd = f"{first}_{last}"[:20]
        self.gh = f"{first}-{last}"
        self.web = f"www.flickr.com/photos/{first}{last}"
        self.email = f"{first}.{last}@example.org"
        self.uk_phone, self.us_phone = f"+44 7700 900{100 + i}", f"+1 202 555 01{10 + i:02d}"

    def yaml(self) -> str:
        profiles = [
            f"https://www.instagram.com/{self.ig}/", f"https://www.facebook.com/profile.php?id={self.fb}",
            f"https://x.com/{self.x}", f"https://www.tiktok.com/@{self.tt}",
            f"https://www.youtube.com/channel/{self.yt}", f"https://www.linkedin.com/in/{self.li}/",
            f"https://www.reddit.com/user/{self.rd}/", f"https://github.com/{self.gh}", f"https://{self.web}/",
        ]
        lines = [f'  - alias: "{self.alias}"', "    profiles:"] + [f'      - "{p}"' for p in profiles]
        lines += [f'    names: ["{self.name}"]', f'    emails: ["{self.email}"]',
                  f'    phones: ["{self.uk_phone}", "{self.us_phone}"]']
        return "\n".join(lines)


def make_config(people: list[Person]) -> str:
    return (
        "people:\n" + "\n".join(p.yaml() for p in people) + "\n"
        "block:\n  dating: true\n  people_search: true\n  viewers: true\n"
        f"  sites: [{', '.join(BLOCKED_SITES)}]\n  urls: [https://blog.example.com/about-them]\n"
        "allow: [coparent.example, https://www.facebook.com/groups/coparenting]\n"
    )


def lists_at(rev: str | None) -> Callable[[str], list[str]]:
    """A category's built-in list as it is now, or as the repository had it at git revision `rev`."""
    if rev is None:
        return lambda category: list(builtin(category))

    def read(category: str) -> list[str]:
        shown = subprocess.run(["git", "show", f"{rev}:config/lists/{category}.txt"], cwd=Path(__file__).parents[1],
                               capture_output=True, text=True, check=True).stdout
        lines = (line.split("#", 1)[0].strip() for line in shown.splitlines())
        return [normalise_host(line) for line in lines if line]
    return read


def make_lists(config: Config, total: int, listed: Callable[[str], list[str]] | None = None) -> dict[str, list[str]]:
    """The built-in lists of the enabled categories (now, or as `listed` reads them), grown with synthetic domains
    to `total` in all."""
    listed = listed or lists_at(None)
    lists = {c: listed(c) for c in config.block.categories}
    missing = total - sum(len(v) for v in lists.values())
    names = [c for c in lists if c in SYNTHETIC]
    for k in range(max(0, missing)):
        category = names[k % len(names)]
        lists[category].append(f"{SYNTHETIC[category]}-{k:06d}.example")
    return lists


# --- URL generators: each returns (url, must be blocked) -----------------------------


def _sub(rng: random.Random, most: int = 4) -> str:
    return "".join(f"{rng.choice(['www', 'm', 'app', 'cdn', 'api', 'eu', 'img', 'x1'])}." for _ in range(rng.randint(0, most)))


def gen_none(rng: random.Random, n: int, _: list[Person], __: list[str]) -> tuple[str, bool]:
    forms = [
        f"https://www.bbc.co.uk/news/article-{n}",
        f"https://en.wikipedia.org/wiki/Topic_{n}",
        f"https://www.nytimes.com/2025/{n % 12 + 1:02d}/{n % 28 + 1:02d}/world/story-{n}.html?smid=url-share",
        f"https://cdn.jsdelivr.net/npm/pkg{n}@1.{n % 10}.0/dist/index.min.js",
        f"https://docs.python.org/3/library/module{n}.html",
        f"https://mail.example.com/u/0/?ui=2&ik={n}&view=pt&search=inbox",
        f"https://a{n % 50}.static.shop-example.com/img/{n}.webp",
        f"http://coparent.example/calendar/{n}",
    ]
    return rng.choice(forms), False


def gen_allowed(rng: random.Random, n: int, people: list[Person], _: list[str]) -> tuple[str, bool]:
    p = rng.choice(people)
    forms = [
        f"https://www.instagram.com/other.handle{n}/", f"https://www.instagram.com/{p.ig}2/",
        f"https://www.instagram.com/the.{p.ig}/", f"https://www.instagram.com/p/C{n}xYz/",
        f"https://www.facebook.com/SomeBakery{n}/", f"https://www.facebook.com/profile.php?id={200000000000000 + n}",
        f"https://www.facebook.com/groups/coparenting/posts/{n}", f"https://x.com/someone{n % 999}/status/{n}",
        f"https://www.youtube.com/watch?v=dQw4w9WgX{n % 10}Q", f"https://github.com/org{n}/repo/pull/{n}",
        f"https://www.reddit.com/r/python/comments/{n}/a_title/", f"https://www.linkedin.com/in/other-person-{n}/",
        f"https://www.tiktok.com/@other{n}/video/{n}", f"https://{p.web}2/", f"https://www.flickr.com/photos/someone{n}/",
    ]
    return rng.choice(forms), False


def gen_profile(rng: random.Random, n: int, people: list[Person], _: list[str]) -> tuple[str, bool]:
    p = rng.choice(people)
    digits = p.uk_phone.replace(" ", "").lstrip("+")
    forms = [
        f"https://www.instagram.com/{p.ig}/", f"https://m.instagram.com/{p.ig.upper()}/reels/",
        f"https://www.instagram.com/{p.ig}/?__a=1&__d=dis",
        f"https://i.instagram.com/api/v1/users/web_profile_info/?username={p.ig}",
        f"https://www.instagram.com/stories/{p.ig}/31415{n}/",
        f"https://www.facebook.com/profile.php?id={p.fb}&sk=photos", f"https://m.facebook.com/profile.php?id={p.fb}",
        f"https://X.COM/{p.x}/status/{n}", f"https://twitter.com/intent/user?screen_name={p.x}",
        f"https://mobile.twitter.com/{p.x.upper()}/with_replies", f"https://www.tiktok.com/@{p.tt}/video/{n}",
        f"https://www.tiktok.com/api/user/detail/?uniqueId={p.tt}", f"https://www.youtube.com/channel/{p.yt}/videos",
        f"https://m.youtube.com/feeds/videos.xml?channel_id={p.yt}",
        f"https://uk.linkedin.com/in/{p.li}/recent-activity/all/",
        f"https://www.linkedin.com/voyager/api/identity/profiles/{p.li}/profileView",
        f"https://old.reddit.com/user/{p.rd}/submitted/", f"https://www.reddit.com/u/{p.rd}/about.json",
        f"https://github.com/{p.gh}/repo{n}/issues", f"https://api.github.com/users/{p.gh}",
        f"https://{p.gh}.github.io/posts/{n}", f"https://{p.web}/{n}/in/album", f"https://wa.me/{digits}",
    ]
    return rng.choice(forms), True


def gen_site(rng: random.Random, n: int, _: list[Person], domains: list[str]) -> tuple[str, bool]:
    domain = rng.choice(BLOCKED_SITES) if rng.random() < 0.05 else rng.choice(domains)
    return f"https://{_sub(rng)}{domain}/profile/{n}?ref=home", True


def gen_search(rng: random.Random, n: int, people: list[Person], _: list[str]) -> tuple[str, bool]:
    p = rng.choice(people)
    first, last = p.name.split()
    naming = [p.name, f"{p.name.upper()} instagram", f"{first.lower()} {last.lower()} new partner",
              f"@{p.ig}", p.email, p.uk_phone, "0" + p.uk_phone[4:], p.us_phone]
    decoys = [f"{first} family history", f"{last} surname meaning", f"{first} Lindberg"]
    if rng.random() < 0.2:
        query, blocked = rng.choice(naming), True
    elif rng.random() < 0.1:
        query, blocked = rng.choice(decoys), False
    else:
        query, blocked = " ".join(rng.sample(VOCAB, rng.randint(2, 5))), False
    q = quote_plus(query)
    forms = [
        f"https://www.google.com/search?q={q}&oq={q}&sourceid=chrome&ie=UTF-8",
        f"https://www.google.co.uk/search?q={q}&hl=en&source=hp&ei=Ab{n}",
        f"https://www.bing.com/search?q={q}&form=QBLH", f"https://duckduckgo.com/?q={q}&t=h_&ia=web",
        f"https://search.yahoo.com/search?p={q}&fr=yfp-t", f"https://search.brave.com/search?q={q}&source=web",
        f"https://www.ecosia.org/search?method=index&q={q}",
    ]
    return rng.choice(forms), blocked


def gen_wrapped(rng: random.Random, n: int, people: list[Person], domains: list[str]) -> tuple[str, bool]:
    inner, blocked = (gen_profile if rng.random() < 0.5 else rng.choice([gen_none, gen_allowed]))(rng, n, people, domains)
    host, _, rest = inner.split("://", 1)[1].partition("/")
    b64 = base64.urlsafe_b64encode(inner.encode()).decode().rstrip("=")
    forms = [
        f"https://www.google.com/url?q={quote(inner, safe='')}&sa=D&source=editors&ust={n}",
        f"https://web.archive.org/web/2023{n % 10000:04d}000000/{inner}",
        f"https://l.facebook.com/l.php?u={quote(inner, safe='')}&h=AT{n}",
        f"https://www.bing.com/ck/a?!&&p={n}&u=a1{b64}&ntb=1",
        f"https://webcache.googleusercontent.com/search?q=cache:{quote(inner, safe='')}",
        f"https://{host.lower().replace('-', '--').replace('.', '-')}.translate.goog/{rest}",
        f"https://www.google.com/url?q={quote('https://web.archive.org/web/2024/' + inner, safe='')}",
    ]
    url = rng.choice(forms)
    if "translate.goog" in url:
        url += ("&" if "?" in url else "?") + "_x_tr_sl=auto&_x_tr_tl=en"
    return url, blocked


def gen_carried(rng: random.Random, n: int, people: list[Person], _: list[str]) -> tuple[str, bool]:
    p = rng.choice(people)
    if rng.random() < 0.5:
        forms = [
            f"https://www.instagram.com/accounts/login/?next=%2F{p.ig}%2F&source=desktop_nav",
            f"https://x.com/i/flow/login?redirect_after_login=%2F{p.x}",
            f"https://publish.twitter.com/oembed?url=https%3A%2F%2Ftwitter.com%2F{p.x}",
            f"https://web.archive.org/web/*/instagram.com/{p.ig}*",
            f"https://archive.org/wayback/available?url=twitter.com/{p.x}",
            f"https://rsshub.app/instagram/user/{p.ig}",
            f"https://unavatar.io/tiktok/{p.tt}",
            f"https://www.facebook.com/friends/suggestions/?profile_id={p.fb}",
        ]
        return rng.choice(forms), True
    forms = [
        f"https://www.instagram.com/accounts/login/?next=%2F{p.ig}2%2F",
        f"https://x.com/i/flow/login?redirect_after_login=%2Fsomeone{n}",
        f"https://web.archive.org/web/*/instagram.com/other.handle{n}*",
        f"https://rsshub.app/instagram/user/other.handle{n}",
        f"https://12ft.io/https://www.nytimes.com/2025/story-{n}.html",
        f"https://www.facebook.com/friends/suggestions/?profile_id={200000000000000 + n}",
    ]
    return rng.choice(forms), False


GENERATORS = {"a": gen_none, "b": gen_allowed, "c": gen_profile, "d": gen_site, "e": gen_search, "f": gen_wrapped,
              "g": gen_carried}


def make_urls(count: int, people: list[Person], domains: list[str], seed: int) -> list[tuple[str, str, bool]]:
    """(class, url, must be blocked), shuffled, in the proportions of CLASSES."""
    rng = random.Random(seed)
    out = []
    for cls, (_, share) in CLASSES.items():
        out += [(cls, *GENERATORS[cls](rng, n, people, domains)) for n in range(max(1, round(count * share)))]
    rng.shuffle(out)
    return out


# --- measuring ----------------------------------------------------------------------


def pct(sorted_ns: list[int], q: float) -> float:
    """The q-quantile of sorted nanoseconds, in microseconds (nearest rank)."""
    return sorted_ns[min(len(sorted_ns) - 1, int(q * len(sorted_ns)))] / 1000


def timer_overhead_ns() -> int:
    clock = time.perf_counter_ns
    samples = []
    for _ in range(10000):
        t0 = clock()
        samples.append(clock() - t0)
    return int(statistics.median(samples))


def measure_load(config: Config, domains: int) -> dict[str, float]:
    """Compile time (median of 3) and memory of the lists plus the compiled policy."""
    proc = psutil.Process()
    gc.collect()
    rss0 = proc.memory_info().rss
    lists = make_lists(config, domains)
    t0 = time.perf_counter()
    policy = Policy(config, lists=lists)
    first = time.perf_counter() - t0
    del lists
    gc.collect()
    rss = proc.memory_info().rss - rss0
    del policy
    gc.collect()

    lists = make_lists(config, domains)
    times = [first]
    for _ in range(2):
        t0 = time.perf_counter()
        Policy(config, lists=lists)
        times.append(time.perf_counter() - t0)
    del lists
    gc.collect()

    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    lists = make_lists(config, domains)
    policy = Policy(config, lists=lists)
    del lists
    gc.collect()
    current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del policy
    return {"load": statistics.median(times), "load_max": max(times), "rss": rss,
            "traced": current - base, "traced_peak": peak - base}


def run(domains: int, url_count: int, seed: int, profile: bool) -> int:
    people = [Person(i, name) for i, name in enumerate(PEOPLE)]
    text = make_config(people)
    t0 = time.perf_counter()
    config = parse_config(text, "bench-config")
    parse_s = time.perf_counter() - t0
    mem = measure_load(config, domains)

    lists = make_lists(config, domains)
    all_domains = [d for v in lists.values() for d in v]
    policy = Policy(config, lists=lists)
    del lists
    cases = make_urls(url_count, people, all_domains, seed)
    urls = [u for _, u, _ in cases]
    decide = policy.decide

    # First pass: timed with the policy's per-host cache cold, and checks every decision.
    clock = time.perf_counter_ns
    wrong: list[tuple[str, str, bool]] = []
    blocks = {c: [0, 0, 0] for c in CLASSES}  # class -> [URLs, blocked, expected blocked]
    cold: list[int] = []
    for cls, url, expected in cases:
        t0 = clock()
        got = decide(url).blocked
        cold.append(clock() - t0)
        blocks[cls][0] += 1
        blocks[cls][1] += got
        blocks[cls][2] += expected
        if got != expected:
            wrong.append((cls, url, expected))

    t0 = time.perf_counter()
    for url in urls:
        decide(url)
    rate = len(urls) / (time.perf_counter() - t0)

    lat: list[int] = []
    for url in urls:
        t0 = clock()
        decide(url)
        lat.append(clock() - t0)
    overhead = timer_overhead_ns()

    print(f"bench.decide: {len(config.people)} people, {domains:,} list domains "
          f"({len(policy.watched_domains):,} watched), {len(urls):,} URLs, seed {seed}")
    print(f"Python {sys.version.split()[0]}; timer overhead {overhead} ns per call (included in the figures)\n")

    print(tabulate([
        ["parse_config (YAML + validation)", f"{parse_s * 1000:.1f} ms", ""],
        ["Policy compile (median of 3)", f"{mem['load'] * 1000:.1f} ms", f"<= {TARGETS['load_s']:.0f} s"],
        ["Policy compile (worst of 3)", f"{mem['load_max'] * 1000:.1f} ms", ""],
        ["memory, tracemalloc retained (lists + policy)", f"{mem['traced'] / 2**20:.1f} MB",
         f"<= {TARGETS['memory_mb']:.0f} MB at 200,000 domains"],
        ["memory, tracemalloc peak while compiling", f"{mem['traced_peak'] / 2**20:.1f} MB", ""],
        ["memory, RSS delta (psutil)", f"{mem['rss'] / 2**20:.1f} MB", ""],
        ["decisions per second (mix, no timer)", f"{rate:,.0f}", f">= {1e6 / TARGETS['p50']:,.0f} (implied by p50)"],
    ], headers=["load and memory", "figure", "target"]))
    print()

    by_class: dict[str, list[int]] = {c: [] for c in CLASSES}
    for (cls, _, _), ns in zip(cases, lat, strict=True):
        by_class[cls].append(ns)
    rows = []
    for label, values in [("mix, first pass (host cache cold)", cold), ("mix, warm (all)", lat)] + [
        (f"({c}) {CLASSES[c][0]}", by_class[c]) for c in CLASSES
    ]:
        s = sorted(values)
        rows.append([label, len(s), f"{pct(s, .5):.1f}", f"{pct(s, .9):.1f}", f"{pct(s, .99):.1f}", f"{s[-1] / 1000:.1f}"])
    rows.append(["target", "", f"<= {TARGETS['p50']:.0f}", "", f"<= {TARGETS['p99']:.0f}", ""])
    print(tabulate(rows, headers=["per-URL latency, us", "URLs", "p50", "p90", "p99", "max"]))
    print()

    print(tabulate(
        [[f"({c}) {CLASSES[c][0]}", n, got, exp, "ok" if got == exp else "MISMATCH"] for c, (n, got, exp) in blocks.items()],
        headers=["sanity: decisions per class", "URLs", "blocked", "expected blocked", ""],
    ))
    if wrong:
        print(f"\nSANITY FAILED: {len(wrong)} URLs were decided otherwise than expected, e.g.:")
        for cls, url, expected in wrong[:10]:
            print(f"  ({cls}) expected {'block' if expected else 'allow'}: {url}")
    else:
        print("\nsanity: every decision is the expected one.")

    if profile:
        profiler = cProfile.Profile()
        profiler.enable()
        for url in urls:
            decide(url)
        profiler.disable()
        for key in ("tottime", "cumulative"):
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(key).print_stats(25)
            print(f"\ncProfile of {len(urls):,} decisions, top 25 by {key}:")
            print(out.getvalue().split("\n\n", 1)[-1].strip())
    return 1 if wrong else 0


def compare(config: Config, people: list[Person], domains: int, url_count: int, seed: int, rev: str) -> int:
    """Built-in lists at `rev` against now: compile and decide in turns, three rounds each."""
    lists = {"before": make_lists(config, domains, lists_at(rev)), "now": make_lists(config, domains)}
    listed = [{d for v in found.values() for d in v} for found in lists.values()]
    cases = make_urls(url_count, people, sorted(listed[0] & listed[1]), seed)
    compiles: dict[str, list[float]] = {k: [] for k in lists}
    policies: dict[str, Policy] = {}
    for _ in range(3):
        for k, found in lists.items():
            gc.collect()
            t0 = time.perf_counter()
            policies[k] = Policy(config, lists=found)
            compiles[k].append(time.perf_counter() - t0)
    differ = sum(policies["before"].decide(url).blocked != policies["now"].decide(url).blocked for _, url, _ in cases)
    clock = time.perf_counter_ns
    lat: dict[str, dict[str, list[int]]] = {k: {c: [] for c in CLASSES} for k in lists}
    for _ in range(3):
        for k, policy in policies.items():
            for cls, url, _ in cases:
                t0 = clock()
                policy.decide(url)
                lat[k][cls].append(clock() - t0)
    sizes = [sum(len(read(c)) for c in config.block.categories) for read in (lists_at(rev), lists_at(None))]
    print(f"\n--before {rev}: built-in lists of the enabled categories, {sizes[0]:,} -> {sizes[1]:,} domains "
          f"(each grown to {domains:,}); {len(cases):,} URLs made from the domains both hold")
    ms = [statistics.median(compiles[k]) * 1000 for k in lists]
    rows = [["Policy compile, ms (median of 3)", f"{ms[0]:.1f}", f"{ms[1]:.1f}", f"{ms[1] / ms[0]:.2f}"]]
    for label, classes in [("mix, warm", list(CLASSES))] + [(f"({c}) {CLASSES[c][0]}", [c]) for c in CLASSES]:
        p50 = [pct(sorted(ns for c in classes for ns in lat[k][c]), .5) for k in lists]
        rows.append([f"{label}, p50 us", f"{p50[0]:.1f}", f"{p50[1]:.1f}", f"{p50[1] / p50[0]:.2f}"])
    print(tabulate(rows, headers=["lists before -> now", "before", "now", "now / before"], disable_numparse=True))
    print(f"decisions that differ: {differ} of {len(cases):,} (URLs on domains both lists hold)")
    return 1 if differ else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.decide", description=__doc__.split("\n", 1)[0])
    parser.add_argument("--domains", type=int, help="list domains in all (default 200000; --small 2000)")
    parser.add_argument("--urls", type=int, help="URLs to decide (default 20000; --small 2000)")
    parser.add_argument("--small", action="store_true", help="CI-sized run")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--profile", action="store_true", help="also profile the mix with cProfile")
    parser.add_argument("--before", metavar="REV", help="also compare with the built-in lists at git revision REV")
    args = parser.parse_args(argv)
    domains = args.domains or (2000 if args.small else 200_000)
    urls = args.urls or (2000 if args.small else 20_000)
    status = run(domains, urls, args.seed, args.profile)
    if args.before:
        config = parse_config(make_config([Person(i, name) for i, name in enumerate(PEOPLE)]), "bench-config")
        status |= compare(config, [Person(i, name) for i, name in enumerate(PEOPLE)], domains, urls, args.seed, args.before)
    return status


if __name__ == "__main__":
    sys.exit(main())
