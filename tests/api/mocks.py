"""In-process mock providers for the server tests, registered by name with ``g4f.Provider.register``.

``calls`` records the keyword arguments that reached each provider.
"""

from __future__ import annotations

import asyncio
import base64
import struct
import zlib
from typing import ClassVar

from g4f import Provider
from g4f.errors import (
    MissingAuthError,
    ProviderError,
    ProviderNotWorkingError,
    ProviderTimeoutError,
    RateLimitError,
)
from g4f.providers.base_provider import AsyncGeneratorProvider, ProviderModelMixin
from g4f.providers.response import FinishReason, ImageResponse, JsonConversation, Reasoning, ToolCalls, Usage


def _png() -> bytes:
    """A valid 1x1 red PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
        + chunk(b"IEND", b"")
    )


PNG = _png()
PNG_URI = "data:image/png;base64," + base64.b64encode(PNG).decode()


def last_user(messages: list[dict]) -> str:
    return next((m["content"] for m in reversed(messages) if m["role"] == "user"), "")


class _Mock(AsyncGeneratorProvider, ProviderModelMixin):
    working = True
    calls: ClassVar[list[dict]] = []

    @classmethod
    def remember(cls, model: str, messages: list, kwargs: dict) -> None:
        cls.calls.append({"model": model, "messages": messages, **kwargs})


class MockEcho(_Mock):
    """Answers 'echo: <last user message>' in three deltas, with usage."""

    label = "Mock echo"
    url = "https://echo.invalid"
    description = "Echoes the last user message."
    default_model = "echo-1"
    models: ClassVar[list[str]] = ["echo-1", "echo-2"]
    vision_models: ClassVar[list[str]] = ["echo-2"]
    calls: ClassVar[list[dict]] = []

    @classmethod
    async def create_async_generator(cls, model, messages, **kwargs):
        cls.remember(model, messages, kwargs)
        text = last_user(messages)
        for delta in ("echo", ": ", text):
            await asyncio.sleep(0)
            yield delta
        yield Usage(prompt_tokens=5, completion_tokens=3)
        yield FinishReason("stop")


class MockHistory(_Mock):
    """Answers with the count of messages it was given and the user contents, joined."""

    calls: ClassVar[list[dict]] = []

    @classmethod
    async def create_async_generator(cls, model, messages, conversation=None, **kwargs):
        cls.remember(model, messages, {"conversation": conversation, **kwargs})
        users = [m["content"] for m in messages if m["role"] == "user"]
        yield f"{len(messages)} messages: {' | '.join(users)}"
        turn = (conversation.data.get("turn", 0) if conversation else 0) + 1
        yield JsonConversation({"turn": turn})


class MockParts(_Mock):
    """Reasoning, text, then a tool call when tools are given."""

    calls: ClassVar[list[dict]] = []

    @classmethod
    async def create_async_generator(cls, model, messages, tools=None, **kwargs):
        cls.remember(model, messages, {"tools": tools, **kwargs})
        yield Reasoning("thinking...")
        if tools:
            name = tools[0]["function"]["name"]
            yield ToolCalls(
                [{"id": "call_1", "type": "function", "function": {"name": name, "arguments": '{"city": "Paris"}'}}]
            )
        else:
            yield "The answer is 42."


class MockRateLimited(_Mock):
    needs_auth = False

    @classmethod
    async def create_async_generator(cls, model, messages, **kwargs):
        raise RateLimitError("MockRateLimited: slow down", retry_after=7)
        yield  # pragma: no cover


class MockDown(_Mock):
    """Fails with the error its model names: 'bad-gateway', 'unavailable', 'timeout', 'crash'."""

    models: ClassVar[list[str]] = ["bad-gateway", "unavailable", "timeout", "crash"]

    @classmethod
    async def create_async_generator(cls, model, messages, **kwargs):
        if model == "unavailable":
            raise ProviderNotWorkingError("MockDown is down for maintenance")
        if model == "timeout":
            raise ProviderTimeoutError("MockDown did not answer in time")
        if model == "crash":
            raise KeyError("a bug in the provider with a secret path /etc/secret")
        raise ProviderError("MockDown upstream answered 500")
        yield  # pragma: no cover


class MockMidStream(_Mock):
    """Two deltas, then an error."""

    @classmethod
    async def create_async_generator(cls, model, messages, **kwargs):
        yield "partial "
        yield "answer"
        raise ProviderError("MockMidStream connection reset")


class MockSlow(_Mock):
    """A delta every 50 ms, forever; records when it was closed (client gone)."""

    closed: ClassVar[list[str]] = []
    started: ClassVar[int] = 0

    @classmethod
    async def create_async_generator(cls, model, messages, **kwargs):
        cls.started += 1
        try:
            while True:
                yield "tick "
                await asyncio.sleep(0.05)
        finally:
            cls.closed.append("closed")


class MockSilent(_Mock):
    """Never answers (for server timeouts)."""

    @classmethod
    async def create_async_generator(cls, model, messages, **kwargs):
        await asyncio.sleep(3600)
        yield "late"


class MockKeyed(_Mock):
    """Needs a key; answers with the key's last four characters."""

    needs_auth = True
    api_key_env = "MOCKKEYED_API_KEY"
    calls: ClassVar[list[dict]] = []

    @classmethod
    async def create_async_generator(cls, model, messages, api_key=None, **kwargs):
        cls.remember(model, messages, {"api_key": api_key, **kwargs})
        if not api_key and not cls.get_api_key():
            raise MissingAuthError("MockKeyed needs an API key (MOCKKEYED_API_KEY)")
        if api_key == "sk-wrong-key-1234":
            raise MissingAuthError(f"MockKeyed refused the key {api_key}")
        yield "key ok"


class MockImages(_Mock):
    """An image model: yields an ImageResponse per requested image."""

    image_models: ClassVar[list[str]] = ["mock-image"]
    default_model = "mock-image"
    calls: ClassVar[list[dict]] = []

    @classmethod
    async def create_async_generator(cls, model, messages, n=1, **kwargs):
        cls.remember(model, messages, {"n": n, **kwargs})
        yield ImageResponse([PNG_URI] * (n or 1), alt=last_user(messages))


class MockAudio(_Mock):
    """Speech and transcription endpoints (the ``create_*`` classmethods ``g4f.audio`` calls)."""

    audio_models: ClassVar[list[str]] = ["mock-tts", "mock-whisper"]
    default_model = "mock-whisper"
    calls: ClassVar[list[dict]] = []

    @classmethod
    async def create_speech(cls, model, input, response_format="mp3", **kwargs):
        cls.calls.append({"model": model, "input": input, "response_format": response_format, **kwargs})
        return b"RIFF-fake-" + input.encode(), "audio/wav"

    @classmethod
    async def create_transcription(cls, model, file, response_format="json", **kwargs):
        data, name = file
        cls.calls.append(
            {"model": model, "file": name, "size": len(data), "response_format": response_format, **kwargs}
        )
        text = f"heard {len(data)} bytes of {name}"
        return text if response_format in ("text", "srt", "vtt") else {"text": text}

    @classmethod
    async def create_async_generator(cls, model, messages, **kwargs):
        yield "I only do audio."


ALL = [
    MockEcho,
    MockHistory,
    MockParts,
    MockRateLimited,
    MockDown,
    MockMidStream,
    MockSlow,
    MockSilent,
    MockKeyed,
    MockImages,
    MockAudio,
]


def register_all() -> None:
    for cls in ALL:
        Provider.register(cls)


def reset() -> None:
    for cls in ALL:
        cls.calls = []
    MockSlow.closed = []
    MockSlow.started = 0
