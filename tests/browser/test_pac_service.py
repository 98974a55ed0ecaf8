"""The PAC service: routing that outlives the agent.

Real parts: the PAC server on a loopback port, a real agent (mitmproxy) that keeps
the PAC file, and headless Chromium routed by that PAC file, with a local origin
standing in for the internet.
"""

from __future__ import annotations

import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from agent import run
from agent.system.doctor import pac_route
from agent.web.pac import STOPPED
from agent.web.pac_server import NOT_WRITTEN, PacServer
from tests.conftest import own_proxy
from tests.integration.test_doctor import _need_chromium, chromium_load

CONFIG = """
block:
  dating: false
  people_search: false
  viewers: false
  sites: [watched-site.test]
"""
DIRECT_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def get(url: str, method: str = "GET") -> tuple[int, str, dict]:
    try:
        with DIRECT_OPENER.open(urllib.request.Request(url, method=method), timeout=5) as response:
            return response.status, response.read().decode(), dict(response.headers)
    except urllib.error.HTTPError as err:
        return err.code, "", dict(err.headers)


def wait_for(condition, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the PAC file did not change in time"
        time.sleep(0.05)


@pytest.fixture
def served(tmp_path):
    path = tmp_path / "proxy.pac"
    server = PacServer(path, port=0).start()
    yield path, server
    server.stop()


def test_it_serves_the_file_as_it_is_now(served):
    path, server = served
    status, body, headers = get(server.url)
    assert (status, body) == (200, NOT_WRITTEN)  # no file yet: everything direct, never no internet
    assert pac_route(body, "anything.example") is None and "PROXY" not in body
    path.write_text("function FindProxyForURL(url, host) { return \"PROXY 127.0.0.1:9\"; }\n")
    status, body, headers = get(server.url)
    assert status == 200 and "PROXY 127.0.0.1:9" in body
    assert headers["Content-Type"] == "application/x-ns-proxy-autoconfig"
    assert headers["Cache-Control"] == "no-store"
    assert get(server.url, "HEAD")[0] == 200
    assert get(server.url.replace("/proxy.pac", "/other"))[0] == 404
    assert get(server.url + "?v=2")[0] == 200  # some systems add a query to defeat caches


def test_the_agent_keeps_the_file_in_step_with_its_config(tmp_path, origin, monkeypatch):
    monkeypatch.setattr(run, "PAC_FILE_SECONDS", 0.05)
    monkeypatch.setattr(run, "CONFIG_POLL_SECONDS", 0.1)
    with own_proxy(CONFIG, tmp_path, origin) as agent:
        pac_file = tmp_path / "proxy.pac"
        ours = f"PROXY {agent.agent.address['proxy']}"
        wait_for(pac_file.exists)
        assert pac_route(pac_file.read_text(), "watched-site.test") == ours
        assert pac_route(pac_file.read_text(), "later.test") == "DIRECT"
        # A stricter config applies at once, and the file follows it.
        (tmp_path / "config.yaml").write_text(CONFIG.replace("[watched-site.test]", "[watched-site.test, later.test]"))
        wait_for(lambda: pac_route(pac_file.read_text(), "later.test") == ours)
        # Removed or changed by something else: written again.
        pac_file.unlink()
        wait_for(lambda: pac_file.exists() and pac_route(pac_file.read_text(), "later.test") == ours)
        # A stop that waited out its cooldown (what the agent's own tick calls): nothing is held back after it.
        agent.loop.call_soon_threadsafe(agent.agent.shutdown)
        agent.thread.join(10)
    assert pac_file.read_text() == STOPPED


def chromium(url: str, pac_url: str, profile: Path, origin_port: int) -> str:
    """Load `url` headless through the PAC file (a name that goes direct reaches the local origin): DOM and log."""
    return chromium_load(url, profile, f"--proxy-pac-url={pac_url}",
                         resolve=f"MAP * 127.0.0.1:{origin_port}, EXCLUDE 127.0.0.1")


def test_while_the_agent_is_down_watched_sites_fail_closed_and_the_rest_works(tmp_path, origin):
    """The agent runs as its own process and is killed (as a crash would end it); the PAC service goes on."""
    _need_chromium()
    home = tmp_path / "home"
    home.mkdir()
    (home / "config.yaml").write_text(CONFIG)
    agent = subprocess.Popen(["nocontact", "--home", str(home), "run", "--port", "0"], stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    server = PacServer(home / "proxy.pac", port=0).start()
    try:
        wait_for(lambda: "PROXY" in (home / "proxy.pac").read_text() if (home / "proxy.pac").exists() else False, 60)
        assert "Paused by nocontact" in chromium("http://watched-site.test/page", server.url, tmp_path / "p1",
                                                 origin.http_port)
        agent.kill()
        agent.wait(10)
        down = chromium("http://watched-site.test/page", server.url, tmp_path / "p2", origin.http_port)
        other = chromium("http://plain-site.test/hello", server.url, tmp_path / "p3", origin.http_port)
    finally:
        agent.kill()
        server.stop()
    # Watched: sent to the agent's port, where nothing answers now; it never goes direct.
    assert "ERR_PROXY_CONNECTION_FAILED" in down and not origin.requests_to("watched-site.test")
    # Everything else: direct, as if nocontact were not there.
    assert "Page load failed" not in other and "/hello" in [r[2] for r in origin.requests_to("plain-site.test")]


def test_cli_pac_server_refuses_a_port_in_use_plainly(tmp_path, served):
    _, server = served
    done = subprocess.run(["nocontact", "--home", str(tmp_path / "home"), "pac-server", "--port", str(server.port)],
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 1 and f"port {server.port}" in done.stderr and "Traceback" not in done.stderr


def test_restarting_starts_again_until_a_stop_that_waited():
    from agent.commands.serve import restarting
    from agent.config import ConfigError

    ends = [OSError("port 8082 is in use"), ConfigError("a mistake"), RuntimeError("ours"), SystemExit(1), 1, 0]
    slept = []

    def once(args) -> int:
        end = ends.pop(0)
        if isinstance(end, BaseException):
            raise end
        return end

    assert restarting(once, None, sleep=slept.append) == 0 and not ends
    assert slept == [1, 2, 4, 8, 16]  # quick ends: the pause doubles (up to a minute)
    ends = [1, 143, 0]  # stopped by a signal (the service manager's stop): it stays stopped
    assert restarting(once, None, sleep=slept.append) == 143 and ends == [0]


def test_keep_running_waits_for_its_port_and_then_serves(tmp_path):
    """As the Windows logon task runs it: started while something else holds the port, it serves once it is free."""
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen()
    port = holder.getsockname()[1]
    (tmp_path / "proxy.pac").write_text(STOPPED)
    server = subprocess.Popen(["nocontact", "--home", str(tmp_path), "pac-server", "--port", str(port),
                               "--keep-running"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        first = server.stderr.readline()
        assert f"port {port}" in first and "tries again" in first
        holder.close()
        wait_for(lambda: _answers(f"http://127.0.0.1:{port}/proxy.pac"), 30)
        assert get(f"http://127.0.0.1:{port}/proxy.pac")[1] == STOPPED
    finally:
        holder.close()
        server.kill()
        server.wait(10)


def _answers(url: str) -> bool:
    try:
        return get(url)[0] == 200
    except OSError:
        return False


def test_a_page_that_points_its_own_name_here_learns_nothing(served, proxy):
    """DNS rebinding: a web page whose name now resolves to 127.0.0.1 sends its own name as Host."""
    import http.client

    _, server = served
    pages = urllib.parse.urlsplit(proxy.agent.address["pages"])
    for port, path in ((server.port, "/proxy.pac"), (pages.port, "/letters"), (pages.port, "/review"),
                       (pages.port, "/proxy.pac"), (pages.port, "/"), (pages.port, "/status")):
        for host, status in ((f"evil.example:{port}", 403), (f"127.0.0.1:{port}", 200), (f"localhost:{port}", 200)):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", path, headers={"Host": host})
            reply = connection.getresponse()
            assert reply.status == status, (host, path)
            body = reply.read()
            connection.close()
            if status == 403:
                assert b"FindProxyForURL" not in body and b"letter" not in body.lower()


def test_the_agent_notes_when_the_pac_service_stops_answering(tmp_path, origin, monkeypatch):
    monkeypatch.setattr(run, "SYSTEM_PROXY_SECONDS", 0.05)
    server = PacServer(tmp_path / "proxy.pac", port=0).start()
    (tmp_path / "install.json").write_text(f'{{"pac_url": "{server.url}", "steps": []}}')
    with own_proxy(CONFIG, tmp_path, origin) as agent:
        time.sleep(1.0)  # it answers while nocontact looks a few times
        assert not [e for e in agent.agent.urges.events() if e[1] == "pac_service"]
        server.stop()
        wait_for(lambda: agent.agent.settle() or [e for e in agent.agent.urges.events() if e[1] == "pac_service"])
        (event,) = [e for e in agent.agent.urges.events() if e[1] == "pac_service"]
        assert "browsers go direct" in event[2]


def test_a_web_page_cannot_read_the_pac_file_as_a_script(served, proxy, tmp_path):
    """A PAC file is JavaScript: a page that includes it as a script would see its tables, unless refused."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    _need_chromium()
    path, server = served
    path.write_text('var ALLOWED = {"thehotline.org":1};\nfunction FindProxyForURL(url, host) { return "DIRECT"; }\n')
    page = ("<!doctype html><title>elsewhere</title><p id=out>not run</p>"
            + "".join(f'<script src="{url}"></script>' for url in (server.url, proxy.pac_url))
            + "<script>document.getElementById('out').textContent = 'read: ' + typeof FindProxyForURL + ' '"
              " + (typeof ALLOWED === 'object' ? JSON.stringify(ALLOWED) : 'nothing');</script>").encode()

    class Elsewhere(BaseHTTPRequestHandler):  # another origin on this machine (same site, another port)
        def do_GET(self) -> None:  # noqa: N802
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args) -> None:
            pass

    elsewhere = ThreadingHTTPServer(("127.0.0.1", 0), Elsewhere)
    threading.Thread(target=elsewhere.serve_forever, daemon=True).start()
    try:
        dom = chromium_load(f"http://127.0.0.1:{elsewhere.server_address[1]}/", tmp_path / "profile")
    finally:
        elsewhere.shutdown()
    assert "read: undefined nothing" in dom, dom[-3000:]
    for url in (server.url, proxy.pac_url):
        headers = get(url)[2]
        assert headers["X-Content-Type-Options"] == "nosniff", url
        assert headers["Cross-Origin-Resource-Policy"] == "same-origin", url
    assert "coparent.test" not in get(proxy.pac_url)[1]  # on the allow list, and routed direct without being named
