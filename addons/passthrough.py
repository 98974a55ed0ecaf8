"""Which connections are looked into: TLS is decrypted only where some rule needs to see; banking, mail and work
pass untouched. A connection is decided on every name it involves (the CONNECT target and the TLS SNI): one
watched name is enough to look, so a watched host cannot hide behind an unwatched SNI or the other way round.

What cannot be read on a watched host (a stream that is neither TLS nor HTTP) is closed, never opened upstream.
"""

from __future__ import annotations

import logging

from mitmproxy import tcp, tls
from mitmproxy.connection import ConnectionState

from addons.names import any_watched, hello_names, stream_names
from agent.agent import Agent
from agent.ca import outside_reach

log = logging.getLogger("nocontact")

REFUSED = "nocontact closed a stream it cannot read to a watched host"


class Passthrough:
    name = "nocontact-passthrough"

    def __init__(self, agent: Agent | None = None):
        self.agent = agent  # standalone, set once the config is read

    def _watched(self, names_of, subject) -> bool:
        try:
            return any_watched(self.agent.policy, names_of(subject))
        except Exception as err:  # our own mistake: what cannot be judged is treated as watched
            log.warning("nocontact could not read a connection's names (%s); it is treated as watched.",
                        type(err).__name__)
            return True

    def tls_clienthello(self, data: tls.ClientHelloData) -> None:
        if not self._watched(hello_names, data):
            data.ignore_connection = True
            return
        # A watched name this install's CA may not vouch for gets no leaf a browser would refuse (agent/ca.py).
        outcome = outside_reach(self.agent, hello_names(data))
        if outcome == "through":
            data.ignore_connection = True
        elif outcome == "refuse":
            # Read no further: mitmproxy takes it as closed early and closes it, no handshake, nothing upstream.
            data.context.client.state = ConnectionState.CAN_WRITE

    def tcp_start(self, flow: tcp.TCPFlow) -> None:
        """A raw stream (mitmproxy read neither TLS nor HTTP in it): closed where a rule watches a name of it."""
        if self._watched(stream_names, flow):
            log.info("nocontact closed a stream to a watched host that is neither TLS nor HTTP.")
            if not flow.server_conn.connected:
                flow.server_conn.error = REFUSED  # mitmproxy then never opens it, and closes the client
            flow.kill()

    def tcp_message(self, flow: tcp.TCPFlow) -> None:
        # The server was already connected (an eager connection strategy): a killed stream passes nothing on.
        if not flow.killable:
            flow.messages[-1].content = b""
