"""Subscribed lists with a running agent: a local list server (hosts, plain and adblock forms, an ETag, and lists
that fail in every way), the real proxy blocking what they hold, the PAC file following, and the CLI."""

from __future__ import annotations

import asyncio
import json
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from agent.config import parse_config
from agent.lists import fetch as listfetch
from agent.lists.subscriptions import refresh
from tests.conftest import Clock, own_proxy
from tests.integration.test_cli import nocontact

HOSTS = "# dating sites\n127.0.0.1 localhost\n0.0.0.0 dating-one.test\n0.0.0.0 dating-two.test\n"
PLAIN = "social-one.test\nsocial-two.test\n"
ADBLOCK = "[Adblock Plus 2.0]\n! mine\n||mine-one.test^\n||mine-two.test^$important\n||ads.test^$third-party\n"
FLAKY = "people-one.test\npeople-two.test\n"


class ListServer:
    """Serves lists on loopback: path -> (status, headers, body), or "hang" (answers nothing until stopped)."""

    def __init__(self):
        self.answers: dict[str, tuple[int, dict, bytes] | str] = {}
        self.seen: list[tuple[str, dict]] = []
        self.released = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                server.seen.append((self.path, dict(self.headers)))
                answer = server.answers.get(self.path, (404, {}, b"Not here.\n"))
                if answer == "hang":
                    server.released.wait(30)
                    return
                status, headers, body = answer
                if headers.get("ETag") and self.headers.get("If-None-Match") == headers["ETag"]:
                    status, body = 304, b""
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def serve(self, path: str, text: str, **headers: str) -> None:
        self.answers[path] = (200, {"Content-Type": "text/plain", **headers}, text.encode())

    def requests_to(self, path: str) -> list[dict]:
        return [headers for seen, headers in self.seen if seen == path]

    def stop(self) -> None:
        self.released.set()
        self.httpd.shutdown()


@pytest.fixture(scope="module")
def lists():
    server = ListServer()
    server.serve("/hosts.txt", HOSTS, ETag='"v1"')
    server.serve("/plain.txt", PLAIN)
    server.serve("/adblock.txt", ADBLOCK)
    server.serve("/flaky.txt", FLAKY)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def running(tmp_path_factory, origin, lists):
    folder = tmp_path_factory.mktemp("lists-home")
    config = f"""
block: {{dating: true, social: false}}
lists:
  - url: {lists.base}/hosts.txt
    category: dating
  - url: {lists.base}/plain.txt
    category: social
  - url: {lists.base}/adblock.txt
    category: mine
  - url: {lists.base}/flaky.txt
    category: people_search
  - url: {lists.base}/missing.txt
    category: viewers
"""
    with pytest.MonkeyPatch.context() as patch:
        # The agent's state, secret and lists in one folder, where the CLI finds them; fetches that give up quickly.
        patch.setenv("NOCONTACT_HOME", str(folder))
        patch.setattr(listfetch, "FETCH_TIMEOUT", 0.5)
        patch.setattr(listfetch, "FETCH_DEADLINE", 2.0)
        patch.setattr(listfetch, "MAX_BYTES", 64 * 1024)
        with own_proxy(config, folder, origin) as proxy:
            proxy.folder = folder
            assert wait_until(lambda: all(row["last_try"] for row in proxy.agent.lists.rows(proxy.agent.config)))
            yield proxy


