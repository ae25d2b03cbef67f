"""Response objects with OpenAI's fields (plus ``provider``).

Plain slotted classes: built on every chunk of the hot path, so no validation cost; ``model_dump()``
and ``to_json()`` give the OpenAI wire shape. The classes of chat answers and streamed chunks spell
their ``model_dump`` out field by field (the same output as the generic one): the server calls it for
every chunk it streams.
"""

from __future__ import annotations

import itertools
import json
import time
import uuid
from typing import Any

_SCALARS = frozenset({str, int, float, bool})


def _clean(value: Any) -> Any:
    if isinstance(value, _Stub):
        return value.model_dump()
    if isinstance(value, list):
        return [_clean(v) for v in value]
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    return value


def _dump(value: Any) -> Any:
    """A nested field of a spelled-out ``model_dump``: a stub's own dump, else as the generic one does."""
    return value.model_dump() if isinstance(value, _Stub) else _clean(value)


class _Stub:
    __slots__: tuple[str, ...] = ()
    #: Fields left out of the dump when None (OpenAI omits them).
    _optional: tuple[str, ...] = ()

    def model_dump(self, exclude_none: bool = False) -> dict[str, Any]:
        # Called for every response and streamed chunk: scalars are copied as they are, only nested
        # objects and containers recurse.
        out = {}
        optional = self._optional
        for name in self.__slots__:
            value = getattr(self, name)
            if value is None:
                if exclude_none or name in optional:
                    continue
            elif type(value) not in _SCALARS:
                value = value.model_dump(exclude_none) if isinstance(value, _Stub) else _clean(value)
            out[name] = value
        return out

    dict = to_dict = model_dump

    def model_dump_json(self, **kwargs: Any) -> str:
        return json.dumps(self.model_dump(**kwargs), ensure_ascii=False)

    to_json = model_dump_json

    def __getitem__(self, key: str) -> Any:  # gpt4free users index responses like dicts
        return getattr(self, key)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{n}={getattr(self, n)!r}' for n in self.__slots__)})"

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and self.model_dump() == other.model_dump()  # type: ignore[attr-defined]


_ID_PREFIX = uuid.uuid4().hex[:12]
_ids = itertools.count(1)


def new_completion_id() -> str:
    """Unique per process (random prefix) without an ``os.urandom`` call per request."""
    return f"chatcmpl-{_ID_PREFIX}{next(_ids):012x}"


class Usage(_Stub):
    __slots__ = (
        "prompt_tokens",
        "completion_tokens",
        "total_tokens",
        "prompt_tokens_details",
        "completion_tokens_details",
    )
    _optional = ("prompt_tokens_details", "completion_tokens_details")

    def __init__(
        self,
        prompt_tokens: int = 0,
        completion_tokens: int = 0,
        total_tokens: int | None = None,
        prompt_tokens_details: dict | None = None,
        completion_tokens_details: dict | None = None,
    ) -> None:
        self.prompt_tokens = prompt_tokens
        self.completion_tokens = completion_tokens
        self.total_tokens = prompt_tokens + completion_tokens if total_tokens is None else total_tokens
        # The upstream's breakdown (cached, reasoning, audio tokens), passed on as it came.
        self.prompt_tokens_details = prompt_tokens_details
        self.completion_tokens_details = completion_tokens_details

    def model_dump(self, exclude_none: bool = False) -> dict[str, Any]:
        if exclude_none:
            return _Stub.model_dump(self, True)
        out: dict[str, Any] = {
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "total_tokens": self.total_tokens,
        }
        if self.prompt_tokens_details is not None:
            out["prompt_tokens_details"] = _clean(self.prompt_tokens_details)
        if self.completion_tokens_details is not None:
            out["completion_tokens_details"] = _clean(self.completion_tokens_details)
        return out

    dict = to_dict = model_dump


class ToolCallFunction(_Stub):
    __slots__ = ("name", "arguments")

    def __init__(self, name: str, arguments: str) -> None:
        self.name, self.arguments = name, arguments


class ToolCall(_Stub):
    __slots__ = ("id", "type", "function")

    def __init__(self, id: str, function: ToolCallFunction | dict, type: str = "function") -> None:
        self.id, self.type = id, type
        self.function = (
            function
            if isinstance(function, ToolCallFunction)
            else ToolCallFunction(function.get("name", ""), function.get("arguments", "") or "")
        )

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ToolCall:
        return cls(
            data.get("id") or f"call_{uuid.uuid4().hex[:24]}", data.get("function", {}), data.get("type", "function")
        )


