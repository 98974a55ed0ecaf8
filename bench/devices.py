"""A phone's traffic through its WireGuard tunnel: `python -m bench.devices [--megabytes M] [--rounds R]
[--connections N] [--small]`.

What the agent costs a device, against plain `mitmdump --mode wireguard --set ignore_hosts=.*` (every
connection passed through untouched: the fair comparison), in the same run, on this machine:

- phones are real WireGuard clients (wireguard-go) in network namespaces of their own (tests/phone.py); one
  joins the agent (`nocontact run` in a subprocess, its own NOCONTACT_HOME, the config of bench.proxy: one
  person with an Instagram profile, dating on), another joins plain mitmdump (a subprocess too);
- the origin is a small HTTPS server in this process on the first phone's origin address, reachable only
  through a tunnel, and on the host end of its link, reachable from the phone with no tunnel at all (the floor).
  Its host name news.test is watched by no rule, so the agent passes it through undecrypted; curl checks the
  origin's own certificate, so a decrypted connection would fail;
- (1) throughput: curl in the phone fetches M MB over one connection, in R rounds, the order of the ways flipping
  each round. Many shorter rounds cancel the machine's drift better than a few long ones: the default is 16
  rounds of 50 MB, 800 MB through each tunnel. The direct fetch is the ceiling. Besides the ratio of the totals,
  the median of the rounds' ratios (each round's two fetches ran side by side in time);
- (2) added latency of a new connection: time to first byte of N short HTTPS requests, each on a new TCP
  connection with a full TLS handshake with the origin (curl --no-sessionid), in batches of 10 taking turns the
  same way; p50 and p99 for each way, and the differences;
- (3) CPU per 100 Mbit/s: each proxy's CPU time (user + system of all its threads, psutil) over its fetches, per
  12.5 MB moved: the share of one core it would need to move 100 Mbit/s;
- (4) the agent's resident memory (RSS) with its 3 devices (added before it starts) connected: three phones join,
  each its own device, and each makes a request through its own tunnel; again after the runs, beside plain
  mitmdump's.

curl, wireguard-go, the origin and the proxies share the machine: the absolute figures mean little, the ratios
are what counts, and CPU per byte is the steadiest of them. MB is 10^6 bytes, MiB 2^20. Needs root (network
namespaces), wireguard-go, wg, ip and curl.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import psutil
from tabulate import tabulate

from agent import devices
from tests.origins import make_cert
from tests.phone import Phone, missing

ROOT = Path(__file__).resolve().parent.parent
HOST = "news.test"  # no rule watches it: passed through, never decrypted
CONFIG = """
people:
  - alias: "J"
    profiles: [https://www.instagram.com/casey.lindqvist/]
block:
  dating: true
"""
CHUNK = os.urandom(1 << 20)
START_TIMEOUT = 60.0
MB, MiB = 1e6, 1024 * 1024
DEVICES = 3
BATCH = 10  # new connections a curl makes in a row before the next way has its turn


# --- the origin ----------------------------------------------------------------------


class Handler(BaseHTTPRequestHandler):
    """GET /bytes/N answers N bytes; anything else a few. Every answer closes its connection."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def do_GET(self) -> None:
        size = int(self.path.rsplit("/", 1)[1]) if self.path.startswith("/bytes/") else 3
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(size))
        self.send_header("Connection", "close")
        self.end_headers()
        view, left = memoryview(CHUNK), size
        while left > 0:
            self.wfile.write(view[:min(left, len(CHUNK))])
            left -= len(CHUNK)

    def log_message(self, *args) -> None:
        pass


def start_origin(folder: Path, addresses: list[str]) -> tuple[dict[str, int], list[ThreadingHTTPServer], Path]:
    """An HTTPS origin on each address: {address: port}, the servers, and the certificate to trust."""
    cert, key = make_cert(folder)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    ports, servers = {}, []
    for address in addresses:
        server = ThreadingHTTPServer((address, 0), Handler)
        server.socket = context.wrap_socket(server.socket, server_side=True)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        ports[address] = server.server_address[1]
        servers.append(server)
    return ports, servers, cert


# --- the proxies -----------------------------------------------------------------------


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("0.0.0.0", 0))
        return probe.getsockname()[1]


