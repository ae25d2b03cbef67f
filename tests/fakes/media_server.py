"""A fake image and audio upstream speaking OpenAI's documented media endpoints, with REAL bytes.

- ``POST /v1/images/generations``: ``{"data": [{"url"} | {"b64_json"}, ...]}`` of real PNGs (one per
  ``n``, each a different colour), URLs pointing at ``GET /files/<name>`` on this server.
- ``POST /v1/images/variations``: multipart ``image``; answers like generations.
- ``POST /v1/audio/speech``: a real WAV tone (the requested format is recorded, the body is WAV).
- ``POST /v1/audio/transcriptions``: multipart ``file``; records the upload; answers json/text/
  verbose_json/srt/vtt as OpenAI does.
- ``POST /v1/chat/completions``: records the body (vision tests look at the ``image_url`` parts).
- ``GET /png``, ``/big``, ``/html``, ``/redirect?to=`` for the image-fetching tests.

``fail_with`` makes every POST answer with that status (fallback tests); ``per_request`` images
caps how many images one request returns (providers that make one image a request).
"""

from __future__ import annotations

import base64
import io
import math
import struct
import wave
import zlib
from typing import Any

from aiohttp import web

from .threaded_server import ThreadedServer

API_KEY = "sk-media-fake"
#: The upload names OpenAI's transcription endpoint accepts.
AUDIO_EXTENSIONS = frozenset({"flac", "m4a", "mp3", "mp4", "mpeg", "mpga", "oga", "ogg", "wav", "webm"})


def make_png(width: int = 8, height: int = 8, rgb: tuple[int, int, int] = (200, 30, 60)) -> bytes:
    """A real, decodable PNG of one colour (truecolour, 8 bits, no filter)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    row = b"\x00" + bytes(rgb) * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


def read_png(data: bytes) -> tuple[int, int, bytes]:
    """(width, height, first pixel) of a PNG made by ``make_png`` (checks the CRCs on the way)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, width, height, idat = 8, 0, 0, b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        assert crc == zlib.crc32(kind + body) & 0xFFFFFFFF, "bad PNG chunk CRC"
        if kind == b"IHDR":
            width, height = struct.unpack(">II", body[:8])
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    return width, height, raw[1:4]


def make_wav(seconds: float = 0.5, rate: int = 16000, freq: float = 440.0) -> bytes:
    """A real mono 16-bit WAV sine tone."""
    frames = int(seconds * rate)
    samples = b"".join(struct.pack("<h", int(12000 * math.sin(2 * math.pi * freq * i / rate))) for i in range(frames))
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(samples)
    return out.getvalue()


COLOURS = [(200, 30, 60), (30, 200, 60), (30, 60, 200), (220, 220, 20)]


