"""Commitments: a loosening waits and a tightening is instant, rule by rule; the agent keeps them across
restarts, and an edit in the data directory shows."""

from __future__ import annotations

import json
import sqlite3

import pytest

from agent.agent import Agent
from agent.commitment import loosens, stricter
from agent.config import parse_config
from agent.notifier import Notifier
from tests.conftest import Clock

BASE = """
people:
  - alias: J
    profiles: [https://www.instagram.com/casey.lindqvist/]
block: {dating: true}
"""
LOOSER = "people: []\nblock: {dating: false}\n"


@pytest.fixture
def place(tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text(BASE)
    return config, tmp_path / "urges.sqlite3"


def start(place, clock):
    config, database = place
    return Agent(config, notifier=Notifier(enabled=False), database=database, monotonic=clock)


def test_a_wait_resumes_after_a_restart_without_crediting_the_downtime(place):
    clock = Clock(500.0)
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
    clock = Clock(500.0)
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
    clock = Clock(500.0)
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
    clock = Clock(500.0)
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
    clock = Clock(500.0)
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


# --- which change is stricter, rule by rule ------------------------------------

BEFORE = """
people:
  - alias: J
    profiles: [https://www.instagram.com/casey.lindqvist/]
block: {dating: true, sites: [a.test]}
allow: [coparent.test]
"""


@pytest.mark.parametrize("change", [
    "people: []",
    "block: {dating: false, sites: [a.test]}",
    "block: {dating: true, sites: []}",
    "allow: [coparent.test, tinder.com]",
    "cooldown: {delay: 5m}",
    "cooldown: {window: 1h}",
    "cooldown: {daily_limit: 10}",
    "cooldown: {daily_limit: null}",
    "cooldown: {escalate: false}",
])
def test_loosening_changes(change):
    old = parse_config(BEFORE)
    new_text = BEFORE + "\n" + change if change.split(":")[0] not in BEFORE else _replace(BEFORE, change)
    assert loosens(old, parse_config(new_text))


@pytest.mark.parametrize("change", [
    "people:\n  - alias: J\n    profiles: [https://www.instagram.com/casey.lindqvist/, https://x.com/caseylindq]",
    "people:\n  - alias: J\n    profiles: [https://www.instagram.com/casey.lindqvist/]\n  - alias: K\n    names: [Kim Doe]",
    "block: {dating: true, social: true, sites: [a.test, b.test]}",
    "allow: []",
    "cooldown: {delay: 1h, window: 5m, daily_limit: 1}",
    "messages: {plan: 'I text Sam'}",
])
def test_tightening_changes(change):
    old = parse_config(BEFORE)
    assert not loosens(old, parse_config(_replace(BEFORE, change)))


def test_stricter_mix_keeps_the_strict_half_of_a_mixed_change():
    old = parse_config(BEFORE)
    new = parse_config(_replace(_replace(BEFORE, "block: {dating: false, social: true, sites: []}"), "allow: [coparent.test, tinder.com]"))
    mix = stricter(old, new)
    assert mix.block.dating and mix.block.social and mix.block.sites == ["a.test"]
    assert mix.allow == ["coparent.test"]


def test_a_barred_app_keeps_the_stronger_action_however_it_is_written():
    old = parse_config("apps: [{preset: telegram, action: Close}, whatsapp]\n")
    new = parse_config("apps: [telegram, {preset: signal, action: suspend}]\n")
    assert loosens(old, new)
    assert stricter(old, new).apps == [{"preset": "telegram", "action": "Close"}, {"preset": "signal", "action": "suspend"},
                                       "whatsapp"]


def test_every_rule_says_how_it_tightens():
    """A field without a `Stricter` mark changes at once: only these may."""
    from pydantic import BaseModel

    from agent.config import Config, Person, Stricter

    def unmarked(model: type[BaseModel], prefix: str = "") -> list[str]:
        found = []
        for name, field in model.model_fields.items():
            if any(isinstance(mark, Stricter) for mark in field.metadata):
                continue
            nested = field.annotation
            if isinstance(nested, type) and issubclass(nested, BaseModel):
                found += unmarked(nested, f"{prefix}{name}.")
            else:
                found.append(prefix + name)
        return found

    assert unmarked(Config) == ["messages.plan", "messages.help", "notify.enabled", "notify.min_interval",
                                "notify.quiet_hours", "watcher.period"]
    assert unmarked(Person) == ["alias", "plan"]


def _replace(text: str, change: str) -> str:
    key = change.split(":", 1)[0]
    lines, out, skipping = text.strip().splitlines(), [], False
    for line in lines:
        if line.startswith(key + ":"):
            skipping = True
            continue
        if skipping and line.startswith(" "):
            continue
        skipping = False
        out.append(line)
    return "\n".join(out) + "\n" + change + "\n"
