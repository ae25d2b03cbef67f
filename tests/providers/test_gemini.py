"""The Gemini API adapter against a local fake of the API."""

from __future__ import annotations

import base64
import json
import logging

import pytest
from aiohttp import web

from g4f import Provider
from g4f.client import AsyncClient, Client
from g4f.errors import (
    MissingAuthError,
    ModelNotFoundError,
    ProviderError,
    ProviderTimeoutError,
    RateLimitError,
    ResponseError,
)
from g4f.providers.gemini_protocol import to_schema
from g4f.providers.http import close_session
from g4f.providers.response import FinishReason, Reasoning, ToolCalls, Usage
from g4f.providers.retry_provider import IterListProvider
from tests.fakes import anthropic_server
from tests.fakes.gemini_server import API_KEY, FakeGemini
from tests.fakes.threaded_server import ThreadedServer

Gemini = Provider.get("Gemini")
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(17)
JPEG = b"\xff\xd8\xff\xe0" + bytes(20)
WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Weather in a city",
        "parameters": {
            "type": "object",
            "additionalProperties": False,
            "properties": {"city": {"type": "string"}, "unit": {"type": ["string", "null"], "enum": ["C", "F"]}},
            "required": ["city"],
        },
    },
}


@pytest.fixture(scope="module")
def server():
    with FakeGemini() as fake:
        yield fake


@pytest.fixture
async def fake(server, monkeypatch):
    server.script.clear()
    server.requests.clear()
    monkeypatch.setenv("GEMINI_API_BASE", server.url)
    monkeypatch.delenv("GEMINI_API_KEY", raising=False)
    yield server
    await close_session()


async def collect(**kwargs) -> list:
    kwargs.setdefault("api_key", API_KEY)
    messages = kwargs.pop("messages", [{"role": "user", "content": "hi"}])
    return [p async for p in Gemini.create_async_generator(kwargs.pop("model", ""), messages, **kwargs)]


def text_of(parts: list) -> str:
    return "".join(p for p in parts if isinstance(p, str))


def one(parts: list, kind: type):
    found = [p for p in parts if isinstance(p, kind)]
    assert len(found) == 1, parts
    return found[0]


@pytest.mark.parametrize("stream", [True, False])
async def test_text_usage_finish_and_request_shape(fake, stream):
    fake.script.append({"text": "Bonjour tout le monde", "usage": (12, 6, 0)})
    messages = [
        {"role": "system", "content": "Answer in French."},
        {"role": "user", "content": "hello"},
        {"role": "assistant", "content": "Salut"},
        {"role": "user", "content": "again"},
    ]
    parts = await collect(
        messages=messages,
        stream=stream,
        model="gemini-2.0-flash",
        max_tokens=50,
        temperature=0.2,
        top_p=0.9,
        stop="END",
        seed=7,
    )
    assert text_of(parts) == "Bonjour tout le monde"
    assert one(parts, Usage) == Usage(12, 6, 18)
    assert one(parts, FinishReason).reason == "stop"
    sent = fake.requests[-1]
    method = "streamGenerateContent" if stream else "generateContent"
    assert sent["path"] == f"/v1beta/models/gemini-2.0-flash-001:{method}"
    assert sent["query"] == ({"alt": "sse"} if stream else {})
    assert sent["headers"]["x-goog-api-key"] == API_KEY and "key" not in sent["query"]
    body = sent["json"]
    assert body["systemInstruction"] == {"parts": [{"text": "Answer in French."}]}
    assert body["contents"] == [
        {"role": "user", "parts": [{"text": "hello"}]},
        {"role": "model", "parts": [{"text": "Salut"}]},
        {"role": "user", "parts": [{"text": "again"}]},
    ]
    assert body["generationConfig"] == {
        "maxOutputTokens": 50,
        "temperature": 0.2,
        "topP": 0.9,
        "seed": 7,
        "stopSequences": ["END"],
    }


@pytest.mark.parametrize(
    ("finish", "expected"), [("MAX_TOKENS", "length"), ("STOP", "stop"), ("SAFETY", "content_filter")]
)
async def test_finish_reasons(fake, finish, expected):
    fake.script.append({"text": "cut short", "finish": finish})
    assert one(await collect(stream=True), FinishReason).reason == expected


