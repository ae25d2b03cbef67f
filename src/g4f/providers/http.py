"""Outbound HTTP: one pooled aiohttp session per event loop, shared by every provider."""

from __future__ import annotations

import asyncio
import weakref
from typing import Any

_sessions: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Any] = weakref.WeakKeyDictionary()


def get_session() -> Any:
    """The ``aiohttp.ClientSession`` of the running loop, created on first use."""
    loop = asyncio.get_running_loop()
    session = _sessions.get(loop)
    if session is None or session.closed:
        import aiohttp

        connector = aiohttp.TCPConnector(limit=0, limit_per_host=0, ttl_dns_cache=300, enable_cleanup_closed=True)
        session = aiohttp.ClientSession(
            connector=connector,
            # Per-request timeouts are set by the caller; the session has none of its own.
            timeout=aiohttp.ClientTimeout(total=None),
            auto_decompress=True,
            trust_env=False,
        )
        _sessions[loop] = session
    return session


async def close_session() -> None:
    """Close the running loop's session (server shutdown, tests)."""
    loop = asyncio.get_running_loop()
    session = _sessions.pop(loop, None)
    if session is not None and not session.closed:
        await session.close()


__all__ = ["get_session", "close_session"]
