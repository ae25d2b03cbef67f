"""Fallback across providers (``IterListProvider``) and retries of one (``RetryProvider``).

Both describe which attempts to make; ``attempts.run_attempts`` makes them (deadlines, fallback,
continuation). The router hands in its ``hooks`` (health, metrics); used directly, nothing is recorded.
"""

from __future__ import annotations

import copy
import random
from collections.abc import AsyncGenerator
from typing import Any, ClassVar

from ..typing import Messages
from .attempts import NO_HOOKS, AttemptHooks, provider_name, run_attempts
from .response import ProviderInfo
from .types import BaseProvider


class IterListProvider(BaseProvider):
    """Tries each provider in turn (in a random order with ``shuffle``).

    It falls back on errors another provider can cure before the first part reached the caller,
    and continues a broken stream on a provider that ``supports_continuation`` after.
    """

    working: ClassVar[bool] = True

    def __init__(self, providers: list[Any], shuffle: bool = False) -> None:
        self.providers = list(providers)
        self.shuffle = shuffle
        self.last_provider: Any = None
        self.hooks: AttemptHooks = NO_HOOKS

    def get_name(self) -> str:  # type: ignore[override]
        return type(self).__qualname__

    @property
    def __name__(self) -> str:  # used where code expects a provider class
        return self.get_name()

    def __repr__(self) -> str:
        return f"{type(self).__name__}([{', '.join(provider_name(p) for p in self.providers)}])"

    def with_providers(self, providers: list[Any], hooks: AttemptHooks | None = None) -> IterListProvider:
        """A copy keeping this one's settings (shuffle, retries) over ``providers``, the router's filtered order."""
        runner = copy.copy(self)
        runner.providers = list(providers)
        if hooks is not None:
            runner.hooks = hooks
        return runner

    def attempts(self, api_key: str | None = None) -> list[tuple[Any, str]]:
        """(provider, label) for each attempt, in order."""
        providers = self.providers
        if self.shuffle:
            providers = list(providers)
            random.shuffle(providers)
            providers = self.hooks.order(providers, api_key)  # an open breaker stays behind
        return list(zip(providers, map(provider_name, providers), strict=True))

    async def create_async_generator(  # type: ignore[override]
        self, model: str, messages: Messages, **kwargs: Any
    ) -> AsyncGenerator[Any, None]:
        attempts = self.attempts(kwargs.get("api_key"))
        async for part in run_attempts(attempts, model, messages, kwargs, self.hooks):
            if isinstance(part, ProviderInfo):
                last = part.name.rsplit(",", 1)[-1]
                self.last_provider = next((p for p in self.providers if provider_name(p) == last), None)
            yield part


class RetryProvider(IterListProvider):
    """Like ``IterListProvider``; with one provider (or ``single_provider_retry``) each is asked up to
    ``max_retries`` times before the next."""

    def __init__(
        self,
        providers: list[Any],
        shuffle: bool = True,
        single_provider_retry: bool = False,
        max_retries: int = 3,
    ) -> None:
        super().__init__(providers, shuffle)
        self.single_provider_retry = single_provider_retry
        self.max_retries = max_retries

    def attempts(self, api_key: str | None = None) -> list[tuple[Any, str]]:
        attempts = super().attempts(api_key)
        if not (self.single_provider_retry or len(attempts) == 1) or self.max_retries <= 1:
            return attempts
        return [(p, f"{name} (attempt {i + 1})") for p, name in attempts for i in range(self.max_retries)]


__all__ = ["IterListProvider", "RetryProvider", "ProviderInfo"]
