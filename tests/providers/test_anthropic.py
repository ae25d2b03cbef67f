"""The Anthropic Messages API adapter against a local fake of the API."""

from __future__ import annotations

import base64
import json
import logging
import socket

import pytest

from g4f import Provider
from g4f.client import AsyncClient, Client
from g4f.errors import (
    InvalidRequestError,
    MissingAuthError,
    ModelNotFoundError,
    NotSupportedError,
    ProviderError,
    ProviderTimeoutError,
    RateLimitError,
    ResponseError,
)
from g4f.providers.http import close_session
from g4f.providers.response import FinishReason, Reasoning, ToolCalls, Usage
from tests.fakes.anthropic_server import API_KEY, FakeAnthropic

Anthropic = Provider.get("Anthropic")
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(17)
WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Weather in a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}


@pytest.fixture(scope="module")
def server():
    with FakeAnthropic() as fake:
        yield fake


@pytest.fixture
async def fake(server, monkeypatch):
    server.script.clear()
    server.requests.clear()
    monkeypatch.setenv("ANTHROPIC_API_BASE", server.url)
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    yield server
    await close_session()


async def collect(**kwargs) -> list:
    kwargs.setdefault("api_key", API_KEY)
    messages = kwargs.pop("messages", [{"role": "user", "content": "hi"}])
    return [p async for p in Anthropic.create_async_generator(kwargs.pop("model", ""), messages, **kwargs)]


def text_of(parts: list) -> str:
    return "".join(p for p in parts if isinstance(p, str))


def one(parts: list, kind: type):
    found = [p for p in parts if isinstance(p, kind)]
    assert len(found) == 1, parts
    return found[0]


@pytest.mark.parametrize("stream", [True, False])
async def test_text_usage_finish_and_request_shape(fake, stream):
    fake.script.append({"text": "Hello there, friend", "usage": (21, 5)})
    messages = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "hi"}]
    parts = await collect(messages=messages, stream=stream, temperature=0.3, stop=["END"], model="claude-3.5-sonnet")
    assert text_of(parts) == "Hello there, friend"
    assert one(parts, Usage) == Usage(21, 5, 26)
    assert one(parts, FinishReason).reason == "stop"
    sent = fake.requests[-1]
    assert sent["path"] == "/v1/messages"
    assert sent["headers"]["x-api-key"] == API_KEY
    assert sent["headers"]["anthropic-version"] == "2023-06-01"
    body = sent["json"]
    assert body["model"] == "claude-3-5-sonnet-20241022"
    assert body["system"] == "Be brief."
    assert body["messages"] == [{"role": "user", "content": [{"type": "text", "text": "hi"}]}]
    assert body["max_tokens"] == 4096 and body["temperature"] == 0.3 and body["stop_sequences"] == ["END"]
    assert body.get("stream", False) is stream


async def test_default_echo_reaches_caller(fake):
    parts = await collect(messages=[{"role": "user", "content": "ping 42"}], stream=True)
    assert text_of(parts) == "You said: ping 42"
    assert fake.requests[-1]["json"]["model"] == Anthropic.default_model


@pytest.mark.parametrize(
    ("stop_reason", "expected"),
    [("max_tokens", "length"), ("stop_sequence", "stop"), ("end_turn", "stop"), ("refusal", "content_filter")],
)
async def test_finish_reasons(fake, stop_reason, expected):
    fake.script.append({"text": "cut", "stop_reason": stop_reason})
    parts = await collect(stream=True, max_tokens=3)
    assert one(parts, FinishReason).reason == expected
    assert fake.requests[-1]["json"]["max_tokens"] == 3


