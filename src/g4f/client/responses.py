"""OpenAI's Responses API over the chat core: the request translated to messages, chunks to events.

Pure translation, shared by the library (``client.responses.create``) and the REST door
(``g4f.api.openai_responses``): routing, fallback and parts stay in the core.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import orjson

from .responses_input import chat_request, new_id
from .stubs import ChatCompletion, ChatCompletionChunk, TextChunk

Event = dict[str, Any]


def new_response(body: dict[str, Any], model: str) -> dict[str, Any]:
    """The response object, in progress, echoing the request's settings."""
    fmt = (body.get("text") or {}).get("format") or {"type": "text"}
    return {
        "id": new_id("resp"),
        "object": "response",
        "created_at": int(time.time()),
        "status": "in_progress",
        "completed_at": None,
        "error": None,
        "incomplete_details": None,
        "instructions": body.get("instructions"),
        "max_output_tokens": body.get("max_output_tokens"),
        "model": model,
        "output": [],
        "parallel_tool_calls": body.get("parallel_tool_calls", True),
        "previous_response_id": body.get("previous_response_id"),
        "reasoning": {"effort": (body.get("reasoning") or {}).get("effort"), "summary": None},
        "store": body.get("store", True),
        "temperature": body.get("temperature", 1.0),
        "text": {"format": fmt},
        "tool_choice": body.get("tool_choice") or "auto",
        "tools": [{"parameters": None, "strict": None, **t} for t in body.get("tools") or ()],
        "top_p": body.get("top_p", 1.0),
        "truncation": "disabled",
        "usage": None,
        "user": body.get("user"),
        "metadata": body.get("metadata") or {},
    }


class _Item:
    """An output item being streamed: its data, where it is, and its text so far (joined once, at the end)."""

    __slots__ = ("data", "where", "pieces", "delta_head")

    def __init__(self, data: dict[str, Any], index: int) -> None:
        self.data = data
        self.where = {"item_id": data["id"], "output_index": index}
        self.pieces: list[str] = []
        self.delta_head = b""  # its text delta event's bytes between the sequence number and the text


#: An output item as ``response.output_item.added`` shows it: nothing in it yet.
_EMPTY: dict[str, dict[str, Any]] = {
    "message": {"content": []},
    "reasoning": {"summary": []},
    "function_call": {"arguments": ""},
}


_DELTA_START = b'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","sequence_number":'


