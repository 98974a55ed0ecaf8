"""The page a phone opens through its tunnel to trust our CA, and the CA in the forms phones take.

Served by the proxy itself (addons/devices.py) at http://nocontact.home.arpa/ (a name reserved for home
networks, answered by our own DNS in the tunnel) and at http://10.0.0.53/, as mitmproxy serves mitm.it.
Only the certificate is offered, never its key.
"""

from __future__ import annotations

import plistlib
import uuid
from html import escape

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from agent.web import pages

PAGE_HOST = "nocontact.home.arpa"
PAGE_HOSTS = (PAGE_HOST, "10.0.0.53")
FILES = {
    "/nocontact-ca.pem": ("application/x-pem-file", "pem"),
    "/nocontact-ca.crt": ("application/x-x509-ca-cert", "der"),
    "/nocontact.mobileconfig": ("application/x-apple-aspen-config", "mobileconfig"),
}

STEPS = """
<h2>iPhone and iPad</h2>
<ol>
<li>Open this page in Safari and tap <a href="/nocontact.mobileconfig">the profile</a>; allow the download.</li>
<li>Settings, General, VPN &amp; Device Management: tap <b>nocontact CA</b>, then Install.</li>
<li>Settings, General, About, Certificate Trust Settings: turn on full trust for <b>nocontact CA</b>.
Without this last switch Safari does not trust it.</li>
</ol>
<h2>Android</h2>
<ol>
<li>Download <a href="/nocontact-ca.crt">the certificate</a>.</li>
<li>Settings, Security (or Security &amp; privacy), More security settings, Encryption &amp; credentials,
Install a certificate, CA certificate: choose the file. The words differ a little between phones;
searching Settings for "CA certificate" finds it.</li>
<li>Firefox for Android trusts it only after Settings, About Firefox (tap the logo five times), Secret
settings, "Use third party CA certificates". Chrome trusts it at once.</li>
</ol>
<h2>Windows, macOS and Linux</h2>
<ol>
<li>Windows: open <a href="/nocontact-ca.crt">the certificate</a>, Install Certificate, Local Machine,
"Trusted Root Certification Authorities".</li>
<li>macOS: open <a href="/nocontact-ca.pem">the certificate</a> in Keychain Access (System), then set
"When using this certificate" to Always Trust.</li>
<li>Linux: import <a href="/nocontact-ca.pem">the certificate</a> in the browser's certificate settings
(Authorities) and trust it for websites.</li>
</ol>
"""

HONEST = """
<h2>What it does not reach</h2>
<p>Browsers trust it once it is installed: the gentle page then shows on a person's profile as it does on the
computer. Most apps do not. On Android (7 and later) apps trust only the phone's own certificates, and apps that
pin their certificates (Instagram, Facebook, TikTok, WhatsApp, Snapchat and many others) trust none but their
own, on any phone. Those apps are let through or closed on sites nocontact watches, as the config's
<code>devices: pinned_apps</code> says. Dating and other whole sites you block are closed for apps and browsers
alike, certificate or not.</p>
<p>This certificate can vouch only for the sites nocontact must read; it cannot be used for your bank or your
mail.</p>
"""


def page_html(device: str | None) -> str:
    who = f" on {escape(device)}" if device else ""
    body = (f"<h1>Trust nocontact{who}</h1>"
            "<p>So that a person's profile shows the gentle page in this device's browser instead of an error, "
            "the browser needs to trust nocontact's certificate. This takes a minute, once.</p>"
            + STEPS + HONEST)
    return pages._page("Trust nocontact", body)


def ca_file(cert: x509.Certificate, form: str) -> bytes:
    if form == "pem":
        return cert.public_bytes(Encoding.PEM)
    if form == "der":
        return cert.public_bytes(Encoding.DER)
    return mobileconfig(cert)


def mobileconfig(cert: x509.Certificate) -> bytes:
    """An iOS configuration profile holding the CA (a root certificate payload), stable for one certificate."""
    der = cert.public_bytes(Encoding.DER)
    seed = uuid.uuid5(uuid.NAMESPACE_URL, f"nocontact-ca:{cert.serial_number}")
    payload = {
        "PayloadCertificateFileName": "nocontact-ca.cer",
        "PayloadContent": der,
        "PayloadDescription": "Lets this device's browser show nocontact's gentle pages.",
        "PayloadDisplayName": "nocontact CA",
        "PayloadIdentifier": f"home.arpa.nocontact.ca.{seed}",
        "PayloadType": "com.apple.security.root",
        "PayloadUUID": str(seed).upper(),
        "PayloadVersion": 1,
    }
    profile = {
        "PayloadContent": [payload],
        "PayloadDisplayName": "nocontact CA",
        "PayloadIdentifier": "home.arpa.nocontact.profile",
        "PayloadType": "Configuration",
        "PayloadUUID": str(uuid.uuid5(seed, "profile")).upper(),
        "PayloadVersion": 1,
    }
    return plistlib.dumps(profile)
