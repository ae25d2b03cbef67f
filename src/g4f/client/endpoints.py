"""Non-chat endpoints (images, speech, transcription) routed and failed over like chat.

A provider offers such an endpoint as a classmethod (``create_image``, ``create_speech``,
``create_transcription``). ``call_endpoint`` picks the candidates with ``routing.get_candidates``
and runs them through ``IterListProvider``, each seen through ``EndpointCall`` as the chat
contract, so fallback, health records and the "every provider failed" error are the router's own.
"""

from __future__ import annotations

from contextlib import aclosing
from typing import Any

from ..errors import NotSupportedError, RetryProviderError
from ..providers.response import ProviderInfo
from ..providers.retry_provider import IterListProvider
from ..routing import get_candidates, provider_name
from ..routing.hooks import HOOKS


class EndpointCall:
    """``provider.<method>(model=..., **kwargs)`` as an async generator yielding its one result."""

    def __init__(self, provider: Any, method: str, fallback: Any = None, check: Any = None) -> None:
        self.provider = provider
        self.method = method
        #: Called when the provider lacks ``method`` (e.g. chat-shaped image providers); else NotSupportedError.
        self.fallback = fallback
        #: Turns the raw result into the caller's; raising here (say, an empty answer) moves on to the next provider.
        self.check = check

    def get_name(self) -> str:
        return provider_name(self.provider)

    def __getattr__(self, name: str) -> Any:  # working, needs_auth, label, url, ... of the provider
        return getattr(self.provider, name)

    async def create_async_generator(self, model: str, messages: Any, **kwargs: Any) -> Any:
        kwargs.pop("stream", None)
        function = getattr(self.provider, self.method, None)
        if function is not None:
            result = await function(model=model, **kwargs)
        elif self.fallback is not None:
            result = await self.fallback(self.provider, model, **kwargs)
        else:
            raise NotSupportedError(
                f"{self.get_name()} has no {self.method.removeprefix('create_').replace('_', ' ')} API."
            )
        yield self.check(result) if self.check is not None else result


async def call_endpoint(
    method: str,
    model: str | None,
    provider: Any = None,
    *,
    fallback: Any = None,
    check: Any = None,
    ignored_providers: list[str] | None = None,
    **kwargs: Any,
) -> tuple[Any, str]:
    """The first provider's result for ``method`` and the provider's name, falling back across candidates."""
    kwargs = {k: v for k, v in kwargs.items() if v is not None}
    model_name, candidates = get_candidates(model, provider, ignored=ignored_providers, api_key=kwargs.get("api_key"))
    runner = IterListProvider([EndpointCall(p, method, fallback, check) for p in candidates])
    runner.hooks = HOOKS
    used = provider_name(candidates[0])
    try:
        async with aclosing(runner.create_async_generator(model_name, [], **kwargs)) as parts:
            async for part in parts:
                if isinstance(part, ProviderInfo):
                    used = part.name
                else:
                    return part, used
    except RetryProviderError as error:
        if len(error.exceptions) == 1:  # one candidate: its own error says more than the summary
            raise next(iter(error.exceptions.values())) from None
        raise
    raise NotSupportedError(f"{used} returned nothing for {method}.")


__all__ = ["EndpointCall", "call_endpoint"]
