"""Throughput benchmark: `python -m bench.proxy [--seconds S] [--concurrency C] [--rounds R] [--small]`.

Requests per second through plain `mitmdump` versus through `nocontact run`,
on the same machine, against the same local origin, in one run:

- the origin is tests/origins.py's start_origin (HTTP and HTTPS, any Host),
  running in this process, with TCP_NODELAY on its connections;
- both proxies run as subprocesses on free loopback ports, each with the
  bench/route.py script addon that answers every host name with the origin's
  loopback address, so upstream connections are reused as they would be on
  the internet, and no DNS or internet is touched: `mitmdump -s bench/route.py` and
  `python -m agent run ... --set scripts=bench/route.py` (NOCONTACT_HOME is a
  temporary directory; the config has one person with an Instagram profile
  and dating on, so www.instagram.com is a watched host);
- the load generator is C client threads, each with one persistent
  keep-alive connection (http.client; HTTPS through a CONNECT tunnel with an
  unverified context). Each connection makes one untimed warm-up request
  (TLS handshake, certificate generation), then all count completed requests
  for the measuring window;
- scenarios: (a) allowed on a watched host over HTTP, (b) the same over
  HTTPS, (c) the person's profile over HTTPS: nocontact blocks it (403 page,
  urge logged), plain mitmdump forwards it to the origin. Each scenario is
  measured in R rounds per proxy, alternating which proxy goes first, S/R
  seconds each, so slow drift of the machine hits both alike.

Response statuses are counted and checked (200 with the origin's page when
allowed, 403 when nocontact blocks), so a proxy that fails fast cannot look
fast. The client shares the machine with the proxies: the absolute figures
mean little, the ratio nocontact/mitmdump is what counts.
"""

from __future__ import annotations

import argparse
import http.client
import os
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from tabulate import tabulate

from tests.origins import start_origin

ROOT = Path(__file__).resolve().parent.parent
ROUTE = Path(__file__).resolve().parent / "route.py"
HANDLE = "casey.lindqvist"
CONFIG = f"""
people:
  - alias: "J"
    profiles: [https://www.instagram.com/{HANDLE}/]
block:
  dating: true
"""
# (name, URL, expected status through mitmdump, through nocontact, target ratio)
SCENARIOS = [
    ("(a) allowed, watched host, HTTP keep-alive", "http://www.instagram.com/someone.else/", 200, 200, 0.95),
    ("(b) allowed, watched host, HTTPS keep-alive", "https://www.instagram.com/someone.else/", 200, 200, 0.95),
    ("(c) the person's profile, HTTPS keep-alive", f"https://www.instagram.com/{HANDLE}/", 200, 403, 1.0),
]
START_TIMEOUT = 30.0
REQUEST_TIMEOUT = 10.0
MAX_ERRORS = 50  # per worker and window: then it stops instead of spinning


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_listening(proc: subprocess.Popen, port: int, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args[0]} exited with {proc.returncode}:\n{log.read_text()[-2000:]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on port {port} after {START_TIMEOUT:.0f} s:\n{log.read_text()[-2000:]}")


def start(cmd: list[str], port: int, log: Path, env: dict[str, str], procs: list[subprocess.Popen]) -> None:
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
    procs.append(proc)
    wait_listening(proc, port, log)


def stop(procs: list[subprocess.Popen]) -> None:
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
    for proc in procs:
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


# --- load generator ------------------------------------------------------------


@dataclass
class Window:
    requests: int = 0
    seconds: float = 0.0
    statuses: Counter = field(default_factory=Counter)
    bad_bodies: int = 0

    def add(self, other: Window) -> None:
        self.requests += other.requests
        self.seconds += other.seconds
        self.statuses.update(other.statuses)
        self.bad_bodies += other.bad_bodies

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def connect(proxy: int, url: str) -> tuple[http.client.HTTPConnection, str]:
    """A keep-alive connection through the proxy, and the request target to send on it."""
    scheme, rest = url.split("://", 1)
    host, _, path = rest.partition("/")
    if scheme == "https":
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        conn = http.client.HTTPSConnection("127.0.0.1", proxy, context=context, timeout=REQUEST_TIMEOUT)
        conn.set_tunnel(host, 443)
        return conn, "/" + path
    return http.client.HTTPConnection("127.0.0.1", proxy, timeout=REQUEST_TIMEOUT), url


def one(conn: http.client.HTTPConnection, target: str) -> tuple[int, bytes]:
    conn.request("GET", target, headers={"Accept": "text/html", "Connection": "keep-alive"})
    response = conn.getresponse()
    return response.status, response.read()


def measure(proxy: int, url: str, seconds: float, concurrency: int) -> Window:
    """Requests completed by `concurrency` keep-alive clients in `seconds`."""
    conns = [connect(proxy, url) for _ in range(concurrency)]
    for conn, target in conns:
        one(conn, target)  # warm-up, untimed
    barrier = threading.Barrier(concurrency + 1)
    windows = [Window() for _ in conns]
    deadline = [0.0]

    def worker(i: int) -> None:
        conn, target = conns[i]
        window, errors = windows[i], 0
        barrier.wait()
        while time.perf_counter() < deadline[0] and errors < MAX_ERRORS:
            try:
                status, body = one(conn, target)
            except (OSError, http.client.HTTPException):
                errors += 1
                window.statuses["error"] += 1
                conn.close()
                conn, target = connect(proxy, url)
                continue
            window.requests += 1
            window.statuses[status] += 1
            if status == 200 and b"origin page" not in body:
                window.bad_bodies += 1
        conn.close()

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(concurrency)]
    for thread in threads:
        thread.start()
    deadline[0] = time.perf_counter() + seconds
    barrier.wait()
    begin = time.perf_counter()
    for thread in threads:
        thread.join(seconds + 2 * REQUEST_TIMEOUT)
    total = Window(seconds=time.perf_counter() - begin)
    for window in windows:
        total.add(Window(window.requests, 0.0, window.statuses, window.bad_bodies))
    return total


