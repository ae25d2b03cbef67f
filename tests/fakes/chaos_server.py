"""A chaos upstream: the OpenAI chat completions protocol, with faults injected per request.

``POST /chat/completions`` (also under ``/v1``) answers a deterministic text built from the last
user message (``answer(messages)``), whole or as Server-Sent Events ending in ``data: [DONE]``,
unless the request draws a fault. Which fault: the next entry of ``script`` when one is queued,
else a draw from ``rates`` (fault kind -> probability) with a seeded ``random.Random`` so a run is
reproducible. The kinds:

before the first byte of an answer
    ``500``                 an OpenAI-format 500
    ``429``                 an OpenAI-format 429 with ``Retry-After: <retry_after>``
    ``reset``               the connection is reset (RST) before any byte
    ``hang``                nothing is ever sent (until the client leaves or ``hang`` seconds pass)
    ``hang_after_headers``  status and headers, then nothing
    ``invalid_json``        200 with a body (or a first event) that is not JSON
part-way (after ``prefix_parts`` deltas of text; for a whole answer, after half of the body)
    ``truncate``            a clean end without ``[DONE]`` or a finish reason
    ``truncate_reset``      the connection is reset
    ``truncate_invalid``    an event that is not JSON, then the end
    ``stall``               nothing more (until the client leaves or ``hang`` seconds pass)
healthy
    ``ok``                  the answer
    ``drip``                the answer slowly: ``drip_parts`` deltas ``drip_gap`` seconds apart

Continuation: when the last message is the assistant's and the body asks to continue it (vLLM's
``continue_final_message``, or Mistral/DeepSeek's ``"prefix": true`` on that message), the server
answers only the rest of ``answer(messages)`` after that text, so a stream broken on one server and
continued on another still reads as the one answer. ``log`` records per request the kind drawn and
whether it was a continuation.
"""

from __future__ import annotations

import asyncio
import json
import random
import socket
import struct
import threading
import time
from collections import Counter
from typing import Any

from aiohttp import web

from .threaded_server import ThreadedServer

BEFORE_FIRST_BYTE = ("500", "429", "reset", "hang", "hang_after_headers", "invalid_json")
MID_STREAM = ("truncate", "truncate_reset", "truncate_invalid", "stall")
FAULTS = BEFORE_FIRST_BYTE + MID_STREAM
KINDS = ("ok", "drip", *FAULTS)
#: Words after the echo that make an answer long enough to break part-way.
TAIL = 8


def user_text(messages: list[dict]) -> str:
    for message in reversed(messages or []):
        if isinstance(message, dict) and message.get("role") == "user":
            content = message.get("content")
            if isinstance(content, str):
                return content
            return " ".join(p.get("text", "") for p in content or [] if isinstance(p, dict))
    return ""


def answer(messages: list[dict], words: int = TAIL) -> str:
    """The whole answer any chaos server gives to ``messages`` (without a final assistant prefix)."""
    return f"Echo: {user_text(messages)}." + "".join(f" w{i}" for i in range(1, words + 1))


def split_words(text: str) -> list[str]:
    """Deltas of ``text``: each word with its leading space, so joining them gives ``text`` back."""
    parts: list[str] = []
    for i, word in enumerate(text.split(" ")):
        parts.append(word if i == 0 else " " + word)
    return [p for p in parts if p]


