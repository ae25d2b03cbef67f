"""A fake of the OpenAI API (and Pollinations' documented endpoints) as the public docs show them.

Routes (also under ``/v1``): ``POST /chat/completions`` (whole ``chat.completion`` or SSE of
``chat.completion.chunk`` ending in ``data: [DONE]``, with the usage chunk when
``stream_options.include_usage``), ``GET /models``, ``POST /images/generations``,
``POST /audio/speech``, ``POST /audio/transcriptions`` (multipart), ``POST /embeddings`` (unit
vectors of hashed character trigrams, ``EMBEDDING_SIZE`` long; ``dimensions`` shortens those of
``text-embedding-3-*`` and is refused for others, as OpenAI does); Pollinations: ``POST /openai``,
``GET /prompt/{prompt}`` (an image), ``GET /{text}?model=openai-audio`` (speech).

With ``api_key`` set it wants ``Authorization: Bearer <key>`` (else 401, like OpenAI); with
``models`` set it answers 404 ``model_not_found`` for others. Tests queue replies in ``script``;
each is a dict with any of ``text`` (str or list of deltas), ``reasoning``, ``tool_calls``
(``[(id, name, arguments_json)]``), ``usage`` (``(prompt, completion)``), ``finish_reason``, or a
failure: ``status`` (+ ``message``, ``code``, ``headers``, ``echo_auth`` to put the Authorization
header in the error message), ``delay`` (seconds before any byte), ``body_delay`` (seconds after the
headers before the first event), ``reset_after`` (events sent before the connection drops; 0 drops
it before any answer), ``malformed_after`` (events before a broken ``data:`` line),
``truncate_after`` (events before a clean close without ``[DONE]``), ``stream_error_after`` (events
before an in-stream ``{"error": ...}``), ``interval`` (seconds between events), ``stall_after``
(events sent before a pause of ``stall`` seconds), ``json_body`` (a whole JSON answer even to a stream),
``raw`` (a body sent as it is with status 200: text/plain, or SSE lines to a stream; ``{auth}`` in it
becomes the Authorization header the request carried, as a careless upstream might echo it).
With no reply queued the fake answers ``"Echo: <last user text>"`` in a few deltas.

Continuing a final assistant message follows the documented shape of the server named by
``continuation``: "mistral" (``"prefix": true`` on that message, else 400; the answer repeats the
prefix), "deepseek" (``"prefix": true``, only under ``/beta``, else 400), "vllm"
(``continue_final_message: true`` with ``add_generation_prompt: false``), "llama.cpp" (a final
assistant message is continued as it is). A continued answer is the scripted text after the prefix;
a request not in the server's shape gets the whole text again, as a model starting anew would.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from aiohttp import web

from .threaded_server import ThreadedServer

PNG_1PX = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)
MP3_HEADER = b"ID3\x04\x00\x00\x00\x00\x00\x00"
EMBEDDING_SIZE = 64


def embed_text(text: str, size: int = EMBEDDING_SIZE) -> list[float]:
    """A deterministic unit vector: hashed character trigrams (similar texts, similar vectors)."""
    import zlib

    vector = [0.0] * size
    padded = f"  {text.lower()}  "
    for i in range(len(padded) - 2):
        vector[zlib.crc32(padded[i : i + 3].encode()) % size] += 1.0
    norm = sum(x * x for x in vector) ** 0.5 or 1.0
    return [x / norm for x in vector]


def _user_text(messages: list[dict]) -> str:
    for message in reversed(messages or []):
        if message.get("role") == "user":
            content = message.get("content")
            if isinstance(content, str):
                return content
            return " ".join(p.get("text", "") for p in content or [] if p.get("type") == "text")
    return ""


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    return "".join(p.get("text", "") for p in content or [] if isinstance(p, dict) and p.get("type") == "text")


class FakeOpenAI(ThreadedServer):
    def __init__(
        self, api_key: str | None = None, models: list[str] | None = None, continuation: str | None = None
    ) -> None:
        super().__init__()
        self.api_key = api_key
        self.models = models
        self.continuation = continuation
        self.script: list[dict[str, Any]] = []
        self.models_calls = 0

    # --- plumbing ------------------------------------------------------------------------------

    def setup(self, app: web.Application) -> None:
        for prefix in ("", "/v1"):
            app.router.add_post(f"{prefix}/chat/completions", self.chat)
            app.router.add_get(f"{prefix}/models", self.list_models)
            app.router.add_post(f"{prefix}/images/generations", self.images)
            app.router.add_post(f"{prefix}/audio/speech", self.speech)
            app.router.add_post(f"{prefix}/audio/transcriptions", self.transcriptions)
            app.router.add_post(f"{prefix}/embeddings", self.embeddings)
        app.router.add_post("/beta/chat/completions", self.chat)  # DeepSeek's beta features
        app.router.add_post("/openai", self.chat)  # Pollinations
        app.router.add_get("/prompt/{prompt}", self.pollinations_image)
        app.router.add_get("/{text}", self.pollinations_text)

    @property
    def last(self) -> dict[str, Any]:
        return self.requests[-1]

    def next_reply(self) -> dict[str, Any]:
        return self.script.pop(0) if self.script else {}

    @staticmethod
    def error(
        status: int,
        message: str,
        error_type: str = "invalid_request_error",
        code: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> web.Response:
        body = {"error": {"message": message, "type": error_type, "param": None, "code": code}}
        return web.json_response(body, status=status, headers=headers)

    def refuse(self, request: web.Request) -> web.Response | None:
        """The 401 OpenAI gives for a missing or wrong key."""
        if self.api_key is None:
            return None
        auth = request.headers.get("Authorization", "")
        if auth == f"Bearer {self.api_key}":
            return None
        if not auth:
            return self.error(401, "You didn't provide an API key.", code="invalid_api_key")
        return self.error(401, f"Incorrect API key provided: {auth[7:11]}****.", code="invalid_api_key")

    async def failure(self, request: web.Request, reply: dict[str, Any]) -> web.StreamResponse | None:
        """A scripted failure that happens before any answer, or None."""
        if reply.get("delay"):
            await asyncio.sleep(reply["delay"])
        if reply.get("reset_after") == 0:
            request.transport.close()  # type: ignore[union-attr]
            raise asyncio.CancelledError
        if reply.get("status"):
            message = reply.get("message", "Scripted failure")
            if reply.get("echo_auth"):
                message += f" (you sent {request.headers.get('Authorization', '')})"
            error_type = {429: "rate_limit_error"}.get(
                reply["status"], "server_error" if reply["status"] >= 500 else "invalid_request_error"
            )
            return self.error(reply["status"], message, error_type, reply.get("code"), reply.get("headers"))
        return None

    # --- chat ----------------------------------------------------------------------------------

    async def chat(self, request: web.Request) -> web.StreamResponse:
        entry = await self.record(request)
        body = entry["json"] or {}
        reply = self.next_reply()
        failed = await self.failure(request, reply)
        if failed is not None:
            return failed
        refused = self.refuse(request)
        if refused is not None:
            return refused
        model = body.get("model", "")
        if self.models is not None and model not in self.models:
            return self.error(
                404, f"The model `{model}` does not exist or you do not have access to it.", code="model_not_found"
            )
        if "raw" in reply:
            raw = reply["raw"].replace("{auth}", request.headers.get("Authorization", ""))
            if body.get("stream"):
                response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
                await response.prepare(request)
                await response.write(raw.encode())
                await response.write_eof()
                return response
            return web.Response(text=raw, content_type="text/plain")
        text = reply.get("text", None)
        if text is None and not reply.get("tool_calls"):
            words = f"Echo: {_user_text(body.get('messages'))}".split(" ")
            text = [w if i == 0 else f" {w}" for i, w in enumerate(words)]
        deltas = [text] if isinstance(text, str) else list(text or [])
        continued = self.continue_final(request, body, "".join(deltas))
        if isinstance(continued, web.Response):
            return continued
        if continued is not None:
            deltas = [continued[i : i + 4] for i in range(0, len(continued), 4)]
        reasoning = reply.get("reasoning")
        calls = reply.get("tool_calls") or []
        finish = reply.get("finish_reason") or ("tool_calls" if calls else "stop")
        prompt_tokens, completion_tokens = reply.get(
            "usage", (len(json.dumps(body.get("messages"))) // 4, len("".join(deltas)) // 4 + 1)
        )
        usage = {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        }
        base = {
            "id": "chatcmpl-fake",
            "created": int(time.time()),
            "model": model or "fake-model",
            "system_fingerprint": "fp_fake",
        }
        if not body.get("stream") or reply.get("json_body"):
            message: dict[str, Any] = {"role": "assistant", "content": "".join(deltas) or None, "refusal": None}
            if reasoning:
                message["reasoning_content"] = reasoning
            if calls:
                message["tool_calls"] = [
                    {"id": i, "type": "function", "function": {"name": n, "arguments": a}} for i, n, a in calls
                ]
            return web.json_response(
                {
                    **base,
                    "object": "chat.completion",
                    "usage": usage,
                    "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": finish}],
                }
            )
        events = self.chunks(base, deltas, reasoning, calls, finish)
        if (body.get("stream_options") or {}).get("include_usage"):
            events.append({**base, "object": "chat.completion.chunk", "choices": [], "usage": usage})
        return await self.stream(request, events, reply)

    def continue_final(self, request: web.Request, body: dict, full: str) -> str | web.Response | None:
        """The text of a continued answer, a 400 for a request not in the server's documented shape, or
        ``None`` (a fresh answer)."""
        messages = body.get("messages") or []
        if not messages or messages[-1].get("role") != "assistant" or self.continuation is None:
            return None
        last = messages[-1]
        prefix = _text(last.get("content"))
        rest = full[len(prefix) :] if full.startswith(prefix) else full
        if self.continuation == "mistral":
            if last.get("prefix") is not True:
                return self.error(
                    400, "Expected last role User or Tool (or Assistant with prefix True) for serving but got assistant"
                )
            return prefix + rest  # Mistral's answer starts with the prefix
        if self.continuation == "deepseek":
            if last.get("prefix") is not True:
                return None
            if not request.path.startswith("/beta/"):
                return self.error(400, "Chat prefix completion is a beta feature: use base_url .../beta")
            return rest
        if self.continuation == "vllm":
            if body.get("continue_final_message") and body.get("add_generation_prompt", True):
                return self.error(400, "Cannot set both `continue_final_message` and `add_generation_prompt` to True.")
            return rest if body.get("continue_final_message") else None
        return rest  # llama.cpp: a final assistant message is a prefill

    @staticmethod
    def chunks(base: dict, deltas: list[str], reasoning: str | None, calls: list, finish: str) -> list[dict]:
        def chunk(delta: dict, finish_reason: str | None = None) -> dict:
            return {
                **base,
                "object": "chat.completion.chunk",
                "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}],
            }

        events = [chunk({"role": "assistant", "content": ""})]
        for piece in [reasoning[i : i + 4] for i in range(0, len(reasoning), 4)] if reasoning else []:
            events.append(chunk({"reasoning_content": piece}))
        events += [chunk({"content": d}) for d in deltas if d]
        for index, (call_id, name, arguments) in enumerate(calls):
            events.append(
                chunk(
                    {
                        "tool_calls": [
                            {
                                "index": index,
                                "id": call_id,
                                "type": "function",
                                "function": {"name": name, "arguments": ""},
                            }
                        ]
                    }
                )
            )
            for i in range(0, len(arguments), 5):  # arguments arrive in fragments
                events.append(
                    chunk({"tool_calls": [{"index": index, "function": {"arguments": arguments[i : i + 5]}}]})
                )
        events.append(chunk({}, finish))
        return events

    async def stream(self, request: web.Request, events: list[dict], reply: dict) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"})
        await response.prepare(request)
        if reply.get("body_delay"):
            await asyncio.sleep(reply["body_delay"])
        for n, event in enumerate(events):
            if reply.get("reset_after") == n:
                # Let the client read what was sent: aiohttp drops buffered data once the payload fails.
                await asyncio.sleep(0.2)
                request.transport.close()  # type: ignore[union-attr]
                return response
            if reply.get("malformed_after") == n:
                await response.write(b'data: {"id": "chatcmpl-fake", "choices": [{"delta": \n\n')
                await response.write_eof()
                return response
            if reply.get("truncate_after") == n:
                await response.write_eof()
                return response
            if reply.get("stall_after") == n:
                await asyncio.sleep(reply.get("stall", 5))
            if n and reply.get("interval"):
                await asyncio.sleep(reply["interval"])
            if reply.get("stream_error_after") == n:
                error = {"error": {"message": "Upstream overloaded", "code": 502}}
                await response.write(f"data: {json.dumps(error)}\n\n".encode())
                await response.write_eof()
                return response
            await response.write(f"data: {json.dumps(event)}\n\n".encode())
            await asyncio.sleep(0)
        await response.write(b"data: [DONE]\n\n")
        await response.write_eof()
        return response

    # --- models, images, audio ---------------------------------------------------------------------

    async def list_models(self, request: web.Request) -> web.Response:
        await self.record(request)
        self.models_calls += 1
        refused = self.refuse(request)
        if refused is not None:
            return refused
        names = self.models if self.models is not None else ["fake-model", "fake-model-2"]
        return web.json_response(
            {
                "object": "list",
                "data": [{"id": name, "object": "model", "created": 0, "owned_by": "fake"} for name in names],
            }
        )

    async def images(self, request: web.Request) -> web.Response:
        body = (await self.record(request))["json"] or {}
        failed = await self.failure(request, self.next_reply()) or self.refuse(request)
        if failed is not None:
            return failed
        if not body.get("prompt"):
            return self.error(400, "'prompt' is required", code="invalid_value")
        import base64

        item = (
            {"b64_json": base64.b64encode(PNG_1PX).decode()}
            if body.get("response_format") == "b64_json"
            else {"url": f"{self.url}/files/{body['prompt'][:20].replace(' ', '_')}.png"}
        )
        item["revised_prompt"] = f"A picture of {body['prompt']}"
        return web.json_response({"created": int(time.time()), "data": [item] * int(body.get("n") or 1)})

    async def speech(self, request: web.Request) -> web.Response:
        body = (await self.record(request))["json"] or {}
        failed = await self.failure(request, self.next_reply()) or self.refuse(request)
        if failed is not None:
            return failed
        if not body.get("input") or not body.get("voice"):
            return self.error(400, "'input' and 'voice' are required", code="invalid_value")
        return web.Response(body=MP3_HEADER + body["input"].encode(), content_type="audio/mpeg")

    async def transcriptions(self, request: web.Request) -> web.Response:
        fields: dict[str, Any] = {}
        async for part in await request.multipart():
            if part.filename:
                fields[part.name] = {
                    "filename": part.filename,
                    "content_type": part.headers.get("Content-Type"),
                    "size": len(await part.read()),
                }
            else:
                fields[part.name] = await part.text()
        self.requests.append(
            {"method": "POST", "path": request.path, "headers": dict(request.headers), "json": None, "form": fields}
        )
        failed = await self.failure(request, self.next_reply()) or self.refuse(request)
        if failed is not None:
            return failed
        if "file" not in fields or "model" not in fields:
            return self.error(400, "'file' and 'model' are required", code="invalid_value")
        text = f"Transcribed {fields['file']['size']} bytes"
        if fields.get("response_format") == "text":
            return web.Response(text=text)
        return web.json_response({"text": text})

    async def embeddings(self, request: web.Request) -> web.Response:
        import base64
        import struct

        body = (await self.record(request))["json"] or {}
        failed = await self.failure(request, self.next_reply()) or self.refuse(request)
        if failed is not None:
            return failed
        model, items = body.get("model"), body.get("input")
        if not model or items in (None, "", []):
            return self.error(400, "'input' and 'model' are required", code="invalid_value")
        if self.models is not None and model not in self.models:
            return self.error(404, f"The model `{model}` does not exist", code="model_not_found")
        if isinstance(items, str) or (isinstance(items, list) and all(isinstance(t, int) for t in items)):
            items = [items]
        dimensions = body.get("dimensions")
        if dimensions is not None and not str(model).startswith("text-embedding-3"):
            return self.error(400, "This model does not support specifying dimensions.")
        data, tokens = [], 0
        for index, item in enumerate(items):
            text = item if isinstance(item, str) else " ".join(map(str, item))
            tokens += len(item) if isinstance(item, list) else len(text.split())
            vector = embed_text(text)
            if dimensions:
                vector = vector[:dimensions]
                norm = sum(x * x for x in vector) ** 0.5 or 1.0
                vector = [x / norm for x in vector]
            encoded: Any = vector
            if body.get("encoding_format") == "base64":
                encoded = base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode()
            data.append({"object": "embedding", "index": index, "embedding": encoded})
        usage = {"prompt_tokens": tokens, "total_tokens": tokens}
        return web.json_response({"object": "list", "data": data, "model": model, "usage": usage})

    async def pollinations_image(self, request: web.Request) -> web.Response:
        await self.record(request)
        failed = await self.failure(request, self.next_reply())
        return failed or web.Response(body=PNG_1PX, content_type="image/png")

    async def pollinations_text(self, request: web.Request) -> web.Response:
        await self.record(request)
        failed = await self.failure(request, self.next_reply())
        if failed is not None:
            return failed
        text = request.match_info["text"]
        if request.query.get("model") == "openai-audio":
            return web.Response(body=MP3_HEADER + text.encode(), content_type="audio/mpeg")
        return web.Response(text=f"Echo: {text}")
