"""The chat completion as an ASGI response: whole or streamed, cancelled when the client leaves.

It runs inside the response so that it can watch the connection: when the client disconnects the
task is cancelled, which closes the provider's generator and with it the upstream request. An error
before anything was sent is a proper HTTP error; during a stream it is an in-band
``data: {"error": ...}`` event.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator
from contextlib import aclosing
from typing import Any

import orjson
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from ..client.core import create_completion, stream_completion
from ..client.stubs import ChatCompletion, ChatCompletionChunk, ChatCompletionDelta, TextChunk, Usage
from ..clock import take_back
from ..errors import G4FError, ProviderTimeoutError
from .errors import error_body, error_payload, error_response
from .guard import Guard

CONTENT_JSON = (b"content-type", b"application/json")
SSE_HEADERS = [
    (b"content-type", b"text/event-stream; charset=utf-8"),
    (b"cache-control", b"no-cache"),
    (b"x-accel-buffering", b"no"),
]
DONE = b"data: [DONE]\n\n"
SHUTDOWN_EVENT = (
    b"data: "
    + orjson.dumps(
        error_body(503, "The server shut down before the stream finished.", "server_error", "server_shutting_down")
    )
    + b"\n\n"
)


class ChatJob:
    """One validated request, ready to run: what to ask, whom, and what to keep afterwards."""

    __slots__ = (
        "model",
        "messages",
        "provider",
        "stream",
        "n",
        "kwargs",
        "timeout",
        "stream_timeout",
        "secrets",
        "on_done",
        "fields",
    )

    def __init__(
        self,
        model: str,
        messages: list,
        provider: str | None,
        stream: bool,
        n: int,
        kwargs: dict[str, Any],
        timeout: float,
        stream_timeout: float | None,
        secrets: tuple[str | None, ...] = (),
    ) -> None:
        self.model = model
        self.messages = messages
        self.provider = provider
        self.stream = stream
        self.n = n
        self.kwargs = kwargs
        self.timeout = timeout
        self.stream_timeout = stream_timeout
        self.secrets = secrets
        # Deadlines of each attempt, enforced by the router: a request may ask for less, not more.
        kwargs["timeout"] = min(kwargs.get("timeout") or timeout, timeout)
        if stream_timeout:
            kwargs["stream_timeout"] = stream_timeout
        #: ``async (reply_text, provider_state) -> None`` saving the conversation, when one is kept.
        self.on_done: Any = None
        #: Top-level fields added to the answer and to each chunk (``conversation_id``), when any.
        self.fields: dict[str, Any] | None = None


def as_timeout_error(error: BaseException, seconds: float | None, what: str = "No answer") -> BaseException:
    """A deadline of this server (a plain TimeoutError) becomes a 504; a provider's own error stays."""
    if isinstance(error, TimeoutError) and not isinstance(error, G4FError):
        return ProviderTimeoutError(f"{what} within {seconds:g} seconds.")
    return error


class CompletionResponse(Response):
    """ASGI response answering one chat completion request (a ``Response`` so FastAPI passes it through).

    Deadlines, fallback and mid-stream continuation are the router's, per attempt; this only writes.
    A whole answer names every provider that contributed in ``x-g4f-providers`` ("A,B"); a stream,
    whose headers leave before that is known, in the ``provider`` field of its chunks.
    """

    def __init__(self, job: ChatJob) -> None:  # no super(): nothing is rendered up front
        self.job = job
        self.background = None
        self.cut = False  # a stream ended in-band by the server's shutdown

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        guard = Guard(receive)
        try:
            if self.job.stream:
                await self._stream(scope, receive, send)
            else:
                await self._whole(scope, receive, send)
        except asyncio.CancelledError:
            if not guard.absorb():
                if not self.cut:
                    raise
                take_back(guard.task)  # the stream ended in-band
        finally:
            guard.close()

    async def _whole(self, scope: Scope, receive: Receive, send: Send) -> None:
        job = self.job
        try:
            if job.n == 1:
                completion = await create_completion(job.model, job.messages, job.provider, **job.kwargs)
            else:
                completion = _merge(
                    await asyncio.gather(
                        *(create_completion(job.model, job.messages, job.provider, **job.kwargs) for _ in range(job.n))
                    )
                )
            if job.on_done is not None:
                await job.on_done(completion.choices[0].message.content or "", completion.conversation)
        except Exception as error:
            await error_response(error, job.secrets)(scope, receive, send)
            return
        data = completion.model_dump()
        if job.fields:
            data.update(job.fields)
        body = orjson.dumps(data)
        headers = [CONTENT_JSON, (b"content-length", b"%d" % len(body))]
        if completion.provider:
            headers.append((b"x-g4f-providers", completion.provider.encode()))
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def _stream(self, scope: Scope, receive: Receive, send: Send) -> None:
        job = self.job
        chunks = stream_completion(job.model, job.messages, job.provider, **job.kwargs) if job.n == 1 else _choices(job)
        try:
            try:
                first = await chunks.__anext__()
            except Exception as error:
                await error_response(error, job.secrets)(scope, receive, send)
                return
            await send({"type": "http.response.start", "status": 200, "headers": SSE_HEADERS})
            await send({"type": "http.response.body", "body": _event(first, job.fields), "more_body": True})
            text: list[str] | None = [] if job.on_done is not None else None
            _collect(text, first)
            include_usage = bool((job.kwargs.get("stream_options") or {}).get("include_usage"))
            frames = TextFrames(job.fields)
            try:
                async for chunk in chunks:
                    try:
                        if type(chunk) is TextChunk and chunk.text is not None:  # most of a stream
                            if text is not None:
                                text.append(chunk.text)
                            if chunk.head is frames.head:  # ``frames(chunk)`` written out: a call less per chunk
                                event = frames.before + orjson.dumps(chunk.text) + frames.after
                            else:
                                event = frames(chunk)
                            await send({"type": "http.response.body", "body": event, "more_body": True})
                            continue
                        _collect(text, chunk)
                        for event in _usage_apart(chunk, include_usage, job.fields):
                            await send({"type": "http.response.body", "body": event, "more_body": True})
                    except OSError:  # the client went away while we wrote
                        return
                if text is not None:
                    await job.on_done("".join(text), None)
            except asyncio.CancelledError:  # the server's shutdown grace ended (or the client left)
                with contextlib.suppress(Exception):
                    await send({"type": "http.response.body", "body": SHUTDOWN_EVENT})
                self.cut = True
                raise
            except Exception as error:
                _, body, _ = error_payload(error, job.secrets)
                try:  # in-band: the status line has been sent already
                    await send({"type": "http.response.body", "body": b"data: " + orjson.dumps(body) + b"\n\n"})
                except OSError:
                    pass
                return
            await send({"type": "http.response.body", "body": DONE})
        finally:
            await chunks.aclose()


