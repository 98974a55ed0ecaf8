"""A real WireGuard client (a "phone") in a network namespace of its own, for tests of the WireGuard mode.

`Phone()` builds, and always takes down again:
- a network namespace with a veth pair: the host end holds `phone.host` (x.x.x.1/30 in 10.201.0.0/16), the
  phone's end `phone.address` (.2); the phone has no other route, so before it joins it reaches nothing else;
- origin addresses (`phone.origins`, /32s in 10.251.0.0/16) on the host end: a server bound to one is reachable
  from the phone only through the tunnel (its default route once joined), so an answer proves the traffic went
  through WireGuard and the proxy, and the server sees the host's side as its peer.
`phone.join(config)` runs wireguard-go in the namespace with the keys of a wg-quick config as mitmproxy prints it,
puts its Address on the interface, routes each AllowedIPs through it, writes its DNS into the namespace's
resolv.conf, and waits for the handshake. `phone.drop()` takes the tunnel down again, so a test can rejoin.

Every name carries our pid and a counter, so concurrent runs (and a person's own interfaces) never collide, and
what a killed run left (our prefix, a pid no longer running) is removed when the next phone is built. It needs
root, /dev/net/tun, ip, wireguard-go, wg and curl: without them a test skips, or fails when
NOCONTACT_REQUIRE_WIREGUARD is set (CI).
"""

from __future__ import annotations

import contextlib
import fcntl
import ipaddress
import itertools
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest

REQUIRED = bool(os.environ.get("NOCONTACT_REQUIRE_WIREGUARD"))
TOOLS = {"ip": "iproute2", "wireguard-go": "wireguard-go", "wg": "wireguard-tools", "curl": "curl"}
LINKS = ipaddress.ip_network("10.201.0.0/16")  # one /30 per phone
ORIGINS = ipaddress.ip_network("10.251.0.0/16")  # /32s reachable only through a tunnel
NAMESPACE = re.compile(r"ncphone-(\d+)-\d+")  # ncphone-<pid>-<n>
LINK = re.compile(r"ncv(\d+)n\d+")  # the veth's host end: ncv<pid>n<n>
TUNNEL = re.compile(r"ncw(\d+)n\d+")  # the WireGuard interface: ncw<pid>n<n>, unique on the host (its UAPI socket)
UAPI = Path("/var/run/wireguard")
NETNS_ETC = Path("/etc/netns")  # `ip netns exec` mounts /etc/netns/<name>/resolv.conf over /etc/resolv.conf
LOCK = Path(tempfile.gettempdir()) / "nocontact-phone.lock"
WG_QUICK_ONLY = {"address", "dns", "mtu", "table", "preup", "postup", "predown", "postdown", "saveconfig"}
_numbers = itertools.count()
_numbers_lock = threading.Lock()


class PhoneError(RuntimeError):
    """The phone could not be built or could not join; the message says what to check."""


def missing() -> str | None:
    """Why no phone can be built here, or None."""
    if os.geteuid() != 0:
        return "a WireGuard phone needs root (network namespaces)"
    for tool, package in TOOLS.items():
        if shutil.which(tool) is None:
            return f"no {tool} on this machine (apt-get install --no-install-recommends {package})"
    if not Path("/dev/net/tun").exists():
        return "no /dev/net/tun (wireguard-go needs it)"
    return None


def need_phone() -> None:
    """Skip the test when no phone can be built; fail instead when NOCONTACT_REQUIRE_WIREGUARD is set."""
    reason = missing()
    if reason:
        if REQUIRED:
            pytest.fail(f"a WireGuard phone is required here (NOCONTACT_REQUIRE_WIREGUARD is set): {reason}")
        pytest.skip(reason)


@dataclass
class Fetched:
    """What curl got: the status (0 when no response came), the body, and curl's exit code and message."""

    status: int
    body: bytes
    returncode: int
    error: str

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


@dataclass
class DnsAnswer:
    rcode: int  # 0 NOERROR, 2 SERVFAIL, 3 NXDOMAIN, 5 REFUSED
    addresses: list[str]


@dataclass
class Tunnel:
    """A wg-quick config split into what `wg setconf` takes and what the phone sets up around it."""

    setconf: str
    addresses: list[str]
    dns: list[str]
    allowed: list[str]
    peers: list[str]  # public keys
    endpoint: str


