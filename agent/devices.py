"""The person's other devices (a phone, a tablet), each joined to the agent through WireGuard.

A device is one file in the data directory's `devices/` folder, 0600: its name, its UDP port, the
address written into its client config, and the two keys. mitmproxy's `wireguard` mode reads the same
file (its `server_key` and `client_key`), so each device has a listener of its own, and a connection
tells which device it came from by the listener it came in on. The keys never leave this folder except
in the client config that `devices add` and `devices show` print.
"""

from __future__ import annotations

import json
import os
import re
import socket
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from agent.errors import UserError
from agent.paths import write_whole

FOLDER = "devices"
FIRST_PORT = 51820  # WireGuard's own default port, then upwards
MAX_DEVICES = 16
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,31}")
# Sources the urge log uses already: a device called so would be mistaken for them.
RESERVED = {"proxy", "process", "message", "contact", "computer", "all"}
# The addresses mitmproxy gives the device inside the tunnel: the device itself and its DNS server.
TUNNEL_ADDRESS = "10.0.0.1/32"
TUNNEL_DNS = "10.0.0.53"


SAVED = ("name", "port", "endpoint", "added", "server_key", "client_key")


class DeviceError(UserError):
    """A device that cannot be added, read or found; `str()` is the message for the person."""


@dataclass(frozen=True)
class Device:
    name: str
    port: int
    endpoint: str  # host[:port] written into the client config
    added: float
    server_key: str
    client_key: str
    path: Path | None = field(default=None, compare=False)  # its file, where mitmproxy reads the keys

    def client_config(self) -> str:
        """The WireGuard client config, as the WireGuard apps import it (text or QR code).

        `::/0` is routed into the tunnel too, with no IPv6 address inside it: IPv6 cannot go around the
        tunnel, and apps fall back to IPv4 at once.
        """
        from mitmproxy_rs import wireguard

        host, _, port = split_endpoint(self.endpoint)
        host = f"[{host}]" if ":" in host else host
        return (
            "[Interface]\n"
            f"PrivateKey = {self.client_key}\n"
            f"Address = {TUNNEL_ADDRESS}\n"
            f"DNS = {TUNNEL_DNS}\n"
            "\n"
            "[Peer]\n"
            f"PublicKey = {wireguard.pubkey(self.server_key)}\n"
            "AllowedIPs = 0.0.0.0/0, ::/0\n"
            f"Endpoint = {host}:{port or self.port}\n"
        )

    def summary(self) -> dict:
        """What listings show: no keys."""
        return {"name": self.name, "port": self.port, "endpoint": self.endpoint, "added": self.added}


def folder(data_dir: Path) -> Path:
    return Path(data_dir) / FOLDER


def check_name(name: str) -> str:
    if not NAME.fullmatch(name or ""):
        raise DeviceError(
            f"{name!r} cannot name a device: use 1 to 32 letters, digits, '-' or '_', starting with a letter "
            "or digit (for example: phone, tablet, work-laptop)")
    if name.lower() in RESERVED:
        raise DeviceError(f"{name!r} is a word the urge log uses already; pick another name (for example: phone)")
    return name


def split_endpoint(text: str) -> tuple[str, str, int | None]:
    """(host, ':', port or None) of `host`, `host:port`, `[v6]` or `[v6]:port`."""
    text = text.strip()
    match = re.fullmatch(r"\[([0-9A-Fa-f:.]+)\](?::(\d+))?", text)
    if match:
        return match.group(1), ":", int(match.group(2)) if match.group(2) else None
    if text.count(":") > 1:  # a bare IPv6 address
        return text, "", None
    host, sep, port = text.partition(":")
    if not host or not re.fullmatch(r"[A-Za-z0-9.-]+", host) or (sep and not port.isdigit()):
        raise DeviceError(f"{text!r} is not an address a phone can reach: give HOST or HOST:PORT "
                          "(for example 192.168.1.20 or home.example.org:51820)")
    number = int(port) if port else None
    if number is not None and not 0 < number < 65536:
        raise DeviceError(f"{text!r}: a port is a number from 1 to 65535")
    return host, sep, number


