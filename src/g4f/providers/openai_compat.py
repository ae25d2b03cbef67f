"""The OpenAI wire protocol, once: ``OpenaiTemplate``, the base of every OpenAI-compatible vendor.

It builds the request from the chat parameters, reads the answer (Server-Sent Events or one JSON
body) into parts, and maps upstream failures to g4f errors, so a vendor file is only data: its
``api_base``, key variable and model catalogue. Images, speech and transcription use the same
request path. Model lists come from the class (for routing) or from ``GET /models`` through
``get_models_async`` (cached, never on a chat call's path).
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import time
import uuid
from collections.abc import AsyncIterator
from functools import lru_cache
from typing import Any, ClassVar

import orjson

from .. import debug
from ..clock import deadline
from ..errors import (
    G4FError,
    NoMediaResponseError,
    ProviderNotWorkingError,
    ProviderTimeoutError,
    ResponseError,
)
from ..image import attach_media
from ..typing import AsyncResult, Messages
from .base_provider import AsyncGeneratorProvider, ProviderModelMixin
from .http import get_session
from .response import AudioResponse, FinishReason, ImageResponse, Reasoning, ToolCalls, Usage
from .upstream import (
    SSEDecoder,
    message_text,
    raise_for_status,
    refuse_images,
    resolve_api_base,
    status_error,
    transport_error,
)

DEFAULT_TIMEOUT = 120.0  # seconds for the whole answer
FIRST_BYTE_TIMEOUT = 60.0  # seconds until a stream's first bytes
MODELS_TTL = 3600.0

#: Chat parameters passed through by their OpenAI names when given.
CHAT_PARAMS = frozenset(
    (
        "max_tokens",
        "max_completion_tokens",
        "temperature",
        "top_p",
        "stop",
        "seed",
        "n",
        "frequency_penalty",
        "presence_penalty",
        "logit_bias",
        "logprobs",
        "top_logprobs",
        "tools",
        "tool_choice",
        "parallel_tool_calls",
        "response_format",
        "reasoning_effort",
        "modalities",
        "audio",
        "user",
        "metadata",
        "prediction",
        "service_tier",
        "store",
    )
)

# (time fetched, model ids) per (provider name, api base)
_models_cache: dict[tuple[str, str], tuple[float, list[str]]] = {}


def loads(data: str | bytes) -> Any:
    """orjson on the hot path; the standard library for what orjson refuses (NaN, huge integers)."""
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return json.loads(data)


def error_message(body: Any) -> str | None:
    """The human message of an error body in the shapes OpenAI-compatible servers use."""
    if isinstance(body, dict):
        error = body.get("error", body)
        if isinstance(error, dict):
            message = error.get("message") or error.get("detail") or error.get("msg")
            return str(message) if message else json.dumps(error)[:500]
        if error:
            return str(error)
        if body.get("detail"):
            return str(body["detail"])
    return str(body)[:500] if body else None


def openai_error_info(body: Any) -> tuple[str | None, None, None]:
    """``raise_for_status``'s reader for OpenAI-shaped error bodies: the message; status and
    Retry-After come from the HTTP answer."""
    return error_message(body), None, None


def last_user_text(messages: Messages) -> str:
    for message in reversed(messages):
        if message.get("role") == "user":
            return message_text(message.get("content"))
    return ""


def model_ids(data: Any) -> list[str]:
    """Model ids from ``GET /models``: OpenAI's ``{"data": [{"id"}]}`` or a bare list of ids/objects."""
    items = data.get("data", data.get("models", [])) if isinstance(data, dict) else data
    ids = []
    for item in items if isinstance(items, list) else ():
        name = (
            item if isinstance(item, str) else (item.get("id") or item.get("name")) if isinstance(item, dict) else None
        )
        if name:
            ids.append(str(name))
    return ids


