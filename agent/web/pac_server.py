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

from pathlib import Path
from urllib.parse import urlsplit

from agent.web.loopback import FILE_MARGIN, LocalHandler, LoopbackServer, connection_bound, raise_file_limit
from agent.web.pac import PAC_HEADERS, PAC_PATH, PAC_TYPE, SERVICE_PORT, direct_pac

DEFAULT_PORT = SERVICE_PORT
NOT_WRITTEN = direct_pac("nocontact has not written its routing here yet")
# Connections held at once. Far more than browsers ever open; at the bound the oldest unfinished
# one is let go, so a flood of slow clients from some local program cannot keep a browser out.
CONNECTIONS = 4096


def pac_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return NOT_WRITTEN


class PacServer:
    """A loopback HTTP server for one file; `port` 0 picks a free one.

    It runs as a process of its own (the PAC service), so it may take for its connections
    what open files the system allows the process.
    """

    def __init__(self, path: Path, host: str = "127.0.0.1", port: int = DEFAULT_PORT):
        pac_file = Path(path)

        class Handler(LocalHandler):
            def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
                self._answer(body=True)

            def do_HEAD(self) -> None:  # noqa: N802
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
                self.send_header("Content-Type", PAC_TYPE)
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Cache-Control", "no-store")
                for name, value in PAC_HEADERS.items():
                    self.send_header(name, value)
                self.end_headers()
                if body:
                    self.wfile.write(data)

        raise_file_limit(CONNECTIONS + FILE_MARGIN)
        self.server = LoopbackServer(Handler, host, port, name="nocontact-pac", connections=connection_bound(CONNECTIONS))
        self.host, self.port = host, self.server.port
        self.url = f"http://{host}:{self.port}{PAC_PATH}"

    def serve_forever(self) -> None:
        self.server.serve_forever()

    def start(self) -> PacServer:
        self.server.start()
        return self

    def stop(self) -> None:
        self.server.stop()
