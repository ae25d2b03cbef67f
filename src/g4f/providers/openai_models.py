"""Model listing over the OpenAI protocol: ``GET /models``, cached per provider and API base.

Never on a chat call's path: routing reads the class's catalogue (``get_models``, which adds what
was fetched last); ``get_models_async`` asks the upstream, at most once per ``models_ttl``.
"""

from __future__ import annotations

import time
from typing import Any, ClassVar

from .. import debug
from ..errors import G4FError
from .openai_chat import OpenaiChat
from .openai_wire import model_ids

MODELS_TTL = 3600.0

# (time fetched, model ids) per (provider name, api base)
_models_cache: dict[tuple[str, str], tuple[float, list[str]]] = {}


class OpenaiModels(OpenaiChat):
    """The model list of an OpenAI-compatible API."""

    models_ttl: ClassVar[float] = MODELS_TTL

    @classmethod
    def get_models(cls, api_base: str | None = None, **kwargs: Any) -> list[str]:
        """The static catalogue plus whatever ``get_models_async`` fetched last; no network."""
        models = super().get_models()
        try:
            cached = _models_cache.get((cls.get_name(), cls.get_api_base(api_base)))
        except G4FError:
            cached = None
        return models + [m for m in cached[1] if m not in models] if cached else models

    @classmethod
    async def get_models_async(
        cls,
        api_key: str | None = None,
        api_base: str | None = None,
        refresh: bool = False,
        timeout: float = 15.0,
        http_client: Any = None,
    ) -> list[str]:
        """The upstream's models from ``GET /models``, cached for ``models_ttl``; the static list on
        failure, or without a request when a keyed vendor has no key."""
        key = (cls.get_name(), cls.get_api_base(api_base))
        cached = _models_cache.get(key)
        if cached and not refresh and time.monotonic() - cached[0] < cls.models_ttl:
            return cached[1]
        try:
            async with cls.request(
                "GET",
                cls.models_path,
                api_key=cls.auth_key(api_key),
                api_base=api_base,
                timeout=timeout,
                http_client=http_client,
            ) as call:
                models = model_ids(await call.json())
        except G4FError as error:
            debug.log(f"{cls.get_name()}: listing models failed: {type(error).__name__}: {error}")
            return cached[1] if cached else super().get_models()
        _models_cache[key] = (time.monotonic(), models)
        return models


__all__ = ["OpenaiModels", "MODELS_TTL"]