def wait_for(what: str, check, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while not check():
        if process.poll() is not None or time.monotonic() > deadline:
            ended = f"ended with {process.returncode}" if process.poll() is not None else "is still starting"
            raise SystemExit(f"{what}: {process.args[2:5]} {ended}:\n{log.read_text(errors='replace')[-2000:]}")
        time.sleep(0.05)


def udp_bound(process: subprocess.Popen, port: int) -> bool:
    with contextlib.suppress(psutil.Error):
        return any(c.laddr and c.laddr.port == port for c in psutil.Process(process.pid).net_connections("udp"))
    return False


def launch(argv: list[str], log: Path, env: dict[str, str], procs: list[subprocess.Popen]) -> subprocess.Popen:
    with log.open("wb") as out:
        process = subprocess.Popen([sys.executable, *argv], cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
                                   stdout=out, stderr=subprocess.STDOUT)
    procs.append(process)
    return process


def start_plain(folder: Path, endpoint: str, env: dict[str, str], procs: list,
                sets: tuple[str, ...] = ()) -> tuple[subprocess.Popen, str]:
    """Plain mitmdump in WireGuard mode passing everything through; its process and a client config."""
    from mitmproxy_rs import wireguard

    keys = {"server_key": wireguard.genkey(), "client_key": wireguard.genkey()}
    (folder / "plain.json").write_text(json.dumps(keys))
    port = free_udp_port()
    process = launch(["-c", "from mitmproxy.tools.main import mitmdump; mitmdump()",
                      "--mode", f"wireguard:{folder / 'plain.json'}@0.0.0.0:{port}",
                      "--set", "ignore_hosts=.*", "--set", f"confdir={folder / 'mitm-conf'}",
                      "--set", "termlog_verbosity=warn", "--set", "flow_detail=0",  # as quiet as the agent
                      *(f"--set={s}" for s in sets)],
                     folder / "mitmdump.log", env, procs)
    wait_for("mitmdump", lambda: udp_bound(process, port), process, folder / "mitmdump.log")
    device = devices.Device("plain", port, endpoint, 0.0, keys["server_key"], keys["client_key"])
    return process, device.client_config()


def start_agent(folder: Path, endpoints: list[str], env: dict[str, str], procs: list,
                sets: tuple[str, ...] = ()) -> tuple[subprocess.Popen, list]:
    """`nocontact run` with one device for each endpoint (added before it starts); its process and the devices."""
    home = Path(env["NOCONTACT_HOME"])
    added = [devices.add(home, f"phone-{i + 1}", endpoint=host, port=free_udp_port())
             for i, host in enumerate(endpoints)]
    (folder / "config.yaml").write_text(CONFIG)
    log = folder / "nocontact.log"
    process = launch(["-m", "agent", "run", "--config", str(folder / "config.yaml"), "--port", "0",
                      "--pages-port", "0", *(f"--set={s}" for s in sets)], log, env, procs)
    wait_for("nocontact run", lambda: "nocontact is running." in log.read_text(errors="replace"), process, log)
    wait_for("the devices' listeners", lambda: all(udp_bound(process, d.port) for d in added), process, log)
    return process, added


def stop(procs: list[subprocess.Popen]) -> None:
    for process in procs:
        if process.poll() is None:
            process.terminate()
    for process in procs:
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


# --- what a phone measures ---------------------------------------------------------------


class Way:
    """One way from a phone to the origin: through a proxy's tunnel, or direct (no tunnel)."""

    def __init__(self, name: str, phone: Phone, address: str, port: int, cert: Path,
                 process: subprocess.Popen | None = None):
        self.name, self.phone, self.address, self.port, self.cert = name, phone, address, port, cert
        self.process = psutil.Process(process.pid) if process else None
        self.rates: list[float] = []  # bytes a second, one a fetch
        self.bytes = 0
        self.seconds = 0.0
        self.cpu = 0.0  # the proxy's, over its fetches
        self.first_bytes: list[float] = []
        self.failures: list[str] = []

    def curl(self, args: list[str], timeout: float) -> subprocess.CompletedProcess:
        return self.phone.run(["curl", "-sS", "--cacert", str(self.cert),
                               "--resolve", f"{HOST}:{self.port}:{self.address}", *args], timeout=timeout)

    def fetch(self, size: int) -> None:
        """One large body over one connection: its rate, and the proxy's CPU time meanwhile."""
        cpu = self._cpu()
        result = self.curl(["--max-time", "300", "-o", "/dev/null", "-w", "%{http_code} %{size_download} %{time_total}",
                            f"https://{HOST}:{self.port}/bytes/{size}"], timeout=310)
        self.cpu += self._cpu() - cpu
        status, got, seconds = (result.stdout.split() + ["0"] * 3)[:3]
        if result.returncode or status != "200" or int(got) != size:
            self.failures.append(f"fetch: status {status}, {got} of {size} bytes, curl {result.returncode} "
                                 f"{result.stderr.strip()[-300:]}")
            return
        self.rates.append(size / float(seconds))
        self.bytes += size
        self.seconds += float(seconds)

    def _cpu(self) -> float:
        return sum(self.process.cpu_times()[:2]) if self.process else 0.0

    def connect_many(self, count: int, timed: bool = True) -> None:
        """`count` short HTTPS requests, each on a new connection with a full handshake: time to first byte."""
        url = f"https://{HOST}:{self.port}/small"
        args = ["--no-sessionid", "-w", "%{http_code} %{time_starttransfer}\n"]
        for _ in range(count):
            args += ["-o", "/dev/null", url]
        result = self.curl(args, timeout=30 + count)
        answers = [line.split() for line in result.stdout.splitlines() if line.strip()]
        if timed:
            self.first_bytes += [float(t) * 1000 for status, t in answers if status == "200"]
        if result.returncode or len(answers) != count or any(status != "200" for status, _ in answers):
            self.failures.append(f"connections: {sum(s == '200' for s, _ in answers)} of {count} answered, "
                                 f"curl {result.returncode} {result.stderr.strip()[-300:]}")

    @property
    def rate(self) -> float:
        return self.bytes / self.seconds if self.seconds else 0.0

    def first_byte(self, share: float) -> float:
        """The time to first byte (ms) below which `share` of the connections came."""
        ordered = sorted(self.first_bytes)
        return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))] if ordered else float("nan")


