"""``run_api()``: serve ``create_app`` with uvicorn, in one process or several workers."""

from __future__ import annotations

import gc
import os
from typing import Any

import orjson

from .config import CONFIG_ENV, AppConfig, require_shared_state

#: Seconds the requests in flight get to finish once the server is told to stop.
GRACEFUL_TIMEOUT = 30.0


def settle_heap() -> None:
    """Garbage-collector settings for a server process, once its app is built.

    What exists by then (modules, the app and its routes: most of the heap) lives as long as the
    process, so it is frozen out of the collector's generations instead of being rescanned. Requests
    leave next to no cyclic garbage, yet at the default threshold their allocations alone trigger a
    collection every 700 objects; a higher one makes them rare (together about +10% requests/s).
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)


def worker_app() -> Any:
    """The app of one of several worker processes (``uvicorn --factory``), its heap settled."""
    from .app import create_app

    app = create_app()
    settle_heap()
    return app


def run_api(
    host: str = "127.0.0.1",
    port: int = 1337,
    debug: bool = False,
    workers: int | None = None,
    ssl_keyfile: str | None = None,
    ssl_certfile: str | None = None,
    access_log: bool | None = None,
    graceful_timeout: float = GRACEFUL_TIMEOUT,
    **settings: Any,
) -> None:
    """Serve the API until interrupted. Extra keyword arguments are ``AppConfig`` settings.

    On SIGTERM or Ctrl-C the server stops accepting connections and gives the requests and streams
    in flight up to ``graceful_timeout`` seconds to finish; a stream still running then ends with an
    in-band error event before its connection closes.
    """
    import uvicorn

    config = AppConfig(**settings)
    config.debug = config.debug or debug
    require_shared_state(config.state_url, workers)  # ConfigError: memory:// cannot span workers
    scheme = "https" if ssl_certfile else "http"
    shown = f"[{host}]" if ":" in host else host
    print(
        f"g4f API on {scheme}://{shown}:{port}/v1" + (f"  GUI: {scheme}://{shown}:{port}/chat/" if config.gui else ""),
        flush=True,
    )
    options: dict[str, Any] = dict(
        host=host,
        port=port,
        log_level="debug" if config.debug else "info",
        access_log=config.debug if access_log is None else access_log,
        ssl_keyfile=ssl_keyfile,
        ssl_certfile=ssl_certfile,
        timeout_graceful_shutdown=graceful_timeout,
    )
    from .connections import uvicorn_options

    options.update(uvicorn_options(config))  # head/body deadlines, per-address cap, trusted proxies
    if workers and workers > 1:
        os.environ[CONFIG_ENV] = orjson.dumps(config.to_dict()).decode()  # read by create_app() in each worker
        uvicorn.run("g4f.api.server:worker_app", factory=True, workers=workers, **options)
    else:
        from .app import create_app

        app = create_app(config)
        settle_heap()
        uvicorn.run(app, **options)


__all__ = ["run_api"]