def own_address() -> str:
    """This machine's address on its network, the one a phone on the same network reaches it at."""
    from mitmproxy.net import local_ip

    return local_ip.get_local_ip() or local_ip.get_local_ip6() or "127.0.0.1"


def udp_port_free(port: int, host: str = "0.0.0.0") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def load(path: Path) -> Device:
    """One device file; DeviceError when it is damaged (the message names the file, never a key)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        device = Device(name=check_name(str(data["name"])), port=int(data["port"]), endpoint=str(data["endpoint"]),
                        added=float(data["added"]), server_key=str(data["server_key"]),
                        client_key=str(data["client_key"]))
        _valid_keys(device)
    except (OSError, ValueError, KeyError, TypeError, UserError) as err:
        raise DeviceError(f"the device file {path} is damaged ({type(err).__name__}); remove it and add the "
                          "device again with: nocontact devices add NAME") from None
    return replace(device, path=path)


def _valid_keys(device: Device) -> None:
    from mitmproxy_rs import wireguard

    for key in (device.server_key, device.client_key):
        try:
            wireguard.pubkey(key)
        except Exception:
            raise ValueError("a key is not a WireGuard key") from None


def all_devices(data_dir: Path) -> tuple[list[Device], list[str]]:
    """The devices on record, by name, and a message for each file that could not be read."""
    found, problems = [], []
    for path in sorted(folder(data_dir).glob("*.json")):
        try:
            found.append(load(path))
        except DeviceError as err:
            problems.append(str(err))
    return found, problems


def named(data_dir: Path, name: str) -> Device:
    path = folder(data_dir) / f"{check_name(name)}.json"
    if not path.exists():
        known = ", ".join(d.name for d in all_devices(data_dir)[0]) or "none yet"
        raise DeviceError(f"there is no device called {name!r} (devices: {known})")
    return load(path)


def add(data_dir: Path, name: str, endpoint: str | None = None, port: int | None = None,
        clock=time.time) -> Device:
    """A new device with fresh keys, on `port` or the first free one from 51820."""
    from mitmproxy_rs import wireguard

    check_name(name)
    devices, _ = all_devices(data_dir)
    path = folder(data_dir) / f"{name}.json"
    if path.exists() or any(d.name.lower() == name.lower() for d in devices):
        raise DeviceError(f"a device called {name!r} exists already; `nocontact devices show {name}` shows its "
                          "config again")
    if len(devices) >= MAX_DEVICES:
        raise DeviceError(f"nocontact guards at most {MAX_DEVICES} devices; remove one first")
    taken = {d.port for d in devices}
    if port is not None:
        if not 1024 <= port < 65536:
            raise DeviceError(f"{port} cannot be a device's port: use a number from 1024 to 65535")
        if port in taken or not udp_port_free(port):
            raise DeviceError(f"UDP port {port} is in use already; leave out --port to use a free one")
    else:
        port = next((p for p in range(FIRST_PORT, 65536) if p not in taken and udp_port_free(p)), None)
        if port is None:
            raise DeviceError("no free UDP port was found for the device")
    if endpoint:
        split_endpoint(endpoint)
    device = Device(name, port, endpoint.strip() if endpoint else own_address(), clock(),
                    wireguard.genkey(), wireguard.genkey())
    folder(data_dir).mkdir(parents=True, exist_ok=True, mode=0o700)
    save(data_dir, device)
    return replace(device, path=path)


def save(data_dir: Path, device: Device) -> None:
    data = {f: getattr(device, f) for f in SAVED}
    write_whole(folder(data_dir) / f"{device.name}.json", json.dumps(data, indent=1).encode(), mode=0o600)


def remove(data_dir: Path, name: str) -> None:
    try:
        os.unlink(folder(data_dir) / f"{check_name(name)}.json")
    except FileNotFoundError:
        pass
