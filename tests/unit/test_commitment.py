"""Commitments: a loosening waits and a tightening is instant, rule by rule; the agent keeps them across
restarts, and an edit in the data directory shows: a deleted, edited or older log loosens nothing at once."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from agent import highwater, paths
from agent.agent import Agent
from agent.commitment import loosens, stricter
from agent.config import parse_config
from agent.cooldown import CooldownError
from agent.notifier import Notifier
from agent.store import UrgeLog
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


# --- the record outlives the log: deleted, edited or older copies ---------------------------------


def remove_log(database) -> None:
    for end in ("", "-wal", "-shm"):
        Path(f"{database}{end}").unlink(missing_ok=True)


def guard_events(agent) -> list[str]:
    agent.settle()
    return [detail for _, kind, detail in agent.urges.events() if kind == "tampered"]


def test_a_ready_request_in_an_older_log_put_back_waits_again(place):
    clock = Clock(500.0)
    agent = start(place, clock)
    hold = agent.cooldowns.request("person", "J")
    clock.now += hold.needed
    agent.tick()
    assert agent.cooldowns.holds[hold.id].state == "ready"
    agent.settle()
    agent.close()
    _, database = place
    aside = Path(f"{database}.aside")
    shutil.copyfile(database, aside)  # a copy with the request ready to open

    agent = start(place, clock)
    agent.cooldowns.open(hold.id)  # the window is used, and closes
    clock.now += agent.cooldowns.holds[hold.id].window
    agent.tick()
    agent.settle()
    agent.close()
    remove_log(database)
    shutil.copyfile(aside, database)

    again = start(place, clock)
    try:
        (restored,) = again.cooldowns.active()
        assert restored.id == hold.id and restored.state == "waiting" and restored.waited == 0
        with pytest.raises(CooldownError):
            again.cooldowns.open(hold.id)
        assert again.cooldowns.opened_since(0) == 1  # the window used still counts towards the day
        assert any("an older copy put back" in note for note in guard_events(again))
    finally:
        again.close()


def test_a_request_number_is_never_given_twice(place):
    clock = Clock(500.0)
    agent = start(place, clock)
    agent.cooldowns.request("person", "J")
    second = agent.cooldowns.request("category", "dating")
    agent.settle()
    agent.close()
    _, database = place
    with sqlite3.connect(database) as db:
        db.execute("UPDATE holds SET sig = ? WHERE id = ?", ("0" * 32, second.id))  # set aside at start
    again = start(place, clock)
    try:
        assert second.id not in again.cooldowns.holds
        assert again.cooldowns.request("site", "a.test").id == second.id + 1
    finally:
        again.close()
    remove_log(database)  # even with the log gone
    third = start(place, clock)
    try:
        assert third.cooldowns.request("site", "a.test").id == second.id + 2
    finally:
        third.close()


def test_guard_notes_come_back_after_the_log_is_deleted_again(place):
    clock = Clock(500.0)
    start(place, clock).close()
    _, database = place
    remove_log(database)
    first = start(place, clock)
    assert len(guard_events(first)) == 1
    first.close()
    remove_log(database)
    second = start(place, clock)
    try:
        notes = guard_events(second)
        assert len(notes) == 2  # this start's, and the first one's, from the record
        assert sum("(first noted " in note for note in notes) == 1
    finally:
        second.close()
    third = start(place, clock)  # nothing new: nothing noted twice
    try:
        assert len(guard_events(third)) == 2
    finally:
        third.close()


def test_a_wipe_of_the_log_takes_its_guard_notes_along(place):
    clock = Clock(500.0)
    start(place, clock).close()
    _, database = place
    remove_log(database)
    start(place, clock).close()  # noted
    with UrgeLog(database) as log:
        log.wipe()
    again = start(place, clock)
    try:
        assert guard_events(again) == []  # not put back from the record
    finally:
        again.close()
    remove_log(database)
    later = start(place, clock)
    try:
        assert len(guard_events(later)) == 1  # this deletion only
    finally:
        later.close()


def test_a_loosening_waited_out_becomes_the_config_on_record(place):
    clock = Clock(500.0)
    config, database = place
    agent = start(place, clock)
    config.write_text(LOOSER)
    assert agent.reload() == "pending"
    clock.now += 20 * 60
    agent.tick()
    assert not agent.policy.decide("https://tinder.com/").blocked
    agent.settle()
    agent.close()
    remove_log(database)
    again = start(place, clock)
    try:
        assert not again.policy.decide("https://tinder.com/").blocked  # nothing looser than what was waited for
        assert again.cooldowns.active() == []
        assert len(guard_events(again)) == 1  # the deleted log is still noted
    finally:
        again.close()


def test_a_copy_edited_to_loosen_is_set_aside_and_noted(place, tmp_path):
    clock = Clock(500.0)
    start(place, clock).close()
    beside = tmp_path / highwater.FILE
    data = json.loads(beside.read_text())
    data["record"]["config"]["block"]["dating"] = False
    data["record"]["seq"] += 100
    beside.write_text(json.dumps(data))
    agent = start(place, clock)
    try:
        assert agent.policy.decide("https://tinder.com/").blocked
        (note,) = guard_events(agent)
        assert "the copy of it beside the log did not match its signature; written again from the log" in note
        assert json.loads(beside.read_text())["record"]["config"]["block"]["dating"] is True
    finally:
        agent.close()


def test_a_copy_left_behind_by_a_crash_is_not_taken_for_tampering(place, tmp_path):
    clock = Clock(500.0)
    start(place, clock).close()
    behind = (tmp_path / highwater.FILE).read_text()
    agent = start(place, clock)
    agent.cooldowns.request("person", "J")
    agent.settle()
    agent.close()
    (tmp_path / highwater.FILE).write_text(behind)  # the log was written, the file not yet
    again = start(place, clock)
    try:
        assert guard_events(again) == []
        assert again.cooldowns.active()[0].kind == "person"
    finally:
        again.close()


def test_a_log_from_before_the_record_starts_without_a_note(place):
    from agent import secret

    clock = Clock(500.0)
    config, database = place
    key = secret.load_or_create(paths.secret_path())
    with UrgeLog(database) as log:  # as an earlier version left it: the config in force alone, signed
        data = parse_config(BASE).model_dump_json()
        log.put_state("config", data, secret.sign(key, f"config:{data}"))
    config.write_text(LOOSER)
    agent = start(place, clock)
    try:
        assert agent.policy.decide("https://tinder.com/").blocked
        assert [h.kind for h in agent.cooldowns.active()] == ["config"]
        assert guard_events(agent) == []
    finally:
        agent.close()


def test_with_every_record_gone_the_file_applies_and_that_is_said(place, tmp_path, data_home):
    clock = Clock(500.0)
    config, database = place
    start(place, clock).close()
    remove_log(database)
    (tmp_path / highwater.FILE).unlink()
    shutil.rmtree(highwater.guard_dir(tmp_path))
    config.write_text(LOOSER)
    agent = start(place, clock)
    try:  # what full control of the account can do: documented in the README
        assert not agent.policy.decide("https://tinder.com/").blocked
        assert guard_events(agent) == []  # nothing left to tell it from a first start
    finally:
        agent.close()


def test_an_older_log_put_back_is_no_waited_stop(tmp_path):
    """Uninstalling needs a stop that waited; a log copied after an earlier one does not stand in for it."""
    from agent.system.commands import stopped_after_waiting

    config = tmp_path / "config.yaml"
    config.write_text(BASE)
    clock = Clock(500.0)

    def begin() -> Agent:
        return Agent(config, notifier=Notifier(enabled=False), monotonic=clock)

    agent = begin()
    agent.shutdown = lambda: None
    hold = agent.cooldowns.request("stop", "nocontact")
    clock.now += hold.needed
    agent.tick()
    agent.settle()
    agent.close()
    assert stopped_after_waiting(paths.home())
    database = paths.database_path()
    shutil.copyfile(database, tmp_path / "aside.sqlite3")
    begin().close()  # it ran again: that stop is spent
    assert not stopped_after_waiting(paths.home())
    remove_log(database)
    shutil.copyfile(tmp_path / "aside.sqlite3", database)
    assert not stopped_after_waiting(paths.home())


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
                                "notify.quiet_hours", "watcher.period", "devices.quiet_after"]
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


def test_a_copy_that_cannot_be_written_is_said_once_and_the_agent_goes_on(place, tmp_path, caplog):
    import logging

    clock = Clock(500.0)
    (tmp_path / highwater.FILE).mkdir()  # a folder where the file should be: it cannot be written
    with caplog.at_level(logging.ERROR, logger="nocontact"):
        agent = start(place, clock)
        try:
            for name in ("a.test", "b.test", "c.test"):
                agent.cooldowns.request("site", name)
            agent.settle()
            assert len(agent.cooldowns.active()) == 3
        finally:
            agent.close()
    said = [r for r in caplog.records if "could not be written" in r.getMessage()]
    assert len(said) == 1
