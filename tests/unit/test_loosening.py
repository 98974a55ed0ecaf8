"""A looser config says what it loosens, a later save that loosens nothing more keeps its wait, and the
commands can read what is in force from its signed record. Clocks are injected."""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from agent import paths
from agent.agent import Agent
from agent.commitment import LABELS, loosenings, loosens, on_record
from agent.config import Config, Stricter, parse_config
from agent.notifier import Notifier
from tests.conftest import Clock

BEFORE = """
people:
  - alias: J
    profiles: [https://www.instagram.com/casey.lindqvist/, https://x.com/caseylindq]
    names: [Casey Lindqvist]
    phones: ["+44 7700 900123"]
  - alias: K
    profiles: [https://x.com/kk_example]
block: {dating: true, sites: [first.test, second.test], urls: [https://blog.test/casey]}
cooldown: {delay: 20m, delays: {J: 45m}}
apps: [{preset: whatsapp, action: close}, telegram]
barrier: {email: true}
lists: [{url: https://lists.test/dating.txt, category: dating}, {url: https://lists.test/mine.txt, category: mine,
         every: 2h}]
"""
AFTER = """
people:
  - alias: J
    profiles: [https://x.com/caseylindq]
block: {dating: false, sites: [first.test]}
allow: [coparent.test]
cooldown: {delay: 1m, window: 30m, daily_limit: null, escalate: false}
apps: [{preset: whatsapp, action: notify}]
lists: [{url: https://lists.test/mine.txt, category: mine, every: 4h}]
"""


def test_each_loosening_is_said_in_a_few_words():
    said = loosenings(parse_config(BEFORE), parse_config(AFTER))
    assert said == [
        "J: 1 profile taken out",
        "J: 1 name searched for taken out",
        "J: 1 phone number taken out",
        "K taken out (their profiles and searches no longer paused)",
        "dating sites no longer paused",
        "second.test no longer paused",
        "1 address of your own no longer paused",
        "coparent.test never paused (allow)",
        "the wait 20m -> 1m",
        "a window 10m -> 30m",
        "the wait's growth after each window x2 -> x1",
        "windows a day 3 -> no limit",
        "the wait for J 45m -> as for the rest",
        "whatsapp: close -> notify",
        "telegram no longer barred",
        "emails to them no longer held back",
        "the list https://lists.test/dating.txt (dating) no longer followed",
        "the list https://lists.test/mine.txt (mine): fetched every 2h -> 4h",
    ]
    words = " ".join(said).lower()
    for private in ("casey", "lindqvist", "instagram", "7700", "kk_example", "blog.test"):
        assert private not in words  # the alias only: never their name, a handle or a link to them


@pytest.mark.parametrize("before, after", [(BEFORE, AFTER), (AFTER, BEFORE), (BEFORE, BEFORE),
                                           ("block: {dating: false}", "block: {dating: true, social: true}"),
                                           ("cooldown: {delay: 20m}", "cooldown: {delay: 19m}")])
def test_words_come_exactly_when_a_change_loosens(before, after):
    old, new = parse_config(before), parse_config(after)
    assert bool(loosenings(old, new)) == loosens(old, new)


def test_every_rule_has_words():
    """A field marked with a `Stricter` rule is said by name when it loosens; a new one needs its words here."""
    def marked(model: type[BaseModel], place: str = "") -> list[str]:
        found = []
        for name, field in model.model_fields.items():
            here = f"{place}.{name}" if place else name
            rule = next((m for m in field.metadata if isinstance(m, Stricter)), None)
            if rule is not None:
                found.append(here)
                item = getattr(field.annotation, "__args__", (None,))[0]
                if isinstance(item, type) and issubclass(item, BaseModel):
                    found += marked(item, here)
            elif isinstance(field.annotation, type) and issubclass(field.annotation, BaseModel):
                found += marked(field.annotation, here)
        return found

    places = [p for p in marked(Config) if not p.startswith("block.") or p in ("block.sites", "block.urls")]
    assert [p for p in places if p not in LABELS] == []


# --- in the running agent: the wait is for what loosens, and an unrelated save keeps it -----------------------

BASE = """
people:
  - alias: J
    profiles: [https://www.instagram.com/casey.lindqvist/]
block: {dating: true}
"""
SHORTER = BASE + "cooldown: {delay: 1m}\n"


@pytest.fixture
def agent(data_home):
    clock = Clock(500.0)
    config = data_home / "config.yaml"
    config.write_text(BASE)
    agent = Agent(config, notifier=Notifier(enabled=False), database=data_home / "nocontact.sqlite3", monotonic=clock)
    agent.clock = clock
    yield agent
    agent.close()


def test_a_later_save_that_loosens_nothing_more_keeps_the_wait(agent):
    agent.config_path.write_text(SHORTER)
    assert agent.reload() == "pending"
    (hold,) = agent.cooldowns.active()
    assert hold.name == "the wait 20m -> 1m"
    agent.clock.now += 15 * 60
    agent.tick()

    # Unrelated: a plan, and a new category paused (a tightening, in force at once).
    agent.config_path.write_text(SHORTER.replace("block: {dating: true}", "block: {dating: true, social: true}")
                                 + "messages: {plan: I text Sam}\n")
    assert agent.reload() == "pending"
    (same,) = agent.cooldowns.active()
    assert (same.id, same.waited, same.name) == (hold.id, 15 * 60, "the wait 20m -> 1m")
    assert agent.policy.decide("https://www.facebook.com/").blocked  # the tightening is in force now
    assert agent.config.cooldown.delay == 20 * 60  # the loosening is not

    agent.clock.now += 5 * 60  # the rest of the first wait, not a new one
    agent.tick()
    assert agent.config.cooldown.delay == 60 and agent.config.messages.plan == "I text Sam"
    assert agent.cooldowns.active() == []


def test_a_save_that_loosens_more_waits_afresh(agent):
    agent.config_path.write_text(SHORTER)
    agent.reload()
    (hold,) = agent.cooldowns.active()
    agent.clock.now += 15 * 60
    agent.tick()
    agent.config_path.write_text(SHORTER.replace("block: {dating: true}", "block: {dating: false}"))
    assert agent.reload() == "pending"
    (fresh,) = agent.cooldowns.active()
    assert fresh.id != hold.id and fresh.waited == 0
    assert fresh.name == "dating sites no longer paused; the wait 20m -> 1m"


def test_the_record_in_force_is_read_by_the_commands(agent, data_home):
    agent.config_path.write_text(SHORTER)
    agent.reload()
    agent.settle()
    in_force = on_record(data_home)
    assert in_force.cooldown.delay == 20 * 60 and in_force.people[0].alias == "J"
    assert loosenings(in_force, parse_config(SHORTER)) == ["the wait 20m -> 1m"]

    (data_home / "commitment.json").write_text("{}")  # a copy that does not verify is not read
    assert on_record(data_home) == in_force  # the copy outside the data directory still is
    assert paths.secret_path().exists()


def test_no_record_nothing_to_compare(tmp_path):
    assert on_record(tmp_path) is None
