"""Leaf certificates that carry only the name asked for.

This install's CA is name-constrained (agent/ca.py): it may vouch only for the names nocontact must read, and for
no IP address. mitmproxy also writes the server's address into a leaf, which in WireGuard (transparent) mode is an
IP, so a client would refuse the whole leaf for that one entry. With an SNI, the leaf carries the SNI alone.
"""

from __future__ import annotations

import ipaddress

from cryptography import x509
from mitmproxy import certs
from mitmproxy.addons.tlsconfig import TlsConfig
from mitmproxy.proxy import context


class NamesOnly(TlsConfig):
    name = "tlsconfig"  # in place of mitmproxy's own; `nocontact ca rotate` reloads it by this name

    def get_cert(self, conn_context: context.Context) -> certs.CertStoreEntry:
        sni = conn_context.client.sni
        try:
            ipaddress.ip_address(sni or "")
        except ValueError:
            if sni:
                return self.certstore.get_cert(sni, [x509.DNSName(sni.encode("idna").decode())])
        return super().get_cert(conn_context)  # no name to carry: mitmproxy's own choice
