"""A fake of Anthropic's Messages API (``POST /v1/messages``) as its public documentation shows it.

It checks what the real API checks (``x-api-key``, ``anthropic-version``, ``max_tokens``, roles,
that every ``tool_result`` answers a ``tool_use`` of the turn before, image sources), answers whole
or as SSE (``message_start``, ``content_block_start``, ``content_block_delta`` with ``text_delta`` /
``thinking_delta`` / ``input_json_delta``, ``content_block_stop``, ``message_delta``,
``message_stop``, ``ping``, ``error``), and can be told to fail.

Tests queue replies in ``script``; each is a dict with any of ``text``, ``thinking``, ``tool_uses``
(``[(id, name, input)]``), ``stop_reason``, ``usage`` (``(input, output)``), or a failure:
``status`` (+ ``error_type``, ``message``, ``headers``), ``stream_error_after`` (text deltas sent
before an ``event: error``), ``reset_after`` (events sent before the connection drops), ``delay``
(seconds before the first byte), ``truncate_after`` (events sent before a clean close), ``raw``
(bytes sent as the stream), ``interval`` (seconds between events), ``stall_after`` (events sent
before a pause of ``stall`` seconds). With no reply queued the fake echoes the last user text.

A final assistant message is a prefill, as documented: its text may not end in whitespace (400),
and the answer is the scripted text after it (with the whitespace the prefill lost, when the text has
it). ``raw`` and error messages may hold ``{key}``, replaced by the ``x-api-key`` sent.
"""

from __future__ import annotations

import asyncio
import base64
import json
import uuid
from typing import Any

from aiohttp import web

from .threaded_server import ThreadedServer

API_KEY = "sk-ant-fake-0123456789"


def error_body(error_type: str, message: str) -> dict:
    return {"type": "error", "error": {"type": error_type, "message": message}}


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    return "".join(b.get("text", "") for b in content if b.get("type") == "text")


def _user_text(messages: list[dict]) -> str:
    for message in reversed(messages):
        if message["role"] == "user":
            content = message["content"]
            if isinstance(content, str):
                return content
            return " ".join(b.get("text", "") for b in content if b.get("type") == "text")
    return ""


def validate(body: Any) -> str | None:
    """What the real API would refuse with 400 invalid_request_error, or None."""
    if not isinstance(body, dict):
        return "Request body must be a JSON object."
    for field in ("model", "max_tokens", "messages"):
        if field not in body:
            return f"{field}: Field required"
    if not isinstance(body["max_tokens"], int) or body["max_tokens"] < 1:
        return "max_tokens: must be a positive integer"
    if "system" in body and not isinstance(body["system"], (str, list)):
        return "system: Input should be a valid string or list"
    if "temperature" in body and not 0 <= body["temperature"] <= 1:
        return "temperature: range: 0..1"
    previous_tool_uses: set[str] = set()
    for i, message in enumerate(body["messages"]):
        if message.get("role") not in ("user", "assistant"):
            return f"messages.{i}.role: Input should be 'user' or 'assistant'"
        content = message.get("content")
        blocks = [{"type": "text", "text": content}] if isinstance(content, str) else content
        if not isinstance(blocks, list) or not blocks:
            return f"messages.{i}: content must be a non-empty string or list"
        tool_uses = set()
        for block in blocks:
            kind = block.get("type")
            if kind == "text" and not block.get("text"):
                return f"messages.{i}: text content blocks must be non-empty"
            if kind == "tool_use":
                if message["role"] != "assistant" or not isinstance(block.get("input"), dict):
                    return f"messages.{i}: tool_use blocks belong to assistant turns and carry an object input"
                tool_uses.add(block["id"])
            if kind == "tool_result" and block.get("tool_use_id") not in previous_tool_uses:
                return (
                    f"messages.{i}: tool_result block(s) provided when previous message does not have matching tool_use"
                )
            if kind == "image":
                source = block.get("source") or {}
                if source.get("type") == "base64":
                    if source.get("media_type") not in ("image/jpeg", "image/png", "image/gif", "image/webp"):
                        return f"messages.{i}: image media_type not supported"
                    base64.b64decode(source.get("data", ""), validate=True)
                elif source.get("type") != "url" or not source.get("url", "").startswith("http"):
                    return f"messages.{i}: image source must be base64 or url"
        previous_tool_uses = tool_uses
    for tool in body.get("tools") or []:
        if not tool.get("name") or not isinstance(tool.get("input_schema"), dict):
            return "tools: each tool needs name and input_schema"
    return None


