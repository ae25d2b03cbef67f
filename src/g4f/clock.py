"""Coarse timers: all the deadlines of an event loop checked by one callback every ``PERIOD`` seconds.

A request on the hot path has several clocks: the server's deadline for the answer, the watch for a
client that leaves, the provider's total and first-byte timeouts. A loop timer for each
(``asyncio.timeout``, ``call_later``, aiohttp's ``ClientTimeout(total=...)``) costs more than the rest
of the request's own work in g4f, so each is instead an ``Alarm`` in its loop's ``Clock``: a set entry
added and removed, while one callback runs every ``PERIOD`` seconds and only while alarms are set.
Deadlines are kept to within ``PERIOD``, which is far below any timeout worth setting.
"""

from __future__ import annotations

import asyncio
import sys
import weakref
from collections.abc import Callable
from typing import Any

PERIOD = 0.05


class Alarm:
    """A deadline in its loop's ``Clock``: ``ring()`` runs once ``when`` has passed (up to ``PERIOD`` later).
    ``ticking`` is the clock's: True from ``Clock.add`` until the alarm rings or is cancelled."""

    __slots__ = ("when", "ticking")
    when: float
    ticking: bool

    def ring(self) -> None:
        raise NotImplementedError


class _Call(Alarm):
    """``Clock.call_later``'s alarm: a callback."""

    __slots__ = ("callback",)

    def __init__(self, when: float, callback: Callable[[], Any]) -> None:
        self.when, self.callback = when, callback

    def ring(self) -> None:
        self.callback()


class Clock:
    """The alarms of one event loop."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.alarms: set[Alarm] = set()
        self.handle: asyncio.TimerHandle | None = None

    def call_later(self, seconds: float, callback: Callable[[], Any]) -> Alarm:
        """Run ``callback`` ``seconds`` from now (up to ``PERIOD`` later) unless the alarm is cancelled first."""
        alarm = _Call(self.loop.time() + seconds, callback)
        self.add(alarm)
        return alarm

    def add(self, alarm: Alarm) -> None:
        """Ring ``alarm`` once its ``when`` has passed, unless cancelled first."""
        alarm.ticking = True
        self.alarms.add(alarm)
        if self.handle is None:
            self.handle = self.loop.call_later(PERIOD, self._tick)

    def cancel(self, alarm: Alarm) -> None:
        alarm.ticking = False
        self.alarms.discard(alarm)

    def _tick(self) -> None:
        self.handle = None
        now = self.loop.time()
        for alarm in [a for a in self.alarms if a.when <= now]:
            self.alarms.discard(alarm)
            alarm.ticking = False
            alarm.ring()
        if self.alarms:
            self.handle = self.loop.call_later(PERIOD, self._tick)


if sys.version_info < (3, 12):
    _running_tasks: dict = asyncio.tasks._current_tasks  # type: ignore[attr-defined]

    #: ``asyncio.current_task(loop)``, which CPython 3.11 writes in Python over this dict: the same
    #: lookup without a Python frame (the attempt loop asks once per part).
    current_task: Callable[[asyncio.AbstractEventLoop], asyncio.Task | None] = _running_tasks.get
else:
    current_task = asyncio.current_task  # in C from 3.12


_clocks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Clock] = weakref.WeakKeyDictionary()
#: The clock asked for last: a server has one loop, and a request asks several times (guard, deadlines).
#: Its loop is held only by the clock itself, so a closed loop is still collected once another asks.
_last: Clock | None = None


def get_clock() -> Clock:
    """The running loop's clock."""
    global _last
    loop = asyncio.get_running_loop()
    clock = _last
    if clock is not None and clock.loop is loop:
        return clock
    clock = _clocks.get(loop)
    if clock is None:
        clock = _clocks[loop] = Clock(loop)
    _last = clock
    return clock


#: An alarm's ``when`` while parked: it never comes.
NEVER = float("inf")


class Watch(Alarm):
    """An alarm that cancels a task whose wait lasts too long, moved rather than made anew between
    waits: ``arm(seconds)`` before a wait, ``park()`` after it (the time between waits is not
    counted), ``stop()`` at the end. After a ``CancelledError``, ``timed_out()`` says whether this
    watch sent it, and takes it back (then the caller raises its own timeout error).

    A hot loop may move it by writing ``when`` and ``task`` itself (the attempt loop does, per part)."""

    __slots__ = ("clock", "task", "fired")

    def __init__(self) -> None:
        self.clock = clock = get_clock()
        self.when = NEVER  # parked until the first wait
        self.task: asyncio.Task | None = None
        self.fired = False
        clock.add(self)

    def arm(self, seconds: float) -> None:
        loop = self.clock.loop
        self.task = current_task(loop)  # a sync caller's bridge may step each wait in a new task
        self.when = loop.time() + seconds
        if not self.ticking:  # it rang or was stopped: back in the clock
            self.clock.add(self)

    def park(self) -> None:
        self.when = NEVER

    def stop(self) -> None:
        self.clock.cancel(self)

    def ring(self) -> None:
        self.fired = True
        if self.task is not None:
            self.task.cancel()

    def timed_out(self) -> bool:
        if not self.fired:
            return False
        self.fired = False
        take_back(self.task)
        return True


def take_back(task: asyncio.Task | None) -> None:
    """Withdraw one cancellation this module's alarm (or the guard) sent ``task``, once it has been
    answered: from 3.11 a task counts its cancellations, and ``asyncio.timeout`` relies on the count."""
    if task is not None and hasattr(task, "uncancel"):
        task.uncancel()


class deadline:  # noqa: N801 - used like asyncio.timeout
    """``async with deadline(seconds)``: ``TimeoutError`` when the block runs longer (``None``: no limit).

    Like ``asyncio.timeout``: the task is cancelled at the deadline and the cancellation becomes
    ``TimeoutError`` as it leaves the block; one the task got for another reason passes through.
    """

    __slots__ = ("seconds", "watch")

    def __init__(self, seconds: float | None) -> None:
        self.seconds = seconds
        self.watch: Watch | None = None

    async def __aenter__(self) -> deadline:
        if self.seconds is not None:
            self.watch = Watch()
            self.watch.arm(self.seconds)
        return self

    def renew(self) -> None:
        """Count the seconds again from now (the longest silence between streamed chunks)."""
        if self.watch is not None and self.watch.ticking:
            self.watch.arm(self.seconds)  # type: ignore[arg-type]

    async def __aexit__(self, exc_type: Any, error: BaseException | None, tb: Any) -> None:
        watch = self.watch
        if watch is not None:
            watch.stop()
            if exc_type is asyncio.CancelledError and watch.timed_out():
                raise asyncio.TimeoutError from error


__all__ = ["Clock", "Alarm", "Watch", "NEVER", "get_clock", "current_task", "take_back", "deadline", "PERIOD"]
