"""Browser: headless Chromium trusting the constrained CA in an NSS database (no certificate flags) refuses a
certificate for a bank-like host signed with the CA's own key, and still shows the gentle page through the
real proxy."""

from __future__ import annotations

import asyncio
import ssl
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from mitmproxy.certs import CertStore

from agent import ca
from agent.config import parse_config
from tests.conftest import TEST_CONFIG, own_proxy
from tests.integration.test_doctor import _need_certutil, _need_chromium, chromium_load


def home_trusting(home: Path, ca_cert: str, monkeypatch) -> Path:
    """HOME with a Chrome NSS database that trusts `ca_cert` for sites, as install leaves it."""
    database = home / ".pki" / "nssdb"
    database.mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    subprocess.run(["certutil", "-N", "-d", f"sql:{database}", "--empty-password"], check=True)
    subprocess.run(["certutil", "-d", f"sql:{database}", "-A", "-t", "C,,", "-n", "nocontact CA", "-i", ca_cert],
                   check=True)
    return home


@pytest.fixture
def trusting_home(proxy, tmp_path, monkeypatch) -> Path:
    """A HOME whose Chrome NSS database trusts the running proxy's CA for sites, as install leaves it."""
    _need_certutil()
    _need_chromium()
    return home_trusting(tmp_path / "home", proxy.agent.address["ca_cert"], monkeypatch)


@pytest.fixture
def impostor(proxy, tmp_path):
    """An HTTPS server on loopback with certificates signed by the proxy's CA key, chosen by the name asked for:
    what someone who copied the key could serve."""
    folder = Path(proxy.agent.address["ca_cert"]).parent
    store = CertStore.from_files(folder / ca.KEY_FILE, folder / "mitmproxy-dhparam.pem")
    contexts = {}
    for host in ("bank.test", "www.instagram.com"):
        entry = store.get_cert(host, [x509.DNSName(host)])
        chain = tmp_path / f"{host}.pem"
        chain.write_bytes(entry.cert.to_pem() + entry.privatekey.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
        contexts[host] = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        contexts[host].load_cert_chain(chain)

    def by_name(sock, name, _context):
        sock.context = contexts.get(name, contexts["bank.test"])

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tmp_path / "bank.test.pem")
    context.sni_callback = by_name

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            body = b"<!doctype html><title>impostor</title><h1>sign in to your account</h1>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()


def test_a_certificate_for_a_bank_signed_with_the_ca_key_is_refused(trusting_home, impostor, tmp_path):
    resolve = "MAP bank.test 127.0.0.1, MAP www.instagram.com 127.0.0.1, MAP * ~NOTFOUND"
    bank = chromium_load(f"https://bank.test:{impostor}/", tmp_path / "p1", resolve=resolve)
    assert "ERR_CERT_INVALID" in bank and "sign in to your account" not in bank, bank[-2000:]
    # The same key and the same trust, for a name within the CA's reach: accepted. The refusal above is the
    # name constraint's, not a missing trust.
    watched = chromium_load(f"https://www.instagram.com:{impostor}/", tmp_path / "p2", resolve=resolve)
    assert "sign in to your account" in watched


def test_the_gentle_page_still_shows_through_the_real_proxy(trusting_home, proxy, tmp_path):
    flags = f"--proxy-server=http://{proxy.address[0]}:{proxy.address[1]}"
    dom = chromium_load("https://www.instagram.com/casey.lindqvist/", tmp_path / "p1", flags)
    assert "Paused by nocontact" in dom
    assert "Paused by nocontact" in chromium_load("https://blocked-site.test/", tmp_path / "p2", flags)
    # A whole top-level domain the CA may vouch for (.dating): Chromium takes its leaves as within the constraint.
    assert "Paused by nocontact" in chromium_load("https://www.flirty.dating/", tmp_path / "p4", flags)
    passed = chromium_load("https://www.instagram.com/someone.else/", tmp_path / "p3", flags)
    assert "origin page" in passed  # decrypted, allowed, passed on: the leaf was accepted


def test_without_the_trust_the_same_load_is_refused(proxy, tmp_path, monkeypatch):
    _need_chromium()
    monkeypatch.setenv("HOME", str(tmp_path / "untrusting"))
    flags = f"--proxy-server=http://{proxy.address[0]}:{proxy.address[1]}"
    assert "ERR_CERT_AUTHORITY_INVALID" in chromium_load("https://www.instagram.com/x/", tmp_path / "p", flags)


def test_a_blocked_site_outside_the_ca_is_refused_without_a_certificate_error(origin, tmp_path, monkeypatch):
    _need_certutil()
    _need_chromium()
    later = TEST_CONFIG.replace("sites: [blocked-site.test]", "sites: [blocked-site.test, later.test]")
    with own_proxy(TEST_CONFIG, tmp_path, origin) as proxy:
        async def adopt() -> str:
            return proxy.agent.adopt(parse_config(later), later)

        assert asyncio.run_coroutine_threadsafe(adopt(), proxy.loop).result(10) == "applied"
        home_trusting(tmp_path / "home", proxy.agent.address["ca_cert"], monkeypatch)
        flags = f"--proxy-server=http://{proxy.address[0]}:{proxy.address[1]}"
        refused = chromium_load("https://later.test/", tmp_path / "p1", flags)
        assert "ERR_CONNECTION_CLOSED" in refused and "ERR_CERT" not in refused, refused[-2000:]
        assert "Paused by nocontact" in chromium_load("https://blocked-site.test/", tmp_path / "p2", flags)
        assert any("later.test" in body for _, body in proxy.notes)  # the gentle notification still came
