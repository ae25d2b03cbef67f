"""A fake of Google's Gemini API (``/v1beta/models/{model}:generateContent`` and
``:streamGenerateContent``) as its public documentation shows it.

It checks what the real API checks (the ``x-goog-api-key`` header, roles ``user``/``model``, one
kind of data per part, base64 ``inlineData``, ``functionResponse.response`` objects), answers with
GenerateContentResponse objects (``candidates[0].content.parts``, ``functionCall`` parts,
``finishReason``, ``usageMetadata``), whole or one per SSE event with ``?alt=sse``, and can be told
to fail.

Tests queue replies in ``script``; each is a dict with any of ``text``, ``thought``, ``calls``
(``[(name, args)]``), ``finish`` (a finishReason), ``usage`` (``(prompt, candidates, thoughts)``),
``block`` (a promptFeedback blockReason), or a failure: ``status`` (+ ``rpc_status``, ``message``,
``details``, ``headers``), ``stream_error_after`` (chunks sent before an error object), ``reset_after``
(chunks sent before the connection drops), ``delay`` (seconds before the first byte), ``raw`` (bytes
sent as the stream, or as a whole non-JSON answer; ``{key}`` in it becomes the key sent), ``interval``
(seconds between chunks), ``stall_after`` (chunks sent before a pause of ``stall`` seconds). With no
reply queued the fake echoes the last user text.
"""

from __future__ import annotations

import asyncio
import base64
import json
from typing import Any

from aiohttp import web

from .threaded_server import ThreadedServer

API_KEY = "AIzaFakeGeminiKey0123456789"
PART_KINDS = ("text", "inlineData", "functionCall", "functionResponse", "fileData")


def error_body(code: int, status: str, message: str, details: list | None = None) -> dict:
    error: dict[str, Any] = {"code": code, "message": message, "status": status}
    if details:
        error["details"] = details
    return {"error": error}


def validate(body: Any) -> str | None:
    """What the real API would refuse with 400 INVALID_ARGUMENT, or None."""
    if not isinstance(body, dict) or not isinstance(body.get("contents"), list) or not body["contents"]:
        return "* GenerateContentRequest.contents: contents is not specified"
    system = body.get("systemInstruction")
    if system is not None and not all("text" in p for p in system.get("parts", [])):
        return "* GenerateContentRequest.system_instruction: parts must be text"
    for i, content in enumerate(body["contents"]):
        if content.get("role") not in ("user", "model"):
            return f"* GenerateContentRequest.contents[{i}].role: Please use a valid role: user, model."
        if not content.get("parts"):
            return f"* GenerateContentRequest.contents[{i}].parts: contents.parts must not be empty."
        for part in content["parts"]:
            kinds = [k for k in PART_KINDS if k in part]
            if len(kinds) != 1:
                return f"* GenerateContentRequest.contents[{i}].parts: a part holds exactly one kind of data"
            if "inlineData" in part:
                try:
                    base64.b64decode(part["inlineData"]["data"], validate=True)
                except (KeyError, ValueError):
                    return f"* GenerateContentRequest.contents[{i}].parts.inline_data.data: invalid base64"
                if "/" not in part["inlineData"].get("mimeType", ""):
                    return f"* GenerateContentRequest.contents[{i}].parts.inline_data.mime_type: required"
            if "functionResponse" in part and not isinstance(part["functionResponse"].get("response"), dict):
                return f"* GenerateContentRequest.contents[{i}].parts.function_response.response: must be an object"
            if "functionCall" in part and content["role"] != "model":
                return f"* GenerateContentRequest.contents[{i}]: function calls belong to model turns"
    for tool in body.get("tools") or []:
        for declaration in tool.get("functionDeclarations") or []:
            if "additionalProperties" in json.dumps(declaration.get("parameters", {})):
                return 'Invalid JSON payload received. Unknown name "additionalProperties"'
    return None


def _user_text(contents: list[dict]) -> str:
    for content in reversed(contents):
        if content["role"] == "user":
            return " ".join(p["text"] for p in content["parts"] if "text" in p)
    return ""


