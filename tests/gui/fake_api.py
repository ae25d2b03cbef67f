"""A stand-in for the REST server while developing the page: serves the static files and fakes the
API endpoints the page calls. Run: python tests/gui/fake_api.py PORT"""

from __future__ import annotations

import asyncio
import json
import struct
import sys
import zlib

from aiohttp import web

from g4f.gui import STATIC_DIR


def png(width: int = 64, height: int = 64, rgb: tuple[int, int, int] = (79, 70, 229)) -> bytes:
    raw = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


async def models(_):
    return web.json_response({"object": "list", "data": [
        {"id": "smollm2-135m", "object": "model", "created": 0, "owned_by": "HuggingFace", "image": False, "vision": False, "provider": "Local"},
        {"id": "slow-model", "object": "model", "created": 0, "owned_by": "test", "image": False, "vision": True, "provider": "SlowFake"},
        {"id": "fake-image", "object": "model", "created": 0, "owned_by": "test", "image": True, "vision": False, "provider": "FakeImages"},
    ]})


async def providers(_):
    return web.json_response([
        {"id": "Local", "models": ["smollm2-135m"], "image_models": [], "vision_models": [], "url": None, "working": True, "auth": False},
        {"id": "SlowFake", "models": ["slow-model"], "image_models": [], "vision_models": ["slow-model"], "url": "https://example.com", "working": True, "auth": False},
        {"id": "FakeImages", "models": [], "image_models": ["fake-image"], "vision_models": [], "url": None, "working": True, "auth": False},
        {"id": "OpenaiAPI", "models": ["gpt-4o"], "image_models": ["dall-e-3"], "vision_models": ["gpt-4o"], "url": "https://platform.openai.com", "working": True, "auth": True, "has_key": False},
    ])


async def chat(request):
    body = await request.json()
    last = body["messages"][-1]["content"]
    text = last if isinstance(last, str) else " ".join(p.get("text", "[image]") if p["type"] == "text" else "[image]" for p in last)
    if "fail" in text:
        return web.json_response({"error": {"message": "All providers failed:\nLocal: boom\nOpenaiAPI: missing key", "type": "provider_error", "code": "provider_error"}}, status=502)
    resp = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
    await resp.prepare(request)
    answer = f"You said: **{text}**\n\n```python\nprint('hi')\n```\n"
    words = [w + " " for w in answer.split(" ")] * (5 if "long" in text else 1)
    for i, w in enumerate(words):
        chunk = {"id": "x", "object": "chat.completion.chunk", "created": 0, "model": body["model"], "provider": "SlowFake",
                 "choices": [{"index": 0, "delta": {"content": w} if i else {"reasoning": "thinking...", "content": w}, "finish_reason": None}]}
        await resp.write(f"data: {json.dumps(chunk)}\n\n".encode())
        await asyncio.sleep(0.15)
    final = {"id": "x", "object": "chat.completion.chunk", "created": 0, "model": body["model"], "provider": "SlowFake",
             "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}], "usage": {"prompt_tokens": 3, "completion_tokens": 5, "total_tokens": 8}}
    await resp.write(f"data: {json.dumps(final)}\n\ndata: [DONE]\n\n".encode())
    return resp


async def images(request):
    return web.json_response({"created": 0, "data": [{"url": "/media/fake.png"}]})


async def media(_):
    return web.Response(body=png(), content_type="image/png")


def make_app() -> web.Application:
    app = web.Application()
    app.router.add_get("/", lambda r: web.HTTPFound("/chat/"))
    app.router.add_get("/chat/", lambda r: web.FileResponse(STATIC_DIR / "index.html"))
    app.router.add_static("/chat/", STATIC_DIR)
    app.router.add_get("/v1/models", models)
    app.router.add_get("/v1/providers", providers)
    app.router.add_post("/v1/chat/completions", chat)
    app.router.add_post("/v1/images/generations", images)
    app.router.add_get("/media/fake.png", media)
    return app


if __name__ == "__main__":
    web.run_app(make_app(), host="127.0.0.1", port=int(sys.argv[1]))
