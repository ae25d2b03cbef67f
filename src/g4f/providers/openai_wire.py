"""The OpenAI wire format, read and written: chat parameters, answers (whole ``chat.completion`` or a
stream of ``chat.completion.chunk``) as parts, error bodies, model lists.

No I/O here: the chat, media and model-list endpoints (``openai_chat``, ``openai_media``,
``openai_models``) send through the transport and parse with these.
"""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

import orjson

from ..errors import ResponseError
from .chunk_template import TextTemplate
from .messages import message_text
from .response import (
    Annotations,
    AudioResponse,
    CompletionMeta,
    FinishReason,
    Logprobs,
    Reasoning,
    Refusal,
    ToolCalls,
    Usage,
)
from .transport import loads, status_error

#: Chat parameters passed through by their OpenAI names when given.
CHAT_PARAMS = frozenset(
    (
        "max_tokens",
        "max_completion_tokens",
        "temperature",
        "top_p",
        "stop",
        "seed",
        "n",
        "frequency_penalty",
        "presence_penalty",
        "logit_bias",
        "logprobs",
        "top_logprobs",
        "tools",
        "tool_choice",
        "parallel_tool_calls",
        "response_format",
        "reasoning_effort",
        "modalities",
        "audio",
        "user",
        "metadata",
        "prediction",
        "service_tier",
        "store",
    )
)


def error_message(body: Any) -> str | None:
    """The human message of an error body in the shapes OpenAI-compatible servers use."""
    if isinstance(body, dict):
        error = body.get("error", body)
        if isinstance(error, dict):
            message = error.get("message") or error.get("detail") or error.get("msg")
            return str(message) if message else json.dumps(error)[:500]
        if error:
            return str(error)
        if body.get("detail"):
            return str(body["detail"])
    return str(body)[:500] if body else None


def openai_error_info(body: Any) -> tuple[str | None, None, None]:
    """The transport's reader of OpenAI-shaped error bodies: the message; status and Retry-After
    come from the HTTP answer."""
    return error_message(body), None, None


def error_status(error: Any) -> int:
    """The HTTP status an in-body error stands for (OpenRouter puts it in ``code``)."""
    code = error.get("code") if isinstance(error, dict) else None
    if isinstance(code, int) and 400 <= code < 600:
        return code
    if isinstance(code, str) and "model_not_found" in code:
        return 404
    if isinstance(code, str) and "rate_limit" in code:
        return 429
    return 502


def model_ids(data: Any) -> list[str]:
    """Model ids from ``GET /models``: OpenAI's ``{"data": [{"id"}]}`` or a bare list of ids/objects."""
    items = data.get("data", data.get("models", [])) if isinstance(data, dict) else data
    ids = []
    for item in items if isinstance(items, list) else ():
        name = (
            item if isinstance(item, str) else (item.get("id") or item.get("name")) if isinstance(item, dict) else None
        )
        if name:
            ids.append(str(name))
    return ids


class ToolCallBuilder:
    """Assembles streamed ``tool_calls`` deltas (by ``index``) into complete calls."""

    def __init__(self) -> None:
        self.calls: dict[int, dict[str, Any]] = {}

    def add(self, deltas: list[dict]) -> None:
        for position, delta in enumerate(deltas):
            index = delta.get("index", position)
            call = self.calls.setdefault(
                index, {"id": None, "type": "function", "function": {"name": "", "arguments": ""}}
            )
            call["id"] = delta.get("id") or call["id"]
            function = delta.get("function") or {}
            if function.get("name") and not call["function"]["name"]:
                call["function"]["name"] = function["name"]
            arguments = function.get("arguments")
            if isinstance(arguments, (dict, list)):  # a few servers send the whole object at once
                call["function"]["arguments"] = json.dumps(arguments)
            elif arguments:
                call["function"]["arguments"] += arguments

    def result(self) -> list[dict[str, Any]]:
        return [complete_call(self.calls[i]) for i in sorted(self.calls)]


class ThinkTags:
    """Splits ``<think>...</think>`` at the start of the content into ``Reasoning`` (DeepSeek-R1 on several vendors)."""

    OPEN, CLOSE = "<think>", "</think>"

    def __init__(self) -> None:
        self.state = "start"  # start | thinking | after | text
        self.buffer = ""

    def feed(self, text: str) -> list[Any]:
        if self.state == "after":  # the blank lines between </think> and the answer
            text = text.lstrip()
            if not text:
                return []
            self.state = "text"
        if self.state == "text":
            return [text]
        self.buffer += text
        if self.state == "start":
            head = self.buffer.lstrip()
            if self.OPEN.startswith(head):  # not yet known whether it opens with <think>
                return []
            if not head.startswith(self.OPEN):
                self.state, text, self.buffer = "text", self.buffer, ""
                return [text]
            self.state, self.buffer = "thinking", head[len(self.OPEN) :]
        end = self.buffer.find(self.CLOSE)
        if end >= 0:
            reasoning, rest = self.buffer[:end], self.buffer[end + len(self.CLOSE) :].lstrip()
            self.state, self.buffer = "text" if rest else "after", ""
            return [p for p in (Reasoning(reasoning) if reasoning else None, rest) if p]
        keep = next((n for n in range(len(self.CLOSE) - 1, 0, -1) if self.buffer.endswith(self.CLOSE[:n])), 0)
        reasoning, self.buffer = self.buffer[: len(self.buffer) - keep], self.buffer[len(self.buffer) - keep :]
        return [Reasoning(reasoning)] if reasoning else []

    def flush(self) -> list[Any]:
        rest, self.buffer = self.buffer, ""
        if not rest:
            return []
        return [Reasoning(rest)] if self.state == "thinking" else [rest]

    @classmethod
    def split(cls, content: str) -> list[Any]:
        """A whole message's content as parts."""
        if not content.lstrip().startswith(cls.OPEN):
            return [content]
        think = cls()
        return think.feed(content) + think.flush()


