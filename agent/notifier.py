"""Gentle desktop notifications through plyer, never on the event loop.

One notifier serves every source (proxy, process, guard events, cooldown
windows). At most one notification per target per `min_interval`; what comes
in between is folded into the next one. Quiet hours hold them the same way.
Sending can hang or fail where no notification service runs (a server, a
locked session); the agent then says so once in its log and carries on.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, TimeoutError

from agent.config import Notify

log = logging.getLogger("nocontact")

SEND_TIMEOUT = 5.0


def in_quiet_hours(now: dt.time, quiet: tuple[dt.time, dt.time] | None) -> bool:
    if quiet is None:
        return False
    start, end = quiet
    return start <= now < end if start <= end else now >= start or now < end


class Notifier:
    def __init__(self, enabled: bool = True, send=None, settings: Notify | None = None,
                 clock: Callable[[], float] = time.monotonic, local_time: Callable[[], dt.time] | None = None):
        self.settings = settings or Notify(enabled=enabled)  # the config's section, as it is in force
        self._send = send or _plyer_send
        self._clock = clock
        self._local_time = local_time or (lambda: dt.datetime.now().time())
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="notify")
        self._warned = False
        self._lock = threading.Lock()
        self._last: dict[str, float] = {}  # target -> when we last spoke about it
        self._folded: dict[str, int] = {}  # target -> moments held back since

    @property
    def enabled(self) -> bool:
        return self.settings.enabled

    def notify(self, title: str, message: str, target: str = "") -> bool:
        """Queue a notification (returns at once); False when it was folded into a later one."""
        if not self.settings.enabled:
            return False
        now = self._clock()
        with self._lock:
            last = self._last.get(target)
            if (last is not None and now - last < self.settings.min_interval) or in_quiet_hours(
                self._local_time(), self.settings.quiet_hours
            ):
                self._folded[target] = self._folded.get(target, 0) + 1
                return False
            self._last[target] = now
            folded = self._folded.pop(target, 0)
        if folded:
            message += f" ({folded} more moment{'s' if folded > 1 else ''} like this passed since the last note.)"
        self._pool.submit(self._deliver, title, message)
        return True

    def _deliver(self, title: str, message: str) -> None:
        # A second worker thread enforces the timeout on a send that hangs.
        worker = ThreadPoolExecutor(max_workers=1)
        try:
            worker.submit(self._send, title, message).result(timeout=SEND_TIMEOUT)
        except TimeoutError:
            self._fallback("the notification service did not answer in time")
        except Exception as err:  # plyer raises many kinds where no desktop runs
            self._fallback(str(err) or type(err).__name__)
        finally:
            worker.shutdown(wait=False)

    def _fallback(self, why: str) -> None:
        with self._lock:
            if self._warned:
                return
            self._warned = True
        log.info("Desktop notifications are not available here (%s); urges are still logged.", why)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


def _plyer_send(title: str, message: str) -> None:
    import os
    import sys
    import warnings

    if sys.platform.startswith("linux") and not (
        os.environ.get("DBUS_SESSION_BUS_ADDRESS") or os.path.exists(f"/run/user/{os.getuid()}/bus")
    ):
        # plyer would run notify-send, which fails noisily without a session bus.
        raise RuntimeError("no desktop session bus")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # plyer warns about its Linux fallbacks on every call
        from plyer import notification

        notification.notify(title=title, message=message, app_name="nocontact", timeout=8)
