"""The OpenAI-compatible REST server.

``from g4f.api import run_api, AppConfig, create_app``. Importing this package does no work:
FastAPI loads when ``create_app`` or ``run_api`` is first used, so ``gunicorn g4f.api:create_app
--worker-class g4f.api.worker.Worker`` and ``uvicorn --factory g4f.api:create_app`` both work.
"""

from __future__ import annotations

from typing import Any

from .config import AppConfig


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from .app import create_app

        return create_app
    if name == "run_api":
        from .server import run_api

        return run_api
    raise AttributeError(name)


__all__ = ["AppConfig", "create_app", "run_api"]
