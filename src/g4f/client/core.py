"""The async core every door uses: validate, route, run the provider, shape the response."""

from __future__ import annotations

import os
import time
from collections.abc import AsyncIterator
from contextlib import aclosing
from typing import Any

from ..errors import InvalidRequestError
from ..image import prepare_media, resolve_image_urls
from ..providers import response as parts
from ..providers.retry_provider import IterListProvider
from ..routing import get_candidates
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


def validate_messages(messages: Any) -> Messages:
    """Check the shape of ``messages``; the error says what to fix."""
    if not isinstance(messages, list):
        raise InvalidRequestError(
            f"'messages' must be a list of messages, not {type(messages).__name__}.", param="messages"
        )
    if not messages:
        raise InvalidRequestError("'messages' must contain at least one message.", param="messages")
    for i, message in enumerate(messages):
        if not isinstance(message, dict):
            raise InvalidRequestError(
                f"messages[{i}] must be an object with 'role' and 'content'.", param=f"messages[{i}]"
            )
        role = message.get("role")
        if role not in ROLES:
            what = "has no 'role'" if role is None else f"has unknown role {role!r}"
            raise InvalidRequestError(
                f"messages[{i}] {what}; use one of {', '.join(sorted(ROLES))}.", param=f"messages[{i}].role"
            )
        if "content" not in message and not message.get("tool_calls"):
            raise InvalidRequestError(f"messages[{i}] has no 'content'.", param=f"messages[{i}].content")
        content = message.get("content")
        if content is not None and not isinstance(content, (str, list)):
            raise InvalidRequestError(
                f"messages[{i}].content must be a string or a list of parts.", param=f"messages[{i}].content"
            )
    return messages


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
) -> AsyncIterator[Any]:
    """Validate and route the request; the provider parts' generator, not yet started.

    Returned rather than wrapped, so the hot path has one generator layer fewer; the caller closes it.
    """
    validate_messages(messages)
    if kwargs.get("proxy") is None and os.environ.get("G4F_PROXY"):
        kwargs["proxy"] = os.environ["G4F_PROXY"]
    kwargs = {k: v for k, v in kwargs.items() if v is not None}
    model_name, candidates = get_candidates(
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
    # An IterListProvider/RetryProvider given by the caller keeps its behaviour over the filtered candidates.
    runner = (
        provider.with_providers(candidates) if isinstance(provider, IterListProvider) else IterListProvider(candidates)
    )
    return runner.create_async_generator(model_name, messages, stream=stream, **kwargs)


async def iter_parts(model: Any, messages: Messages, provider: Any = None, **kwargs: Any) -> AsyncIterator[Any]:
    """Route the request and yield the provider's parts, falling back across candidates."""
    async with aclosing(await open_parts(model, messages, provider, **kwargs)) as parts:
        async for part in parts:
            yield part


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
) -> AsyncIterator[ChatCompletionChunk]:
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


__all__ = ["create_completion", "stream_completion", "iter_parts", "validate_messages", "collect_media"]
