"""`nocontact install` / `uninstall` whatever the OS: the plan as the person reads it, saying no, the
install record and its undos, pointing the settings at a new PAC address, the cooldown gate and the CLI.
Each OS's own steps are tested in test_install_linux.py and test_install_macos_windows.py."""

from __future__ import annotations

import argparse
import json
import os

import pytest

from agent.system import commands, install
from agent.system.commands import add_commands, uninstall_refusal
from agent.system.install import plan
from agent.system.nss import NICKNAME
from agent.system.record import record_path
from agent.system.steps import MakeDir, Run, Step, removal
from agent.web.pac_server import PacServer
from tests.integration import installing
from tests.integration.installing import PAC, Recorder, Registry

ca_source, data_dir = installing.ca_source, installing.data_dir  # shared fixtures, bound here for pytest


# --- the cooldown gate and the CLI --------------------------------------------------------


def test_uninstall_waits_like_any_loosening():
    assert "nocontact stop" in uninstall_refusal(True, True)
    assert "stop that waited out the cooldown" in uninstall_refusal(False, False)
    assert uninstall_refusal(False, True) is None


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_only_a_stop_that_waited_lets_uninstall_go_ahead(tmp_path, monkeypatch):
    """The gate reads the signed record the agent itself writes; a crash, a wipe or a removed log is no waited stop."""
    from agent import paths
    from agent.agent import Agent
    from agent.notifier import Notifier

    monkeypatch.setenv("NOCONTACT_HOME", str(tmp_path))
    config = tmp_path / "config.yaml"
    config.write_text("block:\n  dating: true\n")

    def start() -> tuple[Agent, Clock]:
        clock = Clock()
        return Agent(config, notifier=Notifier(send=lambda *_: None), monotonic=clock), clock

    assert not commands.stopped_after_waiting(tmp_path)  # never ran
    agent, clock = start()
    agent.settle()
    assert not commands.stopped_after_waiting(tmp_path)  # running, or ended by a crash: not a waited stop
    stops = []
    agent.shutdown = lambda: stops.append(1)
    hold = agent.cooldowns.request("stop", "nocontact")
    for _ in range(int(hold.needed) + 2):  # the wait, credited second by second as the running agent does
        clock.now += 1
        agent.tick()
    agent.settle()
    assert stops == [1] and commands.stopped_after_waiting(tmp_path)
    agent.close()
    agent, clock = start()  # it runs again (the next login): the waited stop is spent
    agent.close()
    assert not commands.stopped_after_waiting(tmp_path)
    # Tampering with the record: not a waited stop.
    agent, clock = start()
    agent.ledger.log.put_state("stop", '{"waited": true}', "0" * 32)
    agent.close()
    assert not commands.stopped_after_waiting(tmp_path)
    paths.database_path().unlink()
    assert not commands.stopped_after_waiting(tmp_path)


def _parser():
    parser = argparse.ArgumentParser(prog="nocontact")
    add_commands(parser.add_subparsers(dest="command", required=True))
    return parser


def test_add_commands_wires_the_three_commands():
    parser = _parser()
    args = parser.parse_args(["install", "--dry-run", "--yes"])
    assert args.func is commands.cmd_install and args.dry_run and args.yes
    args = parser.parse_args(["uninstall", "--dry-run"])
    assert args.func is commands.cmd_uninstall and args.dry_run and not args.yes
    args = parser.parse_args(["doctor", "--json", "--quick"])
    assert args.func is commands.cmd_doctor and args.json and args.quick


def test_cli_uninstall_refuses_while_running_then_without_a_waited_stop(tmp_path, monkeypatch):
    from agent.config import ConfigError

    monkeypatch.setenv("NOCONTACT_HOME", str(tmp_path))
    (tmp_path / "install.json").write_text(json.dumps({"steps": [{"id": "x", "description": "Do x", "undo": []}]}))
    (tmp_path / "state.json").write_text(f'{{"pid": {os.getpid()}}}')
    with pytest.raises(ConfigError, match="nocontact is running"):
        commands.cmd_uninstall(_parser().parse_args(["uninstall", "--yes"]))
    (tmp_path / "state.json").unlink()
    with pytest.raises(ConfigError, match="after a stop that waited out the cooldown"):
        commands.cmd_uninstall(_parser().parse_args(["uninstall", "--yes"]))
    monkeypatch.setattr(commands, "stopped_after_waiting", lambda data_dir: True)
    assert commands.cmd_uninstall(_parser().parse_args(["uninstall", "--yes"])) == 0  # puts back what install did
    assert not (tmp_path / "install.json").exists()


