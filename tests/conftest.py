"""Shared fixtures: a temporary data directory per test, real local origins, and one real proxy for the session."""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import os
import socket
import tempfile
import threading
from pathlib import Path

import pytest
from mitmproxy import ctx
from mitmproxy.test import taddons

# Nothing here ever reads or writes the person's own data directory: not while importing, not in the session's
# fixtures, and each test gets a fresh one of its own (`data_home`); the same for the folder outside it that keeps
# the second copies of the commitment record and the secret.
os.environ["NOCONTACT_HOME"] = tempfile.mkdtemp(prefix="nocontact-test-home-")
os.environ["NOCONTACT_GUARD_HOME"] = tempfile.mkdtemp(prefix="nocontact-test-guard-")

from agent.agent import Agent  # noqa: E402
from agent.notifier import Notifier  # noqa: E402
from agent.run import serve  # noqa: E402
from tests.origins import fetch, start_origin  # noqa: E402

TEST_CONFIG = """
people:
  - alias: "J"
    profiles:
      - https://www.instagram.com/casey.lindqvist/
      - https://www.facebook.com/profile.php?id=100098765432101
      - https://x.com/caseylindq
    names: ["Casey Lindqvist"]
    emails: ["casey.l@example.org"]
    phones: ["+44 7700 900123"]
    plan: "If I want to check, I text Sam."
block:
  dating: true
  sites: [blocked-site.test]
  urls: [https://blog.test/casey]
allow: [coparent.test, "https://www.facebook.com/groups/coparenting"]
cooldown: {daily_limit: 10}  # several tests open windows on the one shared proxy
"""


class RouteToOrigin:
    """Test-only addon: every host name resolves to the local origin (no DNS, no internet).

    Names are mapped at lookup time (not by rewriting the server address), so
    mitmproxy reuses upstream connections as it would on the internet. It also
    records which hosts the proxy tried to reach, so a test can prove a blocked
    host was never contacted.
    """

    def __init__(self, origin):
        self.origin = origin
        self.contacted: list[str] = []
        self._real_getaddrinfo = socket.getaddrinfo

    def _resolve(self, host, port, *args, **kwargs):
        name = host.decode() if isinstance(host, bytes) else host
        try:
            ipaddress.ip_address(name or "")
        except ValueError:
            port = self.origin.https_port if str(port) == "443" else self.origin.http_port
            return self._real_getaddrinfo("127.0.0.1", port, *args, **kwargs)
        return self._real_getaddrinfo(host, port, *args, **kwargs)

    def load(self, loader) -> None:
        socket.getaddrinfo = self._resolve
        self.master = ctx.master  # the running mitmproxy master, for tests that look inside it

    def done(self) -> None:
        socket.getaddrinfo = self._real_getaddrinfo

    def server_connect(self, data) -> None:
        if data.server.error is None:  # one killed before it is made reaches no one
            self.contacted.append(data.server.address[0])


class Clock:
    """A clock (wall or monotonic) that a test sets and moves instead of sleeping."""

    def __init__(self, now: float = 0.0):
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class MonotonicClock(Clock):
    """The cooldown clock of the shared proxy: tests move it instead of sleeping through a wait."""

    def __init__(self):
        super().__init__(1000.0)


class RunningProxy:
    def __init__(self, agent: Agent, route: RouteToOrigin, origin, loop, thread, clock: MonotonicClock):
        self.agent, self.route, self.origin, self.loop, self.thread = agent, route, origin, loop, thread
        self.clock = clock
        host, port = agent.address["proxy"].rsplit(":", 1)
        self.address = (host, int(port))
        self.pac_url = agent.address["pac_url"]
        self.master = route.master

    def fetch(self, url: str, **kwargs):
        return fetch(self.address, url, **kwargs)


