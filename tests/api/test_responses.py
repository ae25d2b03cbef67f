"""``/v1/responses``: OpenAI's Responses API over the chat core, checked with the official SDK (strict)."""

from __future__ import annotations

import json

import httpx
import openai
import pytest

from tests.fakes.anthropic_server import API_KEY as ANTHROPIC_KEY
from tests.fakes.anthropic_server import FakeAnthropic
from tests.fakes.openai_server import FakeOpenAI

from . import mocks

WEATHER = {
    "type": "function",
    "name": "get_weather",
    "description": "Weather in a city",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
}


def sdk(url: str, key: str = "unused") -> openai.OpenAI:
    return openai.OpenAI(base_url=url + "/v1", api_key=key, max_retries=0, _strict_response_validation=True)


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


def test_create_whole(client):
    response = client.responses.create(
        model="echo-1", input="hi there", instructions="Be brief.", extra_body={"provider": "MockEcho"}
    )
    assert response.output_text == "echo: hi there"
    assert response.status == "completed" and response.object == "response"
    assert response.output[0].type == "message" and response.output[0].role == "assistant"
    assert response.usage.input_tokens == 5 and response.usage.output_tokens == 3
    sent = mocks.MockEcho.calls[-1]["messages"]
    assert sent == [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "hi there"}]


def test_stream_event_sequence(client):
    with client.responses.stream(model="echo-1", input="streamed", extra_body={"provider": "MockEcho"}) as stream:
        events = list(stream)
        final = stream.get_final_response()
    kinds = [e.type for e in events]
    assert kinds[:4] == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.content_part.added",
    ]
    assert kinds[-4:] == [
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
        "response.completed",
    ]
    assert [e.sequence_number for e in events] == list(range(len(events)))
    assert "".join(e.delta for e in events if e.type == "response.output_text.delta") == "echo: streamed"
    assert final.output_text == "echo: streamed" and final.usage.total_tokens == 8


@pytest.mark.parametrize("stream", [False, True])
def test_reasoning_and_function_call_items(client, stream):
    kwargs = dict(model="parts", input="weather?", tools=[WEATHER], extra_body={"provider": "MockParts"})
    if stream:
        with client.responses.stream(**kwargs) as events:
            kinds = [e.type for e in events]
            response = events.get_final_response()
        assert "response.reasoning_summary_text.delta" in kinds
        assert "response.function_call_arguments.done" in kinds
    else:
        response = client.responses.create(**kwargs)
    reasoning, call = response.output
    assert reasoning.type == "reasoning" and reasoning.summary[0].text == "thinking..."
    assert call.type == "function_call" and call.name == "get_weather" and call.call_id == "call_1"
    assert json.loads(call.arguments) == {"city": "Paris"}
    assert mocks.MockParts.calls[-1]["tools"][0]["function"]["name"] == "get_weather"


def test_function_call_output_round_trip(client):
    client.responses.create(
        model="echo-1",
        input=[
            {"role": "user", "content": [{"type": "input_text", "text": "weather?"}]},
            {"type": "function_call", "call_id": "c1", "name": "get_weather", "arguments": '{"city":"Oslo"}'},
            {"type": "function_call_output", "call_id": "c1", "output": "sunny"},
        ],
        extra_body={"provider": "MockEcho"},
    )
    sent = mocks.MockEcho.calls[-1]["messages"]
    assert sent[1]["role"] == "assistant" and sent[1]["tool_calls"][0]["id"] == "c1"
    assert sent[2] == {"role": "tool", "tool_call_id": "c1", "content": "sunny"}


def test_stored_chain_get_items_delete(client):
    first = client.responses.create(model="h", input="one", extra_body={"provider": "MockHistory"})
    second = client.responses.create(
        model="h", input="two", previous_response_id=first.id, extra_body={"provider": "MockHistory"}
    )
    assert second.output_text == "3 messages: one | two"  # user, assistant, user
    assert client.responses.retrieve(second.id).output_text == second.output_text
    items = client.responses.input_items.list(second.id)
    assert [i.content[0].text for i in items.data] == ["two"]
    client.responses.delete(second.id)
    with pytest.raises(openai.NotFoundError):
        client.responses.retrieve(second.id)