class ChatCompletionMessage(_Stub):
    __slots__ = ("role", "content", "tool_calls", "reasoning", "reasoning_content", "refusal", "annotations", "audio")
    _optional = ("tool_calls", "reasoning", "reasoning_content", "annotations", "audio")

    def __init__(
        self,
        content: str | None,
        role: str = "assistant",
        tool_calls: list[ToolCall] | None = None,
        reasoning: str | None = None,
        refusal: str | None = None,
        annotations: list[dict] | None = None,
        audio: dict | None = None,
    ) -> None:
        self.role, self.content, self.tool_calls, self.reasoning = role, content, tool_calls, reasoning
        # DeepSeek's name for it, which clients (and gpt4free code) read: sent under both names.
        self.reasoning_content = reasoning
        self.refusal, self.annotations, self.audio = refusal, annotations, audio

    def model_dump(self, exclude_none: bool = False) -> dict[str, Any]:
        if exclude_none or self.refusal is not None or self.annotations is not None or self.audio is not None:
            return _Stub.model_dump(self, exclude_none)
        out: dict[str, Any] = {"role": self.role, "content": self.content}
        if self.tool_calls is not None:
            out["tool_calls"] = _clean(self.tool_calls)
        if self.reasoning is not None:
            out["reasoning"] = self.reasoning
        if self.reasoning_content is not None:
            out["reasoning_content"] = self.reasoning_content
        out["refusal"] = None
        return out

    dict = to_dict = model_dump


class ChatCompletionChoice(_Stub):
    __slots__ = ("index", "message", "logprobs", "finish_reason")

    def __init__(self, message: ChatCompletionMessage, finish_reason: str | None, index: int = 0) -> None:
        self.index, self.message, self.finish_reason = index, message, finish_reason
        self.logprobs: dict[str, Any] | None = None

    def model_dump(self, exclude_none: bool = False) -> dict[str, Any]:
        if exclude_none:
            return _Stub.model_dump(self, True)
        message, logprobs = self.message, self.logprobs
        return {
            "index": self.index,
            "message": message.model_dump() if isinstance(message, _Stub) else _clean(message),
            "logprobs": None if logprobs is None else _clean(logprobs),
            "finish_reason": self.finish_reason,
        }

    dict = to_dict = model_dump


class ChatCompletion(_Stub):
    __slots__ = (
        "id",
        "object",
        "created",
        "model",
        "provider",
        "choices",
        "usage",
        "conversation",
        "system_fingerprint",
        "service_tier",
    )
    _optional = ("conversation", "system_fingerprint", "service_tier")

    def __init__(
        self,
        content: str | None,
        finish_reason: str = "stop",
        *,
        completion_id: str | None = None,
        created: int | None = None,
        model: str = "",
        provider: str | None = None,
        tool_calls: list[ToolCall] | None = None,
        reasoning: str | None = None,
        usage: Usage | None = None,
        conversation: dict | None = None,
    ) -> None:
        self.id = completion_id or new_completion_id()
        self.object = "chat.completion"
        self.created = created or int(time.time())
        self.model, self.provider = model, provider
        self.choices = [
            ChatCompletionChoice(
                ChatCompletionMessage(content, tool_calls=tool_calls, reasoning=reasoning), finish_reason
            )
        ]
        self.usage = usage or Usage()
        self.conversation = conversation
        self.system_fingerprint: str | None = None
        self.service_tier: str | None = None

    def model_dump(self, exclude_none: bool = False) -> dict[str, Any]:
        if exclude_none:
            return _Stub.model_dump(self, True)
        choices = []  # a loop, not a comprehension and _dump: no frame per response for the one choice
        for choice in self.choices:
            choices.append(choice.model_dump() if isinstance(choice, _Stub) else _clean(choice))
        usage = self.usage
        out = {
            "id": self.id,
            "object": self.object,
            "created": self.created,
            "model": self.model,
            "provider": self.provider,
            "choices": choices,
            "usage": usage.model_dump() if isinstance(usage, _Stub) else _clean(usage),
        }
        if self.conversation is not None:
            out["conversation"] = _clean(self.conversation)
        if self.system_fingerprint is not None:
            out["system_fingerprint"] = self.system_fingerprint
        if self.service_tier is not None:
            out["service_tier"] = self.service_tier
        return out

    dict = to_dict = model_dump


class ChatCompletionDelta(_Stub):
    __slots__ = ("role", "content", "reasoning", "reasoning_content", "tool_calls", "refusal", "audio")
    # OpenAI sends role (and refusal) in the first delta only
    _optional = ("role", "reasoning", "reasoning_content", "tool_calls", "refusal", "audio")

    def __init__(
        self,
        content: str | None = None,
        role: str | None = "assistant",
        reasoning: str | None = None,
        tool_calls: list[dict] | None = None,
        refusal: str | None = None,
        audio: dict | None = None,
    ) -> None:
        self.role, self.content, self.reasoning, self.tool_calls = role, content, reasoning, tool_calls
        self.reasoning_content = reasoning  # as on the message
        self.refusal, self.audio = refusal, audio

    def model_dump(self, exclude_none: bool = False) -> dict[str, Any]:
        if exclude_none or self.refusal is not None or self.audio is not None:
            return _Stub.model_dump(self, exclude_none)
        out: dict[str, Any] = {} if self.role is None else {"role": self.role}
        out["content"] = self.content
        if self.reasoning is not None:
            out["reasoning"] = self.reasoning
        if self.reasoning_content is not None:
            out["reasoning_content"] = self.reasoning_content
        if self.tool_calls is not None:
            out["tool_calls"] = _clean(self.tool_calls)
        return out

    dict = to_dict = model_dump