class ResponseBuilder:
    """Builds the response's output items from the core's chunks; each step returns its stream events.

    The whole (non-streaming) answer takes the same steps and drops the events, so both shapes agree.
    """

    def __init__(self, response: dict[str, Any]) -> None:
        self.response = response
        self.output: list[dict[str, Any]] = response["output"]
        self.seq = 0
        self.reasoning: _Item | None = None
        self.message: _Item | None = None
        self.calls: list[_Item] = []
        self.call_ids: dict[str, _Item] = {}
        self.finish_reason: str | None = None
        self.usage: Any = None
        self.head: Any = None  # the stream head text_frame last took the model from

    def _event(self, kind: str, **fields: Any) -> Event:
        event = {"type": kind, "sequence_number": self.seq, **fields}
        self.seq += 1
        return event

    def _add(self, data: dict[str, Any]) -> tuple[_Item, Event]:
        item = _Item(data, len(self.output))
        self.output.append(data)
        added = {**data, **_EMPTY[data["type"]]}  # a snapshot: the item fills up before the event is written
        return item, self._event("response.output_item.added", output_index=item.where["output_index"], item=added)

    def start(self) -> list[Event]:
        snapshot = {**self.response, "output": []}
        return [
            self._event("response.created", response=snapshot),
            self._event("response.in_progress", response=snapshot),
        ]

    def add_reasoning(self, text: str) -> list[Event]:
        events = []
        if self.reasoning is None:
            events += self._close_message()
            data = {"id": new_id("rs"), "type": "reasoning", "summary": [], "status": "in_progress"}
            self.reasoning, added = self._add(data)
            part = {"type": "summary_text", "text": ""}
            events += [
                added,
                self._event(
                    "response.reasoning_summary_part.added", **self.reasoning.where, summary_index=0, part=part
                ),
            ]
        self.reasoning.pieces.append(text)
        events.append(
            self._event("response.reasoning_summary_text.delta", **self.reasoning.where, summary_index=0, delta=text)
        )
        return events

    def _close_reasoning(self) -> list[Event]:
        item, self.reasoning = self.reasoning, None
        if item is None:
            return []
        part = {"type": "summary_text", "text": "".join(item.pieces)}
        item.data.update(status="completed", summary=[part])
        return [
            self._event("response.reasoning_summary_text.done", **item.where, summary_index=0, text=part["text"]),
            self._event("response.reasoning_summary_part.done", **item.where, summary_index=0, part=part),
            self._event("response.output_item.done", output_index=item.where["output_index"], item=item.data),
        ]

    def add_text(self, text: str) -> list[Event]:
        message = self.message
        if message is not None and self.reasoning is None:  # most of a stream: one more delta
            message.pieces.append(text)
            seq, self.seq = self.seq, self.seq + 1
            where = message.where
            return [
                {
                    "type": "response.output_text.delta",
                    "sequence_number": seq,
                    **where,
                    "content_index": 0,
                    "delta": text,
                    "logprobs": [],
                }
            ]
        events = self._close_reasoning()
        if self.message is None:
            data = {"id": new_id("msg"), "type": "message", "role": "assistant", "status": "in_progress", "content": []}
            self.message, added = self._add(data)
            part = {"type": "output_text", "text": "", "annotations": [], "logprobs": []}
            events += [
                added,
                self._event("response.content_part.added", **self.message.where, content_index=0, part=part),
            ]
        self.message.pieces.append(text)
        events.append(
            self._event("response.output_text.delta", **self.message.where, content_index=0, delta=text, logprobs=[])
        )
        return events

    def text_frame(self, chunk: TextChunk) -> bytes | None:
        """A text chunk that continues the message being written, framed: the bytes ``frame(feed(chunk))``
        writes, from a template made once per message (most of a stream). None when another step comes
        first (no message yet, or reasoning to close)."""
        message, text = self.message, chunk.text
        if message is None or self.reasoning is not None or text is None:
            return None
        head = chunk.head
        if head is not self.head:  # the model is read once per head (a failover brings another)
            self.head = head
            if head.model:
                self.response["model"] = head.model
        message.pieces.append(text)
        seq = self.seq
        self.seq = seq + 1
        if not message.delta_head:
            where = message.where
            message.delta_head = b',"item_id":%b,"output_index":%d,"content_index":0,"delta":' % (
                orjson.dumps(where["item_id"]),
                where["output_index"],
            )
        return b'%b%d%b%b,"logprobs":[]}\n\n' % (_DELTA_START, seq, message.delta_head, orjson.dumps(text))

    def _close_message(self) -> list[Event]:
        item, self.message = self.message, None
        if item is None:
            return []
        part = {"type": "output_text", "text": "".join(item.pieces), "annotations": [], "logprobs": []}
        item.data.update(status="completed", content=[part])
        return [
            self._event("response.output_text.done", **item.where, content_index=0, text=part["text"], logprobs=[]),
            self._event("response.content_part.done", **item.where, content_index=0, part=part),
            self._event("response.output_item.done", output_index=item.where["output_index"], item=item.data),
        ]

    def add_calls(self, calls: list[dict[str, Any]]) -> list[Event]:
        """Tool calls whole or in OpenAI-style fragments (a new call has an id; a fragment adds arguments)."""
        events = self._close_reasoning() + self._close_message()
        for call in calls:
            function = call.get("function") or {}
            call_id = call.get("id")
            item = self.call_ids.get(call_id) if call_id else None
            if call_id and item is None:
                data = {
                    "id": new_id("fc"),
                    "type": "function_call",
                    "status": "in_progress",
                    "call_id": call_id,
                    "name": function.get("name", ""),
                    "arguments": "",
                }
                item, added = self._add(data)
                self.calls.append(item)
                self.call_ids[call_id] = item
                events.append(added)
            item = item or (self.calls[-1] if self.calls else None)
            if item is not None and function.get("arguments"):
                item.pieces.append(function["arguments"])
                events.append(
                    self._event("response.function_call_arguments.delta", **item.where, delta=function["arguments"])
                )
        return events

    def feed(self, chunk: ChatCompletionChunk) -> list[Event]:
        if type(chunk) is TextChunk and chunk.text is not None:  # most of a stream: text alone
            if chunk.head.model:
                self.response["model"] = chunk.head.model
            return self.add_text(chunk.text)
        if chunk.usage is not None:
            self.usage = chunk.usage
        if chunk.model:
            self.response["model"] = chunk.model
        if not chunk.choices:
            return []
        choice = chunk.choices[0]
        delta = choice.delta
        events = []
        if delta.reasoning:
            events += self.add_reasoning(delta.reasoning)
        if delta.content:
            events += self.add_text(delta.content)
        if delta.tool_calls:
            events += self.add_calls(delta.tool_calls)
        if choice.finish_reason:
            self.finish_reason = choice.finish_reason
        return events

    def finish(self) -> list[Event]:
        """Close what is open and complete the response (``incomplete`` when cut by the token limit)."""
        events = self._close_reasoning() + self._close_message()
        for item in self.calls:
            data = item.data
            data.update(status="completed", arguments="".join(item.pieces))
            events += [
                self._event(
                    "response.function_call_arguments.done",
                    **item.where,
                    name=data["name"],
                    arguments=data["arguments"],
                ),
                self._event("response.output_item.done", output_index=item.where["output_index"], item=data),
            ]
        response = self.response
        if self.usage is not None:
            response["usage"] = {
                "input_tokens": self.usage.prompt_tokens,
                "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
                "output_tokens": self.usage.completion_tokens,
                "output_tokens_details": {"reasoning_tokens": 0},
                "total_tokens": self.usage.total_tokens,
            }
        if self.finish_reason == "length":
            response["status"] = "incomplete"
            response["incomplete_details"] = {"reason": "max_output_tokens"}
            events.append(self._event("response.incomplete", response=response))
        else:
            response["status"] = "completed"
            response["completed_at"] = int(time.time())
            events.append(self._event("response.completed", response=response))
        return events

    def fail(self, code: str, message: str, param: str | None = None) -> list[Event]:
        """A stream that broke after it began: an ``error`` event, then ``response.failed``."""
        self.response["status"] = "failed"
        self.response["error"] = {"code": "server_error", "message": message}
        return [
            # Flat as the spec's ResponseErrorEvent, nested as the SDKs read an ``event: error``.
            self._event(
                "error",
                code=code,
                message=message,
                param=param,
                error={"type": "server_error", "code": code, "message": message, "param": param},
            ),
            self._event("response.failed", response=self.response),
        ]

    def whole(self, completion: ChatCompletion) -> dict[str, Any]:
        """The complete response of a non-streamed completion (same steps, events dropped)."""
        message = completion.choices[0].message
        if message.reasoning:
            self.add_reasoning(message.reasoning)
        if message.content:
            self.add_text(message.content)
        if message.tool_calls:
            self.add_calls([c.model_dump() for c in message.tool_calls])
        self.finish_reason = completion.choices[0].finish_reason
        self.usage = completion.usage
        if completion.model:
            self.response["model"] = completion.model
        self.finish()
        return self.response


