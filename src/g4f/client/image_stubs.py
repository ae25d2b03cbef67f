"""The Images API's response objects (``client.images``), with OpenAI's fields plus ``provider``."""

from __future__ import annotations

import time

from .stubs import _Stub


class Image(_Stub):
    __slots__ = ("url", "b64_json", "revised_prompt")
    _optional = ("url", "b64_json", "revised_prompt")

    def __init__(self, url: str | None = None, b64_json: str | None = None, revised_prompt: str | None = None) -> None:
        self.url, self.b64_json, self.revised_prompt = url, b64_json, revised_prompt


class ImagesResponse(_Stub):
    __slots__ = ("created", "data", "model", "provider")
    _optional = ("model", "provider")

    def __init__(
        self, data: list[Image], created: int | None = None, model: str | None = None, provider: str | None = None
    ) -> None:
        self.data, self.created = data, created or int(time.time())
        self.model, self.provider = model, provider


__all__ = ["Image", "ImagesResponse"]
