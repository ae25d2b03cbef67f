"""Fallback across providers, retries of one, and the ignore flags."""

from __future__ import annotations

import pytest

import g4f
from g4f.client import AsyncClient, Client
from g4f.errors import (
    InvalidRequestError,
    MissingAuthError,
    ProviderError,
    ProviderNotWorkingError,
    RetryProviderError,
    StreamNotSupportedError,
)
from g4f.models import Model
from g4f.providers.base_provider import AsyncGeneratorProvider
from g4f.providers.retry_provider import IterListProvider, RetryProvider

from .mocks import (
    AsyncGenProvider,
    BrokenProvider,
    CoroutineProvider,
    EchoProvider,
    FailsMidStreamProvider,
    FlakyProvider,
    NoKeyProvider,
    RaisingProvider,
    user,
)


def routed_model(name: str, *providers) -> Model:
    """A model naming runtime provider classes, registered as a third-party plugin would be."""
    from g4f.Provider import register

    for provider in providers:
        register(provider)
    return Model(name, "Test", [p.__name__ for p in providers])


def test_fallback_to_second_provider():
    provider = IterListProvider([RaisingProvider, AsyncGenProvider])
    response = Client().chat.completions.create(user(), provider=provider)
    assert response.choices[0].message.content == "Hello, world!"
    assert response.provider == "AsyncGenProvider"
    assert RaisingProvider.calls == 1


def test_fallback_when_streaming():
    provider = IterListProvider([NoKeyProvider, RaisingProvider, AsyncGenProvider])
    chunks = list(Client().chat.completions.create(user(), provider=provider, stream=True))
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == "Hello, world!"
    assert chunks[-1].provider == "AsyncGenProvider"


def test_no_fallback_after_first_chunk():
    provider = IterListProvider([FailsMidStreamProvider, AsyncGenProvider])
    stream = Client().chat.completions.create(user(), provider=provider, stream=True)
    received = []
    with pytest.raises(ProviderError, match="mid-stream"):
        for chunk in stream:
            received.append(chunk.choices[0].delta.content)
    assert received == ["partial"]
    assert AsyncGenProvider.calls == []


def test_all_fail_lists_each_provider_and_its_error():
    provider = IterListProvider([RaisingProvider, NoKeyProvider])
    with pytest.raises(RetryProviderError) as info:
        Client().chat.completions.create(user(), provider=provider)
    error = info.value
    assert set(error.exceptions) == {"RaisingProvider", "NoKeyProvider"}
    assert isinstance(error.exceptions["RaisingProvider"], ProviderError)
    assert isinstance(error.exceptions["NoKeyProvider"], MissingAuthError)
    assert "RaisingProvider: ProviderError: upstream answered 503" in str(error)
    assert "NoKeyProvider: MissingAuthError" in str(error)
    assert error.to_dict()["error"]["type"] == "server_error"


def test_model_routes_across_its_providers():
    model = routed_model("core-test-model", RaisingProvider, EchoProvider)
    response = Client().chat.completions.create(user("routed"), model)
    assert response.choices[0].message.content == "routed"
    assert response.provider == "EchoProvider"
    assert EchoProvider.calls[0]["model"] == "core-test-model"


def test_request_errors_are_not_fallen_back():
    class BadRequest(AsyncGeneratorProvider):
        working = True

        @classmethod
        async def create_async_generator(cls, model, messages, **kwargs):
            raise InvalidRequestError("temperature must be <= 2")
            yield  # pragma: no cover

    with pytest.raises(InvalidRequestError, match="temperature"):
        Client().chat.completions.create(user(), provider=IterListProvider([BadRequest, AsyncGenProvider]))
    assert AsyncGenProvider.calls == []


def test_retry_provider_retries_one_provider():
    FlakyProvider.failures = 2
    provider = RetryProvider([FlakyProvider], max_retries=3)
    response = Client().chat.completions.create(user(), provider=provider)
    assert response.choices[0].message.content == "ok after 3"
    assert response.provider == "FlakyProvider"
    assert FlakyProvider.calls == 3


