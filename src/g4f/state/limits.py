"""Rate limits kept in a ``Store``, so every worker and instance counts together.

A token bucket (GCRA): ``limit`` requests at once, then one more each ``period / limit`` seconds;
no window boundary lets twice the limit through. Each check is one atomic store call. When the
store is down the limit is not enforced (fail open): answering matters more than counting, and
the outage is logged once by the store, not per request.
"""

from __future__ import annotations

import math
from collections.abc import Coroutine, Generator
from typing import Any

from ..errors import RateLimitError
from .base import Store, StoreUnavailableError


class RateCheck:
    """One request's check, begun (``RateLimiter.begin``): await it for the verdict, or ``close()``
    it when the request failed first."""

    __slots__ = ("call", "limit", "window")

    def __init__(self, call: Coroutine[Any, Any, float] | None, limit: int, window: float) -> None:
        self.call, self.limit, self.window = call, limit, window

    def __await__(self) -> Generator[Any, None, None]:
        return self._verdict().__await__()

    async def _verdict(self) -> None:
        if self.call is None:
            return
        try:
            wait = await self.call
        except StoreUnavailableError:
            return
        if wait > 0:
            retry_after = max(1, math.ceil(wait))
            raise RateLimitError(
                f"Rate limit of {self.limit} requests per {self.window:g}s reached; retry in {retry_after}s.",
                retry_after=retry_after,
            )

    def close(self) -> None:
        if self.call is not None:
            self.call.close()


class RateLimiter:
    def __init__(self, store: Store, limit: int, window: float = 60.0) -> None:
        self.store = store
        self.limit = limit
        self.window = window

    def begin(self, client: str, limit: int | None = None) -> RateCheck:
        """Count one request of ``client`` (against ``limit`` if given, else the default), the store
        call begun now where the store can, so that it travels while the caller reads the request.
        Awaiting the check raises ``RateLimitError`` (with ``retry_after``) past the limit. 0 is unlimited."""
        limit = self.limit if limit is None else limit
        if limit <= 0:
            return RateCheck(None, limit, self.window)
        return RateCheck(self.store.throttle_soon("rate:" + client, limit, self.window), limit, self.window)

    async def hit(self, client: str, limit: int | None = None) -> None:
        """``begin`` and await at once."""
        await self.begin(client, limit)


__all__ = ["RateLimiter", "RateCheck"]