@pytest.mark.parametrize("stream", [True, False])
async def test_reasoning_from_thinking(fake, stream):
    fake.script.append({"thinking": "Two plus two is four.", "text": "4"})
    parts = await collect(stream=stream, reasoning_effort="low", temperature=0.5)
    assert "".join(p.token for p in parts if isinstance(p, Reasoning)) == "Two plus two is four."
    assert text_of(parts) == "4"
    body = fake.requests[-1]["json"]
    assert body["thinking"] == {"type": "enabled", "budget_tokens": 1024}
    assert body["max_tokens"] > 1024 and "temperature" not in body


async def test_tools_round_trip_through_async_client(fake):
    fake.script.append(
        {
            "text": "Let me check.",
            "tool_uses": [
                ("toolu_01", "get_weather", {"city": "Paris"}),
                ("toolu_02", "get_weather", {"city": "Rome"}),
            ],
        }
    )
    client = AsyncClient(provider="Anthropic", api_key=API_KEY)
    messages = [{"role": "user", "content": "Weather in Paris and Rome?"}]
    first = await client.chat.completions.create(messages, tools=[WEATHER], tool_choice="required")
    choice = first.choices[0]
    assert choice.finish_reason == "tool_calls"
    calls = choice.message.tool_calls
    assert [(c.id, c.function.name, json.loads(c.function.arguments)) for c in calls] == [
        ("toolu_01", "get_weather", {"city": "Paris"}),
        ("toolu_02", "get_weather", {"city": "Rome"}),
    ]
    body = fake.requests[-1]["json"]
    assert body["tools"] == [
        {"name": "get_weather", "description": "Weather in a city", "input_schema": WEATHER["function"]["parameters"]}
    ]
    assert body["tool_choice"] == {"type": "any"}

    fake.script.append({"text": "Sunny in Paris, rainy in Rome."})
    messages += [
        {"role": "assistant", "content": "Let me check.", "tool_calls": [c.model_dump() for c in calls]},
        {"role": "tool", "tool_call_id": "toolu_01", "content": '{"sky": "sunny"}'},
        {"role": "tool", "tool_call_id": "toolu_02", "content": '{"sky": "rainy"}'},
    ]
    second = await client.chat.completions.create(
        messages, tools=[WEATHER], tool_choice={"type": "function", "function": {"name": "get_weather"}}
    )
    assert second.choices[0].message.content == "Sunny in Paris, rainy in Rome."
    body = fake.requests[-1]["json"]
    assert body["tool_choice"] == {"type": "tool", "name": "get_weather"}
    assert body["messages"][1] == {
        "role": "assistant",
        "content": [
            {"type": "text", "text": "Let me check."},
            {"type": "tool_use", "id": "toolu_01", "name": "get_weather", "input": {"city": "Paris"}},
            {"type": "tool_use", "id": "toolu_02", "name": "get_weather", "input": {"city": "Rome"}},
        ],
    }
    assert body["messages"][2] == {
        "role": "user",
        "content": [
            {"type": "tool_result", "tool_use_id": "toolu_01", "content": '{"sky": "sunny"}'},
            {"type": "tool_result", "tool_use_id": "toolu_02", "content": '{"sky": "rainy"}'},
        ],
    }


async def test_streamed_tool_call_assembled_from_json_deltas(fake):
    args = {"city": "Reykjavík", "units": "metric", "days": [1, 2, 3]}
    fake.script.append({"tool_uses": [("toolu_9", "get_weather", args)], "usage": (30, 12)})
    client = AsyncClient(provider="Anthropic", api_key=API_KEY)
    chunks = [
        c
        async for c in client.chat.completions.create([{"role": "user", "content": "?"}], tools=[WEATHER], stream=True)
    ]
    deltas = [c.choices[0].delta.tool_calls for c in chunks if c.choices and c.choices[0].delta.tool_calls]
    assert len(deltas) == 1 and deltas[0][0]["id"] == "toolu_9"
    assert json.loads(deltas[0][0]["function"]["arguments"]) == args
    assert chunks[-1].choices[0].finish_reason == "tool_calls"
    assert chunks[-1].usage.prompt_tokens == 30 and chunks[-1].usage.completion_tokens == 12