def test_retry_provider_gives_up():
    FlakyProvider.failures = 5
    with pytest.raises(RetryProviderError) as info:
        Client().chat.completions.create(user(), provider=RetryProvider([FlakyProvider], max_retries=2))
    assert FlakyProvider.calls == 2
    assert len(info.value.exceptions) == 2
    assert "attempt 1 failed" in str(info.value) and "attempt 2 failed" in str(info.value)


def test_ignored_providers():
    provider = IterListProvider([AsyncGenProvider, EchoProvider])
    response = Client().chat.completions.create(user("echo"), provider=provider, ignored_providers=["AsyncGenProvider"])
    assert response.choices[0].message.content == "echo"
    assert AsyncGenProvider.calls == []


def test_ignored_model_provider():
    model = routed_model("core-ignored-model", AsyncGenProvider, EchoProvider)
    text = g4f.ChatCompletion.create(model, user("echo"), ignored_providers=["AsyncGenProvider"])
    assert text == "echo"


def test_all_ignored_is_an_error():
    with pytest.raises(g4f.errors.G4FError, match="ignored"):
        Client().chat.completions.create(
            user(), provider=IterListProvider([AsyncGenProvider]), ignored_providers=["AsyncGenProvider"]
        )


def test_ignore_working():
    with pytest.raises(ProviderNotWorkingError, match="BrokenProvider"):
        Client().chat.completions.create(user(), provider=BrokenProvider)
    response = Client().chat.completions.create(user(), provider=BrokenProvider, ignore_working=True)
    assert response.choices[0].message.content == "Hello, world!"


def test_not_working_providers_skipped_in_a_model():
    model = routed_model("core-broken-model", BrokenProvider, EchoProvider)
    assert Client().chat.completions.create(user("fine"), model).choices[0].message.content == "fine"


def test_stream_not_supported():
    with pytest.raises(StreamNotSupportedError) as info:
        list(Client().chat.completions.create(user(), provider=CoroutineProvider, stream=True))
    assert info.value.status_code == 400
    with pytest.raises(StreamNotSupportedError):
        list(g4f.ChatCompletion.create("", user(), provider=CoroutineProvider, stream=True))
    # ignore_stream: the whole answer arrives as one chunk
    chunks = list(Client().chat.completions.create(user(), provider=CoroutineProvider, stream=True, ignore_stream=True))
    assert chunks[0].choices[0].delta.content == "Hello, world!"
    # not streaming, a non-streaming provider is fine without the flag
    assert g4f.ChatCompletion.create("", user(), provider=CoroutineProvider) == "Hello, world!"


async def test_stream_not_supported_async():
    with pytest.raises(StreamNotSupportedError):
        async for _ in AsyncClient().chat.completions.create(user(), provider=CoroutineProvider, stream=True):
            pass


def test_streaming_model_skips_providers_that_cannot_stream():
    model = routed_model("core-stream-model", CoroutineProvider, AsyncGenProvider)
    chunks = list(Client().chat.completions.create(user(), model, stream=True))
    assert chunks[-1].provider == "AsyncGenProvider"
    assert CoroutineProvider.calls == []


def test_health_pushes_failing_provider_back():
    model = routed_model("core-health-model", RaisingProvider, EchoProvider)
    Client().chat.completions.create(user("a"), model)
    assert RaisingProvider.calls == 1
    Client().chat.completions.create(user("b"), model)
    assert RaisingProvider.calls == 1  # tried after the healthy one now, and not needed


def test_get_model_and_provider():
    from g4f.client.service import get_model_and_provider

    model = routed_model("core-service-model", AsyncGenProvider, EchoProvider)
    name, provider = get_model_and_provider("core-service-model", None)
    assert name == "core-service-model"
    assert isinstance(provider, IterListProvider)
    assert [p.__name__ for p in provider.providers] == ["AsyncGenProvider", "EchoProvider"]
    name, provider = get_model_and_provider(model, AsyncGenProvider)
    assert provider is AsyncGenProvider
