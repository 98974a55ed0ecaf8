"""Devices: their files, what the running agent keeps of them, and DeviceGuard's hooks in process.

The tunnel itself (a real WireGuard client in a network namespace) is tested in
tests/integration/test_devices_tunnel.py, QUIC there too; here each hook gets one real ClientHello or DNS query.
"""

from __future__ import annotations

import asyncio
import json
import socket
import stat
from pathlib import Path

import pytest
from mitmproxy import dns, tls
from mitmproxy.proxy import mode_specs
from mitmproxy.proxy.context import Context
from mitmproxy.test import taddons, tflow, tutils

from addons.devices import DeviceGuard
from agent import devices
from agent.agent import Agent
from agent.commitment import loosens, stricter
from agent.config import ConfigError, parse_config
from agent.devices import DeviceError
from agent.notifier import Notifier
from agent.tunnels import PINNED_SECONDS, Tunnels
from tests.conftest import Clock
from tests.unit.test_addons import client_hello

pytestmark = pytest.mark.unit

CONFIG = """
people:
  - alias: "J"
    profiles: [https://www.instagram.com/casey.lindqvist/]
block: {dating: true, sites: [blocked-site.test]}
devices: {pinned_apps_for: {tablet: close}}
"""


# --- the device files -----------------------------------------------------------------------------


