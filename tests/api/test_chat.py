"""Chat completions through the official openai SDK (strict response validation), sync and async."""

from __future__ import annotations

import httpx
import orjson

from . import mocks
from .openai_schema import validate

USER = [{"role": "user", "content": "hello there"}]


def test_sync_whole(client):
    response = client.chat.completions.create(model="echo-1", messages=USER, extra_body={"provider": "MockEcho"})
    assert response.choices[0].message.content == "echo: hello there"
    assert response.choices[0].finish_reason == "stop"
    assert response.usage.prompt_tokens == 5 and response.usage.completion_tokens == 3
    assert response.model == "echo-1"
    assert response.model_extra["provider"] == "MockEcho"


def test_sync_stream(client):
    stream = client.chat.completions.create(
        model="echo-1", messages=USER, stream=True, extra_body={"provider": "MockEcho"}
    )
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "echo: hello there"
    assert chunks[0].choices[0].delta.role == "assistant"
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert all(c.usage is None for c in chunks)  # as OpenAI: usage only when include_usage asks for it
    assert len({c.id for c in chunks}) == 1
    asked = list(
        client.chat.completions.create(
            model="echo-1",
            messages=USER,
            stream=True,
            stream_options={"include_usage": True},
            extra_body={"provider": "MockEcho"},
        )
    )
    assert asked[-2].choices[0].finish_reason == "stop" and asked[-2].usage is None
    assert asked[-1].choices == [] and asked[-1].usage.total_tokens == 8


async def test_async_whole_and_stream(aclient):
    response = await aclient.chat.completions.create(model="echo-1", messages=USER, extra_body={"provider": "MockEcho"})
    assert response.choices[0].message.content == "echo: hello there"
    stream = await aclient.chat.completions.create(
        model="echo-1", messages=USER, stream=True, extra_body={"provider": "MockEcho"}
    )
    text = [c.choices[0].delta.content async for c in stream if c.choices and c.choices[0].delta.content]
    assert "".join(text) == "echo: hello there"


def test_parameters_reach_the_provider(client):
    client.chat.completions.create(
        model="echo-2",
        messages=USER,
        max_tokens=9,
        temperature=0.3,
        top_p=0.5,
        stop=["zz"],
        seed=4,
        presence_penalty=0.1,
        frequency_penalty=0.2,
        response_format={"type": "json_object"},
        user="u1",
        extra_body={"provider": "MockEcho", "unknown_field": 1},  # a request's proxy: tests/api/test_security.py
    )
    call = mocks.MockEcho.calls[-1]
    assert call["model"] == "echo-2"
    assert (call["max_tokens"], call["temperature"], call["top_p"], call["stop"], call["seed"]) == (
        9,
        0.3,
        0.5,
        ["zz"],
        4,
    )
    assert call["presence_penalty"] == 0.1 and call["frequency_penalty"] == 0.2
    assert call["response_format"] == {"type": "json_object"} and call["user"] == "u1"
    assert "unknown_field" not in call and "conversation_id" not in call


def test_max_completion_tokens_is_passed_as_given(client):
    # Not rewritten to max_tokens: OpenAI's reasoning models refuse max_tokens.
    client.chat.completions.create(
        model="echo-1", messages=USER, max_completion_tokens=7, extra_body={"provider": "MockEcho"}
    )
    assert mocks.MockEcho.calls[-1]["max_completion_tokens"] == 7
    assert "max_tokens" not in mocks.MockEcho.calls[-1]


def test_reasoning_and_tool_calls(client):
    tools = [{"type": "function", "function": {"name": "weather", "parameters": {"type": "object", "properties": {}}}}]
    response = client.chat.completions.create(
        model="m", messages=USER, tools=tools, extra_body={"provider": "MockParts"}
    )
    choice = response.choices[0]
    assert choice.finish_reason == "tool_calls"
    assert choice.message.tool_calls[0].function.name == "weather"
    assert choice.message.tool_calls[0].function.arguments == '{"city": "Paris"}'
    assert choice.message.model_extra["reasoning"] == "thinking..."
    stream = client.chat.completions.create(
        model="m", messages=USER, tools=tools, stream=True, extra_body={"provider": "MockParts"}
    )
    chunks = list(stream)
    assert any(c.choices and c.choices[0].delta.tool_calls for c in chunks)
    assert chunks[-1].choices[0].finish_reason == "tool_calls"


