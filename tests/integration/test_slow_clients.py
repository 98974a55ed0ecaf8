"""Slow clients on the loopback ports: the PAC service, the pages and the proxy keep answering.

Any program on the machine can open connections and never finish a request. The
servers run here as their own processes (as installed), started with the open-file
limit of a usual desktop session, and the slow clients come from this one.
"""

from __future__ import annotations

import http.client
import resource
import selectors
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from agent.web.loopback import LocalHandler, LoopbackServer

DESKTOP_FILES = 256  # macOS's default for a session, the smallest usual one (most Linux desktops: 1024)
FLOOD = 1000


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def launch(home: Path, *command: str, port: int) -> subprocess.Popen:
    """`nocontact <command>` in its own process, with a desktop's open-file limit, once it listens on `port`."""
    def desktop_limit() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (DESKTOP_FILES, resource.getrlimit(resource.RLIMIT_NOFILE)[1]))

    proc = subprocess.Popen([sys.executable, "-m", "agent", "--home", str(home), *command],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, preexec_fn=desktop_limit)
    deadline = time.monotonic() + 60
    while True:
        assert proc.poll() is None, proc.stderr.read().decode()
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return proc
        except OSError:
            assert time.monotonic() < deadline, f"nothing listens on {port}"
            time.sleep(0.1)


def ended(proc: subprocess.Popen) -> str:
    proc.terminate()
    try:
        _, err = proc.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        _, err = proc.communicate(timeout=15)
    return err.decode(errors="replace")


class SlowClients:
    """`count` connections, each with a request head begun and never finished.

    They connect in waves, as fast as the server takes them in: a burst that only overflows
    the listen backlog would show less than a steady stream.
    """

    def __init__(self, port: int, count: int, path: str = "/proxy.pac", wave: int = 50):
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if soft < count + 512:
            resource.setrlimit(resource.RLIMIT_NOFILE, (min(count + 512, hard), hard))
        self._restore = (soft, hard)
        self.head = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nX-Slow: ".encode()
        self.sockets: list[socket.socket] = []
        for start in range(0, count, wave):
            self._wave(port, min(wave, count - start))

    def _wave(self, port: int, count: int) -> None:
        pending = selectors.DefaultSelector()
        for _ in range(count):
            sock = socket.socket()
            sock.setblocking(False)
            sock.connect_ex(("127.0.0.1", port))
            pending.register(sock, selectors.EVENT_WRITE)
        deadline = time.monotonic() + 2
        while pending.get_map() and time.monotonic() < deadline:
            for key, _ in pending.select(0.1):
                pending.unregister(key.fileobj)
                self.sockets.append(key.fileobj)
                try:
                    key.fileobj.send(self.head)
                except OSError:
                    pass
        for key in list(pending.get_map().values()):
            key.fileobj.close()
        pending.close()
        time.sleep(0.02)  # the server takes them in

    def close(self) -> None:
        for sock in self.sockets:
            sock.close()
        soft, hard = self._restore
        resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, DESKTOP_FILES), hard))


def get(port: int, url: str, host: str, timeout: float = 5.0) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", url, headers={"Host": host})
        reply = connection.getresponse()
        return reply.status, reply.read()
    finally:
        connection.close()


def test_the_pac_service_answers_a_fresh_request_while_slow_clients_hang_on(tmp_path):
    (tmp_path / "proxy.pac").write_text('function FindProxyForURL(url, host) { return "DIRECT"; }\n')
    port = free_port()
    service = launch(tmp_path, "pac-server", "--port", str(port), port=port)
    flood = None
    try:
        flood = SlowClients(port, FLOOD)
        assert len(flood.sockets) >= FLOOD * 0.9
        for _ in range(5):
            status, body = get(port, "/proxy.pac", f"127.0.0.1:{port}")
            assert status == 200 and b"FindProxyForURL" in body
    finally:
        if flood:
            flood.close()
        log = ended(service)
    assert "Traceback" not in log


