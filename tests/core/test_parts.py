"""Every kind of part a provider yields reaches the response objects in OpenAI's shape."""

from __future__ import annotations

import json

import g4f
from g4f.client import AsyncClient, Client
from g4f.providers.base_provider import AsyncGeneratorProvider
from g4f.providers.response import FinishReason, JsonConversation, Reasoning, ToolCalls, Usage

from .mocks import EchoProvider, user

CALL = {"id": "call_abc", "type": "function", "function": {"name": "lookup", "arguments": '{"q": "x"}'}}


class PartsProvider(AsyncGeneratorProvider):
    working = True

    @classmethod
    async def create_async_generator(cls, model, messages, tools=None, conversation=None, **kwargs):
        yield Reasoning("Let me think. ")
        yield Reasoning("Done.")
        if tools:
            yield ToolCalls([CALL])
            yield FinishReason("tool_calls")
            return
        yield "Answer"
        yield JsonConversation({"turn": (conversation or {}).get("turn", 0) + 1})
        yield Usage(prompt_tokens=11, completion_tokens=2)
        yield FinishReason("length")


def test_reasoning_usage_finish_reason_conversation():
    response = Client().chat.completions.create(user(), provider=PartsProvider)
    message = response.choices[0].message
    assert message.content == "Answer" and message.reasoning == "Let me think. Done."
    assert message.reasoning_content == message.reasoning
    assert response.choices[0].finish_reason == "length"
    assert (response.usage.prompt_tokens, response.usage.completion_tokens, response.usage.total_tokens) == (11, 2, 13)
    assert response.conversation == {"turn": 1}
    again = Client().chat.completions.create(user(), provider=PartsProvider, conversation=response.conversation)
    assert again.conversation == {"turn": 2}
    body = json.loads(response.model_dump_json())
    assert (
        body["choices"][0]["message"]["reasoning"] == "Let me think. Done."
        and "tool_calls" not in body["choices"][0]["message"]
    )


def test_tool_calls_whole():
    response = Client().chat.completions.create(user(), provider=PartsProvider, tools=[{"type": "function"}])
    choice = response.choices[0]
    assert choice.finish_reason == "tool_calls" and choice.message.content is None
    assert choice.message.tool_calls[0].model_dump() == CALL
    assert choice.message.tool_calls[0].function.name == "lookup"


async def test_streamed_parts():
    chunks = [c async for c in AsyncClient().chat.completions.create(user(), provider=PartsProvider, stream=True)]
    deltas = [c.choices[0].delta for c in chunks]
    assert [d.reasoning for d in deltas if d.reasoning] == ["Let me think. ", "Done."]
    assert deltas[0].role == "assistant" and all(d.role is None for d in deltas[1:])
    assert "".join(d.content or "" for d in deltas) == "Answer"
    assert chunks[-1].choices[0].finish_reason == "length" and chunks[-1].usage.total_tokens == 13
    calls = [
        c
        async for c in AsyncClient().chat.completions.create(
            user(), provider=PartsProvider, stream=True, tools=[{"type": "function"}]
        )
    ]
    tool_deltas = [c.choices[0].delta.tool_calls for c in calls if c.choices[0].delta.tool_calls]
    assert tool_deltas == [[{"index": 0, **CALL}]]
    assert calls[-1].choices[0].finish_reason == "tool_calls"


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32  # the signature is enough to be recognised as an image


def test_images_reach_the_provider_as_media():
    Client().chat.completions.create(user(), provider=EchoProvider, image=PNG, image_name="a.png")
    assert EchoProvider.calls[-1]["media"] == [(PNG, "a.png")]
    g4f.ChatCompletion.create("", user(), provider=EchoProvider, image=PNG)
    [(data, name)] = EchoProvider.calls[-1]["media"]
    assert data == PNG and name.endswith(".png")
    Client().chat.completions.create(user(), provider=EchoProvider, images=[[PNG, "1.png"], PNG])
    assert [n for _, n in EchoProvider.calls[-1]["media"]][0] == "1.png" and len(EchoProvider.calls[-1]["media"]) == 2
    Client().chat.completions.create(user(), provider=EchoProvider)
    assert "media" not in EchoProvider.calls[-1]