async def test_blocked_prompt_is_content_filter(fake):
    fake.script.append({"block": "SAFETY"})
    parts = await collect(stream=False)
    assert one(parts, FinishReason).reason == "content_filter" and text_of(parts) == ""


@pytest.mark.parametrize("stream", [True, False])
async def test_thoughts_are_reasoning(fake, stream):
    fake.script.append({"thought": "Adding the numbers.", "text": "4", "usage": (5, 1, 20)})
    parts = await collect(stream=stream, reasoning_effort="high")
    assert "".join(p.token for p in parts if isinstance(p, Reasoning)) == "Adding the numbers."
    assert text_of(parts) == "4"
    assert one(parts, Usage) == Usage(5, 21, 26)  # thought tokens count as completion tokens
    assert fake.requests[-1]["json"]["generationConfig"]["thinkingConfig"] == {
        "thinkingBudget": 24576,
        "includeThoughts": True,
    }


async def test_tools_round_trip_through_async_client(fake):
    fake.script.append({"calls": [("get_weather", {"city": "Paris"}), ("get_weather", {"city": "Oslo", "unit": "C"})]})
    client = AsyncClient(provider="Gemini", api_key=API_KEY)
    messages = [{"role": "user", "content": "Weather in Paris and Oslo?"}]
    first = await client.chat.completions.create(messages, tools=[WEATHER], tool_choice="required")
    choice = first.choices[0]
    assert choice.finish_reason == "tool_calls"
    calls = choice.message.tool_calls
    assert [(c.function.name, json.loads(c.function.arguments)) for c in calls] == [
        ("get_weather", {"city": "Paris"}),
        ("get_weather", {"city": "Oslo", "unit": "C"}),
    ]
    assert len({c.id for c in calls}) == 2 and all(c.id for c in calls)
    body = fake.requests[-1]["json"]
    assert body["tools"] == [
        {
            "functionDeclarations": [
                {
                    "name": "get_weather",
                    "description": "Weather in a city",
                    "parameters": {
                        "type": "object",
                        "required": ["city"],
                        "properties": {
                            "city": {"type": "string"},
                            "unit": {"type": "string", "nullable": True, "enum": ["C", "F"]},
                        },
                    },
                }
            ]
        }
    ]
    assert body["toolConfig"] == {"functionCallingConfig": {"mode": "ANY"}}

    fake.script.append({"text": "Paris 21°, Oslo 8°."})
    messages += [
        {"role": "assistant", "content": None, "tool_calls": [c.model_dump() for c in calls]},
        {"role": "tool", "tool_call_id": calls[0].id, "content": '{"temp": 21}'},
        {"role": "tool", "tool_call_id": calls[1].id, "content": "8 degrees"},
    ]
    second = await client.chat.completions.create(
        messages, tools=[WEATHER], tool_choice={"type": "function", "function": {"name": "get_weather"}}
    )
    assert second.choices[0].message.content == "Paris 21°, Oslo 8°."
    body = fake.requests[-1]["json"]
    assert body["toolConfig"] == {"functionCallingConfig": {"mode": "ANY", "allowedFunctionNames": ["get_weather"]}}
    assert body["contents"][1:] == [
        {
            "role": "model",
            "parts": [
                {"functionCall": {"name": "get_weather", "args": {"city": "Paris"}}},
                {"functionCall": {"name": "get_weather", "args": {"city": "Oslo", "unit": "C"}}},
            ],
        },
        {
            "role": "user",
            "parts": [
                {"functionResponse": {"name": "get_weather", "response": {"temp": 21}}},
                {"functionResponse": {"name": "get_weather", "response": {"result": "8 degrees"}}},
            ],
        },
    ]


async def test_streamed_tool_call(fake):
    fake.script.append({"text": "Checking. ", "calls": [("get_weather", {"city": "Lima"})]})
    parts = await collect(stream=True, tools=[WEATHER])
    assert text_of(parts) == "Checking. "
    call = one(parts, ToolCalls).get_list()[0]
    assert call["type"] == "function" and json.loads(call["function"]["arguments"]) == {"city": "Lima"}
    assert one(parts, FinishReason).reason == "tool_calls"


