"""`state.json`: what the running agent writes, read back; a file a crash left behind is no running agent."""

from __future__ import annotations

import json
import subprocess
import sys

import psutil

from agent import state
from agent.state import State


def test_what_is_written_reads_back_and_goes_with_remove(tmp_path):
    written = State(pid=psutil.Process().pid, started=psutil.Process().create_time(), proxy="127.0.0.1:8080",
                    pac_url="http://127.0.0.1:8081/proxy.pac", pages="http://127.0.0.1:8081", ca_cert="/x/ca.pem",
                    config="/x/config.yaml")
    state.write(tmp_path, written)
    assert json.loads((tmp_path / "state.json").read_text())["proxy"] == "127.0.0.1:8080"  # the file's format
    assert state.read(tmp_path) == written and state.running(tmp_path) == written
    state.remove(tmp_path)
    assert state.read(tmp_path) is None and state.running(tmp_path) is None
    state.remove(tmp_path)  # already gone: nothing to do


def test_a_file_that_cannot_be_read_is_no_state(tmp_path):
    for text in ("{not json", "[1, 2]", '{"proxy": "127.0.0.1:8080"}', '{"pid": "not a number"}'):
        (tmp_path / "state.json").write_text(text)
        assert state.read(tmp_path) is None, text
    (tmp_path / "state.json").write_text('{"pid": 12, "from_a_later_version": true}')
    assert state.read(tmp_path) == State(pid=12)


def test_a_left_over_state_file_is_not_a_running_agent(tmp_path):
    path = tmp_path / "state.json"
    me = psutil.Process()
    path.write_text(json.dumps({"pid": me.pid, "started": me.create_time()}))
    assert state.running(tmp_path).pid == me.pid
    path.write_text(json.dumps({"pid": me.pid, "started": me.create_time() - 3600}))  # an older process, same pid
    assert state.running(tmp_path) is None
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    path.write_text(json.dumps({"pid": gone.pid, "started": 0}))
    assert state.running(tmp_path) is None
