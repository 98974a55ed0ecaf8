"""Chat links: Telegram, WhatsApp and Viber (a chat link to a phone number reaches the phone identity)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from agent.engine.identity import Identity
from agent.engine.platforms.base import Site, nth, phone_in_link, word_set
from agent.engine.urls import Url


class Telegram(Site):
    name, label = "telegram", "Telegram"
    domains = ("t.me", "telegram.me", "telegram.dog", "telegram.org")
    example = "https://t.me/name"
    handle_re = re.compile(r"[a-z][a-z0-9_]{3,31}")
    reserved = word_set("""
    joinchat addstickers addemoji addtheme addlist share proxy socks login setlanguage confirmphone
    boost invoice contact giftcode iv bg c apps blog faq privacy tos nft auction
    """)

    def why_unreadable(self, url: Url) -> str | None:
        if url.host == "web.telegram.org":
            return (
                "Telegram Web keeps the chat after '#', which never reaches nocontact; "
                "paste the t.me link instead, like https://t.me/name"
            )
        return None

    def identities(self, url: Url, domain: str, labels: list[str]) -> Iterator[Identity | None]:
        if domain == "telegram.org":
            return  # web.telegram.org/k/#@name: the name is in the fragment, unseen by a proxy
        segs = url.segments
        low = [s.lower() for s in segs]
        if domain == "t.me" and len(labels) == 1:  # <name>.t.me
            yield self.handle(labels[0])
        if labels or not segs:
            return
        if low[0] == "s":  # t.me/s/<name>: public channel preview
            yield self.handle(nth(segs, 1))
        elif low[:2] == ["i", "userpic"]:  # t.me/i/userpic/320/<name>.jpg
            yield self.handle(segs[-1].split(".")[0])
        elif segs[0].startswith("+"):
            # t.me/+<digits> opens a chat with a phone number; t.me/+<hash> is a group invite.
            if segs[0][1:].isdigit():
                yield phone_in_link(segs[0])
        else:
            yield self.handle(segs[0])  # t.me/<name>, t.me/<name>/<post>


class WhatsApp(Site):
    """Chat links name a phone number: they reach Identity("phone", ...), shared with the config's phones."""

    name, label = "whatsapp", "WhatsApp"
    domains = ("wa.me", "whatsapp.com")
    example = "https://wa.me/447700900123"

    def why_unreadable(self, url: Url) -> str | None:
        domain, labels = self.place(url.host)
        first = nth([s.lower() for s in url.segments], 0)
        if labels == ["chat"]:
            return "chat.whatsapp.com links are group invites, not a person; paste a chat link like https://wa.me/447700900123"
        if domain == "wa.me" and first in ("message", "qr"):
            return f"wa.me/{first}/ links cannot be read offline; open it and paste the profile address"
        return None

    def identities(self, url: Url, domain: str, labels: list[str]) -> Iterator[Identity | None]:
        segs = url.segments
        # api.whatsapp.com/send?phone=, web.whatsapp.com/send?phone=, wa.me/<digits>?text=
        yield from map(phone_in_link, url.params("phone"))
        if domain == "wa.me" and not labels and segs:
            number = nth(segs, 1) if segs[0].lower() == "c" else segs[0]  # wa.me/c/<digits>: a catalogue
            if number.lstrip("+").isdigit():
                yield phone_in_link(number)


class Viber(Site):
    """viber.click/<number> opens a chat with a phone number (Identity("phone", ...), like WhatsApp's links);
    chats.viber.com/<name> is a public account."""

    name, label = "viber", "Viber"
    # Only the hosts that name someone: the rest of viber.com is read only with the messaging list on.
    domains = ("viber.click", "chats.viber.com", "invite.viber.com")
    read_for = frozenset({"viber", "phone"})  # it names only a phone number or its own accounts
    example = "https://viber.click/447700900123"
    reserved = word_set("en es de fr ru uk it pt ar ja download blog terms privacy")

    def identities(self, url: Url, domain: str, labels: list[str]) -> Iterator[Identity | None]:
        segs = url.segments
        if domain == "viber.click" and segs and segs[0].lstrip("+").isdigit():
            yield phone_in_link(segs[0])
        elif domain == "chats.viber.com" and segs:
            yield self.handle(segs[0])
        yield from map(phone_in_link, url.params("number", "phone"))  # invite links: ?number=<digits>
