"""OpenaiTemplate against the fake: requests built from every parameter, answers read into parts."""

from __future__ import annotations

import base64
import json

import pytest

from g4f.errors import NotSupportedError
from g4f.Provider import Custom, OpenaiAPI
from g4f.providers.response import FinishReason, Reasoning, ToolCalls, Usage
from tests.fakes.openai_server import PNG_1PX

MESSAGES = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "hello there"}]
WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Weather of a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
    },
}


async def run(fake, stream=True, messages=MESSAGES, **kwargs):
    agen = Custom.create_async_generator("fake-model", messages, stream=stream, api_base=fake.url + "/v1", **kwargs)
    return [part async for part in agen]


def text_of(parts):
    return "".join(p for p in parts if isinstance(p, str))


@pytest.mark.parametrize("stream", [True, False])
async def test_text_usage_and_finish_reason(fake, stream):
    parts = await run(fake, stream=stream)
    assert text_of(parts) == "Echo: hello there"
    if stream:  # deltas arrive one by one
        assert [p for p in parts if isinstance(p, str)] == ["Echo:", " hello", " there"]
    usage = [p for p in parts if isinstance(p, Usage)]
    assert len(usage) == 1 and usage[0].completion_tokens > 0
    assert usage[0].total_tokens == usage[0].prompt_tokens + usage[0].completion_tokens
    assert parts[-1] == FinishReason("stop")
    body = fake.last["json"]
    assert body["stream"] is stream and body["model"] == "fake-model" and body["messages"] == MESSAGES
    assert fake.last["path"] == "/v1/chat/completions"
    assert ("stream_options" in body) is stream


async def test_every_chat_parameter_is_sent_by_its_openai_name(fake):
    params = dict(
        max_tokens=50,
        temperature=0.3,
        top_p=0.9,
        stop=["\n\n"],
        seed=7,
        n=1,
        frequency_penalty=0.5,
        presence_penalty=-0.5,
        tools=[WEATHER_TOOL],
        tool_choice="auto",
        response_format={"type": "json_object"},
        user="u-1",
        stream_options={"include_usage": True},
        parallel_tool_calls=False,
        logit_bias={"50256": -100},
    )
    await run(fake, **params, conversation=None, unknown_flag=True, web_search=False)
    body = fake.last["json"]
    for key, value in params.items():
        assert body[key] == value, key
    assert "unknown_flag" not in body and "web_search" not in body and "conversation" not in body


async def test_stream_options_merge_with_the_callers(fake):
    await run(fake, stream_options={"continuous_usage_stats": True})
    assert fake.last["json"]["stream_options"] == {"include_usage": True, "continuous_usage_stats": True}


@pytest.mark.parametrize("stream", [True, False])
async def test_tool_call_deltas_are_assembled_into_one_part(fake, stream):
    fake.script.append(
        {
            "text": "",
            "tool_calls": [
                ("call_a", "get_weather", json.dumps({"city": "Paris", "unit": "celsius"})),
                ("call_b", "get_weather", json.dumps({"city": "Tokyo"})),
            ],
        }
    )
    parts = await run(fake, stream=stream, tools=[WEATHER_TOOL], tool_choice="required")
    calls = [p for p in parts if isinstance(p, ToolCalls)]
    assert len(calls) == 1
    assert calls[0].get_list() == [
        {
            "id": "call_a",
            "type": "function",
            "function": {"name": "get_weather", "arguments": '{"city": "Paris", "unit": "celsius"}'},
        },
        {"id": "call_b", "type": "function", "function": {"name": "get_weather", "arguments": '{"city": "Tokyo"}'}},
    ]
    assert parts[-1] == FinishReason("tool_calls")
    assert fake.last["json"]["tools"] == [WEATHER_TOOL] and fake.last["json"]["tool_choice"] == "required"


async def test_json_mode_is_passed_through(fake):
    schema = {
        "type": "json_schema",
        "json_schema": {
            "name": "answer",
            "strict": True,
            "schema": {"type": "object", "properties": {"answer": {"type": "string"}}, "required": ["answer"]},
        },
    }
    fake.script.append({"text": ['{"answer": ', '"yes"}']})
    parts = await run(fake, response_format=schema)
    assert json.loads(text_of(parts)) == {"answer": "yes"}
    assert fake.last["json"]["response_format"] == schema


