"""The async core every door uses: validate, route, run the provider, shape the response."""

from __future__ import annotations

import time
from collections.abc import AsyncGenerator
from typing import Any

from ..config import get as get_setting
from ..errors import InvalidRequestError
from ..image import prepare_media, resolve_image_urls
from ..providers import response as parts
from ..providers.attempts import run_attempts
from ..routing import route
from ..typing import Messages
from .stubs import (
    ChatCompletion,
    ChatCompletionChunk,
    ChatCompletionDelta,
    ToolCall,
    Usage,
    new_completion_id,
)

ROLES = frozenset({"system", "developer", "user", "assistant", "tool", "function"})
#: Deepest nesting accepted in a message or a parameter: far beyond any real request, and far below
#: the JSON encoders' limits (orjson stops at 255 levels), so no provider fails on our input.
MAX_DEPTH = 64
_TEXT_FIELDS = ("name", "tool_call_id", "refusal")


def _invalid(message: str, param: str) -> InvalidRequestError:
    return InvalidRequestError(message, param=param)


def check_depth(value: Any, param: str, limit: int = MAX_DEPTH) -> None:
    """``InvalidRequestError`` when ``value`` nests lists and objects deeper than ``limit``."""
    level = [value]
    for _ in range(limit + 1):
        deeper: list[Any] = []
        for item in level:
            if isinstance(item, dict):
                deeper.extend(v for v in item.values() if isinstance(v, (dict, list)))
            elif isinstance(item, list):
                deeper.extend(v for v in item if isinstance(v, (dict, list)))
        if not deeper:
            return
        level = deeper
    raise _invalid(f"'{param}' is nested more than {limit} levels deep.", param)


def _check_content(content: Any, where: str) -> None:
    if content is None or isinstance(content, str):
        return
    if not isinstance(content, list):
        raise _invalid(f"{where}.content must be a string or a list of parts.", f"{where}.content")
    for j, part in enumerate(content):
        here = f"{where}.content[{j}]"
        if isinstance(part, str):
            continue
        if not isinstance(part, dict) or not isinstance(part.get("type"), str):
            raise _invalid(f"{here} must be an object with a string 'type'.", here)
        if part["type"] == "text" and not isinstance(part.get("text"), str):
            raise _invalid(f"{here}.text must be a string.", f"{here}.text")
    check_depth(content, f"{where}.content")


def _check_tool_calls(calls: Any, where: str) -> None:
    if not isinstance(calls, list):
        raise _invalid(f"{where}.tool_calls must be an array.", f"{where}.tool_calls")
    for j, call in enumerate(calls):
        here = f"{where}.tool_calls[{j}]"
        function = call.get("function") if isinstance(call, dict) else None
        if not isinstance(function, dict):
            raise _invalid(f"{here} must be an object with a 'function' object.", f"{here}.function")
        if not isinstance(function.get("name"), str):
            raise _invalid(f"{here}.function.name must be a string.", f"{here}.function.name")
        arguments = function.get("arguments")
        if arguments is not None and not isinstance(arguments, (str, dict)):
            raise _invalid(f"{here}.function.arguments must be a string.", f"{here}.function.arguments")
        if call.get("id") is not None and not isinstance(call["id"], str):
            raise _invalid(f"{here}.id must be a string.", f"{here}.id")
    check_depth(calls, f"{where}.tool_calls")


def validate_messages(messages: Any) -> Messages:
    """Check the shape of ``messages`` (every field's type, and its depth); the error names the field.

    What would make every provider fail is a client error here (400), before routing, so it never
    counts against a provider's health.
    """
    if not isinstance(messages, list):
        raise _invalid(f"'messages' must be a list of messages, not {type(messages).__name__}.", "messages")
    if not messages:
        raise _invalid("'messages' must contain at least one message.", "messages")
    for i, message in enumerate(messages):
        where = f"messages[{i}]"
        if not isinstance(message, dict):
            raise _invalid(f"{where} must be an object with 'role' and 'content'.", where)
        role = message.get("role")
        if not isinstance(role, str) or role not in ROLES:
            what = "has no 'role'" if role is None else f"has unknown role {role!r}"[:120]
            raise _invalid(f"{where} {what}; use one of {', '.join(sorted(ROLES))}.", f"{where}.role")
        if "content" not in message and not message.get("tool_calls"):
            raise _invalid(f"{where} has no 'content'.", f"{where}.content")
        _check_content(message.get("content"), where)
        if len(message) > 2 or "content" not in message:  # the optional fields, when any
            for field in _TEXT_FIELDS:
                if message.get(field) is not None and not isinstance(message[field], str):
                    raise _invalid(f"{where}.{field} must be a string.", f"{where}.{field}")
            if message.get("tool_calls") is not None:
                _check_tool_calls(message["tool_calls"], where)
    return messages


