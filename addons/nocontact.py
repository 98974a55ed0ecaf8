"""The nocontact mitmproxy addon: thin glue between mitmproxy's hooks and the agent.

Embedded by `nocontact run`, or on its own:

    mitmdump -s addons/nocontact.py [--set nocontact_config=PATH]

Only hosts under some rule are decrypted; every other TLS connection passes
through untouched. A blocked request gets the gentle page (or a small JSON
body for a background request) after its urge is committed, and never reaches
the origin.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import parse_qsl

try:
    import agent  # noqa: F401
except ImportError:  # run from a checkout that is not installed
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mitmproxy import ctx, exceptions, http, tls

from agent import paths
from agent.agent import Agent, describe
from agent.barrier.barrier import is_compressed
from agent.config import ConfigError
from agent.cooldown import CooldownError
from agent.engine.policy import Decision
from agent.engine.urls import parse
from agent.secret import number
from agent.web import pages

log = logging.getLogger("nocontact")

NO_STORE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
PAGE_HEADERS = NO_STORE | {
    "Content-Type": "text/html; charset=utf-8",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
    "form-action 'self'; base-uri 'none'",
}
JSON_HEADERS = NO_STORE | {"Content-Type": "application/json"}
SAFE_PAUSE = "nocontact could not read this address, so it paused it to be safe."
INLINE_BODY = 64 * 1024  # plain (uncompressed) bodies up to this size are read on the event loop
# Background calls that send their query (GraphQL variables) as a form body.
FORM_BODY_PATHS = ("/api/graphql", "/graphql", "/graphql/query")


class NoContact:
    def __init__(self, agent: Agent | None = None):
        self.agent = agent
        self.standalone = agent is None
        # The barrier's own thread: a large or compressed body (a few KB can unpack to megabytes) is read
        # there, so it holds up only its own request, never other traffic or mitmproxy's own executor.
        self._reader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="nocontact-barrier")

    async def _read(self, body: bytes, compressed: bool, func, *args):
        """`func(*args)` at once for a small plain body (tens of microseconds), else on the barrier's thread."""
        if len(body) <= INLINE_BODY and not compressed:
            return func(*args)
        return await asyncio.get_running_loop().run_in_executor(self._reader, func, *args)

    def load(self, loader) -> None:
        loader.add_option(
            "nocontact_config", str, "",
            "The nocontact config file (default: config.yaml in the nocontact data directory).",
        )

    def configure(self, updated: set[str]) -> None:
        if not self.standalone or not ({"nocontact_config"} & updated or self.agent is None):
            return
        path = Path(ctx.options.nocontact_config) if ctx.options.nocontact_config else paths.config_path()
        try:
            new = Agent(path)
        except ConfigError as err:
            raise exceptions.OptionsError(str(err)) from None
        if self.agent:
            self.agent.close()
        self.agent = new

    def done(self) -> None:
        self._reader.shutdown(wait=False, cancel_futures=True)
        if self.standalone and self.agent:
            self.agent.close()

    def tls_clienthello(self, data: tls.ClientHelloData) -> None:
        # Decrypt only hosts that some rule needs to see; the rest passes untouched.
        host = data.client_hello.sni or (data.context.server.address or ("",))[0]
        if not self.agent.policy.watches(host or ""):
            data.ignore_connection = True

    async def request(self, flow: http.HTTPFlow) -> None:
        if flow.response or flow.error or not flow.live:
            return
        try:
            await self._request(flow)
        except Exception as err:  # our own mistake: paused where a rule watches (fail closed), else let through
            log.warning("nocontact could not handle a request (%s); it was paused to be safe.", type(err).__name__)
            if self.agent.policy.watches(flow.request.pretty_host):
                flow.response = http.Response.make(403, pages.notice_page(SAFE_PAUSE), PAGE_HEADERS)

    async def _request(self, flow: http.HTTPFlow) -> None:
        request = flow.request
        if request.path.startswith(pages.PREFIX) and self.agent.policy.watches(request.pretty_host):
            await self._own_page(flow)
            return
        try:
            decision = self.agent.policy.decide(_decision_url(request))
        except Exception as err:  # fail closed for hosts under rules, open for the rest
            if not self.agent.policy.watches(request.pretty_host):
                return
            log.warning("nocontact could not read a request (%s); it was paused to be safe.", type(err).__name__)
            flow.response = http.Response.make(403, pages.notice_page(SAFE_PAUSE), PAGE_HEADERS)
            return
        if decision.blocked and not self.agent.is_open(decision):
            await self._block(flow, decision)
            return
        barrier = self.agent.barrier
        if barrier is not None and barrier.is_send_shaped(request.method, request.pretty_host, request.path):
            await self._check_send(flow, barrier)

    async def _check_send(self, flow: http.HTTPFlow, barrier) -> None:
        """A message or payment on the way out: held back when it goes to the person (by its recipients)."""
        request = flow.request
        headers = {k.lower(): v for k, v in request.headers.items()}
        body = request.raw_content or b""
        args = (request.method, request.pretty_host, request.path, headers, body)
        try:
            send = await self._read(body, is_compressed(headers, body), barrier.inspect, *args)
        except Exception as err:  # fail closed: a send we could not read is not let out
            log.warning("nocontact could not read a message (%s); it was held to be safe.", type(err).__name__)
            flow.response = http.Response.make(403, json.dumps({"error": SAFE_PAUSE}).encode(), JSON_HEADERS)
            return
        if send is None:
            return
        url = parse(request.pretty_url).without_query()
        if await self.agent.message_to_person(send, url):
            flow.response = http.Response.make(403, json.dumps({
                "error": "Held back by nocontact: this message was not sent. Your words are kept as an unsent letter.",
            }).encode(), JSON_HEADERS)

    async def response(self, flow: http.HTTPFlow) -> None:
        barrier = self.agent.barrier
        if barrier is None or not flow.response or not 200 <= flow.response.status_code < 300:
            return
        if barrier.is_listing(flow.request.method, flow.request.pretty_host, flow.request.path):
            await self._learn(flow, barrier)

    async def _learn(self, flow: http.HTTPFlow, barrier) -> None:
        """An inbox or a profile lookup from a messaging service: the ids it ties to the person are learnt.

        Learnt ids live in memory only (and in a reloaded config while the person is still in it);
        nothing more about the other person is written to disk. The response goes on untouched.
        """
        request, response = flow.request, flow.response
        headers = {k.lower(): v for k, v in response.headers.items()}
        body = response.raw_content or b""  # still encoded: the barrier decodes it within its bound
        args = (request.method, request.pretty_host, request.path, headers, body)
        try:
            await self._read(body, is_compressed(headers, body), barrier.learn_from_response, *args)
        except Exception as err:  # our own mistake: nothing is learnt, and the page still loads
            log.warning("nocontact could not read a list of conversations (%s).", type(err).__name__)

    async def websocket_message(self, flow: http.HTTPFlow) -> None:
        barrier = self.agent.barrier
        message = flow.websocket.messages[-1] if flow.websocket else None
        if barrier is None or message is None or not message.from_client:
            return
        try:
            send = await self._read(message.content, False, barrier.inspect_websocket, flow.request.pretty_host,
                                    flow.request.path, message.content)
            if send is not None and await self.agent.message_to_person(send, parse(flow.request.pretty_url).without_query()):
                message.drop()
        except Exception as err:  # fail closed on our own mistake: the frame is not sent
            log.warning("nocontact could not read a message (%s); it was held to be safe.", type(err).__name__)
            message.drop()

    async def _block(self, flow: http.HTTPFlow, decision: Decision) -> None:
        request = flow.request
        try:
            url = parse(request.pretty_url).without_query()
        except ValueError:
            url = f"{request.scheme}://{request.pretty_host}"
        urge_id = await self.agent.record(decision, url)
        what = describe(decision)
        if not _wants_page(request):
            flow.response = http.Response.make(403, pages.block_json(what), JSON_HEADERS)
            return
        body = pages.block_page(
            urge_id=urge_id or 0,
            token=self.agent.token(urge_id) if urge_id else "",
            what=what,
            plan=self.agent.plan_for(decision),
            help_lines=self.agent.help_lines(),
            ask=self.agent.ask(decision, urge_id, request.path) if urge_id else None,
            note_url=self.agent.note_url(urge_id) if urge_id else None,
            about_person=decision.person is not None,
        )
        flow.response = http.Response.make(403, body, PAGE_HEADERS)

    async def _own_page(self, flow: http.HTTPFlow) -> None:
        """The block page's own actions: close, ask, wait, cancel, open. Same origin, signed, POST to act."""
        request = flow.request
        path = request.path.split("?", 1)[0]
        if path == pages.WAIT_PATH and request.method == "GET":
            query = request.query
            flow.response = self._wait(query.get("id", ""), query.get("t", ""))
            return
        form = dict(parse_qsl(request.get_text(strict=False) or "")) if request.method == "POST" else {}
        if not form or not _same_origin(request):
            flow.response = _refused()
            return
        agent = self.agent
        if path == pages.CLOSE_PATH:
            urge = number(form.get("urge"))
            ok = urge is not None and await agent.close_urge(urge, form.get("token", ""))
            flow.response = http.Response.make(200 if ok else 403, pages.closed_page(urge if ok else 0),
                                               PAGE_HEADERS)
        elif path == pages.ASK_PATH:
            try:
                hold = agent.ask_for(form)
            except CooldownError as err:
                flow.response = http.Response.make(403, pages.notice_page(str(err)), PAGE_HEADERS)
                return
            flow.response = _see(f"{pages.WAIT_PATH}?id={hold.id}&t={agent.hold_token(hold.id)}")
        elif path in (pages.CANCEL_PATH, pages.OPEN_PATH) and agent.valid_hold(form.get("id"), form.get("token")):
            hold_id = number(form["id"])
            try:
                if path == pages.CANCEL_PATH:
                    agent.cooldowns.cancel(hold_id)
                    flow.response = http.Response.make(200, pages.closed_page(hold_id), PAGE_HEADERS)
                else:
                    hold = agent.cooldowns.open(hold_id)
                    flow.response = _see(hold.back or "/")
            except CooldownError as err:
                flow.response = self._wait(form["id"], form["token"], note=str(err))
        else:
            flow.response = _refused()

    def _wait(self, hold_id: str, token: str, note: str | None = None) -> http.Response:
        agent = self.agent
        if not agent.valid_hold(hold_id, token):
            return _refused()
        agent.cooldowns.tick()
        hold = agent.cooldowns.holds[int(hold_id)]
        if not hold.active:
            return http.Response.make(200, pages.notice_page("This request is no longer waiting."), PAGE_HEADERS)
        if hold.state == "open":
            return _see(hold.back or "/")
        body = pages.wait_page(
            hold_id=hold.id, token=token, what=agent.describe_target(hold.kind, hold.name),
            remaining=hold.remaining, ready=hold.state == "ready", window_minutes=max(1, round(hold.window / 60)),
            plan=agent.plan_for_target(hold.kind, hold.name), help_lines=agent.help_lines(), note=note,
        )
        return http.Response.make(200, body, PAGE_HEADERS)


