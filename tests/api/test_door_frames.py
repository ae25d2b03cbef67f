"""The Responses and Messages doors write a text chunk from a template (``text_frame``); the bytes and
the builder's state must be exactly what the generic path (``frame(feed(chunk))``) gives, through
reasoning, tool calls, a failover that renames the model, and text that JSON must escape."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable, Iterator
from types import SimpleNamespace
from typing import Any

import pytest

from g4f.api import messages
from g4f.api.door import frame
from g4f.api.messages import MessageBuilder
from g4f.client import responses
from g4f.client.responses import ResponseBuilder, new_response
from g4f.client.stubs import ChatCompletionChunk, ChatCompletionDelta, TextChunk

TEXTS = ["Hello", " wörld", '"}]', "\u2028 \\ \x00 😀", "\n\n", "end"]


def _head(model: str) -> ChatCompletionChunk:
    return ChatCompletionChunk(None, completion_id="chatcmpl-1", created=7, model=model, provider="A")


def _chunk(head: ChatCompletionChunk, **delta: Any) -> ChatCompletionChunk:
    return ChatCompletionChunk(
        ChatCompletionDelta(**delta), completion_id=head.id, created=head.created, model=head.model, provider="A"
    )


def _stream() -> list[ChatCompletionChunk]:
    """A stream as the core yields it: text, reasoning between texts, a tool call, a failover."""
    first, other = _head("m"), _head("m-2")
    call = {"index": 0, "id": "call_1", "type": "function", "function": {"name": "f", "arguments": '{"a":'}}
    more = {"index": 0, "function": {"arguments": "1}"}}
    return [
        _chunk(first, content="Hi", role="assistant"),
        *(TextChunk(t, first) for t in TEXTS),
        _chunk(first, reasoning="thinking..."),
        *(TextChunk(t, first) for t in TEXTS),
        *(TextChunk(t, other) for t in TEXTS),  # after a failover the head names another model
        _chunk(other, tool_calls=[call]),
        _chunk(other, tool_calls=[more]),
        *(TextChunk(t, other) for t in TEXTS),
    ]


def _messages() -> MessageBuilder:
    return MessageBuilder("claude-x", 12)


def _responses() -> ResponseBuilder:
    return ResponseBuilder(new_response({"model": "m", "input": "hi"}, "m"))


def _write(builder: Any, templated: bool) -> tuple[list[bytes], int]:
    """Every frame of the stream as the door writes it (with or without the template), and how many
    the template wrote."""
    written, count = [frame(builder.start())], 0
    for chunk in _stream():
        body = builder.text_frame(chunk) if templated and type(chunk) is TextChunk else None
        if body is None:
            body = frame(builder.feed(chunk))
        else:
            count += 1
        written.append(body)
    written.append(frame(builder.finish()))
    return written, count


@pytest.mark.parametrize("make", [_messages, _responses], ids=["messages", "responses"])
def test_text_frames_equal_the_generic_events(make: Callable[[], Any], monkeypatch: pytest.MonkeyPatch) -> None:
    ids: Iterator[int] = iter(())

    def new_id(prefix: str) -> str:  # the same ids for both runs (the builders' own are random)
        return f"{prefix}_{next(ids)}"

    monkeypatch.setattr(responses, "new_id", new_id)
    monkeypatch.setattr(messages.uuid, "uuid4", lambda: uuid.UUID(int=next(ids)))
    # The same clock for both runs: a second that turns between them would change created_at.
    monkeypatch.setattr(responses, "time", SimpleNamespace(time=lambda: 1_700_000_000.0))
    ids = itertools.count()
    fast = make()
    fast_frames, templated = _write(fast, templated=True)
    ids = itertools.count()
    generic = make()
    generic_frames, none = _write(generic, templated=False)
    assert fast_frames == generic_frames
    assert fast.response == generic.response
    # The template wrote every text chunk but the two that open a block (after reasoning, after a call).
    assert (templated, none) == (4 * len(TEXTS) - 2, 0)


def test_no_template_before_a_text_block_opens() -> None:
    builder = _messages()
    assert builder.text_frame(TextChunk("x", _head("m"))) is None
    assert builder.response["content"] == []
    responses = _responses()
    assert responses.text_frame(TextChunk("x", _head("m"))) is None
    assert responses.response["output"] == []