async def test_json_schema_answer_via_forced_tool(fake):
    fake.script.append({"tool_uses": [("toolu_j", "person", {"name": "Ada", "age": 36})]})
    schema = {"type": "object", "properties": {"name": {"type": "string"}, "age": {"type": "integer"}}}
    parts = await collect(
        stream=True, response_format={"type": "json_schema", "json_schema": {"name": "person", "schema": schema}}
    )
    assert json.loads(text_of(parts)) == {"name": "Ada", "age": 36}
    assert not [p for p in parts if isinstance(p, ToolCalls)]
    assert one(parts, FinishReason).reason == "stop"
    body = fake.requests[-1]["json"]
    assert body["tool_choice"] == {"type": "tool", "name": "person"} and body["tools"][0]["input_schema"] == schema


async def test_images_as_image_blocks(fake, tmp_path):
    path = tmp_path / "photo.png"
    path.write_bytes(PNG)
    data_uri = "data:image/png;base64," + base64.b64encode(PNG).decode()
    messages = [
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "What is in these?"},
                {"type": "image_url", "image_url": {"url": data_uri}},
                {"type": "image_url", "image_url": {"url": "https://example.com/cat.jpg"}},
            ],
        }
    ]
    await collect(messages=messages, media=[(path, None), (PNG, "b.png")], model="claude-3-7-sonnet-20250219")
    content = fake.requests[-1]["json"]["messages"][0]["content"]
    b64 = {
        "type": "image",
        "source": {"type": "base64", "media_type": "image/png", "data": base64.b64encode(PNG).decode()},
    }
    assert content == [
        b64,
        b64,
        b64,
        {"type": "image", "source": {"type": "url", "url": "https://example.com/cat.jpg"}},
        {"type": "text", "text": "What is in these?"},
    ]


def test_images_through_client_media(fake):
    client = Client(provider="Anthropic", api_key=API_KEY)
    client.chat.completions.create([{"role": "user", "content": "Describe"}], model="claude-3.5-sonnet", image=PNG)
    content = fake.requests[-1]["json"]["messages"][0]["content"]
    assert content[0]["type"] == "image" and content[0]["source"]["media_type"] == "image/png"
    assert content[1] == {"type": "text", "text": "Describe"}


async def test_text_only_model_refuses_images(fake):
    with pytest.raises(NotSupportedError, match="does not accept images"):
        await collect(model="claude-3.5-haiku", media=[(PNG, "a.png")])
    assert not fake.requests


def test_sync_client_stream_and_whole(fake):
    client = Client(provider="Anthropic", api_key=API_KEY)
    whole = client.chat.completions.create([{"role": "user", "content": "one"}], model="claude-3.7-sonnet")
    assert whole.choices[0].message.content == "You said: one"
    assert whole.provider == "Anthropic" and whole.usage.total_tokens == 18
    chunks = list(client.chat.completions.create([{"role": "user", "content": "two"}], stream=True))
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == "You said: two"
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert fake.requests[-1]["json"]["stream"] is True


# --- errors ------------------------------------------------------------------------------------


async def test_wrong_key_is_missing_auth_and_never_echoed(fake, caplog):
    secret = "sk-ant-wrong-secret-value"
    from g4f import debug

    debug.enable(True)
    try:
        with caplog.at_level(logging.DEBUG, logger="g4f"):
            with pytest.raises(MissingAuthError) as info:
                await AsyncClient(provider="Anthropic", api_key=secret).chat.completions.create(
                    [{"role": "user", "content": "hi"}]
                )
    finally:
        debug.enable(False)
    assert "invalid x-api-key" in str(info.value)
    assert secret not in str(info.value) and secret not in caplog.text
    assert secret not in json.dumps(info.value.to_dict())


