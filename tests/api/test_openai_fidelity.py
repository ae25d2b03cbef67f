"""What OpenAI documents passes both ways unchanged: request fields to the upstream, answer fields
back to the client (official SDK against a real server over the fake OpenAI upstream)."""

from __future__ import annotations

import json

import openai
import pytest

from tests.fakes.openai_server import FakeOpenAI

from .server import ThreadedUvicorn

USER = [{"role": "user", "content": "hi"}]
LOGPROBS = {"content": [{"token": "Hi", "logprob": -0.1, "bytes": [72, 105], "top_logprobs": []}], "refusal": None}


@pytest.fixture(scope="module")
def upstream():
    with FakeOpenAI() as fake:
        yield fake


@pytest.fixture(scope="module")
def client(upstream):
    mp = pytest.MonkeyPatch()
    mp.setenv("CUSTOM_API_BASE", upstream.url + "/v1")
    server = ThreadedUvicorn({"provider": "Custom"}).start()
    yield openai.OpenAI(base_url=server.url + "/v1", api_key="x", max_retries=0, _strict_response_validation=True)
    server.stop()
    mp.undo()


def test_request_fields_forwarded_unchanged(client, upstream):
    client.chat.completions.create(
        model="gpt-x",
        messages=USER,
        logprobs=True,
        top_logprobs=2,
        prediction={"type": "content", "content": "Hi"},
        metadata={"k": "v"},
        store=True,
        service_tier="flex",
        max_completion_tokens=9,
    )
    sent = upstream.last["json"]
    assert sent["logprobs"] is True and sent["top_logprobs"] == 2
    assert sent["prediction"] == {"type": "content", "content": "Hi"}
    assert sent["metadata"] == {"k": "v"} and sent["store"] is True and sent["service_tier"] == "flex"
    assert sent["max_completion_tokens"] == 9 and "max_tokens" not in sent


def test_answer_fields_passed_back(client, upstream):
    annotations = [
        {
            "type": "url_citation",
            "url_citation": {"url": "https://e.com", "title": "E", "start_index": 0, "end_index": 2},
        }
    ]
    upstream.script.append(
        {
            "text": "Hi",
            "message_extra": {"annotations": annotations},
            "choice_extra": {"logprobs": LOGPROBS},
            "usage_extra": {
                "prompt_tokens_details": {"cached_tokens": 3},
                "completion_tokens_details": {"reasoning_tokens": 1},
            },
            "body_extra": {"service_tier": "default"},
        }
    )
    response = client.chat.completions.create(model="gpt-x", messages=USER, logprobs=True)
    assert response.system_fingerprint == "fp_fake" and response.service_tier == "default"
    assert response.usage.prompt_tokens_details.cached_tokens == 3
    assert response.usage.completion_tokens_details.reasoning_tokens == 1
    message = response.choices[0].message
    assert message.annotations[0].url_citation.url == "https://e.com"
    assert response.choices[0].logprobs.content[0].token == "Hi"


def test_stream_refusal_and_fingerprint(client, upstream):
    events = [
        {
            "id": "c",
            "object": "chat.completion.chunk",
            "created": 1,
            "model": "gpt-x",
            "system_fingerprint": "fp_s",
            "choices": [{"index": 0, "delta": {"role": "assistant", "refusal": "I can't"}, "finish_reason": None}],
        },
        {
            "id": "c",
            "object": "chat.completion.chunk",
            "created": 1,
            "model": "gpt-x",
            "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
        },
    ]
    upstream.script.append({"raw": "".join(f"data: {json.dumps(e)}\n\n" for e in events) + "data: [DONE]\n\n"})
    chunks = list(client.chat.completions.create(model="gpt-x", messages=USER, stream=True))
    assert chunks[0].choices[0].delta.refusal == "I can't"
    assert all(c.system_fingerprint == "fp_s" for c in chunks)


def test_n_choices_stream(client):
    chunks = list(
        client.chat.completions.create(
            model="gpt-x", messages=USER, n=2, stream=True, stream_options={"include_usage": True}
        )
    )
    texts: dict[int, str] = {}
    for chunk in chunks:
        for choice in chunk.choices:
            texts[choice.index] = texts.get(choice.index, "") + (choice.delta.content or "")
    assert texts == {0: "Echo: hi", 1: "Echo: hi"}
    assert len({c.id for c in chunks}) == 1
    finished = [c.choices[0].index for c in chunks if c.choices and c.choices[0].finish_reason]
    assert sorted(finished) == [0, 1]
    assert chunks[-1].choices == [] and chunks[-1].usage.completion_tokens > 0
    assert all(c.usage is None for c in chunks[:-1])
