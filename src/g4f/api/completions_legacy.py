"""``POST /v1/completions``: OpenAI's legacy text completions, a thin door over ``g4f.client.completions``
(which runs on the chat core). Streams as ``text_completion`` SSE chunks, then ``data: [DONE]``; an
error after the first chunk is an in-band ``data: {"error": ...}`` event."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from ..client.completions import create_text_completion, stream_text_completion
from ..clock import deadline
from .body import read_json
from .chat import check_rate, check_request_options, provider_api_key
from .completion import DONE, as_timeout_error
from .errors import error_payload
from .responses import JSONResponse
from .validation import ValidationError

#: Fields handed on to the chat core (the rest of OpenAI's legacy fields have no chat meaning here).
FORWARDED = ("temperature", "top_p", "stop", "presence_penalty", "frequency_penalty", "seed", "user", "logit_bias")


async def completions(request: Request) -> Response:
    """OpenAI's Create completion (legacy)."""
    settings = request.app.state.settings
    params: Any = await read_json(request, settings.max_body_size)
    if not isinstance(params, dict):
        raise ValidationError("The body must be a JSON object.")
    for name, kind in (("stream", bool), ("echo", bool), ("max_tokens", int), ("n", int)):
        if name in params and params[name] is not None and not isinstance(params[name], kind):
            raise ValidationError(f"'{name}' must be of type {kind.__name__}.", param=name)
    check_request_options(settings, params)
    await check_rate(request)
    provider = params.get("provider") or settings.provider
    api_key = provider_api_key(request, settings, params, provider)
    options: dict[str, Any] = {name: params[name] for name in FORWARDED if params.get(name) is not None}
    options.update(
        suffix=params.get("suffix"),
        echo=bool(params.get("echo")),
        logprobs=params.get("logprobs"),
        n=1 if params.get("n") is None else params["n"],
        max_tokens=params.get("max_tokens"),
        api_key=api_key,
        proxy=params.get("proxy") or settings.proxy,
        timeout=settings.timeout,
        stream_timeout=settings.stream_timeout,
    )
    model = params.get("model") or settings.model or ""
    if params.get("stream"):
        stream_options = params.get("stream_options") or {}
        include_usage = bool(isinstance(stream_options, dict) and stream_options.get("include_usage"))
        chunks = stream_text_completion(params.get("prompt"), model, provider, include_usage=include_usage, **options)
        first = await _first(chunks, settings.timeout)  # errors before the first chunk are HTTP errors
        return StreamingResponse(
            _events(first, chunks, (api_key, settings.g4f_api_key)),
            media_type="text/event-stream",
            headers={"cache-control": "no-cache", "x-accel-buffering": "no"},
        )
    try:
        async with deadline(settings.timeout):
            result = await create_text_completion(params.get("prompt"), model, provider, **options)
    except TimeoutError as error:
        raise as_timeout_error(error, settings.timeout) from None
    return JSONResponse(result)


async def _first(chunks: AsyncIterator[dict[str, Any]], timeout: float) -> dict[str, Any] | None:
    try:
        async with deadline(timeout):
            return await anext(chunks)
    except StopAsyncIteration:
        return None
    except TimeoutError as error:
        await chunks.aclose()  # type: ignore[attr-defined]
        raise as_timeout_error(error, timeout) from None
    except BaseException:
        await chunks.aclose()  # type: ignore[attr-defined]
        raise


async def _events(
    first: dict[str, Any] | None, chunks: AsyncIterator[dict[str, Any]], secrets: tuple[str | None, ...]
) -> AsyncIterator[bytes]:
    try:
        if first is not None:
            yield b"data: " + orjson.dumps(first) + b"\n\n"
        async for chunk in chunks:
            yield b"data: " + orjson.dumps(chunk) + b"\n\n"
    except Exception as error:  # after the first chunk the status is sent: report in-band
        _, body, _ = error_payload(error, secrets)
        yield b"data: " + orjson.dumps(body) + b"\n\n"
    finally:
        await chunks.aclose()  # type: ignore[attr-defined]
    yield DONE


__all__ = ["completions"]
