"""The embedded model really generating (SmolLM2-135M through llama.cpp); small max_tokens keep it fast."""

from __future__ import annotations

import asyncio
import threading

import pytest

import g4f
from g4f.client import AsyncClient, Client
from g4f.errors import InvalidRequestError, ModelNotFoundError
from g4f.local.model import loaded
from g4f.Provider.Local import Local, default_model_path

ASK = [{"role": "user", "content": "Name three colours."}]


def test_model_ships_in_the_package():
    path = default_model_path()
    assert path is not None and path.suffix == ".gguf" and path.stat().st_size > 50_000_000
    assert "smollm2-135m" in Local.get_models()


@pytest.mark.parametrize("model", [None, "", "default", "auto", "smollm2-135m", "SmolLM2-135M-Instruct"])
def test_default_model_answers_locally(model):
    response = Client().chat.completions.create(ASK, model, max_tokens=4)
    assert response.provider == "Local"
    assert response.choices[0].message.content.strip()


def test_generates_with_usage():
    response = Client().chat.completions.create(ASK, provider="Local", max_tokens=16, temperature=0)
    choice = response.choices[0]
    assert choice.message.content.strip()
    assert response.usage.prompt_tokens > 5
    assert 0 < response.usage.completion_tokens <= 16
    assert response.usage.total_tokens == response.usage.prompt_tokens + response.usage.completion_tokens
    assert choice.finish_reason in ("stop", "length")
    assert response.model == "smollm2-135m"


def test_max_tokens_is_honoured():
    response = Client().chat.completions.create(
        [{"role": "user", "content": "Write a long story about a dragon."}], provider=Local, max_tokens=5, temperature=0
    )
    assert response.usage.completion_tokens == 5
    assert response.choices[0].finish_reason == "length"


def test_streams_token_by_token():
    chunks = list(Client().chat.completions.create(ASK, provider="Local", max_tokens=16, stream=True, temperature=0))
    texts = [c.choices[0].delta.content for c in chunks if c.choices and c.choices[0].delta.content]
    assert len(texts) >= 4  # several chunks, not one block
    last = chunks[-1]
    assert last.choices[0].finish_reason in ("stop", "length")
    assert last.usage.completion_tokens >= len(texts) - 1 and last.usage.prompt_tokens > 0
    whole = Client().chat.completions.create(ASK, provider="Local", max_tokens=16, temperature=0)
    assert "".join(texts) == whole.choices[0].message.content  # temperature 0: same tokens either way


def test_seed_makes_sampling_repeatable():
    kwargs = dict(provider="Local", max_tokens=12, temperature=1.0, seed=1234)
    first = g4f.ChatCompletion.create("", ASK, **kwargs)
    assert first and g4f.ChatCompletion.create("", ASK, **kwargs) == first


def test_stop_sequence():
    base = g4f.ChatCompletion.create("", ASK, provider="Local", max_tokens=16, temperature=0)
    words = base.split()
    assert len(words) >= 3
    cut = g4f.ChatCompletion.create("", ASK, provider="Local", max_tokens=16, temperature=0, stop=[words[2]])
    assert words[2] not in cut and base.startswith(cut)


async def test_async_generation_does_not_block_the_loop():
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.005)
            ticks += 1

    task = asyncio.create_task(ticker())
    try:
        stream = AsyncClient().chat.completions.create(ASK, provider="Local", max_tokens=16, stream=True)
        chunks = [c async for c in stream]
    finally:
        task.cancel()
    assert len(chunks) > 4
    assert ticks >= 3  # the loop kept running while the model generated


async def test_concurrent_requests_share_the_engine():
    client = AsyncClient(provider="Local")
    results = await asyncio.gather(
        *(client.chat.completions.create(ASK, max_tokens=6, temperature=0) for _ in range(3))
    )
    texts = {r.choices[0].message.content for r in results}
    assert len(texts) == 1 and texts.pop().strip()  # decoded in one batch: the same greedy answer each time


def test_serves_a_gguf_by_path():
    path = str(default_model_path())
    response = Client().chat.completions.create(ASK, path, max_tokens=4)
    assert response.provider == "Local" and response.choices[0].message.content


def test_missing_local_model():
    with pytest.raises(ModelNotFoundError, match="G4F_MODELS_DIR|give a GGUF path"):
        Client().chat.completions.create(ASK, "missing-model", provider="Local", max_tokens=4)
    with pytest.raises(ModelNotFoundError):
        Client().chat.completions.create(ASK, "/nonexistent/model.gguf", max_tokens=4)


def test_prompt_longer_than_the_context():
    long = [{"role": "user", "content": "word " * 6000}]
    with pytest.raises(InvalidRequestError, match="context") as info:
        Client().chat.completions.create(long, provider="Local", max_tokens=4)
    assert info.value.status_code == 400


def test_loaded_once():
    Client().chat.completions.create(ASK, provider="Local", max_tokens=1)
    first = Local.load()
    Client().chat.completions.create(ASK, provider="Local", max_tokens=1)
    assert Local.load() is first and str(first.path) in loaded()


def test_one_engine_thread_for_every_call():
    # ggml's OpenMP team belongs to the calling thread: loads and generations all run on one thread
    Client().chat.completions.create(ASK, provider="Local", max_tokens=2)
    asyncio.run(AsyncClient().chat.completions.create(ASK, provider="Local", max_tokens=2))
    Local.load()
    engines = [t for t in threading.enumerate() if t.name == "g4f-local"]
    assert len(engines) == 1 and engines[0].is_alive()


def test_engine_survives_an_abandoned_loop():
    async def leave_early() -> None:
        stream = AsyncClient().chat.completions.create(ASK, provider="Local", max_tokens=64, stream=True)
        async for _chunk in stream:
            break  # the generator is left open; its loop closes under it

    asyncio.run(leave_early())
    response = Client().chat.completions.create(ASK, provider="Local", max_tokens=4)
    assert response.choices[0].message.content