def complete_call(call: dict[str, Any]) -> dict[str, Any]:
    function = dict(call.get("function") or {})
    if not isinstance(function.get("arguments"), str):
        function["arguments"] = json.dumps(function.get("arguments") or {})
    return {"id": call.get("id") or f"call_{uuid.uuid4().hex[:24]}", "type": "function", "function": function}


def usage_part(usage: Any) -> Usage | None:
    if not isinstance(usage, dict):
        return None
    get = usage.get
    prompt_details = get("prompt_tokens_details")
    completion_details = get("completion_tokens_details")
    return Usage(
        int(get("prompt_tokens") or 0),
        int(get("completion_tokens") or 0),
        int(get("total_tokens") or 0),
        prompt_details if isinstance(prompt_details, dict) else None,
        completion_details if isinstance(completion_details, dict) else None,
    )


def audio_part(audio: Any) -> AudioResponse | None:
    """A chat answer's ``audio`` (whole, or one streamed delta of it) as a part."""
    if not isinstance(audio, dict) or not (audio.get("data") or audio.get("transcript") or audio.get("id")):
        return None
    return AudioResponse(
        base64.b64decode(audio["data"]) if audio.get("data") else None,
        transcript=audio.get("transcript"),
        id=audio.get("id"),
        expires_at=audio.get("expires_at"),
    )


def meta_part(data: dict) -> CompletionMeta | None:
    """``system_fingerprint`` and ``service_tier`` of a completion or chunk, when it has them."""
    if data.get("system_fingerprint") or data.get("service_tier"):
        return CompletionMeta(data.get("system_fingerprint"), data.get("service_tier"))
    return None


def logprobs_part(logprobs: Any) -> Logprobs | None:
    if not isinstance(logprobs, dict) or not (logprobs.get("content") or logprobs.get("refusal")):
        return None
    return Logprobs(logprobs.get("content"), logprobs.get("refusal"))


#: The fields of a message that is text only (most answers): nothing else to look for in it.
TEXT_MESSAGE = frozenset(("role", "content"))


def message_parts(message: dict, parts: list[Any] | None = None) -> list[Any]:
    """The parts of a whole (non-streamed) assistant message, appended to ``parts`` when given.

    Each field is read once, and an absent one costs only its lookup (this runs on every answer)."""
    if parts is None:
        parts = []
    get = message.get
    if message.keys() <= TEXT_MESSAGE:
        content = get("content")
        if content and type(content) is str:
            if content.lstrip().startswith(ThinkTags.OPEN):
                parts += ThinkTags.split(content)
            else:
                parts.append(content)
            return parts
    reasoning = get("reasoning_content") or get("reasoning")
    if reasoning and isinstance(reasoning, str):
        parts.append(Reasoning(reasoning))
    content = get("content")
    if isinstance(content, list):  # a few servers answer with content parts
        content = message_text(content)
    if content:
        parts += ThinkTags.split(content)
    refusal = get("refusal")
    if refusal and isinstance(refusal, str):
        parts.append(Refusal(refusal))
    audio = get("audio")
    if audio:
        audio = audio_part(audio)
        if audio is not None:
            parts.append(audio)
    annotations = get("annotations")
    if annotations and isinstance(annotations, list):
        parts.append(Annotations(annotations))
    tool_calls = get("tool_calls")
    if tool_calls:
        parts.append(ToolCalls([complete_call(c) for c in tool_calls]))
    return parts


def completion_parts(name: str, data: Any) -> list[Any]:
    """The parts of a whole ``chat.completion`` body."""
    if not isinstance(data, dict) or "choices" not in data:
        if isinstance(data, dict) and data.get("error"):
            raise status_error(name, error_status(data["error"]), error_message(data) or "")
        raise ResponseError(f"{name} answered without choices: {str(data)[:200]}")
    choices = data["choices"]
    choice = choices[0] if choices else {}
    parts: list[Any] = []
    fingerprint, tier = data.get("system_fingerprint"), data.get("service_tier")
    if fingerprint or tier:
        parts.append(CompletionMeta(fingerprint, tier))
    message_parts(choice.get("message") or {}, parts)
    logprobs = choice.get("logprobs")
    if logprobs:
        logprobs = logprobs_part(logprobs)
        if logprobs is not None:
            parts.append(logprobs)
    usage = usage_part(data.get("usage"))
    if usage is not None:
        parts.append(usage)
    finish = choice.get("finish_reason")
    if finish:
        parts.append(FinishReason(finish))
    return parts


