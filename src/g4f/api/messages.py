"""Anthropic's Messages API: ``POST /v1/messages`` (and ``/api/{provider}/messages``), ``count_tokens``.

The request is translated to a chat job and answered by the same core as chat completions; the
core's chunks come back as Anthropic's events. Errors are Anthropic's
``{"type": "error", "error": {"type", "message"}}``: an Anthropic client reads them on this route.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from ..client.core import estimate_tokens
from ..client.stubs import ChatCompletion, ChatCompletionChunk, TextChunk
from ..errors import InvalidRequestError, NotSupportedError
from .body import read_json
from .config import AppConfig
from .door import Event, EventResponse, door_job
from .errors import error_payload
from .responses import JSONResponse
from .validation import Spec, ValidationError, check

MESSAGES_SPEC: Spec = {
    "model": ("str", None),
    "max_tokens": ("int", (1, 10_000_000)),
    "messages": ("list", None),
    "stream": ("bool", None),
    "tools": ("list", None),
    "tool_choice": ("object", None),
    "stop_sequences": ("str_list", None),
    "temperature": ("number", (0, 1)),
    "top_p": ("number", (0, 1)),
    "top_k": ("int", (0, 1_000_000)),
    "thinking": ("object", None),
    "metadata": ("object", None),
    "provider": ("str", None),
}
#: Anthropic's error type for each status (its documented codes; 529 is "overloaded").
ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    422: "invalid_request_error",
    429: "rate_limit_error",
    503: "overloaded_error",
    504: "api_error",
}


def anthropic_error(error: BaseException, secrets: tuple = ()) -> tuple[int, dict[str, Any], dict[str, str]]:
    """The one error mapping, in Anthropic's shape."""
    status, body, headers = error_payload(error, secrets)
    kind = ERROR_TYPES.get(status, "api_error")
    return status, {"type": "error", "error": {"type": kind, "message": body["error"]["message"]}}, headers


# --- request ----------------------------------------------------------------------------------


def _text(blocks: Any) -> str:
    if isinstance(blocks, str):
        return blocks
    return "".join(b.get("text", "") for b in blocks or () if isinstance(b, dict) and b.get("type") == "text")


def _source_url(block: dict[str, Any], where: str) -> str:
    source = block.get("source") or {}
    if source.get("type") == "base64":
        return f"data:{source.get('media_type', 'application/octet-stream')};base64,{source.get('data', '')}"
    if source.get("type") == "url" and source.get("url"):
        return source["url"]
    raise InvalidRequestError(f"{where}.source must be a base64 or url source.", param=f"{where}.source")


def _part(block: Any, where: str) -> dict[str, Any] | None:
    if not isinstance(block, dict):
        raise InvalidRequestError(f"{where} must be an object.", param=where)
    kind = block.get("type")
    if kind == "text":
        return {"type": "text", "text": block.get("text", "")}
    if kind == "image":
        return {"type": "image_url", "image_url": {"url": _source_url(block, where)}}
    if kind == "document":
        if (block.get("source") or {}).get("type") == "text":
            return {"type": "text", "text": block["source"].get("data", "")}
        name = block.get("title") or "document.pdf"
        return {"type": "file", "file": {"file_data": _source_url(block, where), "filename": name}}
    if kind in ("thinking", "redacted_thinking"):
        return None  # the model's earlier thoughts are not resent
    raise NotSupportedError(f"{where}: content blocks of type {kind!r} are not supported.", param=f"{where}.type")


def _content(parts: list[dict[str, Any]]) -> str | list[dict[str, Any]]:
    return "".join(p["text"] for p in parts) if all(p["type"] == "text" for p in parts) else parts


