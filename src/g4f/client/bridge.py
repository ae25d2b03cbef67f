"""The one sync bridge: a background event loop in a daemon thread, shared by the process.

Sync callers submit coroutines and async generators to it, so the sync API works even when the
caller already runs an event loop (Jupyter, an ``async def``), with no nest_asyncio and no new loop
per call or per chunk.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Coroutine, Iterator
from typing import Any, TypeVar

T = TypeVar("T")

_loop: asyncio.AbstractEventLoop | None = None
_thread: threading.Thread | None = None
_lock = threading.Lock()


def get_loop() -> asyncio.AbstractEventLoop:
    """The bridge's loop, started on first use."""
    global _loop, _thread
    if _loop is not None:
        return _loop
    with _lock:
        if _loop is None:
            loop = asyncio.new_event_loop()
            ready = threading.Event()

            def run() -> None:
                asyncio.set_event_loop(loop)
                loop.call_soon(ready.set)
                loop.run_forever()

            _thread = threading.Thread(target=run, name="g4f-bridge", daemon=True)
            _thread.start()
            ready.wait()
            _loop = loop
    return _loop


def _check_thread() -> None:
    if _thread is not None and threading.current_thread() is _thread:
        raise RuntimeError("The sync g4f API was called from the bridge's own loop; use the async API there.")


def run_sync(coro: Coroutine[Any, Any, T]) -> T:
    """Run ``coro`` on the bridge loop and wait for its result."""
    _check_thread()
    future = asyncio.run_coroutine_threadsafe(coro, get_loop())
    try:
        return future.result()
    except BaseException:
        future.cancel()
        raise


def iterate_sync(agen: AsyncIterator[T]) -> Iterator[T]:
    """Iterate an async iterator from sync code, one ``__anext__`` at a time on the bridge loop."""
    _check_thread()
    loop = get_loop()
    finished = False
    try:
        while True:
            future = asyncio.run_coroutine_threadsafe(_next(agen), loop)
            try:
                done, item = future.result()
            except BaseException:
                future.cancel()
                finished = True
                raise
            if done:
                finished = True
                return
            yield item
    finally:
        # The caller stopped early (break, close, garbage collection): close the generator so
        # the upstream request is cancelled.
        if not finished and hasattr(agen, "aclose"):
            asyncio.run_coroutine_threadsafe(agen.aclose(), loop)


async def _next(agen: AsyncIterator[T]) -> tuple[bool, Any]:
    try:
        return False, await agen.__anext__()
    except StopAsyncIteration:
        return True, None
