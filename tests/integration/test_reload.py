"""A running agent notices a changed config: tightening applies at once, loosening waits, a bad one is ignored."""

from __future__ import annotations

import asyncio
import logging
import os

from agent import run
from agent.agent import Agent
from agent.notifier import Notifier


def test_watcher_applies_good_changes_and_keeps_the_last_good_config(tmp_path, monkeypatch, caplog):
    monkeypatch.setattr(run, "CONFIG_POLL_SECONDS", 0.02)
    path = tmp_path / "config.yaml"
    path.write_text("block:\n  sites: [first.test]\n")
    agent = Agent(path, notifier=Notifier(enabled=False), database=tmp_path / "u.sqlite3")

    def write(text: str, stamp: int) -> None:
        path.write_text(text)
        os.utime(path, ns=(stamp, stamp))  # a distinct mtime even within one clock tick

    async def scenario() -> None:
        task = asyncio.create_task(run.watch_config(agent))
        await asyncio.sleep(0.05)
        write("block:\n  sites: [second.test]\n", 1_000_000_000)
        for _ in range(100):
            await asyncio.sleep(0.02)
            if agent.policy.decide("https://second.test/").blocked:
                break
        write("people:\n  - alias: J\n    profiles: ['https://www.instagram.com/explore/']\n", 2_000_000_000)
        await asyncio.sleep(0.3)
        task.cancel()

    try:
        with caplog.at_level(logging.WARNING, logger="nocontact"):
            asyncio.run(scenario())
        assert agent.policy.decide("https://second.test/").blocked  # tightening: at once
        assert agent.policy.decide("https://first.test/").blocked  # loosening: waits its cooldown
        (pending,) = agent.cooldowns.active()
        assert pending.kind == "config" and "second.test" in pending.payload
        warning = next(r.getMessage() for r in caplog.records if "mistake" in r.getMessage())
        assert f"{path}:3: people[0].profiles[0]" in warning
        assert "instagram.com" not in warning  # where, never the values
    finally:
        agent.close()