def check_params(kwargs: dict[str, Any]) -> None:
    """The nesting depth of every structured parameter (tools, response_format, ...)."""
    for name, value in kwargs.items():
        if isinstance(value, (dict, list)):
            check_depth(value, name)


def estimate_tokens(text: str) -> int:
    """A rough count (about four characters a token) for providers that report no usage."""
    return (len(text) + 3) // 4 if text else 0


def _prompt_text(messages: Messages) -> str:
    out = []
    for m in messages:
        c = m.get("content")
        if isinstance(c, str):
            out.append(c)
        elif isinstance(c, list):
            out.extend(p.get("text", "") for p in c if isinstance(p, dict))
    return " ".join(out)


def collect_media(
    image: Any = None, image_name: str | None = None, images: Any = None, media: Any = None
) -> list | None:
    """``image``/``image_name``, ``images`` and ``media`` as one list of ``(data, name)`` pairs."""
    result = []
    for group in (media, images):
        for item in group or ():
            result.append(tuple(item) if isinstance(item, (list, tuple)) else (item, None))
    if image is not None:
        result.append((image, image_name))
    return result or None


class StopFilter:
    """Cuts the text at the first stop sequence, holding back just enough to see one split across deltas."""

    def __init__(self, stop: str | list[str] | None) -> None:
        self.stops = [stop] if isinstance(stop, str) else [s for s in stop if s] if stop else []
        self.keep = max(map(len, self.stops)) - 1 if self.stops else 0
        self.buffer = ""
        self.stopped = False

    def feed(self, text: str) -> str:
        if not self.stops:
            return text
        self.buffer += text
        cut = min((i for i in (self.buffer.find(s) for s in self.stops) if i >= 0), default=-1)
        if cut >= 0:
            out, self.buffer, self.stopped = self.buffer[:cut], "", True
            return out
        if len(self.buffer) <= self.keep:
            return ""
        out, self.buffer = self.buffer[: len(self.buffer) - self.keep], self.buffer[len(self.buffer) - self.keep :]
        return out

    def flush(self) -> str:
        out, self.buffer = self.buffer, ""
        return out


async def open_parts(
    model: Any,
    messages: Messages,
    provider: Any = None,
    *,
    stream: bool = False,
    ignored_providers: list[str] | None = None,
    ignore_working: bool = False,
    ignore_stream: bool = False,
    **kwargs: Any,
) -> AsyncGenerator[Any, None]:
    """Validate and route the request; the provider parts' generator, not yet started.

    Returned rather than wrapped, so the hot path has one generator layer fewer; the caller closes it.
    """
    validate_messages(messages)
    if kwargs.get("proxy") is None:
        kwargs["proxy"] = get_setting("proxy")
    kwargs = {k: v for k, v in kwargs.items() if v is not None}
    check_params(kwargs)
    model_name, runner = route(
        model,
        provider,
        stream=stream,
        ignored=ignored_providers,
        ignore_working=ignore_working,
        ignore_stream=ignore_stream,
        api_key=kwargs.get("api_key"),
    )
    # Image inputs are read, and remote ones fetched safely, once before any provider: every
    # candidate gets the same bytes and data URIs (g4f.image).
    if kwargs.get("media"):
        kwargs["media"] = await prepare_media(kwargs["media"])
    messages = await resolve_image_urls(messages)
    kwargs["stream"] = stream
    # The attempt loop itself (no wrapper generator on the hot path): the runner's attempts and hooks.
    return run_attempts(runner.attempts(kwargs.get("api_key")), model_name, messages, kwargs, runner.hooks)


