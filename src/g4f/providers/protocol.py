"""What every protocol adapter does before and around its upstream call, and the one opening that the
Anthropic and Gemini adapters share (``ProtocolTemplate``).

``ProtocolTemplate.create_async_generator`` checks the key, resolves the model, refuses images a
text-only model cannot read, then posts the body through the transport and hands the answer (SSE
events, or one JSON body) to the protocol's parser. A protocol fills in the hooks: ``build_body``,
``endpoint``, ``auth_headers``, ``parser`` and optionally ``prepare`` and ``error_info``.
"""

from __future__ import annotations

from typing import Any, ClassVar, Protocol

from ..config import provider_env
from ..errors import MissingAuthError, NotSupportedError
from ..image import has_images
from ..typing import AsyncResult, MediaListType, Messages
from . import transport
from .base_provider import AsyncGeneratorProvider, ProviderModelMixin
from .own_address import refuse_own_address


def resolve_api_base(provider: Any, api_base: str | None = None) -> str:
    """The per-request ``api_base``, else ``<NAME>_API_BASE`` from the environment, else the class's;
    refused when it is this server's own address (g4f would call itself)."""
    env = f"{provider.get_name().upper()}_API_BASE"
    base = (api_base or provider_env(env) or provider.api_base).rstrip("/")
    refuse_own_address(provider.get_name(), base, env)
    return base


def key_variable(provider: Any) -> str:
    """The environment variable a provider reads its key from."""
    return provider.api_key_env or f"{provider.get_name().upper()}_API_KEY"


def require_key(provider: Any, api_key: str | None) -> str:
    """The provider's key (argument, environment, cookies directory), or ``MissingAuthError`` naming its
    variable, before anything is sent."""
    key = provider.get_api_key(api_key)
    if not key:
        raise MissingAuthError(f"{provider.get_name()} needs an API key: pass api_key or set {key_variable(provider)}.")
    return key


def refuse_images(provider: Any, model: str, messages: list[dict], media: Any = None) -> None:
    """A model known to be text-only (listed, while the vendor lists its vision models) refuses images
    before anything is sent. The messages are searched only for such a model."""
    vision = provider.vision_models
    if vision and model in provider.models and model not in vision and has_images(messages, media):
        raise NotSupportedError(
            f"{provider.get_name()} model {model!r} does not accept images; use one of {', '.join(vision)}."
        )


class Parser(Protocol):
    """Reads one answer into parts: each SSE event of a stream, or one whole JSON body, then ``end``."""

    #: True once the answer is complete (the rest of a stream is not read).
    done: bool

    def event(self, event: str, data: str) -> list[Any]: ...

    def whole(self, body: Any) -> list[Any]: ...

    def end(self) -> list[Any]:
        """The closing parts (tool calls, usage, finish); raises when the answer was cut short."""
        ...


class ProtocolTemplate(AsyncGeneratorProvider, ProviderModelMixin):
    """A provider speaking a non-OpenAI protocol; a protocol subclass fills in the hooks, a vendor the data."""

    api_base: ClassVar[str] = ""
    needs_auth: ClassVar[bool] = True
    pass_through_models = True  # the upstream's catalogue may be newer than ours
    #: Continues a final assistant message when asked (``continue_final_message``, CONTRACTS.md).
    supports_continuation: ClassVar[bool] = False

    # --- hooks -----------------------------------------------------------------------------------

    @classmethod
    async def prepare(cls, messages: Messages, media: MediaListType | None) -> tuple[Messages, MediaListType | None]:
        """Anything to do to the inputs before the body is built (e.g. fetch image URLs)."""
        return messages, media

    @classmethod
    def build_body(cls, model: str, messages: Messages, stream: bool, media: Any, kwargs: dict[str, Any]) -> dict:
        raise NotImplementedError

    @classmethod
    def endpoint(cls, api_base: str, model: str, stream: bool) -> str:
        raise NotImplementedError

    @classmethod
    def auth_headers(cls, key: str, stream: bool) -> dict[str, str]:
        raise NotImplementedError

    @classmethod
    def parser(cls, body: dict, messages: Messages, kwargs: dict[str, Any]) -> Parser:
        raise NotImplementedError

    @staticmethod
    def error_info(body: Any) -> tuple[str | None, int | None, float | None]:
        """The vendor's error body as ``(message, status, retry_after)`` (see ``transport.ErrorInfo``)."""
        return None, None, None

    # --- the one opening -------------------------------------------------------------------------

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
        media: MediaListType | None = None,
        http_client: Any = None,
        **kwargs: Any,
    ) -> AsyncResult:
        if stream and first_byte_timeout:  # the older name of a stream's ``timeout``
            timeout = first_byte_timeout
        key = require_key(cls, api_key)
        model = cls.get_model(model)
        refuse_images(cls, model, messages, media)
        messages, media = await cls.prepare(messages, media)
        body = cls.build_body(model, messages, stream, media, kwargs)
        parser = cls.parser(body, messages, kwargs)
        async with transport.request(
            cls.get_name(),
            "POST",
            cls.endpoint(resolve_api_base(cls, api_base), model, stream),
            headers=cls.auth_headers(key, stream),
            json=body,
            stream=stream,
            timeout=timeout,
            stream_timeout=stream_timeout,
            proxy=proxy,
            secret=key,
            http_client=http_client,
            error_info=cls.error_info,
        ) as call:
            if stream:
                async for batch in call.event_batches():
                    for event, data in batch:
                        for part in parser.event(event, data):
                            yield part
                        if parser.done:
                            break
                    if parser.done:  # what follows the end is not read
                        break
            else:
                for part in parser.whole(await call.json()):
                    yield part
            for part in parser.end():
                yield part


__all__ = ["ProtocolTemplate", "Parser", "resolve_api_base", "require_key", "refuse_images", "key_variable"]
