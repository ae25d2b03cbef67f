"""A fast fake OpenAI upstream for the benchmarks: raw ASGI on uvicorn (uvloop, httptools).

``POST /v1/chat/completions`` answers a fixed completion, or with ``"stream": true`` 20 SSE chunks
(the last with ``finish_reason``, then a usage chunk when ``stream_options.include_usage`` asks for
it) and ``data: [DONE]``; ``GET /v1/models`` lists two models. A model whose name ends in ``-slow``
streams with a pause between chunks, so a client that leaves mid-stream really leaves mid-stream.

    python bench/fake_upstream.py --port 8001
"""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

import orjson
from raw_asgi import lifespan, read_body, respond

CHUNKS = 20
SLOW_DELAY = 0.01  # seconds between chunks of a "-slow" model
CONTENT = "Hello! This is the fake upstream answering with a short fixed reply."
MODELS = orjson.dumps(
    {
        "object": "list",
        "data": [
            {"id": "gpt-4o-mini", "object": "model", "created": 1700000000, "owned_by": "fake"},
            {"id": "gpt-4o-mini-slow", "object": "model", "created": 1700000000, "owned_by": "fake"},
        ],
    }
)
USAGE = {"prompt_tokens": 12, "completion_tokens": CHUNKS, "total_tokens": 12 + CHUNKS}
JSON_HEADERS = [(b"content-type", b"application/json")]
SSE_HEADERS = [(b"content-type", b"text/event-stream"), (b"cache-control", b"no-cache")]


def completion(model: str) -> bytes:
    return orjson.dumps(
        {
            "id": "chatcmpl-fake",
            "object": "chat.completion",
            "created": 1700000000,
            "model": model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": CONTENT}, "finish_reason": "stop"}],
            "usage": USAGE,
        }
    )


def stream_events(model: str, include_usage: bool) -> list[bytes]:
    """The SSE events of one streamed answer, each ``data: {...}\\n\\n``."""
    base = {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": 1700000000, "model": model}
    events = []
    for i in range(CHUNKS):
        delta: dict[str, Any] = {"content": f"tok{i} "}
        if i == 0:
            delta["role"] = "assistant"
        last = i == CHUNKS - 1
        chunk = {**base, "choices": [{"index": 0, "delta": delta, "finish_reason": "stop" if last else None}]}
        events.append(b"data: " + orjson.dumps(chunk) + b"\n\n")
    if include_usage:
        events.append(b"data: " + orjson.dumps({**base, "choices": [], "usage": USAGE}) + b"\n\n")
    events.append(b"data: [DONE]\n\n")
    return events


_cache: dict[tuple[str, bool, bool], Any] = {}


def _answer(model: str, stream: bool, include_usage: bool) -> Any:
    """Bodies are built once per (model, stream, usage): the fake must cost next to nothing."""
    key = (model, stream, include_usage)
    body = _cache.get(key)
    if body is None:
        body = stream_events(model, include_usage) if stream else completion(model)
        if len(_cache) < 64:
            _cache[key] = body
    return body


def _error(message: str, code: str) -> bytes:
    return orjson.dumps({"error": {"message": message, "type": "invalid_request_error", "code": code}})


async def app(scope: dict, receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        await lifespan(receive, send)
        return
    if scope["type"] != "http":
        return
    path, method = scope["path"], scope["method"]
    if path in ("/v1/chat/completions", "/chat/completions") and method == "POST":
        try:
            request = orjson.loads(await read_body(receive))
            model = str(request.get("model") or "gpt-4o-mini")
            stream = bool(request.get("stream"))
            include_usage = bool((request.get("stream_options") or {}).get("include_usage"))
        except (orjson.JSONDecodeError, AttributeError):
            await respond(send, 400, JSON_HEADERS, _error("Invalid JSON body", "invalid_json"))
            return
        body = _answer(model, stream, include_usage)
        if not stream:
            await respond(send, 200, JSON_HEADERS, body)
            return
        delay = SLOW_DELAY if model.endswith("-slow") else 0
        await send({"type": "http.response.start", "status": 200, "headers": SSE_HEADERS})
        for event in body:
            if delay:
                await asyncio.sleep(delay)
            await send({"type": "http.response.body", "body": event, "more_body": True})
        await send({"type": "http.response.body", "body": b""})
    elif path in ("/v1/models", "/models") and method == "GET":
        await respond(send, 200, JSON_HEADERS, MODELS)
    else:
        await respond(send, 404, JSON_HEADERS, _error(f"No route {method} {path}", "not_found"))


def main(argv: list[str] | None = None) -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    args = parser.parse_args(argv)
    uvicorn.run(
        app, host=args.host, port=args.port, loop="uvloop", http="httptools", access_log=False, log_level="warning"
    )


if __name__ == "__main__":
    main()
