"""The cooldown state machine with injected clocks: ask, wait, cancel, open, expire, escalate, limits, restarts."""

from __future__ import annotations

import pytest

from agent.config import Cooldown, Escalate
from agent.cooldown import CooldownError, Cooldowns

MINUTE = 60.0


class Clocks:
    """A monotonic clock and a wall clock that tests move separately."""

    def __init__(self):
        self.mono = 1000.0
        self.wall = 1_800_000_000.0

    def pass_(self, seconds: float) -> None:
        self.mono += seconds
        self.wall += seconds


@pytest.fixture
def clocks():
    return Clocks()


def make(clocks, settings=None, holds=(), steps=None):
    log = steps if steps is not None else []
    return Cooldowns(settings or Cooldown(), list(holds), monotonic=lambda: clocks.mono, wall=lambda: clocks.wall,
                     on_change=lambda hold, step: log.append((hold.id, step)))


def test_ask_wait_open_expire(clocks):
    steps = []
    cooldowns = make(clocks, steps=steps)
    hold = cooldowns.request("person", "J", reason="the school pick-up time", urge_id=7)
    assert (hold.state, hold.needed, hold.urge_id) == ("waiting", 20 * MINUTE, 7)
    assert not cooldowns.is_open("person", "J")
    clocks.pass_(19 * MINUTE)
    with pytest.raises(CooldownError, match="about 2 minutes"):
        cooldowns.open(hold.id)
    clocks.pass_(MINUTE)
    cooldowns.tick()
    assert cooldowns.holds[hold.id].state == "ready"
    cooldowns.open(hold.id)
    assert cooldowns.is_open("person", "J") and not cooldowns.is_open("person", "K")
    assert not cooldowns.is_open("category", "dating")
    clocks.pass_(10 * MINUTE)
    assert not cooldowns.is_open("person", "J")
    assert [step for _, step in steps] == ["requested", "ready", "opened", "expired"]


def test_cancel_is_one_step(clocks):
    cooldowns = make(clocks)
    hold = cooldowns.request("category", "dating")
    assert cooldowns.cancel(hold.id).state == "cancelled"
    with pytest.raises(CooldownError):
        cooldowns.open(hold.id)
    assert cooldowns.active() == []


def test_asking_twice_does_not_restart_the_wait(clocks):
    cooldowns = make(clocks)
    first = cooldowns.request("person", "J")
    clocks.pass_(5 * MINUTE)
    again = cooldowns.request("person", "J")
    assert again.id == first.id and again.waited == 5 * MINUTE


def test_moving_the_wall_clock_forward_does_not_shorten_the_wait(clocks):
    cooldowns = make(clocks)
    hold = cooldowns.request("person", "J")
    clocks.wall += 86_400 * 3  # the system clock jumps three days ahead
    cooldowns.tick()
    assert cooldowns.holds[hold.id].state == "waiting"
    clocks.wall -= 86_400 * 5  # and back
    clocks.mono += 20 * MINUTE
    cooldowns.tick()
    assert cooldowns.holds[hold.id].state == "ready"


def test_time_while_not_running_is_not_credited(clocks):
    cooldowns = make(clocks)
    hold = cooldowns.request("person", "J")
    clocks.pass_(8 * MINUTE)
    cooldowns.tick()
    saved = list(cooldowns.holds.values())  # what the store kept
    clocks.pass_(3 * 3600)  # the agent was off (or the machine asleep) for three hours
    restarted = make(clocks, holds=saved)
    restarted.tick()
    assert restarted.holds[hold.id].waited == 8 * MINUTE
    clocks.pass_(12 * MINUTE)
    restarted.tick()
    assert restarted.holds[hold.id].state == "ready"


def test_an_open_window_closes_on_restart(clocks):
    steps = []
    cooldowns = make(clocks)
    hold = cooldowns.request("person", "J")
    clocks.pass_(20 * MINUTE)
    cooldowns.open(hold.id)
    restarted = make(clocks, holds=list(cooldowns.holds.values()), steps=steps)
    assert not restarted.is_open("person", "J")
    assert steps == [(hold.id, "expired")]


def test_delay_escalates_with_windows_opened_in_the_last_day_and_is_capped(clocks):
    cooldowns = make(clocks, Cooldown(delay=20 * MINUTE, escalate=Escalate(factor=2, max=60 * MINUTE), daily_limit=None))
    needed = []
    for _ in range(4):
        hold = cooldowns.request("person", "J")
        needed.append(hold.needed)
        clocks.pass_(hold.needed)
        cooldowns.open(hold.id)
        clocks.pass_(10 * MINUTE)
        cooldowns.tick()
    assert needed == [20 * MINUTE, 40 * MINUTE, 60 * MINUTE, 60 * MINUTE]
    clocks.pass_(86_400)
    assert cooldowns.request("person", "J").needed == 20 * MINUTE


