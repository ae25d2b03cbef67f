"""The store interface every backend implements: a few async key-value operations, values as bytes."""

from __future__ import annotations

from abc import ABC, abstractmethod


class Store(ABC):
    """Shared state of the server (conversations, rate limits, health).

    Backends: ``memory://`` (one process), ``sqlite:///path`` (one host, several workers),
    ``redis://host:port/db`` (several hosts). Keys are plain strings; each backend namespaces them.
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
        """``set`` that also keeps at most ``limit`` keys in ``group``, evicting the least recently written."""

    @abstractmethod
    async def incr(self, key: str, window: float, amount: int = 1) -> tuple[int, float]:
        """Count ``amount`` hits in the fixed window of ``key``: (hits so far, seconds until the window resets)."""

    @abstractmethod
    async def count(self, key: str) -> int:
        """The hits of ``key``'s current window (0 when none), without counting one."""

    async def ping(self) -> bool:
        return True

    async def close(self) -> None:
        return None


__all__ = ["Store"]