async def test_rate_limit_with_retry_after(fake):
    fake.script.append(
        {"status": 429, "error_type": "rate_limit_error", "message": "Slow down", "headers": {"retry-after": "7"}}
    )
    with pytest.raises(RateLimitError) as info:
        await collect(stream=True)
    assert info.value.retry_after == 7.0 and "Slow down" in str(info.value) and info.value.retryable


@pytest.mark.parametrize("status", [500, 529])
async def test_server_errors_are_retryable(fake, status):
    fake.script.append(
        {"status": status, "error_type": "overloaded_error" if status == 529 else "api_error", "message": "Overloaded"}
    )
    with pytest.raises(ProviderError) as info:
        await collect()
    assert info.value.retryable and "Overloaded" in str(info.value)


async def test_unknown_model_is_model_not_found(fake):
    with pytest.raises(ModelNotFoundError):
        await collect(model="gpt-4o")


async def test_bad_request_is_invalid_request(fake):
    messages = [{"role": "user", "content": "x"}, {"role": "tool", "tool_call_id": "nope", "content": "1"}]
    with pytest.raises(InvalidRequestError, match="tool_result"):
        await collect(messages=messages)


async def test_error_event_mid_stream(fake):
    fake.script.append({"text": "Hello there, friend", "stream_error_after": 2})
    parts = []
    with pytest.raises(ProviderError, match="Overloaded"):
        async for part in Anthropic.create_async_generator(
            "", [{"role": "user", "content": "hi"}], stream=True, api_key=API_KEY
        ):
            parts.append(part)
    assert text_of(parts) == "Hello ther"  # the two 5-character deltas sent before the error


async def test_connection_reset_mid_stream(fake):
    fake.script.append({"text": "a long answer that will not finish", "reset_after": 6})
    with pytest.raises(ProviderError) as info:
        await collect(stream=True)
    assert info.value.retryable


@pytest.mark.parametrize(
    "reply", [{"raw": b"event: message_start\ndata: {not json\n\n"}, {"text": "abc", "truncate_after": 4}]
)
async def test_malformed_or_truncated_stream(fake, reply):
    fake.script.append(reply)
    with pytest.raises(ResponseError):
        await collect(stream=True)


async def test_slow_first_byte_times_out(fake):
    fake.script.append({"delay": 1.5, "text": "late"})
    with pytest.raises(ProviderTimeoutError):
        await collect(stream=True, timeout=0.3)


async def test_connection_refused_is_retryable(fake):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(ProviderError) as info:
        await collect(api_base=f"http://127.0.0.1:{port}")
    assert info.value.retryable


# --- keys and endpoints ------------------------------------------------------------------------


async def test_key_from_environment(fake, monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", API_KEY)
    parts = [p async for p in Anthropic.create_async_generator("", [{"role": "user", "content": "env"}])]
    assert text_of(parts) == "You said: env"


async def test_key_from_cookies_dir(fake):
    from g4f import cookies

    folder = cookies.get_cookies_dir()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / ".env").write_text(f"ANTHROPIC_API_KEY={API_KEY}\n")
    cookies.reset()
    result = await AsyncClient(provider="Anthropic").chat.completions.create([{"role": "user", "content": "dir"}])
    assert result.choices[0].message.content == "You said: dir"


async def test_no_key_says_which_variable(fake):
    with pytest.raises(MissingAuthError, match="ANTHROPIC_API_KEY"):
        await collect(api_key=None)
    assert not fake.requests


async def test_per_request_api_base_wins(fake, monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_BASE", "http://127.0.0.1:9")  # nothing listens there
    parts = await collect(api_base=fake.url + "/")
    assert text_of(parts) == "You said: hi"


def test_registry_names_resolve():
    for name in ("claude-3.5-sonnet", "claude-3.7-sonnet", "claude-3.5-haiku"):
        assert Anthropic.get_model(name) in Anthropic.models
    assert Anthropic.needs_auth and Anthropic.working and Anthropic.default_model in Anthropic.models
    assert set(Anthropic.vision_models) <= set(Anthropic.models)
