"""A running agent handed a hostile config keeps the last good one and says where the mistake is."""

from __future__ import annotations

import asyncio
import logging
import os

import pytest

from agent import run
from agent.agent import Agent
from agent.notifier import Notifier
from tests.unit.test_yaml_bounds import RECURSIVE, laughs


@pytest.mark.parametrize("text, line", [(RECURSIVE, 1), (laughs(), 2), ("block:\n  sites: " + "[" * 50_000 + "\n", 2)],
                         ids=["recursive", "laughs", "deep"])
def test_the_last_good_config_stays_and_the_log_says_where(tmp_path, monkeypatch, caplog, text, line):
    monkeypatch.setattr(run, "CONFIG_POLL_SECONDS", 0.02)
    path = tmp_path / "config.yaml"
    path.write_text("block:\n  sites: [kept.test]\n")
    agent = Agent(path, notifier=Notifier(enabled=False), database=tmp_path / "u.sqlite3")

    async def scenario() -> None:
        task = asyncio.create_task(run.watch_config(agent))
        await asyncio.sleep(0.05)
        path.write_text(text)
        os.utime(path, ns=(1_000_000_000, 1_000_000_000))  # a distinct mtime even within one clock tick
        for _ in range(250):
            await asyncio.sleep(0.02)
            if any("mistake" in r.getMessage() for r in caplog.records):
                break
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    try:
        with caplog.at_level(logging.WARNING, logger="nocontact"):
            asyncio.run(scenario())
        (warning,) = [r.getMessage() for r in caplog.records if "mistake" in r.getMessage()]
        assert f"{path}:{line}" in warning and "last good one stays" in warning
        assert agent.policy.decide("https://kept.test/").blocked
    finally:
        agent.close()
