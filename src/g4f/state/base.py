"""The store interface every backend implements: a few async key-value operations, values as bytes."""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Coroutine
from typing import Any

from .. import debug
from ..errors import G4FError


class StoreUnavailableError(G4FError):
    """The state store cannot be reached; what needs it answers 503, plain chat goes on."""

    status_code = 503
    error_type = "server_error"
    code = "store_unavailable"


class Outage:
    """A store's short memory of failing: after an error, calls fail at once for ``pause`` seconds
    instead of each waiting for its own timeout (a frozen Redis must not hold every request).
    The outage and the recovery are logged once each, not per request."""

    __slots__ = ("pause", "until", "down")

    def __init__(self, pause: float = 1.0) -> None:
        self.pause = pause
        self.until = 0.0
        self.down = False

    def check(self, url: str) -> None:
        """Raise while the pause lasts; once it is over, the first caller probes and the others
        still fail at once until that probe succeeds or fails."""
        if self.until:
            now = time.monotonic()
            if now < self.until:
                raise StoreUnavailableError(f"The state store ({scheme(url)}) is unavailable.")
            self.until = now + self.pause

    def failed(self, url: str, error: BaseException) -> StoreUnavailableError:
        self.until = time.monotonic() + self.pause
        if not self.down:
            self.down = True
            debug.logger.warning("State store %s unavailable: %s", scheme(url), type(error).__name__)
        return StoreUnavailableError(f"The state store ({scheme(url)}) is unavailable.")

    def ok(self, url: str) -> None:
        self.until = 0.0
        if self.down:
            self.down = False
            debug.logger.warning("State store %s reachable again", scheme(url))


def scheme(url: str) -> str:
    """The URL's scheme only: a store URL may carry a password."""
    return url.split("://", 1)[0] + "://"


class Store(ABC):
    """Shared state of the server (conversations, rate limits, health).

    Backends: ``memory://`` (one process), ``sqlite:///path`` (one host, several workers),
    ``redis://host:port/db`` (several hosts). Keys are plain strings; each backend namespaces them.
    A backend that cannot reach its storage raises ``StoreUnavailableError``.
    """

    url: str = ""

    @abstractmethod
    async def get(self, key: str) -> bytes | None:
        """The value of ``key``, or None when missing or expired."""

    @abstractmethod
    async def set(self, key: str, value: bytes, ttl: float | None = None) -> None:
        """Store ``value`` under ``key``, expiring after ``ttl`` seconds when given."""

    @abstractmethod
    async def delete(self, key: str) -> None: ...

    @abstractmethod
    async def put_bounded(self, group: str, key: str, value: bytes, limit: int, ttl: float | None = None) -> None:
        """``set`` that also keeps at most ``limit`` keys in ``group``, evicting the least recently
        written, in one atomic step (concurrent writers never evict more than needed)."""

    @abstractmethod
    async def incr(self, key: str, window: float, amount: int = 1) -> tuple[int, float]:
        """Count ``amount`` hits in the fixed window of ``key``: (hits so far, seconds until the window resets)."""

    @abstractmethod
    async def count(self, key: str) -> int:
        """The hits of ``key``'s current window (0 when none), without counting one."""

    @abstractmethod
    async def throttle(self, key: str, limit: int, period: float) -> float:
        """One request against ``limit`` per ``period`` seconds for ``key`` (GCRA, a token bucket
        of ``limit`` tokens refilled evenly), atomically: 0.0 when allowed (and counted), else the
        seconds until one more would be allowed (and nothing counted)."""

    def throttle_soon(self, key: str, limit: int, period: float) -> Coroutine[Any, Any, float]:
        """``throttle``, begun now where the backend can (Redis writes its command at once, so the
        round trip overlaps the caller's own work until it awaits); else begun when awaited. A caller
        that no longer wants the answer closes the coroutine."""
        return self.throttle(key, limit, period)

    @abstractmethod
    async def claim(self, key: str, value: bytes, ttl: float | None = None) -> bytes:
        """Store ``value`` under ``key`` unless another live value is there, atomically; the value
        there afterwards. Claiming again with the same value renews its ``ttl``."""

    @abstractmethod
    async def acquire(self, key: str, token: str, ttl: float) -> bool:
        """Take the lock ``key`` for ``token`` unless another holds it; it lapses after ``ttl`` seconds."""

    @abstractmethod
    async def release(self, key: str, token: str) -> None:
        """Give the lock ``key`` back, if ``token`` still holds it."""

    async def ping(self) -> bool:
        return True

    async def close(self) -> None:
        return None


def gcra(tat: float | None, now: float, limit: int, period: float) -> tuple[float, float | None]:
    """The GCRA step shared by the in-process backends: (seconds to wait, new theoretical arrival
    time or None when refused)."""
    interval = period / limit
    new = max(tat or now, now) + interval
    over = new - now - period
    return (over, None) if over > 0 else (0.0, new)


__all__ = ["Store", "StoreUnavailableError", "Outage", "gcra", "scheme"]
