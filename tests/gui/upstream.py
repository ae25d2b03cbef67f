"""The fake OpenAI upstream of the browser tests: tests/fakes' FakeOpenAI, streaming its events
slowly (so a test sees an answer grow and can stop it) and serving the images it hands out."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from aiohttp import web

from tests.fakes.media_server import make_png
from tests.fakes.openai_server import FakeOpenAI

FAILURE_KEYS = ("reset_after", "malformed_after", "truncate_after", "stream_error_after")


class SlowOpenAI(FakeOpenAI):
    #: Seconds between two SSE events; a reply may set its own ``event_delay``.
    event_delay = 0.05
    #: Streams the client (the g4f server) dropped before their end.
    cancelled = 0

    def setup(self, app: web.Application) -> None:
        app.router.add_get("/files/{name}", self.file)
        super().setup(app)

    async def file(self, request: web.Request) -> web.Response:
        return web.Response(body=make_png(96, 64, (79, 70, 229)), content_type="image/png")

    async def stream(self, request: web.Request, events: list[dict], reply: dict[str, Any]) -> web.StreamResponse:
        if any(key in reply for key in FAILURE_KEYS):
            return await super().stream(request, events, reply)
        delay = reply.get("event_delay", self.event_delay)
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"})
        await response.prepare(request)
        try:
            for event in events:
                await response.write(f"data: {json.dumps(event)}\n\n".encode())
                await asyncio.sleep(delay)
            await response.write(b"data: [DONE]\n\n")
            await response.write_eof()
        except (ConnectionResetError, asyncio.CancelledError):
            self.cancelled += 1  # the g4f server went away (the stop button)
            raise
        return response
