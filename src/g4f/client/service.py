"""gpt4free's ``get_model_and_provider``, on top of the router."""

from __future__ import annotations

from typing import Any

from ..providers.retry_provider import IterListProvider
from ..routing import get_candidates


def get_model_and_provider(
    model: Any,
    provider: Any = None,
    stream: bool = False,
    ignored: list[str] | None = None,
    ignore_working: bool = False,
    ignore_stream: bool = False,
    **kwargs: Any,
) -> tuple[str, Any]:
    """The model name and the provider to call: the one provider, or an IterListProvider of candidates."""
    model_name, candidates = get_candidates(
        model,
        provider,
        stream=stream,
        ignored=ignored,
        ignore_working=ignore_working,
        ignore_stream=ignore_stream,
        api_key=kwargs.get("api_key"),
    )
    if isinstance(provider, IterListProvider):
        return model_name, provider.with_providers(candidates)
    return model_name, candidates[0] if len(candidates) == 1 else IterListProvider(candidates)


__all__ = ["get_model_and_provider"]