def read_config(text: str, endpoint: str | None = None) -> Tunnel:
    """Split a wg-quick config; `endpoint` ("host" or "host:port") replaces the Endpoint's host (and port)."""
    lines, addresses, dns, allowed, peers, endpoints = [], [], [], [], [], []
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        key, _, value = (part.strip() for part in line.partition("="))
        values = [v.strip() for v in value.split(",") if v.strip()]
        if key.lower() == "address":
            addresses += values
        elif key.lower() == "dns":
            dns += values
        elif key.lower() in WG_QUICK_ONLY:
            continue
        elif key.lower() == "endpoint":
            host, _, port = value.rpartition(":")
            if endpoint:
                host, _, new_port = endpoint.partition(":")
                port = new_port or port
            endpoints.append(f"{host}:{port}")
            lines.append(f"Endpoint = {host}:{port}")
        else:
            allowed += values if key.lower() == "allowedips" else []
            peers += [value] if key.lower() == "publickey" else []
            lines.append(line)
    if not peers:
        raise PhoneError("the WireGuard config names no [Peer] PublicKey")
    return Tunnel("\n".join(lines) + "\n", addresses, dns, allowed, peers, ", ".join(endpoints))


def _ip(*args: str, namespace: str | None = None, check: bool = True) -> str:
    argv = ["ip", *(["-n", namespace] if namespace else []), *args]
    result = subprocess.run(argv, capture_output=True, text=True, timeout=10)
    if check and result.returncode:
        raise PhoneError(f"`{' '.join(argv)}` failed: {result.stderr.strip()}")
    return result.stdout


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _kill_inside(namespace: str) -> None:
    """End every process in the namespace (wireguard-go keeps a deleted namespace, and its veth, alive)."""
    for pid in _ip("netns", "pids", namespace, check=False).split():
        with contextlib.suppress(ProcessLookupError, ValueError):
            os.kill(int(pid), signal.SIGKILL)


def clear_stale() -> None:
    """Remove what a killed run left behind: only names with our prefixes whose pid is no longer running."""
    def stale(pattern: re.Pattern, name: str) -> bool:
        found = pattern.fullmatch(name)
        return bool(found) and not _running(int(found[1]))

    for line in _ip("netns", "list").splitlines():
        name = line.split(" ", 1)[0]
        if stale(NAMESPACE, name):
            _kill_inside(name)
            _ip("netns", "del", name, check=False)
    for line in _ip("-o", "link", "show").splitlines():
        name = line.split(":")[1].strip().split("@")[0]
        if stale(LINK, name):
            _ip("link", "del", name, check=False)
    for path in [*UAPI.glob("ncw*.sock"), *NETNS_ETC.glob("ncphone-*")]:
        if stale(TUNNEL, path.stem) or stale(NAMESPACE, path.name):
            shutil.rmtree(path) if path.is_dir() else path.unlink(missing_ok=True)


def _addresses_in_use() -> list[ipaddress.IPv4Interface]:
    return [ipaddress.ip_interface(line.split()[3]) for line in _ip("-o", "-4", "addr", "show").splitlines()]


def _clashes(network: ipaddress.IPv4Network, taken: list[ipaddress.IPv4Interface]) -> bool:
    # a broad network (a /8 on some interface) does not clash: our more specific routes win inside our namespace
    return any(t.ip in network or (t.network.prefixlen >= 16 and network.overlaps(t.network)) for t in taken)


def _free(pool: ipaddress.IPv4Network, prefix: int, count: int, start: int,
          taken: list[ipaddress.IPv4Interface]) -> list[ipaddress.IPv4Network]:
    """`count` networks of size /prefix from the pool that no address here uses, looked for from `start` on."""
    size = 2 ** (32 - prefix)
    slots = pool.num_addresses // size
    found: list[ipaddress.IPv4Network] = []
    for i in range(slots):
        network = ipaddress.ip_network((int(pool.network_address) + size * ((start + i) % slots), prefix))
        last = int(network.network_address) & 0xFF
        if (prefix == 32 and last in (0, 255)) or _clashes(network, taken):
            continue
        found.append(network)
        if len(found) == count:
            return found
    raise PhoneError(f"no free /{prefix} left in {pool} (see `ip -o addr`)")