def slices(data: Any, n: int) -> list[Any]:
    """``data`` (str or bytes) in ``n`` nearly equal consecutive pieces (fewer when it is shorter)."""
    n = max(1, min(n, len(data)))
    bounds = [len(data) * i // n for i in range(n + 1)]
    return [data[bounds[i] : bounds[i + 1]] for i in range(n)]


def continued_prefix(body: dict[str, Any]) -> str | None:
    """The assistant text to continue, when the request asks for a continuation."""
    messages = body.get("messages") or []
    last = messages[-1] if messages else None
    if not isinstance(last, dict) or last.get("role") != "assistant":
        return None
    if body.get("continue_final_message") or last.get("prefix"):
        content = last.get("content")
        return content if isinstance(content, str) else ""
    return None


class ChaosServer(ThreadedServer):
    """``ChaosServer(rates={"500": 0.1, ...}, seed=1)``, or ``server.configure(script=["reset", "ok"])``.

    A script entry is a kind, or a dict with ``kind`` and any of this server's settings for that
    request only (``{"kind": "drip", "drip_parts": 50}``).
    """

    def __init__(
        self,
        rates: dict[str, float] | None = None,
        seed: int = 0,
        *,
        retry_after: float = 1,
        prefix_parts: int = 3,
        hang: float = 60.0,
        drip_parts: int = 20,
        drip_gap: float = 0.05,
        words: int = TAIL,
    ) -> None:
        super().__init__()
        self.script: list[str | dict[str, Any]] = []
        self.log: list[dict[str, Any]] = []
        self.retry_after = retry_after
        self.prefix_parts = prefix_parts
        self.hang = hang
        self.drip_parts = drip_parts
        self.drip_gap = drip_gap
        self.words = words
        self._lock = threading.Lock()
        self.configure(rates or {}, seed)

    def configure(
        self,
        rates: dict[str, float] | None = None,
        seed: int = 0,
        script: list[str | dict[str, Any]] | None = None,
    ) -> None:
        """New fault rates (kind -> probability, summing to at most 1), a fresh seeded draw, a new script."""
        scripted = {entry["kind"] if isinstance(entry, dict) else entry for entry in script or ()}
        unknown = (set(rates or {}) | scripted) - set(KINDS)
        if unknown:
            raise ValueError(f"unknown fault kinds: {sorted(unknown)}")
        if sum((rates or {}).values()) > 1 + 1e-9:
            raise ValueError("fault rates add up to more than 1")
        with self._lock:
            self.rates = dict(rates or {})
            self._random = random.Random(seed)
            self.script = list(script or [])

    def draw(self) -> tuple[str, dict[str, Any]]:
        """The next request's kind and its settings: the script first, else a seeded draw from the rates."""
        settings = {
            "retry_after": self.retry_after,
            "prefix_parts": self.prefix_parts,
            "hang": self.hang,
            "drip_parts": self.drip_parts,
            "drip_gap": self.drip_gap,
            "words": self.words,
        }
        with self._lock:
            if self.script:
                entry = self.script.pop(0)
                if isinstance(entry, dict):
                    return entry["kind"], {**settings, **{k: v for k, v in entry.items() if k != "kind"}}
                return entry, settings
            roll = self._random.random()
            for kind in KINDS:  # a fixed order, so one seed gives one sequence
                roll -= self.rates.get(kind, 0.0)
                if roll < 0:
                    return kind, settings
            return "ok", settings

    def counts(self) -> Counter[str]:
        return Counter(entry["kind"] for entry in self.log)

    def setup(self, app: web.Application) -> None:
        for prefix in ("", "/v1"):
            app.router.add_post(f"{prefix}/chat/completions", self.chat)
            app.router.add_get(f"{prefix}/models", self.list_models)

    async def list_models(self, request: web.Request) -> web.Response:
        return web.json_response({"object": "list", "data": [{"id": "chaos-model", "object": "model", "created": 0}]})

    # --- chat ------------------------------------------------------------------------------------

    async def chat(self, request: web.Request) -> web.StreamResponse:
        body = (await self.record(request))["json"] or {}
        kind, opt = self.draw()
        prefix = continued_prefix(body)
        stream = bool(body.get("stream"))
        self.log.append({"kind": kind, "stream": stream, "continuation": prefix is not None, "wall": time.time()})
        messages = body.get("messages") or []
        text = answer(messages[:-1] if prefix is not None else messages, opt["words"])
        if prefix is not None:
            text = text[len(prefix) :] if text.startswith(prefix) else text
        base = {
            "id": f"chatcmpl-chaos-{len(self.log)}",
            "created": int(time.time()),
            "model": body.get("model") or "chaos-model",
            "system_fingerprint": "fp_chaos",
        }
        if kind == "500":
            return self.error(500, "The server had an error while processing your request.", "server_error")
        if kind == "429":
            return self.error(
                429,
                "Rate limit reached for requests.",
                "requests",
                code="rate_limit_exceeded",
                headers={"Retry-After": f"{opt['retry_after']:g}"},
            )
        if kind == "reset":
            reset(request)
            raise asyncio.CancelledError  # aiohttp: the handler ends without a response
        if kind == "hang":
            await self.wait(request, opt["hang"])
            raise asyncio.CancelledError
        try:
            if stream:
                return await self.stream(request, base, split_words(text), kind, body, opt)
            return await self.whole(request, base, text, kind, opt)
        except ConnectionResetError:  # the client left part-way (a gateway's deadline, a drained server)
            raise asyncio.CancelledError from None

    @staticmethod
    def error(
        status: int, message: str, error_type: str, code: str | None = None, headers: dict[str, str] | None = None
    ) -> web.Response:
        body = {"error": {"message": message, "type": error_type, "param": None, "code": code}}
        return web.json_response(body, status=status, headers=headers)

    async def wait(self, request: web.Request, seconds: float) -> None:
        """Sleep up to ``seconds``, ending early once the client has gone."""
        until = time.monotonic() + seconds
        while time.monotonic() < until:
            transport = request.transport
            if transport is None or transport.is_closing():
                return
            await asyncio.sleep(0.02)

    async def whole(
        self, request: web.Request, base: dict[str, Any], text: str, kind: str, opt: dict[str, Any]
    ) -> web.StreamResponse:
        completion = {
            **base,
            "object": "chat.completion",
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": text, "refusal": None},
                    "logprobs": None,
                    "finish_reason": "stop",
                }
            ],
            "usage": {"prompt_tokens": 5, "completion_tokens": len(text) // 4 + 1, "total_tokens": len(text) // 4 + 6},
        }
        data = json.dumps(completion).encode()
        if kind == "invalid_json":
            data = b"<html><body>502 Bad Gateway</body></html>"
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        if kind == "truncate_invalid":
            response.content_length = len(data) // 2
            await response.prepare(request)
            await response.write(data[: len(data) // 2])  # a cut JSON document, cleanly ended
            await response.write_eof()
            return response
        response.content_length = len(data)
        await response.prepare(request)
        if kind == "hang_after_headers":
            await self.wait(request, opt["hang"])
            return response
        if kind == "drip":
            for piece in slices(data, opt["drip_parts"]):
                await response.write(piece)
                await asyncio.sleep(opt["drip_gap"])
            await response.write_eof()
            return response
        if kind in MID_STREAM:
            await response.write(data[: len(data) // 2])
            if kind == "truncate":
                request.transport.close()  # type: ignore[union-attr]  # fewer bytes than Content-Length
            elif kind == "truncate_reset":
                await asyncio.sleep(0.05)
                reset(request)
            else:  # stall
                await self.wait(request, opt["hang"])
            return response
        await response.write(data)
        await response.write_eof()
        return response

    async def stream(
        self,
        request: web.Request,
        base: dict[str, Any],
        deltas: list[str],
        kind: str,
        body: dict[str, Any],
        opt: dict[str, Any],
    ) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"})
        await response.prepare(request)
        if kind == "hang_after_headers":
            await self.wait(request, opt["hang"])
            return response

        def event(delta: dict[str, Any], finish: str | None = None) -> bytes:
            chunk = {
                **base,
                "object": "chat.completion.chunk",
                "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
            }
            return f"data: {json.dumps(chunk)}\n\n".encode()

        if kind == "invalid_json":
            await response.write(b"data: {not json at all\n\n")
            await response.write_eof()
            return response
        await response.write(event({"role": "assistant", "content": ""}))
        gap = 0.0
        if kind == "drip":  # the same text in ``drip_parts`` pieces, ``drip_gap`` apart
            deltas, gap = slices("".join(deltas), opt["drip_parts"]), opt["drip_gap"]
        for n, delta in enumerate(deltas):
            if kind in MID_STREAM and n == opt["prefix_parts"]:
                # Let the client read what was sent before the break.
                await asyncio.sleep(0.05)
                if kind == "truncate":
                    await response.write_eof()
                elif kind == "truncate_reset":
                    reset(request)
                elif kind == "truncate_invalid":
                    await response.write(b'data: {"id": "chatcmpl-chaos", "choices": [{"delta": \n\n')
                    await response.write_eof()
                else:  # stall
                    await self.wait(request, opt["hang"])
                return response
            await response.write(event({"content": delta}))
            await asyncio.sleep(gap)
        await response.write(event({}, "stop"))
        if (body.get("stream_options") or {}).get("include_usage"):
            usage = {"prompt_tokens": 5, "completion_tokens": len(deltas), "total_tokens": 5 + len(deltas)}
            chunk = {**base, "object": "chat.completion.chunk", "choices": [], "usage": usage}
            await response.write(f"data: {json.dumps(chunk)}\n\n".encode())
        await response.write(b"data: [DONE]\n\n")
        await response.write_eof()
        return response


def reset(request: web.Request) -> None:
    """Close the connection with a TCP reset (SO_LINGER 0), not an orderly FIN."""
    transport = request.transport
    if transport is None:
        return
    sock = transport.get_extra_info("socket")
    if sock is not None:
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
    transport.abort()


__all__ = ["ChaosServer", "FAULTS", "BEFORE_FIRST_BYTE", "MID_STREAM", "KINDS", "answer", "split_words"]
