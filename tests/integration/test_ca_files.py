"""The CA's files as mitmproxy reads them, its leaves checked by the real `openssl verify`, and a running proxy
that signs with it and switches to a new one by itself."""

from __future__ import annotations

import ipaddress
import shutil
import ssl
import stat
import subprocess
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from cryptography import x509
from mitmproxy.certs import CertStore

from agent import ca, run
from agent.config import parse_config
from tests.conftest import TEST_CONFIG, own_proxy
from tests.integration.installing import need
from tests.integration.test_connection_names import tunnel

CONFIG = parse_config(TEST_CONFIG)


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("data") / "ca"
    ca.issue(folder, ca.scope(CONFIG))
    return folder


def leaf(folder: Path, *names: str) -> Path:
    """A leaf certificate for `names`, signed by the CA's own key, as mitmproxy signs them."""
    store = CertStore.from_files(folder / ca.KEY_FILE, folder / "mitmproxy-dhparam.pem")
    sans = []
    for name in names:
        try:
            sans.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            sans.append(x509.DNSName(name))
    path = folder.parent / f"leaf-{'-'.join(names)}.pem"
    path.write_bytes(store.get_cert(names[0], sans).cert.to_pem())
    return path


def openssl_verify(folder: Path, certificate: Path) -> tuple[int, str]:
    need("openssl", "openssl")
    done = subprocess.run(["openssl", "verify", "-CAfile", str(folder / ca.CERT_FILE), str(certificate)],
                          capture_output=True, text=True)
    return done.returncode, done.stdout + done.stderr


def test_mitmproxy_reads_the_files_and_only_the_key_is_private(folder):
    assert sorted(p.name for p in folder.iterdir()) == sorted([
        "mitmproxy-ca.pem", "mitmproxy-ca.p12", "mitmproxy-ca-cert.pem", "mitmproxy-ca-cert.cer",
        "mitmproxy-ca-cert.p12", "mitmproxy-dhparam.pem"])
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in folder.iterdir()}
    assert modes["mitmproxy-ca.pem"] == modes["mitmproxy-ca.p12"] == 0o600
    assert modes["mitmproxy-ca-cert.pem"] == 0o644
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    store = CertStore.from_store(folder, "mitmproxy", 2048)  # as mitmproxy's tlsconfig loads it: nothing made anew
    assert store.default_ca.to_pem() == (folder / ca.CERT_FILE).read_bytes()
    assert (folder / "mitmproxy-ca-cert.cer").read_bytes() == (folder / ca.CERT_FILE).read_bytes()


@pytest.mark.parametrize("names, verdict", [
    (("www.instagram.com",), "OK"),
    (("tinder.com",), "OK"),
    (("blocked-site.test",), "OK"),  # the person's own block.sites
    (("bank.test",), "permitted subtree violation"),
    (("docs.python.org",), "permitted subtree violation"),
    (("mail.google.com",), "excluded subtree violation"),
    (("www.instagram.com", "203.0.113.7"), "excluded subtree violation"),  # never an IP address
])
def test_openssl_verify_holds_the_leaves_to_the_constraint(folder, names, verdict):
    code, said = openssl_verify(folder, leaf(folder, *names))
    assert verdict in said, said
    assert (code == 0) == (verdict == "OK")


def test_an_existing_ca_is_kept_and_a_replaced_one_is_gone_with_its_key(tmp_path):
    folder = tmp_path / "ca"
    assert ca.ensure(folder, CONFIG)
    first = (folder / ca.KEY_FILE).read_bytes()
    assert not ca.ensure(folder, CONFIG) and (folder / ca.KEY_FILE).read_bytes() == first
    ca.replace(folder, CONFIG)
    assert (folder / ca.KEY_FILE).read_bytes() != first
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ca"]  # no old folder, no half-made new one
    assert not any(first in p.read_bytes() for p in tmp_path.rglob("*") if p.is_file())


def _handshake(address: tuple[str, int], ca_file: Path, host: str = "www.instagram.com") -> None:
    """A TLS handshake through the proxy that verifies the leaf against `ca_file` (OpenSSL: constraints included)."""
    context = ssl.create_default_context(cafile=str(ca_file))
    with context.wrap_socket(tunnel(SimpleNamespace(address=address), f"{host}:443"), server_hostname=host):
        pass


def test_the_running_proxy_signs_leaves_that_verify_against_its_constrained_ca(proxy, tmp_path):
    ca_file = Path(proxy.agent.address["ca_cert"])
    assert ca.reach(x509.load_pem_x509_certificate(ca_file.read_bytes())).constrained
    _handshake(proxy.address, ca_file)  # raises if the leaf broke the constraint


def test_a_running_agent_switches_to_a_new_ca_by_itself(origin, tmp_path, monkeypatch):
    monkeypatch.setattr(run, "CA_POLL_SECONDS", 0.05)
    with own_proxy(TEST_CONFIG, tmp_path, origin) as agent:
        folder = Path(agent.agent.address["ca_cert"]).parent
        assert folder == tmp_path / "ca"
        old = tmp_path / "old-ca.pem"
        shutil.copy(folder / ca.CERT_FILE, old)
        _handshake(agent.address, old)
        ca.replace(folder, CONFIG)
        deadline = time.monotonic() + 10
        while True:
            try:
                _handshake(agent.address, folder / ca.CERT_FILE)
                break
            except ssl.SSLCertVerificationError:
                assert time.monotonic() < deadline, "the running agent still signs with the old CA"
                time.sleep(0.05)
        with pytest.raises(ssl.SSLCertVerificationError):
            _handshake(agent.address, old)
