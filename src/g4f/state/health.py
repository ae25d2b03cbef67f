"""Provider outcomes counted in the ``Store``, so ``/v1/providers/{name}`` shows what every worker saw.

Outcomes are noted in process (a dict increment on the request path) and written to the store at
most once a second, in one background task.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter

from .base import Store, StoreUnavailableError

WINDOW = 3600.0


class HealthBook:
    """Successes and failures per provider within the current hour's window."""

    def __init__(self, store: Store, flush_every: float = 1.0) -> None:
        self.store = store
        self.flush_every = flush_every
        self._pending: Counter[tuple[str, bool]] = Counter()
        self._last = 0.0
        self._task: asyncio.Task | None = None

    @staticmethod
    def _key(provider: str, ok: bool) -> str:
        return f"health:{provider}:{'ok' if ok else 'fail'}"

    def note(self, provider: str, ok: bool) -> None:
        """Count one outcome; cheap, and never waits for the store."""
        self._pending[provider, ok] += 1
        if self._task is None and time.monotonic() - self._last >= self.flush_every:
            self._task = asyncio.ensure_future(self._flush_soon())

    async def _flush_soon(self) -> None:
        try:
            await asyncio.sleep(0)  # let the request that noted it finish first
            await self.flush()
        except StoreUnavailableError:
            pass  # counts of a store outage are lost; the store logs the outage once
        finally:
            self._task = None

    async def flush(self) -> None:
        self._last = time.monotonic()
        pending, self._pending = self._pending, Counter()
        for (provider, ok), amount in pending.items():
            await self.store.incr(self._key(provider, ok), WINDOW, amount)

    async def record(self, provider: str, ok: bool) -> None:
        self.note(provider, ok)
        await self.flush()

    async def counts(self, provider: str) -> dict[str, int]:
        await self.flush()
        return {
            "successes": await self.store.count(self._key(provider, True)),
            "failures": await self.store.count(self._key(provider, False)),
        }


__all__ = ["HealthBook"]