def test_cli_install_dry_run(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("NOCONTACT_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / ".config"))
    monkeypatch.setenv("GSETTINGS_BACKEND", "keyfile")
    if os.uname().sysname != "Linux":
        pytest.skip("the dry run plans for this system; Linux here")
    assert commands.cmd_install(_parser().parse_args(["install", "--dry-run"])) == 0
    assert "nothing was changed" in capsys.readouterr().out
    assert not record_path(tmp_path / "data").exists() and not (tmp_path / ".config" / "systemd").exists()


def test_plan_text_lists_actions_notes_and_what_is_in_place():
    steps = [Step("a", "Do a", [Run(["tool", "it's"])]),
             Step("b", "Already b", [MakeDir("/x")], in_place=True),
             Step("note:c", "Something to know")]
    text = install.plan_text(steps, "nocontact install will:")
    assert text.splitlines() == ["nocontact install will:", "  1. Do a", "       $ tool \"it's\"",
                                 "Already in place:", "  - Already b", "Good to know:", "  - Something to know"]


def test_under_sudo_it_asks_to_be_run_as_the_person(tmp_path, monkeypatch):
    from agent.config import ConfigError

    monkeypatch.setenv("NOCONTACT_HOME", str(tmp_path / "data"))
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    monkeypatch.setenv("SUDO_USER", "sam")
    with pytest.raises(ConfigError, match="run it as sam, without sudo"):
        commands.cmd_install(_parser().parse_args(["install", "--dry-run"]))
    with pytest.raises(ConfigError, match="run it as sam, without sudo"):
        commands.cmd_uninstall(_parser().parse_args(["uninstall", "--yes"]))
    assert not (tmp_path / "data" / "install.json").exists()
    monkeypatch.delenv("SUDO_USER")  # root's own login (no sudo): its own account, as asked
    commands.not_under_sudo()


def test_a_config_with_a_mistake_stops_install_before_anything_changes(tmp_path):
    from agent.config import ConfigError

    data = tmp_path / "fresh data"
    data.mkdir()
    (data / "config.yaml").write_text("block:\n  dating: maybe\n")
    with pytest.raises(ConfigError, match=r"config has a mistake \(.*config.yaml:2.*nocontact check"):
        install.install(data, tmp_path, executable="/x", system="Linux", yes=True, out=lambda _: None,
                        run=Recorder(), root=False, which=lambda name: None, env={})
    assert [p.name for p in data.iterdir()] == ["config.yaml"]  # not even the CA


def test_saying_no_changes_nothing_not_even_the_ca(tmp_path):
    data = tmp_path / "fresh data"
    said = []
    code = install.install(data, tmp_path, executable="/x", system="Linux", out=said.append, ask=lambda _: "n",
                           run=Recorder(), root=False, which=lambda name: None, env={})
    assert code == 1 and said[-1] == "Nothing was changed."
    assert not (data / "ca").exists() and not record_path(data).exists()


def test_a_port_another_program_holds_is_said_before_anything_changes(tmp_path, data_dir):
    import socket

    other = socket.socket()
    other.bind(("127.0.0.1", 0))
    other.listen()
    port = other.getsockname()[1]
    taken = f"http://127.0.0.1:{port}/proxy.pac"
    try:
        steps = plan(tmp_path, data_dir, taken, "/x", "Linux", run=Recorder(), which=lambda name: None, root=False,
                     env={})
    finally:
        other.close()
    # Only the port this test holds is looked at: another program may hold the proxy's default port here.
    (note,) = [s for s in steps if s.id == f"note:port:{port}"]
    assert f"port {port}" in note.description and "PAC service" in note.description
    # Our own PAC service on that port is no obstacle.
    ours = PacServer(data_dir / "proxy.pac", port=0).start()
    try:
        steps = plan(tmp_path, data_dir, ours.url, "/x", "Linux", run=Recorder(), which=lambda name: None,
                     root=False, env={})
    finally:
        ours.stop()
    assert not [s for s in steps if s.id == f"note:port:{ours.port}"]


def test_install_leaves_the_pac_file_the_agent_keeps(tmp_path, data_dir):
    kept = 'function FindProxyForURL(url, host) { return "PROXY 127.0.0.1:8080"; } // the agent\'s, in force\n'
    (data_dir / "proxy.pac").write_text(kept)
    (data_dir / "config.yaml").write_text("block:\n  dating: false\n")  # looser, and not yet in force
    steps = plan(tmp_path, data_dir, PAC, "/x", "Linux", run=Recorder(), which=lambda name: None, root=False, env={})
    assert next(s for s in steps if s.id == "pac-file").in_place
    assert install.install(data_dir, tmp_path, executable="/x", system="Linux", yes=True, out=lambda _: None,
                           run=Recorder(), root=False, which=lambda name: None, env={}) == 0
    assert (data_dir / "proxy.pac").read_text() == kept


def test_repoint_on_macos_windows_and_kde_runs_the_exact_commands(data_dir):
    # macOS and Windows cannot run here: the commands and registry values are asserted.
    url = PAC + "?v=0123456789"
    refresh = ["dbus-send", "--type=signal", "/KIO/Scheduler", "org.kde.KIO.Scheduler.reparseSlaveConfiguration",
               "string:"]
    record = {"steps": [
        {"id": "networksetup:Wi-Fi", "undo": [{"op": "run", "argv": ["networksetup", "-setautoproxystate", "Wi-Fi",
                                                                       "off"]}]},
        {"id": "internet-settings", "undo": [{"op": "reg", "name": "AutoConfigURL", "value": None, "type": None}]},
        {"id": "kde", "undo": [{"op": "run", "argv": ["kwriteconfig6", "--file", "kioslaverc", "--group",
                                                        "Proxy Settings", "--key", "ProxyType", "0"]},
                                {"op": "run", "argv": refresh}]},
        {"id": "nss:/x", "undo": []},
    ]}
    (data_dir / "install.json").write_text(json.dumps(record))
    runner, registry, refreshed = Recorder(), Registry({}), []
    install.repoint(data_dir, url, run=runner, registry=registry, refresh=lambda: refreshed.append(1))
    assert runner.calls == [
        ["networksetup", "-setautoproxyurl", "Wi-Fi", url],
        ["kwriteconfig6", "--file", "kioslaverc", "--group", "Proxy Settings", "--key", "Proxy Config Script", url],
        refresh,
    ]
    assert registry.values == {"AutoConfigURL": (url, Registry.REG_SZ)} and refreshed == [1]


def test_a_removal_that_fails_for_another_reason_is_reported_not_taken_as_done(tmp_path, data_dir):
    db = f"sql:{tmp_path}/nssdb"
    remove = removal(["certutil", "-d", db, "-D", "-n", NICKNAME], ["certutil", "-d", db, "-L", "-n", NICKNAME],
                     ["could not find cert", "SEC_ERROR_BAD_DATABASE"])
    (data_dir / "install.json").write_text(json.dumps({"steps": [{"id": "nss:x", "description": "Trust the CA in x",
                                                                  "undo": [remove.record()]}]}))
    locked = Recorder({("certutil",): (255, "certutil: SEC_ERROR_LOCKED_PASSWORD: the database is in use")})
    said = []
    assert install.uninstall(data_dir, yes=True, out=said.append, run=locked) == 1
    assert record_path(data_dir).exists() and "tries them once more" in "\n".join(said)
    gone = Recorder({("certutil", "-d", db, "-D"): (255, "could not find certificate"),
                     ("certutil", "-d", db, "-L"): (255, "certutil: Could not find cert: nocontact CA")})
    assert install.uninstall(data_dir, yes=True, out=said.append, run=gone) == 0
