"""``AppConfig``: the server's view of ``g4f.config``'s one settings object.

``AppConfig.set_config(...)`` sets process-wide values (as CLI flags do); ``AppConfig(**overrides)``
is a snapshot of every setting (defaults, ``G4F_*`` environment, settings file, process values)
with ``overrides`` on top: what ``create_app({...})`` builds. Every setting is an attribute.
"""

from __future__ import annotations

import sys
import types
from typing import Any

from .. import config
from ..config import CONFIG_ENV, ConfigError, Settings


class AppConfig(Settings):
    """A snapshot of the settings a server runs with (see ``g4f.config.Settings`` for each one)."""

    def __init__(self, **overrides: Any) -> None:
        values = config.layers(overrides)
        super().__init__(**values)

    @classmethod
    def fields(cls) -> list[str]:
        return config.names()

    @classmethod
    def set_config(cls, **settings: Any) -> None:
        """Set process-wide settings, e.g. ``AppConfig.set_config(g4f_api_key="...", gui=True)``."""
        try:
            config.configure(**settings)
        except ConfigError as error:
            raise TypeError(str(error)) from None
        for name in settings:  # gpt4free code reads them back as class attributes
            setattr(cls, name, config.get(name))

    @classmethod
    def from_any(cls, value: Any = None) -> AppConfig:
        """An ``AppConfig`` from None (the process's settings), a dict of overrides or an instance."""
        if isinstance(value, AppConfig):
            return value
        workers = server_workers()
        try:
            settings = cls(**value) if isinstance(value, dict) else cls()
            check_startup(settings, workers)
        except ConfigError as error:
            if workers is None:
                raise
            # A worker that fails after booting is restarted over and over; exiting with 3 (gunicorn's
            # WORKER_BOOT_ERROR, uvicorn's STARTUP_FAILURE) makes the master stop, the reason in its log.
            print(f"g4f: {error}", file=sys.stderr, flush=True)
            raise SystemExit(3) from None
        return settings


def check_startup(settings: Settings, workers: int | None) -> None:
    """What must hold before a server starts: a state store its workers share, a readable ``config.yaml``."""
    require_shared_state(settings.state_url, workers)
    from ..routes_file import current_routes

    current_routes()  # RoutesError (a ConfigError) names the file, the entry and the reason


def require_shared_state(state_url: str, workers: int | None) -> None:
    """Several worker processes share nothing in memory: refuse ``memory://`` state for them."""
    if workers and workers > 1 and state_url.startswith("memory:"):
        raise ConfigError(
            f"{workers} workers cannot share memory:// state (each would keep its own conversations, "
            "limits and health). Choose a shared store: --state sqlite:///path/state.db (one host) or "
            "--state redis://host:6379/0 (several hosts); under gunicorn or uvicorn, G4F_STATE_URL."
        )


def _on_stack(cls: type) -> Any:
    """The nearest ``self`` of type ``cls`` in the frames that called into here, else None."""
    frame: types.FrameType | None = sys._getframe(2)
    for _ in range(64):  # the server's object is a few dozen frames up at most
        if frame is None:
            break
        candidate = frame.f_locals.get("self")
        if isinstance(candidate, cls):
            return candidate
        frame = frame.f_back
    return None


def gunicorn_workers() -> int | None:
    """The worker count of the gunicorn master this process serves under, else None.

    gunicorn's workers are forks of its master and hold its parsed configuration: the worker object
    is on the stack that builds the app (``Worker.load_wsgi``, or uvicorn's start-up in its worker).
    """
    if "gunicorn" not in sys.modules:
        return None
    from gunicorn.workers.base import Worker  # type: ignore[import-untyped]

    worker = _on_stack(Worker)
    return int(worker.cfg.workers) if worker is not None else None


def uvicorn_workers() -> int | None:
    """The worker count of ``uvicorn --factory g4f.api:create_app --workers N``, else None: uvicorn
    hands each worker process its ``Config``, whose ``load()`` calls the factory."""
    if "uvicorn" not in sys.modules:
        return None
    from uvicorn.config import Config

    loading = _on_stack(Config)
    return int(loading.workers or 1) if loading is not None else None


def server_workers() -> int | None:
    """How many worker processes the server building this app runs (gunicorn, uvicorn), else None."""
    return gunicorn_workers() or uvicorn_workers()


__all__ = [
    "AppConfig",
    "CONFIG_ENV",
    "ConfigError",
    "check_startup",
    "gunicorn_workers",
    "require_shared_state",
    "server_workers",
    "uvicorn_workers",
]