@contextlib.contextmanager
def _building() -> Iterator[None]:
    """One phone is built at a time on this host, so two never pick the same free addresses."""
    with open(LOCK, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


class Phone:
    """A WireGuard client in its own network namespace; use as `with Phone() as phone:`."""

    def __init__(self, origins: int = 1):
        with _numbers_lock:
            self.number = next(_numbers)
        pid = os.getpid()
        self.namespace = f"ncphone-{pid}-{self.number}"
        self.link = f"ncv{pid}n{self.number}"
        self.origin_count = origins
        self.host = self.address = ""
        self.origins: list[str] = []
        self.interface: str | None = None
        self.dns_server = "10.0.0.53"
        self.folder: Path | None = None
        self.tunnel: Tunnel | None = None
        self._wireguard: subprocess.Popen | None = None

    def __enter__(self) -> Phone:
        need_phone()
        self.folder = Path(tempfile.mkdtemp(prefix="nocontact-phone-"))
        try:
            with _building():
                clear_stale()
                self._build()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _build(self) -> None:
        taken = _addresses_in_use()
        start = os.getpid() * 64 + self.number
        link = _free(LINKS, 30, 1, start, taken)[0]
        self.host, self.address = str(link[1]), str(link[2])
        self.origins = [str(n.network_address) for n in _free(ORIGINS, 32, self.origin_count, start * 4, taken)]
        _ip("netns", "add", self.namespace)
        _ip("link", "add", self.link, "type", "veth", "peer", "name", "uplink", "netns", self.namespace)
        _ip("addr", "add", f"{self.host}/30", "dev", self.link)
        for origin in self.origins:
            _ip("addr", "add", f"{origin}/32", "dev", self.link)
        _ip("link", "set", self.link, "up")
        _ip("addr", "add", f"{self.address}/30", "dev", "uplink", namespace=self.namespace)
        _ip("link", "set", "uplink", "up", namespace=self.namespace)
        _ip("link", "set", "lo", "up", namespace=self.namespace)

    def close(self) -> None:
        """Take everything down: the tunnel, the namespace's processes, the veth (with its addresses), the namespace."""
        self.drop()
        _kill_inside(self.namespace)
        _ip("link", "del", self.link, check=False)
        _ip("netns", "del", self.namespace, check=False)
        shutil.rmtree(NETNS_ETC / self.namespace, ignore_errors=True)
        if self.folder:
            shutil.rmtree(self.folder, ignore_errors=True)

    # the tunnel

    def join(self, config: str, endpoint: str | None = None, timeout: float = 5.0, handshake: bool = True) -> Tunnel:
        """Bring the tunnel up from a wg-quick config; `endpoint` ("host" or "host:port") replaces its Endpoint.

        The endpoint must be `phone.host` (the only address the phone reaches outside the tunnel). Waits for the
        handshake and raises PhoneError (with the tunnel dropped again) when none came within `timeout`; with
        `handshake=False` it returns at once and `phone.handshake()` tells."""
        if self._wireguard:
            raise PhoneError("the phone is already joined: drop() first")
        assert self.folder, "use the phone inside `with Phone() as phone:`"
        tunnel = read_config(config, endpoint)
        with _numbers_lock:
            self.interface = f"ncw{os.getpid()}n{next(_numbers)}"
        log = open(self.folder / f"{self.interface}.log", "wb")
        with log:
            self._wireguard = subprocess.Popen(
                ["ip", "netns", "exec", self.namespace, "wireguard-go", "-f", self.interface],
                stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "WG_PROCESS_FOREGROUND": "1"})
        self.tunnel = tunnel
        try:
            self._wait_for_socket()
            conf = self.folder / f"{self.interface}.conf"
            fd = os.open(conf, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as file:
                file.write(tunnel.setconf)
            self._check(["wg", "setconf", self.interface, str(conf)])
            for address in tunnel.addresses:
                _ip("addr", "add", address, "dev", self.interface, namespace=self.namespace)
            _ip("link", "set", self.interface, "up", namespace=self.namespace)
            for network in tunnel.allowed:
                _ip("route", "add", network, "dev", self.interface, namespace=self.namespace)
            if tunnel.dns:
                self.dns_server = tunnel.dns[0]
                (NETNS_ETC / self.namespace).mkdir(parents=True, exist_ok=True)
                (NETNS_ETC / self.namespace / "resolv.conf").write_text(
                    "".join(f"nameserver {server}\n" for server in tunnel.dns))
            if handshake and not self.handshake(timeout):
                hint = "" if tunnel.endpoint.startswith(f"{self.host}:") else f" (pass endpoint='{self.host}:PORT')"
                raise PhoneError(f"no WireGuard handshake with {tunnel.endpoint}{hint} within {timeout} s: is the "
                                 f"listener there, and does it take this key?{self._log_tail()}")
        except BaseException:
            self.drop()
            raise
        return tunnel

    def handshake(self, timeout: float = 5.0) -> bool:
        """Whether a handshake with the peer happens within `timeout` seconds.

        wireguard-go starts one only when it has something to send; a keepalive (no proxy flow sees it) is that
        something, so keepalives are on while waiting and off again after."""
        if not self._wireguard:
            return False
        peer = self.tunnel.peers[0]
        self._check(["wg", "set", self.interface, "peer", peer, "persistent-keepalive", "1"])
        try:
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline and self._wireguard.poll() is None:
                shown = self._check(["wg", "show", self.interface, "latest-handshakes"]).stdout.split()
                if any(stamp != "0" for stamp in shown[1::2]):
                    return True
                time.sleep(0.05)
            return False
        finally:
            if self._wireguard.poll() is None:
                self._check(["wg", "set", self.interface, "peer", peer, "persistent-keepalive", "off"])

    def drop(self) -> None:
        """Take the tunnel down (wireguard-go ends; its interface and routes go with it); join() may follow."""
        process, self._wireguard = self._wireguard, None
        if process:
            process.terminate()
            try:
                process.wait(5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)
        if self.interface:
            (UAPI / f"{self.interface}.sock").unlink(missing_ok=True)
            self.interface = None
        (NETNS_ETC / self.namespace / "resolv.conf").unlink(missing_ok=True)

    def _wait_for_socket(self, timeout: float = 5.0) -> None:
        socket_path = UAPI / f"{self.interface}.sock"
        deadline = time.monotonic() + timeout
        while not socket_path.exists():
            if self._wireguard.poll() is not None or time.monotonic() > deadline:
                raise PhoneError(f"wireguard-go did not start {self.interface}{self._log_tail()}")
            time.sleep(0.02)

    def _log_tail(self) -> str:
        log = self.folder / f"{self.interface}.log" if self.folder and self.interface else None
        text = log.read_text(errors="replace").strip()[-1500:] if log and log.exists() else ""
        return f"\nwireguard-go said:\n{text}" if text else ""

    def _check(self, args: Sequence[str]) -> subprocess.CompletedProcess:
        result = self.run(args)
        if result.returncode:
            raise PhoneError(f"`{' '.join(args)}` failed in the phone: {result.stderr.strip()}")
        return result

    # what the phone does

    def run(self, args: Sequence[str], timeout: float = 10.0, input: str | None = None) -> subprocess.CompletedProcess:
        """Run a command inside the phone's namespace; text output, never raises on a non-zero exit."""
        return subprocess.run(["ip", "netns", "exec", self.namespace, *args], capture_output=True, text=True,
                              timeout=timeout, input=input)

    def curl(self, url: str, resolve: str | None = None, cacert: str | Path | None = None, insecure: bool = False,
             timeout: float = 10.0, args: Sequence[str] = ()) -> Fetched:
        """Fetch `url` with curl from the phone; `resolve` is the address its host name stands for (curl --resolve)."""
        assert self.folder, "use the phone inside `with Phone() as phone:`"
        body = self.folder / f"body-{next(_numbers)}"
        argv = ["curl", "-sS", "--max-time", str(timeout), "-o", str(body), "-w", "%{http_code}"]
        if resolve:
            parts = urlsplit(url)
            port = parts.port or (443 if parts.scheme == "https" else 80)
            argv += ["--resolve", f"{parts.hostname}:{port}:{resolve}"]
        argv += ["--cacert", str(cacert)] if cacert else []
        argv += ["--insecure"] if insecure else []
        result = self.run([*argv, *args, url], timeout=timeout + 5)
        data = body.read_bytes() if body.exists() else b""
        body.unlink(missing_ok=True)
        status = int(result.stdout.strip()) if result.stdout.strip().isdigit() else 0
        return Fetched(status, data, result.returncode, result.stderr.strip())

    def dns(self, name: str, server: str | None = None, qtype: str = "A", timeout: float = 3.0) -> DnsAnswer | None:
        """One DNS query over UDP from the phone (to the tunnel's DNS by default); None when no answer came
        (or the phone had no route to the server)."""
        from mitmproxy import dns

        kind = {"A": 1, "AAAA": 28}[qtype]
        reply = self._python(DNS_QUERY, name, server or self.dns_server, str(kind), str(timeout), timeout=timeout)
        if reply is None:
            return None
        message = getattr(dns, "DNSMessage", None) or dns.Message  # mitmproxy 12 renamed it
        message = message.unpack(reply)
        addresses = [str(ipaddress.ip_address(r.data)) for r in message.answers if r.type == kind]
        return DnsAnswer(message.response_code, addresses)

    def udp(self, address: str, port: int, payload: bytes, timeout: float = 2.0) -> bytes | None:
        """Send one UDP datagram from the phone; the first datagram that comes back, or None when none came within
        `timeout` (or the phone had no route to `address`)."""
        return self._python(UDP_EXCHANGE, address, str(port), payload.hex(), str(timeout), timeout=timeout)

    def quic(self, address: str, server_name: str, port: int = 443, timeout: float = 2.0) -> bytes | None:
        """Send a real QUIC Initial (a TLS ClientHello naming `server_name`, from aioquic) from the phone; the
        first datagram that comes back, or None within `timeout`."""
        return self._python(QUIC_INITIAL, address, str(port), server_name, str(timeout), timeout=timeout)

    def _python(self, script: str, *args: str, timeout: float) -> bytes | None:
        result = self.run([sys.executable, "-c", script, *args], timeout=timeout + 10)
        if result.returncode:
            raise PhoneError(f"the phone's script failed: {result.stderr.strip()[-1500:]}")
        out = result.stdout.strip()
        return None if out == "none" else bytes.fromhex(out)


# Scripts the phone runs with this Python: each defines send() and wanted(reply), and prints the reply in hex, or
# "none" when nothing came (or the phone had no route to send it on).
_RECEIVE = r"""
sock.settimeout(float(sys.argv[4]))
try:
    send()
    while not wanted(data := sock.recv(65535)):
        pass
except OSError:  # a timeout, or no route (the tunnel is down)
    print("none")
else:
    print(data.hex())
"""
DNS_QUERY = r"""
import os, socket, struct, sys
name, server, kind = sys.argv[1], sys.argv[2], int(sys.argv[3])
ident = os.urandom(2)
labels = b"".join(bytes([len(p)]) + p.encode() for p in name.rstrip(".").split("."))
query = ident + struct.pack(">HHHHH", 0x0100, 1, 0, 0, 0) + labels + b"\0" + struct.pack(">HH", kind, 1)
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
send = lambda: sock.sendto(query, (server, 53))
wanted = lambda data: data[:2] == ident
""" + _RECEIVE
UDP_EXCHANGE = r"""
import socket, sys
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
send = lambda: sock.sendto(bytes.fromhex(sys.argv[3]), (sys.argv[1], int(sys.argv[2])))
wanted = lambda data: True
""" + _RECEIVE
QUIC_INITIAL = r"""
import socket, sys, time
from aioquic.quic.configuration import QuicConfiguration
from aioquic.quic.connection import QuicConnection
address = (sys.argv[1], int(sys.argv[2]))
quic = QuicConnection(configuration=QuicConfiguration(is_client=True, alpn_protocols=["h3"], server_name=sys.argv[3]))
quic.connect(address, now=time.time())
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
def send():
    for datagram, _ in quic.datagrams_to_send(now=time.time()):
        sock.sendto(datagram, address)
wanted = lambda data: True
""" + _RECEIVE


class UdpOrigin:
    """A UDP server on the host (bind it to one of `phone.origins`): records each datagram and echoes it back."""

    def __init__(self, address: str, echo: bool = True):
        self.address, self.echo = address, echo
        self.received: list[tuple[str, bytes]] = []  # (peer address, payload)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((address, 0))
        self.sock.settimeout(0.1)  # so close() is noticed
        self.port = self.sock.getsockname()[1]
        self._open = True
        self.thread = threading.Thread(target=self._serve, daemon=True, name="udp-origin")
        self.thread.start()

    def _serve(self) -> None:
        while self._open:
            try:
                data, peer = self.sock.recvfrom(65535)
            except TimeoutError:
                continue
            except OSError:
                return
            self.received.append((peer[0], data))
            if self.echo:
                self.sock.sendto(data, peer)

    def close(self) -> None:
        self._open = False
        self.thread.join(2)
        self.sock.close()

    def __enter__(self) -> UdpOrigin:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
