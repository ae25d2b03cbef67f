"""The Anthropic Messages API (``POST /v1/messages``), adapted to the provider contract.

OpenAI-shaped requests become Messages requests (top-level ``system``, ``tool_use`` / ``tool_result``
blocks, ``image`` blocks, ``max_tokens`` always set); the answer, whole or as the SSE events
``message_start`` ... ``message_stop``, becomes text deltas and parts. A vendor is a subclass with data.

Continuation is native: a final assistant message is a prefill, which the API wants without trailing
whitespace; the model may then start with the whitespace that was trimmed, which is dropped (the
caller has it already).
"""

from __future__ import annotations

import base64
import json
from typing import Any, ClassVar

from ..errors import InvalidRequestError, NotSupportedError, ResponseError
from ..image import is_url, to_bytes
from ..typing import MediaListType, Messages
from .continuation import Overlap, final_assistant_text
from .messages import add_turn, last_user_items, message_images, message_text
from .protocol import ProtocolTemplate
from .response import FinishReason, Reasoning, ToolCalls, Usage
from .transport import status_error

API_VERSION = "2023-06-01"
DEFAULT_MAX_TOKENS = 4096
IMAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"})
#: Extended-thinking budgets for OpenAI's ``reasoning_effort``.
THINKING_BUDGETS = {"minimal": 1024, "low": 1024, "medium": 4096, "high": 16384}

FINISH_REASONS = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "pause_turn": "stop",
    "max_tokens": "length",
    "model_context_window_exceeded": "length",
    "tool_use": "tool_calls",
    "refusal": "content_filter",
}
#: Error ``type`` in Anthropic's error bodies and ``event: error`` -> the HTTP status it stands for.
ERROR_STATUS = {
    "invalid_request_error": 400,
    "authentication_error": 401,
    "permission_error": 403,
    "not_found_error": 404,
    "request_too_large": 413,
    "rate_limit_error": 429,
    "api_error": 500,
    "overloaded_error": 529,
}


def error_info(body: Any) -> tuple[str | None, int | None, float | None]:
    """``{"type": "error", "error": {"type", "message"}}`` -> its message; the HTTP status stands."""
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        return body["error"].get("message"), None, None
    return None, None, None


# --- Request ----------------------------------------------------------------------------------


def image_block(image: Any) -> dict:
    """An image input as a block: a URL by reference (Anthropic fetches it), anything else inline."""
    if is_url(image):
        return {"type": "image", "source": {"type": "url", "url": image}}
    data, mime = to_bytes(image)
    if mime not in IMAGE_TYPES:
        raise InvalidRequestError(f"Anthropic accepts JPEG, PNG, GIF and WebP images, not {mime}.", param="image")
    return {"type": "image", "source": {"type": "base64", "media_type": mime, "data": base64.b64encode(data).decode()}}


def content_blocks(content: Any) -> list[dict]:
    """An OpenAI message content as Anthropic blocks: images first, as Anthropic recommends."""
    if isinstance(content, str) or content is None:
        return [{"type": "text", "text": content}] if content else []
    texts = []
    for part in content:
        kind = part.get("type") if isinstance(part, dict) else None
        if kind in ("text", "input_text"):
            if part.get("text"):
                texts.append({"type": "text", "text": part["text"]})
        elif kind != "image_url":
            raise NotSupportedError(f"Anthropic: message content of type {kind!r} is not supported.")
    blocks = [image_block(url) for url in message_images(content)]
    return blocks + texts


def tool_use_block(call: dict) -> dict:
    function = call.get("function") or {}
    arguments = function.get("arguments") or "{}"
    try:
        args = json.loads(arguments) if isinstance(arguments, str) else arguments
    except ValueError as error:
        raise InvalidRequestError(f"tool call {call.get('id')!r} has arguments that are not JSON.") from error
    return {"type": "tool_use", "id": call.get("id"), "name": function.get("name"), "input": args or {}}