def test_a_device_gets_its_own_keys_port_and_a_private_file(tmp_path):
    phone = devices.add(tmp_path, "phone", endpoint="192.168.1.20")
    tablet = devices.add(tmp_path, "tablet", endpoint="192.168.1.20")
    assert phone.port != tablet.port and phone.client_key != tablet.client_key
    assert stat.S_IMODE(phone.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(phone.path.parent.stat().st_mode) == 0o700
    # mitmproxy's WireGuard mode reads the same file for the keys.
    data = json.loads(phone.path.read_text())
    assert data["server_key"] == phone.server_key and data["client_key"] == phone.client_key
    assert devices.named(tmp_path, "phone") == phone


def test_the_client_config_is_what_the_wireguard_apps_import(tmp_path):
    from mitmproxy_rs import wireguard

    phone = devices.add(tmp_path, "phone", endpoint="home.example.org:4500")
    lines = dict(line.split(" = ", 1) for line in phone.client_config().splitlines() if " = " in line)
    assert lines["PrivateKey"] == phone.client_key
    assert lines["PublicKey"] == wireguard.pubkey(phone.server_key)
    assert lines["Endpoint"] == "home.example.org:4500"  # the router's port, as given
    assert lines["AllowedIPs"] == "0.0.0.0/0, ::/0"  # IPv6 cannot go around the tunnel
    assert lines["DNS"] == "10.0.0.53"
    v6 = devices.add(tmp_path, "v6", endpoint="[fd00::5]")
    assert f"Endpoint = [fd00::5]:{v6.port}" in v6.client_config()


@pytest.mark.parametrize("name", ["", "a" * 33, "my phone", "-phone", "phone/../x", "proxy", "Process", "ph\u00f6ne"])
def test_a_name_that_cannot_name_a_device_is_refused_clearly(tmp_path, name):
    with pytest.raises(DeviceError, match="device|urge log"):
        devices.add(tmp_path, name)
    assert not devices.folder(tmp_path).exists() or not list(devices.folder(tmp_path).iterdir())


def test_a_taken_name_or_port_is_refused_and_nothing_changes(tmp_path):
    phone = devices.add(tmp_path, "phone")
    before = phone.path.read_bytes()
    with pytest.raises(DeviceError, match="exists already"):
        devices.add(tmp_path, "Phone")
    with pytest.raises(DeviceError, match="in use"):
        devices.add(tmp_path, "tablet", port=phone.port)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as held:
        held.bind(("0.0.0.0", 0))
        with pytest.raises(DeviceError, match="in use"):
            devices.add(tmp_path, "tablet", port=held.getsockname()[1])
    with pytest.raises(DeviceError, match="1024 to 65535"):
        devices.add(tmp_path, "tablet", port=80)
    assert phone.path.read_bytes() == before and [d.name for d in devices.all_devices(tmp_path)[0]] == ["phone"]


@pytest.mark.parametrize("endpoint", ["not an address", "host:port", "host:99999", "a b:1", "http://x.test"])
def test_an_endpoint_a_phone_cannot_reach_is_refused(tmp_path, endpoint):
    with pytest.raises(DeviceError, match="HOST|port"):
        devices.add(tmp_path, "phone", endpoint=endpoint)


def test_a_damaged_device_file_is_named_never_its_keys_and_the_others_still_load(tmp_path):
    devices.add(tmp_path, "phone")
    tablet = devices.add(tmp_path, "tablet")
    tablet.path.write_text(tablet.path.read_text().replace(tablet.server_key, "not-a-key"))
    found, problems = devices.all_devices(tmp_path)
    assert [d.name for d in found] == ["phone"]
    assert len(problems) == 1 and "tablet.json is damaged" in problems[0] and tablet.client_key not in problems[0]
    with pytest.raises(DeviceError, match="damaged"):
        devices.named(tmp_path, "tablet")
    with pytest.raises(DeviceError, match="no device called 'laptop'.*phone"):
        devices.named(tmp_path, "laptop")


# --- what the running agent keeps ----------------------------------------------------------------


def test_a_device_file_removed_behind_the_agents_back_is_written_again(tmp_path):
    tunnels = Tunnels(tmp_path)
    phone = devices.add(tmp_path, "phone")
    assert tunnels.refresh() == ["device phone added"]
    assert tunnels.modes() == [f"wireguard:{phone.path}@0.0.0.0:{phone.port}"]
    phone.path.unlink()
    assert "written again" in tunnels.refresh()[0]
    assert devices.named(tmp_path, "phone") == phone
    tunnels.remove("phone")  # what a waited-out removal does
    assert tunnels.modes() == [] and not phone.path.exists()


def test_a_damaged_file_keeps_the_device_as_it_was_read(tmp_path):
    tunnels = Tunnels(tmp_path)
    phone = devices.add(tmp_path, "phone")
    tunnels.refresh()
    phone.path.write_text("{broken")
    said = tunnels.refresh()
    assert any("could not be read" in line for line in said)
    assert tunnels.devices["phone"] == phone and phone.path.read_text() == "{broken"


def test_an_app_refusing_our_certificate_is_remembered_per_device_and_host_for_a_while(tmp_path):
    clock = Clock(1000.0)
    tunnels = Tunnels(tmp_path, clock=clock)
    assert tunnels.mark_pinned("phone", "www.instagram.com")
    assert not tunnels.mark_pinned("phone", "www.instagram.com")  # said once
    assert tunnels.pinned("phone", "www.instagram.com")
    assert not tunnels.pinned("tablet", "www.instagram.com") and not tunnels.pinned("phone", "x.com")
    clock.advance(PINNED_SECONDS + 1)
    assert not tunnels.pinned("phone", "www.instagram.com")
    tunnels.mark_pinned("phone", "x.com")
    tunnels.trust_again("phone")  # the device fetched our CA: look again
    assert not tunnels.pinned("phone", "x.com")


def test_a_quiet_device_is_noted_once_until_it_is_seen_again(tmp_path):
    clock = Clock(1000.0)
    tunnels = Tunnels(tmp_path, clock=clock)
    devices.add(tmp_path, "phone")
    tunnels.refresh()
    assert tunnels.newly_quiet(1800) == []  # never seen: nothing to say
    tunnels.seen("phone")
    clock.advance(1799)
    assert tunnels.newly_quiet(1800) == []
    clock.advance(1)
    assert tunnels.newly_quiet(1800) == [("phone", 1000.0)]
    assert tunnels.newly_quiet(1800) == []
    tunnels.seen("phone")
    clock.advance(1800)
    assert [name for name, _ in tunnels.newly_quiet(1800)] == ["phone"]


# --- the config ------------------------------------------------------------------------------------


def test_letting_pinned_apps_through_again_is_a_loosening_that_waits():
    close = parse_config("devices: {pinned_apps: close, pinned_apps_for: {phone: close}}", "c")
    through = parse_config("devices: {pinned_apps_for: {tablet: close}}", "c")
    assert loosens(close, through)
    merged = stricter(close, through).devices
    assert merged.pinned_apps == "close" and merged.pinned_apps_for == {"phone": "close", "tablet": "close"}
    assert not loosens(through, parse_config("devices: {pinned_apps: close, pinned_apps_for: {tablet: close}}", "c"))
    assert close.devices.pinned_apps_on("any") == "close"
    assert parse_config("{}", "c").devices.pinned_apps_on("phone") == "let_through"  # the default
    with pytest.raises(ConfigError, match="pinned_apps"):
        parse_config("devices: {pinned_apps: block}", "c")


# --- DeviceGuard, one hook at a time --------------------------------------------------------------


@pytest.fixture
def agent(tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text(CONFIG)
    agent = Agent(config, notifier=Notifier(send=lambda title, body: None), database=tmp_path / "urges.sqlite3")
    for name in ("phone", "tablet"):
        devices.add(tmp_path, name)
    agent.tunnels.refresh()
    yield agent
    agent.close()


def from_device(agent: Agent, name: str | None):
    client = tflow.tclient_conn()
    if name:
        device = agent.tunnels.devices[name]
        client.proxy_mode = mode_specs.ProxyMode.parse(f"wireguard:{device.path}@0.0.0.0:{device.port}")
    return client


def hello_from(agent: Agent, name: str | None, sni: str) -> tls.ClientHelloData:
    with taddons.context() as tctx:
        context = Context(from_device(agent, name), tctx.options)
    context.server = tflow.tserver_conn()
    context.server.address = ("203.0.113.7", 443)
    return tls.ClientHelloData(context, client_hello(sni))


def hook(addon, name: str, *args) -> None:
    """One hook of `addon`, registered with a mitmproxy master as it would be in the proxy."""
    async def run() -> None:
        result = getattr(addon, name)(*args)
        if result is not None:
            await result
        await asyncio.gather(*getattr(addon, "_noting", ()))  # the urges it noted on the side

    with taddons.context(addon):
        asyncio.run(run())


def refused(data: tls.ClientHelloData) -> bool:
    return not data.context.client.connected and not data.ignore_connection


def test_a_whole_blocked_site_is_refused_by_name_and_noted_with_the_devices_name(agent):
    data = hello_from(agent, "phone", "tinder.com")
    hook(DeviceGuard(agent), "tls_clienthello", data)
    assert refused(data)
    agent.settle()
    urge = agent.urges.urges()[0]
    assert urge.source == "phone" and urge.site == "tinder.com"


def test_the_computers_own_connections_are_left_to_the_other_addons(agent):
    data = hello_from(agent, None, "tinder.com")
    hook(DeviceGuard(agent), "tls_clienthello", data)
    assert data.context.client.connected and not data.ignore_connection


def test_after_an_app_refuses_our_certificate_the_devices_setting_applies_to_that_host(agent):
    guard = DeviceGuard(agent)
    for name, expect_refused in (("phone", False), ("tablet", True)):  # phone: let_through; tablet: close
        first = hello_from(agent, name, "www.instagram.com")
        hook(guard, "tls_clienthello", first)
        assert first.context.client.connected and not first.ignore_connection  # read: the gentle page can show
        failed = tls.TlsData(first.context.client, first.context)
        failed.conn.sni, failed.conn.error = "www.instagram.com", "The client does not trust the proxy's certificate"
        hook(guard, "tls_failed_client", failed)
        again = hello_from(agent, name, "www.instagram.com")
        hook(guard, "tls_clienthello", again)
        assert refused(again) is expect_refused
        assert again.ignore_connection is not expect_refused
        elsewhere = hello_from(agent, name, "x.com")  # another watched host is still read
        hook(guard, "tls_clienthello", elsewhere)
        assert elsewhere.context.client.connected and not elsewhere.ignore_connection


def test_our_own_refusal_is_not_taken_for_an_app_pinning_its_certificate(agent):
    data = hello_from(agent, "phone", "www.instagram.com")
    failed = tls.TlsData(data.context.client, data.context)
    failed.conn.sni, failed.conn.error = "www.instagram.com", "connection closed early"
    hook(DeviceGuard(agent), "tls_failed_client", failed)
    assert not agent.tunnels.pinned("phone", "www.instagram.com")


def dns_flow(agent: Agent, name: str | None, asked: str, kind: int = dns.types.A) -> dns.DNSFlow:
    flow = tflow.tdnsflow()
    flow.client_conn = from_device(agent, name)
    flow.request = tutils.tdnsreq(questions=[dns.Question(asked, kind, dns.classes.IN)])
    flow.response = None
    return flow


@pytest.mark.parametrize("asked", ["tinder.com", "www.tinder.com.", "blocked-site.test"])
def test_a_whole_blocked_name_gets_no_address_and_an_urge(agent, asked):
    flow = dns_flow(agent, "phone", asked)
    guard = DeviceGuard(agent)
    hook(guard, "dns_request", flow)
    assert flow.response is not None and flow.response.answers == [] and flow.response.response_code == 0
    hook(guard, "dns_response", flow)
    agent.settle()
    assert [u.source for u in agent.urges.urges()] == ["phone"]


@pytest.mark.parametrize("asked", ["www.instagram.com", "bank.test"])
def test_other_names_are_resolved_as_usual(agent, asked):
    flow = dns_flow(agent, "phone", asked)
    hook(DeviceGuard(agent), "dns_request", flow)
    assert flow.response is None  # left to mitmproxy's resolver


def test_the_page_to_trust_our_ca_has_an_address_in_the_tunnel(agent):
    flow = dns_flow(agent, "phone", "nocontact.home.arpa")
    hook(DeviceGuard(agent), "dns_request", flow)
    assert [str(a) for a in (answer.ipv4_address for answer in flow.response.answers)] == ["10.0.0.53"]


def test_a_device_named_like_a_path_cannot_reach_outside_its_folder(tmp_path):
    with pytest.raises(DeviceError):
        devices.named(tmp_path, "../config")
    assert Path(tmp_path, "config.json").exists() is False


def test_mitmproxys_own_log_of_a_listener_never_carries_a_devices_key(tmp_path, caplog):
    import logging

    import agent.device_runner  # noqa: F401 (it filters mitmproxy's listener log)

    phone = devices.add(tmp_path, "phone")
    with caplog.at_level(logging.INFO, logger="mitmproxy.proxy.mode_servers"):
        logging.getLogger("mitmproxy.proxy.mode_servers").info("-" * 60 + "\n" + phone.client_config())
        logging.getLogger("mitmproxy.proxy.mode_servers").info("WireGuard server listening at 0.0.0.0:51820.")
    assert phone.client_key not in caplog.text and "listening" in caplog.text


def test_a_window_opened_for_a_blocked_site_opens_its_name_and_connections_too(agent):
    agent.cooldowns.settings = agent.config.cooldown.model_copy(update={"delay": 0.0})
    hold = agent.cooldowns.request("category", "dating")
    agent.cooldowns.tick()
    agent.cooldowns.open(hold.id)
    flow = dns_flow(agent, "phone", "tinder.com")
    hook(DeviceGuard(agent), "dns_request", flow)
    assert flow.response is None  # looked up as usual while the window is open
    data = hello_from(agent, "phone", "tinder.com")
    hook(DeviceGuard(agent), "tls_clienthello", data)
    assert data.context.client.connected
