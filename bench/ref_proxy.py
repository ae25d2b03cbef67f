"""The minimal reference gateway the benchmarks hold g4f against.

Raw ASGI on uvicorn (uvloop, httptools), one pooled aiohttp session, orjson. It does the least a
real gateway must: parse the request, forward it, and parse and re-serialise every answer, streamed
chunks one SSE data line at a time. No routing, no validation beyond JSON, no access log.

    python bench/ref_proxy.py --port 8002 --upstream http://127.0.0.1:8001/v1
"""

from __future__ import annotations

import argparse
import os
from typing import Any

import aiohttp
import orjson
from raw_asgi import lifespan, read_body, respond

UPSTREAM = os.environ.get("REF_UPSTREAM", "http://127.0.0.1:8001/v1")
JSON_HEADERS = [(b"content-type", b"application/json")]
SSE_HEADERS = [(b"content-type", b"text/event-stream"), (b"cache-control", b"no-cache")]
_session: aiohttp.ClientSession | None = None


def session() -> aiohttp.ClientSession:
    global _session
    if _session is None:
        _session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=0), timeout=aiohttp.ClientTimeout(total=None)
        )
    return _session


async def _chat(receive: Any, send: Any) -> None:
    try:
        request = orjson.loads(await read_body(receive))
    except orjson.JSONDecodeError:
        error = {"error": {"message": "Invalid JSON body", "type": "invalid_request_error", "code": "invalid_json"}}
        await respond(send, 400, JSON_HEADERS, orjson.dumps(error))
        return
    headers = {"Content-Type": "application/json", "Authorization": "Bearer x"}
    async with session().post(f"{UPSTREAM}/chat/completions", data=orjson.dumps(request), headers=headers) as resp:
        if not request.get("stream") or resp.status != 200:
            await respond(send, resp.status, JSON_HEADERS, orjson.dumps(orjson.loads(await resp.read())))
            return
        await send({"type": "http.response.start", "status": 200, "headers": SSE_HEADERS})
        async for line in resp.content:
            if not line.startswith(b"data: "):
                continue
            data = line[6:].strip()
            if data != b"[DONE]":
                data = orjson.dumps(orjson.loads(data))
            await send({"type": "http.response.body", "body": b"data: " + data + b"\n\n", "more_body": True})
        await send({"type": "http.response.body", "body": b""})


async def _close_session() -> None:
    if _session is not None:
        await _session.close()


async def app(scope: dict, receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        await lifespan(receive, send, _close_session)
        return
    if scope["type"] != "http":
        return
    path, method = scope["path"], scope["method"]
    if path == "/v1/chat/completions" and method == "POST":
        await _chat(receive, send)
    elif path == "/v1/models" and method == "GET":
        async with session().get(f"{UPSTREAM}/models") as resp:
            await respond(send, resp.status, JSON_HEADERS, await resp.read())
    else:
        await respond(send, 404, JSON_HEADERS, b'{"error":{"message":"Not found","type":"invalid_request_error"}}')


def main(argv: list[str] | None = None) -> None:
    global UPSTREAM
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8002)
    parser.add_argument("--upstream", default=UPSTREAM, help="base URL of the OpenAI-compatible upstream")
    args = parser.parse_args(argv)
    UPSTREAM = args.upstream.rstrip("/")
    uvicorn.run(
        app, host=args.host, port=args.port, loop="uvloop", http="httptools", access_log=False, log_level="warning"
    )


if __name__ == "__main__":
    main()
