"""gpt4free's ``get_model_and_provider``, on top of the router."""

from __future__ import annotations

from typing import Any

from ..errors import MissingAuthError, RetryProviderError
from ..providers.retry_provider import IterListProvider
from ..routing import route

#: Resolving without the keys: each provider checks for its own when it is called.
_KEY_AT_CALL_TIME = "<checked when called>"


def get_model_and_provider(
    model: Any,
    provider: Any = None,
    stream: bool = False,
    ignored: list[str] | None = None,
    ignore_working: bool = False,
    ignore_stream: bool = False,
    **kwargs: Any,
) -> tuple[str, Any]:
    """The model name and the provider to call: the one provider, or an IterListProvider of candidates.

    As in gpt4free, a known model resolves to its providers even when none has its key yet: the
    provider then refuses at call time, naming the variable to set.
    """

    def resolve(api_key: str | None) -> tuple[str, IterListProvider]:
        return route(
            model,
            provider,
            stream=stream,
            ignored=ignored,
            ignore_working=ignore_working,
            ignore_stream=ignore_stream,
            api_key=api_key,
        )

    try:
        model_name, runner = resolve(kwargs.get("api_key"))
    except (MissingAuthError, RetryProviderError) as error:
        causes = list(getattr(error, "exceptions", {}).values()) or [error]
        if not all(isinstance(cause, MissingAuthError) for cause in causes):
            raise
        model_name, runner = resolve(_KEY_AT_CALL_TIME)
    # One candidate and no runner the caller chose: the provider itself, as gpt4free returned it.
    if len(runner.providers) == 1 and type(runner) is IterListProvider and not isinstance(provider, IterListProvider):
        return model_name, runner.providers[0]
    return model_name, runner


__all__ = ["get_model_and_provider"]
