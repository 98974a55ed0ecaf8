"""`nocontact explain-send`: recorded sends (and what the browser loaded before them) judged without any network,
each line on a fresh barrier; through the CLI as a person or a script runs it, and in process."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from agent.commands import send as send_commands
from agent.config import parse_config
from tests.unit.test_barrier import ALL as SENDS
from tests.unit.test_barrier_learn import ALL as RESPONSES

CONFIG = """
people:
  - alias: "J"
    profiles:
      - https://www.instagram.com/casey.lindqvist/
      - https://www.facebook.com/profile.php?id=100098765432101
      - https://x.com/caseylindq
      - https://www.linkedin.com/in/casey-lindqvist/
      - https://venmo.com/u/casey-l
    names: ["Casey Lindqvist"]
    emails: ["casey.l@example.org"]
    phones: ["+44 7700 900123"]
  - alias: "M"
    emails: ["morgan.k@example.net"]
barrier: {email: true, social_messages: true, payments: true}
"""
# What must never be printed outside `recipients`: the person's name, email, phone and handles.
SECRETS = ("casey", "lindqvist", "7700", "caseylindq", "casey-l")


def b64(data: bytes | str) -> str:
    return base64.b64encode(data.encode() if isinstance(data, str) else data).decode()


def line(send: str, *responses: str) -> str:
    fixture = next(f for f in SENDS if f.name == send)
    loaded = [next(r for r in RESPONSES if r.name == name) for name in responses]
    return json.dumps({
        "method": "WS" if fixture.websocket is not None else fixture.method, "url": fixture.url,
        "headers": fixture.headers, "body": b64(fixture.wire()),
        "responses": [{"method": r.method, "url": r.url, "headers": r.headers, "body": b64(r.wire())} for r in loaded]})


CASES = [  # (line, action, service, recipients)
    (line("gmail_form_to"), "hold", "gmail", ["email:casey.l@example.org"]),
    (line("gmail_form_other"), "pass", "gmail", []),
    (line("outlook_mailtips"), "pass", None, []),
    (line("webmail_fastmail_search"), "pass", "webmail", []),
    (line("facebook_dgw_send"), "hold", "facebook", ["facebook:id:100098765432101"]),
    (line("facebook_dgw_mark_read"), "pass", "facebook", []),
    (line("instagram_dgw_send_learned", "instagram_socket_sync"), "hold", "instagram",
     ["instagram:thread:110598887654321"]),
    (line("instagram_dgw_send_learned"), "pass", "instagram", []),  # nothing loaded before it: not tied
    (line("instagram_graphql_send_learned", "instagram_slide_inbox"), "hold", "instagram",
     ["instagram:thread:340282366841710300949128137654321"]),
    (line("linkedin_conversation_learned", "linkedin_conversations", "linkedin_profile"), "hold", "linkedin",
     ["linkedin:thread:2-ZmQ5NjE0YjMtNGI2Ny00ZDk1LTg1ZjItMGE1ZDc5YzQ3OTQ2XzAxMA=="]),
    (line("x_xchat_send", "x_xchat_inbox"), "hold", "x", ["x:id:1570000000000000001"]),
    (line("venmo_web_pay_learned", "venmo_people_search"), "hold", "venmo", ["venmo:id:2859950549165568970"]),
]


def nocontact(*args: str, home: Path, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "NOCONTACT_HOME": str(home)}
    return subprocess.run([sys.executable, "-m", "agent", *args], input=stdin, capture_output=True, text=True,
                          env=env, timeout=120)


@pytest.fixture
def config(tmp_path) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(CONFIG)
    return path


def test_each_line_in_process():
    people = parse_config(CONFIG).people
    verdicts = list(send_commands.explain_lines([case[0] for case in CASES], people,
                                                ["email", "social_messages", "payments"]))
    for verdict, (_, action, service, recipients) in zip(verdicts, CASES, strict=True):
        assert (verdict.action, verdict.service, verdict.recipients) == (action, service, recipients), verdict
        assert verdict.person == ("J" if action == "hold" else None)


def test_each_line_is_judged_on_its_own():
    """What one line's responses taught is forgotten by the next line."""
    people = parse_config(CONFIG).people
    taught, alone = send_commands.explain_lines(
        [line("instagram_dgw_send_learned", "instagram_socket_sync"), line("instagram_dgw_send_learned")], people,
        ["social_messages"])
    assert (taught.action, alone.action) == ("hold", "pass")


