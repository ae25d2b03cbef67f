"""Scripts and custom providers written for gpt4free, run through this package's library."""

from __future__ import annotations

import pytest

import g4f.errors
from g4f.client import Client
from g4f.providers.base_provider import AsyncGeneratorProvider
from g4f.providers.response import AudioResponse, Reasoning, Sources
from g4f.providers.retry_provider import IterListProvider

USER = [{"role": "user", "content": "hi"}]

GPT4FREE_ERRORS = (
    "G4FError ProviderNotFoundError ProviderNotWorkingError StreamNotSupportedError ModelNotFoundError "
    "ModelNotAllowedError RetryProviderError RetryNoProviderError VersionNotFoundError MissingRequirementsError "
    "NestAsyncioError MissingAuthError PaymentRequiredError NoMediaResponseError ResponseError ResponseStatusError "
    "CloudflareError BadRequestError RateLimitError NoValidHarFileError TimeoutError ConversationLimitError "
    "ProviderException"
).split()


def test_every_gpt4free_error_name_with_its_status():
    for name in GPT4FREE_ERRORS:
        assert issubclass(getattr(g4f.errors, name), g4f.errors.G4FError), name
    status = {name: getattr(g4f.errors, name).status_code for name in GPT4FREE_ERRORS}
    assert status["PaymentRequiredError"] == 402 and status["ModelNotAllowedError"] == 403
    assert status["BadRequestError"] == 400 and status["RateLimitError"] == 429
    assert status["NoValidHarFileError"] == 401 and status["TimeoutError"] == 504
    assert issubclass(g4f.errors.TimeoutError, TimeoutError)  # `except TimeoutError` still catches it
    assert issubclass(g4f.errors.CloudflareError, g4f.errors.ResponseStatusError)
    assert not g4f.errors.BadRequestError("x").retryable and g4f.errors.PaymentRequiredError("x").retryable


class Empty(AsyncGeneratorProvider):
    working = True
    calls = 0

    @classmethod
    async def create_async_generator(cls, model, messages, **kwargs):
        cls.calls += 1
        yield None
        yield ""


class Answers(AsyncGeneratorProvider):
    working = True

    @classmethod
    async def create_async_generator(cls, model, messages, **kwargs):
        yield None
        yield Reasoning("thinking")
        for word in ("one ", "two ", "three ", "four ", "five "):
            yield word
        yield Sources([{"url": "https://example.com/a", "title": "A"}])


class Talks(AsyncGeneratorProvider):
    working = True

    @classmethod
    async def create_async_generator(cls, model, messages, **kwargs):
        yield "Hello"
        yield AudioResponse(b"\x01\x02", transcript="Hel", id="audio_1", expires_at=1700000000)
        yield AudioResponse(b"\x03", transcript="lo")


@pytest.mark.parametrize("stream", [False, True])
def test_empty_answer_falls_back(stream):
    Empty.calls = 0
    client = Client()
    response = client.chat.completions.create(USER, "", provider=IterListProvider([Empty, Answers]), stream=stream)
    if stream:
        chunks = list(response)
        text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
        assert chunks[-1].provider == "Answers"
    else:
        text = response.choices[0].message.content
        assert response.provider == "Answers"
    assert Empty.calls == 1 and text.startswith("one two three four five")


def test_empty_answer_alone_is_an_error():
    with pytest.raises(g4f.errors.ResponseError, match="answered nothing"):
        Client().chat.completions.create(USER, "", provider=Empty)


@pytest.mark.parametrize("stream", [False, True])
def test_max_tokens_cuts_a_provider_that_overruns(stream):
    response = Client().chat.completions.create(USER, "", provider=Answers, max_tokens=3, stream=stream)
    if stream:
        chunks = list(response)
        text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
        reason = chunks[-1].choices[0].finish_reason
    else:
        text, reason = response.choices[0].message.content, response.choices[0].finish_reason
    assert text == "one two three " and reason == "length"


def test_reasoning_content_and_sources():
    response = Client().chat.completions.create(USER, "", provider=Answers)
    message = response.choices[0].message
    assert message.reasoning == message.reasoning_content == "thinking"
    assert message.model_dump()["reasoning_content"] == "thinking"
    assert message.content.endswith("\n\n\n\n> [0] [A](https://example.com/a)")
    stream = list(Client().chat.completions.create(USER, "", provider=Answers, stream=True))
    assert stream[0].choices[0].delta.model_dump()["reasoning_content"] == "thinking"


def test_chat_audio_kept():
    response = Client().chat.completions.create(USER, "", provider=Talks)
    audio = response.choices[0].message.audio
    assert audio == {"id": "audio_1", "expires_at": 1700000000, "data": "AQID", "transcript": "Hello"}
    deltas = [
        c.choices[0].delta.audio
        for c in Client().chat.completions.create(USER, "", provider=Talks, stream=True)
        if c.choices and c.choices[0].delta.audio
    ]
    assert deltas == [
        {"id": "audio_1", "expires_at": 1700000000, "data": "AQI=", "transcript": "Hel"},
        {"data": "Aw==", "transcript": "lo"},
    ]


def test_provider_name_as_model(monkeypatch):
    from g4f.client.service import get_model_and_provider
    from g4f.Provider import Groq

    monkeypatch.delenv("GROQ_API_KEY", raising=False)
    assert get_model_and_provider("Groq", None, False) == (Groq.default_model, Groq)
    with pytest.raises(g4f.errors.MissingAuthError, match="GROQ_API_KEY"):  # refused before sending
        Client().chat.completions.create(USER, "Groq")


def test_known_model_resolves_without_keys(monkeypatch):
    from g4f.client.service import get_model_and_provider

    for env in ("OPENAI_API_KEY", "OPENROUTER_API_KEY"):
        monkeypatch.delenv(env, raising=False)
    name, provider = get_model_and_provider("gpt-4o", None, False)
    assert name == "gpt-4o" and [p.__name__ for p in provider.providers] == ["OpenaiAPI", "OpenRouter"]
    with pytest.raises(g4f.errors.G4FError, match="OPENAI_API_KEY"):  # the key error comes at call time
        Client().chat.completions.create(USER, name, provider=provider)


@pytest.mark.parametrize("model", ["tts-1", "whisper-1"])
def test_audio_models_do_not_chat(model):
    with pytest.raises(g4f.errors.InvalidRequestError, match="audio model") as caught:
        Client().chat.completions.create(USER, model)
    assert caught.value.status_code == 400 and caught.value.param == "model"


PNG = (
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgAAAAAgABVKJPXQAAAABJRU5ErkJggg=="
)


class DownImages(AsyncGeneratorProvider):
    working = True

    @classmethod
    async def create_image(cls, model=None, **kwargs):
        raise g4f.errors.ProviderError("down")


class Images(AsyncGeneratorProvider):
    working = True

    @classmethod
    async def create_image(cls, model=None, **kwargs):
        from g4f.providers.response import ImageResponse

        return ImageResponse([PNG], "a cat")


def test_images_fall_back_across_an_image_provider_list():
    client = Client(image_provider=IterListProvider([DownImages, Images]))
    response = client.images.generate("a cat", response_format="b64_json")
    assert response.provider == "Images" and response.data[0].b64_json
    lenient = client.images.generate("a cat", response_format="base64")  # as gpt4free: the default
    assert lenient.data[0].url.startswith("/media/")
