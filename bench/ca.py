"""Benchmark of the CA's name constraints: `python -m bench.ca [--handshakes N] [--small]`.

What is measured, in one run, for this install's CA made for the shipped default config (the full
permitted list, agent/ca.py) against the same kind of CA without constraints (as mitmproxy makes
one), each with a fresh RSA-2048 key:

- size: the certificate in DER and PEM bytes, and its permitted and excluded subtrees.
- loading: putting the CA into a client's trust store (an OpenSSL context), as a browser does
  once when it reads its store.
- verifying: one leaf certificate for www.instagram.com, signed by the CA through mitmproxy's own
  CertStore (as the proxy signs them), checked by cryptography's X.509 verifier, which applies the
  name constraints; the cost of the constraints alone shows here.
- handshake: a full TLS handshake (no session resumption) between an OpenSSL client trusting the CA
  (hostname checked) and a server presenting that leaf, over memory buffers in this process, so
  sockets and scheduling do not blur it. Rounds alternate the two CAs.

Medians are shown, with the ratio constrained / unconstrained. Sanity: the constrained CA's leaf for
bank.test must be refused and its leaf for www.instagram.com accepted (exit status 1 otherwise).
Nothing timed is asserted.
"""

from __future__ import annotations

import argparse
import ssl
import statistics
import sys
import tempfile
import time
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509 import verification
from mitmproxy.certs import CertStore
from tabulate import tabulate

from agent import ca
from agent.config import load_config
from agent.paths import default_config

HOST = "www.instagram.com"


def unconstrained(folder: Path) -> None:
    """A CA as mitmproxy makes one: it can vouch for any name."""
    CertStore.create_store(folder, "mitmproxy", ca.KEY_SIZE)


class Subject:
    """One CA with what the measurements need: its certificate, and a server context with a leaf it signed."""

    def __init__(self, name: str, folder: Path):
        self.name = name
        self.store = CertStore.from_files(folder / ca.KEY_FILE, folder / "mitmproxy-dhparam.pem")
        self.cert = x509.load_pem_x509_certificate(self.store.default_ca.to_pem())
        self.pem = self.cert.public_bytes(serialization.Encoding.PEM).decode()
        self.der = self.cert.public_bytes(serialization.Encoding.DER)
        entry = self.store.get_cert(HOST, [x509.DNSName(HOST)])
        self.leaf = x509.load_pem_x509_certificate(entry.cert.to_pem())
        chain = folder / "leaf.pem"
        chain.write_bytes(entry.cert.to_pem() + entry.privatekey.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
        self.server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.server.load_cert_chain(chain)
        self.client = self.client_context()
        self.verifier = verification.PolicyBuilder().store(verification.Store([self.cert])).build_server_verifier(
            x509.DNSName(HOST))

    def subtrees(self) -> tuple[int, int]:
        try:
            limits = self.cert.extensions.get_extension_for_class(x509.NameConstraints).value
        except x509.ExtensionNotFound:
            return 0, 0
        return len(limits.permitted_subtrees or ()), len(limits.excluded_subtrees or ())

    def client_context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.load_verify_locations(cadata=self.pem)
        return context

    def verify(self) -> None:
        self.verifier.verify(self.leaf, [])

    def handshake(self) -> None:
        to_server, to_client = ssl.MemoryBIO(), ssl.MemoryBIO()
        client = self.client.wrap_bio(to_client, to_server, server_hostname=HOST)
        server = self.server.wrap_bio(to_server, to_client, server_side=True)
        done = {client: False, server: False}
        while not all(done.values()):
            for side in (client, server):
                if done[side]:
                    continue
                try:
                    side.do_handshake()
                    done[side] = True
                except ssl.SSLWantReadError:
                    pass


def timed(job, times: int) -> list[float]:
    found = []
    for _ in range(times):
        start = time.perf_counter_ns()
        job()
        found.append((time.perf_counter_ns() - start) / 1000)
    return found


def sane(subject: Subject) -> bool:
    """The constrained CA's leaves: accepted for the watched host, refused for a bank-like one."""
    leaf = x509.load_pem_x509_certificate(subject.store.get_cert("bank.test", [x509.DNSName("bank.test")]).cert.to_pem())
    bank = verification.PolicyBuilder().store(verification.Store([subject.cert])).build_server_verifier(
        x509.DNSName("bank.test"))
    try:
        bank.verify(leaf, [])
        return False
    except verification.VerificationError:
        pass
    subject.verify()
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.ca", description=__doc__.split("\n", 1)[0])
    parser.add_argument("--handshakes", type=int, help="handshakes per CA (default 400; --small 20)")
    parser.add_argument("--small", action="store_true", help="CI-sized run")
    args = parser.parse_args(argv)
    rounds = args.handshakes or (20 if args.small else 400)
    with tempfile.TemporaryDirectory(prefix="nocontact-bench-ca-") as tmp:
        started = time.perf_counter()
        limits = ca.scope(load_config(default_config()))
        ca.issue(Path(tmp) / "constrained", limits)
        unconstrained(Path(tmp) / "unconstrained")
        made = time.perf_counter() - started
        subjects = [Subject("constrained (this install's)", Path(tmp) / "constrained"),
                    Subject("unconstrained (mitmproxy's)", Path(tmp) / "unconstrained")]
        print(f"Two CAs made in {made:.2f} s; the constrained one for the shipped default config "
              f"({len(limits.names)} names, {len(limits.carved)} carved out).")
        figures: dict[str, dict[str, list[float]]] = {s.name: {"load": [], "verify": [], "handshake": []}
                                                        for s in subjects}
        for subject in subjects:  # warm up each path once
            subject.handshake()
            subject.verify()
        batch = max(1, rounds // 10)
        for _ in range(0, rounds, batch):  # alternate, so drift on a shared machine hits both alike
            for subject in subjects:
                figures[subject.name]["load"] += timed(subject.client_context, max(1, batch // 4))
                figures[subject.name]["verify"] += timed(subject.verify, batch)
                figures[subject.name]["handshake"] += timed(subject.handshake, batch)

    rows = []
    for subject in subjects:
        permitted, excluded = subject.subtrees()
        medians = {k: statistics.median(v) for k, v in figures[subject.name].items()}
        rows.append([subject.name, len(subject.der), len(subject.pem), permitted, excluded,
                     f"{medians['load']:.0f}", f"{medians['verify']:.0f}", f"{medians['handshake']:.0f}"])
    ratio = [f"{float(a) / float(b):.2f}x" if float(b) else "-" for a, b in zip(rows[0][1:], rows[1][1:], strict=True)]
    rows.append(["ratio", *ratio])
    print(tabulate(rows, headers=["CA", "DER bytes", "PEM bytes", "permitted", "excluded", "load µs", "verify µs",
                                  "handshake µs"], disable_numparse=True))
    print(f"({rounds} handshakes and verifications per CA, medians; one leaf for {HOST})")
    if not sane(subjects[0]):
        print("sanity: the constrained CA vouched for bank.test", file=sys.stderr)
        return 1
    print("sanity: the constrained CA refused bank.test and vouched for www.instagram.com.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