@pytest.mark.parametrize("stream", [True, False])
async def test_reasoning_content_becomes_reasoning_parts(fake, stream):
    fake.script.append({"reasoning": "Two plus two is four.", "text": "4"})
    parts = await run(fake, stream=stream)
    reasoning = "".join(p.token for p in parts if isinstance(p, Reasoning))
    assert reasoning == "Two plus two is four."
    assert text_of(parts) == "4"
    first_text = next(i for i, p in enumerate(parts) if isinstance(p, str))
    assert all(i < first_text for i, p in enumerate(parts) if isinstance(p, Reasoning))


async def test_image_url_parts_pass_through_unchanged(fake):
    content = [
        {"type": "text", "text": "What is this?"},
        {"type": "image_url", "image_url": {"url": "https://example.com/cat.png", "detail": "low"}},
    ]
    await run(fake, messages=[{"role": "user", "content": content}])
    assert fake.last["json"]["messages"] == [{"role": "user", "content": content}]


async def test_media_becomes_data_uri_parts_of_the_last_user_message(fake, tmp_path):
    path = tmp_path / "dot.png"
    path.write_bytes(PNG_1PX)
    data_uri = "data:image/png;base64," + base64.b64encode(PNG_1PX).decode()
    media = [(PNG_1PX, "a.png"), (str(path), None), (data_uri, None)]
    await run(fake, messages=[{"role": "user", "content": "Describe"}], media=media)
    content = fake.last["json"]["messages"][-1]["content"]
    assert content[0] == {"type": "text", "text": "Describe"}
    urls = [p["image_url"]["url"] for p in content[1:]]
    assert urls == [data_uri, data_uri, data_uri]
    assert all(p["type"] == "image_url" for p in content[1:])


async def test_a_text_only_model_refuses_images_before_any_request(fake):
    messages = [{"role": "user", "content": "hi"}]
    with pytest.raises(NotSupportedError, match="does not accept images"):
        agen = OpenaiAPI.create_async_generator(
            "gpt-3.5-turbo", messages, api_key="k", api_base=fake.url, media=[(PNG_1PX, "a.png")]
        )
        await agen.__anext__()
    assert fake.requests == []


async def test_non_stream_answer_to_a_stream_request_is_read_whole(fake):
    fake.script.append({"text": "whole", "json_body": True})
    parts = await run(fake, stream=True)
    assert text_of(parts) == "whole" and parts[-1] == FinishReason("stop")


async def test_alias_resolves_to_the_vendor_name(fake):
    from g4f.Provider import Groq

    parts = [p async for p in Groq.create_async_generator("llama-3.3-70b", MESSAGES, api_key="k", api_base=fake.url)]
    assert fake.last["json"]["model"] == "llama-3.3-70b-versatile"
    assert fake.last["headers"]["Authorization"] == "Bearer k"
    assert text_of(parts) == "Echo: hello there"


@pytest.mark.parametrize("stream", [True, False])
@pytest.mark.parametrize(
    "deltas",
    [
        ["<think>Count: 2+2", " is 4.</think>", "\n\n4"],
        ["<thi", "nk>Count: 2+2 is 4.</th", "ink>4"],
        ["\n<think>Count: 2+2 is 4.</think>4"],
    ],
)
async def test_think_tags_in_the_content_become_reasoning(fake, stream, deltas):
    fake.script.append({"text": deltas})
    parts = await run(fake, stream=stream)
    assert "".join(p.token for p in parts if isinstance(p, Reasoning)) == "Count: 2+2 is 4."
    assert text_of(parts) == "4"


@pytest.mark.parametrize("deltas", [["I think <think> is a tag"], ["<", "b>bold</b>"], ["<thin"]])
async def test_content_not_opening_with_think_is_left_alone(fake, deltas):
    fake.script.append({"text": deltas})
    parts = await run(fake)
    assert text_of(parts) == "".join(deltas) and not any(isinstance(p, Reasoning) for p in parts)
