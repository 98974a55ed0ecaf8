"""The agent keeps its commitments across restarts, and an edit in the data directory shows."""

from __future__ import annotations

import json
import sqlite3

import pytest

from agent.agent import Agent
from agent.notifier import Notifier

BASE = """
people:
  - alias: J
    profiles: [https://www.instagram.com/casey.lindqvist/]
block: {dating: true}
"""
LOOSER = "people: []\nblock: {dating: false}\n"


class Clock:
    def __init__(self):
        self.now = 500.0

    def __call__(self):
        return self.now


@pytest.fixture
def place(tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text(BASE)
    return config, tmp_path / "urges.sqlite3"


def start(place, clock):
    config, database = place
    return Agent(config, notifier=Notifier(enabled=False), database=database, monotonic=clock)


def test_a_wait_resumes_after_a_restart_without_crediting_the_downtime(place):
    clock = Clock()
    agent = start(place, clock)
    hold = agent.cooldowns.request("person", "J")
    clock.now += 8 * 60
    agent.tick()
    agent.save_progress()
    agent.settle()
    agent.close()

    clock.now += 5 * 3600  # off for five hours
    again = start(place, clock)
    try:
        (resumed,) = again.cooldowns.active()
        assert resumed.id == hold.id and resumed.state == "waiting" and resumed.waited == 8 * 60
    finally:
        again.close()


def test_a_looser_config_written_while_stopped_still_waits(place):
    clock = Clock()
    start(place, clock).close()  # the config in force is recorded
    config, _ = place
    config.write_text(LOOSER)
    agent = start(place, clock)
    try:
        assert agent.policy.decide("https://www.instagram.com/casey.lindqvist/").blocked
        assert agent.policy.decide("https://tinder.com/").blocked
        (pending,) = agent.cooldowns.active()
        assert pending.kind == "config" and pending.payload == LOOSER
        clock.now += 20 * 60
        agent.tick()
        assert not agent.policy.decide("https://tinder.com/").blocked  # applied after its wait
        assert agent.cooldowns.active() == []
    finally:
        agent.close()


def test_taking_a_loosening_back_withdraws_it(place):
    clock = Clock()
    agent = start(place, clock)
    config, _ = place
    try:
        config.write_text(LOOSER)
        assert agent.reload() == "pending"
        config.write_text(BASE)
        assert agent.reload() == "applied"
        assert agent.cooldowns.active() == []
    finally:
        agent.close()


def test_an_edited_cooldown_record_is_set_aside_and_noted(place):
    clock = Clock()
    agent = start(place, clock)
    hold = agent.cooldowns.request("person", "J")
    agent.settle()
    agent.close()
    _, database = place
    db = sqlite3.connect(database)
    data = json.loads(db.execute("SELECT data FROM holds WHERE id = ?", (hold.id,)).fetchone()[0])
    data["waited"] = data["needed"]  # someone tries to skip the wait
    db.execute("UPDATE holds SET data = ? WHERE id = ?", (json.dumps(data, sort_keys=True), hold.id))
    db.commit()

    again = start(place, clock)
    try:
        assert again.cooldowns.active() == []
        assert not again.cooldowns.is_open("person", "J")
        events = again.urges.events()
        assert [kind for _, kind, _ in events] == ["tampered"]
        assert "changed outside nocontact" in events[0][2]
    finally:
        again.close()


def test_an_edited_record_of_the_config_in_force_is_noted(place):
    clock = Clock()
    start(place, clock).close()
    _, database = place
    db = sqlite3.connect(database)
    db.execute("UPDATE state SET value = replace(value, '\"dating\":true', '\"dating\":false') WHERE key = 'config'")
    db.commit()
    agent = start(place, clock)
    try:
        assert [kind for _, kind, _ in agent.urges.events()] == ["tampered"]
        assert agent.policy.decide("https://tinder.com/").blocked  # the file's config, not the edited record
    finally:
        agent.close()
