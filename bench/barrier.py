"""Benchmark of the contact barrier: `python -m bench.barrier [--small]`.

What is measured, in one process with no I/O: the cost that reading a send
adds to one request, for every recorded-style fixture (tests/fixtures/barrier)
and for large bodies (1 MiB and 4 MiB of JSON, gzip-encoded and not), and the
cost of the pre-check every other request pays (`is_send_shaped`). The proxy
reads bodies up to 64 KiB on its event loop and larger ones on a worker thread.
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import time
from pathlib import Path

from tabulate import tabulate

from agent.barrier import Barrier
from agent.config import parse_config
from tests.test_barrier import load_fixture

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


def timed(function, args: tuple, repeat: int) -> float:
    """Median microseconds of `function(*args)` over `repeat` runs."""
    runs = []
    for _ in range(repeat):
        started = time.perf_counter_ns()
        function(*args)
        runs.append(time.perf_counter_ns() - started)
    return statistics.median(runs) / 1000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="fewer repeats, for CI")
    args = parser.parse_args(argv)
    repeat = 20 if args.small else 200

    config = parse_config(CONFIG)
    barrier = Barrier(config.people, ["email", "social_messages", "payments"])
    rows, held = [], 0
    for path in sorted(FIXTURES.glob("*.yaml")):
        fixture = load_fixture(path)
        if fixture.websocket is not None:
            function, call = barrier.inspect_websocket, (fixture.host, "/chat", fixture.wire())
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
    large = [
        ("1 MiB JSON", timed(barrier.inspect, ("POST", "www.gmx.net", path, form_headers, big), 5)),
        ("1 MiB JSON, gzip", timed(barrier.inspect, ("POST", "www.gmx.net", path, gzipped, gzip.compress(big)), 5)),
        ("4 MiB JSON (read to the bound)", timed(barrier.inspect, ("POST", "www.gmx.net", path, form_headers, huge), 5)),
    ]
    precheck = timed(barrier.is_send_shaped, ("GET", "www.instagram.com", "/casey.lindqvist/"), repeat * 10)
    precheck_post = timed(barrier.is_send_shaped, ("POST", "outlook.live.com", "/owa/service.svc?action=CreateItem"),
                          repeat * 10)

    print(tabulate([
        ("fixtures inspected", len(rows), f"{held} held, {len(rows) - held} passed"),
        ("added cost per inspected send, median of fixtures", f"{statistics.median(costs):.1f} us", ""),
        ("added cost per inspected send, slowest fixture", f"{max(costs):.1f} us", max(rows, key=lambda r: float(r[1]))[0]),
        *((name, f"{cost / 1000:.1f} ms", "read on a worker thread (over 64 KiB)") for name, cost in large),
        ("pre-check on any other request (GET)", f"{precheck:.2f} us", "no body is read"),
        ("pre-check on a send-shaped POST", f"{precheck_post:.2f} us", ""),
    ], headers=["bench.barrier", "figure", "note"]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