def test_json_through_the_cli(tmp_path, config):
    source = tmp_path / "sends.jsonl"
    source.write_text("\n".join(case[0] for case in CASES) + "\n")
    result = nocontact("explain-send", "--config", str(config), "--json", str(source), home=tmp_path / "home")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)  # --json: one array, as explain and urges give it
    lines = nocontact("explain-send", "--config", str(config), "--nl", str(source), home=tmp_path / "home")
    assert [json.loads(text) for text in lines.stdout.splitlines()] == rows  # --nl: one object a line
    assert len(rows) == len(CASES)
    for row, (sent, action, service, recipients) in zip(rows, CASES, strict=True):
        assert set(row) == {"url", "action", "person", "service", "recipients", "reason"}
        assert row["url"] == json.loads(sent)["url"]
        assert (row["action"], row["service"], row["recipients"]) == (action, service, recipients)
        assert row["person"] == ("J" if action == "hold" else None)
        shown = json.dumps({k: v for k, v in row.items() if k != "recipients"}).lower()
        assert not any(secret in shown for secret in SECRETS), row


def test_plain_text_through_the_cli_from_stdin(tmp_path, config):
    stdin = "\n".join(case[0] for case in CASES[:3]) + "\n\n"
    result = nocontact("explain-send", "--config", str(config), "-", home=tmp_path / "home", stdin=stdin)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["hold J gmail email:casey.l@example.org", "pass - gmail -", "pass - - -"]


def test_bad_lines_are_named_and_the_others_still_judged(tmp_path, config):
    good = CASES[0][0]
    lines = [good, "not json at all", json.dumps({"url": "https://mail.google.com/mail/u/0/?act=sm", "body": "@@"}),
             json.dumps({"method": "POST", "body": ""}), good,
             json.dumps({"url": "https://x.com/a", "responses": [{"url": "https://x.com/b", "body": "%"}]}),
             json.dumps([1, 2])]
    result = nocontact("explain-send", "--config", str(config), "--nl", "-", home=tmp_path / "home",
                       stdin="\n".join(lines) + "\n")
    assert result.returncode == 1
    assert [json.loads(text)["action"] for text in result.stdout.splitlines()] == ["hold", "hold"]
    errors = result.stderr.strip().splitlines()
    assert errors == ["nocontact: line 2: not JSON (JSONDecodeError: Expecting value: line 1 column 1 (char 0))",
                      "nocontact: line 3: body is not valid base64",
                      "nocontact: line 4: no url",
                      "nocontact: line 6: response 1: body is not valid base64",
                      "nocontact: line 7: expected a JSON object"]
    assert "Traceback" not in result.stderr


def test_the_config_defaults_to_the_data_directory_like_explain(tmp_path):
    home = tmp_path / "home"
    home.mkdir(mode=0o700)
    (home / "config.yaml").write_text(CONFIG)
    result = nocontact("explain-send", "-", home=home, stdin=CASES[0][0] + "\n")
    assert result.returncode == 0 and result.stdout.split()[0] == "hold", result.stderr


def test_a_config_with_the_barrier_off_says_so(tmp_path):
    path = tmp_path / "off.yaml"
    path.write_text(CONFIG.replace("barrier: {email: true, social_messages: true, payments: true}", ""))
    result = nocontact("explain-send", "--config", str(path), "-", home=tmp_path / "home", stdin=CASES[0][0])
    assert result.returncode == 0 and result.stdout.strip() == "pass - - -"
    assert "barrier is off" in result.stderr


def test_a_missing_file_is_one_clear_line(tmp_path, config):
    result = nocontact("explain-send", "--config", str(config), str(tmp_path / "nope.jsonl"), home=tmp_path / "home")
    assert result.returncode == 1 and result.stderr.startswith("nocontact: ") and len(result.stderr.splitlines()) == 1
