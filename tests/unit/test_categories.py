"""The categories table: every category has its config switch, its built-in list and its words."""

from __future__ import annotations

from agent.agent import target_words
from agent.config import parse_config
from agent.engine.categories import CATEGORIES
from agent.engine.policy import Decision
from agent.paths import list_file


def test_every_category_has_a_built_in_list():
    for category in CATEGORIES:
        assert list_file(category.key).is_file(), category.key


def test_the_config_has_one_switch_a_category_with_its_default():
    block = parse_config("people: []").block
    assert block.categories == [c.key for c in CATEGORIES if c.on_by_default]
    everything = parse_config("block: {" + ", ".join(f"{c.key}: true" for c in CATEGORIES) + "}").block
    assert everything.categories == [c.key for c in CATEGORIES]


def test_a_blocked_category_is_named_in_plain_words():
    assert target_words(Decision("https://tinder.com/", "block", "category", "dating", site="tinder.com")) == (
        "a dating site (tinder.com)")
    for category in CATEGORIES:
        assert category.label.startswith(("a ", "an ")) and category.plural.endswith("s"), category
