"""Chat over the OpenAI protocol: ``OpenaiChat``, the configuration and chat endpoint every
OpenAI-compatible vendor shares (``OpenaiTemplate`` adds media and model listing).

A vendor file is data: ``api_base``, the key variable, models, and the few body differences it has
(``build_request``). Keyed vendors refuse before sending when no key is configured. Continuing a
broken answer (``continue_final_message``) uses the vendor's documented prefix feature, chosen by
``continuation_style``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Mapping
from typing import Any, ClassVar

from ..config import provider_env
from ..errors import NotSupportedError, ProviderNotWorkingError
from ..image import attach_media
from ..typing import AsyncResult, Messages
from . import transport
from .base_provider import AsyncGeneratorProvider, ProviderModelMixin
from .continuation import Overlap, final_assistant_text
from .openai_wire import CHAT_PARAMS, ChunkParser, completion_parts, openai_error_info
from .protocol import refuse_images, require_key, resolve_api_base

#: ``continuation_style`` values: how a vendor continues a final assistant message.
#: "prefix": the message carries ``"prefix": true`` (Mistral, DeepSeek; the answer may echo it);
#: "vllm": ``continue_final_message: true, add_generation_prompt: false`` in the body;
#: "final_message": the server continues a final assistant message as it is (llama.cpp's llama-server).
CONTINUATION_STYLES = ("prefix", "vllm", "final_message")


class OpenaiChat(AsyncGeneratorProvider, ProviderModelMixin):
    """An OpenAI-compatible API's configuration and chat endpoint."""

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
    #: Seconds for a stream's first bytes or a whole answer, unless the call says (``timeout``).
    timeout: ClassVar[float] = transport.DEFAULT_TIMEOUT
    headers: ClassVar[dict[str, str]] = {}
    #: How this vendor continues a final assistant message (``CONTINUATION_STYLES``); None: it cannot.
    continuation_style: ClassVar[str | None] = None
    supports_continuation: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # The capability follows the style, so the two cannot disagree.
        cls.supports_continuation = cls.continuation_style is not None

    # --- configuration -------------------------------------------------------------------------

    @classmethod
    def get_api_base(cls, api_base: str | None = None) -> str:
        """The per-request ``api_base``, else ``<NAME>_API_BASE``, else the class's."""
        if cls.api_base_env and not api_base:
            api_base = provider_env(cls.api_base_env)
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
    def auth_key(cls, api_key: str | None = None) -> str | None:
        """The key to send: a keyed vendor without one refuses here, before anything is sent."""
        return require_key(cls, api_key) if cls.needs_auth else cls.get_api_key(api_key)

    # --- requests --------------------------------------------------------------------------------

    @classmethod
    def request(
        cls,
        method: str,
        path: str,
        *,
        api_key: str | None = None,
        api_base: str | None = None,
        timeout: float | None = None,
        stream_timeout: float | None = None,
        stream: bool = False,
        proxy: str | None = None,
        headers: dict[str, str] | None = None,
        http_client: Any = None,
        json: Any = None,
        data: Any = None,
        params: Mapping[str, str] | None = None,
    ) -> transport.Call:
        """One request through the transport: ``async with cls.request(...) as call``.

        The body is ``json`` or ``data``. Deadlines and error mapping are the transport's; the key
        is scrubbed from every error.
        """
        return transport.request(
            cls.get_name(),
            method,
            cls.get_api_base(api_base) + path,
            headers=cls.get_headers(api_key, headers),
            json=json,
            data=data,
            params=params,
            stream=stream,
            timeout=timeout or cls.timeout,
            stream_timeout=stream_timeout,
            proxy=proxy,
            secret=api_key,
            http_client=http_client,
            error_info=openai_error_info,
        )

    @classmethod
    def build_request(cls, model: str, messages: Messages, stream: bool = False, **kwargs: Any) -> dict[str, Any]:
        """The JSON body of ``POST /chat/completions``."""
        body: dict[str, Any] = {"messages": messages, "stream": stream}
        if model:
            body["model"] = model
        if kwargs:  # often none: then nothing to pick
            body.update({k: v for k, v in kwargs.items() if v is not None and k in CHAT_PARAMS})
        if stream and (kwargs.get("stream_options") or cls.supports_stream_options):
            body["stream_options"] = {
                **({"include_usage": True} if cls.supports_stream_options else {}),
                **(kwargs.get("stream_options") or {}),
            }
        extra = kwargs.get("extra_body")
        if extra:
            body.update(extra)
        return body

    @classmethod
    def continuation_api_base(cls, api_base: str) -> str:
        """Where continuations go (DeepSeek's prefix completion is on its beta base URL)."""
        return api_base

    @classmethod
    def continue_request(cls, body: dict[str, Any], messages: Messages) -> Overlap | None:
        """Mark ``body`` as continuing its final assistant message; what to trim from the answer."""
        style = cls.continuation_style
        if style is None:
            raise NotSupportedError(f"{cls.get_name()} cannot continue an answer.", param="continue_final_message")
        text = final_assistant_text(messages)
        if style == "prefix":
            body["messages"] = [*messages[:-1], {**messages[-1], "prefix": True}]
            return Overlap(text)  # an answer that repeats the prefix first loses the repeat
        if style == "vllm":
            body["continue_final_message"] = True
            body["add_generation_prompt"] = False
        return None

    # --- chat ------------------------------------------------------------------------------------

    @classmethod
    def media_part(
        cls, model: str, messages: Messages, media: list | None, kwargs: dict[str, Any], **options: Any
    ) -> Awaitable[Any] | None:
        """The answer of a media model (image, speech, transcription) asked through chat, to await, else
        ``None`` (not a coroutine: most models are not media ones, and then nothing is awaited).
        ``options``: ``api_key``, ``api_base``, ``timeout``, ``proxy``, ``http_client``."""
        return None

    @classmethod
    async def create_async_generator(
        cls,
        model: str,
        messages: Messages,
        stream: bool = False,
        api_key: str | None = None,
        api_base: str | None = None,
        timeout: float | None = None,
        stream_timeout: float | None = None,
        first_byte_timeout: float | None = None,
        proxy: str | None = None,
        media: list | None = None,
        headers: dict[str, str] | None = None,
        http_client: Any = None,
        continue_final_message: bool = False,
        **kwargs: Any,
    ) -> AsyncResult:
        model = cls.get_model(model, api_key=api_key, api_base=api_base)
        api_key = cls.auth_key(api_key)
        media_answer = cls.media_part(
            model,
            messages,
            media,
            kwargs,
            api_key=api_key,
            api_base=api_base,
            timeout=timeout,
            proxy=proxy,
            http_client=http_client,
        )
        if media_answer is not None:
            yield await media_answer
            return
        if media:
            messages = attach_media(messages, media)  # data URIs (or input_audio) in the last user message
        refuse_images(cls, model, messages)
        body = cls.build_request(model, messages, stream=stream, **kwargs)
        overlap = None
        if continue_final_message:
            overlap = cls.continue_request(body, messages)
            api_base = cls.continuation_api_base(cls.get_api_base(api_base))
        if stream and first_byte_timeout:  # the older name of a stream's ``timeout``
            timeout = first_byte_timeout
        async with cls.request(
            "POST",
            cls.chat_path,
            api_key=api_key,
            api_base=api_base,
            timeout=timeout,
            proxy=proxy,
            http_client=http_client,
            json=body,
            headers=headers,
            stream=stream,
            stream_timeout=stream_timeout,
        ) as call:
            if stream and call.content_type == "text/event-stream":
                parser = ChunkParser(cls.get_name())
                feed = parser.feed
                async for batch in call.event_batches():
                    for _event, data in batch:
                        parts = feed(data)
                        if parts:
                            for part in overlap.parts(parts) if overlap is not None else parts:
                                yield part
                        elif parser.done:  # "[DONE]" gives no parts; what follows it is not read
                            break
                    if parser.done:
                        break
                parts = parser.end()
            else:
                parts = completion_parts(cls.get_name(), await call.json())
            for part in overlap.parts(parts) if overlap is not None else parts:
                yield part

    @classmethod
    async def read_json(cls, call: transport.Call) -> Any:
        """An answer's JSON body (kept for subclasses written against the former API)."""
        return await call.json()


__all__ = ["OpenaiChat", "CONTINUATION_STYLES"]
