"""Fallback across providers (``IterListProvider``) and retries of one (``RetryProvider``)."""

from __future__ import annotations

import copy
import random
import time
from contextlib import aclosing
from typing import Any, ClassVar

from .. import debug
from ..errors import RetryProviderError, is_curable_elsewhere, is_retryable
from ..routing import health
from ..typing import AsyncResult, Messages
from .base_provider import to_async_iterator
from .response import ProviderInfo
from .types import BaseProvider


def _provider_name(provider: Any) -> str:
    return provider.get_name() if hasattr(provider, "get_name") else getattr(provider, "__name__", str(provider))


def _info(provider: Any, model: str) -> ProviderInfo:
    """Which provider answered, sent before its first part."""
    return ProviderInfo(
        name=_provider_name(provider),
        model=model or getattr(provider, "default_model", None) or "",
        label=getattr(provider, "label", None),
        url=getattr(provider, "url", None),
    )


class IterListProvider(BaseProvider):
    """Tries each provider in turn.

    It falls back on errors another provider can cure, and only before the first part reached
    the caller: after that a failure is raised to the caller as it is.
    """

    working: ClassVar[bool] = True

    def __init__(self, providers: list[Any], shuffle: bool = False) -> None:
        self.providers = list(providers)
        self.shuffle = shuffle
        self.last_provider: Any = None

    def get_name(self) -> str:  # type: ignore[override]
        return type(self).__name__

    @property
    def __name__(self) -> str:  # used where code expects a provider class
        return self.get_name()

    def __repr__(self) -> str:
        return f"{type(self).__name__}([{', '.join(_provider_name(p) for p in self.providers)}])"

    def with_providers(self, providers: list[Any]) -> IterListProvider:
        """A copy keeping this one's settings (shuffle, retries) over ``providers``, the router's filtered order."""
        runner = copy.copy(self)
        runner.providers = list(providers)
        return runner

    def _order(self) -> list[Any]:
        providers = list(self.providers)
        if self.shuffle:
            random.shuffle(providers)
        return providers

    async def create_async_generator(self, model: str, messages: Messages, **kwargs: Any) -> AsyncResult:  # type: ignore[override]
        exceptions: dict[str, BaseException] = {}
        for provider in self._order():
            name = _provider_name(provider)
            self.last_provider = provider
            started = False
            t0 = time.perf_counter()
            try:
                async with aclosing(
                    to_async_iterator(provider.create_async_generator(model, messages, **kwargs))
                ) as parts:
                    async for part in parts:
                        if part is None:
                            continue
                        if not started:
                            started = True
                            health.record(name, True, time.perf_counter() - t0)
                            yield _info(provider, model)
                        yield part
                if not started:
                    health.record(name, True, time.perf_counter() - t0)
                return
            except Exception as error:
                if started:
                    raise
                health.record(name, False, time.perf_counter() - t0)
                debug.log(f"{name} failed: {type(error).__name__}: {error}")
                exceptions[name] = error
                if not is_curable_elsewhere(error):
                    raise
        if len(self.providers) == 1 and len(exceptions) == 1:  # one provider: its own error says it best
            raise next(iter(exceptions.values()))
        raise RetryProviderError(exceptions=exceptions)


class RetryProvider(IterListProvider):
    """Retries one provider up to ``max_retries`` times (or, with several, behaves as IterListProvider)."""

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

    async def create_async_generator(self, model: str, messages: Messages, **kwargs: Any) -> AsyncResult:  # type: ignore[override]
        if not (self.single_provider_retry or len(self.providers) == 1):
            async with aclosing(super().create_async_generator(model, messages, **kwargs)) as parts:
                async for part in parts:
                    yield part
            return
        provider = self.providers[0]
        name = _provider_name(provider)
        exceptions: dict[str, BaseException] = {}
        for attempt in range(self.max_retries):
            started = False
            try:
                async with aclosing(
                    to_async_iterator(provider.create_async_generator(model, messages, **kwargs))
                ) as parts:
                    async for part in parts:
                        if part is None:
                            continue
                        if not started:
                            started = True
                            yield _info(provider, model)
                        yield part
                return
            except Exception as error:
                if started or not is_retryable(error):
                    raise
                exceptions[f"{name} (attempt {attempt + 1})"] = error
        raise RetryProviderError(exceptions=exceptions)


__all__ = ["IterListProvider", "RetryProvider", "ProviderInfo"]