class FakeGemini(ThreadedServer):
    def __init__(self, api_key: str = API_KEY) -> None:
        super().__init__()
        self.api_key = api_key
        self.script: list[dict[str, Any]] = []

    def setup(self, app: web.Application) -> None:
        app.router.add_post("/v1beta/models/{target}", self.generate)

    def embed(self, request: web.Request, entry: dict[str, Any], model: str, method: str) -> web.Response:
        """``embedContent`` ({"embedding": {"values"}}) and ``batchEmbedContents`` ({"embeddings": [...]}),
        with the vectors of the OpenAI fake; ``outputDimensionality`` shortens them."""
        from .openai_server import embed_text

        if request.headers.get("x-goog-api-key") != self.api_key:
            return web.json_response(error_body(400, "INVALID_ARGUMENT", "API key not valid."), status=400)
        body = entry["json"] or {}
        requests = body.get("requests") if method == "batchEmbedContents" else [body]
        values = []
        for item in requests or []:
            if item.get("model") not in (None, f"models/{model}"):
                return web.json_response(error_body(400, "INVALID_ARGUMENT", "model mismatch"), status=400)
            text = " ".join(p.get("text", "") for p in item.get("content", {}).get("parts", []))
            vector = embed_text(text)
            size = item.get("outputDimensionality")
            values.append({"values": vector[:size] if size else vector})
        if method == "embedContent":
            return web.json_response({"embedding": values[0]})
        return web.json_response({"embeddings": values})

    async def generate(self, request: web.Request) -> web.StreamResponse:
        try:
            entry = await self.record(request)
        except ValueError:
            return web.json_response(error_body(400, "INVALID_ARGUMENT", "Invalid JSON payload received."), status=400)
        model, _, method = request.match_info["target"].partition(":")
        if method in ("embedContent", "batchEmbedContents"):
            return self.embed(request, entry, model, method)
        if method not in ("generateContent", "streamGenerateContent"):
            return web.json_response(error_body(404, "NOT_FOUND", "Method not found."), status=404)
        key = request.headers.get("x-goog-api-key") or request.query.get("key")
        if not key:
            return web.json_response(
                error_body(
                    403,
                    "PERMISSION_DENIED",
                    "Method doesn't allow unregistered callers "
                    "(callers without established identity). Please use API Key.",
                ),
                status=403,
            )
        if key != self.api_key:
            details = [
                {
                    "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                    "reason": "API_KEY_INVALID",
                    "domain": "googleapis.com",
                }
            ]
            return web.json_response(
                error_body(400, "INVALID_ARGUMENT", "API key not valid. Please pass a valid API key.", details),
                status=400,
            )
        if not model.startswith("gemini-"):
            return web.json_response(
                error_body(
                    404,
                    "NOT_FOUND",
                    f"models/{model} is not found for API version v1beta, or is not supported for generateContent.",
                ),
                status=404,
            )
        body = entry["json"]
        problem = validate(body)
        if problem:
            return web.json_response(error_body(400, "INVALID_ARGUMENT", problem), status=400)
        reply = self.script.pop(0) if self.script else {"text": f"You said: {_user_text(body['contents'])}"}
        if isinstance(reply.get("raw"), bytes):
            reply = {**reply, "raw": reply["raw"].replace(b"{key}", key.encode())}
        if reply.get("delay"):
            await asyncio.sleep(reply["delay"])
        if "status" in reply:
            return web.json_response(
                error_body(
                    reply["status"],
                    reply.get("rpc_status", "INTERNAL"),
                    reply.get("message", "failed"),
                    reply.get("details"),
                ),
                status=reply["status"],
                headers=reply.get("headers"),
            )
        if "raw" in reply and method == "generateContent":
            return web.Response(body=reply["raw"], content_type="text/plain")
        chunks = self.chunks(model, reply)
        if method == "generateContent":
            return web.json_response(self.merge(chunks))
        if request.query.get("alt") != "sse":  # without alt=sse the API streams one JSON array
            return web.json_response(chunks)
        return await self.stream(request, chunks, reply)

    @staticmethod
    def chunks(model: str, reply: dict) -> list[dict]:
        """The GenerateContentResponse objects a streamed reply arrives as; the last one finishes."""
        parts: list[dict] = []
        if reply.get("thought"):
            parts.append({"text": reply["thought"], "thought": True})
        text = reply.get("text", "")
        parts += [{"text": text[i : i + 6]} for i in range(0, len(text), 6)]
        parts += [{"functionCall": {"name": name, "args": args}} for name, args in reply.get("calls", [])]
        prompt, candidates, thoughts = reply.get("usage", (9, 4, 0))
        usage = {
            "promptTokenCount": prompt,
            "candidatesTokenCount": candidates,
            "totalTokenCount": prompt + candidates + thoughts,
        }
        if thoughts:
            usage["thoughtsTokenCount"] = thoughts
        if reply.get("block"):
            return [{"promptFeedback": {"blockReason": reply["block"]}, "usageMetadata": usage, "modelVersion": model}]
        out = [
            {
                "candidates": [{"content": {"role": "model", "parts": [p]}, "index": 0}],
                "usageMetadata": {"promptTokenCount": prompt, "totalTokenCount": prompt},
                "modelVersion": model,
            }
            for p in parts
        ] or [{"candidates": [{"content": {"role": "model", "parts": []}, "index": 0}], "modelVersion": model}]
        out[-1]["candidates"][0]["finishReason"] = reply.get("finish", "STOP")
        out[-1]["usageMetadata"] = usage
        return out

    @staticmethod
    def merge(chunks: list[dict]) -> dict:
        """The whole answer: the chunks' parts in one candidate (text runs joined, as the API does)."""
        merged = json.loads(json.dumps(chunks[-1]))
        if "candidates" not in merged:
            return merged
        parts: list[dict] = []
        for chunk in chunks:
            for part in chunk["candidates"][0]["content"]["parts"]:
                if parts and "text" in part and "text" in parts[-1] and part.get("thought") == parts[-1].get("thought"):
                    parts[-1]["text"] += part["text"]
                else:
                    parts.append(dict(part))
        merged["candidates"][0]["content"]["parts"] = parts
        return merged

    async def stream(self, request: web.Request, chunks: list[dict], reply: dict) -> web.StreamResponse:
        response = web.StreamResponse(headers={"content-type": "text/event-stream"})
        await response.prepare(request)
        if "raw" in reply:
            await response.write(reply["raw"])
            await response.write_eof()
            return response
        if "stream_error_after" in reply:
            chunks = chunks[: reply["stream_error_after"]] + [
                error_body(503, "UNAVAILABLE", "The model is overloaded.")
            ]
        for n, chunk in enumerate(chunks):
            if n == reply.get("reset_after"):
                request.transport.close()
                return response
            if n == reply.get("stall_after"):
                await asyncio.sleep(reply.get("stall", 5))
            if n and reply.get("interval"):
                await asyncio.sleep(reply["interval"])
            frame = f"data: {json.dumps(chunk)}\r\n\r\n".encode()  # the API ends SSE lines with CRLF
            half = len(frame) // 2
            await response.write(frame[:half])
            await response.write(frame[half:])
        await response.write_eof()
        return response
