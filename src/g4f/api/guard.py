"""The watch on a chat request's connection: a client that leaves cancels the upstream call.

The watching task starts only once the request has run for ``PERIOD`` seconds (an alarm of the loop's
coarse ``Clock``, not a timer of its own): most answers come sooner, and a watching task per request
cost more than the rest of the server's work. A client that leaves is noticed within about twice
``PERIOD``. The request's deadlines are ``g4f.clock.deadline`` blocks, on the same clock.
"""

from __future__ import annotations

import asyncio

from starlette.types import Receive

from ..clock import PERIOD, Alarm, current_task, get_clock, take_back


class Guard(Alarm):
    """``guard = Guard(receive)`` ... ``guard.close()``: in between, the current task is cancelled if
    the client leaves. The guard is its own alarm in the clock (no alarm object or bound callback per
    request), and not a context manager (``__enter__`` would be one call more)."""

    __slots__ = ("clock", "task", "receive", "watcher", "gone")

    def __init__(self, receive: Receive) -> None:
        self.clock = clock = get_clock()
        loop = clock.loop
        self.task = current_task(loop)
        self.receive = receive
        self.watcher: asyncio.Task | None = None
        self.gone = False
        self.when = loop.time() + PERIOD
        clock.add(self)

    def close(self) -> None:
        self.clock.cancel(self)
        if self.watcher is not None:
            self.watcher.cancel()

    def ring(self) -> None:
        """``PERIOD`` after the start: from now on, watch the connection."""
        self.watcher = asyncio.ensure_future(self._watch())

    async def _watch(self) -> None:
        while (await self.receive())["type"] != "http.disconnect":
            pass
        self.gone = True
        if self.task is not None:
            self.task.cancel()

    def absorb(self) -> bool:
        """After a ``CancelledError``: True when this guard sent it because the client left (nothing more to do)."""
        if not self.gone:
            return False
        take_back(self.task)
        return True


__all__ = ["Guard"]