def chat_messages(system: Any, messages: Any) -> list[dict[str, Any]]:
    """Anthropic's ``system`` and ``messages`` as chat messages (tool results become ``tool`` messages)."""
    out: list[dict[str, Any]] = []
    if system:
        out.append({"role": "system", "content": _text(system)})
    for i, message in enumerate(messages):
        where = f"messages[{i}]"
        if not isinstance(message, dict) or message.get("role") not in ("user", "assistant"):
            raise InvalidRequestError(f"{where} must have role 'user' or 'assistant'.", param=f"{where}.role")
        role, content = message["role"], message.get("content", "")
        if isinstance(content, str):
            out.append({"role": role, "content": content})
            continue
        if not isinstance(content, list):
            raise InvalidRequestError(
                f"{where}.content must be a string or a list of blocks.", param=f"{where}.content"
            )
        parts: list[dict[str, Any]] = []
        calls = []
        for j, block in enumerate(content):
            at = f"{where}.content[{j}]"
            kind = block.get("type") if isinstance(block, dict) else None
            if kind == "tool_result" and role == "user":
                result = block.get("content", "")
                text = result if isinstance(result, str) else _text(result)
                if block.get("is_error"):
                    text = f"Error: {text}"
                out.append({"role": "tool", "tool_call_id": block.get("tool_use_id", ""), "content": text})
            elif kind == "tool_use" and role == "assistant":
                arguments = json.dumps(block.get("input") or {}, ensure_ascii=False)
                calls.append(
                    {
                        "id": block.get("id", ""),
                        "type": "function",
                        "function": {"name": block.get("name", ""), "arguments": arguments},
                    }
                )
            else:
                part = _part(block, at)
                if part is not None:
                    parts.append(part)
        if calls:
            out.append({"role": "assistant", "content": _content(parts) or None, "tool_calls": calls})
        elif parts or not content:
            out.append({"role": role, "content": _content(parts)})
    return out


def chat_tools(tools: Any) -> list[dict[str, Any]] | None:
    if not tools:
        return None
    out = []
    for i, tool in enumerate(tools):
        if not isinstance(tool, dict) or tool.get("type", "custom") != "custom" or not tool.get("name"):
            kind = tool.get("type") if isinstance(tool, dict) else None
            raise NotSupportedError(
                f"tools[{i}]: only client tools (name, input_schema) are supported, not {kind!r}.", param=f"tools[{i}]"
            )
        function = {"name": tool["name"], "parameters": tool.get("input_schema") or {"type": "object"}}
        if tool.get("description"):
            function["description"] = tool["description"]
        out.append({"type": "function", "function": function})
    return out


def chat_params(body: dict[str, Any]) -> dict[str, Any]:
    params: dict[str, Any] = {
        "max_tokens": body["max_tokens"],
        "temperature": body.get("temperature"),
        "top_p": body.get("top_p"),
        "stop": body.get("stop_sequences") or None,
        "tools": chat_tools(body.get("tools")),
        "user": (body.get("metadata") or {}).get("user_id"),
    }
    choice = body.get("tool_choice")
    if choice:
        kind = choice.get("type")
        mapped: Any = {"auto": "auto", "any": "required", "none": "none"}.get(kind)
        if kind == "tool":
            mapped = {"type": "function", "function": {"name": choice.get("name", "")}}
        if mapped is None:
            raise InvalidRequestError(f"tool_choice type {kind!r} is unknown.", param="tool_choice.type")
        params["tool_choice"] = mapped
        if choice.get("disable_parallel_tool_use"):
            params["parallel_tool_calls"] = False
    thinking = body.get("thinking") or {}
    if thinking.get("type") == "enabled":  # a budget in tokens, as the effort levels others take
        budget = thinking.get("budget_tokens") or 0
        params["reasoning_effort"] = "low" if budget < 4096 else "medium" if budget < 16384 else "high"
    elif thinking.get("type") == "adaptive":  # the model decides how much: the middle level
        params["reasoning_effort"] = "medium"
    if body.get("provider"):
        params["provider"] = body["provider"]
    return {k: v for k, v in params.items() if v is not None}


# --- response ---------------------------------------------------------------------------------


STOP_REASONS = {"tool_calls": "tool_use", "length": "max_tokens", "stop": "end_turn"}


