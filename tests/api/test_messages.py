"""``/v1/messages``: Anthropic's Messages API over the chat core, checked with the official ``anthropic`` SDK."""

from __future__ import annotations

import anthropic
import httpx
import pytest

from tests.fakes.openai_server import FakeOpenAI

from . import mocks
from .conftest import KEY

WEATHER = {
    "name": "get_weather",
    "description": "Weather in a city",
    "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
}
HI = [{"role": "user", "content": "hi"}]


def claude(url: str, key: str = "unused") -> anthropic.Anthropic:
    return anthropic.Anthropic(base_url=url, api_key=key, max_retries=0, _strict_response_validation=True)


@pytest.fixture
def ac(server):
    with claude(server.url) as c:
        yield c


@pytest.fixture(scope="module")
def upstream():
    with FakeOpenAI() as fake:
        yield fake


@pytest.fixture
def fake(upstream, monkeypatch):
    upstream.script.clear()
    upstream.requests.clear()
    monkeypatch.setenv("CUSTOM_API_BASE", upstream.url + "/v1")
    return upstream


@pytest.fixture
def custom(start_server, fake):
    """A server whose every request goes to the fake OpenAI upstream (``--provider Custom``)."""
    return start_server(provider="Custom")


def test_create_whole(ac):
    message = ac.messages.create(
        model="echo-1",
        max_tokens=50,
        system=[{"type": "text", "text": "Be brief."}],
        messages=[{"role": "user", "content": [{"type": "text", "text": "hello"}]}],
    )
    assert message.type == "message" and message.role == "assistant"
    assert [b.type for b in message.content] == ["text"] and message.content[0].text == "echo: hello"
    assert message.stop_reason == "end_turn"
    assert message.usage.input_tokens == 5 and message.usage.output_tokens == 3
    sent = mocks.MockEcho.calls[-1]
    assert sent["messages"][0] == {"role": "system", "content": "Be brief."} and sent["max_tokens"] == 50


def test_stream(ac):
    with ac.messages.stream(model="echo-1", max_tokens=50, messages=HI) as stream:
        text = "".join(stream.text_stream)
        final = stream.get_final_message()
    assert text == "echo: hi" and final.content[0].text == "echo: hi"
    assert final.stop_reason == "end_turn" and final.usage.output_tokens == 3


def test_stream_event_order(server):
    body = {"model": "echo-1", "max_tokens": 9, "messages": HI, "stream": True}
    with httpx.stream("POST", f"{server.url}/v1/messages", json=body) as response:
        names = [line[7:] for line in response.iter_lines() if line.startswith("event: ")]
    assert names[:3] == ["message_start", "ping", "content_block_start"]
    assert names[-4:] == ["content_block_delta", "content_block_stop", "message_delta", "message_stop"]


@pytest.mark.parametrize("stream", [False, True])
def test_thinking_and_tool_use_blocks(ac, stream):
    kwargs = dict(
        model="parts",
        max_tokens=100,
        messages=HI,
        tools=[WEATHER],
        thinking={"type": "enabled", "budget_tokens": 2048},
        extra_body={"provider": "MockParts"},
    )
    if stream:
        with ac.messages.stream(**kwargs) as events:
            message = events.get_final_message()
    else:
        message = ac.messages.create(**kwargs)
    thinking, tool_use = message.content
    assert thinking.type == "thinking" and thinking.thinking == "thinking..."
    assert tool_use.type == "tool_use" and tool_use.input == {"city": "Paris"} and tool_use.id == "call_1"
    assert message.stop_reason == "tool_use"
    sent = mocks.MockParts.calls[-1]
    assert sent["tools"][0]["function"]["parameters"] == WEATHER["input_schema"]
    assert sent["reasoning_effort"] == "low"


def test_tool_use_round_trip_over_openai_upstream(custom, fake):
    """A Messages client, an OpenAI-protocol upstream: tool_use blocks out, tool_result blocks back."""
    client = claude(custom.url)
    fake.script += [{"tool_calls": [("call_7", "get_weather", '{"city": "Oslo"}')]}, {"text": "Sunny in Oslo."}]
    first = client.messages.create(
        model="claude-sonnet-4-6",
        max_tokens=200,
        messages=[{"role": "user", "content": "Weather in Oslo?"}],
        tools=[WEATHER],
        tool_choice={"type": "any"},
    )
    (tool_use,) = first.content
    assert tool_use.type == "tool_use" and tool_use.input == {"city": "Oslo"} and first.stop_reason == "tool_use"
    assert fake.last["json"]["tool_choice"] == "required"
    with client.messages.stream(
        model="claude-sonnet-4-6",
        max_tokens=200,
        messages=[
            {"role": "user", "content": "Weather in Oslo?"},
            {"role": "assistant", "content": [block.model_dump() for block in first.content]},
            {
                "role": "user",
                "content": [{"type": "tool_result", "tool_use_id": tool_use.id, "content": "sunny, 21 C"}],
            },
        ],
        tools=[WEATHER],
    ) as stream:
        final = stream.get_final_message()
    assert final.content[0].text == "Sunny in Oslo."
    sent = fake.last["json"]["messages"]
    assert sent[1]["tool_calls"][0] == {
        "id": "call_7",
        "type": "function",
        "function": {"name": "get_weather", "arguments": '{"city": "Oslo"}'},
    }
    assert sent[2] == {"role": "tool", "tool_call_id": "call_7", "content": "sunny, 21 C"}
    assert fake.last["json"]["model"] == "claude-sonnet-4-6"  # a client's model name routes as any other


