"""Slow-client floods and hostile YAML: `python -m bench.flood [--clients N] [--seconds S] [--small]`.

Any local process can open connections to nocontact's loopback ports and never finish
a request. This measures how long a fresh, well-formed request waits for its answer
while N such slow clients hang on:

- (a) the PAC service (`nocontact pac-server`, a subprocess, as installed): a fresh
  GET /proxy.pac;
- (b) the pages port of a running agent (`nocontact run`, a subprocess): a fresh GET /
  on the pages port, and a request through the proxy to a blocked site (answered by
  the agent itself with the gentle page: no upstream, no DNS, no internet).

Each slow client connects, sends part of a request head, and then one more byte
every second (a slowloris). Fresh requests are sampled every 0.2 s for S seconds
while the flood holds; the table shows the median and the slowest, how many slow
clients the server let go (closed) and the server's open files and threads. The
log of each server is searched for tracebacks.

(c) hostile YAML: the time and peak memory (tracemalloc) to refuse a "billion laughs"
config, a self-referencing one and a deeply nested one.

The flood and the servers share the machine: the figures are for comparison
between versions, not absolute.
"""

from __future__ import annotations

import argparse
import http.client
import resource
import selectors
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from pathlib import Path

import psutil
from tabulate import tabulate

from bench.proxy import ROOT, free_port, stop, wait_listening

REQUEST_TIMEOUT = 10.0
CONFIG = "block:\n  dating: false\n  people_search: false\n  viewers: false\n  sites: [watched-site.test]\n"
PAC = 'function FindProxyForURL(url, host) { return "DIRECT"; }\n'


