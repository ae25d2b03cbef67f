"""Outbound HTTP sessions: one pooled session per event loop, shared by every provider (the lean
HTTP/1.1 client of ``http1_session``, which hands aiohttp what it does not do), or the caller's own
aiohttp session (``http_client=``).

``http_client`` is an ``aiohttp.ClientSession`` (used as it is, on the loop it belongs to) or a
function returning one, called once per event loop that makes requests (the sync ``Client`` runs
its calls on a loop of its own, so it needs the function). Sessions made by such a function are
closed with the pooled one (``close_session``); a session passed in is the caller's to close.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable
from typing import Any

from ..errors import InvalidRequestError

_sessions: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Any] = weakref.WeakKeyDictionary()
# The last loop asked for (weakly) and its pooled session: most calls come from one loop, and this is
# one lookup where the weak dictionary's is a Python call.
_last: tuple[Callable[[], Any], Any] = (lambda: None, None)
# Sessions made by callers' functions, per loop: {function: session}.
_made: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[Callable[[], Any], Any]] = weakref.WeakKeyDictionary()


def get_session(http_client: Any = None) -> Any:
    """The session for a request on the running loop: the caller's (``http_client``), else the pooled one
    (``http1_session.Http1Session``: the lean HTTP/1.1 client, aiohttp for what it does not do)."""
    global _last
    if http_client is not None:
        return _callers_session(http_client)
    loop = asyncio.get_running_loop()
    last_loop, session = _last
    if last_loop() is loop and not session.closed:
        return session
    session = _sessions.get(loop)
    if session is None or session.closed:
        from .http1_session import Http1Session

        session = _sessions[loop] = Http1Session(_pooled_aiohttp)
    _last = (weakref.ref(loop), session)
    return session


def _pooled_aiohttp() -> Any:
    """The loop's pooled aiohttp session (made by the lean session when a request needs aiohttp)."""
    import aiohttp

    connector = aiohttp.TCPConnector(limit=0, limit_per_host=0, ttl_dns_cache=300, enable_cleanup_closed=True)
    return aiohttp.ClientSession(
        connector=connector,
        # Per-request timeouts are set by the caller; the session has none of its own.
        timeout=aiohttp.ClientTimeout(total=None),
        auto_decompress=True,
        trust_env=False,
    )


def _callers_session(http_client: Any) -> Any:
    import aiohttp

    loop = asyncio.get_running_loop()
    if isinstance(http_client, aiohttp.ClientSession):
        owner = getattr(http_client, "_loop", loop)
        if owner is not loop:
            raise InvalidRequestError(
                "http_client belongs to another event loop; pass a function returning a session instead "
                "(g4f calls it on the loop that makes the request).",
                param="http_client",
            )
        return http_client
    if not callable(http_client):
        raise InvalidRequestError(
            "http_client must be an aiohttp.ClientSession or a function returning one.", param="http_client"
        )
    made = _made.setdefault(loop, {})
    session = made.get(http_client)
    if session is None or session.closed:
        session = made[http_client] = http_client()
    return session


async def close_session() -> None:
    """Close the running loop's pooled session and the sessions made for it (server shutdown, tests)."""
    global _last
    loop = asyncio.get_running_loop()
    _last = (lambda: None, None)
    sessions = [_sessions.pop(loop, None), *_made.pop(loop, {}).values()]
    for session in sessions:
        if session is not None and not session.closed:
            await session.close()


__all__ = ["get_session", "close_session"]