class MessageBuilder:
    """The core's chunks as Anthropic content blocks and stream events (the whole answer takes the same steps)."""

    def __init__(self, model: str, input_tokens: int) -> None:
        self.response: dict[str, Any] = {
            "id": f"msg_{uuid.uuid4().hex[:24]}",
            "type": "message",
            "role": "assistant",
            "model": model,
            "content": [],
            "stop_reason": None,
            "stop_sequence": None,
            "usage": {"input_tokens": input_tokens, "output_tokens": 0},
        }
        self.content: list[dict[str, Any]] = self.response["content"]
        self.open: dict[str, Any] | None = None  # the block being streamed, always the last one
        self.pieces: list[str] = []  # its text (or JSON) so far, joined once when it closes
        self.calls: set[str] = set()
        self.finish_reason: str | None = None
        self._text_head = b""  # the open text block's delta event up to its text (``text_frame``)

    def start(self) -> list[Event]:
        message = {**self.response, "content": []}
        return [{"type": "message_start", "message": message}, {"type": "ping"}]

    def _close(self) -> list[Event]:
        block, self.open = self.open, None
        if block is None:
            return []
        joined, self.pieces = "".join(self.pieces), []
        if block["type"] == "tool_use":
            try:
                block["input"] = json.loads(joined) if joined.strip() else {}
            except ValueError:
                block["input"] = {"_raw": joined}
        else:
            block[block["type"]] = joined  # "text" or "thinking"
        return [{"type": "content_block_stop", "index": len(self.content) - 1}]

    def _block(self, block: dict[str, Any]) -> list[Event]:
        events = self._close()
        self.open, self._text_head = block, b""
        self.content.append(block)
        events.append({"type": "content_block_start", "index": len(self.content) - 1, "content_block": dict(block)})
        return events

    def _delta(self, piece: str, delta: dict[str, Any]) -> Event:
        self.pieces.append(piece)
        return {"type": "content_block_delta", "index": len(self.content) - 1, "delta": delta}

    def add_thinking(self, text: str) -> list[Event]:
        opened = self.open is not None and self.open["type"] == "thinking"
        events = [] if opened else self._block({"type": "thinking", "thinking": "", "signature": ""})
        return [*events, self._delta(text, {"type": "thinking_delta", "thinking": text})]

    def add_text(self, text: str) -> list[Event]:
        opened = self.open is not None and self.open["type"] == "text"
        events = [] if opened else self._block({"type": "text", "text": ""})
        return [*events, self._delta(text, {"type": "text_delta", "text": text})]

    def text_frame(self, chunk: TextChunk) -> bytes | None:
        """A text chunk that continues the open text block, framed: the bytes ``frame(feed(chunk))``
        writes, from a template made once per block (most of a stream). None when no text block is open."""
        block, text = self.open, chunk.text
        if block is None or block["type"] != "text" or text is None:
            return None
        self.pieces.append(text)
        if not self._text_head:
            index = len(self.content) - 1
            self._text_head = (
                b'event: content_block_delta\ndata: {"type":"content_block_delta","index":%d,' % index
                + b'"delta":{"type":"text_delta","text":'
            )
        return self._text_head + orjson.dumps(text) + b"}}\n\n"

    def add_calls(self, calls: list[dict[str, Any]]) -> list[Event]:
        """Tool calls whole or in OpenAI-style fragments (a new call has an id; a fragment adds arguments)."""
        events: list[Event] = []
        for call in calls:
            function = call.get("function") or {}
            if call.get("id") and call["id"] not in self.calls:
                self.calls.add(call["id"])
                events += self._block(
                    {"type": "tool_use", "id": call["id"], "name": function.get("name", ""), "input": {}}
                )
            arguments = function.get("arguments")
            if self.open is not None and self.open["type"] == "tool_use" and arguments:
                events.append(self._delta(arguments, {"type": "input_json_delta", "partial_json": arguments}))
        return events

    def feed(self, chunk: ChatCompletionChunk) -> list[Event]:
        if type(chunk) is TextChunk and chunk.text is not None:  # most of a stream: text alone
            return self.add_text(chunk.text)
        if chunk.usage is not None:
            self.response["usage"] = {
                "input_tokens": chunk.usage.prompt_tokens,
                "output_tokens": chunk.usage.completion_tokens,
            }
        if not chunk.choices:
            return []
        choice = chunk.choices[0]
        delta = choice.delta
        events: list[Event] = []
        if delta.reasoning:
            events += self.add_thinking(delta.reasoning)
        if delta.content:
            events += self.add_text(delta.content)
        if delta.tool_calls:
            events += self.add_calls(delta.tool_calls)
        if choice.finish_reason:
            self.finish_reason = choice.finish_reason
        return events

    def finish(self) -> list[Event]:
        events = self._close()
        self.response["stop_reason"] = STOP_REASONS.get(self.finish_reason or "stop", "end_turn")
        if self.calls:
            self.response["stop_reason"] = "tool_use"
        delta = {"stop_reason": self.response["stop_reason"], "stop_sequence": None}
        events.append({"type": "message_delta", "delta": delta, "usage": dict(self.response["usage"])})
        events.append({"type": "message_stop"})
        return events

    def fail(self, code: str, message: str, param: str | None = None) -> list[Event]:
        kind = "overloaded_error" if code in ("provider_not_working",) else "api_error"
        return [{"type": "error", "error": {"type": kind, "message": message}}]

    def whole(self, completion: ChatCompletion) -> dict[str, Any]:
        message = completion.choices[0].message
        if message.reasoning:
            self.add_thinking(message.reasoning)
        if message.content:
            self.add_text(message.content)
        if message.tool_calls:
            self.add_calls([c.model_dump() for c in message.tool_calls])
        self.finish_reason = completion.choices[0].finish_reason
        self.response["usage"] = {
            "input_tokens": completion.usage.prompt_tokens,
            "output_tokens": completion.usage.completion_tokens,
        }
        self.finish()
        return self.response


