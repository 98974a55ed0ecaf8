"""Real local origin servers (HTTP and HTTPS) and a plain client that goes through a proxy.

The origins answer for any host name and record every request, so a test can
prove that a blocked request never reached them.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import http.client
import os
import socket
import ssl
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

ORIGIN_CN = "nocontact test origin"


def make_cert(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for the test origin (so its issuer is recognisable)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, ORIGIN_CN)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("*.test"), x509.DNSName("localhost"),
                                                    x509.DNSName("news.test")]), False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "origin-cert.pem", folder / "origin-key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


@dataclass
class Origin:
    http_port: int = 0
    https_port: int = 0
    seen: list[tuple[str, str, str, bytes]] = field(default_factory=list)  # (method, host, path, body)
    peers: list[str] = field(default_factory=list)  # the address each HTTP request came from
    # path (without its query) -> (headers, body): answered instead of the default page, as a service would
    responses: dict[str, tuple[dict, bytes]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def hosts(self) -> set[str]:
        with self.lock:
            return {host.split(":")[0] for _, host, _, _ in self.seen}

    def requests_to(self, host: str) -> list[tuple[str, str, str, bytes]]:
        with self.lock:
            return [r for r in self.seen if r[1].split(":")[0] == host]


def start_origin(folder: Path, host: str = "127.0.0.1") -> tuple[Origin, list[ThreadingHTTPServer]]:
    """An HTTP and an HTTPS origin on `host` (another local address, such as a phone's origin address)."""
    origin = Origin()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go in two writes; no 40 ms stall between

        def _answer(self) -> None:
            if self.headers.get("upgrade", "").lower() == "websocket":
                return self._websocket()
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length) if length else b""
            host = self.headers.get("host", "")
            with origin.lock:
                origin.seen.append((self.command, host, self.path, body))
                origin.peers.append(self.client_address[0])
            headers = {}
            if self.path.split("?", 1)[0] in origin.responses:
                headers, payload = origin.responses[self.path.split("?", 1)[0]]
                kind = "application/json"
            elif self.path.startswith("/api/"):
                payload, kind = b'{"origin": true}', "application/json"
            else:
                payload = f"<!doctype html><title>origin</title><h1>origin page</h1><p id=where>{host}{self.path}</p>".encode()
                kind = "text/html; charset=utf-8"
            self.send_response(200)
            for name, value in ({"Content-Type": kind} | {k.title(): v for k, v in headers.items()}).items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def _websocket(self) -> None:
            """A WebSocket origin that records every message it receives (as ("WS", host, path, payload))."""
            accept = base64.b64encode(hashlib.sha1(
                self.headers["sec-websocket-key"].encode() + b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11").digest())
            self.send_response(101)
            self.send_header("Upgrade", "websocket")
            self.send_header("Connection", "Upgrade")
            self.send_header("Sec-WebSocket-Accept", accept.decode())
            self.end_headers()
            self.wfile.flush()
            while True:
                head = self.rfile.read(2)
                if len(head) < 2:
                    return
                opcode, length = head[0] & 0x0F, head[1] & 0x7F
                if length == 126:
                    length = int.from_bytes(self.rfile.read(2), "big")
                elif length == 127:
                    length = int.from_bytes(self.rfile.read(8), "big")
                mask = self.rfile.read(4) if head[1] & 0x80 else b"\0\0\0\0"
                payload = bytes(b ^ mask[i % 4] for i, b in enumerate(self.rfile.read(length)))
                if opcode == 8:  # close
                    return
                with origin.lock:
                    origin.seen.append(("WS", self.headers.get("host", ""), self.path, payload))

        do_GET = do_POST = do_HEAD = _answer

        def log_message(self, *args) -> None:
            pass

    plain = ThreadingHTTPServer((host, 0), Handler)
    secure = ThreadingHTTPServer((host, 0), Handler)
    cert, key = make_cert(folder)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    secure.socket = context.wrap_socket(secure.socket, server_side=True)
    for server in (plain, secure):
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
    origin.http_port = plain.server_address[1]
    origin.https_port = secure.server_address[1]
    return origin, [plain, secure]


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes
    issuer: str | None  # the common name of the certificate the client saw (HTTPS)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


def fetch(proxy: tuple[str, int], url: str, method: str = "GET", headers: dict | None = None,
          body: bytes | None = None) -> Reply:
    """One request through the proxy, as a plain client would make it (CONNECT for https)."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    headers = {"Accept": "text/html", **(headers or {})}
    if parts.scheme == "https":
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE  # we inspect which certificate came back instead
        conn = http.client.HTTPSConnection(*proxy, context=context, timeout=10)
        conn.set_tunnel(parts.hostname, parts.port or 443)
        target = parts.path or "/"
        if parts.query:
            target += "?" + parts.query
    else:
        conn = http.client.HTTPConnection(*proxy, timeout=10)
        target = url
    try:
        conn.request(method, target, body=body, headers=headers)
        response = conn.getresponse()
        data = response.read()
        issuer = None
        if parts.scheme == "https":
            der = conn.sock.getpeercert(binary_form=True)
            cert = x509.load_der_x509_certificate(der)
            issuer = cert.issuer.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value
        return Reply(response.status, {k.lower(): v for k, v in response.getheaders()}, data, issuer)
    finally:
        conn.close()


def websocket_send(proxy: tuple[str, int], url: str, messages: list[bytes | str],
                   replies: list[bytes] | None = None) -> int:
    """Open a WebSocket through the proxy (CONNECT, TLS, upgrade), send `messages`, close; the upgrade status.

    With `replies`, the data frames the client is sent back within a second are added to it before closing."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    raw = socket.create_connection(proxy, timeout=10)
    raw.sendall(f"CONNECT {parts.hostname}:443 HTTP/1.1\r\nHost: {parts.hostname}:443\r\n\r\n".encode())
    _read_head(raw)
    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    sock = context.wrap_socket(raw, server_hostname=parts.hostname)
    key = base64.b64encode(os.urandom(16)).decode()
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    sock.sendall((f"GET {target} HTTP/1.1\r\nHost: {parts.hostname}\r\nUpgrade: websocket\r\n"
                  f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
    status = int(_read_head(sock).split(b" ", 2)[1])
    for message in messages:
        data = message.encode() if isinstance(message, str) else message
        opcode = 0x1 if isinstance(message, str) else 0x2
        mask = os.urandom(4)
        size = len(data)
        head = bytes([0x80 | opcode]) + (bytes([0x80 | size]) if size < 126 else
                                        bytes([0x80 | 126]) + size.to_bytes(2, "big") if size < 65536 else
                                        bytes([0x80 | 127]) + size.to_bytes(8, "big"))
        sock.sendall(head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))
    if replies is not None:
        replies.extend(_read_frames(sock, seconds=1.0))
    sock.sendall(bytes([0x88, 0x80]) + os.urandom(4))  # close
    sock.close()
    return status


def _read_frames(sock, seconds: float) -> list[bytes]:
    """The unmasked data frames a server sends, until it pauses for `seconds`."""
    sock.settimeout(seconds)
    data, frames = b"", []
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
            while len(data) >= 2:
                size, start = data[1] & 0x7F, 2
                if size == 126:
                    size, start = int.from_bytes(data[2:4], "big"), 4
                elif size == 127:
                    size, start = int.from_bytes(data[2:10], "big"), 10
                if len(data) < start + size:
                    break
                if data[0] & 0x0F in (0x1, 0x2):
                    frames.append(data[start:start + size])
                data = data[start + size:]
    except (TimeoutError, ssl.SSLError, OSError):
        pass
    return frames


def _read_head(sock) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    return data
