"""The whole path: Client / AsyncClient -> routing -> OpenaiTemplate -> the fake upstream."""

from __future__ import annotations

import json

import pytest

from g4f import Provider
from g4f.client import AsyncClient, Client
from g4f.errors import MissingAuthError
from g4f.models import Model, ModelRegistry
from g4f.providers.openai_compat import OpenaiTemplate
from g4f.providers.retry_provider import IterListProvider
from tests.fakes.openai_server import FakeOpenAI

KEY = "sk-client-key-0123456789"
MESSAGES = [{"role": "user", "content": "ping"}]


@pytest.fixture
def keyed_fake():
    with FakeOpenAI(api_key=KEY) as server:
        yield server


def test_sync_client_with_base_url_uses_custom(keyed_fake):
    client = Client(base_url=keyed_fake.url + "/v1/", api_key=KEY)
    response = client.chat.completions.create(MESSAGES, "my-local-model", temperature=0.2, max_tokens=9)
    assert response.choices[0].message.content == "Echo: ping"
    assert response.provider == "Custom" and response.usage.total_tokens > 0
    assert keyed_fake.last["path"] == "/v1/chat/completions"
    body = keyed_fake.last["json"]
    assert body["model"] == "my-local-model" and body["temperature"] == 0.2 and body["max_tokens"] == 9


def test_sync_client_streams(keyed_fake):
    client = Client(base_url=keyed_fake.url, api_key=KEY)
    chunks = list(client.chat.completions.create(MESSAGES, "m", stream=True))
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == "Echo: ping"
    assert chunks[-1].choices[0].finish_reason == "stop" and chunks[-1].usage.completion_tokens > 0


async def test_async_client_whole_and_streamed(keyed_fake):
    client = AsyncClient(base_url=keyed_fake.url, api_key=KEY)
    response = await client.chat.completions.create(MESSAGES, "m")
    assert response.choices[0].message.content == "Echo: ping"
    stream = client.chat.completions.create(MESSAGES, "m", stream=True)
    text = "".join([c.choices[0].delta.content or "" async for c in stream])
    assert text == "Echo: ping"


async def test_async_client_tools_reasoning_and_json(keyed_fake):
    client = AsyncClient(base_url=keyed_fake.url, api_key=KEY)
    keyed_fake.script.append(
        {"reasoning": "Need the weather.", "text": "", "tool_calls": [("call_1", "get_weather", '{"city": "Oslo"}')]}
    )
    response = await client.chat.completions.create(
        MESSAGES,
        "m",
        tools=[{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}],
    )
    choice = response.choices[0]
    assert choice.finish_reason == "tool_calls"
    assert choice.message.tool_calls[0].function.name == "get_weather"
    assert json.loads(choice.message.tool_calls[0].function.arguments) == {"city": "Oslo"}
    assert choice.message.reasoning == "Need the weather."
    keyed_fake.script.append({"text": '{"ok": true}'})
    response = await client.chat.completions.create(MESSAGES, "m", response_format={"type": "json_object"})
    assert json.loads(response.choices[0].message.content) == {"ok": True}
    assert keyed_fake.last["json"]["response_format"] == {"type": "json_object"}


async def test_a_wrong_key_through_the_client_is_missing_auth(keyed_fake):
    with pytest.raises(MissingAuthError) as info:
        await AsyncClient(base_url=keyed_fake.url, api_key="sk-wrong-key-99999").chat.completions.create(MESSAGES, "m")
    assert "sk-wrong-key-99999" not in str(info.value)


async def test_custom_from_the_environment(keyed_fake, monkeypatch):
    monkeypatch.setenv("CUSTOM_API_BASE", keyed_fake.url)
    monkeypatch.setenv("CUSTOM_API_KEY", KEY)
    response = await AsyncClient(provider="Custom").chat.completions.create(MESSAGES, "any-name")
    assert response.choices[0].message.content == "Echo: ping"


def test_legacy_chat_completion_create(keyed_fake):
    import g4f

    text = g4f.ChatCompletion.create("m", MESSAGES, provider=Provider.Custom, api_base=keyed_fake.url, api_key=KEY)
    assert text == "Echo: ping"


@pytest.fixture
def two_upstreams(fake, second_fake, monkeypatch):
    """Two registered OpenAI-compatible providers serving one registry model."""
    classes = []
    for name, server in (("FakeUpstreamA", fake), ("FakeUpstreamB", second_fake)):
        cls = type(
            name,
            (OpenaiTemplate,),
            {
                "__module__": __name__,
                "api_base": server.url,
                "needs_auth": False,
                "default_model": "shared-model",
                "models": ["shared-model"],
            },
        )
        monkeypatch.setitem(Provider._registered, name, cls)
        classes.append(cls)
    Model("shared-model", "Test", [c.__name__ for c in classes])
    yield classes
    ModelRegistry._models.pop("shared-model", None)


@pytest.mark.parametrize("stream", [False, True])
async def test_routing_falls_back_across_two_upstreams(fake, second_fake, two_upstreams, stream):
    fake.script.append({"status": 503, "message": "overloaded"})
    client = AsyncClient()
    if stream:
        chunks = [c async for c in client.chat.completions.create(MESSAGES, "shared-model", stream=True)]
        text, provider = "".join(c.choices[0].delta.content or "" for c in chunks), chunks[-1].provider
    else:
        response = await client.chat.completions.create(MESSAGES, "shared-model")
        text, provider = response.choices[0].message.content, response.provider
    assert text == "Echo: ping" and provider == "FakeUpstreamB"
    assert len(fake.requests) == 1 and len(second_fake.requests) == 1


def test_sync_client_falls_back_through_an_explicit_provider_list(fake, second_fake, two_upstreams):
    fake.script.append({"reset_after": 0})
    response = Client().chat.completions.create(MESSAGES, "shared-model", provider=IterListProvider(two_upstreams))
    assert response.choices[0].message.content == "Echo: ping" and response.provider == "FakeUpstreamB"