class MediaServer(ThreadedServer):
    def __init__(
        self, fail_with: int | None = None, per_request: int | None = None, transcript: str = "hello world"
    ) -> None:
        super().__init__()
        self.fail_with = fail_with
        self.per_request = per_request
        self.transcript = transcript
        self.files: dict[str, bytes] = {}
        self.uploads: list[dict[str, Any]] = []
        self.big_size = 0

    def setup(self, app: web.Application) -> None:
        app.router.add_post("/v1/images/generations", self.generations)
        app.router.add_post("/v1/images/variations", self.variations)
        app.router.add_post("/v1/audio/speech", self.speech)
        app.router.add_post("/v1/audio/transcriptions", self.transcriptions)
        app.router.add_post("/v1/chat/completions", self.chat)
        app.router.add_get("/files/{name}", self.file)
        app.router.add_get("/png", self.png)
        app.router.add_get("/big", self.big)
        app.router.add_get("/html", self.html)
        app.router.add_get("/redirect", self.redirect)

    # --- helpers --------------------------------------------------------------------------------

    def _auth(self, request: web.Request) -> web.Response | None:
        if request.headers.get("Authorization") != f"Bearer {API_KEY}":
            return web.json_response(
                {
                    "error": {
                        "message": "Incorrect API key provided",
                        "type": "invalid_request_error",
                        "code": "invalid_api_key",
                    }
                },
                status=401,
            )
        if self.fail_with:
            return web.json_response(
                {"error": {"message": "upstream is down", "type": "server_error"}}, status=self.fail_with
            )
        return None

    def _images(self, request: web.Request, n: int, response_format: str | None) -> web.Response:
        count = min(n, self.per_request or n)
        data = []
        for _ in range(count):
            index = len(self.files)
            png = make_png(8, 8, COLOURS[index % len(COLOURS)])
            name = f"img{index}.png"
            self.files[name] = png
            if response_format == "b64_json":
                data.append({"b64_json": base64.b64encode(png).decode(), "revised_prompt": "a revised prompt"})
            else:
                data.append({"url": f"{self.url}/files/{name}", "revised_prompt": "a revised prompt"})
        return web.json_response({"created": 1700000000, "data": data})

    # --- OpenAI endpoints -------------------------------------------------------------------------

    async def generations(self, request: web.Request) -> web.Response:
        entry = await self.record(request)
        denied = self._auth(request)
        if denied:
            return denied
        body = entry["json"] or {}
        if not body.get("prompt"):
            return web.json_response(
                {"error": {"message": "prompt is required", "type": "invalid_request_error"}}, status=400
            )
        return self._images(request, int(body.get("n") or 1), body.get("response_format"))

    async def variations(self, request: web.Request) -> web.Response:
        form = await request.post()
        image = form.get("image")
        self.uploads.append(
            {
                "path": request.path,
                "fields": {k: v for k, v in form.items() if isinstance(v, str)},
                "file": image.file.read() if image is not None else None,
            }
        )
        denied = self._auth(request)
        if denied:
            return denied
        return self._images(request, int(form.get("n") or 1), form.get("response_format"))

    async def speech(self, request: web.Request) -> web.Response:
        entry = await self.record(request)
        denied = self._auth(request)
        if denied:
            return denied
        body = entry["json"] or {}
        if not body.get("input") or not body.get("voice"):
            return web.json_response(
                {"error": {"message": "input and voice are required", "type": "invalid_request_error"}}, status=400
            )
        return web.Response(body=make_wav(0.25), content_type="audio/wav")

    async def transcriptions(self, request: web.Request) -> web.Response:
        form = await request.post()
        upload = form.get("file")
        fields = {k: v for k, v in form.items() if isinstance(v, str)}
        self.uploads.append(
            {
                "path": request.path,
                "fields": fields,
                "filename": getattr(upload, "filename", None),
                "content_type": getattr(upload, "content_type", None),
                "file": upload.file.read() if upload is not None and not isinstance(upload, str) else None,
            }
        )
        denied = self._auth(request)
        if denied:
            return denied
        if upload is None or isinstance(upload, str) or not fields.get("model"):
            return web.json_response(
                {"error": {"message": "file and model are required", "type": "invalid_request_error"}}, status=400
            )
        extension = (getattr(upload, "filename", "") or "").rpartition(".")[2].lower()
        if extension not in AUDIO_EXTENSIONS:  # OpenAI judges the upload by its file name
            message = f"Invalid file format. Supported formats: {sorted(AUDIO_EXTENSIONS)}"
            return web.json_response({"error": {"message": message, "type": "invalid_request_error"}}, status=400)
        fmt = fields.get("response_format", "json")
        text = self.transcript
        if fmt == "text":
            return web.Response(text=text + "\n", content_type="text/plain")
        if fmt == "srt":
            return web.Response(text=f"1\n00:00:00,000 --> 00:00:01,000\n{text}\n\n", content_type="text/plain")
        if fmt == "vtt":
            return web.Response(text=f"WEBVTT\n\n00:00:00.000 --> 00:00:01.000\n{text}\n\n", content_type="text/plain")
        if fmt == "verbose_json":
            return web.json_response(
                {
                    "task": "transcribe",
                    "language": fields.get("language", "english"),
                    "duration": 1.0,
                    "text": text,
                    "segments": [{"id": 0, "start": 0.0, "end": 1.0, "text": text}],
                }
            )
        return web.json_response({"text": text})

    async def chat(self, request: web.Request) -> web.Response:
        entry = await self.record(request)
        denied = self._auth(request)
        if denied:
            return denied
        body = entry["json"] or {}
        images = [
            p
            for m in body.get("messages", [])
            if isinstance(m.get("content"), list)
            for p in m["content"]
            if p.get("type") == "image_url"
        ]
        answer = f"I see {len(images)} image(s)."
        return web.json_response(
            {
                "id": "chatcmpl-fake",
                "object": "chat.completion",
                "created": 1700000000,
                "model": body.get("model"),
                "choices": [{"index": 0, "message": {"role": "assistant", "content": answer}, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
            }
        )

    # --- plain files (for URL fetching) -------------------------------------------------------

    async def file(self, request: web.Request) -> web.Response:
        data = self.files.get(request.match_info["name"])
        if data is None:
            raise web.HTTPNotFound()
        return web.Response(body=data, content_type="image/png")

    async def png(self, request: web.Request) -> web.Response:
        self.requests.append({"method": "GET", "path": "/png", "headers": dict(request.headers)})
        return web.Response(body=make_png(4, 4, (1, 2, 3)), content_type=request.query.get("type", "image/png"))

    async def big(self, request: web.Request) -> web.StreamResponse:
        """A PNG that goes on and on, without a Content-Length, unless ``?length=1``."""
        size = int(request.query.get("size", 2_000_000))
        response = web.StreamResponse(headers={"Content-Type": "image/png"})
        if request.query.get("length"):
            response.content_length = size
        await response.prepare(request)
        await response.write(make_png(1, 1))
        sent = 0
        try:
            while sent < size:
                await response.write(b"\0" * 65536)
                sent += 65536
                self.big_size = sent
        except (ConnectionResetError, RuntimeError):
            pass
        return response

    async def html(self, request: web.Request) -> web.Response:
        return web.Response(text="<html>not an image</html>", content_type=request.query.get("type", "text/html"))

    async def redirect(self, request: web.Request) -> web.Response:
        raise web.HTTPFound(request.query["to"])


__all__ = ["MediaServer", "make_png", "read_png", "make_wav", "API_KEY"]