class ToolCallBuilder:
    """Assembles streamed ``tool_calls`` deltas (by ``index``) into complete calls."""

    def __init__(self) -> None:
        self.calls: dict[int, dict[str, Any]] = {}

    def add(self, deltas: list[dict]) -> None:
        for position, delta in enumerate(deltas):
            index = delta.get("index", position)
            call = self.calls.setdefault(
                index, {"id": None, "type": "function", "function": {"name": "", "arguments": ""}}
            )
            call["id"] = delta.get("id") or call["id"]
            function = delta.get("function") or {}
            if function.get("name") and not call["function"]["name"]:
                call["function"]["name"] = function["name"]
            arguments = function.get("arguments")
            if isinstance(arguments, (dict, list)):  # a few servers send the whole object at once
                call["function"]["arguments"] = json.dumps(arguments)
            elif arguments:
                call["function"]["arguments"] += arguments

    def result(self) -> list[dict[str, Any]]:
        return [complete_call(self.calls[i]) for i in sorted(self.calls)]


class ThinkTags:
    """Splits ``<think>...</think>`` at the start of the content into ``Reasoning`` (DeepSeek-R1 on several vendors)."""

    OPEN, CLOSE = "<think>", "</think>"

    def __init__(self) -> None:
        self.state = "start"  # start | thinking | after | text
        self.buffer = ""

    def feed(self, text: str) -> list[Any]:
        if self.state == "after":  # the blank lines between </think> and the answer
            text = text.lstrip()
            if not text:
                return []
            self.state = "text"
        if self.state == "text":
            return [text]
        self.buffer += text
        if self.state == "start":
            head = self.buffer.lstrip()
            if self.OPEN.startswith(head):  # not yet known whether it opens with <think>
                return []
            if not head.startswith(self.OPEN):
                self.state, text, self.buffer = "text", self.buffer, ""
                return [text]
            self.state, self.buffer = "thinking", head[len(self.OPEN) :]
        end = self.buffer.find(self.CLOSE)
        if end >= 0:
            reasoning, rest = self.buffer[:end], self.buffer[end + len(self.CLOSE) :].lstrip()
            self.state, self.buffer = "text" if rest else "after", ""
            return [p for p in (Reasoning(reasoning) if reasoning else None, rest) if p]
        keep = next((n for n in range(len(self.CLOSE) - 1, 0, -1) if self.buffer.endswith(self.CLOSE[:n])), 0)
        reasoning, self.buffer = self.buffer[: len(self.buffer) - keep], self.buffer[len(self.buffer) - keep :]
        return [Reasoning(reasoning)] if reasoning else []

    def flush(self) -> list[Any]:
        rest, self.buffer = self.buffer, ""
        if not rest:
            return []
        return [Reasoning(rest)] if self.state == "thinking" else [rest]

    @classmethod
    def split(cls, content: str) -> list[Any]:
        """A whole message's content as parts."""
        if not content.lstrip().startswith(cls.OPEN):
            return [content]
        think = cls()
        return think.feed(content) + think.flush()


def complete_call(call: dict[str, Any]) -> dict[str, Any]:
    function = dict(call.get("function") or {})
    if not isinstance(function.get("arguments"), str):
        function["arguments"] = json.dumps(function.get("arguments") or {})
    return {"id": call.get("id") or f"call_{uuid.uuid4().hex[:24]}", "type": "function", "function": function}


def usage_part(usage: Any) -> Usage | None:
    if not isinstance(usage, dict):
        return None
    return Usage(
        int(usage.get("prompt_tokens") or 0),
        int(usage.get("completion_tokens") or 0),
        int(usage.get("total_tokens") or 0),
    )


def message_parts(message: dict) -> list[Any]:
    """The parts of a whole (non-streamed) assistant message."""
    parts: list[Any] = []
    reasoning = message.get("reasoning_content") or message.get("reasoning")
    if isinstance(reasoning, str) and reasoning:
        parts.append(Reasoning(reasoning))
    content = message.get("content")
    if isinstance(content, list):  # a few servers answer with content parts
        content = message_text(content)
    if content:
        parts += ThinkTags.split(content)
    audio = message.get("audio")
    if isinstance(audio, dict) and audio.get("data"):
        parts.append(AudioResponse(base64.b64decode(audio["data"]), transcript=audio.get("transcript")))
    if message.get("tool_calls"):
        parts.append(ToolCalls([complete_call(c) for c in message["tool_calls"]]))
    return parts


