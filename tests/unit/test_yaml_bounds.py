"""Hostile YAML in the config is refused quickly, with the line, like any other mistake."""

from __future__ import annotations

import pytest
import yaml

from agent import yamlmarks
from agent.config import ConfigError, load_config, parse_config

RECURSIVE = "people: &p [*p]\n"


def laughs(levels: int = 9) -> str:
    """The "billion laughs": each line names the one before nine times, 9**levels values in a few hundred bytes."""
    lines = ['lol: &l0 "lol"']
    for level in range(1, levels + 1):
        lines.append(f"l{level}: &l{level} [{', '.join([f'*l{level - 1}'] * 9)}]")
    return "\n".join(lines) + "\n"


@pytest.fixture
def work(monkeypatch) -> dict[str, int]:
    """How many nodes PyYAML composes and how many values are built from them."""
    counts = {"composed": 0, "built": 0}
    compose, convert = yaml.composer.Composer.compose_node, yamlmarks._convert

    def counting_compose(self, parent, index):
        counts["composed"] += 1
        return compose(self, parent, index)

    def counting_convert(*args):
        counts["built"] += 1
        return convert(*args)

    monkeypatch.setattr(yaml.composer.Composer, "compose_node", counting_compose)
    monkeypatch.setattr(yamlmarks, "_convert", counting_convert)
    return counts


def refused(text: str) -> yamlmarks.YamlError:
    with pytest.raises(yamlmarks.YamlError) as caught:
        yamlmarks.load(text)
    return caught.value


def test_a_value_that_holds_itself_is_refused_on_its_line():
    err = refused("block:\n  dating: true\n" + RECURSIVE)
    assert err.line == 3 and "'*p'" in err.message and "alias" in err.message


def test_a_billion_laughs_is_refused_at_the_first_alias_having_done_almost_nothing(work):
    err = refused(laughs())
    assert err.line == 2 and "'*l0'" in err.message
    assert work["composed"] < 10 and work["built"] == 0


def test_one_alias_is_refused_too_and_anchors_alone_are_harmless():
    assert refused("a: &x 1\nb: *x\n").line == 2
    assert yamlmarks.load("a: &x 1\nb: 2\n")[0] == {"a": 1, "b": 2}


@pytest.mark.parametrize("text, line", [
    ("a: " + "[" * 100_000 + "]" * 100_000 + "\n", 1),  # flow lists
    ("a: " + "{b: " * 10_000 + "1" + "}" * 10_000 + "\n", 1),  # flow mappings
    ("".join(" " * i + "k:\n" for i in range(200)) + " " * 200 + "v\n", 32),  # block mappings, one level a line
    ("x:\n" + "- " * 10_000 + "v\n", 2),  # block lists on one line
], ids=["flow lists", "flow mappings", "block mappings", "block lists"])
def test_deep_nesting_is_refused_where_it_gets_too_deep(text, line, work):
    err = refused(text)
    assert err.line == line and f"nested more than {yamlmarks.MAX_DEPTH} levels" in err.message
    assert work["composed"] <= 2 * yamlmarks.MAX_DEPTH + 2 and work["built"] == 0  # keys are nodes too


def test_nesting_as_deep_as_a_config_goes_is_read():
    text = "a:\n  b:\n    - c: [1, [2, {d: [3]}]]\n"
    assert yamlmarks.load(text)[0] == {"a": {"b": [{"c": [1, [2, {"d": [3]}]]}]}}


def test_an_oversized_file_is_refused_before_it_is_parsed(work):
    text = "block:\n  sites:\n" + "    - a-site-name.test\n" * (yamlmarks.MAX_CHARS // 20)
    err = refused(text)
    assert err.line is None and "KB" in err.message and "right file" in err.message
    assert work["composed"] == 0


def test_a_long_but_reasonable_site_list_is_read():
    text = "block:\n  sites:\n" + "".join(f"    - site-{i}.test\n" for i in range(5_000))
    data, lines = yamlmarks.load(text)
    assert len(data["block"]["sites"]) == 5_000 and lines[("block", "sites", 4_999)] == 5_002


@pytest.mark.parametrize("text, line", [(RECURSIVE, 1), (laughs(), 2), ("a: " + "[" * 5000 + "\n", 1)],
                         ids=["recursive", "laughs", "deep"])
def test_the_config_names_the_file_and_the_line(tmp_path, text, line):
    path = tmp_path / "config.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(caught.value).startswith(f"{path}:{line}: ")


def test_the_shipped_default_config_still_loads():
    from agent.paths import default_config

    parse_config(default_config().read_text(encoding="utf-8"))


def test_a_huge_file_is_refused_after_reading_no_more_than_a_config_can_be(tmp_path, monkeypatch):
    import builtins

    huge = tmp_path / "config.yaml"
    huge.write_text("# not a config\n" * 500_000)  # 7.5 MB
    asked = []
    real_open = builtins.open

    class Reading:
        def __init__(self, file):
            self.file = file

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.file.close()

        def read(self, size=-1):
            asked.append(size)
            return self.file.read(size)

    monkeypatch.setattr(builtins, "open", lambda *a, **k: Reading(real_open(*a, **k)))
    with pytest.raises(ConfigError, match="over 1,000 KB"):
        load_config(huge)
    assert asked == [yamlmarks.MAX_CHARS + 1]
