"""Payment apps: Venmo and Cash App (a payment page names the person it pays)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from agent.engine.identity import Identity
from agent.engine.platforms.base import Site, nth, word_set
from agent.engine.urls import Url


class Venmo(Site):
    name, label = "venmo", "Venmo"
    domains = ("venmo.com",)
    example = "https://venmo.com/u/name"
    handle_re = re.compile(r"[a-z0-9_-]{2,30}")
    reserved = word_set("""
    about account accounts legal signup sign-in signin login logout u code pay request business
    resources card cashback crypto help security privacy terms contact careers blog developers
    download features fees our-fees gift gifts info jobs money referral safety send-receive-money
    how-it-works teen credit-card debit-card direct-deposit wallet settings statement notifications
    search invite story stories pay-with-venmo api v1 groups charities static home feed
    """)
    # venmo.com/search?q=, account.venmo.com/search?q=, api.venmo.com/v1/users?query=
    search_paths = (("search", ("q", "query")), ("api/search", ("q", "query")), ("v1/users", ("query",)),
                    ("v1/search", ("query", "q")))

    def identities(self, url: Url, domain: str, labels: list[str]) -> Iterator[Identity | None]:
        segs = url.segments
        low = [s.lower() for s in segs]
        yield from map(self.numeric_id, url.params("user_id"))  # venmo.com/code?user_id=<id>
        for recipients in url.params("recipients"):  # venmo.com/?txn=pay&recipients=<name>
            yield from map(self.handle, recipients.split(","))
        if labels == ["api"] and low[:2] == ["v1", "users"]:  # api.venmo.com/v1/users/<id or name>
            raw = nth(segs, 2)
            yield self.numeric_id(raw) if raw.isdigit() else self.handle(raw)
        elif labels in ([], ["account"]) and segs:
            yield self.handle(nth(segs, 1) if low[0] == "u" else segs[0])  # /u/<name>, /<name>


class CashApp(Site):
    name, label = "cashapp", "Cash App"
    domains = ("cash.app", "cash.me")
    example = "https://cash.app/$name"
    handle_re = re.compile(r"[a-z0-9_-]{1,20}")

    def identities(self, url: Url, domain: str, labels: list[str]) -> Iterator[Identity | None]:
        segs = url.segments
        first = nth(segs, 0)
        if not labels and first[:1] in ("$", "£"):  # cash.app/$tag (UK: £tag), cash.app/$tag/20
            yield self.handle(first[1:])
        elif not labels and first.lower() == "qr" and nth(segs, 1)[:1] in ("$", "£"):  # the QR code: /qr/$tag
            yield self.handle(segs[1][1:])
