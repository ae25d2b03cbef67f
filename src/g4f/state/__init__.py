"""Shared server state behind one small async interface, the backend chosen by URL.

``memory://`` (default, one process), ``sqlite:///path`` (one host, several workers) or
``redis://host:port/db`` (several hosts behind a load balancer).
"""

from __future__ import annotations

from .base import Store, StoreUnavailableError
from .conversations import ConversationBusyError, ConversationNotFoundError, Conversations
from .limits import RateLimiter


def open_store(url: str | None = None) -> Store:
    """The store for ``url``; ``ValueError`` for an unknown scheme."""
    url = url or "memory://"
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    if scheme == "memory":
        from .memory import MemoryStore

        return MemoryStore(url)
    if scheme == "sqlite":
        from .sqlite import SQLiteStore

        return SQLiteStore(url)
    if scheme in ("redis", "rediss", "unix"):
        from .redis import RedisStore

        return RedisStore(url)
    raise ValueError(f"Unknown state URL {url!r}: use memory://, sqlite:///path or redis://host:port/db")


__all__ = [
    "Store",
    "StoreUnavailableError",
    "open_store",
    "Conversations",
    "ConversationNotFoundError",
    "ConversationBusyError",
    "RateLimiter",
]
