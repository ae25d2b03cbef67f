"""Upstream failures mapped to g4f errors, and fallback only before the first part."""

from __future__ import annotations

import time

import aiohttp
import pytest

from g4f.errors import (
    InvalidRequestError,
    MissingAuthError,
    ModelNotFoundError,
    ProviderError,
    ProviderTimeoutError,
    RateLimitError,
    ResponseError,
    RetryProviderError,
    is_retryable,
)
from g4f.Provider import Custom, Ollama
from g4f.providers.openai_compat import OpenaiTemplate
from g4f.providers.response import ProviderInfo
from g4f.providers.retry_provider import IterListProvider
from tests.fakes.openai_server import FakeOpenAI

MESSAGES = [{"role": "user", "content": "hello"}]


async def run(fake, stream=True, **kwargs):
    kwargs.setdefault("api_base", fake.url)
    agen = Custom.create_async_generator("fake-model", MESSAGES, stream=stream, **kwargs)
    return [part async for part in agen]


@pytest.mark.parametrize("status", [401, 403])
async def test_refused_key_is_missing_auth(fake, status):
    fake.script.append({"status": status, "message": "Invalid API key"})
    with pytest.raises(MissingAuthError, match="Invalid API key") as info:
        await run(fake)
    assert info.value.retryable


async def test_429_is_rate_limit_with_retry_after(fake):
    fake.script.append({"status": 429, "message": "Slow down", "headers": {"Retry-After": "7"}})
    with pytest.raises(RateLimitError) as info:
        await run(fake)
    assert info.value.retry_after == 7.0 and info.value.status_code == 429


async def test_unknown_model_is_model_not_found():
    with FakeOpenAI(models=["real-model"]) as fake:
        with pytest.raises(ModelNotFoundError, match="does not exist"):
            await run(fake)


@pytest.mark.parametrize("status", [500, 502, 503])
async def test_5xx_is_a_retryable_provider_error(fake, status):
    fake.script.append({"status": status, "message": "Internal trouble"})
    with pytest.raises(ProviderError, match="Internal trouble") as info:
        await run(fake, stream=False)
    assert is_retryable(info.value)


async def test_400_is_the_requests_fault(fake):
    fake.script.append({"status": 400, "message": "'messages' is too long"})
    with pytest.raises(InvalidRequestError, match="too long"):
        await run(fake)


@pytest.mark.parametrize("where", [0, 2])
async def test_malformed_sse_is_a_response_error(fake, where):
    fake.script.append({"malformed_after": where})
    with pytest.raises(ResponseError, match="malformed"):
        await run(fake)


async def test_a_stream_ending_early_is_a_response_error(fake):
    fake.script.append({"truncate_after": 2})
    with pytest.raises(ResponseError, match="ended before"):
        await run(fake)


async def test_an_error_event_in_the_stream_is_raised(fake):
    fake.script.append({"stream_error_after": 2})
    with pytest.raises(ProviderError, match="overloaded"):
        await run(fake)


async def test_connection_reset_mid_stream_is_a_retryable_error_with_its_cause(fake):
    fake.script.append({"reset_after": 2})
    with pytest.raises(ProviderError) as info:
        await run(fake)
    assert is_retryable(info.value)
    assert isinstance(info.value.__cause__, aiohttp.ClientError)


@pytest.mark.parametrize("reply", [{"delay": 1.5}, {"body_delay": 1.5}])
async def test_first_byte_slower_than_the_timeout(fake, reply):
    fake.script.append(reply)
    started = time.monotonic()
    with pytest.raises(ProviderTimeoutError, match="within 0.4 s"):
        await run(fake, first_byte_timeout=0.4)
    assert time.monotonic() - started < 2


async def test_total_timeout_of_a_whole_answer(fake):
    fake.script.append({"delay": 1.5})
    started = time.monotonic()
    with pytest.raises(ProviderTimeoutError):
        await run(fake, stream=False, timeout=0.4)
    assert time.monotonic() - started < 2


async def test_a_local_server_that_is_not_running_fails_fast(monkeypatch):
    monkeypatch.setenv("OLLAMA_HOST", "127.0.0.1:9")
    started = time.monotonic()
    with pytest.raises(ProviderError, match="connection failed") as info:
        [p async for p in Ollama.create_async_generator("llama3.2", MESSAGES, stream=True)]
    assert is_retryable(info.value) and time.monotonic() - started < 2


def upstream(name: str, url: str) -> type[OpenaiTemplate]:
    return type(
        name,
        (OpenaiTemplate,),
        {"api_base": url, "needs_auth": False, "default_model": "fake-model", "models": ["fake-model"]},
    )


@pytest.mark.parametrize(
    "failure", [{"status": 500}, {"status": 429}, {"reset_after": 0}, {"delay": 1.5}, {"malformed_after": 0}]
)
async def test_failure_before_the_first_part_falls_back_to_the_next_upstream(fake, second_fake, failure):
    fake.script.append(failure)
    first, second = upstream("FirstUpstream", fake.url), upstream("SecondUpstream", second_fake.url)
    router = IterListProvider([first, second])
    parts = [
        p async for p in router.create_async_generator("fake-model", MESSAGES, stream=True, first_byte_timeout=0.4)
    ]
    info = [p for p in parts if isinstance(p, ProviderInfo)]
    assert [i.name for i in info] == ["SecondUpstream"]
    assert "".join(p for p in parts if isinstance(p, str)) == "Echo: hello"
    assert len(fake.requests) == 1 and len(second_fake.requests) == 1


async def test_failure_after_the_first_part_reaches_the_caller(fake, second_fake):
    fake.script.append({"reset_after": 3})
    first, second = upstream("FirstUpstream", fake.url), upstream("SecondUpstream", second_fake.url)
    router = IterListProvider([first, second])
    received = []
    with pytest.raises(ProviderError):
        async for part in router.create_async_generator("fake-model", MESSAGES, stream=True):
            received.append(part)
    assert "Echo:" in received and second_fake.requests == []


async def test_when_every_upstream_fails_the_error_names_each(fake, second_fake):
    fake.script.append({"status": 500, "message": "first is down"})
    second_fake.script.append({"status": 503, "message": "second is down"})
    router = IterListProvider([upstream("FirstUpstream", fake.url), upstream("SecondUpstream", second_fake.url)])
    with pytest.raises(RetryProviderError) as info:
        [p async for p in router.create_async_generator("fake-model", MESSAGES, stream=True)]
    assert "FirstUpstream" in str(info.value) and "second is down" in str(info.value)
