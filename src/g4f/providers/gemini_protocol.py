"""Google's Gemini API (``models/{model}:generateContent`` and ``:streamGenerateContent?alt=sse``).

OpenAI-shaped requests become ``contents`` of ``user``/``model`` turns with ``systemInstruction``,
``functionDeclarations``, ``functionCall``/``functionResponse`` parts, ``inlineData`` images and a
``generationConfig``; each GenerateContentResponse (whole, or one per SSE event) becomes text
deltas and parts. A vendor is a subclass with data.
"""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any, ClassVar, cast

from ..errors import InvalidRequestError, NotSupportedError, ResponseError
from ..image import IMAGE_OR_AUDIO, is_url, prepare_media, resolve_image_urls, to_bytes
from ..typing import MediaListType, Messages
from . import transport
from .gemini_schema import SCHEMA_KEYS, to_schema
from .messages import add_turn, last_user_items, message_images, message_text
from .protocol import ProtocolTemplate, require_key, resolve_api_base
from .response import FinishReason, ImageResponse, Reasoning, ToolCalls, Usage
from .transport import loads, status_error

FINISH_REASONS = {
    "STOP": "stop",
    "MAX_TOKENS": "length",
    "SAFETY": "content_filter",
    "RECITATION": "content_filter",
    "BLOCKLIST": "content_filter",
    "PROHIBITED_CONTENT": "content_filter",
    "SPII": "content_filter",
    "IMAGE_SAFETY": "content_filter",
}
#: ``thinkingConfig.thinkingBudget`` for OpenAI's ``reasoning_effort``.
THINKING_BUDGETS = {"none": 0, "minimal": 512, "low": 1024, "medium": 8192, "high": 24576}
#: Google RPC ``status`` names -> HTTP status, for errors sent inside a stream.
RPC_STATUS = {
    "INVALID_ARGUMENT": 400,
    "FAILED_PRECONDITION": 400,
    "UNAUTHENTICATED": 401,
    "PERMISSION_DENIED": 403,
    "NOT_FOUND": 404,
    "RESOURCE_EXHAUSTED": 429,
    "INTERNAL": 500,
    "UNAVAILABLE": 503,
    "DEADLINE_EXCEEDED": 504,
}


def error_info(body: Any) -> tuple[str | None, int | None, float | None]:
    """Google's ``{"error": {"code", "message", "status", "details"}}``: a refused key (sent as 400
    ``API_KEY_INVALID``) counts as 401; a 429's ``RetryInfo.retryDelay`` is its retry-after."""
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return None, None, None
    status, retry_after = None, None
    for detail in error.get("details") or []:
        if not isinstance(detail, dict):
            continue
        if detail.get("reason") in ("API_KEY_INVALID", "API_KEY_SERVICE_BLOCKED"):
            status = 401
        delay = detail.get("retryDelay")
        if isinstance(delay, str) and delay.endswith("s"):
            try:
                retry_after = float(delay[:-1])
            except ValueError:
                pass
    return error.get("message"), status, retry_after


# --- Request ----------------------------------------------------------------------------------


def inline_part(image: Any) -> dict:
    data, mime = to_bytes(image, IMAGE_OR_AUDIO)
    return {"inlineData": {"mimeType": mime, "data": base64.b64encode(data).decode()}}


def content_parts(content: Any) -> list[dict]:
    """An OpenAI message content as Gemini parts (text and ``inlineData``)."""
    if isinstance(content, str) or content is None:
        return [{"text": content}] if content else []
    parts = []
    for part in content:
        kind = part.get("type") if isinstance(part, dict) else None
        if kind in ("text", "input_text"):
            if part.get("text"):
                parts.append({"text": part["text"]})
        elif kind == "image_url":
            parts.extend(inline_part(url) for url in message_images([part]))
        elif kind == "input_audio":
            audio = part.get("input_audio") or {}
            mime = {"mp3": "audio/mpeg", "wav": "audio/wav"}.get(str(audio.get("format")), "audio/wav")
            parts.append({"inlineData": {"mimeType": mime, "data": audio.get("data", "")}})
        else:
            raise NotSupportedError(f"Gemini: message content of type {kind!r} is not supported.")
    return parts


