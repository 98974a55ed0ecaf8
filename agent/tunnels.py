"""The devices a running agent guards through WireGuard: their listeners, when each was last seen, and the
hosts where a device's app refused our certificate.

The agent keeps what it read of each device file: a file removed behind its back is written again (a device is
removed by `nocontact devices remove`, which waits like any loosening), and a damaged one keeps the device it
was until the file is whole again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path

from agent import devices
from agent.devices import Device

log = logging.getLogger("nocontact")

LISTEN_HOST = "0.0.0.0"  # only the WireGuard listeners face the network; the proxy and pages stay on loopback
PINNED_SECONDS = 6 * 3600  # an app that refused our certificate is taken as pinning it for this long
MAX_PINNED = 4096


class Tunnels:
    def __init__(self, data_dir: Path, clock: Callable[[], float] = time.time):
        self.data_dir = Path(data_dir)
        self.clock = clock
        self.devices: dict[str, Device] = {}
        self.last_seen: dict[str, float] = {}
        self.problems: dict[str, str] = {}  # device -> why its listener is not running
        self._pinned: dict[tuple[str, str], float] = {}  # (device, host) -> until
        self._quiet_noted: set[str] = set()
        self._removing: set[str] = set()

    # --- the device files ------------------------------------------------------

    def refresh(self) -> list[str]:
        """Read the device files again; what changed, in words for the log (nothing: an empty list)."""
        found, problems = devices.all_devices(self.data_dir)
        on_disk = {d.name: d for d in found}
        said = [f"a device file could not be read: {p}" for p in problems if p not in self.problems.values()]
        for name, device in self.devices.items():
            if name not in on_disk and name not in self._removing:
                if any(str(device.path) in p for p in problems):
                    continue  # damaged: the device stays as it was read
                devices.save(self.data_dir, device)  # put back: removing a device waits
                said.append(f"the file of device {name} was removed; it was written again")
        for name, device in on_disk.items():
            if self.devices.get(name) != device:
                said.append(f"device {name} {'changed' if name in self.devices else 'added'}")
                self.devices[name] = device
        for name in self._removing - set(on_disk):
            self.devices.pop(name, None)
            self.last_seen.pop(name, None)
            self._removing.discard(name)
            said.append(f"device {name} removed")
        return said

    def remove(self, name: str) -> None:
        """Remove a device whose wait is over: its file, its listener (on the next `modes`), its key."""
        self._removing.add(name)
        devices.remove(self.data_dir, name)
        self.refresh()

    def modes(self) -> list[str]:
        """mitmproxy mode specs: one WireGuard listener a device, reading the keys from the device's file."""
        return [f"wireguard:{d.path}@{LISTEN_HOST}:{d.port}" for d in self.devices.values()]

    def name_for(self, proxy_mode) -> str | None:
        """The device a connection came from, by the listener it came in on; None for the computer's proxy."""
        if getattr(proxy_mode, "type_name", None) != "wireguard":
            return None
        port = proxy_mode.custom_listen_port
        return next((d.name for d in self.devices.values() if d.port == port), "a device")

    # --- seen, and quiet -------------------------------------------------------------

    def seen(self, name: str) -> None:
        self.last_seen[name] = self.clock()
        self._quiet_noted.discard(name)

    def newly_quiet(self, quiet_after: float) -> list[tuple[str, float]]:
        """Devices seen before and silent for `quiet_after` seconds, each once until it is seen again."""
        now, found = self.clock(), []
        for name, when in self.last_seen.items():
            if now - when >= quiet_after and name not in self._quiet_noted and name in self.devices:
                self._quiet_noted.add(name)
                found.append((name, when))
        return found

    # --- apps that refuse our certificate --------------------------------------------

    def mark_pinned(self, name: str, host: str) -> bool:
        """Note that `name`'s client refused our certificate for `host`; True when newly noted."""
        key = (name, host)
        fresh = self._pinned.get(key, 0) <= self.clock()
        if len(self._pinned) >= MAX_PINNED:
            self._pinned.clear()
        self._pinned[key] = self.clock() + PINNED_SECONDS
        return fresh

    def pinned(self, name: str, host: str) -> bool:
        return self._pinned.get((name, host), 0) > self.clock()

    def trust_again(self, name: str) -> None:
        """The device fetched our CA: its browser may trust it now, so look again everywhere."""
        for key in [k for k in self._pinned if k[0] == name]:
            del self._pinned[key]

    def summary(self) -> list[dict]:
        return [{**d.summary(), "last_seen": self.last_seen.get(d.name), "problem": self.problems.get(d.name)}
                for d in self.devices.values()]

