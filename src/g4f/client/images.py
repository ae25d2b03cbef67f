"""``client.images`` (also ``client.media``): image generation and variations, routed like chat.

A provider makes images through ``create_image`` (``create_image_variation`` for variations), or,
for gpt4free-style providers, by yielding ``ImageResponse`` parts from its chat generator. Candidates
come from ``routing.get_candidates`` and fail over through the router (``endpoints.call_endpoint``).
The provider's images (http URLs or data URIs) are then given back as asked:

- ``response_format=None``: saved in the media directory, returned as ``/media/<ts>_<uuid>.<ext>``;
- ``"url"``: the provider's URL (an image that came only as data is saved and its path returned);
- ``"b64_json"``: the base64 of the image bytes.
"""

from __future__ import annotations

import asyncio
import base64
import re
from typing import Any

from ..errors import InvalidRequestError, NoMediaResponseError, ProviderError, RetryProviderError
from ..image import fetch_image, is_data_uri, is_url, load_image, parse_data_uri
from ..media import media_url, resolve_media_path, save_media, sniff_type
from ..providers.response import MediaResponse
from ..routing import resolve_provider
from .bridge import run_sync
from .endpoints import call_endpoint
from .image_stubs import Image, ImagesResponse

DEFAULT_IMAGE_MODEL = "flux"
DEFAULT_VARIATION_MODEL = "dall-e-2"
MAX_N = 4
MAX_PROMPT = 32000
RESPONSE_FORMATS = (None, "url", "b64_json")
#: Model names that ask for the default: images go to the image default, not the chat one.
DEFAULT_NAMES = (None, "", "default", "auto")
_SIZE = re.compile(r"(\d{2,5})x(\d{2,5})")


def validate_request(prompt: Any, n: Any, size: Any, response_format: Any, prompt_required: bool = True) -> None:
    """OpenAI's rules, with g4f's limit of 4 images a request."""
    if (prompt_required or prompt is not None) and (not isinstance(prompt, str) or not prompt.strip()):
        raise InvalidRequestError("'prompt' must be a non-empty string.", param="prompt")
    if isinstance(prompt, str) and len(prompt) > MAX_PROMPT:
        raise InvalidRequestError(f"'prompt' is {len(prompt)} characters; the maximum is {MAX_PROMPT}.", param="prompt")
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_N:
        raise InvalidRequestError(f"'n' must be an integer from 1 to {MAX_N}.", param="n")
    if size is not None and size != "auto":
        match = _SIZE.fullmatch(size) if isinstance(size, str) else None
        if not match or not all(64 <= int(side) <= 4096 for side in match.groups()):
            raise InvalidRequestError(
                "'size' must be 'auto' or WIDTHxHEIGHT with sides from 64 to 4096, such as '1024x1024'.", param="size"
            )
    if response_format not in RESPONSE_FORMATS:
        raise InvalidRequestError(
            "'response_format' must be 'url' or 'b64_json' (or omitted to save the images in the media directory).",
            param="response_format",
        )


def image_urls(result: Any) -> tuple[list[str], str | None]:
    """A provider's image result (ImageResponse, list of URLs, OpenAI-shaped dict) as (urls, revised prompt).

    Raises ``NoMediaResponseError`` when it holds no image, so the router tries the next provider.
    """
    urls: list[str] = []
    revised = None
    if isinstance(result, MediaResponse):
        urls, revised = result.get_list(), result.options.get("revised_prompt")
    elif isinstance(result, str):
        urls = [result]
    elif isinstance(result, (list, tuple)):
        for item in result:
            more, rev = image_urls(item)
            urls += more
            revised = revised or rev
    elif isinstance(result, dict):  # {"data": [{"url"|"b64_json", "revised_prompt"}]}
        for item in result.get("data") or ():
            if item.get("url"):
                urls.append(item["url"])
            elif item.get("b64_json"):
                urls.append(f"data:image/png;base64,{item['b64_json']}")
            revised = revised or item.get("revised_prompt")
    urls = [u for u in urls if isinstance(u, str) and u]
    if not urls:
        raise NoMediaResponseError("The provider returned no image.")
    return urls, revised


async def _chat_images(
    provider: Any, model: str, prompt: str | None = None, media: Any = None, **kwargs: Any
) -> list[Any]:
    """Images from a provider written as a chat generator (gpt4free style): its ``ImageResponse`` parts."""
    messages = [{"role": "user", "content": prompt or "Create a variation of this image."}]
    found = []
    async for part in provider.create_async_generator(
        model, messages, stream=False, prompt=prompt, media=media, **kwargs
    ):
        if isinstance(part, MediaResponse):
            found.append(part)
    return found


async def _image_bytes(url: str) -> tuple[bytes, str]:
    """The bytes of one provider image: a data URI, a saved ``/media/`` file, or the provider's URL."""
    if is_data_uri(url):
        return parse_data_uri(url)
    if url.startswith(("/media/", "/images/")):
        path = resolve_media_path(url.rsplit("/", 1)[-1])
        if path is None:
            raise NoMediaResponseError(f"The provider's image {url} is not in the media directory.")
        data = await asyncio.to_thread(path.read_bytes)
        return data, sniff_type(data) or "application/octet-stream"
    if is_url(url):
        # The provider's own output, not user input: its host may be private (a local server), but
        # the size limit and the type check still hold.
        return await fetch_image(url, allow_private=True)
    raise NoMediaResponseError(f"The provider returned something that is not an image: {url[:80]!r}")