def convert_messages(messages: Messages, media: MediaListType | None = None) -> tuple[str, list[dict]]:
    """``(system, messages)``: system prompts lifted out, tool traffic as blocks, same-role turns merged."""
    system: list[str] = []
    turns: list[dict] = []
    for message in messages:
        role = message.get("role")
        content = message.get("content")
        if role in ("system", "developer"):
            if text := message_text(content):
                system.append(text)
            continue
        if role == "assistant":
            blocks = content_blocks(content)
            blocks += [tool_use_block(call) for call in message.get("tool_calls") or []]
        elif role in ("tool", "function"):
            role = "user"
            blocks = [
                {
                    "type": "tool_result",
                    "tool_use_id": message.get("tool_call_id") or message.get("name"),
                    "content": message_text(content),
                }
            ]
        else:
            role = "user"
            blocks = content_blocks(content)
        add_turn(turns, role, blocks, "content")
    if media:
        last_user_items(turns, "content")[:0] = [image_block(data) for data, _name in media]
    if turns and turns[-1]["role"] == "assistant":  # a prefill may not end in whitespace
        blocks = turns[-1]["content"]
        if blocks[-1]["type"] == "text":
            blocks[-1]["text"] = blocks[-1]["text"].rstrip()
            if not blocks[-1]["text"]:  # nor be an empty text block
                blocks.pop()
                if not blocks:
                    turns.pop()
    return "\n\n".join(system), turns


def convert_tools(tools: list[dict] | None) -> list[dict]:
    out = []
    for tool in tools or []:
        if tool.get("type", "function") != "function":
            raise NotSupportedError(f"Anthropic: tools of type {tool.get('type')!r} are not supported.")
        function = tool.get("function") or tool
        spec = {
            "name": function["name"],
            "input_schema": function.get("parameters") or {"type": "object", "properties": {}},
        }
        if function.get("description"):
            spec["description"] = function["description"]
        out.append(spec)
    return out


def convert_tool_choice(tool_choice: Any, parallel_tool_calls: bool | None) -> dict | None:
    if tool_choice is None and parallel_tool_calls is None:
        return None
    if isinstance(tool_choice, dict):
        choice = {"type": "tool", "name": (tool_choice.get("function") or tool_choice).get("name")}
    else:
        choice = {"type": {"required": "any", "none": "none"}.get(tool_choice or "auto", "auto")}
    if parallel_tool_calls is False and choice["type"] != "none":
        choice["disable_parallel_tool_use"] = True
    return choice


def build_request(
    model: str,
    messages: Messages,
    *,
    stream: bool = False,
    media: MediaListType | None = None,
    max_tokens: int | None = None,
    max_completion_tokens: int | None = None,
    temperature: float | None = None,
    top_p: float | None = None,
    top_k: int | None = None,
    stop: str | list[str] | None = None,
    tools: list[dict] | None = None,
    tool_choice: Any = None,
    parallel_tool_calls: bool | None = None,
    response_format: dict | None = None,
    reasoning_effort: str | None = None,
    thinking: dict | None = None,
    user: str | None = None,
    default_max_tokens: int = DEFAULT_MAX_TOKENS,
    **_: Any,
) -> dict:
    """The Messages API request body for an OpenAI-shaped request."""
    system, turns = convert_messages(messages, media)
    if not turns:
        raise InvalidRequestError("Anthropic needs at least one user or assistant message.", param="messages")
    body: dict[str, Any] = {
        "model": model,
        "messages": turns,
        "max_tokens": max_tokens or max_completion_tokens or default_max_tokens,
    }
    if thinking is None and reasoning_effort in THINKING_BUDGETS:
        thinking = {"type": "enabled", "budget_tokens": THINKING_BUDGETS[reasoning_effort]}
    if thinking and thinking.get("type") == "enabled":
        budget = thinking.get("budget_tokens", 0)
        if not (max_tokens or max_completion_tokens):
            body["max_tokens"] = budget + default_max_tokens
        elif body["max_tokens"] <= budget:
            raise InvalidRequestError(f"max_tokens must exceed the thinking budget ({budget}).", param="max_tokens")
        body["thinking"] = thinking
        temperature = top_k = None  # extended thinking fixes sampling
        top_p = top_p if top_p is not None and top_p >= 0.95 else None
    if temperature is not None:
        body["temperature"] = min(float(temperature), 1.0)  # OpenAI's range is 0-2, Anthropic's 0-1
    if top_p is not None:
        body["top_p"] = top_p
    if top_k is not None:
        body["top_k"] = top_k
    if stop:
        body["stop_sequences"] = [stop] if isinstance(stop, str) else list(stop)
    if user:
        body["metadata"] = {"user_id": user}
    if tools_spec := convert_tools(tools):
        body["tools"] = tools_spec
        if choice := convert_tool_choice(tool_choice, parallel_tool_calls):
            body["tool_choice"] = choice
    response_format = response_format or {}
    format_type = response_format.get("type")
    if format_type == "json_schema" and not tools_spec:
        # Anthropic's documented JSON technique: one forced tool whose input is the answer.
        schema = response_format.get("json_schema") or {}
        body["tools"] = [
            {
                "name": json_tool_name(response_format),
                "description": "Give the answer as this JSON.",
                "input_schema": schema.get("schema") or {"type": "object"},
            }
        ]
        body["tool_choice"] = {"type": "tool", "name": json_tool_name(response_format)}
    elif format_type in ("json_object", "json_schema"):
        schema = (response_format.get("json_schema") or {}).get("schema")
        rule = "Respond only with a valid JSON object" + (
            f" matching this JSON schema: {json.dumps(schema)}" if schema else "."
        )
        system = f"{system}\n\n{rule}" if system else rule
    if system:
        body["system"] = system
    if stream:
        body["stream"] = True
    return body


