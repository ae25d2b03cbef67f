"""Provider outcomes counted in the ``Store``, so ``/health`` shows what every worker saw."""

from __future__ import annotations

from .base import Store

WINDOW = 3600.0


class HealthBook:
    """Successes and failures per provider within the current hour's window."""

    def __init__(self, store: Store) -> None:
        self.store = store

    async def record(self, provider: str, ok: bool) -> None:
        await self.store.incr(f"health:{provider}:{'ok' if ok else 'fail'}", WINDOW)

    async def counts(self, provider: str) -> dict[str, int]:
        return {
            "successes": await self.store.count(f"health:{provider}:ok"),
            "failures": await self.store.count(f"health:{provider}:fail"),
        }


__all__ = ["HealthBook"]
