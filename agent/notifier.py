"""Gentle desktop notifications through plyer, never on the event loop.

Sending can hang or fail where no notification service runs (a server, a
locked session); the agent then says so once in its log and carries on.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor, TimeoutError

log = logging.getLogger("nocontact")

SEND_TIMEOUT = 5.0


class Notifier:
    def __init__(self, enabled: bool = True, send=None):
        self.enabled = enabled
        self._send = send or _plyer_send
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="notify")
        self._warned = False
        self._lock = threading.Lock()

    def notify(self, title: str, message: str) -> None:
        """Queue a notification; returns at once."""
        if self.enabled:
            self._pool.submit(self._deliver, title, message)

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
    from plyer import notification

    notification.notify(title=title, message=message, app_name="nocontact", timeout=8)