def _function_response(content: Any) -> dict:
    """A tool result as the object ``functionResponse.response`` must be."""
    text = message_text(content)
    try:
        value = json.loads(text)
    except ValueError:
        value = text
    return value if isinstance(value, dict) else {"result": value}


def convert_messages(messages: Messages, media: MediaListType | None = None) -> tuple[str, list[dict]]:
    """``(system, contents)``: system prompts lifted out, roles ``user``/``model``, tool traffic as parts."""
    system: list[str] = []
    contents: list[dict] = []
    names: dict[Any, Any] = {}  # tool_call_id -> function name: functionResponse is matched by name
    for message in messages:
        role = message.get("role")
        content = message.get("content")
        if role in ("system", "developer"):
            if text := message_text(content):
                system.append(text)
            continue
        if role == "assistant":
            role, parts = "model", content_parts(content)
            for call in message.get("tool_calls") or []:
                function = call.get("function") or {}
                try:
                    args = json.loads(function.get("arguments") or "{}")
                except ValueError as error:
                    raise InvalidRequestError(
                        f"tool call {call.get('id')!r} has arguments that are not JSON."
                    ) from error
                names[call.get("id")] = function.get("name")
                parts.append({"functionCall": {"name": function.get("name"), "args": args or {}}})
        elif role in ("tool", "function"):
            name = message.get("name") or names.get(message.get("tool_call_id"))
            if not name:
                raise InvalidRequestError(
                    f"The tool result {message.get('tool_call_id')!r} answers no earlier tool call.", param="messages"
                )
            role, parts = "user", [{"functionResponse": {"name": name, "response": _function_response(content)}}]
        else:
            role, parts = "user", content_parts(content)
        add_turn(contents, role, parts, "parts")
    if media:
        last_user_items(contents, "parts").extend(inline_part(data) for data, _name in media)
    return "\n\n".join(system), contents


def convert_tool_config(tool_choice: Any) -> dict | None:
    if tool_choice is None:
        return None
    if isinstance(tool_choice, dict):
        name = (tool_choice.get("function") or tool_choice).get("name")
        return {"functionCallingConfig": {"mode": "ANY", "allowedFunctionNames": [name]}}
    mode = {"auto": "AUTO", "required": "ANY", "none": "NONE"}.get(tool_choice, "AUTO")
    return {"functionCallingConfig": {"mode": mode}}


def build_request(
    messages: Messages,
    *,
    media: MediaListType | None = None,
    max_tokens: int | None = None,
    max_completion_tokens: int | None = None,
    temperature: float | None = None,
    top_p: float | None = None,
    top_k: int | None = None,
    stop: str | list[str] | None = None,
    seed: int | None = None,
    presence_penalty: float | None = None,
    frequency_penalty: float | None = None,
    tools: list[dict] | None = None,
    tool_choice: Any = None,
    response_format: dict | None = None,
    reasoning_effort: str | None = None,
    **_: Any,
) -> dict:
    """The generateContent request body for an OpenAI-shaped request (images already local)."""
    system, contents = convert_messages(messages, media)
    if not contents:
        raise InvalidRequestError("Gemini needs at least one user or assistant message.", param="messages")
    body: dict[str, Any] = {"contents": contents}
    if system:
        body["systemInstruction"] = {"parts": [{"text": system}]}
    config: dict[str, Any] = {}
    for key, value in (
        ("maxOutputTokens", max_tokens or max_completion_tokens),
        ("temperature", temperature),
        ("topP", top_p),
        ("topK", top_k),
        ("seed", seed),
        ("presencePenalty", presence_penalty),
        ("frequencyPenalty", frequency_penalty),
    ):
        if value is not None:
            config[key] = value
    if stop:
        config["stopSequences"] = [stop] if isinstance(stop, str) else list(stop)
    response_format = response_format or {}
    format_type = response_format.get("type")
    if format_type in ("json_object", "json_schema"):
        config["responseMimeType"] = "application/json"
        schema = (response_format.get("json_schema") or {}).get("schema")
        if schema:
            config["responseSchema"] = to_schema(schema)
    if reasoning_effort in THINKING_BUDGETS:
        budget = THINKING_BUDGETS[reasoning_effort]
        config["thinkingConfig"] = {"thinkingBudget": budget, "includeThoughts": budget > 0}
    if config:
        body["generationConfig"] = config
    declarations = []
    for tool in tools or []:
        if tool.get("type", "function") != "function":
            raise NotSupportedError(f"Gemini: tools of type {tool.get('type')!r} are not supported.")
        function = tool.get("function") or tool
        declaration = {"name": function["name"], "description": function.get("description", "")}
        if function.get("parameters") and function["parameters"].get("properties"):
            declaration["parameters"] = to_schema(function["parameters"])
        declarations.append(declaration)
    if declarations:
        body["tools"] = [{"functionDeclarations": declarations}]
        if tool_config := convert_tool_config(tool_choice):
            body["toolConfig"] = tool_config
    return body


