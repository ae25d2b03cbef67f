"""Requests OpenAI refuses are refused here too, before any provider sees them: a 400 with OpenAI's
``param``, checked with the official SDK against a real server."""

from __future__ import annotations

import openai
import pytest

from tests.api import mocks

USER = [{"role": "user", "content": "hi"}]
TOOLS = [{"type": "function", "function": {"name": "f", "parameters": {"type": "object", "properties": {}}}}]


@pytest.mark.parametrize(
    ("extra", "param"),
    [
        ({"top_logprobs": 2}, "top_logprobs"),
        ({"logprobs": False, "top_logprobs": 2}, "top_logprobs"),
        ({"logprobs": True, "top_logprobs": 21}, "top_logprobs"),
        ({"logprobs": "yes"}, "logprobs"),
        ({"stream_options": {"include_usage": True}}, "stream_options"),
        ({"parallel_tool_calls": True}, "parallel_tool_calls"),
        ({"metadata": {"a": "b"}}, "metadata"),
        ({"store": True, "metadata": {f"k{i}": "v" for i in range(17)}}, "metadata"),
        ({"store": True, "metadata": {"k" * 65: "v"}}, "metadata"),
        ({"store": True, "metadata": {"k": "v" * 513}}, "metadata.k"),
        ({"logit_bias": {"50256": 101}}, "logit_bias"),
        ({"logit_bias": {"50256": -100.5}}, "logit_bias"),
        ({"modalities": ["text", "video"]}, "modalities[1]"),
        ({"max_tokens": 5, "max_completion_tokens": 5}, "max_tokens"),
    ],
)
def test_refused_like_openai(client, extra, param):
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(model="echo-1", messages=USER, extra_body={"provider": "MockEcho"}, **extra)
    assert caught.value.status_code == 400
    assert caught.value.body["param"] == param
    assert mocks.MockEcho.calls == []  # refused before routing


def test_blank_content_part_type(client):
    messages = [{"role": "user", "content": [{"type": "text", "text": "hi"}, {"type": "", "text": "x"}]}]
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(model="echo-1", messages=messages, extra_body={"provider": "MockEcho"})
    assert caught.value.body["param"] == "messages.[0].content.[1].type"


@pytest.mark.parametrize(
    "extra",
    [
        {"logprobs": True, "top_logprobs": 3},
        {"stream_options": {"include_usage": True}, "stream": True},
        {"parallel_tool_calls": False, "tools": TOOLS},
        {"store": True, "metadata": {"k": "v"}},
        {"logit_bias": {"50256": -100}},
        {"modalities": ["text"]},
        {"max_completion_tokens": 5},
    ],
)
def test_valid_combinations_pass(client, extra):
    response = client.chat.completions.create(
        model="echo-1", messages=USER, extra_body={"provider": "MockEcho"}, **extra
    )
    if extra.get("stream"):
        response = list(response)
    assert response
