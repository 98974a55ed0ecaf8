"""`nocontact install` / `uninstall` / `doctor` with a real ufw and a real firewalld, each in namespaces of its own
(tests/firewalls.py): the machine's firewall is never touched.

install runs as in test_install_linux.py, in a temporary HOME, with only the firewall's own tool to be found (so the
rest of the plan is files in that HOME); its ufw or firewall-cmd commands run in the box. What is compared is the
firewall's own account of itself (`ufw status verbose`, `firewall-cmd --list-all`, now and permanently) before
install and after uninstall: exactly the same, the rules and ports that were there before included.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from agent import devices
from agent.system import doctor, firewall, install
from agent.system.account import Account
from agent.system.record import load
from tests import firewalls
from tests.firewalls import FirewalldBox, UfwBox
from tests.integration import installing

ca_source, data_dir = installing.ca_source, installing.data_dir  # shared fixtures, bound here for pytest


class Calls:
    """The box's runner, recording each command."""

    def __init__(self, box):
        self.box, self.calls = box, []

    def __call__(self, argv: list[str]) -> tuple[int, str]:
        self.calls.append(list(argv))
        return self.box.run(argv)


def facts(home: Path, runner, tool: str, root: bool = True) -> dict:
    """This account as install sees it, with only the firewall's tool to be found."""
    return {"run": runner, "root": root, "env": {"HOME": str(home)},
            "which": lambda name: shutil.which(name) if name == tool else None}


def account(home: Path, runner, tool: str, root: bool = True) -> Account:
    return Account(system="Linux", home=home, **facts(home, runner, tool, root))


def install_here(data: Path, home: Path, runner, tool: str, root: bool = True, **options) -> tuple[int, str]:
    said: list[str] = []
    code = install.install(data, home, executable="/opt/nocontact/bin/nocontact", system="Linux", yes=True,
                           out=said.append, **facts(home, runner, tool, root), **options)
    return code, "\n".join(said)


def uninstall_here(data: Path, runner) -> tuple[int, str]:
    said: list[str] = []
    code = install.uninstall(data, yes=True, out=said.append, run=runner)
    return code, "\n".join(said)


def numbered(said: str) -> list[str]:
    """The plan's numbered steps (what install does), without the commands under each."""
    return [line.strip() for line in said.splitlines() if line.strip()[:2].rstrip(".").isdigit()]


def add(data: Path, name: str) -> devices.Device:
    return devices.add(data, name, endpoint="192.0.2.1")  # a free port from 51820


# --- ufw ------------------------------------------------------------------------------------


def test_ufw_install_opens_each_device_and_uninstall_closes_exactly_those(data_dir, tmp_path):
    firewalls.need("ufw")
    phone, tablet = add(data_dir, "phone"), add(data_dir, "tablet")
    with UfwBox() as box:
        box.enable()
        box("ufw", "allow", "22/tcp")
        box("ufw", "allow", f"{tablet.port}/udp")  # the person's own rule for the tablet's port
        before = box("ufw", "status", "verbose")
        runner = Calls(box)
        code, said = install_here(data_dir, tmp_path, runner, "ufw")
        assert code == 0, said
        assert f"$ ufw allow {phone.port}/udp comment 'nocontact device phone'" in said
        assert f"Let tablet in through ufw (UDP {tablet.port}" in said.split("Already in place:")[1]
        status = box("ufw", "status", "verbose")
        assert [line.split()[0] for line in status.splitlines() if "# nocontact device phone" in line] == \
            [f"{phone.port}/udp", f"{phone.port}/udp"]  # IPv4 and IPv6
        assert "nocontact device tablet" not in status
        assert [s.id for s in load(data_dir).steps if s.id.startswith("firewall")] == [f"firewall:ufw:{phone.port}/udp"]
        as_root = account(tmp_path, runner, "ufw")
        assert [(c.name, c.ok) for c in firewall.checks(as_root, data_dir)] == [("Firewall: phone", True),
                                                                               ("Firewall: tablet", True)]

        # A device added later: its hint, then install again adds only its rule.
        laptop = add(data_dir, "laptop")
        assert firewall.firewall_hint(laptop.port, "laptop", as_root).startswith(
            f"ufw is on here and does not let UDP {laptop.port} in yet: `nocontact install` opens it")
        code, said = install_here(data_dir, tmp_path, runner, "ufw")
        assert code == 0 and numbered(said) == [f"1. Let laptop in through ufw (UDP {laptop.port}, its WireGuard "
                                                "connection; the rule's comment names it)"], said
        assert firewall.firewall_hint(laptop.port, "laptop", as_root) is None
        assert "Everything is already in place" in install_here(data_dir, tmp_path, runner, "ufw")[1]

        code, said = uninstall_here(data_dir, runner)
        assert code == 0, said
        assert box("ufw", "status", "verbose") == before
        checked = {c.name: c for c in firewall.checks(as_root, data_dir)}
        assert checked["Firewall: tablet"].ok and checked["Firewall: phone"].ok is False
        assert checked["Firewall: phone"].fix.startswith(f"Run `ufw allow {phone.port}/udp comment "
                                                         "'nocontact device phone'`")


