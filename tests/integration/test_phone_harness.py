"""The phone harness against plain mitmproxy in WireGuard mode (no nocontact code): a real WireGuard client in its
own network namespace joins, and what it sends reaches local origins only through the tunnel and the proxy."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import mitmproxy_rs
import pytest

from tests.origins import start_origin
from tests.phone import Phone, PhoneError, UdpOrigin, read_config


class PlainWireGuard:
    """mitmdump in WireGuard mode on the phone's host address, passing every connection through untouched."""

    def __init__(self, folder: Path, host: str):
        keys = folder / "wireguard.json"
        keys.write_text(json.dumps({"server_key": mitmproxy_rs.wireguard.genkey(),
                                    "client_key": mitmproxy_rs.wireguard.genkey()}))
        self.output: list[str] = []
        self.process = subprocess.Popen(
            [sys.executable, "-c", "from mitmproxy.tools.main import mitmdump; mitmdump()",
             "--mode", f"wireguard:{keys}@{host}:0", "--set", f"confdir={folder / 'conf'}",
             "--set", "ignore_hosts=.*",
             "--set", "dns_name_servers=127.0.0.1"],  # lookups stay on this machine; localhost is in the hosts file
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        threading.Thread(target=self._read, daemon=True).start()
        listening = self.wait_for(r"WireGuard server listening at \S+:(\d+)")
        self.port = int(listening[1])
        self.config = self.wait_for(r"(\[Interface\].*?)\n-{20,}", re.DOTALL)[1]  # as mitmproxy prints it

    def _read(self) -> None:
        for line in self.process.stdout:
            self.output.append(line)

    def wait_for(self, pattern: str, flags: int = 0, timeout: float = 15.0) -> re.Match:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = re.search(pattern, "".join(self.output), flags)
            if found:
                return found
            if self.process.poll() is not None and not found:
                break
            time.sleep(0.02)
        raise AssertionError(f"mitmdump never said {pattern!r}:\n{''.join(self.output)}")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture(scope="module")
def joined(tmp_path_factory):
    """One phone joined to one plain mitmdump for the module; each test leaves it joined."""
    with Phone(origins=2) as phone:
        proxy = PlainWireGuard(tmp_path_factory.mktemp("wireguard"), phone.host)
        try:
            phone.join(proxy.config, endpoint=f"{phone.host}:{proxy.port}")
            yield phone, proxy
        finally:
            proxy.stop()


@pytest.fixture(scope="module")
def https_origin(tmp_path_factory, joined):
    phone, _ = joined
    folder = tmp_path_factory.mktemp("origin")
    origin, servers = start_origin(folder, host=phone.origins[0])
    origin.cert = folder / "origin-cert.pem"
    yield origin
    for server in servers:
        server.shutdown()
        server.server_close()


def test_https_through_the_tunnel_reaches_the_origin_from_the_host_side(joined, https_origin):
    phone, proxy = joined
    reply = phone.curl(f"https://localhost:{https_origin.https_port}/hello", resolve=phone.origins[0],
                       cacert=https_origin.cert)
    assert (reply.status, reply.returncode) == (200, 0), reply.error
    assert f"localhost:{https_origin.https_port}/hello" in reply.text  # the origin's own page, its own certificate
    assert https_origin.peers[-1] in (phone.host, *phone.origins)  # the host side made the connection ...
    proxy.wait_for(rf"server connect {re.escape(phone.origins[0])}:{https_origin.https_port}")  # ... mitmproxy


def test_dns_goes_to_the_tunnel_server(joined):
    phone, proxy = joined
    answer = phone.dns("localhost")
    assert answer is not None and (answer.rcode, answer.addresses) == (0, ["127.0.0.1"])
    proxy.wait_for(r"DNS QUERY \(A\) localhost")
    assert phone.run(["cat", "/etc/resolv.conf"]).stdout == "nameserver 10.0.0.53\n"  # the config's DNS


def test_udp_and_quic_through_the_tunnel(joined):
    phone, _ = joined
    with UdpOrigin(phone.origins[1]) as origin:
        # 13 bytes at least: mitmproxy (with ignore_hosts) waits for more of a shorter datagram, as a DTLS start
        assert phone.udp(phone.origins[1], origin.port, b"hello, through the tunnel") == b"hello, through the tunnel"
        initial = phone.quic(phone.origins[1], "site.test", port=origin.port)
    assert initial is not None and initial[0] & 0xC0 == 0xC0 and len(initial) >= 1200  # a QUIC long-header Initial
    assert [payload for _, payload in origin.received] == [b"hello, through the tunnel", initial]
    assert {peer for peer, _ in origin.received} <= {phone.host, *phone.origins}


def test_the_origins_are_out_of_reach_without_the_tunnel_and_another_key_gets_no_handshake(joined, https_origin):
    phone, proxy = joined
    url = f"https://localhost:{https_origin.https_port}/"
    phone.drop()
    try:
        seen = len(https_origin.seen)
        offline = phone.curl(url, resolve=phone.origins[0], cacert=https_origin.cert, timeout=2)
        assert offline.status == 0 and offline.returncode != 0
        assert phone.udp(phone.origins[0], 9, b"x", timeout=0.5) is None
        assert len(https_origin.seen) == seen
        stranger = re.sub(r"PrivateKey = \S+", f"PrivateKey = {mitmproxy_rs.wireguard.genkey()}", proxy.config)
        with pytest.raises(PhoneError, match="no WireGuard handshake"):
            phone.join(stranger, endpoint=f"{phone.host}:{proxy.port}", timeout=1.5)
    finally:
        with contextlib.suppress(PhoneError):
            phone.drop()
        phone.join(proxy.config, endpoint=f"{phone.host}:{proxy.port}")
    assert phone.curl(url, resolve=phone.origins[0], cacert=https_origin.cert).status == 200


def test_a_phone_leaves_nothing_behind():
    with Phone() as phone:
        names = (phone.namespace, phone.link, phone.host, phone.address, *phone.origins)
        assert phone.namespace in subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    left = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    left += subprocess.run(["ip", "-o", "addr"], capture_output=True, text=True).stdout
    assert [name for name in names if re.search(rf"\b{re.escape(name)}\b", left)] == []


def test_what_a_killed_run_left_is_cleared_and_nothing_else():
    dead = _a_dead_pid()
    stale, alive = f"ncphone-{dead}-0", f"ncphone-{os.getpid()}-999999"
    subprocess.run(["ip", "netns", "add", stale], check=True)
    subprocess.run(["ip", "netns", "add", alive], check=True)
    subprocess.run(["ip", "link", "add", f"ncv{dead}n0", "type", "veth", "peer", "name", "uplink", "netns", stale],
                   check=True)
    sleeper = subprocess.Popen(["ip", "netns", "exec", stale, "sleep", "60"])  # as a wireguard-go left running
    uapi, resolv = Path(f"/var/run/wireguard/ncw{dead}n0.sock"), Path(f"/etc/netns/{stale}")
    uapi.parent.mkdir(parents=True, exist_ok=True)
    uapi.touch()
    resolv.mkdir(parents=True)
    try:
        with Phone():
            pass
        namespaces = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
        links = subprocess.run(["ip", "-o", "link"], capture_output=True, text=True).stdout
        assert stale not in namespaces and f"ncv{dead}n0" not in links
        assert sleeper.wait(5) == -9
        assert not uapi.exists() and not resolv.exists()
        assert alive in namespaces  # a live pid's namespace stays
    finally:
        sleeper.kill()
        for name in (stale, alive):
            subprocess.run(["ip", "netns", "del", name], capture_output=True)
        subprocess.run(["ip", "link", "del", f"ncv{dead}n0"], capture_output=True)
        uapi.unlink(missing_ok=True)
        shutil.rmtree(resolv, ignore_errors=True)


def _a_dead_pid() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def test_a_config_is_split_for_wg_setconf():
    tunnel = read_config("[Interface]\nPrivateKey = a=\nAddress = 10.0.0.1/32\nDNS = 10.0.0.53\n\n"
                         "[Peer]\nPublicKey = b=\nAllowedIPs = 0.0.0.0/0\nEndpoint = 192.0.2.9:51820\n",
                         endpoint="10.201.0.1")
    assert tunnel.setconf == ("[Interface]\nPrivateKey = a=\n\n"
                              "[Peer]\nPublicKey = b=\nAllowedIPs = 0.0.0.0/0\nEndpoint = 10.201.0.1:51820\n")
    assert (tunnel.addresses, tunnel.dns, tunnel.allowed, tunnel.peers) == (
        ["10.0.0.1/32"], ["10.0.0.53"], ["0.0.0.0/0"], ["b="])