def alternate(ways: list[Way], rounds: int, measure) -> None:
    """Each round measures every way; the order flips each round, so drift of the machine hits all alike."""
    for r in range(rounds):
        for way in ways if r % 2 == 0 else ways[::-1]:
            measure(way)


def rss(process: subprocess.Popen) -> float:
    return psutil.Process(process.pid).memory_info().rss / MiB


# --- the run -----------------------------------------------------------------------------


def run(megabytes: float, rounds: int, connections: int) -> int:
    size = int(megabytes * MB)
    procs: list[subprocess.Popen] = []
    servers: list[ThreadingHTTPServer] = []
    memory: list[tuple[str, float]] = []
    with tempfile.TemporaryDirectory(prefix="nocontact-bench-") as folder_name, contextlib.ExitStack() as stack:
        folder = Path(folder_name)
        env = {**os.environ, "NOCONTACT_HOME": str(folder / "home"), "NOCONTACT_GUARD_HOME": str(folder / "guard"),
               "PYTHONPATH": str(ROOT)}
        env.pop("NOCONTACT_SERVICE", None)
        try:
            phones = [stack.enter_context(Phone()) for _ in range(DEVICES + 1)]  # the agent's three, plain's one
            first, plain_phone = phones[0], phones[DEVICES]
            ports, servers, cert = start_origin(folder, [first.origins[0], first.host])
            agent, added = start_agent(folder, [p.host for p in phones[:DEVICES]], env, procs)
            memory.append((f"agent, {DEVICES} devices, none connected", rss(agent)))
            plain, plain_config = start_plain(folder, plain_phone.host, env, procs)
            through = first.origins[0], ports[first.origins[0]], cert  # only a tunnel reaches it
            devices_ways = [Way(f"device {d.name}", p, *through) for p, d in zip(phones[:DEVICES], added, strict=True)]
            for phone, device, way in zip(phones[:DEVICES], added, devices_ways, strict=True):
                phone.join(device.client_config(), timeout=10)
                way.connect_many(1)  # each through its own tunnel
            memory.append((f"agent, {DEVICES} devices connected", rss(agent)))
            plain_phone.join(plain_config, timeout=10)
            ways = [Way("no tunnel", first, first.host, ports[first.host], cert),
                    Way("plain mitmdump", plain_phone, *through, plain), Way("nocontact agent", first, *through, agent)]
            batches = max(2, connections // BATCH)
            print(f"bench.devices: {megabytes:g} MB over one connection, {rounds} rounds; {batches * BATCH} new "
                  f"connections a way in batches of {BATCH}; the order flips each round. {os.cpu_count()} CPUs "
                  "shared by curl, wireguard-go, the origin and the proxies.\n")
            for way in ways:
                way.connect_many(2, timed=False)  # warm-up: the tunnel's first packets, curl's first start
            alternate(ways, rounds, lambda way: way.fetch(size))
            alternate(ways, batches, lambda way: way.connect_many(BATCH))
            memory.append((f"agent, {DEVICES} devices connected, after the runs", rss(agent)))
            memory.append(("plain mitmdump, 1 device connected, after the runs", rss(plain)))
        finally:
            stop(procs)
            for server in servers:
                server.shutdown()
                server.server_close()
    return report(ways, devices_ways, memory)


def cpu_per_100_mbit(way: Way) -> float:
    """The share of one core the proxy would need to move 100 Mbit/s: CPU seconds per 12.5 MB moved."""
    return way.cpu / (way.bytes * 8 / 100e6) if way.bytes else float("nan")


def report(ways: list[Way], devices_ways: list[Way], memory: list[tuple[str, float]]) -> int:
    direct, plain, agent = ways
    ratio = agent.rate / plain.rate if plain.rate else float("nan")
    # Each round's two fetches ran side by side in time; fewer only when a fetch failed (said below).
    paired = [a / p for a, p in zip(agent.rates, plain.rates, strict=False)]
    quartiles = statistics.quantiles(paired, n=4, method="inclusive") if len(paired) > 1 else [float("nan")] * 3
    rows = [[w.name, f"{w.rate / MB:,.1f}", f"{w.rate * 8 / 1e6:,.0f}",
             f"{cpu_per_100_mbit(w) * 100:.1f} %" if w.process else "-",
             f"{w.first_byte(0.5):.2f}", f"{w.first_byte(0.99):.2f}"] for w in ways]
    print(tabulate(rows, headers=["way to the origin", "MB/s", "Mbit/s", "CPU per 100 Mbit/s",
                                  "first byte p50 ms", "first byte p99 ms"]))
    print()

    def added(share: float, base: Way) -> str:
        return f"{agent.first_byte(share) - base.first_byte(share):+.2f} ms"

    figures = [
        ("passthrough throughput, agent / plain mitmdump", f"{ratio:.2f}x", ">= 0.95x"),
        ("passthrough throughput, the rounds' ratios: median (middle half)", f"{quartiles[1]:.2f}x ({quartiles[0]:.2f}-{quartiles[2]:.2f})", ""),
        ("passthrough throughput, agent / no tunnel", f"{agent.rate / direct.rate:.2f}x" if direct.rate else "-", ""),
        ("CPU per 100 Mbit/s, agent / plain mitmdump",
         f"{cpu_per_100_mbit(agent) / cpu_per_100_mbit(plain):.2f}x" if plain.bytes else "-", ""),
        ("added per new connection, p50 (p99), agent - plain mitmdump", f"{added(0.5, plain)} ({added(0.99, plain)})", ""),
        ("added per new connection, p50 (p99), agent - no tunnel", f"{added(0.5, direct)} ({added(0.99, direct)})", ""),
        *((f"RSS, {what}", f"{mib:.1f} MiB", "") for what, mib in memory),
    ]
    print(tabulate(figures, headers=["bench.devices", "figure", "target"], disable_numparse=True))
    failed = [f"{w.name}: {f}" for w in (*ways, *devices_ways) for f in w.failures]
    if failed:
        print("\nSANITY FAILED:\n  " + "\n  ".join(failed))
        return 1
    print(f"sanity: every fetch came whole, with the origin's own certificate, and all {DEVICES} devices answered.")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.devices", description=__doc__.split("\n", 1)[0])
    parser.add_argument("--megabytes", type=float, help="body fetched over one connection (default 50; --small 4)")
    parser.add_argument("--rounds", type=int, help="fetches a way, taking turns (default 16; --small 2)")
    parser.add_argument("--connections", type=int, help=f"new connections a way, in batches of {BATCH} (default 200; "
                                                        "--small 20)")
    parser.add_argument("--small", action="store_true", help="CI-sized run")
    args = parser.parse_args(argv)
    reason = missing()
    if reason:
        raise SystemExit(f"bench.devices needs a WireGuard phone: {reason}")
    return run(args.megabytes or (4.0 if args.small else 50.0), max(1, args.rounds or (2 if args.small else 16)),
               args.connections or (20 if args.small else 200))


if __name__ == "__main__":
    sys.exit(main())
