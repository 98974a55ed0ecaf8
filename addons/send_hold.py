"""The contact barrier on the wire: a message, email or payment to the person is held back.

Sends (HTTP requests and WebSocket frames from the browser) are read for their recipients; a
send to a configured person goes only in an open window, otherwise its words are kept as an
unsent letter. Inbox and lookup responses teach the barrier the ids the services use for the
person (in memory only). A send we could not read is not let out.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor

from mitmproxy import ctx, http

from addons.names import request_names
from addons.request_url import request_url
from addons.responses import fail_closed, response
from agent.agent import Agent
from agent.barrier.body import is_compressed
from agent.web import answer

log = logging.getLogger("nocontact")

INLINE_BODY = 64 * 1024  # plain (uncompressed) bodies up to this size are read on the event loop
HELD_BACK = "Held back by nocontact: this message was not sent. Your words are kept as an unsent letter."


class SendHold:
    name = "nocontact-send-hold"

    def __init__(self, agent: Agent | None = None):
        self.agent = agent  # standalone, set once the config is read
        # The barrier's own thread: a large or compressed body (a few KB can unpack to megabytes) is read
        # there, so it holds up only its own request, never other traffic or mitmproxy's own executor.
        self._reader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="nocontact-barrier")

    def done(self) -> None:
        self._reader.shutdown(wait=False, cancel_futures=True)

    async def _read(self, body: bytes, compressed: bool, func, *args):
        """`func(*args)` at once for a small plain body (tens of microseconds), else on the barrier's thread."""
        if len(body) <= INLINE_BODY and not compressed:
            return func(*args)
        return await asyncio.get_running_loop().run_in_executor(self._reader, func, *args)

    async def _read_http(self, func, host: str, request: http.Request, message: http.Message):
        """`func(method, host, path, headers, body)` on a request's or a response's body, still encoded."""
        headers = {k.lower(): v for k, v in message.headers.items()}
        body = message.raw_content or b""
        return await self._read(body, is_compressed(headers, body), func, request.method, host, request.path,
                                headers, body)

    async def request(self, flow: http.HTTPFlow) -> None:
        barrier, request = self.agent.barrier, flow.request
        if flow.response or flow.error or not flow.live or barrier is None:
            return
        with fail_closed(self.agent, flow):
            # Every name the request involves: the service may route by its Host header or by its target.
            host = next((name for name in request_names(flow)
                         if barrier.is_send_shaped(request.method, name, request.path)), None)
            if host is not None:
                await self._hold(flow, barrier, host)

    async def _hold(self, flow: http.HTTPFlow, barrier, host: str) -> None:
        try:
            send = await self._read_http(barrier.inspect, host, flow.request, flow.request)
        except Exception as err:  # fail closed: a send we could not read is not let out
            log.warning("nocontact could not read a message (%s); it was held to be safe.", type(err).__name__)
            flow.response = response(answer.error_json(answer.SAFE_PAUSE))
            return
        if send is not None and await self.agent.message_to_person(send, request_url(flow).without_query()):
            flow.response = response(answer.error_json(HELD_BACK))

    async def response(self, flow: http.HTTPFlow) -> None:
        """An inbox or a profile lookup: the ids it ties to the person are learnt; the response goes on untouched.

        Learnt ids live in memory only (and in a reloaded config while the person is still in it);
        nothing more about the other person is written to disk.
        """
        barrier, request = self.agent.barrier, flow.request
        if barrier is None or not flow.response or not 200 <= flow.response.status_code < 300:
            return
        if barrier.is_listing(request.method, request.pretty_host, request.path):
            try:
                await self._read_http(barrier.learn_from_response, request.pretty_host, request, flow.response)
            except Exception as err:  # our own mistake: nothing is learnt, and the page still loads
                log.warning("nocontact could not read a list of conversations (%s).", type(err).__name__)

    async def websocket_message(self, flow: http.HTTPFlow) -> None:
        barrier = self.agent.barrier
        message = flow.websocket.messages[-1] if flow.websocket else None
        if barrier is None or message is None:
            return
        if not message.from_client:
            await self._learn_from_socket(flow, barrier, message.content)
            return
        try:
            send = None
            for host in request_names(flow):
                send = await self._read(message.content, False, barrier.inspect_websocket, host,
                                        flow.request.path, message.content)
                if send is not None:
                    break
            if send is not None and await self.agent.message_to_person(send, request_url(flow).without_query()):
                message.drop()
                if send.answer is not None:  # the app shows the message as not sent, not as sending for ever
                    is_text = isinstance(send.answer, str)
                    data = send.answer.encode() if is_text else send.answer
                    ctx.master.commands.call("inject.websocket", flow, True, data, is_text)
        except Exception as err:  # fail closed on our own mistake: the frame is not sent
            log.warning("nocontact could not read a message (%s); it was held to be safe.", type(err).__name__)
            message.drop()

    async def _learn_from_socket(self, flow: http.HTTPFlow, barrier, content: bytes) -> None:
        """A chat socket's sync from the server (Instagram's web inbox comes this way): ids are learnt, the
        message goes on untouched."""
        host = flow.request.pretty_host
        if not barrier.is_chat_socket(host):
            return
        try:
            await self._read(content, False, barrier.learn_from_websocket, host, flow.request.path, content)
        except Exception as err:  # our own mistake: nothing is learnt, and the message still arrives
            log.warning("nocontact could not read a chat update (%s).", type(err).__name__)