@lru_cache(maxsize=32)
def _client_timeout(total: float) -> Any:
    """aiohttp's own clock only for opening a connection; the total is a coarse ``deadline`` (no loop timer per request)."""
    import aiohttp

    return aiohttp.ClientTimeout(total=None, sock_connect=min(total, 30.0))


class UpstreamCall:
    """``OpenaiTemplate.request``: a class rather than ``@asynccontextmanager``, since it runs on
    every request of the hot path (one generator and one nested context manager fewer).

    The whole call, from sending to releasing the response, runs within ``total`` seconds; the
    first bytes within ``first``.
    """

    __slots__ = ("name", "method", "url", "options", "secret", "total", "first", "response")

    def __init__(
        self,
        name: str,
        method: str,
        url: str,
        options: dict[str, Any],
        secret: str | None,
        total: float,
        first: float | None,
    ) -> None:
        self.name, self.method, self.url, self.options, self.secret = name, method, url, options, secret
        self.total, self.first = deadline(total), first
        self.response: Any = None

    async def __aenter__(self) -> Any:
        await self.total.__aenter__()
        try:
            send = get_session().request(self.method, self.url, **self.options)
            if self.first is None:
                self.response = await send
            else:
                try:
                    async with deadline(self.first):
                        self.response = await send
                except asyncio.TimeoutError as error:
                    raise ProviderTimeoutError(f"{self.name} sent nothing within {self.first:g} s") from error
            await raise_for_status(self.name, self.response, self.secret, openai_error_info)
        except BaseException as error:
            await self.__aexit__(type(error), error, error.__traceback__)
            raise
        return self.response

    async def __aexit__(self, exc_type: Any, error: BaseException | None, tb: Any) -> None:
        if self.response is not None:
            self.response.release()
            self.response = None
        try:
            await self.total.__aexit__(exc_type, error, tb)
        except asyncio.TimeoutError as timeout:
            error = timeout
        if error is not None:
            mapped = transport_error(error, self.name, self.secret)
            if mapped is not None:
                raise mapped from error


