"""``POST /v1/images/variations``: OpenAI's Create image variation (multipart ``image``), a thin layer
over ``client.images.async_create_variation``, routed like every image request."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request

from ..client import AsyncClient
from ..client.images import validate_request
from ..clock import deadline
from .body import limited_request
from .chat import check_rate, provider_api_key
from .completion import as_timeout_error
from .responses import JSONResponse
from .validation import ValidationError


def _text(form: Any, name: str) -> str | None:
    value = form.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValidationError(f"'{name}' must be a text field.", param=name)
    return value


def _count(form: Any) -> int:
    text = _text(form, "n")
    try:
        return int(text) if text is not None else 1
    except ValueError:
        raise ValidationError("'n' must be an integer.", param="n") from None


async def images_variations(request: Request) -> JSONResponse:
    settings = request.app.state.settings
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise ValidationError("Send the image as multipart/form-data with an 'image' field.", param="image")
    async with limited_request(request, settings.max_upload_size).form(max_files=1, max_fields=20) as form:
        upload = form.get("image")
        if not isinstance(upload, UploadFile):
            raise ValidationError("'image' is required: the image to make variations of.", param="image")
        n, size, response_format = _count(form), _text(form, "size"), _text(form, "response_format")
        validate_request(None, n, size, response_format, prompt_required=False)
        image = await upload.read()
    await check_rate(request)
    provider = _text(form, "provider") or settings.media_provider
    api_key = provider_api_key(request, settings, {}, provider)
    client = AsyncClient(media_provider=settings.media_provider, api_key=api_key, proxy=settings.proxy)
    extra = {"user": _text(form, "user")}
    try:
        async with deadline(settings.timeout):
            result = await client.images.async_create_variation(
                image, _text(form, "model"), provider, response_format, n, size, **extra
            )
    except TimeoutError as error:
        raise as_timeout_error(error, settings.timeout) from None
    return JSONResponse(result.model_dump())


__all__ = ["images_variations"]