def _see(location: str) -> http.Response:
    return http.Response.make(303, b"", NO_STORE | {"Location": location})


def _refused() -> http.Response:
    return http.Response.make(403, pages.notice_page("This link is not valid here."), PAGE_HEADERS)


def _same_origin(request: http.Request) -> bool:
    """Only the block page itself may act: a request from any other origin is refused."""
    if request.headers.get("sec-fetch-site", "same-origin") != "same-origin":
        return False
    origin = request.headers.get("origin")
    if origin in (None, "null"):  # "null": our pages send no referrer, so Chromium hides the origin
        return True
    port = "" if request.port == {"http": 80, "https": 443}.get(request.scheme) else f":{request.port}"
    return origin.lower() == f"{request.scheme}://{request.pretty_host}{port}".lower()


def _decision_url(request: http.Request) -> str:
    """The URL to decide on; for GraphQL POSTs the form body joins the query."""
    url = request.pretty_url
    if request.method == "POST" and request.path.split("?", 1)[0].rstrip("/").endswith(FORM_BODY_PATHS):
        if "application/x-www-form-urlencoded" in request.headers.get("content-type", ""):
            body = request.get_text(strict=False) or ""
            url += ("&" if "?" in url else "?") + body[:65536]
    return url


def _wants_page(request: http.Request) -> bool:
    """A page load gets the gentle page; a background call (XHR/fetch) gets JSON."""
    mode = request.headers.get("sec-fetch-mode")
    if mode:
        return mode == "navigate" or request.headers.get("sec-fetch-dest") in ("document", "iframe")
    if request.headers.get("x-requested-with"):
        return False
    accept = request.headers.get("accept", "")
    return "json" not in accept or "html" in accept


addons = [NoContact()]
