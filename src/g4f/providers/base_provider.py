"""The provider base classes: one async-generator contract, three shapes adapted onto it."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
from collections.abc import AsyncGenerator, Iterator
from typing import Any, ClassVar

from ..errors import ModelNotFoundError
from ..typing import AsyncResult, CreateResult, Messages
from .types import BaseProvider

_END = object()


class AsyncGeneratorProvider(BaseProvider):
    """The contract itself: ``create_async_generator`` yields ``str`` deltas and response parts."""

    @classmethod
    async def create_async_generator(cls, model: str, messages: Messages, **kwargs: Any) -> AsyncResult:
        raise NotImplementedError
        yield  # pragma: no cover


class AbstractProvider(BaseProvider):
    """A provider written as a sync generator ``create_completion``; run in a worker thread."""

    @classmethod
    def create_completion(cls, model: str, messages: Messages, stream: bool = False, **kwargs: Any) -> CreateResult:
        raise NotImplementedError

    @classmethod
    async def create_async_generator(cls, model: str, messages: Messages, **kwargs: Any) -> AsyncResult:
        stream = kwargs.pop("stream", False)
        result = cls.create_completion(model, messages, stream, **kwargs)
        if not isinstance(result, Iterator):  # a plain return value
            if result is not None:
                yield result
            return
        async with contextlib.aclosing(iterate_in_thread(result)) as parts:
            async for part in parts:
                yield part


class AsyncProvider(BaseProvider):
    """A provider written as a coroutine ``create_async`` returning the whole answer."""

    supports_stream: ClassVar[bool] = False

    @classmethod
    async def create_async(cls, model: str, messages: Messages, **kwargs: Any) -> str:
        raise NotImplementedError

    @classmethod
    async def create_async_generator(cls, model: str, messages: Messages, **kwargs: Any) -> AsyncResult:
        kwargs.pop("stream", None)
        result = await cls.create_async(model, messages, **kwargs)
        if result is not None:
            yield result


class ProviderModelMixin:
    """Model lists and alias resolution for a provider."""

    default_model: ClassVar[str | None] = None
    models: ClassVar[list[str]] = []
    model_aliases: ClassVar[dict[str, str]] = {}
    image_models: ClassVar[list[str]] = []
    vision_models: ClassVar[list[str]] = []
    audio_models: ClassVar[list[str]] = []
    #: Let names outside ``models`` through to the upstream (an API whose catalogue may be newer
    #: than ours answers a wrong name with its own 404).
    pass_through_models: ClassVar[bool] = False

    @classmethod
    def get_models(cls, **kwargs: Any) -> list[str]:
        models = list(cls.models)
        if cls.default_model and cls.default_model not in models:
            models.insert(0, cls.default_model)
        return models

    @classmethod
    def get_model(cls, model: str | None, **kwargs: Any) -> str:
        """Resolve ``model`` to the provider's own name; empty means the default model."""
        if not model:
            return cls.default_model or ""
        if model in cls.model_aliases:
            return cls.model_aliases[model]
        if cls.pass_through_models:
            return model
        models = cls.get_models(**kwargs)
        if models and model not in models and model not in cls.image_models:
            raise ModelNotFoundError(f"Model {model!r} is not served by {cls.__name__}.")
        return model


async def iterate_in_thread(iterator: Iterator[Any]) -> AsyncGenerator[Any, None]:
    """Drive a blocking iterator in a worker thread so the event loop never blocks."""
    try:
        while True:
            item = await asyncio.to_thread(next, iterator, _END)
            if item is _END:
                return
            yield item
    finally:
        # The consumer stopped early: let the provider's generator run its cleanup.
        if hasattr(iterator, "close"):
            with contextlib.suppress(ValueError):  # still running in its thread after a cancel
                iterator.close()


def to_async_iterator(result: Any) -> AsyncGenerator[Any, None]:
    """Whatever a create function returned (async gen, coroutine, sync iterator, value) as an async generator.

    The result always has ``aclose()``, so callers can close the provider's generator deterministically
    (``contextlib.aclosing``) when the consumer stops early.
    """
    if hasattr(result, "__aiter__") and hasattr(result, "aclose"):
        return result
    return _wrap(result)


async def _wrap(result: Any) -> AsyncGenerator[Any, None]:
    if inspect.isawaitable(result):
        result = await result
    if hasattr(result, "__aiter__"):
        if hasattr(result, "aclose"):
            async with contextlib.aclosing(result):
                async for item in result:
                    yield item
        else:
            async for item in result:
                yield item
        return
    if isinstance(result, Iterator):
        async with contextlib.aclosing(iterate_in_thread(result)) as items:
            async for item in items:
                yield item
    elif result is not None:
        yield result


def sync_create(provider: type[BaseProvider], model: str, messages: Messages, stream: bool = False, **kwargs: Any):
    """``get_create_function()`` of any provider: a sync iterator of parts over the shared bridge."""
    from ..bridge import iterate_sync

    return iterate_sync(provider.create_async_generator(model, messages, stream=stream, **kwargs))


__all__ = [
    "BaseProvider",
    "AbstractProvider",
    "AsyncProvider",
    "AsyncGeneratorProvider",
    "ProviderModelMixin",
    "iterate_in_thread",
    "to_async_iterator",
]
