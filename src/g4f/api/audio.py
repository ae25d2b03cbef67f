"""Audio routes: the HTTP side (types, multipart, size limits) here; the engines and their value
checks in ``g4f.audio`` (``speech`` and ``transcribe``), imported when a request comes.
While ``g4f.audio`` is missing these routes answer 501.
"""

from __future__ import annotations

import importlib
from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from ..clock import deadline
from ..errors import G4FError
from .auth import check_model
from .body import limited_request, read_json
from .chat import check_rate, provider_api_key
from .completion import as_timeout_error
from .responses import JSONResponse
from .validation import SPEECH_SPEC, ValidationError, check


class NotImplementedYetError(G4FError):
    """This server has no engine for the request."""

    status_code = 501
    error_type = "server_error"
    code = "not_implemented"


def _engine(name: str) -> Any:
    try:
        module = importlib.import_module("g4f.audio")
    except ImportError:
        module = None
    function = getattr(module, name, None)
    if function is None:
        raise NotImplementedYetError(f"Audio {name} is not available on this server (g4f.audio.{name} is missing).")
    return function


async def _call(settings: Any, function: Any, **kwargs: Any) -> Any:
    kwargs = {k: v for k, v in kwargs.items() if v is not None}
    try:
        async with deadline(settings.timeout):
            return await function(**kwargs)
    except TimeoutError as error:
        raise as_timeout_error(error, settings.timeout) from None


async def create_speech(request: Request) -> Response:
    """OpenAI's Create speech: the audio bytes in the requested format."""
    settings = request.app.state.settings
    params = check(await read_json(request, settings.max_body_size), SPEECH_SPEC, required=("input",))
    await check_rate(request)
    check_model(request, params.get("model"))
    provider = params.get("provider") or settings.media_provider
    data, content_type = await _call(
        settings,
        _engine("speech"),
        input=params["input"],
        model=params.get("model"),
        voice=params.get("voice"),
        response_format=params.get("response_format"),
        speed=params.get("speed"),
        instructions=params.get("instructions"),
        provider=provider,
        proxy=settings.proxy,
        api_key=provider_api_key(request, settings, {}, provider),
    )
    return Response(data, media_type=content_type)


def _form_text(form: Any, name: str) -> str | None:
    value = form.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValidationError(f"'{name}' must be a text field.", param=name)
    return value


async def create_transcription(request: Request) -> Response:
    """OpenAI's Create transcription: multipart ``file`` plus ``model``, ``language``, ``prompt``, ..."""
    settings = request.app.state.settings
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise ValidationError("Send the audio as multipart/form-data with a 'file' field.", param="file")
    limited = limited_request(request, settings.max_upload_size)
    async with limited.form(max_files=1, max_fields=20) as form:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise ValidationError("'file' is required: the audio file to transcribe.", param="file")
        temperature = _form_text(form, "temperature")
        try:
            temperature_value = float(temperature) if temperature is not None else None
        except ValueError:
            raise ValidationError("'temperature' must be a number.", param="temperature") from None
        data = await upload.read()
        await check_rate(request)
        check_model(request, _form_text(form, "model"))
        provider = _form_text(form, "provider") or settings.media_provider
        result = await _call(
            settings,
            _engine("transcribe"),
            file=data,
            filename=upload.filename,
            content_type=upload.content_type,
            model=_form_text(form, "model"),
            language=_form_text(form, "language"),
            prompt=_form_text(form, "prompt"),
            response_format=_form_text(form, "response_format"),
            temperature=temperature_value,
            provider=provider,
            proxy=settings.proxy,
            api_key=provider_api_key(request, settings, {}, provider),
        )
    if isinstance(result, str):  # text, srt and vtt
        return PlainTextResponse(result)
    return JSONResponse(result)


__all__ = ["create_speech", "create_transcription"]
