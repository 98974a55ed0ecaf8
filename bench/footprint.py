"""What nocontact costs while nothing happens: `python -m bench.footprint [--seconds S] [--small]`.

Both always-on processes are started as the installed services start them, each in a fresh data
directory, on free loopback ports:

- the PAC service (`nocontact pac-server`): its resident memory (RSS) after it has served the
  PAC file once, and the modules it imported (`-X importtime` counts them);
- the agent (`nocontact run`, on the shipped default config): its RSS once it is ready and has
  settled, and its CPU time (user + system) and voluntary context switches (how often it woke)
  over S idle seconds, as a share of one core and per second.

Nothing timed is asserted; the figures are printed. The machine is shared with whatever else runs,
so they are for comparison between versions, not absolute.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import psutil
from tabulate import tabulate

MiB = 1024 * 1024


def _start(argv: list[str], home: Path, ready: str, *, importtime: bool = False) -> tuple[subprocess.Popen, str]:
    """Start `nocontact ARGV`; the line it prints once ready."""
    env = {**os.environ, "NOCONTACT_HOME": str(home)}
    env.pop("NOCONTACT_SERVICE", None)
    flags = ["-X", "importtime"] if importtime else []
    process = subprocess.Popen([sys.executable, *flags, "-m", "agent", *argv], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE if importtime else subprocess.STDOUT, text=True, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            raise SystemExit(f"nocontact {argv[0]} stopped before it was ready")
        if line.startswith(ready):
            return process, line
    raise SystemExit(f"nocontact {argv[0]} was not ready within a minute")


def _stop(process: subprocess.Popen) -> str:
    process.terminate()
    try:
        _, err = process.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        _, err = process.communicate()
    return err or ""


def pac_service(home: Path) -> dict:
    process, line = _start(["pac-server", "--port", "0"], home, "Serving", importtime=True)
    try:
        url = line.split(" at ", 1)[1].split(" ", 1)[0]
        with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(url, timeout=10) as answer:
            served = answer.read()
        rss = psutil.Process(process.pid).memory_info().rss
    finally:
        imports = _stop(process)
    modules = [row.rsplit("|", 1)[1].strip() for row in imports.splitlines() if row.startswith("import time:")][1:]
    return {"rss": rss, "served": len(served), "modules": modules}


def _wakeups(process: psutil.Process) -> int:
    """Voluntary context switches of every thread (Linux reads them per thread; elsewhere psutil's figure)."""
    tasks = Path(f"/proc/{process.pid}/task")
    if not tasks.is_dir():
        return process.num_ctx_switches().voluntary
    total = 0
    for task in tasks.iterdir():
        try:
            status = (task / "status").read_text()
        except OSError:
            continue  # a thread that ended meanwhile
        total += int(status.split("voluntary_ctxt_switches:", 1)[1].split()[0])
    return total


def idle_agent(home: Path, settle: float, seconds: float) -> dict:
    process, _ = _start(["run", "--port", "0", "--pages-port", "0"], home, "nocontact is running.")
    try:
        watched = psutil.Process(process.pid)
        time.sleep(settle)  # past the start: the CA, the first PAC file, the first look at processes
        cpu, switches, started = sum(watched.cpu_times()[:2]), _wakeups(watched), time.monotonic()
        time.sleep(seconds)
        elapsed = time.monotonic() - started
        used = sum(watched.cpu_times()[:2]) - cpu
        woke = _wakeups(watched) - switches
        rss = watched.memory_info().rss
        threads = watched.num_threads()
    finally:
        _stop(process)
    return {"rss": rss, "cpu": used / elapsed, "wakeups": woke / elapsed, "seconds": elapsed, "threads": threads}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="idle period measured (default 60)")
    parser.add_argument("--settle", type=float, default=5.0, help="wait after the agent is ready (default 5)")
    parser.add_argument("--small", action="store_true", help="a CI-sized run: 2 s settle, 3 s idle")
    args = parser.parse_args(argv)
    if args.small:
        args.settle, args.seconds = 2.0, 3.0

    with tempfile.TemporaryDirectory(prefix="nocontact-bench-") as folder:
        pac = pac_service(Path(folder) / "pac")
        agent = idle_agent(Path(folder) / "agent", args.settle, args.seconds)

    heavy = [m for m in ("mitmproxy", "pydantic", "psutil", "phonenumbers", "cryptography", "yaml", "asyncio")
             if m in pac["modules"]]
    rows = [
        ("PAC service: resident memory, MiB", f"{pac['rss'] / MiB:.1f}", "<= 20"),
        ("PAC service: modules imported", len(pac["modules"]), ""),
        ("PAC service: large packages imported", ", ".join(heavy) or "none", ""),
        ("idle agent: resident memory, MiB", f"{agent['rss'] / MiB:.1f}", ""),
        (f"idle agent: CPU over {agent['seconds']:.0f} s, share of one core", f"{agent['cpu'] * 100:.2f} %", "<= 0.2 %"),
        ("idle agent: wakeups (voluntary switches) per second", f"{agent['wakeups']:.1f}", ""),
        ("idle agent: threads", agent["threads"], ""),
    ]
    print(tabulate(rows, headers=["bench.footprint", "figure", "target"]))
    print(f"sanity: the PAC service served its file ({pac['served']} bytes) and the agent ran idle.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
