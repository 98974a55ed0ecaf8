"""Benchmark of subscribed lists: `python -m bench.lists [--domains N] [--small]`.

What is measured, in one process, with a list file of N synthetic domains in hosts form (the commonest form,
with a header of comments and a hosts file's own lines) subscribed under `dating`; no network:

- parse: `read_domain_list` of the list's text; compile: `Policy(config, lists)` with the built-in lists
  of the default config grown by the list (what a refresh builds). Each timed three times (median shown),
  with tracemalloc's peak and the RSS growth (psutil) of reading and compiling once, measured apart.
- start: `Subscriptions` reading the kept copy back from disk (what a start does before it fetches).
- PAC: the PAC file made from the grown policy (on a worker thread in the agent).
- swap: the real refresh (`agent.lists.subscriptions.refresh`: fetch the file on a worker thread, read it, keep it,
  compile the policy on a worker thread, swap it in with one assignment), then the PAC file of the new policy
  on a worker thread, each run on an event loop on which a task decides URLs without pause, as the proxy does. Shown: the longest gap between two decisions on the
  loop and the longest single decision, during the refresh and over as long a time with no refresh, and
  what compiling on the loop itself would have held it up (the compile time).
- reload: a real Agent keeping the same list adopts a changed config (one more site) through its own config
  watcher (`agent.run.watch_config`: the policy compiled on a worker thread, swapped in on the loop), then
  another change adopted by `Agent.adopt` on the loop itself, as a reload did before; the longest gap between
  decisions on the loop during each.
- sanity: after the swap every sampled listed domain is blocked and unlisted ones are not; the exit status
  is 1 otherwise. Nothing timed is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import psutil
from tabulate import tabulate

from agent import run as agent_run
from agent.agent import Agent
from agent.config import parse_config
from agent.engine.policy import Policy
from agent.lists.parse import read_domain_list
from agent.lists.subscriptions import Subscriptions, refresh
from agent.notifier import Notifier
from agent.web.pac import pac_file

TARGETS = {"parse + compile": "1 s", "memory": "100 MB", "longest gap while swapping": "a few ms"}


def list_text(*spans: range) -> str:
    head = "# Title: bench list\n# Updated: today\n127.0.0.1 localhost\n::1 localhost ip6-localhost\n\n"
    return head + "".join(f"0.0.0.0 dating-sub-{k:07d}.example\n" for span in spans for k in span)


def timed(function, repeat: int = 3) -> tuple[float, float, object]:
    """(wall time, CPU time of this process, result), the medians of `repeat` runs. On a machine shared with
    other work the CPU time is the steadier figure."""
    walls, cpus, result = [], [], None
    for _ in range(repeat):
        gc.collect()
        start, cpu = time.perf_counter(), time.process_time()
        result = function()
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus), result


class BenchAgent:
    """What `refresh` needs of the agent: its config, its lists, its policy, and a way to tell."""

    def __init__(self, config, folder: Path):
        self.config = config
        self.lists = Subscriptions(folder)
        self.policy = Policy(config, self.lists.for_policy(config))

    def guard_event(self, kind: str, detail: str) -> None:
        print(f"  guard event: {detail}")


async def decide_without_pause(agent: BenchAgent, urls: list[str], stop: asyncio.Event) -> tuple[float, float, int]:
    """Decide URLs on the loop, yielding after each; (longest gap between decisions, longest decision, count)."""
    gap = slowest = 0.0
    count = 0
    last = time.perf_counter()
    while not stop.is_set():
        start = time.perf_counter()
        gap = max(gap, start - last)
        agent.policy.decide(urls[count % len(urls)])
        last = time.perf_counter()
        slowest = max(slowest, last - start)
        count += 1
        await asyncio.sleep(0)
    return gap, slowest, count


async def swap_scenario(agent: BenchAgent, urls: list[str]) -> dict:
    stop = asyncio.Event()
    decider = asyncio.create_task(decide_without_pause(agent, urls, stop))
    await asyncio.sleep(0.05)
    start = time.perf_counter()
    await refresh(agent, every_list=True)
    during = time.perf_counter() - start
    stop.set()
    gap, slowest, count = await decider
    # What the agent does next: the PAC file for the new policy, on a worker thread (agent/run.py).
    stop = asyncio.Event()
    decider = asyncio.create_task(decide_without_pause(agent, urls, stop))
    await asyncio.sleep(0.05)
    start = time.perf_counter()
    await asyncio.to_thread(pac_file, agent.policy, "127.0.0.1", 8080)
    pac_span = time.perf_counter() - start
    stop.set()
    pac_gap, pac_slowest, pac_count = await decider
    # The same span again, with nothing else going on.
    stop = asyncio.Event()
    decider = asyncio.create_task(decide_without_pause(agent, urls, stop))
    await asyncio.sleep(during)
    stop.set()
    quiet_gap, quiet_slowest, quiet_count = await decider
    return {"refresh_s": during, "gap": gap, "slowest": slowest, "count": count, "quiet_gap": quiet_gap,
            "quiet_slowest": quiet_slowest, "quiet_count": quiet_count, "pac_s": pac_span, "pac_gap": pac_gap,
            "pac_slowest": pac_slowest, "pac_count": pac_count}


async def reload_scenario(agent: Agent, urls: list[str], head: str) -> dict:
    """One config change adopted by the agent's own config watcher, then one adopted on the loop (as before)."""
    async def during(change) -> tuple[float, float]:
        stop = asyncio.Event()
        decider = asyncio.create_task(decide_without_pause(agent, urls, stop))
        await asyncio.sleep(0.05)
        start = time.perf_counter()
        await change()
        span = time.perf_counter() - start
        await asyncio.sleep(0.02)  # the decider's next decision measures the gap the change left
        stop.set()
        gap, _, _ = await decider
        return span, gap

    async def by_the_watcher() -> None:
        agent_run.CONFIG_POLL_SECONDS = 0.01
        watcher = asyncio.create_task(agent_run.watch_config(agent))
        await asyncio.sleep(0.02)
        agent.config_path.write_text(head + "block: {dating: true, sites: [reload-a.example]}\n")
        os.utime(agent.config_path, ns=(1_000_000_000, 1_000_000_000))  # a distinct mtime within one tick
        while not agent.config.block.sites:
            await asyncio.sleep(0.001)
        watcher.cancel()

    async def on_the_loop() -> None:
        text = head + "block: {dating: true, sites: [reload-a.example, reload-b.example]}\n"
        agent.adopt(parse_config(text), text)

    watcher_s, watcher_gap = await during(by_the_watcher)
    loop_s, loop_gap = await during(on_the_loop)
    return {"watcher_s": watcher_s, "watcher_gap": watcher_gap, "loop_s": loop_s, "loop_gap": loop_gap,
            "blocked": [agent.policy.decide(f"https://reload-{x}.example/").blocked for x in "ab"]}


