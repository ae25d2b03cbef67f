"""gpt4free's ``get_model_and_provider``, on top of the router."""

from __future__ import annotations

from typing import Any

from ..providers.retry_provider import IterListProvider
from ..routing import route


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
    model_name, runner = route(
        model,
        provider,
        stream=stream,
        ignored=ignored,
        ignore_working=ignore_working,
        ignore_stream=ignore_stream,
        api_key=kwargs.get("api_key"),
    )
    # One candidate and no runner the caller chose: the provider itself, as gpt4free returned it.
    if len(runner.providers) == 1 and type(runner) is IterListProvider and not isinstance(provider, IterListProvider):
        return model_name, runner.providers[0]
    return model_name, runner


__all__ = ["get_model_and_provider"]
