"""gpt4free's ``g4f.ChatCompletion``: the text, or an iterator of text chunks."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import aclosing
from typing import Any

from .client.bridge import iterate_sync, run_sync
from .client.core import collect_media, create_completion, stream_completion
from .typing import Messages


class ChatCompletion:
    @staticmethod
    def _kwargs(
        provider: Any, image: Any, image_name: Any, ignore_working: bool, ignore_stream: bool, kwargs: dict[str, Any]
    ) -> dict[str, Any]:
        media = collect_media(image, image_name, kwargs.pop("images", None), kwargs.pop("media", None))
        return dict(
            provider=provider, media=media, ignore_working=ignore_working, ignore_stream=ignore_stream, **kwargs
        )

    @staticmethod
    async def _text(model: Any, messages: Messages, **kwargs: Any) -> str:
        completion = await create_completion(model, messages, **kwargs)
        return completion.choices[0].message.content or ""

    @staticmethod
    async def _stream(model: Any, messages: Messages, **kwargs: Any) -> AsyncIterator[str]:
        async with aclosing(stream_completion(model, messages, **kwargs)) as chunks:
            async for chunk in chunks:
                if chunk.choices and chunk.choices[0].delta.content:
                    yield chunk.choices[0].delta.content

    @classmethod
    def create(
        cls,
        model: Any,
        messages: Messages,
        provider: Any = None,
        stream: bool = False,
        image: Any = None,
        image_name: str | None = None,
        ignore_working: bool = False,
        ignore_stream: bool = False,
        **kwargs: Any,
    ) -> str | Iterator[str]:
        """The answer's text, or with ``stream=True`` an iterator of text chunks."""
        kw = cls._kwargs(provider, image, image_name, ignore_working, ignore_stream, kwargs)
        if stream:
            return iterate_sync(cls._stream(model, messages, **kw))
        return run_sync(cls._text(model, messages, **kw))

    @classmethod
    def create_async(
        cls,
        model: Any,
        messages: Messages,
        provider: Any = None,
        stream: bool = False,
        image: Any = None,
        image_name: str | None = None,
        ignore_working: bool = False,
        ignore_stream: bool = False,
        **kwargs: Any,
    ) -> Any:
        """A coroutine of the text, or with ``stream=True`` an async iterator of text chunks."""
        kw = cls._kwargs(provider, image, image_name, ignore_working, ignore_stream, kwargs)
        if stream:
            return cls._stream(model, messages, **kw)
        return cls._text(model, messages, **kw)


__all__ = ["ChatCompletion"]