class ChatCompletionDeltaChoice(_Stub):
    __slots__ = ("index", "delta", "logprobs", "finish_reason")

    def __init__(self, delta: ChatCompletionDelta, finish_reason: str | None, index: int = 0) -> None:
        self.index, self.delta, self.finish_reason = index, delta, finish_reason
        self.logprobs: dict[str, Any] | None = None

    def model_dump(self, exclude_none: bool = False) -> dict[str, Any]:
        if exclude_none:
            return _Stub.model_dump(self, True)
        return {
            "index": self.index,
            "delta": _dump(self.delta),
            "logprobs": _clean(self.logprobs),
            "finish_reason": self.finish_reason,
        }

    dict = to_dict = model_dump


class ChatCompletionChunk(_Stub):
    __slots__ = (
        "id",
        "object",
        "created",
        "model",
        "provider",
        "choices",
        "usage",
        "system_fingerprint",
        "service_tier",
    )
    _optional = ("usage", "system_fingerprint", "service_tier")

    def __init__(
        self,
        delta: ChatCompletionDelta | None,
        finish_reason: str | None = None,
        *,
        completion_id: str,
        created: int,
        model: str = "",
        provider: str | None = None,
        usage: Usage | None = None,
    ) -> None:
        self.id, self.object, self.created = completion_id, "chat.completion.chunk", created
        self.model, self.provider, self.usage = model, provider, usage
        self.choices = [] if delta is None else [ChatCompletionDeltaChoice(delta, finish_reason)]
        self.system_fingerprint: str | None = None
        self.service_tier: str | None = None

    def model_dump(self, exclude_none: bool = False) -> dict[str, Any]:
        if exclude_none:
            return _Stub.model_dump(self, True)
        out = {
            "id": self.id,
            "object": self.object,
            "created": self.created,
            "model": self.model,
            "provider": self.provider,
            "choices": [_dump(choice) for choice in self.choices],
        }
        if self.usage is not None:
            out["usage"] = _dump(self.usage)
        if self.system_fingerprint is not None:
            out["system_fingerprint"] = self.system_fingerprint
        if self.service_tier is not None:
            out["service_tier"] = self.service_tier
        return out

    dict = to_dict = model_dump


class TextChunk(ChatCompletionChunk):
    """A chunk that only adds text, as most of a stream does, made cheaply: its other fields are
    read from ``head`` (the stream's shared ones) until set, and its ``choices`` are made when first
    read. Until then the server writes it from a per-stream template (``text`` is the delta's
    content, ``None`` once ``choices`` exist and may have been changed)."""

    __slots__ = ("text", "head")

    def __init__(self, text: str, head: ChatCompletionChunk) -> None:  # no super(): see __getattr__
        self.text: str | None = text
        self.head = head

    def __getattr__(self, name: str) -> Any:  # only for a slot not yet set
        if name == "choices":
            self.choices = [ChatCompletionDeltaChoice(ChatCompletionDelta(self.text, None), None)]
            self.text = None
            return self.choices
        if name in _CHUNK_FIELDS:
            return getattr(self.head, name)
        raise AttributeError(name)


_CHUNK_FIELDS = frozenset(ChatCompletionChunk.__slots__)


class Model(_Stub):
    __slots__ = ("id", "object", "created", "owned_by", "image", "vision", "provider")
    _optional = ("provider",)

    def __init__(
        self,
        id: str,
        owned_by: str = "",
        image: bool = False,
        vision: bool = False,
        provider: str | None = None,
        created: int = 0,
    ) -> None:
        self.id, self.object, self.created, self.owned_by = id, "model", created, owned_by
        self.image, self.vision, self.provider = image, vision, provider


__all__ = [
    "new_completion_id",
    "Usage",
    "ToolCall",
    "ToolCallFunction",
    "ChatCompletion",
    "ChatCompletionMessage",
    "ChatCompletionChoice",
    "ChatCompletionChunk",
    "ChatCompletionDelta",
    "ChatCompletionDeltaChoice",
    "TextChunk",
    "Model",
    "Image",
    "ImagesResponse",
]

from .image_stubs import Image, ImagesResponse  # noqa: E402  (kept importable from here)
