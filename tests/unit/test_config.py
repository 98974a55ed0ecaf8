"""Config validation: every mistake names the file, the line and the key, and says what was expected."""

from __future__ import annotations

import pytest

from agent.config import ConfigError, load_config, parse_config
from agent.paths import default_config


def error(text: str) -> str:
    with pytest.raises(ConfigError) as info:
        parse_config(text, "my.yaml")
    return str(info.value)


def test_shipped_default_is_valid_and_has_no_person():
    config = load_config(default_config())
    assert config.people == []
    assert config.block.dating and config.block.people_search and config.block.viewers
    assert not config.block.social
    assert {h.phone for h in config.messages.help} == {"1-800-799-7233", "988"}


def test_empty_file_means_all_defaults():
    config = parse_config("")
    assert config.block.dating is True
    assert (config.cooldown.delay, config.cooldown.window, config.cooldown.daily_limit) == (1200, 600, 3)


def test_cooldown_spans():
    config = parse_config("cooldown:\n  delay: 1h30m\n  window: 45s\n  escalate: false\n  delays: {dating: 5m}\n")
    cooldown = config.cooldown
    assert (cooldown.delay, cooldown.window, cooldown.escalate.factor) == (5400, 45, 1)
    assert cooldown.delays == {"dating": 300}


@pytest.mark.parametrize("text, expected", [
    ("block:\n  datting: true\n", "my.yaml:2: block.datting: unknown key (expected one of: dating, social,"),
    ("block:\n  dating: maybe\n", "my.yaml:2: block.dating: expected true or false"),
    ("people: J\n", "my.yaml:1: people: expected a list"),
    ("people:\n  - profiles: []\n", "my.yaml:2: people[0].alias: is required here"),
    ("people:\n  - alias: J\n    profiles:\n      - https://www.instagram.com/explore/\n",
     "my.yaml:4: people[0].profiles[0]: https://www.instagram.com/explore/ is not a profile link"),
    ("people:\n  - alias: J\n    phones: ['7700 900']\n", "my.yaml:3: people[0].phones[0]: '7700 900' is not a phone number"),
    ("people:\n  - alias: J\n    emails: [casey-at-example]\n", "my.yaml:3: people[0].emails[0]: 'casey-at-example' is not an email"),
    ("people:\n  - alias: ''\n", "my.yaml:2: people[0].alias: must not be empty"),
    ("block:\n  sites: [not a domain]\n", "my.yaml:2: block.sites[0]: 'not a domain' is not a domain name"),
    ("allow: [ftp://x.example/a]\n", "my.yaml:1: allow[0]: 'ftp://x.example/a' is not a web address: only http and https"),
    ("colour: blue\n", "my.yaml:1: colour: unknown key (expected one of: people, block, allow, messages, cooldown, notify, apps, watcher, barrier, lists, devices)"),
    ("cooldown:\n  delay: 20\n", "my.yaml:2: cooldown.delay: 20 is not a length of time; write it like 20m, 1h or 1h30m"),
    ("cooldown:\n  escalate: {factor: 0.5}\n", "my.yaml:2: cooldown.escalate.factor: is too small"),
    ("cooldown:\n  daily_limit: many\n", "my.yaml:2: cooldown.daily_limit: expected a whole number"),
    ("cooldown:\n  delays:\n    K: 5m\n", "my.yaml:3: cooldown.delays.K: neither a person's alias, a category nor a barred app"),
    ("a: 1\na: 2\n", "my.yaml:2: the key 'a' is given twice"),
    ("block: [\n", "my.yaml:1: a [ opens here and is not closed"),
    ("- just a list\n", "my.yaml:1: expected a section of keys"),
])
def test_errors_are_precise(text, expected):
    assert error(text).startswith(expected), error(text)


def test_several_mistakes_are_all_reported():
    message = error("block:\n  dating: maybe\n  social: sometimes\n")
    assert "my.yaml:2: block.dating" in message and "my.yaml:3: block.social" in message


def test_unreadable_file(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(ConfigError, match="cannot be read"):
        load_config(path)
    with pytest.raises(ConfigError, match="no such file"):
        load_config(tmp_path / "missing.yaml")


def test_each_test_has_a_data_directory_of_its_own(data_home):
    from agent import paths

    assert paths.home() == data_home and not any(data_home.iterdir())
    assert paths.config_path().read_text() == default_config().read_text()  # made from the shipped default
