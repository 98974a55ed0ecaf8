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

from agent.pac import PAC_PATH, direct_pac
from agent.urls import names_this_machine

DEFAULT_PORT = 8082
NOT_WRITTEN = direct_pac("nocontact has not written its routing here yet")


def pac_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return NOT_WRITTEN


class PacServer:
    """A loopback HTTP server for one file; `port` 0 picks a free one."""

    def __init__(self, path: Path, host: str = "127.0.0.1", port: int = DEFAULT_PORT):
        pac_file = Path(path)

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self._answer(body=True)

            def do_HEAD(self) -> None:
                self._answer(body=False)

            def _answer(self, body: bool) -> None:
                if not self._names_us():
                    self.send_error(403)  # a page that points its own name here learns nothing
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

            def _names_us(self) -> bool:
                host, port = self.server.server_address[:2]
                return names_this_machine(self.headers.get("host", ""), port, host)

            def log_message(self, *args) -> None:
                pass  # a browser asks often; nothing worth a line in the log

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