def run(count: int) -> int:
    folder = Path(tempfile.mkdtemp(prefix="nocontact-bench-lists-"))
    path = folder / "dating-hosts.txt"
    text = list_text(range(count))
    path.write_text(text)
    config = parse_config(f"lists:\n  - url: {path.as_uri()}\n    category: dating\n")
    base = Subscriptions(folder / "unused").for_policy(config)
    print(f"A subscribed list of {count:,} domains in hosts form ({len(text) / 2**20:.1f} MB), "
          f"the built-in lists of the default config ({sum(map(len, base.values())):,} domains) beside it.\n")

    parse_s, parse_cpu, copy = timed(lambda: read_domain_list(text))
    grown = {**base, "dating": base["dating"] + copy.domains}
    compile_s, compile_cpu, policy = timed(lambda: Policy(config, grown))
    gc.collect()
    process = psutil.Process()
    rss_before = process.memory_info().rss
    copy_once = read_domain_list(text)
    policy_once = Policy(config, {**base, "dating": base["dating"] + copy_once.domains})
    rss_growth = (process.memory_info().rss - rss_before) / 2**20
    del copy_once, policy_once
    gc.collect()
    tracemalloc.start()
    copy_traced = read_domain_list(text)
    policy_traced = Policy(config, {**base, "dating": base["dating"] + copy_traced.domains})
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del copy_traced, policy_traced

    agent = BenchAgent(config, folder / "lists")
    asyncio.run(refresh(agent, every_list=True))  # the first fetch: the copy is now kept on disk
    start_s, start_cpu, _ = timed(lambda: Subscriptions(folder / "lists").for_policy(config))
    pac_s, pac_cpu, pac = timed(lambda: pac_file(agent.policy, "127.0.0.1", 8080), repeat=1)

    # A refresh that changes the list: 1% of the domains replaced by new ones.
    path.write_text(list_text(range(count - count // 100), range(count, count + count // 100)))
    urls = [f"https://www.dating-sub-{k:07d}.example/profile/{k}" for k in range(0, count, max(1, count // 500))]
    urls += [f"https://news.example.org/story/{k}" for k in range(500)]
    swap = asyncio.run(swap_scenario(agent, urls))

    ms = 1000
    print(tabulate([
        ["parse (read_domain_list)", f"{parse_s * ms:.0f} ms", f"{parse_cpu * ms:.0f} ms",
         f"{len(copy.domains):,} domains, {copy.skipped} skipped"],
        ["compile (Policy)", f"{compile_s * ms:.0f} ms", f"{compile_cpu * ms:.0f} ms",
         f"{len(policy.watched_domains):,} watched domains"],
        ["parse + compile", f"{(parse_s + compile_s) * ms:.0f} ms", f"{(parse_cpu + compile_cpu) * ms:.0f} ms",
         f"target {TARGETS['parse + compile']}"],
        ["memory: tracemalloc peak", f"{peak / 2**20:.0f} MB", "", f"target {TARGETS['memory']}"],
        ["memory: RSS growth", f"{rss_growth:.0f} MB", "", "reading and compiling once"],
        ["start: read the kept copy", f"{start_s * ms:.0f} ms", f"{start_cpu * ms:.0f} ms", ""],
        ["PAC file", f"{pac_s * ms:.0f} ms", f"{pac_cpu * ms:.0f} ms", f"{len(pac) / 2**20:.1f} MB, made on a worker thread"],
    ], headers=["step", "time", "CPU time", "note"], disable_numparse=True))
    print(f"(load average {' '.join(f'{x:.1f}' for x in psutil.getloadavg())} on {psutil.cpu_count()} cores)")
    print()
    print(tabulate([
        ["during a refresh (fetch, read, keep, compile, swap)", f"{swap['refresh_s'] * ms:.0f} ms",
         f"{swap['gap'] * ms:.1f} ms", f"{swap['slowest'] * ms:.2f} ms", f"{swap['count']:,}"],
        ["then the PAC file of the new policy (worker thread)", f"{swap['pac_s'] * ms:.0f} ms",
         f"{swap['pac_gap'] * ms:.1f} ms", f"{swap['pac_slowest'] * ms:.2f} ms", f"{swap['pac_count']:,}"],
        ["the same span with no refresh", f"{swap['refresh_s'] * ms:.0f} ms", f"{swap['quiet_gap'] * ms:.1f} ms",
         f"{swap['quiet_slowest'] * ms:.2f} ms", f"{swap['quiet_count']:,}"],
        ["(compiling on the loop would have held it up)", "", f"{compile_s * ms:.0f} ms", "", ""],
    ], headers=["decisions on the event loop", "span", "longest gap", "longest decision", "decisions"],
        disable_numparse=True))

    # A config reload with the same list kept, in a real Agent whose data directory is the bench's folder.
    os.environ["NOCONTACT_HOME"], os.environ["NOCONTACT_GUARD_HOME"] = str(folder / "home"), str(folder / "guard")
    head = f"lists:\n  - url: {path.as_uri()}\n    category: dating\n"
    (folder / "config.yaml").write_text(head + "block: {dating: true}\n")
    real = Agent(folder / "config.yaml", notifier=Notifier(enabled=False), database=folder / "urges.sqlite3")
    try:
        reload = asyncio.run(reload_scenario(real, urls, head))
    finally:
        real.close()
    print()
    print(tabulate([
        ["a reload by the config watcher (compiled on a worker thread)", f"{reload['watcher_s'] * ms:.0f} ms",
         f"{reload['watcher_gap'] * ms:.1f} ms"],
        ["a reload adopted on the loop (as before)", f"{reload['loop_s'] * ms:.0f} ms",
         f"{reload['loop_gap'] * ms:.1f} ms"],
    ], headers=["a config reload", "span", "longest gap"], disable_numparse=True))
    print(f"longest gap, on the loop / by the watcher: {reload['loop_gap'] / max(reload['watcher_gap'], 1e-9):.1f}x")

    added = [f"https://dating-sub-{k:07d}.example/" for k in range(count, count + count // 100, max(1, count // 5000))]
    kept = [f"https://dating-sub-{k:07d}.example/" for k in range(0, count - count // 100, max(1, count // 5000))]
    wrong = [url for url in added + kept if not agent.policy.decide(url).blocked]
    wrong += [url for url in ("https://news.example.org/", "https://dating-sub-x.example/")
              if agent.policy.decide(url).blocked]
    wrong += [f"https://reload-{x}.example/" for x, blocked in zip("ab", reload["blocked"], strict=True) if not blocked]
    print()
    if wrong:
        print(f"sanity: {len(wrong)} decisions were not the expected ones, e.g. {wrong[:3]}")
        return 1
    print(f"sanity: every sampled listed domain is blocked after the swap ({len(added)} new, {len(kept)} kept), "
          "and unlisted ones are not.")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.lists", description=__doc__.split("\n", 1)[0])
    parser.add_argument("--domains", type=int, help="domains in the subscribed list (default 200000; --small 20000)")
    parser.add_argument("--small", action="store_true", help="CI-sized run")
    args = parser.parse_args(argv)
    return run(args.domains or (20_000 if args.small else 200_000))


if __name__ == "__main__":
    sys.exit(main())
