"""A YAML mistake in the config is said in plain words, at the line where the mistake is, not in the parser's terms."""

from __future__ import annotations

import pytest

from agent.config import ConfigError, parse_config

PARSER_WORDS = ("mapping values", "block end", "token", "scanning", "parsing", "stream", "scalar", "not valid YAML")


def said(text: str) -> str:
    with pytest.raises(ConfigError) as caught:
        parse_config(text, "my.yaml")
    message = str(caught.value)
    assert not any(words in message for words in PARSER_WORDS), message
    return message


@pytest.mark.parametrize("text, expected", [
    # a tab, to indent or after a colon
    ("people:\n\t- alias: J\n", "my.yaml:2: there is a tab here, and YAML indents with spaces only"),
    ("block:\n  dating: true\n\tsocial: true\n", "my.yaml:3: there is a tab here"),
    ("block:\n  dating:\ttrue\n", "my.yaml:2: there is a tab here"),
    # a key without its colon: the line it is on, not the next one where the parser noticed
    ("block:\n  dating true\n  social: false\n", "my.yaml:2: 'dating true' has no colon after its key; write it as dating: true"),
    ("people\n  - alias: J\n", "my.yaml:1: 'people' has no colon after its key; write it as people:"),
    ("people:\n  - alias J\n    profiles:\n      - https://x.com/a\n",
     "my.yaml:2: '- alias J' has no colon after its key; write it as - alias: J"),
    ("people:\n  - alias: J\n    # their links\n    profiles\n      - https://x.com/a\n",
     "my.yaml:4: 'profiles' has no colon after its key; write it as profiles:"),
    ("allow:\n  - a.example\n  b.example\n", "my.yaml:3: 'b.example' sits among list items but does not start with a dash"),
    # a line that does not line up
    ("block:\n  dating: true\n   social: false\n", "my.yaml:3: this line is indented further than the line above it"),
    ("block:\n  dating: true\n social: false\n", "my.yaml:3: this line does not line up with the lines above it"),
    ("people:\n  - alias: J\n    profiles:\n      - https://x.com/a\n     - https://x.com/b\n",
     "my.yaml:5: this line does not line up"),
    ("block:\n  dating: true\n  - x.example\n", "my.yaml:3: this line does not line up"),
    # a colon in a value, quotes and brackets left open, characters YAML keeps for itself
    ("people:\n  - alias: J\n    plan: If I want: I text Sam\n",
     "my.yaml:3: the value after 'plan:' holds a colon and a space; put the whole value in quotes, "
     "like plan: \"If I want: I text Sam\""),
    ("people:\n  - alias: \"J\n    names: [a]\n", "my.yaml:2: a quote opens here and is never closed"),
    ("block: [\n", "my.yaml:1: a [ opens here and is not closed with ]"),
    ("people:\n  - alias: J\n    names: [\"Casey\"\n    emails: []\n", "my.yaml:3: a [ opens here and is not closed"),
    ("notify: {quiet_hours: 23:00-07:00\n", "my.yaml:1: a { opens here and is not closed with }"),
    ("people:\n  - alias: J\n    profiles: [@jordan_rivers]\n",
     "my.yaml:3: @jordan_rivers cannot be written bare here, as YAML keeps @ for itself. If it is a handle: which "
     "platform is @jordan_rivers on? Put the link of their profile there instead, like https://x.com/jordan_rivers"),
    ("messages:\n  plan: `text Sam`\n", "my.yaml:2: a value cannot start with ` in YAML; put it in quotes"),
    ("messages:\n  plan: \"C:\\notes\\q\"\n", "my.yaml:2: a backslash (\\) inside double quotes"),
    # values YAML reads as something else and cannot build
    ("messages:\n  plan: 2026-13-01\n", "my.yaml:2: this value cannot be read; if it is meant as text, put it in quotes"),
    ("messages:\n  plan: !secret x\n", "my.yaml:2: this value cannot be read"),
])
def test_a_yaml_mistake_in_plain_words_with_its_line(text, expected):
    assert said(text).startswith(expected), said(text)


@pytest.mark.parametrize("text, expected", [
    ("block: dating:true\n", "my.yaml:1: block: expected a section of keys, not the text 'dating:true'; "
                             "write a space after the colon: dating: true"),
    ("block:\n  dating true\n", "my.yaml:1: block: expected a section of keys, not the text 'dating true'; "
                                "a key needs a colon and a space after it: dating: true"),
    ("people:\n  -alias: J\n", "my.yaml:1: people: expected a list; a list item needs a space after its dash: - alias"),
    ("people:\n  - alias: J\n    -names: [a]\n", "my.yaml:3: people[0].-names: unknown key; a list item needs a space "
                                                "after its dash: - names"),
])
def test_yaml_that_reads_but_not_as_meant_says_what_to_write(text, expected):
    assert said(text).startswith(expected), said(text)