_orjson_loads = orjson.loads


class ChunkParser:
    """The data of each ``chat.completion.chunk`` event as parts; tool calls, usage and finish come at ``end``."""

    __slots__ = ("name", "tools", "think", "usage", "finish", "done", "meta", "template")

    def __init__(self, name: str) -> None:
        self.name = name
        self.meta = False  # system_fingerprint / service_tier passed on once
        self.tools = ToolCallBuilder()
        self.think = ThinkTags()
        self.usage: Usage | None = None
        self.finish: str | None = None
        self.done = False
        self.template = TextTemplate()

    def feed(self, data: str) -> list[Any]:
        content = self.template.match(data)  # most of a stream: a chunk like the last, another text
        if content is not None:
            if not content:
                return []
            return [content] if self.think.state == "text" else self.think.feed(content)
        if data == "[DONE]":
            self.done = True
            return []
        try:
            chunk = _orjson_loads(data)
        except ValueError:
            chunk = self._loads(data)
            if chunk is None:
                return []
        if type(chunk) is not dict:
            if not isinstance(chunk, dict):
                raise ResponseError(f"{self.name} sent a malformed event: {data[:200]!r}")
        elif (
            not chunk.get("error")
            and not chunk.get("usage")
            and (self.meta or not (chunk.get("system_fingerprint") or chunk.get("service_tier")))
        ):
            # The common chunk: one choice whose delta is text (and the role), nothing else to read.
            choices = chunk.get("choices")
            if type(choices) is list and len(choices) == 1:
                choice = choices[0]
                delta = choice.get("delta") if type(choice) is dict else None
                if (
                    type(delta) is dict
                    and len(delta) == ("content" in delta) + ("role" in delta)
                    and not choice.get("logprobs")
                    and choice.get("index", 0) == 0
                ):
                    finish = choice.get("finish_reason")
                    self.finish = finish or self.finish
                    content = delta.get("content")
                    if not content:
                        return []
                    if finish is None and len(delta) == 1 and self.template.tries:
                        self.template.learn(data, chunk, content)
                    return [content] if self.think.state == "text" else self.think.feed(content)
        return self._parts(chunk)

    def _loads(self, data: str) -> Any:
        """What orjson refused: NaN and the like (the standard library reads them), a spaced
        ``[DONE]`` (then None), else a malformed event."""
        if data.strip() == "[DONE]":
            self.done = True
            return None
        try:
            return loads(data)
        except ValueError as error:
            raise ResponseError(f"{self.name} sent a malformed event: {data[:200]!r}") from error

    def _parts(self, chunk: dict) -> list[Any]:
        """Every part of one chunk, whatever it carries."""
        if chunk.get("error"):
            raise status_error(self.name, error_status(chunk["error"]), error_message(chunk) or "")
        parts: list[Any] = []
        if not self.meta:
            meta = meta_part(chunk)
            if meta is not None:
                self.meta = True
                parts.append(meta)
        if chunk.get("usage"):
            self.usage = usage_part(chunk["usage"]) or self.usage
        for choice in chunk.get("choices") or ():
            if choice.get("index", 0) != 0:  # parts describe one choice
                continue
            delta = choice.get("delta") or {}
            reasoning = delta.get("reasoning_content") or delta.get("reasoning")
            if isinstance(reasoning, str) and reasoning:
                parts.append(Reasoning(reasoning))
            if isinstance(delta.get("refusal"), str) and delta["refusal"]:
                parts.append(Refusal(delta["refusal"]))
            if delta.get("content"):
                parts += self.think.feed(delta["content"])
            audio = audio_part(delta.get("audio"))
            if audio is not None:
                parts.append(audio)
            if isinstance(delta.get("annotations"), list) and delta["annotations"]:
                parts.append(Annotations(delta["annotations"]))
            logprobs = logprobs_part(choice.get("logprobs"))
            if logprobs is not None:
                parts.append(logprobs)
            if delta.get("tool_calls"):
                self.tools.add(delta["tool_calls"])
            self.finish = choice.get("finish_reason") or self.finish
        return parts

    def end(self) -> list[Any]:
        if not self.done and self.finish is None:
            raise ResponseError(f"{self.name}'s stream ended before it was complete")
        parts = self.think.flush()
        if self.tools.calls:
            parts.append(ToolCalls(self.tools.result()))
        if self.usage:
            parts.append(self.usage)
        if self.finish:
            parts.append(FinishReason(self.finish))
        return parts


__all__ = [
    "CHAT_PARAMS",
    "ChunkParser",
    "ThinkTags",
    "ToolCallBuilder",
    "complete_call",
    "completion_parts",
    "error_message",
    "error_status",
    "loads",
    "message_parts",
    "model_ids",
    "openai_error_info",
    "usage_part",
    "audio_part",
    "meta_part",
    "logprobs_part",
]
