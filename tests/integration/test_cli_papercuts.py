"""What a newcomer meets first: the quick start, the first run with nobody set up, a config mistake beside a
busy port, help and version, plurals, a closed pipe, uninstall and doctor before any install, and the
small always-on PAC service. The CLI runs as a process, as a person or a script runs it."""

from __future__ import annotations

import importlib.metadata
import json
import os
import re
import shlex
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from agent import cli, paths
from agent.system import doctor
from agent.system.ca import ensure_ca
from agent.system.check import AGAIN, INSTALL_FIX
from agent.web import pages
from tests.conftest import TEST_CONFIG
from tests.integration.test_cli import nocontact, said_until_running, start_agent

ROOT = Path(__file__).resolve().parents[2]


def listening() -> socket.socket:
    """Another program on a free loopback port."""
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen()
    return holder


# --- the quick start --------------------------------------------------------------------------


def quick_start() -> tuple[str, str]:
    """The README's two commands: install and run the agent; install the test extras and run the suite."""
    section = ROOT.joinpath("README.md").read_text().split("## Quick start", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)\n```", section, re.S)
    assert len(blocks) == 2 and all("\n" not in b for b in blocks), blocks
    return blocks[0], blocks[1]


def test_the_quick_start_installs_into_a_virtual_environment_never_the_system_python():
    """Debian's and Ubuntu's own Python refuse `pip install` (externally-managed-environment)."""
    for command in quick_start():
        steps = [shlex.split(step) for step in command.split("&&")]
        assert steps[0][:3] == ["python3", "-m", "venv"], command
        venv = steps[0][3]
        for step in steps[1:]:
            assert step[0].startswith((venv, ".")) or step[0] in ("pip", "python"), step  # the venv's own tools
    run = shlex.split(quick_start()[0].split("&&")[-1])
    assert run[0].endswith("/bin/nocontact") and run[1:] == ["run"]  # on its shipped default config


def test_ci_ends_with_the_readme_test_command_as_written():
    script = ROOT.joinpath(".ci", "run").read_text().rstrip("\n").splitlines()
    assert script[-1] == quick_start()[1]
    assert any("apt-get install" in line for line in script[:-1])  # Chromium and the other tools come first


# --- the first run, with nobody set up ---------------------------------------------------------


def test_run_and_status_say_where_the_config_is_and_what_to_do_next(home):
    home.mkdir()
    default = home / "config.yaml"
    default.write_text(paths.default_config().read_text())  # the shipped default: nobody set up
    process, _ = start_agent(home, default)
    try:
        said_until_running(process)
        said = [process.stdout.readline() for _ in range(8)]
        assert said[3].strip() == "Stop with Ctrl+C."
        assert said[4].startswith("Nobody is set up yet")
        assert f"add the person: edit {default}" in said[5] and "then run `nocontact check`" in said[6]
        status = nocontact("status", home=home).stdout
        assert "nocontact is running" in status and f"add the person: edit {default}" in status
    finally:
        process.terminate()
        process.wait(15)
    stopped = nocontact("status", home=home).stdout
    assert "not running" in stopped and f"add the person: edit {default}" in stopped
    default.write_text(TEST_CONFIG)  # once someone is set up, nothing more is said
    assert "Nobody" not in nocontact("status", home=home).stdout


# --- a config mistake and a busy port ------------------------------------------------------------


def test_a_config_mistake_is_said_before_a_port_in_use(home, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("block:\n  datting: yes\n")
    holder = listening()
    try:
        result = nocontact("run", "--config", str(bad), "--port", str(holder.getsockname()[1]), home=home)
    finally:
        holder.close()
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"nocontact: the config has a mistake ({bad}:2: block.datting); `nocontact check` shows what to fix")


def test_a_good_config_and_a_port_in_use_says_the_port(home, config):
    holder = listening()
    try:
        result = nocontact("run", "--config", str(config), "--port", str(holder.getsockname()[1]), home=home)
    finally:
        holder.close()
    assert result.returncode == 1 and "is already in use" in result.stderr


# --- help, version, plurals, a closed pipe ---------------------------------------------------------


def test_nocontact_alone_prints_its_help(home):
    result = nocontact(home=home)
    assert result.returncode == 0 and result.stderr == ""
    assert result.stdout.startswith("usage: nocontact")
    assert all(command in result.stdout for names in cli.COMMANDS.values() for command in names)


def test_version(home):
    result = nocontact("--version", home=home)
    assert result.returncode == 0
    assert result.stdout == f"nocontact {importlib.metadata.version('nocontact')}\n"


def test_the_command_table_names_what_each_module_adds():
    """Only the given command's module is imported; the table says which, so it must match."""
    import argparse

    for module, names in cli.COMMANDS.items():
        sub = argparse.ArgumentParser().add_subparsers()
        __import__(module, fromlist=["add_commands"]).add_commands(sub)
        assert tuple(sub.choices) == names, module


def test_one_is_said_in_the_singular(home, tmp_path):
    one_minute = tmp_path / "one.yaml"
    one_minute.write_text(TEST_CONFIG.replace("cooldown: {daily_limit: 10}", "cooldown: {delay: 1m, daily_limit: 10}"))
    checked = nocontact("check", "--config", str(one_minute), home=home).stdout
    assert "Your own blocks: 1 site, 1 URL" in checked
    process, _ = start_agent(home, one_minute)
    try:
        said_until_running(process)
        asked = nocontact("override", "request", "dating", home=home)
        assert asked.stdout.startswith("Asked (request 1). The wait is 1 minute;"), asked.stdout + asked.stderr
        early = nocontact("override", "open", "1", home=home)
        assert "still about 1 minute to wait" in early.stderr
        assert "nocontact stops in about 1 minute." in nocontact("stop", home=home).stdout
    finally:
        process.terminate()
        process.wait(15)
    assert pages.window_text("J", True, 1)[1].startswith("J is open for 1 minute;")
    page = pages.wait_page(hold_id=1, token="t", what="J", remaining=0, ready=True, window_minutes=1, plan=None,
                           help_lines=[])
    assert "for 1 minute," in page and "Open it for 1 minute<" in page and "1 minutes" not in page


def _closed_after_one_line(argv: list[str], home: Path, stdin: str | None = None) -> tuple[int, str]:
    """Run `nocontact ARGV | head -1`: read one line, stop reading; the exit code and what it said on stderr."""
    env = {**os.environ, "NOCONTACT_HOME": str(home)}
    process = subprocess.Popen([sys.executable, "-m", "agent", *argv], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    if stdin is not None:
        process.stdin.write(stdin.encode())
    process.stdin.close()
    assert process.stdout.readline()
    process.stdout.close()
    code = process.wait(60)
    return code, process.stderr.read().decode()


@pytest.mark.parametrize("command", ["urges", "explain"])
def test_a_closed_pipe_ends_quietly(home, config, command):
    if command == "urges":
        from agent.engine.policy import Decision
        from agent.store import UrgeLog

        home.mkdir(parents=True)
        log = UrgeLog(home / "nocontact.sqlite3")
        for n in range(3000):  # far more than a pipe holds
            log.record(Decision("u", "block", "category", category="dating", rule="r", site=f"s{n}.test"),
                       f"https://s{n}.test/")
        log.close()
        code, said = _closed_after_one_line(["urges"], home)
    else:
        urls = "".join(f"https://tinder.com/{n}\n" for n in range(20000))
        code, said = _closed_after_one_line(["explain", "--config", str(config), "-"], home, stdin=urls)
    assert said == ""  # no traceback, no "Exception ignored"
    assert code in (0, 128 + 13)  # as `git log | head -1`: ended by the closed pipe


# --- uninstall and doctor before any install ---------------------------------------------------------


def test_uninstall_with_nothing_installed_says_so(home):
    result = nocontact("uninstall", home=home)
    assert result.returncode == 0, result.stderr
    assert "nocontact is not installed here" in result.stdout and "nothing to put back" in result.stdout


def test_doctor_before_any_install_says_how_to_install(tmp_path):
    data_dir = tmp_path / "data"
    data_dir.mkdir(mode=0o700)
    ensure_ca(data_dir)

    def mac(argv):  # a Mac whose keychain does not hold the CA, and no LaunchAgents
        return 1, ""

    found = doctor.checks(data_dir, tmp_path, system="Darwin", uid=501, run=mac, env={}, state={},
                          read_settings=lambda: [])
    assert next(c for c in found if c.name == "CA trusted: login keychain").fix == INSTALL_FIX
    assert "Run `nocontact install` (`nocontact install --dry-run`" in next(
        c for c in found if c.name == "System proxy").fix
    assert "install` again" not in doctor.render(found, columns=200)
    (data_dir / "install.json").write_text(json.dumps({"pac_url": "http://127.0.0.1:1/proxy.pac", "steps": []}))
    found = doctor.checks(data_dir, tmp_path, system="Darwin", uid=501, run=mac, env={}, state={},
                          read_settings=lambda: [])
    assert next(c for c in found if c.name == "CA trusted: login keychain").fix == AGAIN  # installed: again


