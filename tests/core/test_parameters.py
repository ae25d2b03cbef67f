"""Request parameters reach the provider (OpenAI names, None dropped); ``stop`` cuts the text."""

from __future__ import annotations

import pytest

import g4f
from g4f.client import AsyncClient, Client
from g4f.providers.base_provider import AbstractProvider, AsyncGeneratorProvider

from .mocks import EchoProvider, user


def test_max_tokens_and_sampling_reach_the_provider():
    Client().chat.completions.create(user(), provider=EchoProvider, max_tokens=16, temperature=0.2, top_p=0.5, seed=7)
    call = EchoProvider.calls[-1]
    assert (call["max_tokens"], call["temperature"], call["top_p"], call["seed"]) == (16, 0.2, 0.5, 7)
    assert "tools" not in call and "response_format" not in call  # None values are dropped
    assert call["stream"] is False


async def test_max_tokens_async_and_chat_completion():
    await AsyncClient().chat.completions.create(user(), provider=EchoProvider, max_tokens=5)
    g4f.ChatCompletion.create("", user(), provider=EchoProvider, max_tokens=6)
    await g4f.ChatCompletion.create_async("", user(), provider=EchoProvider, max_tokens=7)
    assert [c["max_tokens"] for c in EchoProvider.calls] == [5, 6, 7]


def test_client_defaults_and_unknown_kwargs_pass_through():
    client = Client(provider=EchoProvider, api_key="sk-test", custom_option="x")
    client.chat.completions.create(user(), user_tag="u1")
    call = EchoProvider.calls[-1]
    assert call["api_key"] == "sk-test" and call["custom_option"] == "x" and call["user_tag"] == "u1"


STOP_CASES = [
    pytest.param(["Hello world. STOP and more"], "STOP", "Hello world. ", id="in-one-delta"),
    pytest.param(["Hello wo", "rld. ST", "OP here"], "STOP", "Hello world. ", id="split-across-deltas"),
    pytest.param(
        ["a", "b", "<", "|", "e", "n", "d", "|", ">", "c"], ["\n\n", "<|end|>"], "ab", id="one-char-deltas-list"
    ),
    pytest.param(["no stop sequence here"], "STOP", "no stop sequence here", id="absent"),
    pytest.param(["Almost ST", "OPPED? no: STO"], "STOP", "Almost ", id="prefix-then-match"),
    pytest.param(["ends with ST"], "STOP", "ends with ST", id="held-back-prefix-flushed"),
]


@pytest.mark.parametrize(("deltas", "stop", "expected"), STOP_CASES)
def test_stop_whole(deltas, stop, expected):
    response = Client().chat.completions.create(user(), provider=EchoProvider, deltas=deltas, stop=stop)
    assert response.choices[0].message.content == expected
    assert response.choices[0].finish_reason == "stop"


@pytest.mark.parametrize(("deltas", "stop", "expected"), STOP_CASES)
def test_stop_streaming(deltas, stop, expected):
    chunks = list(
        Client().chat.completions.create(user(), provider=EchoProvider, deltas=deltas, stop=stop, stream=True)
    )
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == expected
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert EchoProvider.calls[-1]["stop"] == stop  # providers also get it, to stop early upstream


def _endless_providers(state: dict) -> list[type]:
    """The same endless answer as an async generator and as a gpt4free sync generator."""

    def words():
        try:
            while True:
                state["pulled"] += 1
                yield "tick " if state["pulled"] != 3 else "END "
        finally:
            state["closed"] = True

    class EndlessAsync(AsyncGeneratorProvider):
        working = True

        @classmethod
        async def create_async_generator(cls, model, messages, **kwargs):
            for word in words():
                yield word

    class EndlessSync(AbstractProvider):
        working = True

        @classmethod
        def create_completion(cls, model, messages, stream=False, **kwargs):
            yield from words()

    return [EndlessAsync, EndlessSync]


@pytest.mark.parametrize("shape", [0, 1], ids=["async-generator", "sync-generator"])
@pytest.mark.parametrize("stream", [False, True], ids=["whole", "stream"])
def test_stop_ends_the_upstream_generation(shape, stream):
    state = {"pulled": 0, "closed": False}
    provider = _endless_providers(state)[shape]
    result = g4f.ChatCompletion.create("", user(), provider=provider, stop="END", stream=stream)
    assert (result if isinstance(result, str) else "".join(result)) == "tick tick "
    assert state["closed"] and state["pulled"] <= 4  # closed before returning, not left to the garbage collector


async def test_breaking_out_of_an_async_stream_closes_the_provider():
    state = {"pulled": 0, "closed": False}
    provider = _endless_providers(state)[0]
    stream = AsyncClient().chat.completions.create(user(), provider=provider, stream=True)
    async with stream:
        async for chunk in stream:
            if chunk.choices[0].delta.content == "tick ":
                break
    assert state["closed"] and state["pulled"] == 1