def test_a_flood_on_the_pages_port_leaves_the_proxy_and_the_pages_answering(tmp_path):
    (tmp_path / "config.yaml").write_text("block:\n  dating: false\n  people_search: false\n  viewers: false\n"
                                          "  sites: [watched-site.test]\n")
    proxy, pages = free_port(), free_port()
    agent = launch(tmp_path, "run", "--port", str(proxy), "--pages-port", str(pages), port=pages)
    flood = None
    try:
        flood = SlowClients(pages, FLOOD, path="/")
        for _ in range(5):
            status, body = get(proxy, "http://watched-site.test/", "watched-site.test")
            assert status == 403 and b"Close - I" in body  # the gentle page, from the agent itself
            assert get(pages, "/", f"127.0.0.1:{pages}")[0] == 200
            assert b"FindProxyForURL" in get(pages, "/proxy.pac", f"127.0.0.1:{pages}")[1]
    finally:
        if flood:
            flood.close()
        log = ended(agent)
    assert "Traceback" not in log


# --- the server's own bounds, in this process ------------------------------------------------


class Echo(LocalHandler):
    def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
        self._answer(b"here\n")

    def do_POST(self) -> None:  # noqa: N802
        self._answer(b"got " + self.body())

    def _answer(self, body: bytes) -> None:
        self.send_response(200 if self.names_us() else 403)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def small_server():
    server = LoopbackServer(Echo, "127.0.0.1", 0, name="test-loopback", connections=16, read_seconds=0.5,
                            max_body=1000).start()
    yield server
    server.stop()


def exchange(port: int, data: bytes, timeout: float = 5.0) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(data)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
        return answer


def closed_by_server(sock: socket.socket, timeout: float) -> bool:
    sock.settimeout(timeout)
    try:
        return sock.recv(1) == b""
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False


def test_at_its_bound_the_oldest_unfinished_connections_are_let_go(small_server):
    port = small_server.port
    flood = SlowClients(port, 40, path="/")
    try:
        assert exchange(port, f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode()).endswith(b"here\n")
        oldest, newest = flood.sockets[:10], flood.sockets[-5:]
        assert all(closed_by_server(sock, 2) for sock in oldest)
        # The newest are still held until their own time is up.
        assert not any(closed_by_server(sock, 0.05) for sock in newest)
    finally:
        flood.close()


def test_a_request_that_does_not_arrive_in_time_is_let_go(small_server):
    with socket.create_connection(("127.0.0.1", small_server.port)) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        for _ in range(3):  # a byte now and then does not keep it open
            time.sleep(0.1)
            sock.sendall(b"X")
        assert closed_by_server(sock, 5)


@pytest.mark.parametrize("length", ["-1", "+5", "1e3", " 5 5", "0x10", "5, 5", "", "99999999999999999999"])
def test_a_length_that_is_not_a_plain_number_is_refused_unread(small_server, length):
    port = small_server.port
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        # The body follows and the connection stays open: a server trusting the length would wait, or read it all.
        sock.sendall(f"POST / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: {length}\r\n\r\nabcde".encode())
        assert sock.recv(65536).startswith(b"HTTP/1.0 400 ")


def test_two_different_lengths_are_refused_and_a_plain_one_is_read(small_server):
    port = small_server.port
    two = exchange(port, f"POST / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 1\r\n"
                         "Content-Length: 5\r\n\r\nabcde".encode())
    assert two.startswith(b"HTTP/1.0 400 ")
    plain = exchange(port, f"POST / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 5\r\n\r\nabcde".encode())
    assert plain.startswith(b"HTTP/1.0 200 ") and plain.endswith(b"got abcde")


def test_a_body_over_the_bound_is_refused_before_it_is_sent(small_server):
    port = small_server.port
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(f"POST / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 1073741824\r\n\r\n".encode())
        assert sock.recv(65536).startswith(b"HTTP/1.0 413 ")
    chunked = exchange(port, f"POST / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nTransfer-Encoding: chunked\r\n\r\n"
                             "5\r\nabcde\r\n0\r\n\r\n".encode())
    assert chunked.startswith(b"HTTP/1.0 501 ")
    huge_head = exchange(port, b"GET / HTTP/1.1\r\n" + b"X-Pad: " + b"a" * 20_000 + b"\r\n\r\n")
    assert huge_head.startswith(b"HTTP/1.0 431 ")


def test_the_pages_refuse_a_negative_length_on_their_forms(proxy):
    from urllib.parse import urlsplit

    port = urlsplit(proxy.agent.address["pages"]).port
    for path in ("/review/note", "/api/holds"):
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            sock.sendall(f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: -1\r\n"
                         "Content-Type: application/x-www-form-urlencoded\r\n\r\nurge=1".encode())
            assert sock.recv(65536).startswith(b"HTTP/1.0 400 "), path
