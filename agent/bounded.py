"""Waiting on the event loop for work of another thread (a commit on the log's writer), for so long only.

The proxy's event loop must never hang with the disk: it waits a short while, then goes on
with what it has, and the work finishes whenever the disk answers.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import Future


async def within(future: Future, seconds: float):
    """The result of a future of another thread, waiting at most `seconds` (TimeoutError); it goes on regardless."""
    loop = asyncio.get_running_loop()
    waiter = loop.create_future()

    def settle(done: Future) -> None:
        try:
            loop.call_soon_threadsafe(_settle, done, waiter)
        except RuntimeError:
            pass  # the loop has ended meanwhile: nobody waits any more

    future.add_done_callback(settle)
    return await asyncio.wait_for(waiter, seconds)


def _settle(done: Future, waiter: asyncio.Future) -> None:
    if waiter.done():  # given up on (the wait ran out)
        return
    if done.cancelled():
        waiter.cancel()
    elif done.exception() is not None:
        waiter.set_exception(done.exception())
    else:
        waiter.set_result(done.result())
