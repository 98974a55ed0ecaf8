"""A private D-Bus session bus and a small org.freedesktop.Notifications service that records what it receives.

Used by the notification tests so that plyer's real Linux path (notify-send
over D-Bus) delivers to something we can read, without any desktop.
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import threading

from dbus_fast import BusType  # noqa: F401  (kept for readers: a session-type bus, by address)
from dbus_fast.aio import MessageBus
from dbus_fast.service import ServiceInterface, method


class Notifications(ServiceInterface):
    def __init__(self, received: list):
        super().__init__("org.freedesktop.Notifications")
        self.received = received

    @method()
    def Notify(self, app_name: "s", replaces_id: "u", app_icon: "s", summary: "s", body: "s",
               actions: "as", hints: "a{sv}", expire_timeout: "i") -> "u":
        self.received.append({"app": app_name, "summary": summary, "body": body})
        return len(self.received)

    @method()
    def GetCapabilities(self) -> "as":
        return ["body"]

    @method()
    def GetServerInformation(self) -> "ssss":
        return ["nocontact-test", "nocontact", "1", "1.2"]

    @method()
    def CloseNotification(self, notification_id: "u"):
        pass


class PrivateSession:
    """`dbus-daemon --session` on a private address, with the recording service on it."""

    def __init__(self):
        self.received: list[dict] = []
        self.daemon = subprocess.Popen(
            [shutil.which("dbus-daemon"), "--session", "--nofork", "--nopidfile", "--print-address=1"],
            stdout=subprocess.PIPE, text=True,
        )
        self.address = self.daemon.stdout.readline().strip()
        self._loop = asyncio.new_event_loop()
        ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, args=(ready,), daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("the test notification service did not start")

    def _serve(self, ready: threading.Event) -> None:
        asyncio.set_event_loop(self._loop)

        async def main():
            bus = await MessageBus(bus_address=self.address).connect()
            bus.export("/org/freedesktop/Notifications", Notifications(self.received))
            await bus.request_name("org.freedesktop.Notifications")
            ready.set()
            await asyncio.Event().wait()

        try:
            self._loop.run_until_complete(main())
        except RuntimeError:
            pass  # the loop was stopped

    def close(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self.daemon.terminate()
        self.daemon.wait(5)
