"""`nocontact pac-server`: the PAC file, served on its own, so that routing outlives the agent.

Browsers fetch the PAC file from a URL. If the agent served it alone, a stopped or
crashed agent would leave them without one, and a browser without its PAC file
goes direct for every site: watched sites would open. This small server (its own
service, started at login beside the agent) serves the copy the agent keeps in
the data directory. While the agent is down, that copy still sends watched sites
to it, where they fail closed, and everything else directly.

It reads the file on every request (a few tens of KB), so it needs no signal when
the agent rewrites it. Without a file (the agent never ran here) it serves a PAC
that sends everything direct: never leave the machine without internet.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from agent.web.pac import PAC_PATH, direct_pac

DEFAULT_PORT = 8082
NOT_WRITTEN = direct_pac("nocontact has not written its routing here yet")


def pac_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return NOT_WRITTEN


class LocalHandler(BaseHTTPRequestHandler):
    """A request handler for our loopback servers: answers only what names this machine, logs nothing.

    A web page that points its own name at 127.0.0.1 (DNS rebinding) sends its own name as Host,
    and learns nothing; nothing about the person's browsing goes to a log.
    """

    def names_us(self) -> bool:
        host, port = self.server.server_address[:2]
        host = f"[{host}]" if ":" in host else host  # the address it listens on, when not loopback
        return self.headers.get("host", "").strip().lower() in {
            f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}", f"{host}:{port}"}

    def log_message(self, *args) -> None:
        pass


class PacServer:
    """A loopback HTTP server for one file; `port` 0 picks a free one."""

    def __init__(self, path: Path, host: str = "127.0.0.1", port: int = DEFAULT_PORT):
        pac_file = Path(path)

        class Handler(LocalHandler):
            def do_GET(self) -> None:
                self._answer(body=True)

            def do_HEAD(self) -> None:
                self._answer(body=False)

            def _answer(self, body: bool) -> None:
                if not self.names_us():
                    self.send_error(403)
                    return
                if urlsplit(self.path).path != PAC_PATH:
                    self.send_error(404)
                    return
                data = pac_text(pac_file).encode("utf-8")
                self.send_response(200)
                self.send_header("Content-Type", "application/x-ns-proxy-autoconfig")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                if body:
                    self.wfile.write(data)

        self.server = ThreadingHTTPServer((host, port), Handler)
        self.server.daemon_threads = True
        self.host, self.port = host, self.server.server_address[1]
        self.url = f"http://{host}:{self.port}{PAC_PATH}"

    def serve_forever(self) -> None:
        self.server.serve_forever()

    def start(self) -> PacServer:
        threading.Thread(target=self.serve_forever, name="nocontact-pac", daemon=True).start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
