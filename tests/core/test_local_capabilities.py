"""Tools emulation and JSON mode for the embedded model: prompt + grammar, so the output always parses."""

from __future__ import annotations

import json

import pytest

from g4f.client import AsyncClient, Client
from g4f.errors import InvalidRequestError
from g4f.Provider.Local import Local
from g4f.providers import local_capabilities as caps
from g4f.providers.response import FinishReason, ToolCalls, Usage

WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Get the current weather in a city",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}, "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}},
            "required": ["city"],
        },
    },
}
ADD = {
    "type": "function",
    "function": {
        "name": "add",
        "description": "Add two numbers",
        "parameters": {
            "type": "object",
            "properties": {"a": {"type": "number"}, "b": {"type": "number"}},
            "required": ["a", "b"],
        },
    },
}
PERSON = {
    "type": "object",
    "additionalProperties": False,
    "required": ["name", "age", "hobbies"],
    "properties": {
        "name": {"type": "string"},
        "age": {"type": "integer"},
        "hobbies": {"type": "array", "items": {"type": "string"}},
    },
}


def ask(text: str) -> list[dict]:
    return [{"role": "user", "content": text}]


# --- planning, without the model ---------------------------------------------------------------


def test_nothing_to_do():
    assert caps.plan() is None
    assert caps.plan(response_format={"type": "text"}) is None
    assert caps.plan(tools=[WEATHER], tool_choice="none") is None


@pytest.mark.parametrize(
    ("kwargs", "param"),
    [
        (dict(tools={"name": "x"}), "tools"),
        (dict(tools=[{"type": "function", "function": {"description": "no name"}}]), "tools[0]"),
        (dict(tools=[WEATHER], tool_choice={"type": "function", "function": {"name": "nope"}}), "tool_choice"),
        (dict(tools=[WEATHER], tool_choice="sometimes"), "tool_choice"),
        (dict(tool_choice="required"), "tool_choice"),
        (dict(response_format={"type": "yaml"}), "response_format"),
        (dict(response_format={"type": "json_schema", "json_schema": {"name": "x"}}), "response_format"),
        (
            dict(
                response_format={
                    "type": "json_schema",
                    "json_schema": {"schema": {"$ref": "https://example.com/s.json"}},
                }
            ),
            "response_format",
        ),
    ],
)
def test_bad_requests(kwargs, param):
    with pytest.raises(InvalidRequestError) as info:
        caps.plan(**kwargs)
    assert info.value.param == param and info.value.status_code == 400


def test_bad_request_through_the_client_before_loading():
    with pytest.raises(InvalidRequestError, match="response_format"):
        Client().chat.completions.create(ask("hi"), provider=Local, response_format={"type": "yaml"})


def test_prepare_adds_instruction_and_renders_earlier_calls():
    plan = caps.plan(tools=[WEATHER], tool_choice="required")
    messages = plan.prepare(
        [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "Weather in Oslo?"},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "c1",
                        "type": "function",
                        "function": {"name": "get_weather", "arguments": '{"city": "Oslo"}'},
                    }
                ],
            },
            {"role": "tool", "tool_call_id": "c1", "content": "-3 C"},
        ]
    )
    assert messages[0]["role"] == "system" and messages[0]["content"].startswith("Be brief.")
    assert "get_weather" in messages[0]["content"] and len(messages) == 4
    assert json.loads(messages[2]["content"]) == {"name": "get_weather", "arguments": {"city": "Oslo"}}
    fresh = plan.prepare(ask("hi"))
    assert fresh[0]["role"] == "system" and fresh[1] == ask("hi")[0]


async def _parts(*items):
    for item in items:
        yield item


async def _collect(plan, *items):
    return [p async for p in plan.apply(_parts(*items))]


async def test_call_is_parsed_into_tool_calls():
    plan = caps.plan(tools=[WEATHER, ADD], tool_choice="required")
    out = await _collect(plan, '{"name": "add", ', '"arguments": {"a": 2, "b": 3}}', Usage(5, 9), FinishReason("stop"))
    calls = next(p for p in out if isinstance(p, ToolCalls)).get_list()
    assert calls[0]["function"]["name"] == "add" and json.loads(calls[0]["function"]["arguments"]) == {"a": 2, "b": 3}
    assert calls[0]["id"].startswith("call_") and calls[0]["type"] == "function"
    assert FinishReason("tool_calls") in out and not any(isinstance(p, str) for p in out)


async def test_auto_reply_is_streamed_as_text():
    plan = caps.plan(tools=[WEATHER], tool_choice="auto")
    out = await _collect(plan, '{ "name": "answer', '_in_text" }\n', "\nHello", " there", FinishReason("stop"))
    assert out == ["Hello", " there", FinishReason("stop")]


async def test_truncated_call_comes_back_as_text():
    plan = caps.plan(tools=[WEATHER], tool_choice="required")
    out = await _collect(plan, '{"name": "get_weather", "argu', FinishReason("length"))
    assert out == ['{"name": "get_weather", "argu', FinishReason("length")]


