"""Mock providers in each of the shapes a gpt4free user may write, for the core tests.

Each records the keyword arguments of its last call in ``calls`` so a test can check what
reached the provider (max_tokens, proxy, stream, ...).
"""

from __future__ import annotations

import asyncio
from typing import Any, ClassVar

from g4f.errors import MissingAuthError, ProviderError
from g4f.providers.base_provider import AbstractProvider, AsyncGeneratorProvider, AsyncProvider
from g4f.providers.response import FinishReason, ImageResponse, Usage

ANSWER = ["Hello", ", ", "world", "!"]


def _last_user(messages: list[dict]) -> str:
    return next((m["content"] for m in reversed(messages) if m["role"] == "user"), "")


class SyncGenProvider(AbstractProvider):
    """gpt4free's oldest shape: a sync generator ``create_completion``."""

    working = True
    supports_stream = True
    calls: ClassVar[list[dict]] = []

    @classmethod
    def create_completion(cls, model, messages, stream=False, **kwargs):
        cls.calls.append({"model": model, "stream": stream, **kwargs})
        yield from ANSWER


class CoroutineProvider(AsyncProvider):
    """A coroutine ``create_async`` returning the whole answer (cannot stream)."""

    working = True
    calls: ClassVar[list[dict]] = []

    @classmethod
    async def create_async(cls, model, messages, **kwargs):
        cls.calls.append({"model": model, **kwargs})
        await asyncio.sleep(0)
        return "".join(ANSWER)


class AsyncGenProvider(AsyncGeneratorProvider):
    """The contract itself: an async generator of deltas and parts."""

    working = True
    calls: ClassVar[list[dict]] = []

    @classmethod
    async def create_async_generator(cls, model, messages, **kwargs):
        cls.calls.append({"model": model, **kwargs})
        for delta in ANSWER:
            await asyncio.sleep(0)
            yield delta
        yield Usage(prompt_tokens=3, completion_tokens=4)
        yield FinishReason("stop")


class EchoProvider(AsyncGeneratorProvider):
    """Answers with the last user message, cut into the deltas the test asks for."""

    working = True
    calls: ClassVar[list[dict]] = []

    @classmethod
    async def create_async_generator(cls, model, messages, deltas: list[str] | None = None, **kwargs):
        cls.calls.append({"model": model, **kwargs})
        for delta in deltas or [_last_user(messages)]:
            yield delta


class NoneYieldingProvider(AsyncGeneratorProvider):
    """Yields ``None`` between deltas (some gpt4free providers do); they must be skipped."""

    working = True

    @classmethod
    async def create_async_generator(cls, model, messages, **kwargs):
        yield None
        yield "Hel"
        yield None
        yield "lo"
        yield None


class ImageProvider(AsyncGeneratorProvider):
    """Yields text then an image part."""

    working = True
    url_out = "https://example.invalid/cat.png"

    @classmethod
    async def create_async_generator(cls, model, messages, **kwargs):
        yield "Here is a cat:"
        yield ImageResponse(cls.url_out, alt="a cat")


class RaisingProvider(AsyncGeneratorProvider):
    """Fails before answering with an error another provider can cure."""

    working = True
    calls: ClassVar[int] = 0

    @classmethod
    async def create_async_generator(cls, model, messages, **kwargs):
        cls.calls += 1
        raise ProviderError("upstream answered 503")
        yield  # pragma: no cover


class NoKeyProvider(AsyncGeneratorProvider):
    """Fails with a missing key (curable elsewhere)."""

    working = True

    @classmethod
    async def create_async_generator(cls, model, messages, **kwargs):
        raise MissingAuthError("NoKeyProvider needs an API key (NOKEY_API_KEY)")
        yield  # pragma: no cover


class FailsMidStreamProvider(AsyncGeneratorProvider):
    """Fails after its first delta: must not be fallen back."""

    working = True

    @classmethod
    async def create_async_generator(cls, model, messages, **kwargs):
        yield "partial"
        raise ProviderError("connection reset mid-stream")


class FlakyProvider(AsyncGeneratorProvider):
    """Fails ``failures`` times, then answers."""

    working = True
    failures: ClassVar[int] = 2
    calls: ClassVar[int] = 0

    @classmethod
    async def create_async_generator(cls, model, messages, **kwargs):
        cls.calls += 1
        if cls.calls <= cls.failures:
            raise ProviderError(f"attempt {cls.calls} failed")
        yield f"ok after {cls.calls}"


class BrokenProvider(AsyncGenProvider):
    """Marked as not working."""

    working = False


def reset() -> None:
    for cls in (SyncGenProvider, CoroutineProvider, AsyncGenProvider, EchoProvider):
        cls.calls = []
    RaisingProvider.calls = 0
    FlakyProvider.calls = 0


def user(text: str = "hi") -> list[dict[str, Any]]:
    return [{"role": "user", "content": text}]
