"""Every command that prints data takes the same output options, and they agree: `--json` is one JSON array (the
object itself where there is one thing), `--nl` one object a line, `--csv` a header and a row each. Notes take their
words as an argument; the options before these keep working for the scripts that use them."""

from __future__ import annotations

import csv
import io
import json
import shlex
import time
from pathlib import Path

import pytest

from tests.integration.test_cli import nocontact


@pytest.fixture
def data(home, tmp_path):
    """A log with two urges and an unsent letter, and a config with one list, already read."""
    from agent.engine.policy import Decision
    from agent.store import UrgeLog

    home.mkdir(parents=True)
    log = UrgeLog(home / "nocontact.sqlite3", clock=lambda: time.time() - 3600)
    log.record(Decision("u", "block", "person", person="J", platform="instagram", rule="r"), "https://i.test/x")
    log.record(Decision("u", "block", "category", category="people_search", rule="r", site="spokeo.com"),
               "https://spokeo.com/")
    log.add_letter(1, "J", "gmail", "hello", "words, kept")
    log.close()
    mine = tmp_path / "mine.txt"
    mine.write_text("one.test\ntwo.test\n")
    (home / "config.yaml").write_text(f"lists:\n  - url: {mine.as_uri()}\n    category: mine\n")
    assert nocontact("lists", "update", home=home).returncode == 0
    return home


COMMANDS = {  # the command, how many records it prints here, and the field that tells them apart
    "urges": (["urges"], 2, "id"),
    "export": (["export"], 2, "id"),
    "letters": (["letters"], 1, "id"),
    "lists": (["lists"], 1, "url"),
    "lists update": (["lists", "update"], 1, "url"),
    "explain": (["explain", "https://tinder.com/", "https://www.bbc.co.uk/"], 2, "url"),
}


def untimed(record: dict) -> dict:
    """Without the times of a fetch (`lists update` fetches again each time it runs)."""
    return {key: value for key, value in record.items() if key not in ("last_fetch", "last_try", "next_fetch")}


@pytest.mark.parametrize("command", COMMANDS)
def test_json_nl_and_csv_say_the_same_on_every_data_command(data, command):
    args, count, key = COMMANDS[command]
    as_json = json.loads(nocontact(*args, "--json", home=data).stdout)
    assert isinstance(as_json, list) and len(as_json) == count
    as_nl = [json.loads(line) for line in nocontact(*args, "--nl", home=data).stdout.splitlines()]
    assert [untimed(record) for record in as_nl] == [untimed(record) for record in as_json]
    rows = list(csv.DictReader(io.StringIO(nocontact(*args, "--csv", home=data).stdout)))
    assert [row[key] for row in rows] == [str(record[key]) for record in as_json]


def test_one_thing_is_one_object_with_json_and_one_line_with_nl(data):
    letter = json.loads(nocontact("letters", "show", "1", "--json", home=data).stdout)
    assert letter["text"] == "words, kept"
    assert [json.loads(line) for line in nocontact("letters", "show", "1", "--nl", home=data).stdout.splitlines()] == [
        letter]
    status = nocontact("status", "--json", home=data).stdout
    assert json.loads(status)["running"] is False


def test_the_options_are_mutually_exclusive(data):
    assert nocontact("urges", "--json", "--csv", home=data).returncode == 2
    assert nocontact("explain", "--nl", "--json", "https://tinder.com/", home=data).returncode == 2


def test_export_is_csv_unless_asked_and_keeps_its_format_option(data):
    rows = list(csv.DictReader(io.StringIO(nocontact("export", home=data).stdout)))
    assert [r["id"] for r in rows] == ["1", "2"]
    assert json.loads(nocontact("export", "--format", "json", home=data).stdout) == json.loads(
        nocontact("export", "--json", home=data).stdout)
    assert "--format" not in nocontact("export", "--help", home=data).stdout  # kept for scripts, not offered


def test_a_note_takes_its_words_as_an_argument(data):
    done = nocontact("urges", "note", "1", "saw our song on the radio", "--before", "7", home=data)
    assert done.returncode == 0, done.stderr
    (urge,) = [u for u in json.loads(nocontact("urges", "--json", home=data).stdout) if u["id"] == 1]
    assert (urge["note"], urge["intensity_before"]) == ("saw our song on the radio", 7)
    assert nocontact("urges", "note", "2", "--text", "the old way", home=data).returncode == 0  # scripts keep working
    assert "--text" not in nocontact("urges", "note", "--help", home=data).stdout
    twice = nocontact("urges", "note", "2", "words", "--text", "more words", home=data)
    assert twice.returncode == 2 and "give the note once" in twice.stderr


def test_options_and_their_mistakes_are_in_words(data):
    bad = nocontact("urges", "note", "1", "--after", "11", home=data)
    assert bad.returncode == 1
    assert bad.stderr.strip() == "nocontact: --after is how strong the urge was, a whole number from 0 to 10"
    for words in ("people-search", "people search sites", "people_search"):
        picked = json.loads(nocontact("urges", "--json", "--category", words, home=data).stdout)
        assert [u["site"] for u in picked] == ["spokeo.com"], words


def test_the_readme_says_which_option_gives_which_and_its_examples_run(home, config):
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    commands = readme.split("\n## Commands\n", 1)[1].split("\n## ", 1)[0]
    assert "- `--json`: one JSON document, an array of objects" in commands
    assert "- `--nl`: one JSON object a line" in commands
    example = commands.split("```\n$ nocontact explain --nl", 1)[1].split("```", 1)[0]
    for shown in ("$ nocontact explain --nl" + example).split("$ ")[1:]:
        line, *said = shown.strip("\n").split("\n")
        args = shlex.split(line)[1:]
        result = nocontact(args[0], "--config", str(config), *args[1:], home=home)
        assert result.stdout.splitlines() == said, line