def test_ufw_inactive_is_said_and_a_dry_run_changes_nothing(data_dir, tmp_path):
    firewalls.need("ufw")
    phone = add(data_dir, "phone")
    with UfwBox() as box:
        runner = Calls(box)
        code, said = install_here(data_dir, tmp_path, runner, "ufw", dry_run=True)
        assert code == 0
        assert (f"No firewall managed by ufw or firewalld is on here, so there is nothing to open for your devices "
                f"(UDP {phone.port}).") in said
        box.enable()
        before = box("ufw", "status", "verbose")
        code, said = install_here(data_dir, tmp_path, runner, "ufw", dry_run=True)
        assert code == 0 and f"$ ufw allow {phone.port}/udp comment 'nocontact device phone'" in said
        assert box("ufw", "status", "verbose") == before
        assert [c for c in runner.calls if c[:2] != ["ufw", "status"]] == []  # only read


def test_ufw_without_root_says_the_sudo_command_and_runs_nothing(data_dir, tmp_path, monkeypatch):
    firewalls.need("ufw")
    phone = add(data_dir, "phone")
    with UfwBox() as box:
        box.enable()
        monkeypatch.setattr(firewall, "UFW_CONF", box.conf)  # what a person reads as /etc/ufw/ufw.conf
        before = box("ufw", "status", "verbose")
        runner = Calls(box)
        code, said = install_here(data_dir, tmp_path, runner, "ufw", root=False)
        assert code == 0, said
        command = f"sudo ufw allow {phone.port}/udp comment 'nocontact device phone'"
        assert command in said.split("Good to know:")[1]
        assert not [c for c in runner.calls if c[0] == "ufw"] and box("ufw", "status", "verbose") == before
        user = account(tmp_path, runner, "ufw", root=False)
        [unread] = firewall.checks(user, data_dir)
        assert unread.ok is None and f"`{command}` lets it in" in unread.detail
        assert firewall.firewall_hint(phone.port, "phone", user) == (
            f"ufw is on here: if it does not let UDP {phone.port} in yet, run `{command}` so the device can join.")
        box("ufw", "allow", f"{phone.port}/udp", "comment", "nocontact device phone")  # as the person runs it
        [done] = firewall.checks(account(tmp_path, runner, "ufw"), data_dir)
        assert done.ok  # the command said lets the device in
        assert not [s for s in load(data_dir).steps if s.id.startswith("firewall")]  # not install's to take out


def test_a_ufw_deny_rule_of_the_person_is_left_as_it_is(data_dir, tmp_path):
    firewalls.need("ufw")
    phone = add(data_dir, "phone")
    with UfwBox() as box:
        box.enable()
        box("ufw", "deny", f"{phone.port}/udp")
        before = box("ufw", "status", "verbose")
        runner = Calls(box)
        code, said = install_here(data_dir, tmp_path, runner, "ufw")
        assert code == 0 and f"A ufw rule that was there before keeps UDP {phone.port} closed" in said
        assert box("ufw", "status", "verbose") == before
        [check] = firewall.checks(account(tmp_path, runner, "ufw"), data_dir)
        assert check.ok is False and "`sudo ufw status numbered` shows the rule" in check.fix
        assert uninstall_here(data_dir, runner)[0] == 0
        assert box("ufw", "status", "verbose") == before


# --- firewalld ------------------------------------------------------------------------------


def zone(box: FirewalldBox) -> tuple[str, str]:
    return box("firewall-cmd", "--list-all"), box("firewall-cmd", "--permanent", "--list-all")