def test_stored_responses_belong_to_their_caller(start_server, tmp_path):
    keys = tmp_path / "keys.json"
    keys.write_text(json.dumps({"keys": [{"name": "alice", "key": "sk-alice-0"}, {"name": "bob", "key": "sk-bob-0"}]}))
    server = start_server(api_keys=str(keys))
    mine = sdk(server.url, "sk-alice-0").responses.create(
        model="echo-1", input="secret", extra_body={"provider": "MockEcho"}
    )
    assert sdk(server.url, "sk-alice-0").responses.retrieve(mine.id).output_text == "echo: secret"
    with pytest.raises(openai.NotFoundError):
        sdk(server.url, "sk-bob-0").responses.retrieve(mine.id)
    with pytest.raises(openai.NotFoundError):
        sdk(server.url, "sk-bob-0").responses.create(model="echo-1", input="x", previous_response_id=mine.id)


def test_store_false_keeps_nothing(client):
    response = client.responses.create(model="echo-1", input="x", store=False, extra_body={"provider": "MockEcho"})
    with pytest.raises(openai.NotFoundError):
        client.responses.retrieve(response.id)


def test_client_errors(client, server):
    with pytest.raises(openai.BadRequestError, match="only function tools"):
        client.responses.create(model="echo-1", input="x", tools=[{"type": "web_search"}])
    with pytest.raises(openai.UnprocessableEntityError):
        client.responses.create(model="echo-1", input="x", max_output_tokens="many")  # type: ignore[arg-type]
    body = httpx.post(f"{server.url}/v1/responses", json={"model": "echo-1"}).json()
    assert body["error"]["param"] == "input"


def test_provider_error_before_and_during_stream(client):
    with pytest.raises(openai.InternalServerError):
        client.responses.create(model="bad-gateway", input="x", extra_body={"provider": "MockDown"})
    with client.responses.stream(model="m", input="x", extra_body={"provider": "MockMidStream"}) as stream:
        kinds = []
        with pytest.raises(openai.APIError):
            for event in stream:
                kinds.append(event.type)
    assert "response.output_text.delta" in kinds


def test_provider_route(server):
    response = sdk(server.url).responses.create(model="echo-1", input="x", extra_body={})
    assert response.output_text  # the default model answers
    via = openai.OpenAI(base_url=f"{server.url}/api/MockEcho", api_key="x", max_retries=0).responses.create(
        model="echo-1", input="routed"
    )
    assert via.output_text == "echo: routed"


def test_openai_upstream_text_format_and_limits(custom, fake):
    fake.script.append({"text": ['{"a":', " 1}"], "finish_reason": "length"})
    response = sdk(custom.url).responses.create(
        model="any-model",
        input="json please",
        max_output_tokens=7,
        temperature=0.2,
        text={"format": {"type": "json_schema", "name": "A", "schema": {"type": "object"}, "strict": True}},
        reasoning={"effort": "low"},
    )
    assert response.status == "incomplete" and response.incomplete_details.reason == "max_output_tokens"
    sent = fake.last["json"]
    assert sent["max_tokens"] == 7 and sent["temperature"] == 0.2 and sent["model"] == "any-model"
    assert sent["response_format"]["json_schema"]["name"] == "A"