def raise_own_limit(wanted: int) -> int:
    """This process holds the slow clients' sockets: allow it enough files."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


class Flood:
    """N slow clients on one port, each with an unfinished request head, one byte more every second."""

    def __init__(self, port: int, count: int, path: str, connect_seconds: float = 5.0):
        self.sockets: list[socket.socket] = []
        self.dropped = 0
        head = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nX-Slow: ".encode()
        pending = selectors.DefaultSelector()
        for _ in range(count):  # connected all at once, as an attacker would
            sock = socket.socket()
            sock.setblocking(False)
            sock.connect_ex(("127.0.0.1", port))
            pending.register(sock, selectors.EVENT_WRITE)
        deadline = time.monotonic() + connect_seconds
        while pending.get_map() and time.monotonic() < deadline:
            for key, _ in pending.select(0.1):
                sock = key.fileobj
                pending.unregister(sock)
                try:
                    if sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0 and sock.send(head) == len(head):
                        self.sockets.append(sock)
                        continue
                except OSError:
                    pass
                sock.close()
        for key in list(pending.get_map().values()):
            key.fileobj.close()
        pending.close()
        self.connected = len(self.sockets)
        self.failed = count - self.connected
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._trickle, daemon=True)
        self._thread.start()

    def _trickle(self) -> None:
        while not self._stop.wait(1.0):
            for sock in list(self.sockets):
                try:
                    sock.send(b"a")
                except OSError:  # the server let it go
                    self.sockets.remove(sock)
                    self.dropped += 1
                    sock.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        for sock in self.sockets:
            try:
                if sock.recv(1) == b"":
                    self.dropped += 1
            except OSError as err:
                self.dropped += not isinstance(err, BlockingIOError)
            sock.close()


def timed(port: int, method: str, url: str, host: str, expect: int) -> float | None:
    """Seconds until the whole answer arrived; None when it did not come (or was not `expect`)."""
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
    try:
        connection.request(method, url, headers={"Host": host})
        reply = connection.getresponse()
        reply.read()
        return time.perf_counter() - started if reply.status == expect else None
    except OSError:
        return None
    finally:
        connection.close()


def sample(checks: dict[str, callable], seconds: float) -> dict[str, list[float | None]]:
    found: dict[str, list[float | None]] = {name: [] for name in checks}
    deadline = time.monotonic() + seconds
    while True:
        for name, check in checks.items():
            found[name].append(check())
        if time.monotonic() >= deadline:
            return found
        time.sleep(0.2)


def figure(times: list[float | None]) -> str:
    answered = [t for t in times if t is not None]
    if not answered:
        return f"no answer ({len(times)} tries)"
    text = f"{statistics.median(answered) * 1000:.1f} / {max(answered) * 1000:.1f} ms"
    missing = len(times) - len(answered)
    return text + (f", {missing} of {len(times)} unanswered" if missing else "")


def under_flood(proc: subprocess.Popen, port: int, path: str, count: int, seconds: float,
                checks: dict[str, callable]) -> tuple[list[list], bool]:
    server = psutil.Process(proc.pid)
    before = sample(checks, 0.0)
    flood = Flood(port, count, path)
    server.cpu_percent()
    try:
        during = sample(checks, seconds)
        cpu = server.cpu_percent()
        files, threads = server.num_fds(), server.num_threads()
    finally:
        flood.close()
    rows = [[name, figure(before[name]), figure(during[name])] for name in checks]
    rows[0] += [f"{flood.connected} ({flood.failed} not connected)", flood.dropped, files, threads,
                f"{cpu:.0f}%"]
    every = all(t is not None for times in (*before.values(), *during.values()) for t in times)
    return rows, every


def launch(home: Path, command: list[str], port: int, log: Path, files: int) -> subprocess.Popen:
    """`nocontact <command>` in its own process, with the open-file limit of a usual desktop session."""
    def limit() -> None:
        hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
        resource.setrlimit(resource.RLIMIT_NOFILE, (files, hard))

    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "agent", "--home", str(home), *command], cwd=ROOT,
                                env={"PATH": "/usr/bin:/bin", "NOCONTACT_HOME": str(home),
                                     "NOCONTACT_GUARD_HOME": str(home.parent / "guard")}, stdin=subprocess.DEVNULL,
                                stdout=out, stderr=subprocess.STDOUT, preexec_fn=limit)
    try:
        wait_listening(proc, port, log)
    except RuntimeError:
        stop([proc])
        raise
    return proc


def tracebacks(log: Path) -> int:
    return log.read_text(errors="replace").count("Traceback")


def pac_service(folder: Path, count: int, seconds: float, files: int) -> tuple[list[list], bool]:
    home = folder / "pac"
    home.mkdir()
    (home / "proxy.pac").write_text(PAC)
    port, log = free_port(), folder / "pac.log"
    procs = [launch(home, ["pac-server", "--port", str(port)], port, log, files)]
    host = f"127.0.0.1:{port}"
    try:
        rows, every = under_flood(procs[0], port, "/proxy.pac", count, seconds, {
            "(a) PAC service: fresh GET /proxy.pac": lambda: timed(port, "GET", "/proxy.pac", host, 200)})
    finally:
        stop(procs)
    rows[0].append(tracebacks(log))
    return rows, every


def pages_port(folder: Path, count: int, seconds: float, files: int) -> tuple[list[list], bool]:
    home = folder / "agent"
    home.mkdir()
    (home / "config.yaml").write_text(CONFIG)
    proxy, pages, log = free_port(), free_port(), folder / "agent.log"
    procs = [launch(home, ["run", "--port", str(proxy), "--pages-port", str(pages)], pages, log, files)]
    host = f"127.0.0.1:{pages}"
    try:
        rows, every = under_flood(procs[0], pages, "/", count, seconds, {
            "(b) pages port: fresh GET /": lambda: timed(pages, "GET", "/", host, 200),
            "(b) the proxy meanwhile: a blocked site": lambda: timed(
                proxy, "GET", "http://watched-site.test/", "watched-site.test", 403)})
    finally:
        stop(procs)
    rows[0].append(tracebacks(log))
    return rows, every


def laughs(levels: int, fan: int = 9) -> str:
    lines = ['a: &a0 "lol"']
    for level in range(1, levels + 1):
        lines.append(f"a{level}: &a{level} [{', '.join([f'*a{level - 1}'] * fan)}]")
    return "\n".join(lines) + "\n"


def refusal(text: str) -> list:
    from agent import yamlmarks

    tracemalloc.start()
    started = time.perf_counter()
    try:
        yamlmarks.load(text)
        outcome = "read (not refused)"
    except yamlmarks.YamlError as err:
        outcome = f"refused, line {err.line}: {err.message[:60]}"
    except RecursionError:
        outcome = "RecursionError (not refused)"
    took = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return [f"{len(text.encode())} bytes", f"{took * 1000:.1f} ms", f"{peak / 1024:.0f} KiB", outcome]


def hostile_yaml(levels: int, depth: int) -> list[list]:
    return [
        [f"billion laughs ({levels} levels of 9)", *refusal(laughs(levels))],
        ["a list that holds itself", *refusal("people: &p [*p]\n")],
        [f"nested {depth} deep", *refusal("a: " + "[" * depth + "]" * depth + "\n")],
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--clients", type=int, default=5000, help="slow clients per flood (default 5000)")
    parser.add_argument("--seconds", type=float, default=5.0, help="how long each flood holds (default 5)")
    parser.add_argument("--laughs", type=int, default=9, help="levels of the billion-laughs file (default 9)")
    parser.add_argument("--server-files", type=int, default=1024,
                        help="the servers' open-file limit when they start (default 1024, a usual desktop's)")
    parser.add_argument("--small", action="store_true", help="a quick run: 200 clients, 1 second")
    args = parser.parse_args()
    if args.small:
        args.clients, args.seconds, args.laughs = 200, 1.0, 6
    limit = raise_own_limit(args.clients + 256)
    clients = min(args.clients, limit - 256)
    every = True
    with tempfile.TemporaryDirectory(prefix="nocontact-flood-") as tmp:
        table = []
        for scenario in (pac_service, pages_port):
            rows, answered = scenario(Path(tmp), clients, args.seconds, args.server_files)
            table += rows
            every &= answered
    print(f"{clients} slow clients per flood, held {args.seconds:g} s; the servers start with an open-file limit of "
          f"{args.server_files}; fresh requests: median / slowest")
    print(tabulate(table, headers=["request", "before the flood", "during the flood", "slow clients",
                                   "let go", "server files", "threads", "server CPU", "tracebacks"]))
    print()
    print(tabulate(hostile_yaml(args.laughs, 100_000 if not args.small else 5_000),
                   headers=["config", "size", "time", "peak memory", "outcome"]))
    print()
    if every:
        print("sanity: every fresh request was answered, before and during the floods.")
    else:
        print("sanity: SOME FRESH REQUESTS WERE NOT ANSWERED.")
    return 0 if every else 1


if __name__ == "__main__":
    sys.exit(main())