def _event(chunk: Any, fields: dict[str, Any] | None = None) -> bytes:
    data = chunk.model_dump()
    if fields:
        data.update(fields)
    return b"data: " + orjson.dumps(data) + b"\n\n"


_MARK = "\x00g4f-text\x00"
_MARK_JSON = orjson.dumps(_MARK)


class TextFrames:
    """The events of a stream's ``TextChunk``s: what ``_event`` writes, from a template around the
    text alone, made once per ``head`` (again when a failover names another provider)."""

    __slots__ = ("head", "before", "after", "fields")

    def __init__(self, fields: dict[str, Any] | None = None) -> None:
        self.head: ChatCompletionChunk | None = None
        self.before = self.after = b""
        self.fields = fields  # the job's own top-level fields (``conversation_id``)

    def __call__(self, chunk: TextChunk) -> bytes:
        head = chunk.head
        if head is not self.head:
            model = ChatCompletionChunk(
                ChatCompletionDelta(_MARK, None),
                completion_id=head.id,
                created=head.created,
                model=head.model,
                provider=head.provider,
            )
            model.system_fingerprint, model.service_tier = head.system_fingerprint, head.service_tier
            self.before, self.after = _event(model, self.fields).split(_MARK_JSON)
            self.head = head
        return self.before + orjson.dumps(chunk.text) + self.after


def _usage_apart(chunk: Any, include_usage: bool, fields: dict[str, Any] | None = None) -> tuple[bytes, ...]:
    """As OpenAI streams: usage only when ``stream_options.include_usage`` asks for it, in a chunk
    of its own with ``choices: []`` after the one with ``finish_reason``."""
    usage = chunk.usage
    if usage is None:
        return (_event(chunk, fields),)
    if not chunk.choices:  # already a chunk of its own
        return (_event(chunk, fields),) if include_usage else ()
    chunk.usage = None
    if not include_usage:
        return (_event(chunk, fields),)
    choices, chunk.choices = chunk.choices, []
    chunk.usage = usage
    last = _event(chunk, fields)
    chunk.choices, chunk.usage = choices, None
    return (_event(chunk, fields), last)


async def _choices(job: ChatJob) -> AsyncGenerator[ChatCompletionChunk, None]:
    """``n`` streams of the same request as one, each chunk's ``choices[].index`` naming its stream
    (as OpenAI streams ``n`` choices); one id, and the usage of all in the last chunk."""
    queue: asyncio.Queue[tuple[int, Any]] = asyncio.Queue()

    async def pump(index: int) -> None:
        try:
            async with aclosing(stream_completion(job.model, job.messages, job.provider, **job.kwargs)) as chunks:
                async for chunk in chunks:
                    await queue.put((index, chunk))
        except Exception as error:
            await queue.put((index, error))
        finally:
            await queue.put((index, None))

    tasks = [asyncio.create_task(pump(i)) for i in range(job.n)]
    completion_id: str | None = None
    total: Usage | None = None
    last: Any = None
    running = job.n
    try:
        while running:
            index, item = await queue.get()
            if item is None:
                running -= 1
                continue
            if isinstance(item, Exception):
                raise item
            completion_id = completion_id or item.id
            item.id = completion_id
            for choice in item.choices:
                choice.index = index
            if item.usage is not None:
                usage, item.usage = item.usage, None
                total = usage if total is None else _add_usage(total, usage)
            last = item
            yield item
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    if last is not None and total is not None:
        yield ChatCompletionChunk(
            None,
            completion_id=last.id,
            created=last.created,
            model=last.model,
            provider=last.provider,
            usage=total,
        )


def _add_usage(total: Usage, usage: Usage) -> Usage:
    """One prompt, several completions: the completion tokens add up."""
    return Usage(total.prompt_tokens, total.completion_tokens + usage.completion_tokens)


def _collect(text: list[str] | None, chunk: Any) -> None:
    if text is not None and chunk.choices and chunk.choices[0].index == 0 and chunk.choices[0].delta.content:
        text.append(chunk.choices[0].delta.content)


def _merge(completions: list[ChatCompletion]) -> ChatCompletion:
    """``n`` completions of the same request as one with ``n`` choices."""
    first = completions[0]
    for index, other in enumerate(completions[1:], start=1):
        choice = other.choices[0]
        choice.index = index
        first.choices.append(choice)
        first.usage.completion_tokens += other.usage.completion_tokens
    first.usage.total_tokens = first.usage.prompt_tokens + first.usage.completion_tokens
    return first


__all__ = ["ChatJob", "CompletionResponse", "as_timeout_error"]
