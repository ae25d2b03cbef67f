"""A provider in each gpt4free shape works through Client, AsyncClient and ChatCompletion, streaming or not."""

from __future__ import annotations

import pytest

import g4f
from g4f.client import AsyncClient, ChatCompletionChunk, Client
from g4f.client import ChatCompletion as Completion

from .mocks import (
    AsyncGenProvider,
    CoroutineProvider,
    ImageProvider,
    NoneYieldingProvider,
    SyncGenProvider,
    user,
)

# provider, expected text, can it stream without ignore_stream
SHAPES = [
    pytest.param(SyncGenProvider, "Hello, world!", True, id="sync-generator"),
    pytest.param(CoroutineProvider, "Hello, world!", False, id="coroutine"),
    pytest.param(AsyncGenProvider, "Hello, world!", True, id="async-generator"),
    pytest.param(NoneYieldingProvider, "Hello", True, id="yields-none"),
    pytest.param(ImageProvider, "Here is a cat:\n\n![a cat](https://example.invalid/cat.png)", True, id="image-part"),
]


def _joined(chunks: list[ChatCompletionChunk]) -> str:
    return "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)


def _check_stream(chunks: list[ChatCompletionChunk], text: str, provider) -> None:
    assert all(isinstance(c, ChatCompletionChunk) for c in chunks)
    assert _joined(chunks) == text
    assert len({c.id for c in chunks}) == 1
    assert chunks[0].choices[0].delta.role == "assistant"
    last = chunks[-1]
    assert last.choices[0].finish_reason == "stop"
    assert last.usage is not None and last.usage.total_tokens > 0
    assert all(c.choices[0].finish_reason is None for c in chunks[:-1])
    assert {c.provider for c in chunks[1:]} == {provider.__name__}
    assert last.model_dump()["object"] == "chat.completion.chunk"


def _check_whole(response: Completion, text: str, provider) -> None:
    assert isinstance(response, Completion)
    assert response.choices[0].message.content == text
    assert response.choices[0].message.role == "assistant"
    assert response.choices[0].finish_reason == "stop"
    assert response.provider == provider.__name__
    assert response.usage.total_tokens > 0
    body = response.model_dump()
    assert body["object"] == "chat.completion" and body["id"].startswith("chatcmpl-")


@pytest.mark.parametrize(("provider", "text", "streams"), SHAPES)
def test_client(provider, text, streams):
    client = Client()
    _check_whole(client.chat.completions.create(user(), "", provider=provider), text, provider)
    chunks = list(client.chat.completions.create(user(), "", provider=provider, stream=True, ignore_stream=not streams))
    _check_stream(chunks, text, provider)


@pytest.mark.parametrize(("provider", "text", "streams"), SHAPES)
async def test_async_client(provider, text, streams):
    client = AsyncClient(provider=provider)  # the client's default provider
    _check_whole(await client.chat.completions.create(user(), ""), text, provider)
    stream = client.chat.completions.create(user(), "", stream=True, ignore_stream=not streams)
    _check_stream([chunk async for chunk in stream], text, provider)


@pytest.mark.parametrize(("provider", "text", "streams"), SHAPES)
def test_chat_completion_create(provider, text, streams):
    assert g4f.ChatCompletion.create("", user(), provider=provider) == text
    chunks = list(g4f.ChatCompletion.create("", user(), provider=provider, stream=True, ignore_stream=not streams))
    assert all(isinstance(c, str) for c in chunks)
    assert "".join(chunks) == text


@pytest.mark.parametrize(("provider", "text", "streams"), SHAPES)
async def test_chat_completion_create_async(provider, text, streams):
    assert await g4f.ChatCompletion.create_async("", user(), provider=provider) == text
    chunks = [
        c
        async for c in g4f.ChatCompletion.create_async(
            "", user(), provider=provider, stream=True, ignore_stream=not streams
        )
    ]
    assert "".join(chunks) == text


def test_streams_deltas_as_they_come():
    chunks = list(Client().chat.completions.create(user(), provider=AsyncGenProvider, stream=True))
    assert [c.choices[0].delta.content for c in chunks[:-1]] == ["Hello", ", ", "world", "!"]
    assert chunks[-1].usage.prompt_tokens == 3 and chunks[-1].usage.completion_tokens == 4


def test_provider_by_name():
    from g4f.Provider import register

    register(AsyncGenProvider)
    response = Client().chat.completions.create(user(), provider="AsyncGenProvider")
    assert response.choices[0].message.content == "Hello, world!"


def test_stream_flag_reaches_provider():
    list(Client().chat.completions.create(user(), provider=SyncGenProvider, stream=True))
    Client().chat.completions.create(user(), provider=SyncGenProvider)
    assert [c["stream"] for c in SyncGenProvider.calls] == [True, False]


def test_gpt4free_create_functions():
    create = SyncGenProvider.get_create_function()
    assert "".join(create("m", user(), stream=True)) == "Hello, world!"
    assert AsyncGenProvider.get_async_create_function() == AsyncGenProvider.create_async_generator


def test_image_part_is_collected_in_stream():
    chunks = list(Client().chat.completions.create(user(), provider=ImageProvider, stream=True))
    assert "![a cat](https://example.invalid/cat.png)" in _joined(chunks)


async def test_async_stream_is_awaitable_and_iterable():
    client = AsyncClient()
    stream = await client.chat.completions.create(user(), provider=AsyncGenProvider, stream=True)  # OpenAI SDK style
    assert _joined([c async for c in stream]) == "Hello, world!"
    direct = client.chat.completions.create(user(), provider=AsyncGenProvider, stream=True)  # gpt4free guide style
    assert _joined([c async for c in direct]) == "Hello, world!"
    async with await client.chat.completions.create(user(), provider=AsyncGenProvider, stream=True) as managed:
        first = await managed.__anext__()
        assert first.choices[0].delta.content == "Hello"