def test_json_modes_leave_text_streaming():
    plan = caps.plan(response_format={"type": "json_object"})
    assert plan.tools == [] and "JSON" in plan.instruction and plan.grammar.startswith("root ::= answer")


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(response_format={"type": "json_object"}),
        dict(response_format={"type": "json_schema", "json_schema": {"name": "person", "schema": PERSON}}),
        dict(tools=[WEATHER, ADD]),
        dict(tools=[WEATHER], tool_choice="required"),
        dict(tools=[WEATHER, ADD], tool_choice={"type": "function", "function": {"name": "add"}}),
        dict(tools=[WEATHER], response_format={"type": "json_object"}),
        dict(
            tools=[{"type": "function", "function": {"name": "ping"}}],
            response_format={"type": "json_schema", "json_schema": {"schema": PERSON}},
        ),
    ],
)
def test_llama_cpp_accepts_every_grammar(kwargs):
    grammar = caps.plan(**kwargs).grammar
    assert grammar.startswith("root ::= ")
    build_sampler(grammar)


def test_a_broken_grammar_is_an_error_not_a_crash():
    with pytest.raises(InvalidRequestError, match="grammar"):
        build_sampler("root ::= undefined-rule")


def build_sampler(grammar: str) -> None:
    """A sampler chain with ``grammar``, built as the engine builds it (on its thread), then freed."""
    import llama_cpp

    from g4f.local.sampling import SamplingParams, sampler_chain
    from g4f.local.thread import engine

    vocab = Local.load().vocab
    engine.run(lambda: llama_cpp.llama_sampler_free(sampler_chain(vocab, SamplingParams(grammar=grammar))))


# --- the model, constrained ----------------------------------------------------------------------


def test_json_object_parses():
    response = Client().chat.completions.create(
        ask("Describe a cat as JSON."),
        provider=Local,
        max_tokens=400,
        temperature=0,
        response_format={"type": "json_object"},
    )
    assert isinstance(json.loads(response.choices[0].message.content), dict)
    assert response.choices[0].finish_reason == "stop"


@pytest.mark.parametrize("stream", [False, True])
def test_json_schema_parses_and_matches(stream):
    result = Client().chat.completions.create(
        ask("Invent a person."),
        provider=Local,
        max_tokens=400,
        temperature=0,
        stream=stream,
        response_format={"type": "json_schema", "json_schema": {"name": "person", "schema": PERSON, "strict": True}},
    )
    text = "".join(c.choices[0].delta.content or "" for c in result) if stream else result.choices[0].message.content
    person = json.loads(text)
    assert set(person) == {"name", "age", "hobbies"}
    assert isinstance(person["name"], str) and isinstance(person["age"], int)
    assert isinstance(person["hobbies"], list) and all(isinstance(h, str) for h in person["hobbies"])


def _check_call(response, names=("get_weather", "add")) -> dict:
    choice = response.choices[0]
    assert choice.finish_reason == "tool_calls" and choice.message.content is None
    call = choice.message.tool_calls[0]
    assert call.type == "function" and call.function.name in names and call.id
    arguments = json.loads(call.function.arguments)
    spec = {"get_weather": WEATHER, "add": ADD}[call.function.name]["function"]["parameters"]
    assert set(spec["required"]) <= set(arguments) <= set(spec["properties"])
    return {"name": call.function.name, **arguments}


def test_tool_required():
    response = Client().chat.completions.create(
        ask("What's the weather in Paris?"),
        provider=Local,
        tools=[WEATHER, ADD],
        tool_choice="required",
        temperature=0,
        max_tokens=128,
    )
    call = _check_call(response)
    assert call["name"] == "get_weather" and "Paris" in call["city"]


def test_tool_named():
    response = Client().chat.completions.create(
        ask("What is 2 plus 3?"),
        provider=Local,
        tools=[WEATHER, ADD],
        tool_choice={"type": "function", "function": {"name": "add"}},
        temperature=0,
        max_tokens=128,
    )
    call = _check_call(response, names=("add",))
    assert isinstance(call["a"], (int, float)) and isinstance(call["b"], (int, float))


def test_tool_auto_calls_when_a_function_fits():
    response = Client().chat.completions.create(
        ask("What's the weather in Paris?"), provider=Local, tools=[WEATHER, ADD], temperature=0, max_tokens=128
    )
    assert _check_call(response)["name"] == "get_weather"


def test_tool_choice_none_answers_in_text():
    response = Client().chat.completions.create(
        ask("Say hello."), provider=Local, tools=[WEATHER], tool_choice="none", temperature=0, max_tokens=8
    )
    assert response.choices[0].message.content and response.choices[0].message.tool_calls is None


async def test_tool_call_streamed():
    stream = AsyncClient().chat.completions.create(
        ask("Weather in Rome?"),
        provider=Local,
        tools=[WEATHER],
        tool_choice="required",
        stream=True,
        temperature=0,
        max_tokens=128,
    )
    chunks = [c async for c in stream]
    deltas = [c.choices[0].delta.tool_calls for c in chunks if c.choices and c.choices[0].delta.tool_calls]
    assert len(deltas) == 1 and deltas[0][0]["index"] == 0
    assert deltas[0][0]["function"]["name"] == "get_weather"
    assert "city" in json.loads(deltas[0][0]["function"]["arguments"])
    assert chunks[-1].choices[0].finish_reason == "tool_calls"


def test_tool_result_turn():
    messages = [
        {"role": "user", "content": "What's the weather in Oslo?"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": '{"city": "Oslo"}'},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "call_1", "content": '{"temperature": -3, "unit": "celsius"}'},
    ]
    response = Client().chat.completions.create(messages, provider=Local, tools=[WEATHER], temperature=0, max_tokens=32)
    message = response.choices[0].message
    assert message.content or message.tool_calls
    if message.tool_calls:
        _check_call(response)
