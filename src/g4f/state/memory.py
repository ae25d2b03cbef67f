"""``memory://``: state in this process only (the default; one worker)."""

from __future__ import annotations

import time
from collections import OrderedDict

from .base import Store, gcra

#: Past this many rate-limit or lock entries, the finished ones are dropped.
SWEEP_AT = 100_000


class MemoryStore(Store):
    def __init__(self, url: str = "memory://") -> None:
        self.url = url
        self._data: dict[str, tuple[bytes, float | None]] = {}
        self._groups: dict[str, OrderedDict[str, None]] = {}
        self._counters: dict[str, tuple[int, float]] = {}
        self._rates: dict[str, float] = {}
        self._locks: dict[str, tuple[str, float]] = {}

    async def get(self, key: str) -> bytes | None:
        item = self._data.get(key)
        if item is None:
            return None
        value, expires = item
        if expires is not None and expires <= time.monotonic():
            del self._data[key]
            return None
        return value

    async def set(self, key: str, value: bytes, ttl: float | None = None) -> None:
        self._data[key] = (value, time.monotonic() + ttl if ttl else None)

    async def delete(self, key: str) -> None:
        self._data.pop(key, None)

    async def put_bounded(self, group: str, key: str, value: bytes, limit: int, ttl: float | None = None) -> None:
        # No await inside: one step for the event loop, so atomic.
        self._data[key] = (value, time.monotonic() + ttl if ttl else None)
        keys = self._groups.setdefault(group, OrderedDict())
        keys[key] = None
        keys.move_to_end(key)
        while len(keys) > limit:
            old, _ = keys.popitem(last=False)
            self._data.pop(old, None)

    async def incr(self, key: str, window: float, amount: int = 1) -> tuple[int, float]:
        now = time.monotonic()
        count, reset = self._counters.get(key, (0, 0.0))
        if reset <= now:
            count, reset = 0, now + window
        count += amount
        self._counters[key] = (count, reset)
        if len(self._counters) > SWEEP_AT:  # forget finished windows now and then
            self._counters = {k: v for k, v in self._counters.items() if v[1] > now}
        return count, reset - now

    async def count(self, key: str) -> int:
        count, reset = self._counters.get(key, (0, 0.0))
        return count if reset > time.monotonic() else 0

    async def throttle(self, key: str, limit: int, period: float) -> float:
        now = time.monotonic()
        wait, tat = gcra(self._rates.get(key), now, limit, period)
        if tat is not None:
            self._rates[key] = tat
            if len(self._rates) > SWEEP_AT:  # a bucket back to full is the same as none
                self._rates = {k: v for k, v in self._rates.items() if v > now}
        return wait

    async def claim(self, key: str, value: bytes, ttl: float | None = None) -> bytes:
        current = await self.get(key)
        if current is None or current == value:
            self._data[key] = (value, time.monotonic() + ttl if ttl else None)
            return value
        return current

    async def acquire(self, key: str, token: str, ttl: float) -> bool:
        now = time.monotonic()
        held = self._locks.get(key)
        if held is not None and held[1] > now:
            return False
        self._locks[key] = (token, now + ttl)
        if len(self._locks) > SWEEP_AT:
            self._locks = {k: v for k, v in self._locks.items() if v[1] > now}
        return True

    async def release(self, key: str, token: str) -> None:
        held = self._locks.get(key)
        if held is not None and held[0] == token:
            del self._locks[key]


__all__ = ["MemoryStore"]