class _Collector:
    """Turns parts into the fields of a completion (shared by the streaming and whole paths)."""

    def __init__(self, model: str, messages: Messages, stop: Any) -> None:
        self.id = new_completion_id()
        self.created = int(time.time())
        self.model = model if isinstance(model, str) else getattr(model, "name", "") or ""
        self.provider: str | None = None
        self.messages = messages
        self.stop = StopFilter(stop)
        self.text: list[str] = []
        self.reasoning: list[str] = []
        self.tool_calls: list[dict] | None = None
        self.usage: Usage | None = None
        self.finish_reason: str | None = None
        self.conversation: dict | None = None
        self.media: list[parts.MediaResponse] = []

    def take(self, part: Any) -> tuple[str | None, str | None, list | None]:
        """Record a part; return the (text, reasoning, tool_calls) delta it adds."""
        if isinstance(part, str):
            text = self.stop.feed(part)
            self.text.append(text)
            return text or None, None, None
        if isinstance(part, parts.Reasoning):
            self.reasoning.append(part.token)
            return None, part.token or None, None
        if isinstance(part, parts.ToolCalls):
            calls = [ToolCall.from_dict(c).model_dump() for c in part.get_list()]
            self.tool_calls = (self.tool_calls or []) + calls
            return None, None, [{"index": i, **c} for i, c in enumerate(calls)]
        if isinstance(part, parts.Usage):
            self.usage = Usage(part.prompt_tokens, part.completion_tokens, part.total_tokens)
        elif isinstance(part, parts.FinishReason):
            self.finish_reason = part.reason
        elif isinstance(part, parts.ProviderInfo):
            self.provider = part.name
            self.model = part.model or self.model
        elif isinstance(part, parts.JsonConversation):
            self.conversation = part.data
        elif isinstance(part, parts.MediaResponse):
            self.media.append(part)
            text = self.stop.feed(("\n\n" if self.text else "") + str(part))
            self.text.append(text)
            return text, None, None
        return None, None, None

    def final_usage(self) -> Usage:
        if self.usage is None:
            prompt = estimate_tokens(_prompt_text(self.messages))
            self.usage = Usage(prompt, estimate_tokens("".join(self.text)))
        return self.usage

    def final_reason(self) -> str:
        if self.tool_calls:
            return "tool_calls"
        return "stop" if self.stop.stopped else (self.finish_reason or "stop")


async def create_completion(
    model: Any, messages: Messages, provider: Any = None, *, stop: Any = None, **kwargs: Any
) -> ChatCompletion:
    """A whole (non-streaming) completion."""
    collector = _Collector(model, messages, stop)
    agen = await open_parts(model, messages, provider, stream=False, stop=stop, **kwargs)
    try:
        async for part in agen:
            collector.take(part)
            if collector.stop.stopped:
                break
    finally:
        await agen.aclose()
    collector.text.append(collector.stop.flush())
    content = "".join(collector.text)
    return ChatCompletion(
        content if content or not collector.tool_calls else None,
        collector.final_reason(),
        completion_id=collector.id,
        created=collector.created,
        model=collector.model,
        provider=collector.provider,
        tool_calls=[ToolCall.from_dict(c) for c in collector.tool_calls] if collector.tool_calls else None,
        reasoning="".join(collector.reasoning) or None,
        usage=collector.final_usage(),
        conversation=collector.conversation,
    )


async def stream_completion(
    model: Any, messages: Messages, provider: Any = None, *, stop: Any = None, **kwargs: Any
) -> AsyncGenerator[ChatCompletionChunk, None]:
    """Chunks as parts arrive; the last carries ``finish_reason`` and ``usage``."""
    c = _Collector(model, messages, stop)
    agen = await open_parts(model, messages, provider, stream=True, stop=stop, **kwargs)

    def chunk(
        delta: ChatCompletionDelta | None, finish: str | None = None, usage: Usage | None = None
    ) -> ChatCompletionChunk:
        return ChatCompletionChunk(
            delta, finish, completion_id=c.id, created=c.created, model=c.model, provider=c.provider, usage=usage
        )

    first = True
    try:
        async for part in agen:
            text, reasoning, tool_calls = c.take(part)
            if text is None and reasoning is None and tool_calls is None:
                if c.stop.stopped:
                    break
                continue
            yield chunk(ChatCompletionDelta(text, "assistant" if first else None, reasoning, tool_calls))
            first = False
            if c.stop.stopped:
                break
    finally:
        await agen.aclose()
    rest = c.stop.flush()
    if rest:
        c.text.append(rest)
        yield chunk(ChatCompletionDelta(rest, "assistant" if first else None))
    yield chunk(ChatCompletionDelta(None, None), c.final_reason(), c.final_usage())


__all__ = ["create_completion", "stream_completion", "validate_messages", "check_params", "collect_media"]
