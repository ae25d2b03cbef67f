"""What the Responses and Messages doors share: building the core job, and one ASGI response that
speaks a typed event stream (``event: NAME`` / ``data: JSON``) or a whole JSON body.

Each door gives a *builder* (the core's chunks to its events) and its error format; validation,
rate limits, provider keys and the client-disconnect guard are the chat route's (``chat.py``,
``completion.py``); deadlines, fallback and health are the router's, as for every request.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

import orjson
from starlette.requests import Request
from starlette.types import Receive, Scope, Send

from ..client.core import create_completion, stream_completion, validate_messages
from ..client.stubs import ChatCompletion, ChatCompletionChunk, TextChunk
from ..errors import ModelNotFoundError
from ..models import ModelRegistry
from .auth import check_model, identity
from .body import header
from .chat import check_rate, check_request_options, provider_api_key
from .completion import SSE_HEADERS, ChatJob, CompletionResponse
from .config import AppConfig
from .errors import error_payload
from .responses import JSONResponse

Event = dict[str, Any]
#: ``(error, secrets) -> (status, body, headers)`` in the door's own error format.
ErrorFormat = Callable[[BaseException, tuple], tuple[int, dict[str, Any], dict[str, str]]]


class Builder(Protocol):
    response: dict[str, Any]  # the response object being built

    def start(self) -> list[Event]: ...
    def feed(self, chunk: ChatCompletionChunk) -> list[Event]: ...
    def text_frame(self, chunk: TextChunk) -> bytes | None: ...  # ``frame(feed(chunk))``, or None: use feed
    def finish(self) -> list[Event]: ...
    def fail(self, code: str, message: str, param: str | None = None) -> list[Event]: ...
    def whole(self, completion: ChatCompletion) -> dict[str, Any]: ...


def frame(events: list[Event]) -> bytes:
    """SSE with the event name on its own line, as OpenAI's Responses and Anthropic's Messages send it."""
    if len(events) == 1:  # most of a stream
        event = events[0]
        return b"event: " + event["type"].encode() + b"\ndata: " + orjson.dumps(event) + b"\n\n"
    return b"".join(b"event: " + e["type"].encode() + b"\ndata: " + orjson.dumps(e) + b"\n\n" for e in events)


#: Whom stored state belongs to: the verified key (``x-api-key`` too), else the address.
caller = identity


def resolve_model(settings: AppConfig, model: str | None, provider: str | None) -> str:
    """The model to ask for: the request's, or the server's ``--model`` when the request names one
    this server does not know (a coding agent asking for its own model names)."""
    if not model or model == "auto":
        return settings.model or ""
    if not settings.model or ModelRegistry.get(model) is not None:
        return model
    if provider:
        from .. import Provider

        try:
            cls = Provider.get(provider)
        except Exception:
            return model
        known = {*getattr(cls, "models", ()), *getattr(cls, "model_aliases", {})}
        return model if not known or model in known else settings.model
    from ..routing import find_model

    try:
        find_model(model)
    except ModelNotFoundError:
        return settings.model
    return model


async def door_job(
    request: Request,
    model: str | None,
    messages: list[dict[str, Any]],
    params: dict[str, Any],
    provider: str | None,
    stream: bool,
) -> ChatJob:
    """A chat job from a door's translated request, with the chat route's checks and defaults."""
    settings: AppConfig = request.app.state.settings
    messages = validate_messages(messages)
    check_request_options(settings, params)
    await check_rate(request)
    provider = provider or params.pop("provider", None) or settings.provider
    model = resolve_model(settings, model, provider)
    check_model(request, model)
    api_key = provider_api_key(request, settings, params, provider)
    if api_key is None and provider and not settings.g4f_api_key and not settings.demo:
        presented = header(request, b"x-api-key")  # an Anthropic client's key, for the provider it names
        api_key = presented.decode("latin-1").strip() if presented else None
    kwargs = dict(params)
    kwargs["api_key"] = api_key
    kwargs.setdefault("proxy", settings.proxy)
    if settings.ignored_providers:
        kwargs["ignored_providers"] = list(settings.ignored_providers)
    return ChatJob(
        model,
        messages,
        provider,
        stream,
        1,
        kwargs,
        settings.timeout,
        settings.stream_timeout,
        (api_key, settings.g4f_api_key),
    )


class EventResponse(CompletionResponse):
    """The chat completion response (client-disconnect guard; deadlines and fallback are the router's)
    answering in a door's format.

    ``job.on_done``, when set, is ``async (result) -> None`` with the final response object.
    """

    def __init__(self, job: ChatJob, builder: Builder, errors: ErrorFormat) -> None:
        super().__init__(job)
        self.builder = builder
        self.errors = errors

    async def _error(self, scope: Scope, receive: Receive, send: Send, error: BaseException) -> None:
        status, body, headers = self.errors(error, self.job.secrets)
        await JSONResponse(body, status_code=status, headers=headers)(scope, receive, send)

    async def _whole(self, scope: Scope, receive: Receive, send: Send) -> None:
        job = self.job
        try:
            completion = await create_completion(job.model, job.messages, job.provider, **job.kwargs)
            result = self.builder.whole(completion)
            if job.on_done is not None:
                await job.on_done(result)
        except Exception as error:
            await self._error(scope, receive, send, error)
            return
        headers = {"x-g4f-providers": completion.provider} if completion.provider else None
        await JSONResponse(result, headers=headers)(scope, receive, send)

    async def _stream(self, scope: Scope, receive: Receive, send: Send) -> None:
        job, builder = self.job, self.builder
        chunks = stream_completion(job.model, job.messages, job.provider, **job.kwargs)
        try:
            try:
                first = await chunks.__anext__()
            except Exception as error:  # nothing sent yet: a proper HTTP error
                await self._error(scope, receive, send, error)
                return
            await send({"type": "http.response.start", "status": 200, "headers": SSE_HEADERS})
            opening = frame(builder.start() + builder.feed(first))
            await send({"type": "http.response.body", "body": opening, "more_body": True})
            try:
                async for chunk in chunks:
                    # Most of a stream: a text piece, written from the builder's template.
                    framed = builder.text_frame(chunk) if type(chunk) is TextChunk and chunk.text else None
                    if framed is None:
                        events = builder.feed(chunk)
                        if not events:
                            continue
                        framed = frame(events)
                    try:
                        await send({"type": "http.response.body", "body": framed, "more_body": True})
                    except OSError:  # the client went away while we wrote
                        return
                events = builder.finish()
                if job.on_done is not None:
                    await job.on_done(builder.response)
            except Exception as error:
                _, body, _ = error_payload(error, job.secrets)
                detail = body["error"]
                failed = frame(builder.fail(detail["code"], detail["message"], detail["param"]))
                try:  # in-band: the status line has been sent already
                    await send({"type": "http.response.body", "body": failed})
                except OSError:
                    pass
                return
            await send({"type": "http.response.body", "body": frame(events)})
        finally:
            await chunks.aclose()  # type: ignore[attr-defined]


__all__ = ["EventResponse", "door_job", "caller", "resolve_model", "frame"]
