"""Benchmark of the contact barrier: `python -m bench.barrier [--small]`.

What is measured, in one process with no I/O: the cost that reading a send
adds to one request, for every recorded-style fixture (tests/fixtures/barrier)
and for large bodies (1 MiB and 4 MiB of JSON, gzip-encoded and not), and the
cost of the pre-check every other request pays (`is_send_shaped`). Then the
cost of learning ids from a response: reading each recorded-style inbox,
profile or chat-socket response (tests/fixtures/barrier/responses), an X inbox of
1 MiB, a chat socket's typing update, and the pre-check every other response pays
(`is_listing`). Also a body made to be slow (21 KB of gzip that unpack to 21 MB
of tiny JSON items) with the work it counts, letters made to be slow (tails that
make backtracking patterns take minutes), and the cost of handing a read to the
barrier's own thread. The proxy
reads plain bodies up to 64 KiB on its event loop, and larger or compressed ones
on that thread.
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tabulate import tabulate

from agent.barrier.barrier import Barrier
from agent.barrier.body import Work
from agent.barrier.letter import plain_text
from agent.config import parse_config
from tests.unit.test_barrier import dgw_frames, load_fixture
from tests.unit.test_barrier_learn import ALL as RESPONSES
from tests.unit.test_barrier_learn import CONFIG as HANDLES_ONLY

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "barrier"
CONFIG = """
people:
  - alias: J
    profiles: [https://x.com/i/user/1570000000000000000, "https://www.facebook.com/profile.php?id=100098765432101",
               https://www.instagram.com/casey.lindqvist/, https://www.reddit.com/user/casey_lq/,
               https://venmo.com/u/casey-l, https://cash.app/$caseyl]
    emails: [casey.l@example.org]
    phones: ["+44 7700 900123"]
"""


# Tails that made the letter's patterns backtrack for seconds to minutes (tests/unit/test_barrier.py).
HOSTILE_LETTERS = ("<a " * 60_000, "<script>" * 30_000, "<br " * 30_000, "<style>x" * 30_000, 'class="' * 50_000,
                   "<blockquote>" * 20_000)


def timed(function, args: tuple, repeat: int) -> float:
    """Median microseconds of `function(*args)` over `repeat` runs."""
    runs = []
    for _ in range(repeat):
        started = time.perf_counter_ns()
        function(*args)
        runs.append(time.perf_counter_ns() - started)
    return statistics.median(runs) / 1000


def big_inbox(conversations: int = 2500) -> bytes:
    """An X DM inbox of about 1 MiB: many users and conversations, the person's near the end."""
    users = {str(n): {"id_str": str(n), "screen_name": f"user_{n}", "name": "someone", "followers_count": n}
             for n in range(1000, 1000 + conversations)}
    users["1570000000000000009"] = {"id_str": "1570000000000000009", "screen_name": "caseylindq"}
    chats = {f"{n}-1402": {"conversation_id": f"{n}-1402", "type": "ONE_TO_ONE", "status": "AT_END",
                           "participants": [{"user_id": str(n)}, {"user_id": "1402"}]} for n in users}
    entries = [{"message": {"conversation_id": f"{n}-1402", "message_data": {"text": "see you then"}}} for n in users]
    return json.dumps({"inbox_initial_state": {"entries": entries, "users": users, "conversations": chats}}).encode()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="fewer repeats, for CI")
    args = parser.parse_args(argv)
    repeat = 20 if args.small else 200

    config = parse_config(CONFIG)
    barrier = Barrier(config.people, ["email", "social_messages", "payments"])
    fixtures = [load_fixture(path) for path in sorted(FIXTURES.glob("*.yaml"))]
    for item in (item for fixture in fixtures for item in fixture.learn):  # what the running agent had learnt
        barrier.learn(item["alias"], item["platform"], item["value"], item["kind"])
    rows, held = [], 0
    for fixture in fixtures:
        if fixture.websocket is not None:
            function, call = barrier.inspect_websocket, (fixture.host, fixture.path, fixture.wire())
        else:
            body = fixture.wire()
            body = body.encode() if isinstance(body, str) else body
            path_q = fixture.url.split(fixture.host, 1)[1] or "/"
            headers = {k.lower(): v for k, v in fixture.headers.items()}
            function, call = barrier.inspect, (fixture.method, fixture.host, path_q, headers, body)
        cost = timed(function, call, repeat)
        held += function(*call) is not None
        rows.append((fixture.name, f"{cost:.1f}"))
    costs = [float(c) for _, c in rows]

    big = json.dumps({"to": ["sam@example.com"], "subject": "notes",
                      "body": "x" * (1 << 20)}).encode()
    huge = json.dumps({"to": ["sam@example.com"], "body": "y" * (4 << 20)}).encode()
    form_headers = {"content-type": "application/json"}
    path = "/mail/client/mail/send"
    gzipped = form_headers | {"content-encoding": "gzip"}
    tiny_items = ("[" + "{}," * (1 << 18 if args.small else 7 << 20) + "{}]").encode()
    slow = ("POST", "mail.google.com", "/mail/u/0/?act=sm", gzipped, gzip.compress(tiny_items, 9))
    large = [
        ("1 MiB JSON", timed(barrier.inspect, ("POST", "www.gmx.net", path, form_headers, big), 5)),
        ("1 MiB JSON, gzip", timed(barrier.inspect, ("POST", "www.gmx.net", path, gzipped, gzip.compress(big)), 5)),
        ("4 MiB JSON (read to the bound)", timed(barrier.inspect, ("POST", "www.gmx.net", path, form_headers, huge), 5)),
        (f"{len(slow[-1]) / 1000:.0f} KB gzip of {len(tiny_items) / 1e6:.0f} MB tiny JSON items (Gmail)",
         timed(barrier.inspect, slow, 1)),
    ]
    work = Work()
    barrier.inspect(*slow, work=work)
    letters = [(repr(tail[:12]), timed(plain_text, ("<p>hello</p>" + tail,), 3)) for tail in HOSTILE_LETTERS]
    slowest_letter = max(letters, key=lambda r: r[1])
    with ThreadPoolExecutor(max_workers=1) as reader:  # what the hand-over to the barrier's thread adds
        hop = timed(lambda: reader.submit(int).result(), (), repeat * 10)
    precheck = timed(barrier.is_send_shaped, ("GET", "www.instagram.com", "/casey.lindqvist/"), repeat * 10)
    precheck_post = timed(barrier.is_send_shaped, ("POST", "outlook.live.com", "/owa/service.svc?action=CreateItem"),
                          repeat * 10)

    people = parse_config(HANDLES_ONLY).people  # handles only: every id is learnt
    learnt, reads = 0, []
    families = ["social_messages", "payments"]
    learner = Barrier(people, families)
    for response in RESPONSES:  # an HTTP answer, or a chat socket's message from the server
        body = response.wire()  # encoded once, as it travels
        learnt += response.feed(Barrier(people, families), body)
        reads.append((response.name, timed(response.feed, (learner, body), repeat)))
    inbox = big_inbox()
    path = "/i/api/1.1/dm/inbox_initial_state.json"
    big_call = ("GET", "x.com", path, form_headers, inbox)
    big_learnt = Barrier(people, ["social_messages"]).learn_from_response(*big_call)
    big_read = timed(learner.learn_from_response, big_call, 5)
    typing = dgw_frames(json.dumps({"request_id": None, "payload": json.dumps({"name": None, "step": [
        1, [5, "updateTypingIndicator", [19, "110598887650003"], [19, "113090055566677"], True, [9]]]})}).encode())
    socket_read = timed(learner.learn_from_websocket, ("gateway.instagram.com", "/ws/lightspeed", typing), repeat)
    other = timed(learner.is_listing, ("GET", "x.com", "/i/api/graphql/abc123/HomeTimeline?variables=%7B%7D"),
                  repeat * 10)
    listing = timed(learner.is_listing, ("GET", "x.com", path + "?include_groups=true"), repeat * 10)
    slowest = max(reads, key=lambda r: r[1])

    print(tabulate([
        ("fixtures inspected", len(rows), f"{held} held, {len(rows) - held} passed"),
        ("added cost per inspected send, median of fixtures", f"{statistics.median(costs):.1f} us", ""),
        ("added cost per inspected send, slowest fixture", f"{max(costs):.1f} us", max(rows, key=lambda r: float(r[1]))[0]),
        *((name, f"{cost / 1000:.1f} ms", "read on the barrier's thread (large or compressed)")
          for name, cost in large),
        ("that body's work: MiB read, MiB decoded", f"{work.read / 2**20:.1f}, {work.decoded / 2**20:.1f}",
         "counted (agent.barrier.body.Work); the tests assert its bounds"),
        ("that body's work: tokens scanned, nodes walked", f"{work.tokens}, {work.nodes}", ""),
        ("letter made to be slow, slowest of the tails", f"{slowest_letter[1] / 1000:.1f} ms", slowest_letter[0]),
        ("hand-over to the barrier's thread", f"{hop:.1f} us", "added to a large or compressed body's read"),
        ("pre-check on any other request (GET)", f"{precheck:.2f} us", "no body is read"),
        ("pre-check on a send-shaped POST", f"{precheck_post:.2f} us", ""),
        ("responses read for ids", len(reads), f"{learnt} keys learnt"),
        ("cost per inspected response, median of fixtures", f"{statistics.median(c for _, c in reads):.1f} us", ""),
        ("cost per inspected response, slowest fixture", f"{slowest[1]:.1f} us", slowest[0]),
        (f"X inbox of {len(inbox) >> 10} KiB", f"{big_read / 1000:.1f} ms",
         f"read on the barrier's thread; {big_learnt} keys learnt"),
        ("chat socket message from the server (a typing update)", f"{socket_read:.1f} us",
         "read for the sync it may carry"),
        ("pre-check on any other response (GET)", f"{other:.2f} us", "no body is read"),
        ("pre-check on an inbox response", f"{listing:.2f} us", ""),
    ], headers=["bench.barrier", "figure", "note"]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