def test_daily_limit_is_said_kindly(clocks):
    cooldowns = make(clocks, Cooldown(delay=MINUTE, daily_limit=1))
    hold = cooldowns.request("site", "example.test")
    clocks.pass_(MINUTE)
    cooldowns.open(hold.id)
    assert cooldowns.windows_left_today() == 0
    with pytest.raises(CooldownError, match="Stepping away is still open to you"):
        cooldowns.request("person", "J")


def test_windows_on_record_still_count_when_their_requests_are_gone(clocks):
    """The commitment record keeps when windows opened: a deleted or older log does not give the day back."""
    settings = Cooldown(delay=20 * MINUTE, escalate=Escalate(factor=2, max=60 * MINUTE), daily_limit=2)
    first = make(clocks, settings)
    hold = first.request("site", "example.test")
    clocks.pass_(hold.needed)
    opened = first.open(hold.id).opened
    clocks.pass_(MINUTE)
    without_the_request = Cooldowns(settings, [], monotonic=lambda: clocks.mono, wall=lambda: clocks.wall,
                                    opened=(opened,))
    assert without_the_request.windows_left_today() == 1
    assert without_the_request.request("person", "J").needed == 40 * MINUTE  # escalated as before
    with_the_request = make(clocks, settings, holds=[first.holds[hold.id]])
    both = Cooldowns(settings, [first.holds[hold.id]], monotonic=lambda: clocks.mono, wall=lambda: clocks.wall,
                     opened=(opened,))
    assert both.windows_left_today() == with_the_request.windows_left_today() == 1  # one window, counted once
    clocks.pass_(86_400)
    assert without_the_request.windows_left_today() == 2


def test_request_numbers_go_on_from_the_record(clocks):
    held = make(clocks)
    for _ in range(3):
        held.request("site", f"{_}.test")
    later = Cooldowns(Cooldown(), [held.holds[1]], monotonic=lambda: clocks.mono, wall=lambda: clocks.wall,
                      next_id=4)
    assert later.request("site", "x.test").id == 4  # not 2: the numbers of requests set aside stay used
    assert make(clocks, holds=[held.holds[3]]).request("site", "y.test").id == 4


def test_per_target_delays(clocks):
    cooldowns = make(clocks, Cooldown(delay=20 * MINUTE, delays={"J": 45 * MINUTE, "dating": 5 * MINUTE}))
    assert cooldowns.request("person", "J").needed == 45 * MINUTE
    assert cooldowns.request("category", "dating").needed == 5 * MINUTE
    assert cooldowns.request("site", "x.test").needed == 20 * MINUTE


def test_config_holds_apply_by_themselves_and_replace_each_other(clocks):
    cooldowns = make(clocks)
    first = cooldowns.request("config", "a looser config", payload="a")
    second = cooldowns.request("config", "a looser config", payload="b")
    assert cooldowns.holds[first.id].state == "cancelled" and second.state == "waiting"
    with pytest.raises(CooldownError, match="applies by itself"):
        cooldowns.open(second.id)
    clocks.pass_(20 * MINUTE)
    (ready,) = cooldowns.tick()
    assert ready.payload == "b" and ready.state == "ready"


def test_a_grown_wait_says_why_and_a_configured_one_does_not(clocks):
    cooldowns = make(clocks, Cooldown(delay=20 * MINUTE, delays={"J": 45 * MINUTE}, daily_limit=None))
    assert cooldowns.longer_because("person", "J", cooldowns.delay_for("person", "J")) is None  # its own wait
    assert cooldowns.longer_because("site", "a.test", cooldowns.delay_for("site", "a.test")) is None
    hold = cooldowns.request("site", "a.test")
    clocks.pass_(hold.needed)
    cooldowns.open(hold.id)
    grown = cooldowns.delay_for("site", "b.test")
    assert grown == 40 * MINUTE
    assert cooldowns.longer_because("site", "b.test", grown) == (
        "It is longer than your usual 20 minutes: the wait grows with each window opened in the last 24 hours.")
    assert "usual 45 minutes" in cooldowns.longer_because("person", "J", cooldowns.delay_for("person", "J"))


def test_a_waiting_config_revised_keeps_the_time_waited(clocks):
    steps = []
    cooldowns = make(clocks, steps=steps)
    hold = cooldowns.request("config", "the wait 20m -> 1m", payload="a")
    clocks.pass_(5 * MINUTE)
    cooldowns.tick()
    revised = cooldowns.revise(hold.id, "the wait 20m -> 2m", "b")
    assert (revised.id, revised.waited, revised.payload, revised.name) == (hold.id, 5 * MINUTE, "b",
                                                                         "the wait 20m -> 2m")
    assert steps[-1] == (hold.id, "revised")
    with pytest.raises(CooldownError):
        cooldowns.revise(cooldowns.request("person", "J").id, "x", "y")
