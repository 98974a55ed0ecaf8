"""The host firewall module in process: what ufw's and firewalld's output says about a port, the steps install
plans (and their undo as the install record keeps it), the notes without root, doctor's lines and the hint for
`devices add`, from scripted command output. The real ufw and firewalld run in tests/integration/test_install_firewall.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent import devices
from agent.system import firewall
from agent.system.account import Account
from agent.system.firewall import Ufw, covers
from agent.system.record import InstallRecord

UFW_ACTIVE = """Status: active
Logging: on (low)
Default: deny (incoming), allow (outgoing), disabled (routed)
New profiles: skip

To                         Action      From
--                         ------      ----
22/tcp                     ALLOW IN    Anywhere
51000:51010/udp            ALLOW IN    Anywhere                   # someone's range
51900                      LIMIT IN    Anywhere
51950/udp                  DENY IN     Anywhere
51950/udp                  ALLOW IN    192.168.1.0/24
51960/udp on eth0          ALLOW IN    Anywhere
51970/udp                  ALLOW OUT   Anywhere
OpenSSH                    ALLOW IN    Anywhere
22/tcp (v6)                ALLOW IN    Anywhere (v6)
51980/udp (v6)             ALLOW IN    Anywhere (v6)
"""


class Script:
    """A runner answering from a table of argv prefixes; records every call."""

    def __init__(self, answers: dict[tuple, tuple[int, str]]):
        self.answers, self.calls = answers, []

    def __call__(self, argv: list[str]) -> tuple[int, str]:
        self.calls.append(list(argv))
        for prefix, answer in sorted(self.answers.items(), key=lambda kv: -len(kv[0])):
            if tuple(argv[:len(prefix)]) == prefix:
                return answer
        return 127, f"{argv[0]}: not found"


def account(answers: dict, root: bool = True, tools: tuple = ("ufw", "firewall-cmd"), system: str = "Linux"):
    return Account(system=system, home=Path("/nonexistent"), env={}, run=Script(answers), root=root,
                   which=lambda name: f"/usr/sbin/{name}" if name in tools else None)


@pytest.fixture
def data(tmp_path) -> Path:
    return tmp_path


def add(data: Path, name: str, port: int) -> devices.Device:
    device = devices.Device(name, port, "192.0.2.1", 0.0, *_keys())
    devices.folder(data).mkdir(exist_ok=True)
    devices.save(data, device)
    return device


def _keys() -> tuple[str, str]:
    from mitmproxy_rs import wireguard

    return wireguard.genkey(), wireguard.genkey()


# --- reading ------------------------------------------------------------------------------


def test_port_specs():
    assert covers("51820/udp", 51820) and covers("51820", 51820)
    assert not covers("51820/tcp", 51820) and not covers("51821/udp", 51820)
    assert covers("51000:52000/udp", 51820) and covers("51000-52000/udp", 51820)
    assert covers("80,443,51820/udp", 51820) and not covers("80,443/udp", 51820)


def test_ufw_status_the_first_rule_that_takes_the_port_decides():
    ufw = Ufw(UFW_ACTIVE)
    assert ufw.lets_in(51005)  # in someone's range
    assert ufw.lets_in(51900)  # LIMIT, either protocol
    assert ufw.lets_in(51950) is False and ufw.closed_by_a_rule(51950)  # DENY for everyone comes first
    assert ufw.lets_in(51960)  # on one interface: still a way in
    assert ufw.lets_in(51970) is False  # outgoing only
    assert ufw.lets_in(51980) is False  # IPv6 only: the tunnel's endpoint is IPv4
    assert ufw.lets_in(51820) is False and not ufw.closed_by_a_rule(51820)  # the default: deny
    assert Ufw(UFW_ACTIVE.replace("deny (incoming)", "allow (incoming)")).lets_in(51820)
    assert Ufw(None).lets_in(51820) is None  # not root: unread


def test_ufw_is_seen_only_when_active_and_without_root_from_its_settings_file(tmp_path, monkeypatch):
    assert firewall.seen(account({("ufw", "status"): (0, UFW_ACTIVE)}, tools=("ufw",))) == [Ufw(UFW_ACTIVE)]
    assert firewall.seen(account({("ufw", "status"): (0, "Status: inactive\n")}, tools=("ufw",))) == []
    assert firewall.seen(account({("ufw", "status"): (0, UFW_ACTIVE)}, tools=())) == []
    conf = tmp_path / "ufw.conf"
    monkeypatch.setattr(firewall, "UFW_CONF", conf)
    conf.write_text("# ufw.conf\nENABLED=no\nLOGLEVEL=low\n")
    not_root = account({}, root=False, tools=("ufw",))
    assert firewall.seen(not_root) == []
    conf.write_text("# ufw.conf\nENABLED=yes\nLOGLEVEL=low\n")
    assert firewall.seen(not_root) == [Ufw(None)]
    assert not_root.run.calls == []  # only root can ask ufw; nothing was run


def firewalld_answers(runtime_ports: str = "", permanent_ports: str = "", target: str = "default") -> dict:
    def listed(ports: str, active: str = "") -> tuple[int, str]:
        return 0, (f"home{active}\n  target: {target}\n  interfaces: eth0\n  services: ssh wireguard\n"
                   f"  ports: {ports}\n  rich rules: \n")

    return {("firewall-cmd", "--state"): (0, "running\n"),
            ("firewall-cmd", "--list-all"): listed(runtime_ports, " (active)"),  # the default zone
            ("firewall-cmd", "--permanent", "--zone=home", "--list-all"): listed(permanent_ports),
            ("firewall-cmd", "--info-service=ssh"): (0, "ssh\n  ports: 22/tcp\n  protocols: \n"),
            ("firewall-cmd", "--permanent", "--info-service=ssh"): (0, "ssh\n  ports: 22/tcp\n")}


@pytest.fixture(autouse=True)
def services(tmp_path, monkeypatch):
    """Service definitions as firewalld keeps them: wireguard's in its own folder (read there), ssh's nowhere to
    be read (firewalld is asked)."""
    own = tmp_path / "usr-lib-services"
    own.mkdir()
    (own / "wireguard.xml").write_text('<?xml version="1.0" encoding="utf-8"?>\n<service><short>WireGuard</short>'
                                       '<port protocol="udp" port="51820"/></service>\n')
    monkeypatch.setattr(firewall, "SERVICE_FOLDERS", (tmp_path / "etc-services", own))


def test_firewalld_zone_ports_services_and_target():
    asked = account(firewalld_answers("51830/udp 52000-52010/udp"), tools=("firewall-cmd",))
    [found] = firewall.seen(asked)
    assert asked.run.calls == [["firewall-cmd", "--state"], ["firewall-cmd", "--list-all"],
                               ["firewall-cmd", "--info-service=ssh"]]  # as it starts: only for install
    assert found.zone == "home"
    assert found.lets_in(51820)  # its wireguard service, read from its file
    assert found.lets_in(51830) and found.lets_in(52005) and found.lets_in(51831) is False
    [accepting] = firewall.seen(account(firewalld_answers(target="ACCEPT"), tools=("firewall-cmd",)))
    assert accepting.lets_in(51831)
    off = {("firewall-cmd", "--state"): (252, "not running")}
    assert firewall.seen(account(off, tools=("firewall-cmd",))) == []
    assert firewall.seen(account(firewalld_answers(), system="Darwin")) == []


# --- install's steps ----------------------------------------------------------------------


def test_no_devices_nothing_is_asked(data):
    root = account(firewalld_answers())
    assert firewall.steps(root, data) == [] and firewall.checks(root, data) == []
    assert root.run.calls == []


def test_no_managed_firewall_is_said_in_plain_words(data):
    add(data, "phone", 51820)
    add(data, "tablet", 51821)
    [note] = firewall.steps(account({("ufw", "status"): (0, "Status: inactive\n")}), data)
    assert not note.actions
    assert note.description == ("No firewall managed by ufw or firewalld is on here, so there is nothing to open for "
                                "your devices (UDP 51820 and 51821).")


def test_ufw_step_opens_only_what_is_closed_and_its_undo_closes_only_that(data):
    add(data, "phone", 51820)
    add(data, "tablet", 51005)  # someone's range takes it already
    phone, tablet = firewall.steps(account({("ufw", "status"): (0, UFW_ACTIVE)}, tools=("ufw",)), data)
    assert tablet.in_place and tablet.id == "firewall:ufw:51005/udp"
    assert not phone.in_place and phone.id == "firewall:ufw:51820/udp"
    assert phone.show() == ["$ ufw allow 51820/udp comment 'nocontact device phone'"]
    assert phone.show(undo=True) == ["$ ufw delete allow 51820/udp"]
    # As the install record keeps it, and as a later uninstall reads it back.
    record = InstallRecord("http://127.0.0.1:8082/proxy.pac", "Linux", steps=[phone])
    again = InstallRecord.from_dict(json.loads(json.dumps(record.as_dict()))).steps[0]
    assert [a.record() for a in again.undo] == [a.record() for a in phone.undo]
    assert again.undo[0].gone == ["ufw", "version"]  # ufw removed meanwhile: its rules went with it


def test_a_deny_rule_is_left_as_it_is(data):
    add(data, "phone", 51950)
    [step] = firewall.steps(account({("ufw", "status"): (0, UFW_ACTIVE)}, tools=("ufw",)), data)
    assert not step.actions and "A ufw rule that was there before keeps UDP 51950 closed" in step.description


def test_firewalld_adds_now_and_permanently_only_what_is_missing(data):
    add(data, "phone", 51830)
    add(data, "tablet", 51820)  # the zone's wireguard service lets it in already
    phone, tablet = firewall.steps(account(firewalld_answers(permanent_ports="51830/udp"), tools=("firewall-cmd",)),
                                   data)
    assert tablet.in_place
    assert phone.id == "firewall:firewalld:home:51830/udp"
    assert phone.show() == ["$ firewall-cmd --zone=home --add-port=51830/udp"]  # permanently there before
    assert phone.show(undo=True) == ["$ firewall-cmd --zone=home --remove-port=51830/udp"]
    [both] = firewall.steps(account(firewalld_answers(), tools=("firewall-cmd",)), data)[:1]
    assert both.show() == ["$ firewall-cmd --zone=home --add-port=51830/udp",
                           "$ firewall-cmd --permanent --zone=home --add-port=51830/udp"]
    assert both.show(undo=True) == ["$ firewall-cmd --zone=home --remove-port=51830/udp",
                                    "$ firewall-cmd --permanent --zone=home --remove-port=51830/udp "
                                    "(firewall-offline-cmd while firewalld is stopped)"]
    assert both.undo[0].gone == ["firewall-cmd", "--state"]  # firewalld stopped: the runtime port went with it
    record = InstallRecord(None, "Linux", steps=[both])
    again = InstallRecord.from_dict(json.loads(json.dumps(record.as_dict()))).steps[0]
    assert again.undo == both.undo


def test_the_permanent_port_goes_while_firewalld_runs_or_is_stopped():
    close = firewall.ClosePermanentPort("home", "51830/udp")
    online = ("firewall-cmd", "--permanent", "--zone=home", "--remove-port=51830/udp")
    offline = ("firewall-offline-cmd", "--zone=home", "--remove-port=51830/udp")
    running = account({online: (0, "success")})
    assert close.do(running) is None and running.run.calls == [list(online)]
    stopped = account({online: (252, "FirewallD is not running"), ("firewall-cmd", "--state"): (252, "not running"),
                       offline: (0, "success")})
    assert close.do(stopped) is None and stopped.run.calls[-1] == list(offline)
    gone = account({})  # firewalld removed since: nothing keeps the port
    assert close.do(gone) is None
    refused = account({online: (11, "ACCESS_DENIED"), ("firewall-cmd", "--state"): (0, "running")})
    assert close.do(refused) == ("firewall-cmd --permanent --zone=home --remove-port=51830/udp did not work (exit 11): "
                                 "ACCESS_DENIED")


def test_an_unread_firewalld_zone_is_left_alone(data):
    add(data, "phone", 51830)
    answers = {**firewalld_answers(), ("firewall-cmd", "--permanent", "--zone=home", "--list-all"): (11, "denied")}
    [step] = firewall.steps(account(answers, tools=("firewall-cmd",)), data)
    assert not step.actions and "could not be read" in step.description


def test_without_root_the_exact_sudo_commands_and_nothing_run(data, tmp_path, monkeypatch):
    add(data, "phone", 51830)
    add(data, "tablet", 51831)
    conf = tmp_path / "ufw.conf"
    conf.write_text("ENABLED=yes\n")
    monkeypatch.setattr(firewall, "UFW_CONF", conf)
    user = account(firewalld_answers("51831/udp", "51831/udp"), root=False)
    ufw, firewalld = firewall.steps(user, data)
    assert not ufw.actions and not firewalld.actions
    assert ("If it does not let UDP 51830 and 51831 in yet, run `sudo ufw allow 51830/udp comment "
            "'nocontact device phone' && sudo ufw allow 51831/udp comment 'nocontact device tablet'`. nocontact does "
            "not run sudo itself, and uninstall leaves what you open yourself: `sudo ufw delete allow 51830/udp && "
            "sudo ufw delete allow 51831/udp` closes them again.") in ufw.description
    assert firewalld.description == (
        "firewalld is on here and does not let UDP 51830 in yet; only an administrator can open a port in it. For "
        "your devices to join, run `sudo firewall-cmd --zone=home --add-port=51830/udp && sudo firewall-cmd "
        "--permanent --zone=home --add-port=51830/udp`. nocontact does not run sudo itself, and uninstall leaves "
        "what you open yourself: `sudo firewall-cmd --zone=home --remove-port=51830/udp && sudo firewall-cmd "
        "--permanent --zone=home --remove-port=51830/udp` closes it again.")
    assert not any("--add-port" in " ".join(c) for c in user.run.calls)


# --- doctor and `devices add` ------------------------------------------------------------------


def test_doctor_lines(data, tmp_path, monkeypatch):
    add(data, "phone", 51820)
    add(data, "tablet", 51830)
    root = account({("ufw", "status"): (0, UFW_ACTIVE)}, tools=("ufw",))
    phone, tablet = firewall.checks(root, data)
    assert phone.ok is False and phone.name == "Firewall: phone"
    assert phone.fix == ("Run `ufw allow 51820/udp comment 'nocontact device phone'` (or run `nocontact install` "
                         "again: it opens it, and uninstall closes it).")
    assert tablet.ok is False
    opened = UFW_ACTIVE + "51830/udp                  ALLOW IN    Anywhere\n"
    assert firewall.checks(account({("ufw", "status"): (0, opened)}, tools=("ufw",)), data)[1].ok
    conf = tmp_path / "ufw.conf"
    conf.write_text("ENABLED=yes\n")
    monkeypatch.setattr(firewall, "UFW_CONF", conf)
    unread = firewall.checks(account({}, root=False, tools=("ufw",)), data)[0]
    assert unread.ok is None and "`sudo ufw allow 51820/udp comment 'nocontact device phone'` lets it in" in \
        unread.detail
    [none] = firewall.checks(account({("ufw", "status"): (0, "Status: inactive")}, tools=("ufw",)), data)
    assert none.ok is None and "no firewall managed by ufw or firewalld was seen here" in none.detail
    [other] = firewall.checks(account({}, system="Darwin"), data)
    assert other.ok is None and "not checked on Darwin" in other.detail


def test_devices_add_hint():
    closed = account({("ufw", "status"): (0, UFW_ACTIVE)}, tools=("ufw",))
    assert firewall.firewall_hint(51005, "phone", closed) is None  # open already
    assert firewall.firewall_hint(51820, "phone", closed) == (
        "ufw is on here and does not let UDP 51820 in yet: `nocontact install` opens it (and uninstall closes it), "
        "or run `ufw allow 51820/udp comment 'nocontact device phone'`.")
    user = account(firewalld_answers(), root=False, tools=("firewall-cmd",))
    assert firewall.firewall_hint(51830, account=user) == (
        "firewalld is on here and does not let UDP 51830 in yet: run `sudo firewall-cmd --zone=home "
        "--add-port=51830/udp && sudo firewall-cmd --permanent --zone=home --add-port=51830/udp` so the device can "
        "join.")
    assert firewall.firewall_hint(51830, account=account({("ufw", "status"): (0, "Status: inactive")})) is None
