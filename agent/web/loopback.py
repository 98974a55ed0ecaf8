"""One bounded HTTP server for nocontact's loopback ports: the PAC service and the agent's pages.

Any program on the machine can open connections to these ports and never finish a
request. With a thread per connection (the standard library's servers) a thousand
such connections use up the process's open files: the PAC service stops answering
(and a browser without its PAC file goes direct), and in the agent the proxy, which
shares the process, can accept nothing either.

So one event loop, in its own thread, reads the requests:
- it holds at most `connections` at once, well inside the process's open-file limit;
  at that bound it lets go of the oldest connections still sending their request, so
  a fresh request is always taken in;
- a whole request must arrive within `read_seconds`, its answer be taken within
  `write_seconds`;
- the head and the body are bounded, and a Content-Length that is not a plain number
  is refused (400) before anything is read on its word;
- the listen backlog is deep and drained at once, so a burst never drops a connection.

A complete request is answered by a standard-library request handler, on a few
worker threads (the pages wait on the agent's event loop), from memory: the handler
never touches the socket, and nothing is logged about the request.
"""

from __future__ import annotations

import asyncio
import errno
import io
import logging
import queue
import re
import socket
import threading
from collections import OrderedDict
from http import HTTPStatus
from http.client import HTTPException, parse_headers
from http.server import BaseHTTPRequestHandler

try:
    import resource
except ImportError:  # Windows: no per-process limit on open sockets to mind
    resource = None

log = logging.getLogger("nocontact")

MAX_HEAD = 16 * 1024
MAX_BODY = 16 * 1024
READ_SECONDS = 10.0
WRITE_SECONDS = 10.0
LINGER_SECONDS = 1.0  # after refusing a request, read what is still coming, so the refusal is not lost to a reset
BACKLOG = 4096  # capped by the system (net.core.somaxconn); a burst waits there instead of being dropped
FILE_MARGIN = 64  # open files kept free for the rest of the process (the PAC file, the log, the database)
OUT_OF_FILES = {errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM}
_LENGTH = re.compile(r"[0-9]{1,15}")


def raise_file_limit(wanted: int) -> int | None:
    """Raise this process's soft open-file limit towards `wanted` (never past the hard limit); the soft limit after."""
    if resource is None:
        return None
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        except (ValueError, OSError):  # macOS caps it below the hard limit (kern.maxfilesperproc)
            pass
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def connection_bound(most: int, share: float = 1.0) -> int:
    """How many connections a server may hold: `most`, or `share` of the open files the process may still use."""
    if resource is None:
        return most
    soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    if soft == resource.RLIM_INFINITY:
        return most
    return max(8, min(most, int((soft - FILE_MARGIN) * share)))


class LocalHandler(BaseHTTPRequestHandler):
    """Answers one complete request from memory; answers only what names this machine; logs nothing.

    A web page that points its own name at 127.0.0.1 (DNS rebinding) sends its own name as Host,
    and learns nothing; nothing about the person's browsing goes to a log.
    """

    server: LoopbackServer

    def setup(self) -> None:
        self.rfile = io.BytesIO(self.request)  # the whole request, read and checked by the server
        self.wfile = io.BytesIO()

    def finish(self) -> None:
        pass  # the server sends what was written

    def names_us(self) -> bool:
        host, port = self.server.server_address[:2]
        host = f"[{host}]" if ":" in host else host  # the address it listens on, when not loopback
        return self.headers.get("host", "").strip().lower() in {
            f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}", f"{host}:{port}"}

    def body(self) -> bytes:
        """The request's body: all of it is here, its length checked against the server's bound."""
        return self.rfile.read(int(self.headers.get("content-length") or 0))

    def log_message(self, *args) -> None:
        pass


