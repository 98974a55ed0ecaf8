"""The agent's own small web server on loopback: the PAC file and a status page.

It runs on its own threads, so a slow browser never holds up the proxy.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from agent.pac import pac_file

PAC_PATH = "/proxy.pac"


class PagesServer:
    def __init__(self, agent, host: str, port: int, proxy_host: str, proxy_port: int):
        self.agent = agent
        self.proxy = (proxy_host, proxy_port)
        self._pac_cache: tuple[object, bytes] | None = None
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
                if self.path.split("?", 1)[0] == PAC_PATH:
                    self._send(200, "application/x-ns-proxy-autoconfig", server.pac())
                elif self.path == "/":
                    body = b"<!doctype html><meta charset=utf-8><title>nocontact</title><p>nocontact is running."
                    self._send(200, "text/html; charset=utf-8", body)
                else:
                    self._send(404, "text/plain; charset=utf-8", b"Not here.\n")

            def _send(self, status: int, kind: str, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass  # nothing about the person's browsing goes to a log

        self.httpd = ThreadingHTTPServer((host, port), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self._thread = threading.Thread(target=self.httpd.serve_forever, name="pages", daemon=True)

    def pac(self) -> bytes:
        policy = self.agent.policy
        if self._pac_cache is None or self._pac_cache[0] is not policy:
            self._pac_cache = (policy, pac_file(policy, *self.proxy).encode())
        return self._pac_cache[1]

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
