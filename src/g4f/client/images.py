"""``client.images`` (alias ``client.media``): image generation routed like chat."""

from __future__ import annotations

from typing import Any

from ..errors import NoMediaResponseError
from ..providers.response import MediaResponse
from .bridge import run_sync
from .core import iter_parts
from .stubs import Image, ImagesResponse


class Images:
    def __init__(self, client: Any, is_async: bool = False) -> None:
        self.client = client
        self.is_async = is_async

    async def async_generate(self, prompt: str, model: str | None = None, provider: Any = None,
                             response_format: str | None = None, n: int = 1, size: str | None = None,
                             **kwargs: Any) -> ImagesResponse:
        provider = provider or self.client.media_provider or self.client.provider
        messages = [{"role": "user", "content": prompt}]
        urls: list[str] = []
        used = None
        async for part in iter_parts(model or "flux", messages, provider, prompt=prompt, n=n, size=size,
                                     response_format=response_format, api_key=self.client.api_key, **kwargs):
            if isinstance(part, MediaResponse):
                urls.extend(part.get_list())
            elif getattr(part, "name", None) and type(part).__name__ == "ProviderInfo":
                used = part.name
        if not urls:
            raise NoMediaResponseError(f"No image was returned for {prompt!r}.")
        return ImagesResponse([Image(url=u, revised_prompt=prompt) for u in urls[:n] or urls], model=model, provider=used)

    def generate(self, prompt: str, model: str | None = None, provider: Any = None, response_format: str | None = None,
                 n: int = 1, size: str | None = None, **kwargs: Any) -> Any:
        coro = self.async_generate(prompt, model, provider, response_format, n, size, **kwargs)
        return coro if self.is_async else run_sync(coro)

    create = generate


__all__ = ["Images"]
