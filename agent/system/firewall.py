"""The host firewall: letting each device's WireGuard connection in where ufw or firewalld keeps the firewall.

A device joins on a UDP port of its own (agent/devices.py), on this machine's network addresses. Where
a firewall managed by ufw (`ufw status` says active) or firewalld (`firewall-cmd --state` says running)
is on, that port must be let in. As root, install opens it (ufw: a rule whose comment names the device;
firewalld: the port in the default zone, now and permanently) and records how to close it again; what
was open before is never touched, so uninstall closes exactly what install opened. Without root, the
person is given the command to run with sudo (nocontact never runs sudo itself), and nothing fails.
A firewall set up another way (nftables or iptables rules by hand) is not read.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar
from xml.etree import ElementTree

from agent import devices
from agent.system.account import Account
from agent.system.check import Check
from agent.system.steps import Action, Run, Step, note, removal

UFW_CONF = Path("/etc/ufw/ufw.conf")  # world-readable: says whether ufw is on, where its rules are root's to read
UFW_PROGRAM = Path("/usr/sbin/ufw")  # outside a person's PATH on Debian
# Where firewalld keeps the services' definitions: the administrator's, then its own.
SERVICE_FOLDERS = (Path("/etc/firewalld/services"), Path("/usr/lib/firewalld/services"))
NOT_RUNNING = ["not running", "not found", "failed to connect"]  # firewall-cmd --state when firewalld is not there


def comment(name: str | None) -> str:
    """What marks a ufw rule as nocontact's."""
    return f"nocontact device {name}" if name else "nocontact device"


def covers(spec: str, port: int, protocol: str = "udp") -> bool:
    """Whether a port spec (`51820/udp`, `51820`, `51000:52000/udp`, `51000-52000/udp`, `80,443/tcp`) takes in
    `port` over `protocol`."""
    ports, _, proto = spec.partition("/")
    if proto and proto != protocol:
        return False
    for part in ports.split(","):
        low, _, high = part.replace("-", ":").partition(":")
        if low.isdigit() and int(low) <= port <= int(high if high.isdigit() else low):
            return True
    return False


def _sudo(argv: Sequence[str], root: bool) -> str:
    return shlex.join(argv) if root else "sudo " + shlex.join(argv)


# --- ufw ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ufw:
    """ufw, on: `status` is what `ufw status verbose` says (None: only root can read it)."""
    status: str | None
    name = "ufw"

    def _rules(self) -> list[tuple[str, str, str]]:
        """(to, action, from) of each IPv4 rule that takes incoming traffic, in ufw's order."""
        lines = (self.status or "").splitlines()
        start = next((i + 1 for i, line in enumerate(lines) if line.startswith("--")), len(lines))
        rules = []
        for line in lines[start:]:
            parts = re.split(r"\s{2,}", line.split("#", 1)[0].strip())
            if len(parts) >= 3 and "(v6)" not in parts[0] and parts[1].split()[-1] not in ("OUT", "FWD"):
                rules.append((parts[0], parts[1].split()[0], parts[2]))
        return rules

    @staticmethod
    def _takes(to: str, port: int) -> bool:
        """Whether a rule's "To" (`51820/udp`, `10.0.0.1 51820/udp`, `Anywhere`, `51820/udp on eth0`) takes in the
        port; an application profile's name is not read."""
        words = to.split(" on ", 1)[0].split()
        specs = [w for w in words if re.fullmatch(r"[\d:,]+(/\w+)?", w)]
        if specs:
            return any(covers(s, port) for s in specs)
        first = words[0] if words else ""
        return bool(re.fullmatch(r"Anywhere(/udp)?|[\d.]+(/\d+)?(/udp)?", first))  # every port of an address

    def lets_in(self, port: int) -> bool | None:
        """Whether UDP `port` is let in (the first rule that takes it decides, else the default); None: unknown."""
        if self.status is None:
            return None
        for to, action, source in self._rules():
            if not self._takes(to, port):
                continue
            if action in ("ALLOW", "LIMIT"):
                return True
            if source.startswith("Anywhere"):  # a DENY or REJECT for every sender
                return False
        default = re.search(r"Default: (\w+) \(incoming\)", self.status)
        return bool(default) and default.group(1) == "allow"

    def closed_by_a_rule(self, port: int) -> bool:
        """Whether a DENY or REJECT rule (someone's own) keeps the port closed: then it is left to them."""
        return any(self._takes(to, port) and action in ("DENY", "REJECT") for to, action, _ in self._rules())

    def opening(self, port: int, device: str | None) -> list[list[str]]:
        return [["ufw", "allow", f"{port}/udp", "comment", comment(device)]]

    def closing(self, port: int) -> list[list[str]]:
        return [["ufw", "delete", "allow", f"{port}/udp"]]

    def step(self, device: devices.Device) -> Step:
        port = device.port
        if self.lets_in(port) is False and self.closed_by_a_rule(port):
            return note(f"firewall:ufw:{port}", f"A ufw rule that was there before keeps UDP {port} closed, so "
                                                f"{device.name} cannot join through it; nocontact leaves that rule "
                                                "as it is (`sudo ufw status numbered` shows it).")
        # ufw gone by uninstall: its rules went with it.
        undo = [removal(argv, ["ufw", "version"], ["not found"]) for argv in self.closing(port)]
        return Step(f"firewall:ufw:{port}/udp", f"Let {device.name} in through ufw (UDP {port}, its WireGuard "
                                                "connection; the rule's comment names it)",
                    [Run(argv) for argv in self.opening(port, device.name)], undo, in_place=self.lets_in(port) is True)