async def localize_images(messages: Messages, media: MediaListType | None) -> tuple[Messages, MediaListType | None]:
    """Image URLs fetched (safely, by ``g4f.image``): Gemini takes images inline only."""
    if any(is_url(url) for m in messages for url in message_images(m.get("content"))):
        messages = await resolve_image_urls(messages)
    if media and any(is_url(data) for data, _name in media):
        return messages, cast(MediaListType, await prepare_media(media))
    return messages, media


# --- Response ---------------------------------------------------------------------------------


class ResponseParser:
    """GenerateContentResponse objects (one whole answer, or one per SSE event) as parts."""

    done = False  # a stream is read to its end: the last event carries usage

    def __init__(self, name: str) -> None:
        self.name = name
        self.calls: list[dict] = []
        self.usage: Usage | None = None
        self.finish: str | None = None

    def event(self, event: str, data: str) -> list[Any]:
        try:
            chunk = loads(data)
        except ValueError as error:
            raise ResponseError(f"{self.name} sent an event that is not JSON: {data[:100]!r}") from error
        return self.feed(chunk)

    def whole(self, response: Any) -> list[Any]:
        return self.feed(response)

    def feed(self, response: Any) -> list[Any]:
        if not isinstance(response, dict):
            raise ResponseError(f"{self.name} sent a response that is not a JSON object.")
        if isinstance(response.get("error"), dict):  # an error sent inside the stream
            error = response["error"]
            status = (
                error.get("code") if isinstance(error.get("code"), int) else RPC_STATUS.get(error.get("status"), 500)
            )
            raise status_error(self.name, status, error.get("message") or error.get("status") or "stream error")
        parts: list[Any] = []
        candidates = response.get("candidates") or []
        candidate = candidates[0] if candidates else {}
        for part in (candidate.get("content") or {}).get("parts") or []:
            if "functionCall" in part:
                call = part["functionCall"]
                self.calls.append(
                    {
                        "id": call.get("id") or f"call_{uuid.uuid4().hex[:24]}",
                        "type": "function",
                        "function": {"name": call.get("name"), "arguments": json.dumps(call.get("args") or {})},
                    }
                )
            elif part.get("thought") and part.get("text"):
                parts.append(Reasoning(part["text"]))
            elif part.get("text"):
                parts.append(part["text"])
            elif "inlineData" in part:
                data = part["inlineData"]
                parts.append(ImageResponse(f"data:{data.get('mimeType', 'image/png')};base64,{data.get('data', '')}"))
        if candidate.get("finishReason"):
            self.finish = FINISH_REASONS.get(candidate["finishReason"], "stop")
        elif (response.get("promptFeedback") or {}).get("blockReason"):
            self.finish = "content_filter"
        usage = response.get("usageMetadata")
        if usage:  # cumulative in a stream: the last one counts
            completion = (usage.get("candidatesTokenCount") or 0) + (usage.get("thoughtsTokenCount") or 0)
            prompt = usage.get("promptTokenCount") or 0
            self.usage = Usage(prompt, completion, usage.get("totalTokenCount") or prompt + completion)
        return parts

    def end(self) -> list[Any]:
        if self.finish is None:
            raise ResponseError(f"{self.name}'s answer ended without a finishReason.")
        parts: list[Any] = [ToolCalls(self.calls)] if self.calls else []
        if self.usage:
            parts.append(self.usage)
        parts.append(FinishReason("tool_calls" if self.calls and self.finish == "stop" else self.finish))
        return parts


