"""The agent's own small web server on loopback: the PAC file, a status page, and the CLI's API.

It is the bounded loopback server (agent/web/loopback.py) in its own thread, so a
slow browser, or a flood of slow clients, never holds up the proxy: it takes only a
small share of the process's open files. Work on the agent's state is handed to the
event loop, where the proxy reads it.
The API answers only requests that carry the install's key in a header: a web
page cannot send that header without a preflight that this server never grants.
"""

from __future__ import annotations

import asyncio
import json
import re
from dataclasses import asdict
from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlsplit

from agent import secret
from agent.cooldown import CooldownError, Hold
from agent.lists.subscriptions import UPDATE_WAIT, refresh
from agent.web import home
from agent.web.devices_page import DEVICES_PATH, QR_PATH, devices_html, qr_action, qr_html
from agent.web.forms import form_int, same_origin
from agent.web.home import REVIEW_PATH
from agent.web.loopback import LocalHandler, LoopbackServer, connection_bound
from agent.web.pac import PAC_HEADERS, PAC_PATH, PAC_TYPE, pac_file
from agent.web.pages import LETTERS_PATH, letters_html

NOTE_PATH = "/review/note"
KEY_HEADER = "X-Nocontact-Key"
PAGES_HOST = "pages"  # what the note form's token is for: this server, which answers its own names only
MAX_BODY = 16_384
# Connections held at once: a browser opens a few. The proxy shares the process's open files,
# so the pages never take more than an eighth of them.
CONNECTIONS = 128


def api_key(install_secret: bytes) -> str:
    return secret.sign(install_secret, "api")


def hold_json(hold: Hold) -> dict:
    data = asdict(hold)
    data.pop("payload")
    data.pop("back")
    return data | {"remaining": round(hold.remaining)}