def test_doctor_wraps_at_the_terminal_width(tmp_path):
    import tempfile

    with tempfile.TemporaryDirectory(prefix="nc") as short:  # its paths fit in a line
        env = {**os.environ, "NOCONTACT_HOME": short, "COLUMNS": "60"}
        result = subprocess.run([sys.executable, "-m", "agent", "doctor", "--quick"], capture_output=True, text=True,
                                env=env, timeout=120)
    lines = result.stdout.splitlines()
    assert len(lines) > 10 and "What to do:" in result.stdout
    for line in lines:
        assert len(line) <= 60 or len(line.split()) == 1, line  # only a path too long for any line goes past
    assert "`nocontact install --dry-run`" in result.stdout  # a command is never broken across lines


# --- the always-on PAC service stays small -------------------------------------------------------------


def test_the_pac_service_imports_only_what_serving_a_file_needs(home):
    env = {**os.environ, "NOCONTACT_HOME": str(home)}
    process = subprocess.Popen([sys.executable, "-X", "importtime", "-m", "agent", "pac-server", "--port", "0"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert process.stdout.readline().startswith("Serving nocontact's PAC file at")
    finally:
        process.terminate()
        _, imports = process.communicate(timeout=15)
    imported = {line.rsplit("|", 1)[1].strip() for line in imports.splitlines() if line.startswith("import time:")}
    ours = {name for name in imported if name.startswith("agent")}
    assert ours <= {"agent", "agent.cli", "agent.errors", "agent.paths", "agent.commands.config",
                    "agent.commands.serve", "agent.web", "agent.web.pac", "agent.web.pac_server",
                    "agent.web.loopback"}, ours
    # OpenSSL is asked for (by http.client and asyncio) and refused: `ssl` shows, its compiled `_ssl` does not.
    assert not imported & {"mitmproxy", "pydantic", "psutil", "yaml", "cryptography", "phonenumbers", "_ssl",
                           "sqlite3"}