def refusal(status: int) -> bytes:
    """A whole answer that refuses a request before any handler saw it."""
    phrase = HTTPStatus(status).phrase
    body = f"{phrase}.\n".encode()
    return (f"HTTP/1.0 {status} {phrase}\r\nContent-Type: text/plain; charset=utf-8\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode() + body


def head_end(data: bytes | bytearray, start: int = 0) -> int:
    """Where the request head ends (after its empty line), or -1; lines may end in CRLF or LF."""
    ends = [i + n for i, n in ((data.find(b"\n\r\n", start), 3), (data.find(b"\n\n", start), 2)) if i >= 0]
    return min(ends) if ends else -1


def body_length(head: bytes, max_body: int) -> int | HTTPStatus:
    """The body's length as the head declares it, or the status that refuses the request."""
    try:
        headers = parse_headers(io.BytesIO(head.partition(b"\n")[2]))
    except HTTPException:  # too many headers, or one too long
        return HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE
    if headers.get("transfer-encoding") is not None:
        return HTTPStatus.NOT_IMPLEMENTED  # our own pages send plain forms, with a length
    values = {value.strip() for value in headers.get_all("content-length") or ()}
    if not values:
        return 0
    if len(values) > 1 or not _LENGTH.fullmatch(next(iter(values))):
        return HTTPStatus.BAD_REQUEST  # negative, signed, spaced, listed, or not a number at all
    length = int(next(iter(values)))
    return length if length <= max_body else HTTPStatus.REQUEST_ENTITY_TOO_LARGE


class Gone(ConnectionError):
    """The client closed its side before its request was whole."""


class Workers:
    """A few daemon threads that answer complete requests: a slow answer never holds up the process's exit."""

    def __init__(self, count: int, name: str):
        self._jobs: queue.SimpleQueue = queue.SimpleQueue()
        self._threads = [threading.Thread(target=self._work, name=f"{name}-{i}", daemon=True) for i in range(count)]
        for thread in self._threads:
            thread.start()

    def run(self, function, *args) -> asyncio.Future:
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self._jobs.put((loop, future, function, args))
        return future

    def _work(self) -> None:
        while (job := self._jobs.get()) is not None:
            loop, future, function, args = job
            result = function(*args)  # never raises: `LoopbackServer.answer` turns every error into a 500
            try:
                loop.call_soon_threadsafe(_settle, future, result)
            except RuntimeError:
                pass  # the server stopped meanwhile

    def stop(self) -> None:
        for _ in self._threads:
            self._jobs.put(None)


def _settle(future: asyncio.Future, result) -> None:
    if not future.done():  # not cancelled meanwhile (the connection let go, the server stopping)
        future.set_result(result)


class LoopbackServer:
    """Serves `handler` on (host, port) within the bounds above; `port` 0 picks a free one.

    The port is bound at once (an address in use raises OSError here); `serve_forever` serves in
    the calling thread, `start` in a thread of its own, until `stop`.
    """

    def __init__(self, handler: type[LocalHandler], host: str, port: int, *, name: str, connections: int,
                 workers: int = 2, max_body: int = MAX_BODY, read_seconds: float = READ_SECONDS,
                 write_seconds: float = WRITE_SECONDS):
        self.handler, self.name, self.connections, self.workers = handler, name, connections, workers
        self.max_body, self.read_seconds, self.write_seconds = max_body, read_seconds, write_seconds
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.socket = socket.create_server((host, port), family=family, backlog=BACKLOG)
        self.socket.setblocking(False)
        self.server_address = self.socket.getsockname()[:2]
        self.port = self.server_address[1]
        self._open: dict[asyncio.Task, socket.socket] = {}
        self._reading: OrderedDict[asyncio.Task, None] = OrderedDict()  # still sending their request, oldest first
        self._leaving: set[asyncio.Task] = set()  # let go, not closed yet
        self._flooded = False
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._main: asyncio.Task | None = None
        self._stopping = False
        self._done = threading.Event()

    # --- running -------------------------------------------------------------

    def serve_forever(self) -> None:
        loop = asyncio.new_event_loop()
        loop.set_exception_handler(_quietly)
        with self._lock:
            if self._stopping:
                loop.close()
                return
            self._loop, self._main = loop, loop.create_task(self._accept_forever())
        self._workers = Workers(self.workers, self.name)
        try:
            loop.run_until_complete(self._main)
        except asyncio.CancelledError:
            pass
        finally:
            loop.run_until_complete(self._let_all_go())
            self._workers.stop()
            loop.close()
            self._done.set()

    def start(self) -> LoopbackServer:
        threading.Thread(target=self.serve_forever, name=self.name, daemon=True).start()
        return self

    def stop(self) -> None:
        with self._lock:
            self._stopping = True
            loop, main = self._loop, self._main
        if loop is not None and main is not None:
            try:
                loop.call_soon_threadsafe(main.cancel)
            except RuntimeError:
                pass  # its loop has ended already
            self._done.wait(10)
        self.socket.close()

    # --- connections ---------------------------------------------------------

    async def _let_all_go(self) -> None:
        tasks = [self._main, *self._open]  # the accept loop too, when it ends by an interrupt (Ctrl+C)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await asyncio.sleep(0)  # the connections' own endings close their sockets

    async def _accept_forever(self) -> None:
        loop = asyncio.get_running_loop()
        self._room = asyncio.Event()
        while True:
            if len(self._open) >= self.connections:
                if not self._leaving:
                    self._let_go_oldest()
                self._room.clear()
                await self._room.wait()
                continue
            try:
                sock, address = await loop.sock_accept(self.socket)
            except OSError as err:
                if err.errno in OUT_OF_FILES:  # the process is short of files: make room, do not spin
                    if not (self._leaving or self._let_go_oldest()):
                        await asyncio.sleep(0.05)
                continue
            task = loop.create_task(self._serve(sock, address))
            self._open[task] = sock
            self._reading[task] = None
            task.add_done_callback(self._closed)

    def _let_go_oldest(self) -> bool:
        """Let go of the oldest connections still sending their request, a few at once (a flood comes in bursts)."""
        if not self._reading:
            return False
        if not self._flooded:
            self._flooded = True
            log.warning("%s: more unfinished connections than it holds (%d): the oldest are let go.",
                        self.name, self.connections)
        for _ in range(min(len(self._reading), max(1, self.connections // 16))):
            task, _ = self._reading.popitem(last=False)
            task.cancel()
            self._leaving.add(task)
        return True

    def _closed(self, task: asyncio.Task) -> None:
        self._reading.pop(task, None)
        self._leaving.discard(task)
        self._open.pop(task).close()
        self._room.set()

    async def _serve(self, sock: socket.socket, address) -> None:
        loop = asyncio.get_running_loop()
        try:
            try:
                async with asyncio.timeout(self.read_seconds):
                    request = await self._read_request(loop, sock)
            finally:
                self._reading.pop(asyncio.current_task(), None)
            if isinstance(request, HTTPStatus):
                answer = refusal(request)
            else:
                answer = await self._workers.run(self.answer, request, address)
            async with asyncio.timeout(self.write_seconds):
                await loop.sock_sendall(sock, answer)
                if isinstance(request, HTTPStatus):
                    await self._linger(loop, sock)
        except (TimeoutError, OSError, asyncio.CancelledError):
            pass  # gone, too slow, or let go: the socket is closed all the same

    async def _read_request(self, loop: asyncio.AbstractEventLoop, sock: socket.socket) -> bytes | HTTPStatus:
        data = bytearray()
        end = -1
        while end < 0:
            if len(data) > MAX_HEAD:
                return HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE
            chunk = await loop.sock_recv(sock, 65536)
            if not chunk:
                raise Gone()
            start = max(0, len(data) - 2)
            data += chunk
            end = head_end(data, start)
        if end > MAX_HEAD:
            return HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE
        length = body_length(bytes(data[:end]), self.max_body)
        if isinstance(length, HTTPStatus):
            return length
        whole = end + length
        while len(data) < whole:
            chunk = await loop.sock_recv(sock, min(65536, whole - len(data)))
            if not chunk:
                raise Gone()
            data += chunk
        return bytes(data[:whole])

    async def _linger(self, loop: asyncio.AbstractEventLoop, sock: socket.socket) -> None:
        """Say we are done and read (a bounded amount of) what is still coming, so the refusal arrives whole."""
        sock.shutdown(socket.SHUT_WR)
        left = self.max_body + MAX_HEAD
        async with asyncio.timeout(LINGER_SECONDS):
            while left > 0 and (chunk := await loop.sock_recv(sock, 65536)):
                left -= len(chunk)

    def answer(self, request: bytes, address) -> bytes:
        """The handler's answer to one complete request (on a worker thread)."""
        try:
            return self.handler(request, address, self).wfile.getvalue()
        except Exception as err:  # our mistake: one line in the log, a 500 to the client, the server goes on
            log.warning("%s could not answer a request (%s).", self.name, type(err).__name__)
            log.debug("%s: the error in full", self.name, exc_info=True)
            return refusal(HTTPStatus.INTERNAL_SERVER_ERROR)


def _quietly(loop: asyncio.AbstractEventLoop, context: dict) -> None:
    # Whatever the event loop reports about a single connection is no reason for a traceback in the log.
    log.debug("loopback server: %s (%s)", context.get("message"), context.get("exception"))
