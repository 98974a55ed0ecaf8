"""What a running agent and its commands say about the config file: what a looser one waits for, a
withdrawn wait, and a mistake saved while it runs (a gentle note, `status`, `doctor`). A real agent and
proxy in this process; the commands as the person runs them."""

from __future__ import annotations

import json
import os
import time

import pytest

from agent import run
from tests.conftest import own_proxy
from tests.integration.test_cli import nocontact

STRICT = """
people:
  - alias: "J"
    profiles: [https://www.instagram.com/casey.lindqvist/]
block: {dating: true}
"""
SHORTER = STRICT + "cooldown: {delay: 1m}\n"
MISTAKE = STRICT + "cooldown: {delay: soon}\n"


@pytest.fixture
def running(data_home, origin, monkeypatch):
    """An agent whose data directory is the commands' own, noticing a saved config within a tenth of a second."""
    monkeypatch.setattr(run, "CONFIG_POLL_SECONDS", 0.1)
    with own_proxy(STRICT, data_home, origin) as proxy:
        yield proxy


def save(proxy, text: str, stamp: int) -> None:
    proxy.agent.config_path.write_text(text)
    os.utime(proxy.agent.config_path, ns=(stamp, stamp))  # a distinct mtime even within one clock tick


def until(condition, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "not within the time"
        time.sleep(0.05)


def test_a_looser_config_says_what_waits_and_a_withdrawn_wait_says_so(running, data_home):
    save(running, SHORTER, 1_000_000_000)
    until(lambda: running.agent.cooldowns.active())
    (hold,) = running.agent.cooldowns.active()
    status = nocontact("status", home=data_home).stdout
    assert f"{hold.id}  a looser config (the wait 20m -> 1m): waiting, about 20 min left" in status
    assert (f"Your config file differs from what is in force: what it loosens waits out the cooldown "
            f"(request {hold.id}, above)") in status
    described = json.loads(nocontact("status", "--json", home=data_home).stdout)["config_file"]
    assert described == {"path": str(running.agent.config_path), "mistake": None, "loosens": ["the wait 20m -> 1m"]}
    check = nocontact("check", "--config", str(running.agent.config_path), home=data_home).stdout
    assert "It loosens what is in force (the wait 20m -> 1m): that waits out the cooldown before it applies" in check

    cancelled = nocontact("override", "cancel", str(hold.id), home=data_home)
    assert cancelled.stdout.startswith("Withdrawn: the looser config will not apply, and what is in force stays.")
    assert "ridden out" not in cancelled.stdout
    status = nocontact("status", home=data_home).stdout
    assert ("Your config file loosens what is in force (the wait 20m -> 1m), and nothing is waiting for it now. "
            "Save the file again to start the wait") in status
    assert running.agent.config.cooldown.delay == 20 * 60


def test_a_stop_withdrawn_and_a_wait_stepped_away_from_say_different_things(running, data_home):
    stop = running.agent.cooldowns.request("stop", "nocontact")
    assert nocontact("override", "cancel", str(stop.id), home=data_home).stdout.strip() == \
        "Withdrawn: nocontact keeps running."
    look = running.agent.cooldowns.request("category", "dating")
    assert nocontact("override", "cancel", str(look.id), home=data_home).stdout.strip() == \
        "Cancelled. That's an urge ridden out."


def test_a_mistake_saved_while_running_is_told_gently_and_shows_in_status_and_doctor(running, data_home):
    save(running, MISTAKE, 2_000_000_000)
    until(lambda: running.agent.config_problem)
    until(lambda: any("small mistake" in body for _, body in running.notes))
    title, body = next(note for note in running.notes if "small mistake" in note[1])
    assert "the last good one is in force" in body and "nocontact check" in body
    assert "soon" not in title + body  # where, never the values

    where = f"{running.agent.config_path}:6: cooldown.delay"
    status = nocontact("status", home=data_home).stdout
    assert f"Your config file has a mistake ({where}), so the last good config stays in force." in status
    assert json.loads(nocontact("status", "--json", home=data_home).stdout)["config_file"]["mistake"] == where
    doctor = json.loads(nocontact("doctor", "--quick", "--json", home=data_home).stdout)
    (config,) = [c for c in doctor["checks"] if c["name"] == "Config"]
    assert config["ok"] is False and where in config["detail"]
    assert "the running nocontact keeps the last good config in force" in config["detail"]

    save(running, MISTAKE + "# still the same mistake\n", 3_000_000_000)  # said once, not at every save
    time.sleep(0.5)
    assert sum("small mistake" in body for _, body in running.notes) == 1
    save(running, STRICT, 4_000_000_000)
    until(lambda: running.agent.config_problem is None)
    assert "mistake" not in nocontact("status", home=data_home).stdout


def test_while_stopped_status_and_check_say_what_the_file_loosens(data_home):
    from agent.agent import Agent
    from agent.notifier import Notifier

    config = data_home / "config.yaml"
    config.write_text(STRICT)
    Agent(config, notifier=Notifier(enabled=False), database=data_home / "nocontact.sqlite3").close()
    config.write_text(SHORTER.replace("block: {dating: true}", "block: {dating: false}"))
    status = nocontact("status", home=data_home).stdout
    assert ("Your config file loosens what was in force when nocontact last ran (dating sites no longer paused; "
            "the wait 20m -> 1m): once it runs, that waits out the cooldown") in status
    check = nocontact("check", home=data_home).stdout
    assert "It loosens what is in force (dating sites no longer paused; the wait 20m -> 1m)" in check
    other = data_home / "elsewhere.yaml"
    other.write_text(config.read_text())
    assert "loosens" not in nocontact("check", "--config", str(other), home=data_home).stdout  # not the one in use
