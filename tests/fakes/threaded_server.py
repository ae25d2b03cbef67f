"""A real aiohttp.web server on 127.0.0.1 (a free port) running in its own thread and event loop,
so sync clients (whose bridge loop is another thread) and async tests can both reach it."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from aiohttp import web


class ThreadedServer:
    """Subclasses add routes in ``setup(app)``; ``requests`` records what each request carried."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.url = ""
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None

    def setup(self, app: web.Application) -> None:
        raise NotImplementedError

    async def record(self, request: web.Request) -> dict[str, Any]:
        body = await request.json() if request.can_read_body else None
        entry = {
            "method": request.method,
            "path": request.path,
            "query": dict(request.query),
            "headers": dict(request.headers),
            "json": body,
        }
        self.requests.append(entry)
        return entry

    def start(self) -> str:
        started = threading.Event()
        self._loop = asyncio.new_event_loop()

        async def boot() -> None:
            app = web.Application(client_max_size=64 * 1024 * 1024)
            self.setup(app)
            self._runner = web.AppRunner(app, shutdown_timeout=0.5)
            await self._runner.setup()
            site = web.TCPSite(self._runner, "127.0.0.1", 0)
            await site.start()
            host, port = self._runner.addresses[0][:2]
            self.url = f"http://{host}:{port}"

        def run() -> None:
            asyncio.set_event_loop(self._loop)
            self._loop.run_until_complete(boot())
            started.set()
            self._loop.run_forever()

        self._thread = threading.Thread(target=run, name=type(self).__name__, daemon=True)
        self._thread.start()
        started.wait(10)
        return self.url

    def stop(self) -> None:
        if self._loop is None:
            return

        async def shutdown() -> None:
            if self._runner is not None:
                await self._runner.cleanup()
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:  # handlers still sleeping (a slow-first-byte reply)
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(shutdown(), self._loop).result(5)
        self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(5)
        self._loop.close()
        self._loop = None

    def __enter__(self) -> ThreadedServer:
        self.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()
