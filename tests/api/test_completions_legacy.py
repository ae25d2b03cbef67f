"""``POST /v1/completions`` (legacy text completions) through a real server and the official SDK,
over the fake OpenAI upstream (which answers "Echo: <prompt>") and offline with the embedded model."""

from __future__ import annotations

import httpx
import openai
import pytest

from tests.fakes.openai_server import FakeOpenAI

from .server import ThreadedUvicorn

KEY = "sk-completions-fake-0123456789"
MODEL = "gpt-4o-mini"


@pytest.fixture(scope="module")
def upstream():
    with FakeOpenAI(api_key=KEY) as fake, pytest.MonkeyPatch.context() as patch:
        patch.setenv("OPENAI_API_KEY", KEY)
        patch.setenv("OPENAIAPI_API_BASE", fake.url + "/v1")
        server = ThreadedUvicorn().start()
        try:
            yield fake, server
        finally:
            server.stop()


@pytest.fixture
def sdk(upstream):
    _, server = upstream
    with openai.OpenAI(
        base_url=server.url + "/v1", api_key="unused", max_retries=0, _strict_response_validation=True
    ) as client:
        yield client


def test_completion_echo_and_usage(upstream, sdk):
    fake, _ = upstream
    result = sdk.completions.create(model=MODEL, prompt="Say hi", max_tokens=20)
    assert result.object == "text_completion" and result.id.startswith("cmpl-")
    assert result.choices[0].text == "Echo: Say hi" and result.choices[0].finish_reason == "stop"
    assert result.choices[0].logprobs is None
    assert result.usage.completion_tokens > 0 and result.usage.total_tokens > result.usage.completion_tokens
    assert fake.last["json"]["messages"] == [{"role": "user", "content": "Say hi"}]
    assert fake.last["json"]["max_tokens"] == 20
    echoed = sdk.completions.create(model=MODEL, prompt="Again", echo=True, max_tokens=20)
    assert echoed.choices[0].text == "AgainEcho: Again"


def test_prompt_list_and_n(sdk):
    result = sdk.completions.create(model=MODEL, prompt=["one", "two"], n=2, max_tokens=20)
    assert [c.index for c in result.choices] == [0, 1, 2, 3]
    assert [c.text for c in result.choices] == ["Echo: one", "Echo: one", "Echo: two", "Echo: two"]


def test_default_max_tokens_is_openais(upstream, sdk):
    fake, _ = upstream
    sdk.completions.create(model=MODEL, prompt="x")
    assert fake.last["json"]["max_tokens"] == 16


@pytest.fixture
def lenient(upstream):
    """For streams: OpenAI sends ``finish_reason: null`` until the end, which the SDK's ``Completion``
    type (non-optional there) refuses under strict validation, for OpenAI's own streams too."""
    _, server = upstream
    with openai.OpenAI(base_url=server.url + "/v1", api_key="unused", max_retries=0) as client:
        yield client


def test_streaming(lenient):
    sdk = lenient
    chunks = list(
        sdk.completions.create(
            model=MODEL, prompt="Stream me", stream=True, echo=True, stream_options={"include_usage": True}
        )
    )
    text = "".join(c.choices[0].text for c in chunks if c.choices)
    assert text == "Stream meEcho: Stream me"
    assert all(c.object == "text_completion" for c in chunks)
    finished = [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason]
    assert finished == ["stop"]
    assert chunks[-1].choices == [] and chunks[-1].usage.completion_tokens > 0
    plain = list(sdk.completions.create(model=MODEL, prompt="No usage", stream=True))
    assert all(c.usage is None for c in plain)


@pytest.mark.parametrize(
    ("body", "status", "param"),
    [
        ({"prompt": "x", "suffix": "end"}, 400, "suffix"),
        ({"prompt": [1, 2, 3]}, 400, "prompt"),
        ({"prompt": 5}, 400, "prompt"),
        ({"prompt": "x", "logprobs": 9}, 400, "logprobs"),
        ({"prompt": "x", "n": 0}, 400, "n"),
        ({"prompt": "x", "stream": "yes"}, 422, "stream"),
    ],
)
def test_refusals(upstream, body, status, param):
    fake, server = upstream
    sent = len(fake.requests)
    response = httpx.post(server.url + "/v1/completions", json={"model": MODEL, **body}, timeout=30)
    assert response.status_code == status, response.text
    assert response.json()["error"]["param"] == param
    assert len(fake.requests) == sent


def test_upstream_error_before_the_stream_is_an_http_error(upstream, lenient):
    fake, _ = upstream
    fake.script.append({"status": 500, "message": "upstream broke"})
    with pytest.raises(openai.APIStatusError) as info:
        list(lenient.completions.create(model=MODEL, prompt="x", stream=True))
    assert info.value.status_code >= 500


def test_offline_with_the_embedded_model(upstream, sdk):
    result = sdk.completions.create(model="smollm2-135m", prompt="The sky is", max_tokens=4)
    assert result.choices[0].text.strip() and result.choices[0].finish_reason in ("stop", "length")
    assert result.usage.completion_tokens <= 4


def test_library_client(upstream):
    from g4f.client import Client

    client = Client()
    result = client.completions.create("Library", model=MODEL, max_tokens=20)
    assert result["choices"][0]["text"] == "Echo: Library"
    chunks = list(client.completions.create("Streamed", model=MODEL, stream=True, max_tokens=20))
    assert "".join(c["choices"][0]["text"] for c in chunks if c["choices"]) == "Echo: Streamed"