def _ufw(account: Account) -> Ufw | None:
    if account.root:
        if account.which("ufw") is None:
            return None
        status = account.out("ufw", "status", "verbose")
        return Ufw(status) if status and re.search(r"^Status: active", status, re.M) else None
    # Not root: ufw's rules cannot be read, but its settings file says whether it is on.
    if account.which("ufw") is None and not UFW_PROGRAM.exists():
        return None
    try:
        enabled = re.search(r"^\s*ENABLED\s*=\s*yes\s*$", UFW_CONF.read_text(), re.M | re.I)
    except OSError:
        return None
    return Ufw(None) if enabled else None


# --- firewalld --------------------------------------------------------------------------


@dataclass(frozen=True)
class Zone:
    """What a firewalld zone lets in: its target, its ports and its services' ports."""
    target: str
    ports: tuple[str, ...]

    def lets_in(self, port: int) -> bool:
        return self.target == "ACCEPT" or any(covers(spec, port) for spec in self.ports)


def _fields(text: str) -> dict[str, str]:
    """`firewall-cmd --list-all` or `--info-service` output (a name, then `  key: value` lines) as a dict."""
    return {key.strip(): value.strip() for key, sep, value in (line.partition(":") for line in text.splitlines()[1:])
            if sep}


def _service_ports(account: Account, service: str, which: list[str]) -> list[str]:
    """A service's ports: from its file where it can be read (no command to wait for), else as firewalld says."""
    for folder in SERVICE_FOLDERS:
        try:
            definition = ElementTree.parse(folder / f"{service}.xml").getroot()
        except FileNotFoundError:
            continue
        except (OSError, ElementTree.ParseError):
            break  # /etc/firewalld is root's to read: firewalld is asked
        return [f"{port.get('port')}/{port.get('protocol')}" for port in definition.iter("port")]
    return _fields(account.out("firewall-cmd", *which, f"--info-service={service}") or "").get("ports", "").split()


def _zone(account: Account, zone: str | None, permanent: bool) -> tuple[str, Zone] | None:
    """(name, what it lets in) of a zone (None: the default zone), now or as firewalld starts; None when unread."""
    which = ["--permanent"] if permanent else []
    listed = account.out("firewall-cmd", *which, *([f"--zone={zone}"] if zone else []), "--list-all")
    if not listed or not listed.split():
        return None
    fields = _fields(listed)
    ports = fields.get("ports", "").split()
    for service in fields.get("services", "").split():
        ports += _service_ports(account, service, which)
    return listed.split()[0], Zone(fields.get("target", "default"), tuple(ports))