def output_messages(output: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A response's output items as the chat messages that continue the conversation."""
    text = "".join(p["text"] for item in output if item["type"] == "message" for p in item["content"])
    calls = [
        {"id": c["call_id"], "type": "function", "function": {"name": c["name"], "arguments": c["arguments"]}}
        for c in output
        if c["type"] == "function_call"
    ]
    message: dict[str, Any] = {"role": "assistant", "content": text or None}
    if calls:
        message["tool_calls"] = calls
    return [message]


def output_text(response: dict[str, Any]) -> str:
    return "".join(
        p.get("text", "")
        for item in response.get("output", ())
        if item.get("type") == "message"
        for p in item["content"]
    )


# --- library surface --------------------------------------------------------------------------


class ResponseObject(dict):
    """A response or stream event: the wire dict, its fields also readable as attributes."""

    def __getattr__(self, name: str) -> Any:
        try:
            value = self[name]
        except KeyError:
            raise AttributeError(name) from None
        if isinstance(value, dict):
            return ResponseObject(value)
        if isinstance(value, list):
            return [ResponseObject(v) if isinstance(v, dict) else v for v in value]
        return value

    @property
    def output_text(self) -> str:
        return output_text(self)


async def stream_events(
    body: dict[str, Any], core_stream: Any, model: str, messages: list, **kwargs: Any
) -> AsyncIterator[Event]:
    """The Responses event stream of one request over ``core_stream`` (``stream_completion``)."""
    builder = ResponseBuilder(new_response(body, model))
    for event in builder.start():
        yield event
    chunks = core_stream(model, messages, **kwargs)
    try:
        async for chunk in chunks:
            for event in builder.feed(chunk):
                yield event
    finally:
        await chunks.aclose()
    for event in builder.finish():
        yield event


class Responses:
    """``client.responses``: ``create(model=..., input=..., stream=False, ...)`` over the same core."""

    def __init__(self, client: Any, is_async: bool) -> None:
        self.client = client
        self.is_async = is_async

    def create(
        self,
        *,
        input: Any,
        model: str = "",
        instructions: str | None = None,
        stream: bool = False,
        provider: Any = None,
        **body: Any,
    ) -> Any:
        from .bridge import iterate_sync, run_sync
        from .core import create_completion, stream_completion

        body.update(input=input, instructions=instructions)
        messages, kwargs = chat_request(body)
        request = self.client._request(messages, model, provider, body.pop("proxy", None), None, None, kwargs)
        messages, model = request.pop("messages"), request.pop("model")
        if stream:
            events = _wrapped(stream_events(body, stream_completion, model, messages, **request))
            return events if self.is_async else iterate_sync(events)

        async def whole() -> ResponseObject:
            completion = await create_completion(model, messages, **request)
            return ResponseObject(ResponseBuilder(new_response(body, model)).whole(completion))

        return whole() if self.is_async else run_sync(whole())


async def _wrapped(events: AsyncIterator[Event]) -> AsyncIterator[ResponseObject]:
    async for event in events:
        yield ResponseObject(event)


__all__ = ["ResponseBuilder", "Responses", "ResponseObject", "chat_request", "new_response", "output_messages"]