def test_firewalld_install_adds_now_and_permanently_and_uninstall_takes_out_only_that(data_dir, tmp_path):
    firewalls.need("firewalld", "firewall-cmd", "dbus-daemon")
    phone, tablet = add(data_dir, "phone"), add(data_dir, "tablet")
    with FirewalldBox() as box:
        box("firewall-cmd", "--permanent", f"--add-port={tablet.port}/udp")  # the person's, from the next start
        box("firewall-cmd", "--add-port=9999/tcp")
        before = zone(box)
        runner = Calls(box)
        code, said = install_here(data_dir, tmp_path, runner, "firewall-cmd")
        assert code == 0, said
        assert f"$ firewall-cmd --zone=public --add-port={phone.port}/udp" in said
        assert f"$ firewall-cmd --permanent --zone=public --add-port={phone.port}/udp" in said
        assert f"$ firewall-cmd --zone=public --add-port={tablet.port}/udp" in said
        assert f"--permanent --zone=public --add-port={tablet.port}/udp" not in said  # there before
        for port in (phone.port, tablet.port):
            assert box("firewall-cmd", f"--query-port={port}/udp").strip() == "yes"
            assert box("firewall-cmd", "--permanent", f"--query-port={port}/udp").strip() == "yes"
        as_root = account(tmp_path, runner, "firewall-cmd")
        assert [(c.ok, c.detail) for c in firewall.checks(as_root, data_dir)] == [
            (True, f"firewalld lets UDP {phone.port} in (zone public)"),
            (True, f"firewalld lets UDP {tablet.port} in (zone public)")]
        found = doctor.checks(data_dir, tmp_path, system="Linux", run=runner, env={"HOME": str(tmp_path)},
                              which=facts(tmp_path, runner, "firewall-cmd")["which"], state={})
        assert ("Firewall: phone", True) in [(c.name, c.ok) for c in found]

        code, said = uninstall_here(data_dir, runner)
        assert code == 0, said
        assert zone(box) == before
        assert box("firewall-cmd", "--permanent", f"--query-port={tablet.port}/udp").strip() == "yes"


def test_firewalld_stopped_before_uninstall_opens_nothing_at_its_next_start(data_dir, tmp_path):
    firewalls.need("firewalld", "firewall-cmd", "firewall-offline-cmd", "dbus-daemon")
    phone = add(data_dir, "phone")
    with FirewalldBox() as box:
        permanent = box("firewall-cmd", "--permanent", "--list-all")
        runner = Calls(box)
        assert install_here(data_dir, tmp_path, runner, "firewall-cmd")[0] == 0
        assert f"{phone.port}/udp" in box("firewall-cmd", "--permanent", "--list-ports")
        box.stop()
        code, said = uninstall_here(data_dir, runner)
        assert code == 0, said
        assert ["firewall-offline-cmd", "--zone=public", f"--remove-port={phone.port}/udp"] in runner.calls
        assert f"{phone.port}/udp" not in (box.etc / "zones" / "public.xml").read_text()
        assert box("firewall-offline-cmd", "--list-all") == permanent


def test_firewalld_without_root_says_the_sudo_commands(data_dir, tmp_path):
    """Installing as a person (not root): told the commands for both parts, and nothing is changed."""
    firewalls.need("firewalld", "firewall-cmd", "dbus-daemon")
    phone = add(data_dir, "phone")
    with FirewalldBox() as box:
        before = zone(box)
        runner = Calls(box)
        code, said = install_here(data_dir, tmp_path, runner, "firewall-cmd", root=False)
        assert code == 0, said
        assert (f"run `sudo firewall-cmd --zone=public --add-port={phone.port}/udp && sudo firewall-cmd --permanent "
                f"--zone=public --add-port={phone.port}/udp`") in said
        assert zone(box) == before
        assert not [c for c in runner.calls if any("--add-port" in a for a in c)]


@pytest.fixture(autouse=True)
def _no_host_firewall_touched():
    """The machine's own firewall, as iptables and nft print it, is the same after each test."""
    def rules() -> tuple[str, str]:
        from agent.system.account import run_command

        return run_command(["iptables-save"])[1] if shutil.which("iptables-save") else "", \
            run_command(["nft", "list", "ruleset"])[1] if shutil.which("nft") else ""

    def strip(saved: tuple[str, str]) -> tuple[str, str]:  # iptables-save stamps the time
        return "\n".join(line for line in saved[0].splitlines() if not line.startswith("#")), saved[1]

    before = strip(rules())
    yield
    assert strip(rules()) == before