async def test_json_mode_and_schema(fake):
    fake.script.append({"text": '{"ok": true}'})
    parts = await collect(response_format={"type": "json_object"})
    assert json.loads(text_of(parts)) == {"ok": True}
    assert fake.requests[-1]["json"]["generationConfig"] == {"responseMimeType": "application/json"}
    schema = {
        "type": "object",
        "$defs": {"P": {"type": "object", "properties": {"n": {"const": 1}}}},
        "properties": {"p": {"$ref": "#/$defs/P"}},
        "additionalProperties": False,
    }
    await collect(response_format={"type": "json_schema", "json_schema": {"name": "x", "schema": schema}})
    config = fake.requests[-1]["json"]["generationConfig"]
    assert config["responseSchema"] == {
        "type": "object",
        "properties": {"p": {"type": "object", "properties": {"n": {"enum": [1]}}}},
    }


async def test_images_as_inline_data(fake, tmp_path, monkeypatch):
    path = tmp_path / "photo.jpg"
    path.write_bytes(JPEG)
    image_server = ImageServer()
    image_server.start()
    monkeypatch.setenv("G4F_ALLOW_PRIVATE_URLS", "1")  # the "remote" image lives on 127.0.0.1
    try:
        messages = [
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "Compare"},
                    {
                        "type": "image_url",
                        "image_url": {"url": "data:image/png;base64," + base64.b64encode(PNG).decode()},
                    },
                    {"type": "image_url", "image_url": {"url": f"{image_server.url}/cat.png"}},
                ],
            }
        ]
        await collect(messages=messages, media=[(path, None)], stream=True)
    finally:
        image_server.stop()
    parts = fake.requests[-1]["json"]["contents"][0]["parts"]
    png = {"inlineData": {"mimeType": "image/png", "data": base64.b64encode(PNG).decode()}}
    assert parts == [
        {"text": "Compare"},
        png,
        png,
        {"inlineData": {"mimeType": "image/jpeg", "data": base64.b64encode(JPEG).decode()}},
    ]


def test_sync_client_with_image(fake):
    client = Client(provider="Gemini", api_key=API_KEY)
    result = client.chat.completions.create(
        [{"role": "user", "content": "What is this?"}], model="gemini-1.5-pro", image=PNG
    )
    assert result.choices[0].message.content == "You said: What is this?"
    assert result.provider == "Gemini" and result.usage.prompt_tokens == 9
    sent = fake.requests[-1]
    assert sent["path"] == "/v1beta/models/gemini-1.5-pro-002:generateContent"
    assert sent["json"]["contents"][0]["parts"][1]["inlineData"]["mimeType"] == "image/png"
    chunks = list(client.chat.completions.create([{"role": "user", "content": "stream me"}], stream=True))
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == "You said: stream me"
    assert chunks[-1].choices[0].finish_reason == "stop"


# --- errors ------------------------------------------------------------------------------------


async def test_invalid_key_is_missing_auth_and_never_echoed(fake, caplog):
    secret = "AIzaWrongSecretValue999"
    from g4f import debug

    debug.enable(True)
    try:
        with caplog.at_level(logging.DEBUG, logger="g4f"):
            with pytest.raises(MissingAuthError) as info:
                await AsyncClient(provider="Gemini", api_key=secret).chat.completions.create(
                    [{"role": "user", "content": "hi"}]
                )
    finally:
        debug.enable(False)
    assert "API key not valid" in str(info.value)
    assert (
        secret not in str(info.value) and secret not in caplog.text and secret not in json.dumps(info.value.to_dict())
    )


async def test_rate_limit_retry_after_from_header_or_retry_info(fake):
    fake.script.append(
        {
            "status": 429,
            "rpc_status": "RESOURCE_EXHAUSTED",
            "message": "Quota exceeded",
            "headers": {"Retry-After": "12"},
        }
    )
    with pytest.raises(RateLimitError) as info:
        await collect(stream=True)
    assert info.value.retry_after == 12.0
    fake.script.append(
        {
            "status": 429,
            "rpc_status": "RESOURCE_EXHAUSTED",
            "message": "Quota exceeded",
            "details": [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "31s"}],
        }
    )
    with pytest.raises(RateLimitError) as info:
        await collect()
    assert info.value.retry_after == 31.0


async def test_server_error_is_retryable(fake):
    fake.script.append({"status": 500, "message": "An internal error has occurred."})
    with pytest.raises(ProviderError) as info:
        await collect()
    assert info.value.retryable


async def test_unknown_model(fake):
    with pytest.raises(ModelNotFoundError, match="not found"):
        await collect(model="claude-3-haiku-20240307")


