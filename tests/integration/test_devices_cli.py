"""`nocontact devices` as a person uses it: the contract the acceptance checks use, listings, bad input, and the
device's QR code on a running agent's own pages."""

from __future__ import annotations

import json
import socket
import stat
import urllib.error
import urllib.request

import pytest

from agent import devices
from agent.web.devices_page import QR_PATH, qr_action
from agent.web.server import PAGES_HOST
from tests.integration.test_cli import nocontact


def added(home, *args: str) -> dict:
    result = nocontact("devices", "add", *args, "--json", home=home)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("0.0.0.0", 0))
        return probe.getsockname()[1]


def test_add_prints_the_contract_and_show_prints_the_same_again(home):
    port = free_udp_port()
    first = added(home, "phone", "--endpoint", "192.168.1.20", "--port", str(port))
    assert set(first) == {"name", "port", "config"} and first["name"] == "phone" and first["port"] == port
    assert f"Endpoint = 192.168.1.20:{port}" in first["config"] and "PrivateKey = " in first["config"]
    again = nocontact("devices", "show", "phone", "--json", home=home)
    assert json.loads(again.stdout) == first
    path = home / "devices" / "phone.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_add_in_words_shows_a_qr_code_the_config_and_where_to_reach(home):
    result = nocontact("devices", "add", "phone", "--endpoint", "192.168.1.20", home=home)
    assert result.returncode == 0, result.stderr
    assert "\u2588" in result.stdout or "\u2580" in result.stdout  # the QR code, in block characters
    assert "[Interface]" in result.stdout and "192.168.1.20" in result.stdout and "UDP port" in result.stdout
    assert "nocontact.home.arpa" in result.stdout and "not running" in result.stdout


def test_list_never_shows_a_key_and_json_is_one_array(home):
    key = added(home, "phone")["config"].split("PrivateKey = ", 1)[1].split("\n", 1)[0]
    added(home, "tablet")
    listing = nocontact("devices", "list", "--json", home=home)
    rows = json.loads(listing.stdout)
    assert [r["name"] for r in rows] == ["phone", "tablet"] and rows[0]["last_seen"] is None
    words = nocontact("devices", "list", home=home).stdout
    assert "phone" in words and "last seen never" in words
    for text in (listing.stdout, words, nocontact("status", home=home).stdout, nocontact("doctor", "--quick",
                                                                                          home=home).stdout):
        assert key not in text
    status = nocontact("status", home=home).stdout
    assert "Devices (WireGuard):" in status and "forward" in status
    assert "Device phone" in nocontact("doctor", "--quick", home=home).stdout


@pytest.mark.parametrize("args, words", [
    (["devices", "add", ""], "cannot name a device"),
    (["devices", "add", "x" * 33], "cannot name a device"),
    (["devices", "add", "proxy"], "urge log uses"),
    (["devices", "add", "phone", "--endpoint", "not an address"], "not an address a phone can reach"),
    (["devices", "add", "phone", "--port", "80"], "1024 to 65535"),
    (["devices", "show", "laptop"], "no device called 'laptop'"),
    (["devices", "remove", "laptop"], "no device called 'laptop'"),
])
def test_bad_input_gets_one_clear_line_and_changes_nothing(home, args, words):
    result = nocontact(*args, home=home)
    assert result.returncode == 1 and words in result.stderr and "Traceback" not in result.stderr
    assert not (home / "devices").exists() or not list((home / "devices").glob("*.json"))


def test_a_taken_name_or_a_port_in_use_leaves_the_device_as_it_was(home):
    first = added(home, "phone")
    before = (home / "devices" / "phone.json").read_bytes()
    taken = nocontact("devices", "add", "phone", home=home)
    assert taken.returncode == 1 and "exists already" in taken.stderr
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as held:
        held.bind(("0.0.0.0", 0))
        busy = nocontact("devices", "add", "tablet", "--port", str(held.getsockname()[1]), home=home)
    assert busy.returncode == 1 and "in use" in busy.stderr
    assert (home / "devices" / "phone.json").read_bytes() == before and first["name"] == "phone"
    assert not (home / "devices" / "tablet.json").exists()


def test_a_damaged_key_file_is_said_and_the_other_devices_are_listed(home):
    added(home, "phone")
    added(home, "tablet")
    (home / "devices" / "tablet.json").write_text('{"name": "tablet", "server_key": "nope"}')
    listing = nocontact("devices", "list", home=home)
    assert listing.returncode == 0 and "phone" in listing.stdout and "tablet.json is damaged" in listing.stdout
    show = nocontact("devices", "show", "tablet", home=home)
    assert show.returncode == 1 and "damaged" in show.stderr


def test_removing_needs_the_running_agent_that_makes_it_wait(home):
    added(home, "phone")
    result = nocontact("devices", "remove", "phone", home=home)
    assert result.returncode == 1 and "not running" in result.stderr
    assert (home / "devices" / "phone.json").exists()


def test_the_qr_code_shows_only_through_a_signed_link_on_the_running_agents_pages(proxy):
    agent = proxy.agent
    devices.add(agent.tunnels.data_dir, "qr-phone")
    agent.tunnels.refresh()
    pages = agent.address["pages"]
    token = agent.token(qr_action("qr-phone"), PAGES_HOST, 900)
    with urllib.request.urlopen(f"{pages}{QR_PATH}?name=qr-phone&t={token}", timeout=5) as reply:
        page = reply.read().decode()
    assert "<svg" in page and "scan from QR code" in page.replace("<b>", "").replace("</b>", "")
    assert agent.tunnels.devices["qr-phone"].client_key not in page  # only inside the QR code
    for query in ("name=qr-phone&t=forged", f"name=other&t={token}"):
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"{pages}{QR_PATH}?{query}", timeout=5)
        assert refused.value.code == 403
    agent.tunnels.remove("qr-phone")
