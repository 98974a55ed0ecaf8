"""A changed config is compiled off the event loop and swapped in on it; adopt still decides what is in force."""

from __future__ import annotations

import asyncio
import os
import threading

import pytest

from agent import run
from agent.agent import Agent
from agent.config import parse_config
from agent.engine.policy import Policy
from agent.notifier import Notifier

pytestmark = pytest.mark.unit

FIRST = "block:\n  sites: [first.test]\n"
TIGHTER = "block:\n  sites: [first.test, second.test]\n"
LOOSER = "block:\n  sites: [second.test]\n"


@pytest.fixture
def agent(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text(FIRST)
    agent = Agent(path, notifier=Notifier(enabled=False), database=tmp_path / "urges.sqlite3")
    yield agent
    agent.close()


def compiled(agent: Agent, text: str) -> Policy:
    planned = agent.config_after(parse_config(text))
    return Policy(planned, agent.lists.for_policy(planned))


def test_a_policy_compiled_for_what_adopt_puts_in_force_is_swapped_in_as_it_is(agent):
    policy = compiled(agent, TIGHTER)
    assert agent.adopt(parse_config(TIGHTER), TIGHTER, policy) == "applied"
    assert agent.policy is policy
    assert agent.policy.decide("https://second.test/").blocked


def test_a_loosening_swaps_in_only_its_stricter_part_compiled_beforehand(agent):
    policy = compiled(agent, LOOSER)
    assert agent.adopt(parse_config(LOOSER), LOOSER, policy) == "pending"
    assert agent.policy is policy
    assert agent.policy.decide("https://first.test/").blocked  # what it loosens waits
    assert agent.policy.decide("https://second.test/").blocked  # what it tightens applies at once


def test_a_policy_compiled_for_another_config_is_never_swapped_in(agent):
    looser = parse_config(LOOSER)
    wrong = Policy(looser, agent.lists.for_policy(looser))  # the looser config itself, not what adopt keeps
    assert agent.adopt(looser, LOOSER, wrong) == "pending"
    assert agent.policy is not wrong
    assert agent.policy.decide("https://first.test/").blocked


def reload(agent: Agent, text: str, during_compile=lambda: None) -> list[threading.Thread]:
    """Run the config watcher over one change of the file; the threads the policy was compiled on."""
    threads = []

    class Recorded(Policy):
        def __init__(self, *args, **kwargs):
            threads.append(threading.current_thread())
            during_compile()
            super().__init__(*args, **kwargs)

    async def scenario() -> None:
        task = asyncio.create_task(run.watch_config(agent))
        await asyncio.sleep(0.05)
        agent.config_path.write_text(text)
        os.utime(agent.config_path, ns=(1_000_000_000, 1_000_000_000))  # a distinct mtime within one tick
        for _ in range(200):
            await asyncio.sleep(0.01)
            if agent.config.block.sites == parse_config(text).block.sites:
                break
        task.cancel()

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(run, "CONFIG_POLL_SECONDS", 0.01)
        patch.setattr(run, "Policy", Recorded)
        asyncio.run(scenario())
    return threads


def test_the_running_agent_compiles_a_changed_config_off_the_event_loop(agent):
    threads = reload(agent, TIGHTER)
    assert len(threads) == 1 and threads[0] is not threading.main_thread()
    assert agent.policy.decide("https://second.test/").blocked


def test_a_list_that_changes_while_compiling_makes_adopt_compile_again(agent):
    def list_changes():
        agent.lists.changes += 1  # as a refresh accepting a new copy does

    reload(agent, TIGHTER, during_compile=list_changes)
    assert agent.policy.decide("https://second.test/").blocked  # compiled again, on the loop, and in force
    assert type(agent.policy) is Policy
