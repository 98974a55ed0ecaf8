"""Benchmark of the process watcher: `python -m bench.watcher [--processes N] [--ticks N] [--small]`.

What is measured, with real processes and the real psutil watcher:

- cost: N live processes are spawned (copies of `sleep`), the watcher's first
  tick reads them all, then each later tick lists the process ids and reads
  only new ones. CPU time (user + system of this process, from
  resource.getrusage) per tick is printed, and per second at the default
  period of 1 s (the share of one core).
- detection: a copy of `sleep` named like a barred app (signal-desktop) is
  started at a random moment inside a tick period, with the watcher ticking
  every 1 s as the agent does; the delay from the start to the tick that
  reports it is printed (target <= 1.5 s), over several runs.

Nothing timed is asserted; the figures are printed.
"""

from __future__ import annotations

import argparse
import random
import resource
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from tabulate import tabulate

from agent.apps import AppMatcher, load_presets, rules_from_config
from agent.watcher import Watcher

PERIOD = 1.0


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def spawn(count: int, folder: Path) -> list[subprocess.Popen]:
    sleeper = shutil.which("sleep")
    return [subprocess.Popen([sleeper, "600"]) for _ in range(count)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", type=int, default=1000)
    parser.add_argument("--ticks", type=int, default=30)
    parser.add_argument("--detections", type=int, default=5)
    parser.add_argument("--small", action="store_true", help="a CI-sized run: 100 processes, 10 ticks, 2 detections")
    args = parser.parse_args(argv)
    if args.small:
        args.processes, args.ticks, args.detections = 100, 10, 2

    matcher = AppMatcher(rules_from_config(["whatsapp", "telegram", "signal", "discord"], load_presets()))
    watcher = Watcher(matcher, watches=lambda host: host.endswith("instagram.com"))
    folder = Path(tempfile.mkdtemp(prefix="nocontact-bench-"))
    children = spawn(args.processes, folder)
    try:
        time.sleep(0.5)
        start = cpu_seconds()
        watcher.scan()
        first_tick = cpu_seconds() - start
        costs = []
        for _ in range(args.ticks):
            start = cpu_seconds()
            watcher.scan()
            costs.append(cpu_seconds() - start)
        per_tick = statistics.mean(costs)

        barred = folder / "signal-desktop"
        shutil.copy(shutil.which("sleep"), barred)
        detection = []
        tick_at = time.monotonic()  # the watcher ticks on a fixed schedule, as the agent does
        for _ in range(args.detections):
            start_at = tick_at + random.uniform(0, PERIOD)  # the app starts somewhere inside a period
            child = started = None
            while True:
                tick_at += PERIOD
                if child is None and start_at <= tick_at:
                    time.sleep(max(0.0, start_at - time.monotonic()))
                    child, started = subprocess.Popen([str(barred), "600"]), time.monotonic()
                time.sleep(max(0.0, tick_at - time.monotonic()))
                found = watcher.scan()
                if child is not None and any(p.pid == child.pid for _, p in found.apps):
                    detection.append(time.monotonic() - started)
                    break
            child.kill()
            child.wait()
    finally:
        for child in children:
            child.kill()
        for child in children:
            child.wait()
        shutil.rmtree(folder, ignore_errors=True)

    rows = [
        ("live processes", args.processes, ""),
        ("first tick (reads every process), ms CPU", f"{first_tick * 1000:.1f}", "once, at start"),
        ("later ticks, ms CPU per tick (mean)", f"{per_tick * 1000:.2f}", ""),
        ("share of one core at a 1 s period", f"{per_tick / PERIOD * 100:.2f} %", "<= 1 %"),
        ("detection of a new barred app, s (max)", f"{max(detection):.2f}", "<= 1.5 s"),
        ("detection, s (each run)", ", ".join(f"{d:.2f}" for d in detection), ""),
    ]
    print(tabulate(rows, headers=["bench.watcher", "figure", "target"]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