def test_image_and_stop_sequences(custom, fake):
    claude(custom.url).messages.create(
        model="m",
        max_tokens=5,
        stop_sequences=["END"],
        extra_body={"temperature": 0.5},
        messages=[
            {
                "role": "user",
                "content": [
                    {
                        "type": "image",
                        "source": {"type": "base64", "media_type": "image/png", "data": mocks.PNG_URI[22:]},
                    },
                    {"type": "text", "text": "what is it?"},
                ],
            }
        ],
    )
    sent = fake.last["json"]
    assert sent["messages"][0]["content"][0]["image_url"]["url"].startswith("data:image/png;base64,")
    assert sent["stop"] == ["END"] and sent["temperature"] == 0.5


def test_errors_in_anthropic_format(ac, server):
    with pytest.raises(anthropic.BadRequestError) as caught:
        ac.messages.create(
            model="echo-1", max_tokens=5, messages=HI, tools=[{"type": "web_search_20250305", "name": "w"}]
        )
    assert caught.value.body["error"]["type"] == "invalid_request_error"
    response = httpx.post(f"{server.url}/v1/messages", json={"model": "echo-1", "messages": HI})
    assert response.status_code == 422 and response.json() == {
        "type": "error",
        "error": {"type": "invalid_request_error", "message": "'max_tokens' is required."},
    }
    with pytest.raises(anthropic.InternalServerError) as caught:
        ac.messages.create(model="bad-gateway", max_tokens=5, messages=HI, extra_body={"provider": "MockDown"})
    assert caught.value.body["error"]["type"] == "api_error"
    with pytest.raises(anthropic.APIStatusError) as caught:
        ac.messages.create(model="unavailable", max_tokens=5, messages=HI, extra_body={"provider": "MockDown"})
    assert caught.value.status_code == 503 and caught.value.body["error"]["type"] == "overloaded_error"


def test_error_during_stream(ac):
    with ac.messages.stream(model="m", max_tokens=5, messages=HI, extra_body={"provider": "MockMidStream"}) as stream:
        with pytest.raises(anthropic.APIStatusError, match="connection reset"):
            for _ in stream:
                pass


def test_x_api_key_and_headers(keyed_server):
    message = claude(keyed_server.url, KEY).messages.create(
        model="echo-1",
        max_tokens=5,
        messages=HI,
        extra_headers={"anthropic-beta": "tools-2024-04-04"},
    )
    assert message.content[0].text == "echo: hi"
    with pytest.raises(anthropic.AuthenticationError):
        claude(keyed_server.url, "wrong").messages.create(model="echo-1", max_tokens=5, messages=HI)


def test_count_tokens(ac):
    counted = ac.messages.count_tokens(model="echo-1", messages=[{"role": "user", "content": "x" * 400}])
    assert 100 <= counted.input_tokens <= 110


def test_provider_route(server):
    with claude(f"{server.url}/api/MockEcho") as c:
        assert c.messages.create(model="echo-1", max_tokens=5, messages=HI).content[0].text == "echo: hi"


def test_unknown_model_uses_the_servers_model(start_server):
    server = start_server(model="echo-1")
    message = claude(server.url).messages.create(model="claude-3-5-haiku-latest", max_tokens=5, messages=HI)
    assert message.content[0].text == "echo: hi"


def test_langchain_chat_anthropic(custom, fake):
    from langchain_anthropic import ChatAnthropic

    llm = ChatAnthropic(base_url=custom.url, api_key="unused", model="claude-sonnet-4-6", max_retries=0, max_tokens=64)
    fake.script += [{"text": "Bonjour"}, {"text": ["Stre", "amed"]}]
    assert llm.invoke("hi from langchain").content == "Bonjour"
    assert "".join(chunk.text for chunk in llm.stream("stream please")) == "Streamed"


def test_embedded_model(ac):
    message = ac.messages.create(model="smollm2-135m", max_tokens=8, messages=[{"role": "user", "content": "Say hi"}])
    assert message.content[0].text.strip() and message.stop_reason in ("end_turn", "max_tokens")
    assert 0 < message.usage.output_tokens <= 8