@dataclass(frozen=True)
class Firewalld:
    """firewalld, running: its default zone as it is now (runtime) and as it starts (permanent); None: unread."""
    zone: str
    runtime: Zone | None
    permanent: Zone | None
    name = "firewalld"

    def lets_in(self, port: int) -> bool | None:
        return None if self.runtime is None else self.runtime.lets_in(port)

    def _missing(self, port: int) -> list[list[str]]:
        """`--add-port` where it is not let in yet: now, and from the next start (unknown counts as missing)."""
        spec = f"--add-port={port}/udp"
        return [argv for zone, argv in ((self.runtime, ["firewall-cmd", f"--zone={self.zone}", spec]),
                                        (self.permanent, ["firewall-cmd", "--permanent", f"--zone={self.zone}", spec]))
                if zone is None or not zone.lets_in(port)]

    def opening(self, port: int, device: str | None) -> list[list[str]]:
        return self._missing(port)

    def closing(self, port: int) -> list[list[str]]:
        return [[*argv[:-1], argv[-1].replace("--add-port", "--remove-port")] for argv in self._missing(port)]

    def step(self, device: devices.Device) -> Step:
        port, adds = device.port, self._missing(device.port)
        if self.runtime is None or self.permanent is None:  # what was there before is unknown: left alone
            return note(f"firewall:firewalld:{port}", f"firewalld's {self.zone} zone could not be read "
                                                      f"(`firewall-cmd --list-all`), so nocontact leaves it as it is; "
                                                      f"`{' && '.join(map(shlex.join, adds))}` lets {device.name} in.")
        # The runtime port goes when firewalld stops; the permanent one is kept in its files, so it must be removed.
        undo = [removal(argv, ["firewall-cmd", "--state"], NOT_RUNNING) if "--permanent" not in argv else
                ClosePermanentPort(self.zone, f"{port}/udp") for argv in self.closing(port)]
        return Step(f"firewall:firewalld:{self.zone}:{port}/udp",
                    f"Let {device.name} in through firewalld (UDP {port} in the {self.zone} zone, now and at every "
                    "start; its WireGuard connection)", [Run(argv) for argv in adds], undo, in_place=not adds)


@dataclass(frozen=True)
class ClosePermanentPort(Action):
    """Take a port out of a firewalld zone as it starts: through firewalld while it runs, else in its files
    (firewall-offline-cmd), so that a firewalld stopped for now does not open the port again at its next start."""
    op: ClassVar[str] = "firewalld-close-port"
    zone: str
    port: str  # 51820/udp

    def argv(self, offline: bool = False) -> list[str]:
        options = [f"--zone={self.zone}", f"--remove-port={self.port}"]
        return ["firewall-offline-cmd", *options] if offline else ["firewall-cmd", "--permanent", *options]

    def do(self, account: Account) -> str | None:
        code, output = account.run(self.argv())
        if code:
            stopped, state = account.run(["firewall-cmd", "--state"])
            if not (stopped and any(words in state.lower() for words in NOT_RUNNING)):
                return f"{shlex.join(self.argv())} did not work (exit {code}): {output.strip()[:300]}"
            code, output = account.run(self.argv(offline=True))
            if code and "not found" not in output.lower():  # firewalld removed: its zones went with it
                return f"{shlex.join(self.argv(offline=True))} did not work (exit {code}): {output.strip()[:300]}"
        return None

    def show(self) -> str:
        return f"$ {shlex.join(self.argv())} (firewall-offline-cmd while firewalld is stopped)"


def _firewalld(account: Account, permanent: bool) -> Firewalld | None:
    """firewalld, when it runs: its default zone now, and (`permanent`, for install) as it starts."""
    if account.which("firewall-cmd") is None:
        return None
    state = account.out("firewall-cmd", "--state")
    if state is None or state.strip() != "running":
        return None
    now = _zone(account, None, False)  # its first line names the default zone
    if now is None:
        return Firewalld("public", None, None)  # unread: firewalld's own default zone, in the commands shown
    zone, runtime = now
    later = _zone(account, zone, True) if permanent else None
    return Firewalld(zone, runtime, later[1] if later else None)


# --- what install, doctor and `devices add` use ------------------------------------------


def seen(account: Account, permanent: bool = False) -> list[Ufw | Firewalld]:
    """The firewalls managed by ufw or firewalld that are on here (Linux only); `permanent`: firewalld's zone as it
    starts, too (install needs it, to add only what is missing there)."""
    if account.system != "Linux":
        return []
    return [found for found in (_ufw(account), _firewalld(account, permanent)) if found is not None]


def _devices(data_dir: Path) -> list[devices.Device]:
    return devices.all_devices(data_dir)[0]  # a damaged device file is said by `devices list` and doctor


def _ports(found: Sequence[devices.Device]) -> str:
    ports = [str(d.port) for d in found]
    return f"UDP {ports[0]}" if len(ports) == 1 else "UDP " + ", ".join(ports[:-1]) + f" and {ports[-1]}"