def test_openai_agents_sdk_runs_a_tool(custom, fake):
    from agents import Agent, OpenAIResponsesModel, RunConfig, Runner, function_tool, set_tracing_disabled

    set_tracing_disabled(True)
    seen = []

    @function_tool
    def get_weather(city: str) -> str:
        """Weather in a city."""
        seen.append(city)
        return f"sunny in {city}"

    fake.script += [
        {"tool_calls": [("call_9", "get_weather", '{"city": "Rome"}')]},
        {"text": "It is sunny in Rome."},
    ]
    client = openai.AsyncOpenAI(base_url=custom.url + "/v1", api_key="x", max_retries=0)
    agent = Agent(
        name="weather", instructions="Use the tool.", tools=[get_weather], model=OpenAIResponsesModel("gpt-4o", client)
    )
    result = Runner.run_sync(agent, "Weather in Rome?", run_config=RunConfig(tracing_disabled=True))
    assert result.final_output == "It is sunny in Rome."
    assert seen == ["Rome"]
    second = fake.last["json"]["messages"]
    assert second[-1] == {"role": "tool", "tool_call_id": "call_9", "content": "sunny in Rome"}


def test_anthropic_upstream_gives_function_call_items(start_server, monkeypatch):
    with FakeAnthropic() as claude:
        monkeypatch.setenv("ANTHROPIC_API_BASE", claude.url)
        monkeypatch.setenv("ANTHROPIC_API_KEY", ANTHROPIC_KEY)
        claude.script.append({"tool_uses": [("toolu_1", "get_weather", {"city": "Lima"})]})
        server = start_server(provider="Anthropic")
        # The server has no key of its own: the bearer token is the named provider's key (as in chat).
        with sdk(server.url, ANTHROPIC_KEY).responses.stream(
            model="claude-sonnet-4", input="weather?", tools=[WEATHER]
        ) as stream:
            response = stream.get_final_response()
    (call,) = response.output
    assert call.type == "function_call" and call.call_id == "toolu_1"
    assert json.loads(call.arguments) == {"city": "Lima"}
    assert claude.requests[-1]["json"]["tools"][0]["name"] == "get_weather"


def test_unknown_model_uses_the_servers_model(start_server):
    server = start_server(model="echo-1")
    response = sdk(server.url).responses.create(model="gpt-9-unknown", input="hey")
    assert response.output_text == "echo: hey"


def test_library_client_responses():
    from g4f.client import AsyncClient, Client

    response = Client(provider="MockEcho").responses.create(model="echo-1", input="lib")
    assert response.output_text == "echo: lib" and response.status == "completed"
    events = list(Client(provider="MockEcho").responses.create(model="echo-1", input="s", stream=True))
    assert events[0].type == "response.created" and events[-1].type == "response.completed"
    assert events[-1].response.output[0].content[0].text == "echo: s"

    async def run() -> str:
        response = await AsyncClient(provider="MockEcho").responses.create(model="echo-1", input="async")
        return response.output_text

    import asyncio

    assert asyncio.run(run()) == "echo: async"


def test_embedded_model(client):
    response = client.responses.create(model="", input="Say hi", max_output_tokens=8)
    assert response.output_text.strip() and response.model
    assert 0 < response.usage.output_tokens <= 8


def test_input_parts_and_tool_choice(client):
    response = client.responses.create(
        model="parts",
        input=[
            {
                "role": "user",
                "content": [
                    {"type": "input_text", "text": "what is it?"},
                    {"type": "input_image", "image_url": mocks.PNG_URI, "detail": "auto"},
                ],
            }
        ],
        tools=[WEATHER],
        tool_choice={"type": "function", "name": "get_weather"},
        parallel_tool_calls=False,
        extra_body={"provider": "MockParts"},
    )
    assert response.output[-1].type == "function_call" and response.tool_choice.name == "get_weather"
    sent = mocks.MockParts.calls[-1]
    text, image = sent["messages"][0]["content"]
    assert text == {"type": "text", "text": "what is it?"}
    assert image["type"] == "image_url" and image["image_url"]["url"].startswith("data:image/png;base64,")
    assert sent["tool_choice"] == {"type": "function", "function": {"name": "get_weather"}}
    assert sent["parallel_tool_calls"] is False
