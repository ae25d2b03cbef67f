"""Image routes: a thin layer over ``g4f.client.images.Images.async_generate``."""

from __future__ import annotations

from starlette.requests import Request

from ..client import AsyncClient
from ..client.images import validate_request
from ..clock import deadline
from .auth import check_model
from .body import read_json
from .chat import check_rate, check_request_options, provider_api_key
from .completion import as_timeout_error
from .responses import JSONResponse
from .validation import IMAGE_SPEC, check

#: Optional fields handed on to the image provider.
EXTRA = ("quality", "style", "user", "negative_prompt", "seed", "aspect_ratio", "width", "height", "api_base")


async def generate_images(request: Request, provider: str | None = None) -> JSONResponse:
    settings = request.app.state.settings
    params = check(await read_json(request, settings.max_body_size), IMAGE_SPEC, required=("prompt",))
    validate_request(params["prompt"], params.get("n", 1), params.get("size"), params.get("response_format"))
    check_request_options(settings, params)
    await check_rate(request)
    check_model(request, params.get("model"))

    provider = provider or params.get("provider")
    api_key = provider_api_key(request, settings, params, provider)
    client = AsyncClient(
        media_provider=settings.media_provider, api_key=api_key, proxy=params.get("proxy") or settings.proxy
    )
    extra = {name: params[name] for name in EXTRA if name in params}
    try:
        async with deadline(settings.timeout):
            result = await client.images.async_generate(
                params["prompt"],
                params.get("model"),
                provider,
                params.get("response_format"),
                params.get("n", 1),
                params.get("size"),
                **extra,
            )
    except TimeoutError as error:
        raise as_timeout_error(error, settings.timeout) from None
    return JSONResponse(result.model_dump())


async def images_generations(request: Request) -> JSONResponse:
    """OpenAI's Create image (also at ``/v1/images/generate``)."""
    return await generate_images(request)


async def provider_images_generations(request: Request, provider: str) -> JSONResponse:
    """Create image with one provider."""
    return await generate_images(request, provider)


__all__ = ["images_generations", "provider_images_generations"]