class FakeAnthropic(ThreadedServer):
    def __init__(self, api_key: str = API_KEY) -> None:
        super().__init__()
        self.api_key = api_key
        self.script: list[dict[str, Any]] = []

    def setup(self, app: web.Application) -> None:
        app.router.add_post("/v1/messages", self.messages)

    async def messages(self, request: web.Request) -> web.StreamResponse:
        try:
            entry = await self.record(request)
        except ValueError:
            return web.json_response(error_body("invalid_request_error", "Body is not JSON."), status=400)
        if request.headers.get("x-api-key") != self.api_key:
            return web.json_response(error_body("authentication_error", "invalid x-api-key"), status=401)
        if request.headers.get("anthropic-version") != "2023-06-01":
            return web.json_response(
                error_body("invalid_request_error", "anthropic-version: header is required"), status=400
            )
        body = entry["json"]
        problem = validate(body)
        if problem:
            return web.json_response(error_body("invalid_request_error", problem), status=400)
        if not body["model"].startswith("claude-"):
            return web.json_response(error_body("not_found_error", f"model: {body['model']}"), status=404)
        reply = self.script.pop(0) if self.script else {"text": f"You said: {_user_text(body['messages'])}"}
        reply = {k: v.replace("{key}", self.api_key) if isinstance(v, str) else v for k, v in reply.items()}
        if isinstance(reply.get("raw"), bytes):
            reply["raw"] = reply["raw"].replace(b"{key}", self.api_key.encode())
        last = body["messages"][-1]
        if last["role"] == "assistant":  # a prefill
            prefill = _text(last["content"])
            if prefill != prefill.rstrip():
                problem = "messages: final assistant content cannot end with trailing whitespace"
                return web.json_response(error_body("invalid_request_error", problem), status=400)
            text = reply.get("text") or ""
            reply = {**reply, "text": text[len(prefill) :] if text.startswith(prefill) else text}
        if reply.get("delay"):
            await asyncio.sleep(reply["delay"])
        if "status" in reply:
            return web.json_response(
                error_body(reply.get("error_type", "api_error"), reply.get("message", "failed")),
                status=reply["status"],
                headers=reply.get("headers"),
            )
        if body.get("stream"):
            return await self.stream(request, body, reply)
        if "raw" in reply:  # a whole answer that is not JSON
            return web.Response(body=reply["raw"], content_type="text/plain")
        return web.json_response(self.message(body, reply))

    @staticmethod
    def message(body: dict, reply: dict) -> dict:
        content: list[dict] = []
        if reply.get("thinking"):
            content.append({"type": "thinking", "thinking": reply["thinking"], "signature": "sig"})
        if reply.get("text"):
            content.append({"type": "text", "text": reply["text"]})
        for tool_id, name, args in reply.get("tool_uses", []):
            content.append({"type": "tool_use", "id": tool_id, "name": name, "input": args})
        usage = reply.get("usage", (11, 7))
        stop = reply.get("stop_reason") or ("tool_use" if reply.get("tool_uses") else "end_turn")
        return {
            "id": f"msg_{uuid.uuid4().hex[:20]}",
            "type": "message",
            "role": "assistant",
            "model": body["model"],
            "content": content,
            "stop_reason": stop,
            "stop_sequence": None,
            "usage": {"input_tokens": usage[0], "output_tokens": usage[1]},
        }

    @staticmethod
    def events(body: dict, reply: dict) -> list[tuple[str, dict]]:
        """The SSE events of a streamed reply, in the documented order."""
        whole = FakeAnthropic.message(body, reply)
        start = {
            **whole,
            "content": [],
            "stop_reason": None,
            "usage": {"input_tokens": whole["usage"]["input_tokens"], "output_tokens": 1},
        }
        events: list[tuple[str, dict]] = [
            ("message_start", {"type": "message_start", "message": start}),
            ("ping", {"type": "ping"}),
        ]
        for index, block in enumerate(whole["content"]):
            kind = block["type"]
            empty = {
                "thinking": {"type": "thinking", "thinking": "", "signature": ""},
                "text": {"type": "text", "text": ""},
                "tool_use": {**block, "input": {}},
            }[kind]
            events.append(
                ("content_block_start", {"type": "content_block_start", "index": index, "content_block": empty})
            )
            if kind == "tool_use":
                raw = json.dumps(block["input"])
                pieces = [raw[i : i + 7] for i in range(0, len(raw), 7)]
                deltas = [{"type": "input_json_delta", "partial_json": p} for p in pieces]
            else:
                text = block[kind]
                words = [text[i : i + 5] for i in range(0, len(text), 5)]
                key, delta_type = ("thinking", "thinking_delta") if kind == "thinking" else ("text", "text_delta")
                deltas = [{"type": delta_type, key: w} for w in words]
                if kind == "thinking":
                    deltas.append({"type": "signature_delta", "signature": "sig"})
            events += [
                ("content_block_delta", {"type": "content_block_delta", "index": index, "delta": d}) for d in deltas
            ]
            events.append(("content_block_stop", {"type": "content_block_stop", "index": index}))
        events.append(
            (
                "message_delta",
                {
                    "type": "message_delta",
                    "delta": {"stop_reason": whole["stop_reason"], "stop_sequence": None},
                    "usage": {"output_tokens": whole["usage"]["output_tokens"]},
                },
            )
        )
        events.append(("message_stop", {"type": "message_stop"}))
        return events

    async def stream(self, request: web.Request, body: dict, reply: dict) -> web.StreamResponse:
        response = web.StreamResponse(headers={"content-type": "text/event-stream", "cache-control": "no-cache"})
        await response.prepare(request)
        if "raw" in reply:
            await response.write(reply["raw"])
            await response.write_eof()
            return response
        events = self.events(body, reply)
        if "stream_error_after" in reply:
            text_at = [i for i, (_, e) in enumerate(events) if e.get("delta", {}).get("type") == "text_delta"]
            cut = text_at[reply["stream_error_after"]] if reply["stream_error_after"] < len(text_at) else len(events)
            events = events[:cut] + [
                ("error", error_body(reply.get("error_type", "overloaded_error"), reply.get("message", "Overloaded")))
            ]
        for n, (name, data) in enumerate(events):
            if n == reply.get("reset_after"):
                request.transport.close()  # connection reset mid-stream
                return response
            if n == reply.get("truncate_after"):
                break
            if n == reply.get("stall_after"):
                await asyncio.sleep(reply.get("stall", 5))
            if n and reply.get("interval"):
                await asyncio.sleep(reply["interval"])
            frame = f"event: {name}\ndata: {json.dumps(data)}\n\n".encode()
            half = len(frame) // 2  # events split across writes, as TCP may
            await response.write(frame[:half])
            await response.write(frame[half:])
        await response.write_eof()
        return response
