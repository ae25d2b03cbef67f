"""The one sync bridge: how sync callers run the async core.

- A thread that runs no event loop (a script, a worker thread) runs the core on its own long-lived
  loop, created once per thread: no thread hop per call or per chunk. (Handing each call to another
  thread cost two thread wake-ups, ~90 us on an idle machine, more than all the rest of a call.)
- A thread that already runs a loop (Jupyter, an ``async def``, a FastAPI handler) cannot run another
  one, so its calls go to a background loop in a daemon thread shared by the process.

Either way: no nest_asyncio and no new loop per call or per chunk.

It sits at the bottom of the package (beside ``clock``) because both the client and the provider
framework's gpt4free entry point (``get_create_function``) drive async code from sync callers.
"""

from __future__ import annotations

import asyncio
import atexit
import threading
from collections.abc import AsyncIterator, Coroutine, Iterator
from typing import Any, TypeVar

T = TypeVar("T")

_loop: asyncio.AbstractEventLoop | None = None
_thread: threading.Thread | None = None
_lock = threading.Lock()
_local = threading.local()


def get_loop() -> asyncio.AbstractEventLoop:
    """The background loop, started on first use."""
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


class _ThreadLoop:
    """A thread's own loop; closed (with its pooled HTTP session) when the thread ends."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        if threading.current_thread() is threading.main_thread():
            atexit.register(self.close)  # the main thread's locals outlive the interpreter's tidy-up

    def __del__(self) -> None:
        self.close()

    def close(self) -> None:
        loop = self.loop
        if loop.is_closed() or loop.is_running():
            return
        try:
            from .providers.http import close_session

            loop.run_until_complete(close_session())
            loop.run_until_complete(loop.shutdown_asyncgens())
        except Exception:  # interpreter shutdown: nothing left to tidy
            pass
        finally:
            loop.close()


def _own_loop() -> asyncio.AbstractEventLoop | None:
    """This thread's own loop, or ``None`` when the thread already runs one (then: the background loop)."""
    try:
        asyncio.get_running_loop()
        return None
    except RuntimeError:
        pass
    holder = getattr(_local, "holder", None)
    if holder is None:
        holder = _local.holder = _ThreadLoop()
    return holder.loop


def _check_thread() -> None:
    if _thread is not None and threading.current_thread() is _thread:
        raise RuntimeError("The sync g4f API was called from the bridge's own loop; use the async API there.")


def run_sync(coro: Coroutine[Any, Any, T]) -> T:
    """Run ``coro`` to its result from sync code."""
    loop = _own_loop()
    if loop is not None:
        return loop.run_until_complete(coro)
    _check_thread()
    future = asyncio.run_coroutine_threadsafe(coro, get_loop())
    try:
        return future.result()
    except BaseException:
        future.cancel()
        raise


def iterate_sync(agen: AsyncIterator[T]) -> Iterator[T]:
    """Iterate an async iterator from sync code, one ``__anext__`` at a time."""
    own = _own_loop()
    loop = own or get_loop()
    if own is None:
        _check_thread()

    def step() -> tuple[bool, Any]:
        if own is not None:
            return own.run_until_complete(_next(agen))
        future = asyncio.run_coroutine_threadsafe(_next(agen), loop)
        try:
            return future.result()
        except BaseException:
            future.cancel()
            raise

    finished = False
    try:
        while True:
            try:
                done, item = step()
            except BaseException:
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
            _close(agen, loop)


def _close(agen: Any, loop: asyncio.AbstractEventLoop) -> None:
    if loop is _loop:
        asyncio.run_coroutine_threadsafe(agen.aclose(), loop)
    elif not loop.is_running() and not loop.is_closed():
        loop.run_until_complete(agen.aclose())
    else:  # collected while its loop runs: close it there
        loop.call_soon_threadsafe(lambda: loop.create_task(agen.aclose()))


async def _next(agen: AsyncIterator[T]) -> tuple[bool, Any]:
    try:
        return False, await agen.__anext__()
    except StopAsyncIteration:
        return True, None


__all__ = ["get_loop", "run_sync", "iterate_sync"]