# --- routes -----------------------------------------------------------------------------------


async def _read(request: Request, required: tuple[str, ...]) -> dict[str, Any]:
    settings: AppConfig = request.app.state.settings
    raw = await read_json(request, settings.max_body_size)
    body = check(raw, MESSAGES_SPEC, required=required)
    system = raw.get("system")
    if system is not None and not isinstance(system, (str, list)):
        raise ValidationError("'system' must be a string or an array of text blocks.", param="system")
    body["system"] = system
    return body


def _prompt_tokens(messages: list[dict[str, Any]], tools: Any) -> int:
    text = " ".join(c if isinstance(c := m.get("content"), str) else _text(c) for m in messages)
    return estimate_tokens(text + (json.dumps(tools) if tools else ""))


async def create_message(request: Request, provider: str | None = None) -> Response:
    """Anthropic's Create a Message, over every provider."""
    try:
        body = await _read(request, ("model", "max_tokens", "messages"))
        messages = chat_messages(body.get("system"), body["messages"])
        job = await door_job(request, body["model"], messages, chat_params(body), provider, body.get("stream", False))
    except Exception as error:
        status, payload, headers = anthropic_error(error, (request.app.state.settings.g4f_api_key,))
        return JSONResponse(payload, status_code=status, headers=headers)
    builder = MessageBuilder(body["model"], _prompt_tokens(messages, body.get("tools")))
    return EventResponse(job, builder, anthropic_error)


async def provider_create_message(request: Request, provider: str) -> Response:
    return await create_message(request, provider)


async def count_tokens(request: Request) -> JSONResponse:
    """An estimate (about four characters a token): no provider is asked."""
    try:
        body = await _read(request, ("model", "messages"))
        messages = chat_messages(body.get("system"), body["messages"])
    except Exception as error:
        status, payload, headers = anthropic_error(error)
        return JSONResponse(payload, status_code=status, headers=headers)
    return JSONResponse({"input_tokens": _prompt_tokens(messages, body.get("tools"))})


__all__ = ["create_message", "provider_create_message", "count_tokens", "MessageBuilder", "chat_messages"]