def json_tool_name(response_format: dict | None) -> str | None:
    """The forced tool that carries a ``json_schema`` answer (see ``build_request``)."""
    if not response_format or response_format.get("type") != "json_schema":
        return None
    return (response_format.get("json_schema") or {}).get("name") or "json_response"


# --- Response ---------------------------------------------------------------------------------


def _usage(usage: dict) -> Usage:
    prompt = sum(usage.get(k) or 0 for k in ("input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens"))
    return Usage(prompt_tokens=prompt, completion_tokens=usage.get("output_tokens") or 0)


def _tool_call(block_id: str | None, name: str | None, arguments: str) -> dict:
    return {"id": block_id, "type": "function", "function": {"name": name, "arguments": arguments or "{}"}}


def message_parts(message: dict, json_tool: str | None = None) -> list[Any]:
    """A whole Messages API response as parts."""
    parts: list[Any] = []
    calls = []
    for block in message.get("content") or []:
        kind = block.get("type")
        if kind == "text" and block.get("text"):
            parts.append(block["text"])
        elif kind == "thinking" and block.get("thinking"):
            parts.append(Reasoning(block["thinking"]))
        elif kind == "tool_use":
            arguments = json.dumps(block.get("input") or {})
            if block.get("name") == json_tool:
                parts.append(arguments)
            else:
                calls.append(_tool_call(block.get("id"), block.get("name"), arguments))
    if calls:
        parts.append(ToolCalls(calls))
    if message.get("usage"):
        parts.append(_usage(message["usage"]))
    reason = message.get("stop_reason")
    if reason:
        parts.append(FinishReason("stop" if json_tool and reason == "tool_use" else FINISH_REASONS.get(reason, "stop")))
    return parts