def start_proxy(config_text: str, folder: Path, origin, notifications: list) -> RunningProxy:
    config = folder / "config.yaml"
    config.write_text(config_text)
    notifier = Notifier(send=lambda title, body: notifications.append((title, body)))
    clock = MonotonicClock()
    agent = Agent(config, notifier=notifier, database=folder / "urges.sqlite3", monotonic=clock)
    route = RouteToOrigin(origin)
    ready = threading.Event()
    loop = asyncio.new_event_loop()

    def main() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(
            serve(agent, "127.0.0.1", 0, 0, ["ssl_insecure=true", "dns_name_servers=127.0.0.1"], announce=lambda _: ready.set(),
                  extra_addons=(route,), pac_path=folder / "proxy.pac", confdir=folder / "ca")
        )

    thread = threading.Thread(target=main, daemon=True, name="proxy")
    thread.start()
    while not ready.wait(0.1):
        if not thread.is_alive():
            raise RuntimeError("the proxy stopped while starting (see the thread's traceback above)")
    return RunningProxy(agent, route, origin, loop, thread, clock)


@contextlib.contextmanager
def own_proxy(config_text: str, folder: Path, origin):
    """A second real proxy with its own config (and its own notes list), for tests that need one.

    mitmproxy hands each new connection, on any of its servers, to the master made last (its
    `ctx.master` is one per process). So while this one runs, do not use the shared `proxy`;
    afterwards, the shared one gets its master back.
    """
    before = {name: getattr(ctx, name) for name in ("master", "options", "log") if hasattr(ctx, name)}
    notes: list = []
    proxy = start_proxy(config_text, folder, origin, notes)
    proxy.notes = notes
    try:
        yield proxy
    finally:
        proxy.loop.call_soon_threadsafe(proxy.agent.shutdown)
        proxy.thread.join(10)
        proxy.agent.close()
        for name, value in before.items():
            setattr(ctx, name, value)


@pytest.fixture(autouse=True)
def data_home(tmp_path_factory, monkeypatch) -> Path:
    """A fresh, empty data directory for every test, so no test sees what another wrote there."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("NOCONTACT_HOME", str(home))
    monkeypatch.setenv("NOCONTACT_GUARD_HOME", str(tmp_path_factory.mktemp("guard")))
    return home


@pytest.fixture(autouse=True)
def mitmproxy_context(monkeypatch):
    """A test that builds a mitmproxy master in process (taddons) leaves `ctx.master` pointing at it, and the
    shared proxy would then hand its next connections to that dead master: every test gets the context back.

    Each such master also puts a log handler on the root logger that only a full run takes off again; with
    mitmproxy 12 it sends every later log line, from any thread, to that master's closed event loop, and the
    line's writer fails. It is taken off when the test's master is done with."""
    before = {name: getattr(ctx, name) for name in ("master", "options", "log") if hasattr(ctx, name)}
    made = taddons.context

    @contextlib.contextmanager
    def context(*addons, **kwargs):
        with made(*addons, **kwargs) as tctx:
            try:
                yield tctx
            finally:
                handler = getattr(tctx.master, "_legacy_log_events", None)
                if handler is not None:
                    handler.uninstall()

    monkeypatch.setattr(taddons, "context", context)
    yield
    for name, value in before.items():
        setattr(ctx, name, value)


@pytest.fixture(scope="session")
def origin(tmp_path_factory):
    origin, servers = start_origin(tmp_path_factory.mktemp("origin"))
    yield origin
    for server in servers:
        server.shutdown()


@pytest.fixture(scope="session")
def notifications() -> list:
    return []


@pytest.fixture(scope="session")
def proxy(tmp_path_factory, origin, notifications) -> RunningProxy:
    folder = tmp_path_factory.mktemp("proxy")
    with pytest.MonkeyPatch.context() as patch:  # its secret, CA and state file beside its config and log
        patch.setenv("NOCONTACT_HOME", str(folder))
        running = start_proxy(TEST_CONFIG, folder, origin, notifications)
    yield running
    running.loop.call_soon_threadsafe(running.agent.shutdown)
    running.thread.join(10)
    running.agent.close()


LAYERS = ("unit", "integration", "browser")


def pytest_collection_modifyitems(items) -> None:
    """Each test carries its folder's layer as a marker, so one layer runs alone: `pytest -m unit`."""
    for item in items:
        layer = item.path.parent.name
        if layer in LAYERS:
            item.add_marker(getattr(pytest.mark, layer))
