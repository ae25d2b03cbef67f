"""Deadlines and disconnect watching for chat requests, with no timer per request.

A chat request needs three clocks: the deadline for its answer, the longest silence allowed
between streamed chunks, and a watch on the connection so that a client who leaves cancels the
upstream call. A loop timer (``asyncio.timeout``, ``call_later``) per clock per request cost more
than the rest of the server's own work, so each request instead registers a ``Guard`` with its
event loop's ``Sweeper``: one callback every ``PERIOD`` seconds, and only while requests are in
flight, checks every guard. Deadlines are therefore kept to within ``PERIOD``, and a request that
answers within ``PERIOD`` never starts a watching task.
"""

from __future__ import annotations

import asyncio
import weakref
from typing import Any

from starlette.types import Receive

PERIOD = 0.05


class Guard:
    """The clocks of one request, run by the handling task; used as ``with guard:``."""

    __slots__ = ("sweeper", "task", "receive", "born", "deadline", "seconds", "watcher", "fired")

    def __init__(self, receive: Receive) -> None:
        self.sweeper = sweeper()
        self.task = asyncio.current_task()
        self.receive = receive
        self.born = self.sweeper.loop.time()
        self.deadline: float | None = None
        self.seconds: float | None = None
        self.watcher: asyncio.Task | None = None
        #: Why the guard cancelled the task: "gone" (the client left) or "timeout".
        self.fired: str | None = None

    def __enter__(self) -> Guard:
        self.sweeper.guards.add(self)
        self.sweeper.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.sweeper.guards.discard(self)
        if self.watcher is not None:
            self.watcher.cancel()

    def limit(self, seconds: float | None) -> Limit:
        """``async with guard.limit(s)``: ``TimeoutError`` unless the block ends within ``s`` seconds (None: no limit)."""
        return Limit(self, seconds)

    def renew(self) -> None:
        """Start the current limit's seconds again (the gap between streamed chunks)."""
        if self.seconds is not None:
            self.deadline = self.sweeper.loop.time() + self.seconds

    def _check(self, now: float) -> None:
        if self.deadline is not None and now >= self.deadline and self.fired is None:
            self._cancel("timeout")
        elif self.watcher is None and now - self.born >= PERIOD:
            self.watcher = asyncio.ensure_future(self._watch())

    def _cancel(self, why: str) -> None:
        self.fired = why
        if self.task is not None:
            self.task.cancel()

    async def _watch(self) -> None:
        while (await self.receive())["type"] != "http.disconnect":
            pass
        if self.fired is None:
            self._cancel("gone")

    def absorb(self) -> bool:
        """After a ``CancelledError``: True when this guard sent it because the client left (nothing more to do)."""
        if self.fired != "gone":
            return False
        if hasattr(self.task, "uncancel"):
            self.task.uncancel()
        return True


class Limit:
    """The deadline of one block: a guard's cancel inside it becomes ``TimeoutError``, as with ``asyncio.timeout``."""

    __slots__ = ("guard", "seconds")

    def __init__(self, guard: Guard, seconds: float | None) -> None:
        self.guard, self.seconds = guard, seconds

    async def __aenter__(self) -> None:
        guard = self.guard
        guard.seconds = self.seconds
        guard.deadline = None if self.seconds is None else guard.sweeper.loop.time() + self.seconds

    async def __aexit__(self, exc_type: Any, error: BaseException | None, tb: Any) -> None:
        guard = self.guard
        guard.deadline = guard.seconds = None
        if exc_type is asyncio.CancelledError and guard.fired == "timeout":
            guard.fired = None
            if hasattr(guard.task, "uncancel"):
                guard.task.uncancel()
            raise TimeoutError from error


class Sweeper:
    """Checks the guards of one event loop every ``PERIOD`` seconds while any is registered."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.guards: set[Guard] = set()
        self.handle: asyncio.TimerHandle | None = None

    def start(self) -> None:
        if self.handle is None:
            self.handle = self.loop.call_later(PERIOD, self._sweep)

    def _sweep(self) -> None:
        self.handle = None
        now = self.loop.time()
        for guard in list(self.guards):
            guard._check(now)
        if self.guards:
            self.start()


_sweepers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Sweeper] = weakref.WeakKeyDictionary()


def sweeper() -> Sweeper:
    """The running loop's sweeper."""
    loop = asyncio.get_running_loop()
    found = _sweepers.get(loop)
    if found is None:
        found = _sweepers[loop] = Sweeper(loop)
    return found


__all__ = ["Guard", "Limit", "Sweeper", "PERIOD"]
