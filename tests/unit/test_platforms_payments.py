"""The tables of Venmo and Cash App (agent/engine/platforms/payments.py).

A table row: a pasted profile link, the URL forms that must reach that identity, and the
look-alikes and unrelated pages that must not. A new platform gets its table here.
"""

from __future__ import annotations

from tests.unit.platform_tables import Recognised, Table, table_tests

TABLES: dict[str, Table] = {}

TABLES["venmo"] = [
    (
        "https://venmo.com/u/Casey-Lindqvist",
        [
            "https://venmo.com/Casey-Lindqvist",
            "https://venmo.com/casey-lindqvist",
            "https://www.venmo.com/u/casey-lindqvist",
            "https://account.venmo.com/u/Casey-Lindqvist",
            "https://venmo.com/?txn=pay&recipients=Casey-Lindqvist&amount=10&note=rent",
            "https://api.venmo.com/v1/users/casey-lindqvist",
            "https://account.venmo.com/u/Casey-Lindqvist?txn=pay",
            "https://account.venmo.com/pay?recipients=Casey-Lindqvist",
            "https://venmo.com/u/Casey-Lindqvist.",
            "https://venmo.com/u/Casey-Lindqvist),",
        ],
        [
            "https://venmo.com/u/Casey-Lindqvist-1",
            "https://venmo.com/u/Casey-Lindqvist-1.",
            "https://venmo.com/u/Casey-Lindqvist-).",
            "https://venmo.com/search?q=Casey-Lindqvist",
            "https://venmo.com/u/casey-lindqvis",
            "https://venmo.com/about/",
            "https://venmo.com/legal/us-user-agreement/",
            "https://venmo.com/code?user_id=2345678901234567890",
        ],
    ),
    (
        "https://venmo.com/code?user_id=2345678901234567890",
        [
            "https://venmo.com/code?user_id=2345678901234567890&created=1700000000",
            "https://api.venmo.com/v1/users/2345678901234567890",
            "https://venmo.com/code?user_id=2345678901234567890),",
        ],
        ["https://venmo.com/code?user_id=2345678901234567891"],
    ),
]

TABLES["cashapp"] = [
    (
        "https://cash.app/$CaseyL",
        [
            "https://cash.app/$caseyl",
            "https://cash.app/%24caseyl",
            "https://cash.app/%2524caseyl",
            "https://cash.app/$CASEYL/25",
            "https://cash.me/$caseyl",
            "https://cash.app/$caseyl.",
            "https://cash.app/qr/$caseyl?size=288&margin=0",  # the QR code of their cashtag
        ],
        [
            "https://cash.app/$caseyl2",
            "https://cash.app/$casey",
            "https://cash.app/$xcaseyl",
            "https://cash.app/caseyl",
            "https://cash.app/help",
            "https://cash.app/qr/$caseyl2",
            "https://cash.app/qr/",
        ],
    ),
]


RECOGNISED: Recognised = [
    ("https://venmo.com/u/Casey-Lindqvist", "venmo", "casey-lindqvist"),
    ("https://venmo.com/code?user_id=2345678901234567890", "venmo", "id:2345678901234567890"),
    ("https://cash.app/$CaseyL", "cashapp", "caseyl"),
]

test_table, test_recognise = table_tests(TABLES, RECOGNISED)