async def _as_image(url: str, response_format: str | None, revised: str | None) -> Image:
    if response_format == "url" and is_url(url):
        return Image(url=url, revised_prompt=revised)
    if response_format == "b64_json" and is_data_uri(url) and ";base64," in url[:80]:
        return Image(b64_json=url.split(",", 1)[1], revised_prompt=revised)
    if response_format is None and url.startswith("/media/"):
        return Image(url=url, revised_prompt=revised)
    data, mime = await _image_bytes(url)
    if response_format == "b64_json":
        return Image(b64_json=base64.b64encode(data).decode(), revised_prompt=revised)
    name = await asyncio.to_thread(save_media, data, mime)
    return Image(url=media_url(name), revised_prompt=revised)


def _lenient(response_format: Any) -> str | None:
    """The library takes any other ``response_format`` as the default, as gpt4free does (the REST
    API checks it strictly with ``validate_request`` before calling here)."""
    return response_format if response_format in RESPONSE_FORMATS else None


def _unreachable(error: BaseException) -> bool:
    """True when the error is (or every cause of it is) a failure to reach the provider."""
    import aiohttp

    causes = list(getattr(error, "exceptions", {}).values()) or [error]
    return all(isinstance(e.__cause__, (aiohttp.ClientConnectionError, OSError)) for e in causes)


class Images:
    """``generate`` / ``create_variation``: sync on ``Client``, coroutines on ``AsyncClient``."""

    def __init__(self, client: Any, is_async: bool = False) -> None:
        self.client = client
        self.is_async = is_async

    def _provider(self, provider: Any) -> Any:
        """The call's provider, else the client's media provider, else its provider if that makes images."""
        if provider is not None:
            return provider
        if self.client.media_provider is not None:
            return self.client.media_provider
        default = self.client.provider
        if default is not None and hasattr(resolve_provider(default), "create_image"):
            return default
        return None

    def _options(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        options = {**self.client.kwargs, **kwargs}
        options.setdefault("api_key", self.client.api_key)
        options.setdefault("proxy", self.client.proxy)
        return options

    async def _run(
        self, method: str, model: str | None, provider: Any, n: int, response_format: str | None, **kwargs: Any
    ) -> ImagesResponse:
        provider = self._provider(provider)
        default = provider is None and model in DEFAULT_NAMES  # the chat default is no image model
        if default:
            model = DEFAULT_VARIATION_MODEL if method == "create_image_variation" else DEFAULT_IMAGE_MODEL
        fallback = _chat_images if method == "create_image" else None

        async def one(count: int) -> tuple[tuple[list[str], str | None], str]:
            return await call_endpoint(
                method,
                model,
                provider,
                fallback=fallback,
                check=image_urls,
                n=count,
                response_format=response_format,
                **self._options(kwargs),
            )

        try:
            (urls, revised), used = await one(n)
        except (ProviderError, RetryProviderError) as error:
            if default and _unreachable(error):
                raise ProviderError(
                    f"No image provider is reachable for the default image model {model!r}: {error}"
                ) from error
            raise
        if len(urls) < n:  # a provider that makes one image a request: ask again for the rest, at once
            more = await asyncio.gather(*(one(1) for _ in range(n - len(urls))))
            urls += [u for (extra, _), _ in more for u in extra]
        revised = revised or kwargs.get("prompt")
        data = await asyncio.gather(*(_as_image(u, response_format, revised) for u in urls[:n]))
        return ImagesResponse(list(data), model=model or None, provider=used)

    async def async_generate(
        self,
        prompt: str,
        model: str | None = None,
        provider: Any = None,
        response_format: str | None = None,
        n: int = 1,
        size: str | None = None,
        **kwargs: Any,
    ) -> ImagesResponse:
        response_format = _lenient(response_format)
        validate_request(prompt, n, size, response_format)
        return await self._run("create_image", model, provider, n, response_format, prompt=prompt, size=size, **kwargs)

    def generate(
        self,
        prompt: str,
        model: str | None = None,
        provider: Any = None,
        response_format: str | None = None,
        n: int = 1,
        size: str | None = None,
        **kwargs: Any,
    ) -> Any:
        """Images for ``prompt``: an ``ImagesResponse`` (a coroutine of one on ``AsyncClient``)."""
        coro = self.async_generate(prompt, model, provider, response_format, n, size, **kwargs)
        return coro if self.is_async else run_sync(coro)

    create = generate

    async def async_create_variation(
        self,
        image: Any,
        model: str | None = None,
        provider: Any = None,
        response_format: str | None = None,
        n: int = 1,
        size: str | None = None,
        **kwargs: Any,
    ) -> ImagesResponse:
        response_format = _lenient(response_format)
        validate_request(kwargs.get("prompt"), n, size, response_format, prompt_required=False)
        data, mime = await load_image(image)
        name = getattr(image, "name", None) if not isinstance(image, (str, bytes)) else None
        return await self._run(
            "create_image_variation",
            model,
            provider,
            n,
            response_format,
            image=(data, str(name or f"image.{mime.split('/')[1]}")),
            size=size,
            **kwargs,
        )

    def create_variation(
        self,
        image: Any,
        model: str | None = None,
        provider: Any = None,
        response_format: str | None = None,
        n: int = 1,
        size: str | None = None,
        **kwargs: Any,
    ) -> Any:
        """Variations of ``image`` from a provider with a variations API; ``NotSupportedError`` otherwise."""
        coro = self.async_create_variation(image, model, provider, response_format, n, size, **kwargs)
        return coro if self.is_async else run_sync(coro)


__all__ = ["Images", "validate_request", "image_urls"]
