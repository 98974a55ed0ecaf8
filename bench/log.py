"""Benchmark of the urge log: `python -m bench.log [--urges N] [--small]`.

What is measured, on a real SQLite log in a temporary folder:

- the review page with N urges (default 200,000 over 30 days): its size and the time
  to make it, as the pages server makes it now (figures counted by SQL, one page of
  100 urges) and the way it was made before (every urge loaded, counted in Python and
  listed), the memory each takes (peak RSS of a child process), and `nocontact
  review`'s figures both ways;
- a start on a damaged log (truncated, zeroed, garbage): the time to check it, set
  it aside and begin a fresh one, beside the start of a whole log of N urges (the
  read-only check included);
- the cost of writing repeats each second rather than every 5 s: one flush that
  writes the repeats of a few targets (a commit with synchronous=FULL), and one with
  nothing to write (the look at the file that notices a removed log).

Nothing timed is asserted; the figures are printed.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from tabulate import tabulate

from agent import tally
from agent.engine.policy import Decision
from agent.store import UrgeLog

TARGETS = [("J", "instagram", None, None), ("J", "facebook", None, None), ("J", "x", None, None),
           (None, None, "dating", "tinder.com"), (None, None, "dating", "bumble.com"), (None, None, "social", "reddit.com")]


def fill(path: Path, count: int, days: int = 29) -> None:
    """A log of `count` urges spread over the last `days` days (written directly: the schema is the log's own)."""
    UrgeLog(path).close()
    rng = random.Random(7)
    now = time.time()
    rows = []
    for moment in sorted(now - rng.random() * days * 86400 for _ in range(count)):
        person, platform, category, site = rng.choice(TARGETS)
        when = datetime.fromtimestamp(int(moment), UTC).isoformat(timespec="seconds")
        rows.append((when, when, person, platform, category, site, "https://example.test/path", "rule",
                     rng.choice(["proxy", "proxy", "process"]), rng.choice(["blocked", "closed", "waited", "overridden"]),
                     rng.randint(1, 5), rng.choice([None, None, "late night", "loneliness"])))
    with sqlite3.connect(path) as db:
        db.executemany("INSERT INTO urges (time, last_time, person, platform, category, site, url, rule, source, "
                       "outcome, repeats, trigger) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    db.close()


def page_now(path: Path) -> str:
    from agent.web.review_page import review_page

    now = datetime.now(UTC)
    with UrgeLog(path) as log:
        return review_page(log, {}, now=now, tz=now.astimezone().tzinfo, note_token="t", post_path="/review/note")


def page_before(path: Path) -> str:
    """The page as it was made before: every urge loaded and counted in Python, every urge of the month listed."""
    from agent.review import last_days, summarise
    from agent.web.review_page import review_html

    now = datetime.now(UTC)
    tz = now.astimezone().tzinfo
    with UrgeLog(path) as log:
        since, until = last_days(30, now=now, tz=tz)
        review = summarise(log.urges(), log.events(), since=since, until=until, tz=tz)
        return review_html(review, log.urges(since=since, until=until), note_token="t", post_path="/review/note")


def terminal_now(path: Path) -> str:
    from agent.review import last_days, render_terminal, review_of

    now = datetime.now(UTC)
    tz = now.astimezone().tzinfo
    since, until = last_days(30, now=now, tz=tz)
    with UrgeLog(path) as log:
        return render_terminal(review_of(tally.of_log(log, since, until), log.events(since, until), since=since,
                                         until=until, tz=tz))


def terminal_before(path: Path) -> str:
    from agent.review import last_days, render_terminal, summarise

    now = datetime.now(UTC)
    tz = now.astimezone().tzinfo
    since, until = last_days(30, now=now, tz=tz)
    with UrgeLog(path) as log:
        return render_terminal(summarise(log.urges(), log.events(), since=since, until=until, tz=tz))


WAYS = {"page-now": page_now, "page-before": page_before, "review-now": terminal_now, "review-before": terminal_before}


def measure_in_child(way: str, path: Path) -> tuple[float, float, int, float]:
    """(seconds, CPU seconds, bytes made, peak RSS in MB) of one way, in a fresh process so its memory is its own."""
    out = subprocess.run([sys.executable, "-m", "bench.log", "--child", way, str(path)], capture_output=True,
                         text=True, check=True).stdout.split()
    return float(out[0]), float(out[1]), int(out[2]), float(out[3])


def child(way: str, path: Path) -> None:
    started, cpu = time.perf_counter(), time.process_time()
    made = WAYS[way](path)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(seconds, cpu, len(made.encode()), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def damaged_starts(folder: Path, whole: Path) -> list[list]:
    rows = []
    data = whole.read_bytes()
    for how, damaged in (("truncated", data[: len(data) // 3]), ("zeroed", bytes(len(data))),
                         ("garbage", os.urandom(len(data)))):
        path = folder / f"{how}.sqlite3"
        path.write_bytes(damaged)
        started = time.perf_counter()
        log = UrgeLog(path, mend=True)
        seconds = time.perf_counter() - started
        assert log.set_aside, how
        log.close()
        rows.append([f"start on a {how} log", f"{seconds * 1000:.1f} ms"])
    started = time.perf_counter()
    UrgeLog(whole, mend=True).close()
    rows.append(["start on the whole log (its read-only check included)", f"{(time.perf_counter() - started) * 1000:.1f} ms"])
    return rows


def flushes(folder: Path, repeat: int) -> list[list]:
    log = UrgeLog(folder / "flush.sqlite3", mend=True)
    decisions = [Decision("u", "block", "site", site=f"s{i}.test", rule="r") for i in range(3)]
    for decision in decisions:
        log.record(decision, "u")
    writing, idle = [], []
    for _ in range(repeat):
        for decision in decisions:
            for _ in range(16):
                log.take(decision, "u")
        started = time.perf_counter_ns()
        log.flush()
        writing.append(time.perf_counter_ns() - started)
        started = time.perf_counter_ns()
        log.flush()
        idle.append(time.perf_counter_ns() - started)
    log.close()
    return [["flush writing the repeats of 3 targets (one commit)", f"{statistics.median(writing) / 1e6:.2f} ms"],
            ["flush with nothing to write (the look at the file)", f"{statistics.median(idle) / 1e3:.1f} µs"]]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--urges", type=int, default=200_000)
    parser.add_argument("--small", action="store_true", help="a CI-sized run: 2,000 urges")
    parser.add_argument("--child", nargs=2, metavar=("WAY", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child[0], Path(args.child[1]))
        return 0
    if args.small:
        args.urges = 2_000
    with tempfile.TemporaryDirectory(prefix="nocontact-bench-log-") as name:
        folder = Path(name)
        path = folder / "nocontact.sqlite3"
        fill(path, args.urges)
        print(f"{args.urges:,} urges over 29 days; the log is {path.stat().st_size / 1e6:.1f} MB.\n")
        rows = []
        for way in WAYS:
            seconds, cpu, size, rss = measure_in_child(way, path)
            rows.append([way, f"{size / 1e6:.2f} MB" if size >= 100_000 else f"{size / 1e3:.1f} kB",
                         f"{seconds:.2f} s", f"{cpu:.2f} s", f"{rss:.0f} MB"])
        print(tabulate(rows, headers=["review", "made", "time", "CPU time", "peak memory"]))
        print()
        print(tabulate(damaged_starts(folder, path) + flushes(folder, 20 if args.small else 100),
                       headers=["log file", "median"]))
    print("\nsanity: a damaged log was set aside and a fresh one started each time.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