# --- the run -----------------------------------------------------------------------


def run(seconds: float, concurrency: int, rounds: int) -> int:
    procs: list[subprocess.Popen] = []
    servers = []
    with tempfile.TemporaryDirectory(prefix="nocontact-bench-") as tmp_name:
        tmp = Path(tmp_name)
        try:
            origin, servers = start_origin(tmp)
            for server in servers:
                # The origin writes headers and body in two sends; with Nagle on, a reused
                # connection then waits ~40 ms for a delayed ACK on every response.
                server.RequestHandlerClass.disable_nagle_algorithm = True
            env = dict(os.environ, NOCONTACT_BENCH_ORIGIN=f"{origin.http_port},{origin.https_port}",
                       NOCONTACT_HOME=str(tmp / "home"), NOCONTACT_GUARD_HOME=str(tmp / "guard"), PYTHONPATH=str(ROOT))
            (tmp / "config.yaml").write_text(CONFIG)
            mitm_port, noc_port = free_port(), free_port()
            start([shutil.which("mitmdump") or "mitmdump", "--listen-host", "127.0.0.1", "--listen-port", str(mitm_port),
                   "-q", "--set", "connection_strategy=lazy", "--set", "ssl_insecure=true",
                   "--set", f"confdir={tmp / 'mitm-conf'}", "-s", str(ROUTE)],
                  mitm_port, tmp / "mitmdump.log", env, procs)
            start([sys.executable, "-m", "agent", "run", "--config", str(tmp / "config.yaml"),
                   "--port", str(noc_port), "--pages-port", str(free_port()),
                   "--set", "ssl_insecure=true", "--set", f"scripts={ROUTE}"],
                  noc_port, tmp / "nocontact.log", env, procs)
            proxies = {"mitmdump": mitm_port, "nocontact": noc_port}

            print(f"bench.proxy: {concurrency} keep-alive client threads, {seconds:g} s per scenario and proxy "
                  f"in {rounds} alternating rounds; {os.cpu_count()} CPUs shared by client, origin and proxy.")
            print("The client and origin share the machine with the proxy: the absolute req/s mean little, "
                  "the ratio nocontact/mitmdump is what counts.\n")
            rows, failed = [], []
            for name, url, want_mitm, want_noc, target in SCENARIOS:
                totals = {"mitmdump": Window(), "nocontact": Window()}
                for r in range(rounds):
                    order = ["mitmdump", "nocontact"] if r % 2 == 0 else ["nocontact", "mitmdump"]
                    for proxy in order:
                        totals[proxy].add(measure(proxies[proxy], url, seconds / rounds, concurrency))
                m, n = totals["mitmdump"], totals["nocontact"]
                for proxy, window, want in (("mitmdump", m, want_mitm), ("nocontact", n, want_noc)):
                    if set(window.statuses) != {want} or window.bad_bodies:
                        failed.append(f"{name} via {proxy}: expected only {want}, got {dict(window.statuses)}"
                                      + (f", {window.bad_bodies} bodies not from the origin" if window.bad_bodies else ""))
                ratio = n.rate / m.rate if m.rate else float("nan")
                rows.append([name, f"{m.rate:,.0f}", f"{n.rate:,.0f}", f"{ratio:.2f}x", f">= {target:.2f}x",
                             _statuses(m), _statuses(n)])
            print(tabulate(rows, headers=["scenario", "mitmdump req/s", "nocontact req/s", "ratio", "target",
                                          "mitmdump statuses", "nocontact statuses"]))
            print(f"\n{SCENARIOS[2][0]}: mitmdump forwards the request to the origin; nocontact answers it itself "
                  "(the calm page, after logging the urge).")
            if failed:
                print("\nSANITY FAILED:\n  " + "\n  ".join(failed))
            else:
                print("sanity: every response had the expected status (and 200s came from the origin).")
            return 1 if failed else 0
        finally:
            stop(procs)
            for server in servers:
                server.shutdown()
                server.server_close()


def _statuses(window: Window) -> str:
    return ", ".join(f"{k}: {v}" for k, v in sorted(window.statuses.items(), key=str))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.proxy", description=__doc__.split("\n", 1)[0])
    parser.add_argument("--seconds", type=float, help="measuring time per scenario and proxy (default 5; --small 1)")
    parser.add_argument("--concurrency", type=int, help="client threads, one connection each (default 4; --small 2)")
    parser.add_argument("--rounds", type=int, help="alternating rounds per scenario (default 4; --small 2)")
    parser.add_argument("--small", action="store_true", help="CI-sized run")
    args = parser.parse_args(argv)
    seconds = args.seconds or (1.0 if args.small else 5.0)
    concurrency = args.concurrency or (2 if args.small else 4)
    rounds = args.rounds or (2 if args.small else 4)
    return run(seconds, concurrency, max(1, rounds))


if __name__ == "__main__":
    sys.exit(main())
