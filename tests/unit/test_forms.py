"""Form posts from our own pages: the same-origin check and the numbers they carry."""

from __future__ import annotations

import pytest
from mitmproxy import http

from agent.web.forms import form_int, same_origin

OWN = "https://www.okcupid.com"


@pytest.mark.parametrize("headers, null_origin, same", [
    ({}, False, True),  # an old browser that sends neither header
    ({"Origin": OWN}, False, True),
    ({"Origin": "HTTPS://WWW.OKCUPID.COM"}, False, True),  # an origin's scheme and host have no case
    ({"Origin": OWN, "Sec-Fetch-Site": "same-origin"}, False, True),
    ({"Origin": OWN, "Sec-Fetch-Site": "same-site"}, False, False),
    ({"Sec-Fetch-Site": "cross-site"}, False, False),
    ({"Origin": "https://evil.test"}, False, False),
    ({"Origin": OWN + ":8443"}, False, False),
    ({"Origin": "http://www.okcupid.com"}, False, False),
    ({"Origin": "null"}, False, False),
    ({"Origin": "null"}, True, True),  # a page served with no referrer: Chromium hides its origin
    ({"Origin": "https://evil.test"}, True, False),
])
def test_same_origin(headers, null_origin, same):
    assert same_origin(http.Headers(**{k.replace("-", "_"): v for k, v in headers.items()}), OWN,
                       null_origin=null_origin) is same


def test_same_origin_reads_the_loopback_servers_headers_too():
    from email.message import Message

    headers = Message()  # what http.server hands a handler: names without case
    headers["ORIGIN"] = "http://127.0.0.1:8081"
    assert same_origin(headers, "http://127.0.0.1:8081")
    assert not same_origin(headers, "http://127.0.0.1:8082")


@pytest.mark.parametrize("text, number", [
    ("12", 12), ("007", 7), ("999999999999", 999999999999),
    (None, None), ("", None), ("-1", None), ("1.5", None), (" 1", None), ("²", None), ("١", None),
    ("9999999999999", None),  # longer than any id we hand out
])
def test_form_int_takes_plain_ascii_digits_only(text, number):
    assert form_int(text) == number
