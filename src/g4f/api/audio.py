"""Audio routes: request checks here, the engines in ``g4f.audio`` (``speech`` and ``transcribe``).

``g4f.audio`` is imported when a request comes; while it is missing these routes answer 501.
"""

from __future__ import annotations

import importlib
import inspect
from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from ..errors import G4FError, InvalidRequestError
from .body import limited_request, read_json
from .chat import check_rate
from .completion import as_timeout_error, deadline
from .responses import JSONResponse, dump
from .validation import SPEECH_SPEC, ValidationError, check, one_of

SPEECH_FORMATS = ("mp3", "opus", "aac", "flac", "wav", "pcm")
SPEECH_TYPES = {"mp3": "audio/mpeg", "opus": "audio/ogg", "aac": "audio/aac", "flac": "audio/flac",
                "wav": "audio/wav", "pcm": "audio/pcm"}
TRANSCRIPT_FORMATS = ("json", "text", "srt", "verbose_json", "vtt")
MAX_SPEECH_INPUT = 4096


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
            result = function(**kwargs)
            return await result if inspect.isawaitable(result) else result
    except TimeoutError as error:
        raise as_timeout_error(error, settings.timeout) from None


async def create_speech(request: Request) -> Response:
    """OpenAI's Create speech: the audio bytes in the requested format."""
    settings = request.app.state.settings
    params = check(await read_json(request, settings.max_body_size), SPEECH_SPEC, required=("input",))
    if not params["input"].strip():
        raise InvalidRequestError("'input' must not be empty.", param="input")
    if len(params["input"]) > MAX_SPEECH_INPUT:
        raise InvalidRequestError(f"'input' is longer than {MAX_SPEECH_INPUT} characters.", param="input")
    one_of(params, "response_format", SPEECH_FORMATS)
    await check_rate(request)
    response_format = params.get("response_format", "mp3")
    result = await _call(settings, _engine("speech"), input=params["input"], model=params.get("model"),
                         voice=params.get("voice"), response_format=response_format, speed=params.get("speed"),
                         instructions=params.get("instructions"), language=params.get("language"),
                         provider=params.get("provider") or settings.media_provider, proxy=settings.proxy)
    data, content_type = _audio_bytes(result, SPEECH_TYPES[response_format])
    return Response(data, media_type=content_type)


def _audio_bytes(result: Any, default_type: str) -> tuple[bytes, str]:
    """Bytes and content type from what the engine returned: bytes, (bytes, type) or an ``AudioResponse``."""
    if isinstance(result, (bytes, bytearray, memoryview)):
        return bytes(result), default_type
    if isinstance(result, tuple) and len(result) == 2:
        return bytes(result[0]), result[1] or default_type
    data = getattr(result, "data", None)
    if isinstance(data, (bytes, bytearray)):
        return bytes(data), getattr(result, "content_type", None) or default_type
    raise G4FError("The speech engine returned no audio.")


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
        response_format = _form_text(form, "response_format") or "json"
        if response_format not in TRANSCRIPT_FORMATS:
            raise InvalidRequestError(f"'response_format' must be one of {', '.join(TRANSCRIPT_FORMATS)}.",
                                      param="response_format")
        temperature = _form_text(form, "temperature")
        try:
            temperature_value = float(temperature) if temperature is not None else None
        except ValueError:
            raise ValidationError("'temperature' must be a number.", param="temperature") from None
        data = await upload.read()
        if not data:
            raise InvalidRequestError("'file' is empty.", param="file")
        await check_rate(request)
        result = await _call(settings, _engine("transcribe"), file=data, filename=upload.filename,
                             content_type=upload.content_type, model=_form_text(form, "model"),
                             language=_form_text(form, "language"), prompt=_form_text(form, "prompt"),
                             response_format=response_format, temperature=temperature_value,
                             provider=_form_text(form, "provider") or settings.media_provider, proxy=settings.proxy)
    if response_format in ("text", "srt", "vtt"):
        text = result if isinstance(result, str) else getattr(result, "text", None) or dump(result).get("text", "")
        return PlainTextResponse(text)
    if isinstance(result, str):
        return JSONResponse({"text": result})
    return JSONResponse(dump(result) if not isinstance(result, dict) else result)


__all__ = ["create_speech", "create_transcription"]
