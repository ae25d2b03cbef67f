"""``POST /v1/embeddings``: a thin layer over ``g4f.embeddings.create_embeddings``."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from ..clock import deadline
from ..embeddings import create_embeddings
from .body import read_json
from .chat import check_rate, check_request_options, provider_api_key
from .completion import as_timeout_error
from .responses import JSONResponse
from .validation import ValidationError

#: Optional fields handed on to the provider (NVIDIA's ``input_type``, Gemini's ``task_type``).
EXTRA = ("input_type", "task_type", "api_base")


async def embeddings(request: Request) -> JSONResponse:
    """OpenAI's Create embeddings."""
    settings = request.app.state.settings
    params: dict[str, Any] = await read_json(request, settings.max_body_size)
    if not isinstance(params, dict):
        raise ValidationError("The body must be a JSON object.")
    if "input" not in params:
        raise ValidationError("'input' is required.", param="input")
    check_request_options(settings, params)
    await check_rate(request)
    provider = params.get("provider")
    extra = {name: params[name] for name in EXTRA if params.get(name) is not None}
    try:
        async with deadline(settings.timeout):
            result = await create_embeddings(
                params["input"],
                params.get("model"),
                provider=provider,
                encoding_format=params.get("encoding_format"),
                dimensions=params.get("dimensions"),
                user=params.get("user"),
                api_key=provider_api_key(request, settings, params, provider),
                proxy=params.get("proxy") or settings.proxy,
                **extra,
            )
    except TimeoutError as error:
        raise as_timeout_error(error, settings.timeout) from None
    return JSONResponse(result)


__all__ = ["embeddings"]
