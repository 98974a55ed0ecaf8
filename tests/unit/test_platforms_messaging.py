"""The tables of Telegram, WhatsApp and Viber (agent/engine/platforms/messaging.py).

A table row: a pasted profile link, the URL forms that must reach that identity, and the
look-alikes and unrelated pages that must not. A new platform gets its table here.
"""

from __future__ import annotations

from tests.unit.platform_tables import Recognised, Table, table_tests

TABLES: dict[str, Table] = {}

TABLES["telegram"] = [
    (
        "https://t.me/caseylindq",
        [
            "https://t.me/CaseyLindq",
            "http://t.me/caseylindq",
            "https://telegram.me/caseylindq",
            "https://telegram.dog/caseylindq",
            "https://t.me/s/caseylindq",
            "https://t.me/caseylindq/123",
            "https://t.me/caseylindq?start=hello",
            "https://caseylindq.t.me/",
            "https://t.me/i/userpic/320/caseylindq.jpg",
            "https://t.me/caseylindq.",
            "https://t.me/caseylindq),",
        ],
        [
            "https://t.me/caseylindq2",
            "https://t.me/caseylindq_.",
            "https://t.me/xcaseylindq",
            "https://t.me/joinchat/AbCdEfGhIjKlMnOp",
            "https://t.me/+AbCdEfGhIjKlMnOp",
            "https://t.me/share/url?url=https://x.com",
            "https://web.telegram.org/k/#@caseylindq",
            "https://t.me/addstickers/caseylindq",
        ],
    ),
    (
        "https://t.me/+447700900123",
        [
            "https://t.me/%2B447700900123",
            "https://telegram.me/+447700900123",
            "https://wa.me/447700900123",
            "https://api.whatsapp.com/send?phone=447700900123",
        ],
        ["https://t.me/+447700900124", "https://t.me/+AbCdEfGhIjKlMnOp"],
    ),
]

TABLES["whatsapp"] = [
    (
        "https://wa.me/447700900123",
        [
            "https://wa.me/447700900123?text=hi",
            "https://wa.me/+447700900123",
            "https://wa.me/00447700900123",
            "https://wa.me/c/447700900123",
            "https://api.whatsapp.com/send?phone=447700900123",
            "https://api.whatsapp.com/send/?phone=%2B447700900123&text&type=phone_number&app_absent=0",
            "https://web.whatsapp.com/send?phone=447700900123&text=hello",
            "https://www.whatsapp.com/send?phone=+44%207700%20900123",
            "https://t.me/+447700900123",
        ],
        [
            "https://wa.me/447700900124",
            "https://wa.me/4477009001",
            "https://chat.whatsapp.com/AbCdEfGhIjKlMnOp",
            "https://wa.me/message/ABCDEF123GHI1",
            "https://api.whatsapp.com/send?phone=447700900124",
            "https://wa.me/",
            "https://web.whatsapp.com/",
        ],
    ),
]

TABLES["viber"] = [
    (
        "https://wa.me/447700900123",  # a phone number, whichever chat app the link is for
        [
            "https://viber.click/447700900123",
            "https://viber.click/+447700900123",
            "https://invite.viber.com/?number=447700900123",
        ],
        [
            "https://viber.click/447700900124",
            "https://www.viber.com/en/",
            "https://chats.viber.com/",
        ],
    ),
    (
        "https://chats.viber.com/caseylindq",
        ["https://chats.viber.com/CaseyLindq", "https://chats.viber.com/caseylindq/en"],
        ["https://chats.viber.com/caseylindq2", "https://www.viber.com/en/download/"],
    ),
]


RECOGNISED: Recognised = [
    ("https://t.me/CaseyLindq", "telegram", "caseylindq"),
    ("https://t.me/+447700900123", "phone", "447700900123"),
    ("https://wa.me/447700900123", "phone", "447700900123"),
    ("https://api.whatsapp.com/send?phone=447700900123", "phone", "447700900123"),
    ("https://viber.click/447700900123", "phone", "447700900123"),
    ("https://chats.viber.com/CaseyLindq", "viber", "caseylindq"),
]

test_table, test_recognise = table_tests(TABLES, RECOGNISED)