def steps(account: Account, data_dir: Path) -> list[Step]:
    """Install's steps that let each device in through the firewall; a note when there is nothing to open or
    when it needs root. Only reads."""
    found = _devices(data_dir)
    if not found or account.system != "Linux":
        return []
    firewalls = seen(account, permanent=True)
    if not firewalls:
        return [note("firewall", f"No firewall managed by ufw or firewalld is on here, so there is nothing to "
                                 f"open for your devices ({_ports(found)}).")]
    if account.root:
        return [firewall.step(device) for firewall in firewalls for device in found]
    return [n for firewall in firewalls if (n := _as_root_note(firewall, found)) is not None]


def _as_root_note(firewall: Ufw | Firewalld, found: Sequence[devices.Device]) -> Step | None:
    """What the person can run with sudo to open the ports that are not open yet (or may not be)."""
    todo = [d for d in found if firewall.lets_in(d.port) is not True]
    if not todo:
        return None
    opening = " && ".join(_sudo(argv, False) for d in todo for argv in firewall.opening(d.port, d.name))
    closing = " && ".join(_sudo(argv, False) for d in todo for argv in firewall.closing(d.port))
    them = "it" if len(todo) == 1 else "them"
    if any(firewall.lets_in(d.port) is None for d in todo):
        said = (f"{firewall.name} is on here, and only an administrator can read its rules or open a port in it. "
                f"If it does not let {_ports(todo)} in yet, run `{opening}`")
    else:
        said = (f"{firewall.name} is on here and does not let {_ports(todo)} in yet; only an administrator can open "
                f"a port in it. For your devices to join, run `{opening}`")
    return note(f"firewall:{firewall.name}", f"{said}. nocontact does not run sudo itself, and uninstall leaves what "
                                             f"you open yourself: `{closing}` closes {them} again.")


def checks(account: Account, data_dir: Path) -> list[Check]:
    """For each device, whether the firewall lets its WireGuard port in; nothing when there are no devices."""
    found = _devices(data_dir)
    if not found:
        return []
    if account.system != "Linux":
        return [Check("Firewall", None, f"not checked on {account.system}: if a device cannot join, let "
                                        f"{_ports(found)} in through this computer's firewall")]
    firewalls = seen(account)
    if not firewalls:
        return [Check("Firewall", None, "no firewall managed by ufw or firewalld was seen here; one set up another "
                                        f"way is not read, and must let {_ports(found)} in for your devices")]
    return [_check(account, firewall, device) for firewall in firewalls for device in found]


def _check(account: Account, firewall: Ufw | Firewalld, device: devices.Device) -> Check:
    name, port = f"Firewall: {device.name}", device.port
    command = " && ".join(_sudo(argv, account.root) for argv in firewall.opening(port, device.name))
    where = f" (zone {firewall.zone})" if isinstance(firewall, Firewalld) else ""
    open_now = firewall.lets_in(port)
    if open_now:
        return Check(name, True, f"{firewall.name} lets UDP {port} in{where}")
    if open_now is None:
        look = "sudo ufw status" if isinstance(firewall, Ufw) else "sudo firewall-cmd --list-all"
        return Check(name, None, f"{firewall.name} is on, and only an administrator can read its rules: `{look}` "
                                 f"shows whether UDP {port} is let in; if not, `{command}` lets it in")
    if isinstance(firewall, Ufw) and firewall.closed_by_a_rule(port):
        return Check(name, False, f"a ufw rule keeps UDP {port} closed, so {device.name} cannot join through it", "`sudo ufw status numbered` shows the rule; take it out if it is not "
                                             "needed any more.")
    again = " (or run `nocontact install` again: it opens it, and uninstall closes it)" if account.root else ""
    return Check(name, False, f"{firewall.name} does not let UDP {port} in{where}, so {device.name} cannot join "
                              "through it", f"Run `{command}`{again}.")


def firewall_hint(port: int, name: str | None = None, account: Account | None = None) -> str | None:
    """One line for `nocontact devices add`: how to open the device's port where a managed firewall is on and
    does not (or may not) let it in; None when there is nothing to say."""
    account = account or Account()
    for firewall in seen(account):
        open_now = firewall.lets_in(port)
        if open_now:
            continue
        command = " && ".join(_sudo(argv, account.root) for argv in firewall.opening(port, name))
        if account.root:
            return (f"{firewall.name} is on here and does not let UDP {port} in yet: `nocontact install` opens it "
                    f"(and uninstall closes it), or run `{command}`.")
        if open_now is None:
            return f"{firewall.name} is on here: if it does not let UDP {port} in yet, run `{command}` so the device can join."
        return f"{firewall.name} is on here and does not let UDP {port} in yet: run `{command}` so the device can join."
    return None
