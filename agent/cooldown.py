"""Cooldowns: the only way through a block is to ask, wait the urge out, and confirm.

A pure state machine with injected clocks. Waiting is credited with the
monotonic clock while the agent runs, so moving the system clock forward
does not shorten a wait, and time the agent was not running (or the machine
was asleep) is not credited. Loosening the config and stopping the agent wait
the same way: they are holds of kind "config" and "stop".

States: waiting -> ready -> open -> expired, or cancelled from waiting/ready.
A hold of kind config/stop applies by itself once ready.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace

from agent.config import Cooldown
from agent.errors import UserError
from agent.review import plural

DAY = 86_400.0
KINDS = ("person", "category", "site", "app", "barrier", "config", "stop", "device")
AUTOMATIC = ("config", "stop", "device")  # holds that apply themselves once the wait is over


class CooldownError(UserError):
    """A request that cannot be granted; the message is for the person."""


@dataclass(frozen=True, slots=True)
class Hold:
    id: int
    kind: str  # person | category | site | config | stop
    name: str  # alias, category, site, or a short description
    requested: float  # wall clock, for display and the 24-hour counts
    needed: float  # seconds to wait
    waited: float = 0.0  # seconds credited so far (monotonic, while running)
    state: str = "waiting"
    reason: str | None = None
    urge_id: int | None = None
    window: float = 0.0
    opened: float | None = None  # wall clock when the window opened
    window_used: float = 0.0  # seconds of the window gone (monotonic)
    payload: str | None = None  # the pending config text for kind "config"
    back: str | None = None  # the address to return to when the window opens

    @property
    def remaining(self) -> float:
        return max(0.0, self.needed - self.waited)

    @property
    def target(self) -> tuple[str, str]:
        return self.kind, self.name

    @property
    def active(self) -> bool:
        return self.state in ("waiting", "ready", "open")


class Cooldowns:
    def __init__(self, settings: Cooldown | None = None, holds: list[Hold] = (),
                 monotonic: Callable[[], float] = time.monotonic, wall: Callable[[], float] = time.time,
                 on_change: Callable[[Hold, str], None] | None = None, next_id: int = 1,
                 opened: tuple[float, ...] = ()):
        """`next_id` and `opened` come from the commitment record, which outlives the log: a request's
        number is never given twice (a token for an old one never fits a new one), and windows opened
        in the last day still count when the log lost their requests."""
        self.settings = settings or Cooldown()  # the config's section, as it is in force
        self._monotonic, self._wall = monotonic, wall
        self._last = monotonic()
        self._on_change = on_change or (lambda hold, step: None)
        # A window never survives a restart: closing is always safe.
        self.holds: dict[int, Hold] = {}
        for hold in holds:
            if hold.state == "open":
                hold = replace(hold, state="expired")
                self._on_change(hold, "expired")
            self.holds[hold.id] = hold
        self._next_id = max(next_id, max(self.holds, default=0) + 1)
        self._opened_before = tuple(opened)

    # --- time ------------------------------------------------------------

    def tick(self) -> list[Hold]:
        """Credit the time since the last tick; return the holds whose state changed."""
        now = self._monotonic()
        elapsed = max(0.0, now - self._last)
        self._last = now
        changed = []
        for hold in list(self.holds.values()):
            if hold.state == "waiting":
                hold = replace(hold, waited=min(hold.needed, hold.waited + elapsed))
                if hold.remaining <= 0:
                    hold = replace(hold, state="ready")
                    changed.append(self._set(hold, "ready"))
                else:
                    self.holds[hold.id] = hold
            elif hold.state == "open":
                hold = replace(hold, window_used=hold.window_used + elapsed)
                if hold.window_used >= hold.window:
                    changed.append(self._set(replace(hold, state="expired"), "expired"))
                else:
                    self.holds[hold.id] = hold
        return changed

    # --- asking, cancelling, opening ----------------------------------------

    def delay_for(self, kind: str, name: str) -> float:
        """The wait for a new request: the base delay, grown by the windows opened in the last day."""
        s = self.settings
        base = base_delay(s, kind, name)
        if kind in AUTOMATIC:
            return base
        opened = self.opened_since(self._wall() - DAY)
        return min(max(base, s.escalate.max), base * s.escalate.factor ** opened) if opened else base

    def longer_because(self, kind: str, name: str, wait: float) -> str | None:
        """Why `wait` is longer than the one configured for this target, in words for the person; None when it
        is not (only the windows opened in the last day make it so)."""
        return longer_because(self.settings, kind, name, wait)

    def opened_since(self, since: float) -> int:
        from_holds = [h.opened for h in self.holds.values() if h.opened is not None]
        only_recorded = Counter(self._opened_before) - Counter(from_holds)
        return sum(1 for moment in from_holds if moment >= since) + sum(
            count for moment, count in only_recorded.items() if moment >= since)

    def windows_left_today(self) -> int | None:
        if self.settings.daily_limit is None:
            return None
        return max(0, self.settings.daily_limit - self.opened_since(self._wall() - DAY))

    def request(self, kind: str, name: str, reason: str | None = None, urge_id: int | None = None,
                payload: str | None = None, back: str | None = None) -> Hold:
        if kind not in KINDS:
            raise CooldownError(f"unknown kind of target {kind!r}")
        self.tick()
        for hold in self.holds.values():
            if hold.target == (kind, name) and hold.active and kind != "config":
                return hold  # asking twice does not restart the wait
        if kind not in AUTOMATIC and self.windows_left_today() == 0:
            raise CooldownError("Today's windows are used up. Stepping away is still open to you, any time.")
        if kind == "config":  # a newer loosening replaces the one waiting
            for hold in list(self.holds.values()):
                if hold.kind == "config" and hold.active:
                    self._set(replace(hold, state="cancelled"), "replaced")
        hold = Hold(self._next_id, kind, name, self._wall(), self.delay_for(kind, name), reason=reason,
                    urge_id=urge_id, window=self.settings.window, payload=payload, back=back)
        self._next_id += 1
        return self._set(hold, "requested")

    def cancel(self, hold_id: int) -> Hold:
        hold = self._get(hold_id)
        if hold.state not in ("waiting", "ready", "open"):
            raise CooldownError(f"request {hold_id} is already {hold.state}")
        return self._set(replace(hold, state="cancelled" if hold.state != "open" else "expired"), "cancelled")

    def open(self, hold_id: int) -> Hold:
        """Open the window of a ready request (the person confirmed once more)."""
        self.tick()
        hold = self._get(hold_id)
        if hold.kind in AUTOMATIC:
            raise CooldownError("this request applies by itself when its wait is over")
        if hold.state == "waiting":
            minutes = int(hold.remaining // 60) + 1
            raise CooldownError(f"there are still about {plural(minutes, 'minute')} to wait")
        if hold.state != "ready":
            raise CooldownError(f"request {hold_id} is {hold.state}")
        if self.windows_left_today() == 0:
            raise CooldownError("Today's windows are used up. Stepping away is still open to you, any time.")
        return self._set(replace(hold, state="open", opened=self._wall(), window_used=0.0), "opened")

    def revise(self, hold_id: int, name: str, payload: str) -> Hold:
        """A waiting looser config saved again, no looser than before: the new text waits on in its place, with
        the time already waited (an unrelated save does not start the wait over)."""
        hold = self._get(hold_id)
        if hold.kind != "config" or hold.state not in ("waiting", "ready"):
            raise CooldownError(f"request {hold_id} is not a looser config waiting")
        return self._set(replace(hold, name=name, payload=payload), "revised")

    def finish(self, hold_id: int) -> Hold:
        """An automatic hold (config, stop) has been applied."""
        return self._set(replace(self._get(hold_id), state="expired"), "applied")

    def is_open(self, kind: str, name: str) -> bool:
        self.tick()
        return any(h.state == "open" and h.target == (kind, name) for h in self.holds.values())

    def active(self) -> list[Hold]:
        self.tick()
        return sorted((h for h in self.holds.values() if h.active), key=lambda h: h.id)

    def _get(self, hold_id: int) -> Hold:
        try:
            return self.holds[hold_id]
        except KeyError:
            raise CooldownError(f"there is no request {hold_id}") from None

    def _set(self, hold: Hold, step: str) -> Hold:
        self.holds[hold.id] = hold
        self._on_change(hold, step)
        return hold


def base_delay(settings: Cooldown, kind: str, name: str) -> float:
    """The wait configured for a target: its own (`delays`) where it has one, else the general one."""
    return settings.delays.get(name, settings.delay) if kind in ("person", "category", "app", "barrier") \
        else settings.delay


def longer_because(settings: Cooldown, kind: str, name: str, wait: float) -> str | None:
    """Why `wait` is longer than the one configured, in words; None when it is not."""
    usual = base_delay(settings, kind, name)
    if wait < usual + 30:  # what rounds to the same minute is the same wait
        return None
    return (f"It is longer than your usual {plural(max(1, round(usual / 60)), 'minute')}: the wait grows with "
            "each window opened in the last 24 hours.")
