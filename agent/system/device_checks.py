"""`nocontact doctor` on the person's devices: is each one's WireGuard listener up, and when did it last join.

A device not seen for a while is said calmly: a phone switched off or out of reach is life, not a failure.
"""

from __future__ import annotations

from pathlib import Path

import psutil

from agent import devices
from agent.commands.device_words import when
from agent.device_runner import read_seen
from agent.state import State
from agent.system.check import Check


def listening_ports(pid: int) -> set[int] | None:
    """The UDP ports process `pid` listens on; None when that cannot be read here."""
    try:
        return {c.laddr.port for c in psutil.Process(pid).net_connections(kind="udp") if c.laddr}
    except (psutil.Error, OSError):
        return None


def device_checks(data_dir: Path, state: State | None) -> list[Check]:
    found, problems = devices.all_devices(data_dir)
    checks = [Check("Device file", False, problem, "Remove that file and add the device again: "
                    "nocontact devices add NAME") for problem in problems]
    seen = read_seen(data_dir)
    ports = listening_ports(state.pid) if state else None
    for device in found:
        heading = f"Device {device.name}"
        joined = f"last joined {when(seen[device.name])}" if device.name in seen else "not joined yet"
        reach = (f"On the device: the WireGuard app, tunnel {device.name!r} switched on; it must reach "
                 f"{device.endpoint} (UDP {device.port}): the same network, or that UDP port forwarded on your "
                 "router to this machine.")
        if state is None:
            checks.append(Check(heading, None, f"UDP {device.port}, {joined}; nocontact is not running, so it is not "
                                "guarded now"))
        elif ports is not None and device.port not in ports:
            checks.append(Check(heading, False, f"nocontact is not listening on UDP {device.port} ({joined})",
                                f"Another program may hold UDP port {device.port}; `nocontact status` says why. "
                                f"Or give the device another port: remove it and add it with --port."))
        elif device.name not in seen:
            checks.append(Check(heading, None, f"listening on UDP {device.port}; not joined yet", reach))
        else:
            checks.append(Check(heading, True, f"listening on UDP {device.port}; {joined}", reach))
    return checks
