"""A real uvicorn server on a free port in a background thread, serving ``create_app(config)``."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from typing import Any

import uvicorn


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ThreadedUvicorn:
    """``options``: uvicorn settings over those ``g4f api`` uses (``g4f.api.connections.uvicorn_options``)."""

    def __init__(self, config: dict[str, Any] | None = None, **options: Any) -> None:
        from g4f.api import create_app
        from g4f.api.connections import uvicorn_options

        self.app = create_app(config or {})
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        settings = {**uvicorn_options(self.app.state.settings), **options}
        self.server = uvicorn.Server(
            uvicorn.Config(
                self.app,
                host="127.0.0.1",
                port=self.port,
                log_level="warning",
                access_log=False,
                lifespan="on",
                **settings,
            )
        )
        self.thread = threading.Thread(target=self._run, daemon=True, name=f"uvicorn-{self.port}")

    def _run(self) -> None:
        asyncio.run(self.server.serve())

    def start(self) -> ThreadedUvicorn:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the test server did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)
