"""Connections from the person's devices (phones joined through WireGuard): decided by name, before anything else.

The privacy rule is the computer's: a host no rule can touch passes untouched (Passthrough decides that on the
SNI or the Host). On top of it, for a device:
- a whole blocked site (dating, people-search, a listed or chosen site) is refused by its SNI without contacting
  it, so apps are stopped as well as browsers, and its DNS name gets no address, so apps fail fast;
- QUIC to a watched host is refused, so the client falls back to TCP, where the policy can read it;
- where an app refused our certificate on a watched host (it pins its own), the device's setting applies from then
  on for that host: let it through, or close it;
- the page to trust our CA is served at http://nocontact.home.arpa/ (and http://10.0.0.53/).
This addon runs after Passthrough, so its word on a device's connection is the last one.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
from pathlib import Path

from mitmproxy import connection, dns, http, tls
from mitmproxy.addons.dns_resolver import DnsResolver
from mitmproxy.connection import ConnectionState
from mitmproxy.proxy import layer, layers
from mitmproxy.proxy.layers.quic import ServerQuicLayer, quic_parse_client_hello_from_datagrams

from addons.names import any_watched, hello_names, sni_and_address
from agent import ca, paths
from agent.agent import Agent
from agent.devices import TUNNEL_DNS
from agent.web import device_page

log = logging.getLogger("nocontact")

PAGE_ADDRESS = ipaddress.IPv4Address(TUNNEL_DNS)
QUIC_REFUSED = "nocontact refused QUIC to a watched host; the client falls back to TCP"
MAX_QUIC_HELLO = 6000  # bytes: a ClientHello longer than a few Initials is not waited for


def refuse(data: tls.ClientHelloData) -> None:
    """Read no further: mitmproxy takes the connection as closed early, with no handshake and nothing upstream."""
    data.ignore_connection = False
    data.context.client.state = ConnectionState.CAN_WRITE


class DeviceGuard:
    name = "nocontact-devices"

    def __init__(self, agent: Agent | None = None):
        self.agent = agent  # standalone, set once the config is read
        self._noting: set[asyncio.Task] = set()

    def _note_urge(self, decision, host: str, name: str) -> None:
        """Note the urge without holding the refusal or the DNS answer back while the disk writes it."""
        task = asyncio.get_running_loop().create_task(self.agent.record(decision, f"https://{host}/", source=name))
        self._noting.add(task)
        task.add_done_callback(self._noting.discard)

    def _device(self, client: connection.Client) -> str | None:
        return self.agent.tunnels.name_for(client.proxy_mode)

    def client_connected(self, client: connection.Client) -> None:
        name = self._device(client)
        if name:
            self.agent.tunnels.seen(name)

    def tls_clienthello(self, data: tls.ClientHelloData) -> None:
        name = self._device(data.context.client)
        if not name:
            return
        agent, names = self.agent, hello_names(data)
        for host in names:
            decision = agent.policy.whole_site(host)
            if decision and not agent.is_open(decision):
                refuse(data)
                self._note_urge(decision, host, name)
                return
        watched = [host for host in names if agent.policy.watches(host)]
        if any(agent.tunnels.pinned(name, host) for host in watched):
            if agent.config.devices.pinned_apps_on(name) == "close":
                refuse(data)
            else:
                data.ignore_connection = True

    def next_layer(self, nextlayer: layer.NextLayer) -> None:
        """QUIC from a device is never read: to a watched host it is refused (the client falls back to TCP, where
        the policy reads it), anything else passes as it came. Decided here, on the Initial's SNI, before
        mitmproxy would start a QUIC layer of its own."""
        context = nextlayer.context
        if not isinstance(nextlayer.layer, ServerQuicLayer) or not self._device(context.client):
            return
        data = nextlayer.data_client()
        try:
            hello = quic_parse_client_hello_from_datagrams([data])
        except ValueError:
            hello = None  # not a QUIC Initial we can read: decided on the address alone
        if hello is None and len(data) < MAX_QUIC_HELLO:
            nextlayer.layer = None  # the ClientHello goes on in the next datagram: asked again then
            return
        if any_watched(self.agent.policy, sni_and_address(hello.sni if hello else None, context.server.address)):
            context.server.error = QUIC_REFUSED  # mitmproxy then never opens it, and closes the client's side
        nextlayer.layer = layers.UDPLayer(context, ignore=True)

    def tls_failed_client(self, data: tls.TlsData) -> None:
        """The device refused our certificate (an app pinning its own, or a browser not trusting our CA yet)."""
        name = self._device(data.context.client)
        error = str(data.conn.error or "")
        if not name or "closed early" in error:  # closed early: our own refusal
            return
        host = data.conn.sni or (data.context.server.address or ("",))[0]
        if host and self.agent.tunnels.mark_pinned(name, host):
            what = self.agent.config.devices.pinned_apps_on(name)
            log.info("An app on %s does not trust nocontact's certificate for a watched site; its connections "
                     "there are %s from now on.", name, "closed" if what == "close" else "let through")

    def dns_request(self, flow: dns.DNSFlow) -> None:
        name = self._device(flow.client_conn)
        question = flow.request.question
        if not name or question is None or not flow.request.query:
            return
        asked = question.name.rstrip(".").lower()
        if asked == device_page.PAGE_HOST:
            answers = [dns.ResourceRecord.A(question.name, PAGE_ADDRESS)] if question.type == dns.types.A else []
            flow.response = flow.request.succeed(answers)
        else:
            decision = self.agent.policy.whole_site(asked)
            if decision and not self.agent.is_open(decision):  # a window the person opened opens the name too
                flow.response = flow.request.succeed([])  # no address: apps fail fast, and nothing is looked up

    def dns_response(self, flow: dns.DNSFlow) -> None:
        """An urge is noted where the name was asked for: an app that gets no address never connects."""
        name = self._device(flow.client_conn)
        question = flow.request.question
        if not name or question is None or question.type not in (dns.types.A, dns.types.AAAA):
            return
        asked = question.name.rstrip(".").lower()
        decision = self.agent.policy.whole_site(asked)
        if decision and not self.agent.is_open(decision):
            self._note_urge(decision, asked, name)

    async def request(self, flow: http.HTTPFlow) -> None:
        name = self._device(flow.client_conn)
        if not name or flow.response or flow.request.pretty_host.lower() not in device_page.PAGE_HOSTS:
            return
        path = flow.request.path.split("?", 1)[0]
        if path in device_page.FILES:
            address = self.agent.address
            folder = Path(address["ca_cert"]).parent if address else paths.ca_dir()
            cert = await asyncio.to_thread(ca.load_cert, folder)  # off the proxy's loop: a disk that hangs
            if cert is None:
                flow.response = http.Response.make(503, b"nocontact has no certificate yet.")
                return
            kind, form = device_page.FILES[path]
            self.agent.tunnels.trust_again(name)
            flow.response = http.Response.make(200, device_page.ca_file(cert, form), {
                "Content-Type": kind, "Content-Disposition": f'attachment; filename="{path.lstrip("/")}"',
                "Cache-Control": "no-store"})
        else:
            flow.response = http.Response.make(200, device_page.page_html(name).encode(), {
                "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store"})


class ResolverAfterUs(DnsResolver):
    """mitmproxy's own resolver, asked only where DeviceGuard has not answered: a blocked name is never looked up.

    `nocontact run` puts it after our addons in place of mitmproxy's (which would answer first)."""

    async def dns_request(self, flow: dns.DNSFlow) -> None:
        if flow.response is None:
            await super().dns_request(flow)