class PagesServer:
    def __init__(self, agent, host: str, port: int, proxy_host: str, proxy_port: int,
                 loop: asyncio.AbstractEventLoop | None = None):
        self.agent = agent
        self.proxy = (proxy_host, proxy_port)
        self.loop = loop
        self._pac_cache: tuple[object, bytes] | None = None
        server = self

        class Handler(LocalHandler):
            def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
                path = self.path.split("?", 1)[0]
                if not self.names_us():
                    self._send(403, "text/plain; charset=utf-8", b"Not allowed.\n")
                elif path == PAC_PATH:
                    self._send(200, PAC_TYPE, server.pac(), headers=PAC_HEADERS)
                elif path in ("/", home.STATUS_PATH, DEVICES_PATH):
                    self._send(200, "text/html; charset=utf-8", server.front(path).encode(), page_headers=True)
                elif path == LETTERS_PATH:
                    self._send(200, "text/html; charset=utf-8", server.letters().encode(), page_headers=True)
                elif path == REVIEW_PATH:
                    self._send(200, "text/html; charset=utf-8", server.review(self.path).encode(),
                               page_headers=True)
                elif path == QR_PATH:
                    status, page = server.device_qr(self.path)
                    self._send(status, "text/html; charset=utf-8", page.encode(), page_headers=True)
                elif path == "/api/devices" and self._authorised():
                    self._json(200, server.on_loop(server.agent.tunnels.summary))
                elif path == "/api/holds" and self._authorised():
                    self._json(200, [hold_json(h) for h in server.on_loop(server.agent.cooldowns.active)])
                else:
                    self._send(404, "text/plain; charset=utf-8", b"Not here.\n")

            def do_POST(self) -> None:  # noqa: N802
                if not self.names_us():
                    return self._send(403, "text/plain; charset=utf-8", b"Not allowed.\n")
                if self.path == NOTE_PATH:
                    return self._note()
                if not self._authorised():
                    return self._send(403, "text/plain; charset=utf-8", b"Not allowed.\n")
                try:
                    body = json.loads(self.body() or b"{}")
                    self._json(200, server.api(self.path, body))
                except CooldownError as err:
                    self._json(409, {"error": str(err)})
                except (ValueError, KeyError, TypeError):
                    self._json(400, {"error": "the request was not understood"})

            def _note(self) -> None:
                form = dict(parse_qsl(self.body().decode("utf-8", "replace")))
                own = f"http://{self.headers.get('host', '')}"
                urge = form_int(form.get("urge"))
                signed = server.agent.token_valid("note", PAGES_HOST, form.get("token"))
                if not (same_origin(self.headers, own) and urge is not None and signed):
                    return self._send(403, "text/plain; charset=utf-8", b"Not allowed.\n")
                fields = {"trigger": form.get("trigger") or None, "note": form.get("note", "").strip()[:1000] or None}
                fields["intensity_before"] = form_int(form.get("intensity_before"))
                try:
                    server.agent.urges.add_note(urge, **{k: v for k, v in fields.items() if v is not None})
                except ValueError as err:
                    return self._send(400, "text/plain; charset=utf-8", f"{err}\n".encode())
                self.send_response(303)
                self.send_header("Location", f"{REVIEW_PATH}#urge-{urge}")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def _authorised(self) -> bool:
                origin = self.headers.get("origin")
                return origin is None and secret.verify(server.agent.secret, "api", self.headers.get(KEY_HEADER, ""))

            def _json(self, status: int, data) -> None:
                self._send(status, "application/json", json.dumps(data).encode())

            def _send(self, status: int, kind: str, body: bytes, page_headers: bool = False,
                      headers: dict[str, str] | None = None) -> None:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "no-store")
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                if page_headers:  # our own page: nothing from elsewhere, not framed by anyone
                    self.send_header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; "
                                     "img-src data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
                    self.send_header("Referrer-Policy", "same-origin")
                self.end_headers()
                self.wfile.write(body)

        self.httpd = LoopbackServer(Handler, host, port, name="nocontact-pages", workers=4, max_body=MAX_BODY,
                                    connections=connection_bound(CONNECTIONS, share=1 / 8))
        self.port = self.httpd.port

    def on_loop(self, function, *args):
        """Run `function` on the agent's event loop (where the proxy reads the same state) and wait."""
        if self.loop is None:
            return function(*args)

        async def call():
            return function(*args)

        return asyncio.run_coroutine_threadsafe(call(), self.loop).result(10)

    def api(self, path: str, body: dict) -> dict:
        agent = self.agent
        if path == "/api/holds":
            kind, name = self.on_loop(agent.resolve_target, str(body["target"]))
            reason = (str(body.get("reason") or "").strip()[:200]) or None
            return hold_json(self.on_loop(agent.cooldowns.request, kind, name, reason))
        if path == "/api/lists/update":  # `nocontact lists update`: answered once every list was tried
            return {"lists": asyncio.run_coroutine_threadsafe(refresh(agent, every_list=True), self.loop)
                    .result(UPDATE_WAIT)}
        if path == "/api/stop":
            return hold_json(self.on_loop(agent.cooldowns.request, "stop", "nocontact"))
        match = re.fullmatch(r"/api/devices/([A-Za-z0-9_-]{1,32})/remove", path)
        if match:
            return hold_json(self.on_loop(agent.remove_device, match.group(1)))
        match = re.fullmatch(r"/api/holds/(\d+)/(cancel|open)", path)
        if match:
            hold_id, action = int(match.group(1)), match.group(2)
            method = agent.cooldowns.cancel if action == "cancel" else agent.cooldowns.open
            return hold_json(self.on_loop(method, hold_id))
        raise KeyError(path)

    def device_qr(self, path: str) -> tuple[int, str]:
        """A device's QR code, through the link `devices add`/`devices show` printed (it holds the device's key)."""
        from agent.web.pages import notice_page

        query = dict(parse_qsl(urlsplit(path).query))
        name = query.get("name", "")
        device = self.agent.tunnels.devices.get(name)
        if device is None or not self.agent.token_valid(qr_action(name), PAGES_HOST, query.get("t")):
            return 403, notice_page("This link is not valid here (each works for 15 minutes). "
                                    "`nocontact devices show NAME` prints a new one.")
        return 200, qr_html(name, device.client_config())

    def review(self, path: str) -> str:
        from agent.web.review_page import review_page

        now = datetime.now(UTC)  # the charts count in SQL; one page of the urges is read
        return review_page(self.agent.urges, dict(parse_qsl(urlsplit(path).query)), now=now,
                           tz=now.astimezone().tzinfo, note_token=self.agent.token("note", PAGES_HOST),
                           post_path=NOTE_PATH)

    def letters(self) -> str:
        return letters_html(self.agent.urges.letters(), datetime.now().astimezone().tzinfo)

    def front(self, path: str) -> str:
        """The home page, the status page, or the devices page (each device, and when it was last seen)."""
        now = datetime.now().astimezone()
        if path == DEVICES_PATH:
            return devices_html(self.on_loop(self.agent.tunnels.summary), now.tzinfo)
        if path == home.STATUS_PATH:
            agent = self.agent
            waiting = [home.Waiting(agent.describe_target(hold.kind, hold.name), hold.state, hold.remaining)
                       for hold in self.on_loop(agent.cooldowns.active)]
            return home.status_html(agent.address or {}, waiting, now)
        return home.home_html(now)

    def pac(self) -> bytes:
        policy = self.agent.policy
        if self._pac_cache is None or self._pac_cache[0] is not policy:
            self._pac_cache = (policy, pac_file(policy, *self.proxy).encode())
        return self._pac_cache[1]

    def start(self) -> None:
        self.httpd.start()

    def stop(self) -> None:
        self.httpd.stop()
