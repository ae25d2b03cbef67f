"""Rate limits kept in a ``Store``, so every worker and instance counts together.

A token bucket (GCRA): ``limit`` requests at once, then one more each ``period / limit`` seconds;
no window boundary lets twice the limit through. Each check is one atomic store call. When the
store is down the limit is not enforced (fail open): answering matters more than counting, and
the outage is logged once by the store, not per request.
"""

from __future__ import annotations

import math

from ..errors import RateLimitError
from .base import Store, StoreUnavailableError


class RateLimiter:
    def __init__(self, store: Store, limit: int, window: float = 60.0) -> None:
        self.store = store
        self.limit = limit
        self.window = window

    async def hit(self, client: str, limit: int | None = None) -> None:
        """Count one request of ``client`` (against ``limit`` if given, else the default);
        ``RateLimitError`` (with ``retry_after``) past the limit. 0 is unlimited."""
        limit = self.limit if limit is None else limit
        if limit <= 0:
            return
        try:
            wait = await self.store.throttle("rate:" + client, limit, self.window)
        except StoreUnavailableError:
            return
        if wait > 0:
            retry_after = max(1, math.ceil(wait))
            raise RateLimitError(
                f"Rate limit of {limit} requests per {self.window:g}s reached; retry in {retry_after}s.",
                retry_after=retry_after,
            )


__all__ = ["RateLimiter"]