def wait_until(check, seconds: float = 15.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if result := check():
            return result
        time.sleep(0.05)
    return check()


def update(proxy, every_list: bool = True) -> list[dict]:
    """What the periodic job does, run now on the agent's loop."""
    return asyncio.run_coroutine_threadsafe(refresh(proxy.agent, every_list=every_list), proxy.loop).result(30)


def row(rows: list[dict], path: str) -> dict:
    return next(r for r in rows if r["url"].endswith(path))


def status(proxy, host: str) -> int:
    return proxy.fetch(f"http://{host}/").status


def pac(proxy) -> str:
    with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(proxy.pac_url, timeout=10) as answer:
        return answer.read().decode()


def test_the_lists_fetched_at_start_are_blocked_in_every_form(running, lists):
    for host in ("dating-one.test", "www.dating-two.test", "social-one.test", "mine-one.test", "mine-two.test",
                 "people-one.test"):
        assert status(running, host) == 403, host
    assert status(running, "ads.test") == 200  # a third-party-only rule is not a whole site
    assert "dating-one.test" not in running.route.contacted
    decision = running.agent.policy.decide("http://mine-one.test/")
    assert (decision.category, decision.rule) == ("mine", "mine list: mine-one.test")
    assert running.agent.resolve_target("mine") == ("category", "mine")  # a window can be asked for by its name
    rows = update(running, every_list=False)
    assert row(rows, "/adblock.txt")["domains"] == 2 and row(rows, "/adblock.txt")["skipped"] == 1
    assert row(rows, "/missing.txt")["last_error"] == "the server answered 404 Not Found"
    assert row(rows, "/missing.txt")["domains"] == 0
    # Fetched directly, not through the proxy, with nothing about the person.
    headers = lists.requests_to("/hosts.txt")[0]
    assert "Cookie" not in headers and headers["User-Agent"].startswith("Python-urllib")


def test_the_pac_file_routes_what_the_lists_hold(running):
    text = pac(running)
    assert '"dating-one.test"' in text and '"mine-two.test"' in text and '"social-one.test"' in text
    assert wait_until(lambda: '"dating-one.test"' in (running.folder / "proxy.pac").read_text())


def test_a_subscribed_lists_sites_are_not_told_as_awaiting_a_rotation(running):
    """No CA can cover a subscription's sites (README), so the start-up count of sites outside the CA, and its
    notification, leave them out: `nocontact ca rotate` would change nothing for them."""
    from pathlib import Path

    from agent.run import say_outside

    before = len(running.notes)
    say_outside(running.agent, Path(running.agent.address["ca_cert"]).parent)
    assert not any("certificate" in body for _, body in running.notes[before:])


def test_an_unchanged_list_answered_304_swaps_nothing(running, lists):
    before = running.agent.policy
    asked = len(lists.requests_to("/hosts.txt"))
    update(running)
    assert lists.requests_to("/hosts.txt")[asked]["If-None-Match"] == '"v1"'
    assert running.agent.policy is before


@pytest.mark.parametrize("answer, why", [
    ((404, {}, b"gone"), "the server answered 404 Not Found"),
    ((200, {}, b"<!DOCTYPE html><title>Log in to the Wi-Fi</title>"), "a web page came back instead of a list"),
    ((200, {}, b""), "it holds no domains"),
    ((200, {}, b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03binary"), "it is not text (a binary file?)"),
    ((200, {}, b"people-one.test\n" * 1000 + b"x" * 70_000), "it is larger than 64 KB"),
    ((200, {"Content-Length": "99999999"}, b"people-one.test\n"), "it is larger than 64 KB"),
    ("hang", "the server did not answer within 0.5 seconds"),
])
def test_a_failed_refresh_keeps_the_last_good_copy(running, lists, answer, why):
    lists.answers["/flaky.txt"] = answer
    try:
        flaky = row(update(running), "/flaky.txt")
    finally:
        lists.serve("/flaky.txt", FLAKY)
    assert (flaky["last_error"], flaky["domains"]) == (why, 2)
    assert status(running, "people-two.test") == 403
    assert row(update(running), "/flaky.txt")["last_error"] is None


def test_a_list_failing_for_days_is_a_guard_event(running, lists):
    clock = Clock(time.time())
    running.agent.lists.wall = clock
    lists.answers["/flaky.txt"] = (503, {}, b"busy")
    try:
        update(running)
        clock.advance(3 * 86400)
        update(running, every_list=False)  # due again: a failed list is tried hourly
        assert wait_until(lambda: any("people-search site list from 127.0.0.1 has not refreshed for 3 days" in body
                                      for _, body in running.notes))
        running.agent.settle()
        assert any(kind == "lists" for _, kind, _ in running.agent.urges.events())
    finally:
        lists.serve("/flaky.txt", FLAKY)
        update(running)
        running.agent.lists.wall = time.time


def test_lists_are_fetched_again_at_their_period(running, lists):
    clock = Clock(time.time())
    running.agent.lists.wall = clock
    try:
        update(running)
        asked = len(lists.requests_to("/plain.txt"))
        clock.advance(23 * 3600)
        update(running, every_list=False)
        assert len(lists.requests_to("/plain.txt")) == asked
        clock.advance(3600)
        update(running, every_list=False)
        assert len(lists.requests_to("/plain.txt")) == asked + 1
    finally:
        running.agent.lists.wall = time.time


def test_new_domains_apply_at_once_and_gone_ones_after_the_cooldown_delay(running, lists):
    clock = Clock(time.time())
    running.agent.lists.wall = clock
    try:
        lists.serve("/hosts.txt", "0.0.0.0 dating-one.test\n0.0.0.0 dating-three.test\n", ETag='"v2"')
        update(running)
        assert status(running, "dating-three.test") == 403
        assert status(running, "dating-two.test") == 403  # gone from the list: waits
        assert '"dating-three.test"' in pac(running)
        clock.advance(running.agent.config.cooldown.delay + 1)
        update(running, every_list=False)
        assert status(running, "dating-two.test") == 200
        assert '"dating-two.test"' not in pac(running)
    finally:
        lists.serve("/hosts.txt", HOSTS, ETag='"v1"')
        update(running)
        running.agent.lists.wall = time.time


def test_cli_lists_and_update_through_the_running_agent(running):
    result = nocontact("lists", "update", "--json", home=running.folder)
    assert result.returncode == 1  # missing.txt answers 404
    assert "1 list could not be refreshed" in result.stderr
    rows = {r["category"]: r for r in json.loads(result.stdout)}
    assert rows["dating"]["domains"] == 2 and rows["dating"]["last_error"] is None
    assert rows["viewers"]["last_error"] == "the server answered 404 Not Found"
    shown = nocontact("lists", home=running.folder)
    assert shown.returncode == 0
    assert "mine  http://127.0.0.1:" in shown.stdout and "2 sites (1 line skipped: not domains)" in shown.stdout
    assert "the server answered 404 Not Found; it blocks nothing until a good copy arrives" in shown.stdout
    listed = json.loads(nocontact("lists", "--json", home=running.folder).stdout)
    assert set(listed[0]) == {"url", "category", "every", "domains", "skipped", "held", "last_fetch", "last_try",
                              "next_fetch", "last_error"}
    assert listed[0]["last_fetch"].endswith("Z")


def test_taking_a_subscription_away_waits_like_any_loosening(running, lists):
    text = running.agent.config_path.read_text()
    without = text.replace(f"  - url: {lists.base}/hosts.txt\n    category: dating\n", "")
    assert "/hosts.txt" not in without
    outcome = asyncio.run_coroutine_threadsafe(_adopt(running.agent, without), running.loop).result(10)
    assert outcome == "pending"
    assert status(running, "dating-one.test") == 403


async def _adopt(agent, text: str) -> str:
    return agent.adopt(parse_config(text), text)


def test_cli_update_without_a_running_agent_keeps_the_copy_for_it(tmp_path):
    listed = tmp_path / "mine.txt"
    listed.write_text("0.0.0.0 own-one.test\n")
    config = tmp_path / "config.yaml"
    config.write_text(f"lists:\n  - url: {listed.as_uri()}\n    category: mine\n"
                      f"  - url: {(tmp_path / 'absent.txt').as_uri()}\n    category: dating\n")
    home = tmp_path / "home"
    result = nocontact("lists", "--config", str(config), "update", home=home)
    assert result.returncode == 1
    assert "The mine list from mine.txt now has 1 site." in result.stderr
    assert "there is no file" in result.stdout
    assert len(list((home / "lists").glob("*.txt"))) == 1
    explained = nocontact("explain", "--config", str(config), "--nl", "https://www.own-one.test/", home=home)
    assert json.loads(explained.stdout)["rule"] == "mine list: own-one.test"


def test_a_bad_list_entry_is_one_clear_line(tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text("lists:\n  - url: gopher://example.org/list\n    category: dating\n")
    result = nocontact("lists", "--config", str(config), home=tmp_path / "home")
    assert result.returncode == 1
    assert result.stderr.strip() == (f"nocontact: {config}:2: lists[0].url: 'gopher://example.org/list' is not a list "
                                     "address; it starts with https://, http:// or file://")
