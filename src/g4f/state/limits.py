"""Fixed-window rate limits kept in a ``Store``, so every worker and instance counts together."""

from __future__ import annotations

import math

from ..errors import RateLimitError
from .base import Store


class RateLimiter:
    def __init__(self, store: Store, limit: int, window: float = 60.0) -> None:
        self.store = store
        self.limit = limit
        self.window = window

    async def hit(self, client: str) -> None:
        """Count one request of ``client``; ``RateLimitError`` (with ``retry_after``) past the limit."""
        count, reset_in = await self.store.incr(f"rate:{client}", self.window)
        if count > self.limit:
            retry_after = max(1, math.ceil(reset_in))
            raise RateLimitError(
                f"Rate limit of {self.limit} requests per {self.window:g}s reached; retry in {retry_after}s.",
                retry_after=retry_after,
            )


__all__ = ["RateLimiter"]