def test_n_choices(client):
    response = client.chat.completions.create(model="echo-1", messages=USER, n=2, extra_body={"provider": "MockEcho"})
    assert [c.index for c in response.choices] == [0, 1]
    assert all(c.message.content == "echo: hello there" for c in response.choices)
    assert response.usage.completion_tokens == 6


def test_provider_route(server):
    from openai import OpenAI

    with OpenAI(
        base_url=f"{server.url}/api/MockEcho", api_key="x", max_retries=0, _strict_response_validation=True
    ) as c:
        response = c.chat.completions.create(model="echo-1", messages=USER)
    assert response.choices[0].message.content == "echo: hello there"
    assert response.model_extra["provider"] == "MockEcho"


def test_responses_match_openai_schemas(server):
    url = f"{server.url}/v1/chat/completions"
    body = {"model": "echo-1", "provider": "MockEcho", "messages": USER}
    whole = httpx.post(url, json=body).json()
    validate(whole, "CreateChatCompletionResponse")
    with httpx.stream("POST", url, json={**body, "stream": True}) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        lines = [line for line in response.iter_lines() if line]
    assert lines[-1] == "data: [DONE]"
    for line in lines[:-1]:
        assert line.startswith("data: ")
        validate(orjson.loads(line[6:]), "CreateChatCompletionStreamResponse")
    models = httpx.get(f"{server.url}/v1/models").json()
    validate(models, "ListModelsResponse")


def test_embedded_model_answers(client):
    """The Local provider (SmolLM2 in-process) through the server, whole and streamed."""
    response = client.chat.completions.create(model="", messages=[{"role": "user", "content": "Say hi"}], max_tokens=8)
    assert response.choices[0].message.content.strip()
    assert response.model_extra["provider"] == "Local"
    assert 0 < response.usage.completion_tokens <= 8
    stream = client.chat.completions.create(
        model="smollm2-135m", messages=[{"role": "user", "content": "Count: 1, 2,"}], max_tokens=6, stream=True
    )
    chunks = list(stream)
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices).strip()
    assert chunks[-1].choices[0].finish_reason in ("stop", "length")


def test_docs_and_openapi(server):
    assert httpx.get(f"{server.url}/docs").status_code == 200
    spec = httpx.get(f"{server.url}/openapi.json").json()
    assert "/v1/chat/completions" in spec["paths"]
    body = spec["paths"]["/v1/chat/completions"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert "messages" in body["required"] and body["properties"]["temperature"]["maximum"] == 2


def test_models_through_the_sdk(client):
    models = client.models.list()
    ids = [m.id for m in models]
    assert "smollm2-135m" in ids and "gpt-4o" in ids
    model = client.models.retrieve("smollm2-135m")
    assert model.owned_by == "HuggingFace" and model.model_extra["provider"] == "Local"
    assert client.models.retrieve("echo-2").model_extra["vision"] is True  # served by a provider, outside the registry


async def test_async_errors(aclient):
    import openai
    import pytest

    with pytest.raises(openai.NotFoundError):
        await aclient.chat.completions.create(model="no-such-model-xyz", messages=USER)
    stream = await aclient.chat.completions.create(
        model="m", messages=USER, stream=True, extra_body={"provider": "MockMidStream"}
    )
    with pytest.raises(openai.APIError, match="connection reset"):
        async for _ in stream:
            pass


def test_lane_request_is_starlettes_request_made_in_one_call():
    """The chat lane's request skips Starlette's two-step ``__init__``: it must set what that sets."""
    from starlette.requests import Request

    from g4f.api.chat import LaneRequest

    async def receive() -> dict:
        return {"type": "http.request", "body": b"{}"}

    scope = {"type": "http", "method": "POST", "path": "/v1/chat/completions", "headers": []}
    lane, plain = LaneRequest(scope, receive), Request(scope, receive)
    assert vars(lane) == vars(plain)
    assert lane.receive is receive and lane.scope is scope
