"""``memory://``: state in this process only (the default; one worker)."""

from __future__ import annotations

import time
from collections import OrderedDict

from .base import Store


class MemoryStore(Store):
    def __init__(self, url: str = "memory://") -> None:
        self.url = url
        self._data: dict[str, tuple[bytes, float | None]] = {}
        self._groups: dict[str, OrderedDict[str, None]] = {}
        self._counters: dict[str, tuple[int, float]] = {}

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
        await self.set(key, value, ttl)
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
        if len(self._counters) > 100_000:  # forget finished windows now and then
            self._counters = {k: v for k, v in self._counters.items() if v[1] > now}
        return count, reset - now

    async def count(self, key: str) -> int:
        count, reset = self._counters.get(key, (0, 0.0))
        return count if reset > time.monotonic() else 0


__all__ = ["MemoryStore"]
