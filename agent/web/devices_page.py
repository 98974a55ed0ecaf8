"""The devices page on the local pages server: each device, and a device's QR code for its WireGuard app.

The QR code holds the device's key, so it shows only through a link `nocontact devices add` or `devices show`
prints, which works for QR_SECONDS on this machine's own pages server.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from html import escape

from agent.web import pages

DEVICES_PATH = "/devices"
QR_PATH = "/devices/qr"
QR_SECONDS = 15 * 60


def qr_action(name: str) -> str:
    return f"device-qr:{name}"


def _when(seconds: float | None, tz: tzinfo | None) -> str:
    return datetime.fromtimestamp(seconds, tz).strftime("%a %d %b, %H:%M") if seconds else "never"


def devices_html(rows: list[dict], tz: tzinfo | None = None) -> str:
    if rows:
        items = "".join(
            f"<li><b>{escape(row['name'])}</b>: UDP port {row['port']}, joins at {escape(row['endpoint'])}; "
            f"last seen {_when(row.get('last_seen'), tz)}"
            + (f" ({escape(row['problem'])})" if row.get("problem") else "") + "</li>"
            for row in rows)
        body = f"<ul>{items}</ul>"
    else:
        body = "<p>No devices yet. To guard your phone too: <code>nocontact devices add phone</code></p>"
    return pages._page("nocontact: devices", (
        "<h1>Your devices</h1>" + body +
        "<p>To show a device's QR code here, run <code>nocontact devices show NAME</code>: it prints a link that "
        "works for 15 minutes. Once the device has joined, open <b>http://nocontact.home.arpa/</b> on it to trust "
        "nocontact's certificate.</p>"
        "<p>A window opened on one device opens that target on every device, and a wait asked for on one is the "
        "same wait everywhere.</p>"
        "<p class='soft'><a href='/'>nocontact's home page</a></p>"))


def qr_html(name: str, config: str) -> str:
    import segno

    svg = segno.make(config, error="l", micro=False).svg_inline(scale=6, dark="#000", light="#fff", border=4)
    return pages._page(f"nocontact: {name}", (
        f"<h1>Join {escape(name)}</h1>"
        "<p>In the WireGuard app on the device: add a tunnel, <b>scan from QR code</b>, and switch it on.</p>"
        f"<div style='background:#fff;display:inline-block;padding:8px'>{svg}</div>"
        "<p>This code holds the device's key: close this page once it is scanned.</p>"))
