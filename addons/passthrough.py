"""TLS is decrypted only for hosts that some rule needs to see; banking, mail and work pass untouched."""

from __future__ import annotations

from mitmproxy import tls

from agent.agent import Agent


class Passthrough:
    name = "nocontact-passthrough"

    def __init__(self, agent: Agent | None = None):
        self.agent = agent  # standalone, set once the config is read

    def tls_clienthello(self, data: tls.ClientHelloData) -> None:
        host = data.client_hello.sni or (data.context.server.address or ("",))[0]
        if not self.agent.policy.watches(host or ""):
            data.ignore_connection = True