async def test_error_mid_stream(fake):
    fake.script.append({"text": "Once upon a time there was", "stream_error_after": 2})
    parts = []
    with pytest.raises(ProviderError, match="overloaded"):
        async for part in Gemini.create_async_generator(
            "", [{"role": "user", "content": "story"}], stream=True, api_key=API_KEY
        ):
            parts.append(part)
    assert text_of(parts) == "Once upon a "


@pytest.mark.parametrize("reply", [{"raw": b"data: {oops\n\n"}, {"text": "abcdefghijkl", "reset_after": 1}])
async def test_malformed_or_reset_stream(fake, reply):
    fake.script.append(reply)
    with pytest.raises(ProviderError):  # ResponseError is a ProviderError
        await collect(stream=True)


async def test_stream_without_finish_is_an_error(fake):
    fake.script.append(
        {"raw": b'data: {"candidates": [{"content": {"role": "model", "parts": [{"text": "half"}]}}]}\n\n'}
    )
    with pytest.raises(ResponseError, match="finishReason"):
        await collect(stream=True)


async def test_slow_first_byte_times_out(fake):
    fake.script.append({"delay": 1.5})
    with pytest.raises(ProviderTimeoutError):
        await collect(timeout=0.3)


# --- keys, endpoints, fallback -----------------------------------------------------------------


async def test_key_from_environment_and_cookies_dir(fake, monkeypatch):
    monkeypatch.setenv("GEMINI_API_KEY", API_KEY)
    assert text_of(await collect(api_key=None, messages=[{"role": "user", "content": "env"}])) == "You said: env"
    monkeypatch.delenv("GEMINI_API_KEY")
    from g4f import cookies

    folder = cookies.get_cookies_dir()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / ".env").write_text(f'export GEMINI_API_KEY="{API_KEY}"\n')
    cookies.reset()
    result = await AsyncClient(provider="Gemini").chat.completions.create([{"role": "user", "content": "dir"}])
    assert result.choices[0].message.content == "You said: dir"
    assert fake.requests[-1]["headers"]["x-goog-api-key"] == API_KEY


async def test_no_key(fake):
    with pytest.raises(MissingAuthError, match="GEMINI_API_KEY"):
        await collect(api_key=None)
    assert not fake.requests


async def test_per_request_api_base(fake, monkeypatch):
    monkeypatch.setenv("GEMINI_API_BASE", "http://127.0.0.1:9")
    assert text_of(await collect(api_base=fake.url)) == "You said: hi"


async def test_falls_back_from_overloaded_anthropic_to_gemini(fake, monkeypatch):
    with anthropic_server.FakeAnthropic() as claude:
        claude.script.append({"status": 529, "error_type": "overloaded_error", "message": "Overloaded"})
        monkeypatch.setenv("ANTHROPIC_API_BASE", claude.url)
        monkeypatch.setenv("ANTHROPIC_API_KEY", anthropic_server.API_KEY)
        monkeypatch.setenv("GEMINI_API_KEY", API_KEY)
        both = IterListProvider([Provider.get("Anthropic"), Gemini])
        result = await AsyncClient(provider=both).chat.completions.create([{"role": "user", "content": "anyone?"}])
        assert len(claude.requests) == 1
    assert result.provider == "Gemini" and result.choices[0].message.content == "You said: anyone?"


def test_registry_names_resolve():
    for name in ("gemini-2.0-flash", "gemini-1.5-pro"):
        assert Gemini.get_model(name) in Gemini.models
    assert Gemini.needs_auth and Gemini.working and Gemini.default_model in Gemini.models
    assert set(Gemini.vision_models) == set(Gemini.models)


def test_schema_conversion_keeps_only_gemini_keys():
    schema = {
        "type": "array",
        "items": {
            "type": "object",
            "properties": {"a": {"type": "integer", "minimum": 1}},
            "additionalProperties": False,
            "$schema": "x",
        },
    }
    assert to_schema(schema) == {
        "type": "array",
        "items": {"type": "object", "properties": {"a": {"type": "integer", "minimum": 1}}},
    }


class ImageServer(ThreadedServer):
    """An http image for the adapter to fetch (Gemini takes images inline only)."""

    def setup(self, app: web.Application) -> None:
        async def cat(request: web.Request) -> web.Response:
            return web.Response(body=PNG, content_type="image/png")

        app.router.add_get("/cat.png", cat)
