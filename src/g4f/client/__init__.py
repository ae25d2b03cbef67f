"""``Client`` and ``AsyncClient``: the OpenAI-shaped library interface.

Both run the same async core; ``Client`` drives it through the one sync bridge.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from .bridge import iterate_sync, run_sync
from .core import collect_media, create_completion, stream_completion
from .responses import Responses
from .stubs import (
    ChatCompletion,
    ChatCompletionChunk,
    ChatCompletionDelta,
    ChatCompletionMessage,
    Image,
    ImagesResponse,
    ToolCall,
    Usage,
)


class _Base:
    def __init__(
        self,
        provider: Any = None,
        image_provider: Any = None,
        media_provider: Any = None,
        api_key: str | None = None,
        proxy: str | None = None,
        proxies: dict[str, str] | str | None = None,
        base_url: str | None = None,
        http_client: Any = None,
        **kwargs: Any,
    ) -> None:
        """``http_client``: the outbound HTTP session for every request of this client (as openai-python
        takes one): an ``aiohttp.ClientSession``, or a function returning one (needed by the sync
        ``Client``, whose calls run on a loop of its own; g4f calls it once per loop and closes what it made
        with the pooled session). Default: g4f's pooled session."""
        if http_client is not None:
            kwargs["http_client"] = http_client
        if base_url and provider is None:
            provider = "Custom"  # any OpenAI-compatible server
            kwargs.setdefault("api_base", base_url.rstrip("/"))
        self.provider = provider
        self.media_provider = media_provider or image_provider
        self.api_key = api_key
        if proxy is None and proxies:
            proxy = (
                proxies
                if isinstance(proxies, str)
                else proxies.get("all") or proxies.get("https") or proxies.get("http")
            )
        self.proxy = proxy
        self.base_url = base_url
        self.kwargs = kwargs

    def _request(
        self, messages: Any, model: Any, provider: Any, proxy: Any, image: Any, image_name: Any, kwargs: dict[str, Any]
    ) -> dict[str, Any]:
        media = collect_media(image, image_name, kwargs.pop("images", None), kwargs.pop("media", None))
        request = {**self.kwargs, **kwargs}
        request.update(
            messages=messages,
            model=model,
            provider=provider if provider is not None else self.provider,
            proxy=proxy or self.proxy,
            media=media,
        )
        if self.api_key and "api_key" not in request:
            request["api_key"] = self.api_key
        return request


class _Completions:
    def __init__(self, client: _Base, is_async: bool) -> None:
        self.client = client
        self.is_async = is_async

    def create(
        self,
        messages: Any,
        model: Any = "",
        provider: Any = None,
        stream: bool = False,
        proxy: str | None = None,
        image: Any = None,
        image_name: str | None = None,
        response_format: dict | None = None,
        max_tokens: int | None = None,
        stop: str | list[str] | None = None,
        temperature: float | None = None,
        top_p: float | None = None,
        tools: list[dict] | None = None,
        tool_choice: Any = None,
        ignore_working: bool = False,
        ignore_stream: bool = False,
        conversation: Any = None,
        **kwargs: Any,
    ) -> Any:
        request = self.client._request(messages, model, provider, proxy, image, image_name, kwargs)
        request.update(
            response_format=response_format,
            max_tokens=max_tokens,
            stop=stop,
            temperature=temperature,
            top_p=top_p,
            tools=tools,
            tool_choice=tool_choice,
            ignore_working=ignore_working,
            ignore_stream=ignore_stream,
            conversation=conversation,
        )
        messages, model = request.pop("messages"), request.pop("model")
        if stream:
            agen = stream_completion(model, messages, **request)
            return AsyncStream(agen) if self.is_async else iterate_sync(agen)
        coro = create_completion(model, messages, **request)
        return coro if self.is_async else run_sync(coro)


class AsyncStream:
    """The streamed result of ``AsyncClient``: iterate it with ``async for``, or await it first (OpenAI SDK style)."""

    def __init__(self, agen: AsyncIterator[ChatCompletionChunk]) -> None:
        self._agen = agen

    def __aiter__(self) -> AsyncIterator[ChatCompletionChunk]:
        return self._agen

    async def __anext__(self) -> ChatCompletionChunk:
        return await self._agen.__anext__()

    def __await__(self):
        async def itself() -> AsyncStream:
            return self

        return itself().__await__()

    async def aclose(self) -> None:
        await self._agen.aclose()  # type: ignore[attr-defined]

    async def __aenter__(self) -> AsyncStream:
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.aclose()


class _Chat:
    def __init__(self, client: _Base, is_async: bool) -> None:
        self.completions = _Completions(client, is_async)


class Client(_Base):
    """The sync client: ``Client().chat.completions.create(messages, model)``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.chat = _Chat(self, False)
        from .audio import Audio
        from .completions import Completions
        from .embeddings import Embeddings
        from .images import Images
        from .models import ClientModels

        self.images = self.media = Images(self, is_async=False)
        self.models = ClientModels(self, is_async=False)
        self.audio = Audio(self, is_async=False)
        self.embeddings = Embeddings(self, is_async=False)
        self.completions = Completions(self, is_async=False)
        self.responses = Responses(self, is_async=False)


class AsyncClient(_Base):
    """The async client: ``await AsyncClient().chat.completions.create(messages, model)``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.chat = _Chat(self, True)
        from .audio import Audio
        from .completions import Completions
        from .embeddings import Embeddings
        from .images import Images
        from .models import ClientModels

        self.images = self.media = Images(self, is_async=True)
        self.models = ClientModels(self, is_async=True)
        self.audio = Audio(self, is_async=True)
        self.embeddings = Embeddings(self, is_async=True)
        self.completions = Completions(self, is_async=True)
        self.responses = Responses(self, is_async=True)


__all__ = [
    "Client",
    "AsyncClient",
    "AsyncStream",
    "ChatCompletion",
    "ChatCompletionChunk",
    "ChatCompletionDelta",
    "ChatCompletionMessage",
    "ToolCall",
    "Usage",
    "Image",
    "ImagesResponse",
]
