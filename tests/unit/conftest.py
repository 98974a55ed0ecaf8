"""Shared by the tests that drive the real addons in process: an Agent with injected clocks (its wall clock and
its monotonic clock move together), and the block page's forms.

The fixtures are found by pytest; the helpers are imported (`from tests.unit.conftest import block_page`).
"""

from __future__ import annotations

import re

import pytest

from addons.block import Block
from agent.agent import Agent
from agent.notifier import Notifier
from tests.conftest import Clock, MonotonicClock
from tests.unit.test_addons import CONFIG, PAGE, make_flow, through


class Clocks:
    def __init__(self):
        self.mono, self.wall = MonotonicClock(), Clock(1_800_000_000.0)

    def advance(self, seconds: float) -> None:
        self.mono.advance(seconds)
        self.wall.advance(seconds)


@pytest.fixture
def clocks() -> Clocks:
    return Clocks()


@pytest.fixture
def agent(tmp_path, clocks):
    config = tmp_path / "config.yaml"
    config.write_text(CONFIG)
    agent = Agent(config, notifier=Notifier(enabled=False), database=tmp_path / "urges.sqlite3",
                  monotonic=clocks.mono, wall=clocks.wall)
    yield agent
    agent.close()


def block_page(agent, url: str) -> str:
    return through(Block(agent), make_flow(url, headers=PAGE)).response.text


def ask_fields(page: str) -> dict:
    return dict(re.findall(r"name='(urge|kind|name|token)' value='([^']*)'", page.split("<details", 1)[1]))