class GeminiTemplate(ProtocolTemplate):
    """A provider speaking Google's Gemini API with an API key; vendors set the class attributes."""

    api_base: ClassVar[str] = "https://generativelanguage.googleapis.com"
    api_version: ClassVar[str] = "v1beta"
    embeddings_models: ClassVar[list[str]] = []
    embeddings_dimensions_models: ClassVar[list[str]] = []

    @classmethod
    def get_model(cls, model: str | None, **kwargs: Any) -> str:
        """Google's ``models/`` prefix is accepted and dropped."""
        return super().get_model(model, **kwargs).removeprefix("models/")

    @classmethod
    async def prepare(cls, messages: Messages, media: MediaListType | None) -> tuple[Messages, MediaListType | None]:
        return await localize_images(messages, media)

    @classmethod
    def build_body(cls, model: str, messages: Messages, stream: bool, media: Any, kwargs: dict[str, Any]) -> dict:
        return build_request(messages, media=media, **kwargs)

    @classmethod
    def endpoint(cls, api_base: str, model: str, stream: bool) -> str:
        base = f"{api_base}/{cls.api_version}/models/{model}"
        return f"{base}:streamGenerateContent?alt=sse" if stream else f"{base}:generateContent"

    @classmethod
    def auth_headers(cls, key: str, stream: bool) -> dict[str, str]:
        return {"x-goog-api-key": key, "accept": "text/event-stream" if stream else "application/json"}

    @classmethod
    def parser(cls, body: dict, messages: Messages, kwargs: dict[str, Any]) -> ResponseParser:
        return ResponseParser(cls.get_name())

    @staticmethod
    def error_info(body: Any) -> tuple[str | None, int | None, float | None]:
        return error_info(body)

    @classmethod
    async def create_embeddings(
        cls,
        input: list[str] | list[list[int]],
        model: str | None = None,
        dimensions: int | None = None,
        api_key: str | None = None,
        api_base: str | None = None,
        timeout: float | None = None,
        proxy: str | None = None,
        http_client: Any = None,
        **kwargs: Any,
    ) -> dict[str, Any]:
        """``embedContent`` for one text, ``batchEmbedContents`` for several: ``{"embeddings", "model"}``."""
        if not all(isinstance(text, str) for text in input):
            raise NotSupportedError(f"{cls.get_name()} embeds text, not token arrays.")
        key = require_key(cls, api_key)
        model = cls.get_model(model or (cls.embeddings_models[0] if cls.embeddings_models else None))
        extra = {"outputDimensionality": dimensions} if dimensions is not None else {}
        if kwargs.get("task_type"):
            extra["taskType"] = kwargs["task_type"]
        requests = [{"model": f"models/{model}", "content": {"parts": [{"text": text}]}, **extra} for text in input]
        single = len(requests) == 1
        base = f"{resolve_api_base(cls, api_base)}/{cls.api_version}/models/{model}"
        async with transport.request(
            cls.get_name(),
            "POST",
            f"{base}:embedContent" if single else f"{base}:batchEmbedContents",
            headers=cls.auth_headers(key, False),
            json=requests[0] if single else {"requests": requests},
            timeout=timeout,
            proxy=proxy,
            secret=key,
            http_client=http_client,
            error_info=cls.error_info,
        ) as call:
            data = await call.json()
        try:
            items = [data["embedding"]] if single else data["embeddings"]
            vectors = [[float(x) for x in item["values"]] for item in items]
        except (KeyError, TypeError, ValueError) as error:
            raise ResponseError(f"{cls.get_name()} answered embeddings without values") from error
        if len(vectors) != len(input):
            raise ResponseError(f"{cls.get_name()} returned {len(vectors)} embeddings for {len(input)} inputs")
        return {"embeddings": vectors, "model": model, "usage": None}


__all__ = ["GeminiTemplate", "build_request", "convert_messages", "to_schema", "ResponseParser", "SCHEMA_KEYS"]