class OpenaiTemplate(AsyncGeneratorProvider, ProviderModelMixin):
    """An OpenAI-compatible API: a vendor subclass sets ``api_base``, its key variable and its models."""

    api_base: ClassVar[str] = ""
    #: Environment variable overriding ``api_base``; default ``<NAME>_API_BASE``.
    api_base_env: ClassVar[str | None] = None
    chat_path: ClassVar[str] = "/chat/completions"
    models_path: ClassVar[str] = "/models"
    working = True
    needs_auth = True
    pass_through_models = True  # the upstream's catalogue may be newer than ours
    #: Ask for usage in the last chunk of a stream (some strict servers reject ``stream_options``).
    supports_stream_options: ClassVar[bool] = True
    timeout: ClassVar[float] = DEFAULT_TIMEOUT
    first_byte_timeout: ClassVar[float] = FIRST_BYTE_TIMEOUT
    models_ttl: ClassVar[float] = MODELS_TTL
    #: Subsets of ``audio_models``: which make speech and which transcribe.
    speech_models: ClassVar[list[str]] = []
    transcription_models: ClassVar[list[str]] = []
    #: Image models with a variations endpoint (``POST /images/variations``).
    variation_models: ClassVar[list[str]] = []
    default_voice: ClassVar[str] = "alloy"
    headers: ClassVar[dict[str, str]] = {}

    # --- configuration -------------------------------------------------------------------------

    @classmethod
    def get_api_base(cls, api_base: str | None = None) -> str:
        """The per-request ``api_base``, else ``<NAME>_API_BASE``, else the class's."""
        if cls.api_base_env and not api_base:
            api_base = os.environ.get(cls.api_base_env)
        base = resolve_api_base(cls, api_base)
        if not base:
            env = cls.api_base_env or f"{cls.get_name().upper()}_API_BASE"
            raise ProviderNotWorkingError(f"{cls.get_name()} has no API base: pass api_base or set {env}.")
        return base

    @classmethod
    def get_headers(cls, api_key: str | None, extra: dict[str, str] | None = None) -> dict[str, str]:
        headers = {"Accept": "application/json", **cls.headers, **(extra or {})}
        if api_key:
            headers["Authorization"] = f"Bearer {api_key}"
        return headers

    @classmethod
    def get_models(cls, api_base: str | None = None, **kwargs: Any) -> list[str]:
        """The static catalogue plus whatever ``get_models_async`` fetched last; no network."""
        models = super().get_models()
        try:
            cached = _models_cache.get((cls.get_name(), cls.get_api_base(api_base)))
        except G4FError:
            cached = None
        return models + [m for m in cached[1] if m not in models] if cached else models

    # --- requests --------------------------------------------------------------------------------

    @classmethod
    def build_request(cls, model: str, messages: Messages, stream: bool = False, **kwargs: Any) -> dict[str, Any]:
        """The JSON body of ``POST /chat/completions``."""
        body: dict[str, Any] = {"messages": messages, "stream": stream}
        if model:
            body["model"] = model
        body.update({k: v for k, v in kwargs.items() if v is not None and k in CHAT_PARAMS})
        if stream and (kwargs.get("stream_options") or cls.supports_stream_options):
            body["stream_options"] = {
                **({"include_usage": True} if cls.supports_stream_options else {}),
                **(kwargs.get("stream_options") or {}),
            }
        body.update(kwargs.get("extra_body") or {})
        return body

    @classmethod
    def request(
        cls,
        method: str,
        path: str,
        *,
        api_key: str | None = None,
        api_base: str | None = None,
        timeout: float | None = None,
        first_byte_timeout: float | None = None,
        proxy: str | None = None,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> UpstreamCall:
        """One request through the pooled session: ``async with cls.request(...) as response``.

        The response comes once its status is OK. Errors map to g4f errors: HTTP status via
        ``status_error``, connection failures and timeouts (before or while the body is read) to
        retryable ones. The key is scrubbed from every message.
        """
        total = float(timeout or cls.timeout)
        first = min(float(first_byte_timeout or total), total)
        options = dict(headers=cls.get_headers(api_key, headers), proxy=proxy, timeout=_client_timeout(total), **kwargs)
        return UpstreamCall(
            cls.get_name(),
            method,
            cls.get_api_base(api_base) + path,
            options,
            api_key,
            total,
            first if first < total else None,
        )

    @classmethod
    async def read_json(cls, response: Any) -> Any:
        raw = await response.read()
        try:
            return loads(raw)
        except ValueError as error:
            text = raw.decode("utf-8", "replace")
            raise ResponseError(f"{cls.get_name()} answered with invalid JSON: {text[:200]!r}") from error

    # --- chat ------------------------------------------------------------------------------------

    @classmethod
    async def create_async_generator(
        cls,
        model: str,
        messages: Messages,
        stream: bool = False,
        api_key: str | None = None,
        api_base: str | None = None,
        timeout: float | None = None,
        first_byte_timeout: float | None = None,
        proxy: str | None = None,
        media: list | None = None,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> AsyncResult:
        model = cls.get_model(model, api_key=api_key, api_base=api_base)
        api_key = cls.get_api_key(api_key)
        options = dict(api_key=api_key, api_base=api_base, timeout=timeout, proxy=proxy)
        if model in cls.image_models and model not in cls.models:
            prompt = kwargs.pop("prompt", None) or last_user_text(messages)
            yield await cls.create_image(prompt, model, **options, **kwargs)
            return
        if model in cls.speech_models:
            yield await cls.create_speech(last_user_text(messages), model, voice=kwargs.get("voice"), **options)
            return
        if model in cls.transcription_models and media:
            yield await cls.create_transcription(media[0], model, **options)
            return
        messages = attach_media(messages, media)  # data URIs (or input_audio) in the last user message
        refuse_images(cls, model, messages)
        body = cls.build_request(model, messages, stream=stream, **kwargs)
        first = first_byte_timeout or (min(cls.first_byte_timeout, timeout or cls.timeout) if stream else None)
        headers = {"Content-Type": "application/json", **(headers or {})}
        async with cls.request(
            "POST", cls.chat_path, data=orjson.dumps(body), headers=headers, first_byte_timeout=first, **options
        ) as response:
            if stream and response.content_type == "text/event-stream":
                async for part in cls.read_stream(response, first or cls.first_byte_timeout):
                    yield part
            else:
                for part in cls.completion_parts(await cls.read_json(response)):
                    yield part

    @classmethod
    def completion_parts(cls, data: Any) -> list[Any]:
        """The parts of a whole ``chat.completion`` body."""
        if not isinstance(data, dict) or "choices" not in data:
            if isinstance(data, dict) and data.get("error"):
                raise status_error(cls.get_name(), _error_status(data["error"]), error_message(data) or "")
            raise ResponseError(f"{cls.get_name()} answered without choices: {str(data)[:200]}")
        choice = data["choices"][0] if data["choices"] else {}
        parts = message_parts(choice.get("message") or {})
        usage = usage_part(data.get("usage"))
        if usage:
            parts.append(usage)
        if choice.get("finish_reason"):
            parts.append(FinishReason(choice["finish_reason"]))
        return parts

    @classmethod
    async def read_stream(cls, response: Any, first_byte_timeout: float) -> AsyncIterator[Any]:
        """The parts of a ``chat.completion.chunk`` stream; tool calls, usage and finish reason come last."""
        tools = ToolCallBuilder()
        think = ThinkTags()
        usage: Usage | None = None
        finish: str | None = None
        done = False
        async for data in cls.sse_data(response, first_byte_timeout):
            if data.strip() == "[DONE]":
                done = True
                break
            try:
                chunk = loads(data)
            except ValueError as error:
                raise ResponseError(f"{cls.get_name()} sent a malformed event: {data[:200]!r}") from error
            if not isinstance(chunk, dict):
                raise ResponseError(f"{cls.get_name()} sent a malformed event: {data[:200]!r}")
            if chunk.get("error"):
                raise status_error(cls.get_name(), _error_status(chunk["error"]), error_message(chunk) or "")
            usage = usage_part(chunk.get("usage")) or usage
            for choice in chunk.get("choices") or ():
                if choice.get("index", 0) != 0:  # parts describe one choice
                    continue
                delta = choice.get("delta") or {}
                reasoning = delta.get("reasoning_content") or delta.get("reasoning")
                if isinstance(reasoning, str) and reasoning:
                    yield Reasoning(reasoning)
                if delta.get("content"):
                    for part in think.feed(delta["content"]):
                        yield part
                if delta.get("tool_calls"):
                    tools.add(delta["tool_calls"])
                finish = choice.get("finish_reason") or finish
        if not done and finish is None:
            raise ResponseError(f"{cls.get_name()}'s stream ended before it was complete")
        for part in think.flush():
            yield part
        if tools.calls:
            yield ToolCalls(tools.result())
        if usage:
            yield usage
        if finish:
            yield FinishReason(finish)

    @classmethod
    async def sse_data(cls, response: Any, first_byte_timeout: float) -> AsyncIterator[str]:
        """The ``data`` of each event; the first bytes must come within ``first_byte_timeout``."""
        decoder = SSEDecoder()
        try:
            async with deadline(first_byte_timeout):
                chunk = await response.content.readany()
        except asyncio.TimeoutError as error:
            raise ProviderTimeoutError(f"{cls.get_name()} sent nothing within {first_byte_timeout:g} s") from error
        while chunk:
            for _event, data in decoder.feed(chunk):
                yield data
            chunk = await response.content.readany()
        for _event, data in decoder.feed(b"\n\n"):
            yield data

    # --- models ----------------------------------------------------------------------------------

    @classmethod
    async def get_models_async(
        cls, api_key: str | None = None, api_base: str | None = None, refresh: bool = False, timeout: float = 15.0
    ) -> list[str]:
        """The upstream's models from ``GET /models``, cached for ``models_ttl``; the static list on failure."""
        key = (cls.get_name(), cls.get_api_base(api_base))
        cached = _models_cache.get(key)
        if cached and not refresh and time.monotonic() - cached[0] < cls.models_ttl:
            return cached[1]
        try:
            async with cls.request(
                "GET", cls.models_path, api_key=cls.get_api_key(api_key), api_base=api_base, timeout=timeout
            ) as response:
                models = model_ids(await cls.read_json(response))
        except G4FError as error:
            debug.log(f"{cls.get_name()}: listing models failed: {type(error).__name__}: {error}")
            return cached[1] if cached else super().get_models()
        _models_cache[key] = (time.monotonic(), models)
        return models

    # --- media -----------------------------------------------------------------------------------

    @classmethod
    async def create_image(
        cls,
        prompt: str,
        model: str | None = None,
        n: int | None = None,
        size: str | None = None,
        response_format: str | None = None,
        api_key: str | None = None,
        api_base: str | None = None,
        timeout: float | None = None,
        proxy: str | None = None,
        **kwargs: Any,
    ) -> ImageResponse:
        """``POST /images/generations``: the images as URLs or ``data:`` URIs."""
        model = cls.get_model(model or (cls.image_models[0] if cls.image_models else None))
        body: dict[str, Any] = {
            "prompt": prompt,
            "model": model,
            "n": n,
            "size": size,
            "response_format": response_format if response_format in ("url", "b64_json") else None,
        }
        body.update(
            {
                k: kwargs[k]
                for k in ("quality", "style", "background", "output_format", "user", "seed")
                if kwargs.get(k) is not None
            }
        )
        body = {k: v for k, v in body.items() if v is not None}
        async with cls.request(
            "POST",
            "/images/generations",
            json=body,
            api_key=cls.get_api_key(api_key),
            api_base=api_base,
            timeout=timeout,
            proxy=proxy,
        ) as response:
            data = await cls.read_json(response)
        return cls.image_response(data, model, prompt)

    @classmethod
    async def create_image_variation(
        cls,
        image: Any,
        model: str | None = None,
        n: int | None = None,
        size: str | None = None,
        response_format: str | None = None,
        api_key: str | None = None,
        api_base: str | None = None,
        timeout: float | None = None,
        proxy: str | None = None,
        **kwargs: Any,
    ) -> ImageResponse:
        """``POST /images/variations`` (multipart ``image``): variations of one image (OpenAI: dall-e-2)."""
        import aiohttp

        from ..image import to_bytes

        data, name = image if isinstance(image, tuple) else (image, None)
        content, mime = to_bytes(data)
        model = cls.get_model(model or (cls.variation_models[0] if cls.variation_models else None))
        form = aiohttp.FormData()
        form.add_field("image", content, filename=name or f"image.{mime.split('/')[-1]}", content_type=mime)
        fields = {
            "model": model,
            "n": n,
            "size": size,
            "response_format": response_format if response_format in ("url", "b64_json") else None,
            "user": kwargs.get("user"),
        }
        for key, value in fields.items():
            if value is not None:
                form.add_field(key, str(value))
        async with cls.request(
            "POST",
            "/images/variations",
            data=form,
            api_key=cls.get_api_key(api_key),
            api_base=api_base,
            timeout=timeout,
            proxy=proxy,
        ) as response:
            answer = await cls.read_json(response)
        return cls.image_response(answer, model, "")

    @classmethod
    def image_response(cls, data: Any, model: str, prompt: str) -> ImageResponse:
        """An images answer (``data[url|b64_json, revised_prompt]``) as one ``ImageResponse``."""
        urls, revised = [], None
        for item in data.get("data") or () if isinstance(data, dict) else ():
            if item.get("url"):
                urls.append(item["url"])
            elif item.get("b64_json"):
                urls.append(f"data:image/{data.get('output_format') or 'png'};base64,{item['b64_json']}")
            revised = revised or item.get("revised_prompt")
        if not urls:
            raise NoMediaResponseError(f"{cls.get_name()} returned no image for {prompt[:80]!r}")
        return ImageResponse(urls, prompt, {"model": model, **({"revised_prompt": revised} if revised else {})})

    @classmethod
    async def create_speech(
        cls,
        input: str,
        model: str | None = None,
        voice: str | None = None,
        response_format: str | None = None,
        speed: float | None = None,
        instructions: str | None = None,
        api_key: str | None = None,
        api_base: str | None = None,
        timeout: float | None = None,
        proxy: str | None = None,
        **kwargs: Any,
    ) -> AudioResponse:
        """``POST /audio/speech``: the audio bytes."""
        body = {
            "model": cls.get_model(model or (cls.speech_models[0] if cls.speech_models else None)),
            "input": input,
            "voice": voice or cls.default_voice,
            "response_format": response_format,
            "speed": speed,
            "instructions": instructions,
        }
        body = {k: v for k, v in body.items() if v is not None}
        async with cls.request(
            "POST",
            "/audio/speech",
            json=body,
            api_key=cls.get_api_key(api_key),
            api_base=api_base,
            timeout=timeout,
            proxy=proxy,
        ) as response:
            data = await response.read()
            content_type = response.content_type or "audio/mpeg"
        if not data or not content_type.startswith("audio/"):
            raise NoMediaResponseError(f"{cls.get_name()} returned no audio ({content_type})")
        return AudioResponse(data, content_type, transcript=input)

    @classmethod
    async def create_transcription(
        cls,
        file: Any,
        model: str | None = None,
        language: str | None = None,
        prompt: str | None = None,
        response_format: str | None = None,
        temperature: float | None = None,
        api_key: str | None = None,
        api_base: str | None = None,
        timeout: float | None = None,
        proxy: str | None = None,
        content_type: str | None = None,
        **kwargs: Any,
    ) -> str:
        """``POST /audio/transcriptions`` (multipart): the text (or the raw body for srt/vtt/verbose_json).

        ``file`` is ``(data, filename)`` or the data alone; bytes with a ``content_type`` (as
        ``g4f.audio`` sends them, already checked) go as they are, anything else through ``g4f.image``.
        """
        import aiohttp

        from ..image import IMAGE_OR_AUDIO, to_bytes

        data, name = file if isinstance(file, tuple) else (file, None)
        if isinstance(data, (bytes, bytearray)) and content_type:
            content, mime = bytes(data), content_type
        else:
            content, mime = to_bytes(data, IMAGE_OR_AUDIO)
        form = aiohttp.FormData()
        form.add_field("file", content, filename=name or f"audio.{mime.split('/')[-1]}", content_type=mime)
        fields = {
            "model": cls.get_model(model or (cls.transcription_models[0] if cls.transcription_models else None)),
            "language": language,
            "prompt": prompt,
            "response_format": response_format,
            "temperature": temperature,
        }
        for key, value in fields.items():
            if value is not None:
                form.add_field(key, str(value))
        async with cls.request(
            "POST",
            "/audio/transcriptions",
            data=form,
            api_key=cls.get_api_key(api_key),
            api_base=api_base,
            timeout=timeout,
            proxy=proxy,
        ) as response:
            text = await response.text()
        if response_format in (None, "json"):
            try:
                return json.loads(text)["text"]
            except (ValueError, KeyError, TypeError) as error:
                raise ResponseError(f"{cls.get_name()} answered a transcription without text") from error
        return text


def _error_status(error: Any) -> int:
    """The HTTP status an in-body error stands for (OpenRouter puts it in ``code``)."""
    code = error.get("code") if isinstance(error, dict) else None
    if isinstance(code, int) and 400 <= code < 600:
        return code
    if isinstance(code, str) and "model_not_found" in code:
        return 404
    if isinstance(code, str) and "rate_limit" in code:
        return 429
    return 502


__all__ = ["OpenaiTemplate", "ToolCallBuilder", "ThinkTags", "model_ids", "error_message"]