class Parser:
    """The Messages API's answer as parts: its SSE events (``event``) or one whole message (``whole``).

    Tool calls are complete when the message stops. ``overlap`` trims what a continued answer repeats.
    """

    def __init__(self, name: str, json_tool: str | None = None, overlap: Overlap | None = None) -> None:
        self.name = name
        self.json_tool = json_tool
        self.overlap = overlap
        self.blocks: dict[int, dict] = {}
        self.usage: dict[str, int] = {}
        self.stop_reason: str | None = None
        self.done = False
        self.ended = False

    def whole(self, message: Any) -> list[Any]:
        if not isinstance(message, dict):
            raise ResponseError(f"{self.name} answered with something that is not a message.")
        self.done = self.ended = True
        parts = message_parts(message, self.json_tool)
        return self.overlap.parts(parts) if self.overlap else parts

    def event(self, event: str, data: str) -> list[Any]:
        parts = self.feed(event, data)
        return self.overlap.parts(parts) if self.overlap and parts else parts

    def feed(self, event: str, data: str) -> list[Any]:
        try:
            payload = json.loads(data)
        except ValueError as error:
            raise ResponseError(f"{self.name} sent an event that is not JSON: {data[:100]!r}") from error
        kind = payload.get("type", event) if isinstance(payload, dict) else event
        if kind == "error":
            problem = payload.get("error") or {}
            status = ERROR_STATUS.get(str(problem.get("type")), 500)
            raise status_error(self.name, status, problem.get("message") or problem.get("type") or "stream error")
        if kind == "message_start":
            self.usage.update((payload.get("message") or {}).get("usage") or {})
        elif kind == "content_block_start":
            self.blocks[payload.get("index", 0)] = dict(payload.get("content_block") or {}, json="")
        elif kind == "content_block_delta":
            return self._delta(payload.get("index", 0), payload.get("delta") or {})
        elif kind == "message_delta":
            self.stop_reason = (payload.get("delta") or {}).get("stop_reason") or self.stop_reason
            self.usage.update({k: v for k, v in (payload.get("usage") or {}).items() if v is not None})
        elif kind == "message_stop":
            self.done = True
        return []  # ping, content_block_stop, unknown future events

    def _delta(self, index: int, delta: dict) -> list[Any]:
        kind = delta.get("type")
        if kind == "text_delta":
            return [delta["text"]] if delta.get("text") else []
        if kind == "thinking_delta":
            return [Reasoning(delta["thinking"])] if delta.get("thinking") else []
        if kind == "input_json_delta":
            block = self.blocks.setdefault(index, {"type": "tool_use", "json": ""})
            block["json"] += delta.get("partial_json") or ""
            if block.get("name") == self.json_tool:  # the JSON answer streams as text
                return [delta["partial_json"]] if delta.get("partial_json") else []
        return []  # signature_delta, citations_delta: nothing for the OpenAI shape

    def end(self) -> list[Any]:
        if self.ended:
            return []
        if not self.done:
            raise ResponseError(f"{self.name}'s stream ended before message_stop.")
        self.ended = True
        parts: list[Any] = []
        calls = [
            _tool_call(b.get("id"), b.get("name"), b["json"])
            for _, b in sorted(self.blocks.items())
            if b.get("type") == "tool_use" and b.get("name") != self.json_tool
        ]
        if calls:
            parts.append(ToolCalls(calls))
        if self.usage:
            parts.append(_usage(self.usage))
        if self.stop_reason:
            reason = FINISH_REASONS.get(self.stop_reason, "stop")
            parts.append(FinishReason("stop" if self.json_tool and reason == "tool_calls" else reason))
        return parts


#: The name this parser had before the protocols shared one opening.
StreamParser = Parser


class AnthropicTemplate(ProtocolTemplate):
    """A provider speaking the Anthropic Messages API; vendors set the class attributes."""

    api_base: ClassVar[str] = "https://api.anthropic.com"
    api_version: ClassVar[str] = API_VERSION
    default_max_tokens: ClassVar[int] = DEFAULT_MAX_TOKENS
    supports_continuation: ClassVar[bool] = True  # a final assistant message is a prefill

    @classmethod
    def build_body(cls, model: str, messages: Messages, stream: bool, media: Any, kwargs: dict[str, Any]) -> dict:
        return build_request(
            model, messages, stream=stream, media=media, default_max_tokens=cls.default_max_tokens, **kwargs
        )

    @classmethod
    def endpoint(cls, api_base: str, model: str, stream: bool) -> str:
        return f"{api_base}/v1/messages"

    @classmethod
    def auth_headers(cls, key: str, stream: bool) -> dict[str, str]:
        return {
            "x-api-key": key,
            "anthropic-version": cls.api_version,
            "accept": "text/event-stream" if stream else "application/json",
        }

    @classmethod
    def parser(cls, body: dict, messages: Messages, kwargs: dict[str, Any]) -> Parser:
        json_tool = (
            json_tool_name(kwargs.get("response_format")) if "tools" in body and not kwargs.get("tools") else None
        )
        overlap = None
        if kwargs.get("continue_final_message"):
            text = final_assistant_text(messages)
            overlap = Overlap(text[len(text.rstrip()) :], partial=True)  # the whitespace the prefill lost
        return Parser(cls.get_name(), json_tool, overlap)

    @staticmethod
    def error_info(body: Any) -> tuple[str | None, int | None, float | None]:
        return error_info(body)


__all__ = [
    "AnthropicTemplate",
    "build_request",
    "convert_messages",
    "message_parts",
    "Parser",
    "StreamParser",
    "API_VERSION",
]
