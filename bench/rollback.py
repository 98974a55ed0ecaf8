"""Benchmark of a start after the records were deleted or put back: `python -m bench.rollback [--urges N] [--small]`.

What is measured: the real Agent starting on a log of N urges (its config strict, a looser
config written in the file and waiting), in a data directory and a folder outside it of its
own (temporary; the person's own folders are never touched). Each case is prepared afresh,
then timed from the start of the Agent until every write it queued is on disk:

- first start: nothing on record (the baseline of a start that has nothing to check);
- in order: the log and both copies of the record as the last run left them;
- log deleted, secret deleted, signature changed, older log put back (the rollback attempt:
  a copy of the log from when the looser config was in force), whole data directory deleted.

For each: the start in ms (median), the part spent reading and checking the three copies of
the record and the requests (Ledger.start), the part spent writing the copies (each flushed to
disk), whether the profile and the dating sites are still paused at once, and whether a guard
note was kept. Sanity: every case but the first start stays paused and notes what it found
(exit status 1 otherwise). Nothing timed is asserted.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tabulate import tabulate

WORK = Path(tempfile.mkdtemp(prefix="nocontact-bench-rollback-"))
# Before anything of nocontact is imported: the data directory and the folder outside it are this run's own.
os.environ["NOCONTACT_HOME"] = str(WORK / "data")
os.environ["NOCONTACT_GUARD_HOME"] = str(WORK / "guard")

from agent import highwater, ledger  # noqa: E402
from agent.agent import Agent  # noqa: E402
from agent.notifier import Notifier  # noqa: E402

STRICT = """
people:
  - alias: "J"
    profiles: [https://www.instagram.com/casey.lindqvist/, https://x.com/caseylindq]
    names: ["Casey Lindqvist"]
block: {dating: true, people_search: true, viewers: true}
"""
LOOSE = "people: []\nblock: {dating: false}\n"
DATA, GUARD = WORK / "data", WORK / "guard"
LOG = DATA / "nocontact.sqlite3"
LOG_FILES = ("nocontact.sqlite3", "nocontact.sqlite3-wal", "nocontact.sqlite3-shm")


class Timer:
    """Time spent inside one function, summed, while it is wrapped."""

    def __init__(self, owner, name: str):
        self.owner, self.name, self.spent = owner, name, 0.0
        self.original = getattr(owner, name)

        def timed(*args, **kwargs):
            begin = time.perf_counter()
            try:
                return self.original(*args, **kwargs)
            finally:
                self.spent += time.perf_counter() - begin

        setattr(owner, name, timed)

    def stop(self) -> None:
        setattr(self.owner, self.name, self.original)


def start(config: str) -> Agent:
    (DATA / "config.yaml").write_text(config)
    return Agent(DATA / "config.yaml", notifier=Notifier(enabled=False))


def fill(urges: int) -> None:
    """A log with a history: `urges` rows over the last 90 days."""
    now = datetime.now(UTC)
    rows = []
    for i in range(urges):
        moment = (now - timedelta(seconds=i * 90 * 86_400 / max(urges, 1))).isoformat(timespec="seconds")
        rows.append((moment, moment, "J" if i % 3 else None, "instagram" if i % 3 else None,
                     None if i % 3 else "dating", None if i % 3 else "tinder.com", "https://www.instagram.com/x",
                     "bench", "proxy", "blocked"))
    with sqlite3.connect(LOG) as db:
        db.executemany("INSERT INTO urges (time, last_time, person, platform, category, site, url, rule, source,"
                       " outcome) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)


def keep(name: str) -> Path:
    saved = WORK / "saved" / name
    shutil.rmtree(saved, ignore_errors=True)
    shutil.copytree(WORK / "live", saved)
    return saved


def restore(saved: Path | None) -> None:
    shutil.rmtree(WORK / "live", ignore_errors=True)
    if saved is None:
        (WORK / "live" / "data").mkdir(parents=True)
        (WORK / "live" / "guard").mkdir()
    else:
        shutil.copytree(saved, WORK / "live")


def prepare(urges: int) -> dict[str, Path]:
    """The states each case starts from, kept aside once: the paths are fixed, so copies find each other."""
    os.symlink(WORK / "live" / "data", DATA)
    os.symlink(WORK / "live" / "guard", GUARD)
    restore(None)
    start(LOOSE).close()  # once, the looser config was the one in force
    fill(urges)
    older = keep("older")
    start(STRICT).close()  # then tightened, at once
    agent = start(STRICT)
    (DATA / "config.yaml").write_text(LOOSE)
    assert agent.reload() == "pending"
    agent.settle()
    agent.close()
    return {"older": older, "pending": keep("pending")}


def remove(*paths: Path) -> None:
    for path in paths:
        shutil.rmtree(path) if path.is_dir() else path.unlink(missing_ok=True)


def put_back_older(saved: dict[str, Path]) -> None:
    remove(*(DATA / name for name in LOG_FILES))
    for name in LOG_FILES:
        if (saved["older"] / "data" / name).exists():
            shutil.copy2(saved["older"] / "data" / name, DATA / name)


def change_signature(_saved) -> None:
    with sqlite3.connect(LOG) as db:
        db.execute("UPDATE state SET sig = ? WHERE key = 'config'", ("0" * 32,))


CASES: list[tuple[str, str | None, Callable[[dict[str, Path]], None]]] = [
    ("first start (nothing on record)", None, lambda saved: None),
    ("in order (a looser config waiting)", "pending", lambda saved: None),
    ("log deleted", "pending", lambda saved: remove(*(DATA / n for n in LOG_FILES))),
    ("secret deleted", "pending", lambda saved: remove(DATA / "secret")),
    ("signature changed", "pending", change_signature),
    ("older log put back (rollback)", "pending", put_back_older),
    ("whole data directory deleted", "pending", lambda saved: remove(*DATA.iterdir())),
]


def run_case(saved: dict[str, Path], base: str | None, change, rounds: int) -> dict:
    starts, checks, writes, paused, noted = [], [], [], [], []
    for _ in range(rounds):
        restore(saved[base] if base else None)
        change(saved)
        checking = Timer(ledger.Ledger, "start")
        writing = Timer(ledger, "write_file")
        begin = time.perf_counter()
        try:
            agent = start(LOOSE)
            agent.settle()
            starts.append(time.perf_counter() - begin)
        finally:
            checking.stop()
            writing.stop()
        checks.append(checking.spent)
        writes.append(writing.spent)
        paused.append(agent.policy.decide("https://www.instagram.com/casey.lindqvist/").blocked
                      and agent.policy.decide("https://tinder.com/").blocked)
        noted.append(any(kind == "tampered" for _, kind, _ in agent.urges.events()))
        agent.close()
    return {"start": statistics.median(starts), "checks": statistics.median(checks),
            "writes": statistics.median(writes), "paused": all(paused), "noted": all(noted)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--urges", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--small", action="store_true", help="a CI-sized run: 500 urges, 3 rounds")
    args = parser.parse_args(argv)
    if args.small:
        args.urges, args.rounds = 500, 3
    try:
        saved = prepare(args.urges)
        results = [(name, run_case(saved, base, change, args.rounds)) for name, base, change in CASES]
    finally:
        shutil.rmtree(WORK, ignore_errors=True)

    rows = [(name, f"{r['start'] * 1000:.1f}", f"{r['checks'] * 1000:.2f}", f"{r['writes'] * 1000:.2f}",
             "yes" if r["paused"] else "no", "yes" if r["noted"] else "no") for name, r in results]
    print(f"A log of {args.urges} urges; medians of {args.rounds} starts; the record's copies in {highwater.FILE}.")
    print(tabulate(rows, headers=["bench.rollback: start with", "start, ms", "checking the record, ms",
                                  "writing its copies, ms", "paused at once", "guard note"]))
    tampered = [r for name, r in results if not name.startswith(("first start", "in order"))]
    if all(r["paused"] and r["noted"] for r in tampered) and not results[0][1]["noted"]:
        print("sanity: every rollback or deletion kept the looser config waiting, and said so.")
        return 0
    print("sanity: FAILED (a case opened at once or went unnoted)")
    return 1


if __name__ == "__main__":
    sys.exit(main())
