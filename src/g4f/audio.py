"""Speech (text -> audio) and transcription (audio -> text), for the REST server and the library.

``speech`` routes ``tts-1`` to the embedded espeak-ng engine (``LocalSpeech``) first, then to
providers with a documented speech API; ``transcribe`` routes to providers with the OpenAI
``/audio/transcriptions`` protocol. Both validate like OpenAI does.
``speech`` returns ``(audio bytes, content type)``; ``transcribe`` a dict (json formats) or text.
"""

from __future__ import annotations

import json
import os
from typing import Any

from . import config
from .errors import InvalidRequestError, NoMediaResponseError, PayloadTooLargeError
from .media import EXTENSIONS, sniff_type
from .providers.response import AudioResponse

DEFAULT_SPEECH_MODEL = "tts-1"
DEFAULT_TRANSCRIPTION_MODEL = "whisper-1"
MAX_SPEECH_INPUT = 4096
SPEECH_FORMATS: dict[str, str] = {
    "mp3": "audio/mpeg",
    "opus": "audio/opus",
    "aac": "audio/aac",
    "flac": "audio/flac",
    "wav": "audio/wav",
    "pcm": "audio/pcm",
}
#: What the bytes of each speech format sniff as (raw pcm sniffs as nothing).
SNIFFED_FORMATS = {
    "audio/mpeg": "mp3",
    "audio/ogg": "opus",
    "audio/aac": "aac",
    "audio/flac": "flac",
    "audio/wav": "wav",
}
VOICES = (
    "alloy",
    "ash",
    "ballad",
    "coral",
    "echo",
    "fable",
    "onyx",
    "nova",
    "sage",
    "shimmer",
    "verse",
    "marin",
    "cedar",
)
TRANSCRIPTION_FORMATS: dict[str, str] = {
    "json": "application/json",
    "verbose_json": "application/json",
    "text": "text/plain; charset=utf-8",
    "srt": "text/plain; charset=utf-8",
    "vtt": "text/plain; charset=utf-8",
}
AUDIO_KINDS = ("audio/", "video/")  # mp4 and webm uploads are accepted as OpenAI does


def max_upload_bytes() -> int:
    """Largest accepted audio upload (setting ``max_audio_upload``, default OpenAI's 25 MiB)."""
    return int(config.get("max_audio_upload"))


def _voice_name(voice: Any) -> str:
    if isinstance(voice, dict):  # OpenAI's custom voice object {"id": ...}
        voice = voice.get("id")
    if not isinstance(voice, str) or not voice.strip():
        raise InvalidRequestError("'voice' must be a voice name such as 'alloy'.", param="voice")
    return voice.strip()


async def speech(
    input: str,
    model: str | None = None,
    voice: Any = "alloy",
    response_format: str | None = "mp3",
    speed: float | None = 1.0,
    *,
    provider: Any = None,
    api_key: str | None = None,
    instructions: str | None = None,
    **kwargs: Any,
) -> tuple[bytes, str]:
    """Speak ``input``; returns the audio bytes and their content type."""
    from .client.endpoints import call_endpoint

    if not isinstance(input, str) or not input.strip():
        raise InvalidRequestError("'input' must be a non-empty string.", param="input")
    if len(input) > MAX_SPEECH_INPUT:
        raise InvalidRequestError(
            f"'input' is {len(input)} characters; the maximum is {MAX_SPEECH_INPUT}.", param="input"
        )
    response_format = response_format or "mp3"
    if response_format not in SPEECH_FORMATS:
        raise InvalidRequestError(
            f"'response_format' must be one of {', '.join(SPEECH_FORMATS)}.", param="response_format"
        )
    speed = 1.0 if speed is None else speed
    if isinstance(speed, bool) or not isinstance(speed, (int, float)) or not 0.25 <= speed <= 4.0:
        raise InvalidRequestError("'speed' must be a number from 0.25 to 4.0.", param="speed")
    result, _ = await call_endpoint(
        "create_speech",
        model or DEFAULT_SPEECH_MODEL,
        provider,
        input=input,
        voice=_voice_name(voice),
        response_format=response_format,
        speed=float(speed),
        api_key=api_key,
        instructions=instructions,
        **kwargs,
    )
    data, content_type = await _audio_bytes(result, SPEECH_FORMATS[response_format])
    found = sniff_type(data)
    if found is not None and SNIFFED_FORMATS.get(found) != response_format:
        # Some engines have one output format (PollinationsAI: mp3; a fake or mirror: wav): convert it.
        from .Provider.LocalSpeech import transcode

        data, content_type = await transcode(data, response_format), SPEECH_FORMATS[response_format]
    return data, content_type


async def _audio_bytes(result: Any, default_type: str) -> tuple[bytes, str]:
    """A provider's speech result (AudioResponse, bytes, or (bytes, type)) as (bytes, type)."""
    if isinstance(result, tuple):
        data, content_type = result
    elif isinstance(result, AudioResponse):
        data, content_type = result.data, result.content_type
        if data is None and result.url:
            data, content_type = await _download(result.url)
    else:
        data, content_type = result, None
    if not data or not isinstance(data, (bytes, bytearray)):
        raise NoMediaResponseError("The provider returned no audio.")
    return bytes(data), content_type or default_type


async def _download(url: str) -> tuple[bytes, str | None]:
    """Audio a provider answered with a URL to (the provider's own host, not user input)."""
    from .providers.http import get_session

    async with get_session().get(url) as response:
        if response.status >= 400:
            raise NoMediaResponseError(f"Fetching the provider's audio failed: HTTP {response.status}.")
        return await response.read(), response.content_type


def read_audio(file: Any, filename: str | None = None) -> tuple[bytes, str, str]:
    """An upload (bytes, path, file object, data URI) as (bytes, mime, filename), size-checked.

    Nothing is refused for its format here: an upstream provider judges its own formats, and
    ``LocalTranscription`` says so when ffmpeg cannot decode it. The mime is sniffed from the bytes,
    else guessed from the name. Errors name the ``file`` field.
    """
    import mimetypes

    data = _upload_bytes(file)
    mime = sniff_type(data) or ""
    name = filename or getattr(file, "name", None)
    if isinstance(file, (str, os.PathLike)) and not str(file).startswith("data:"):
        name = name or os.fspath(file)
    name = os.path.basename(name) if isinstance(name, str) and name else None
    if not mime.startswith(AUDIO_KINDS):
        mime = (mimetypes.guess_type(name)[0] if name else None) or "application/octet-stream"
    return data, mime, name or f"audio.{EXTENSIONS.get(mime, 'bin')}"


def _upload_bytes(file: Any) -> bytes:
    """The bytes of an upload in any of the accepted shapes, within the size limit."""
    from pathlib import Path

    from .image import is_data_uri, parse_data_uri

    limit = max_upload_bytes()
    if is_data_uri(file):
        try:
            data, _ = parse_data_uri(file, ("",))
        except InvalidRequestError as error:
            raise InvalidRequestError(str(error), param="file") from None
    elif isinstance(file, (bytes, bytearray, memoryview)):
        data = bytes(file)
    elif isinstance(file, (str, os.PathLike)):
        path = Path(file).expanduser()
        if not path.is_file():
            raise InvalidRequestError(f"Audio file not found: {os.fspath(file)!s:.200}", param="file")
        if path.stat().st_size > limit:
            raise PayloadTooLargeError(f"The file {path.name} is over the audio limit of {limit} bytes.")
        data = path.read_bytes()
    elif hasattr(file, "read"):
        data = file.read(limit + 1)
        if not isinstance(data, bytes):
            raise InvalidRequestError("The audio file object must be opened in binary mode ('rb').", param="file")
    else:
        raise InvalidRequestError(f"Unsupported audio input of type {type(file).__name__}.", param="file")
    if len(data) > limit:
        raise PayloadTooLargeError(f"The audio file is over the limit of {limit} bytes.")
    if not data:
        raise InvalidRequestError("The audio file is empty.", param="file")
    return data


#: Errors after which the offline engine answers instead: no usable keyed provider, or all failed upstream.
_LOCAL_FALLBACK_ON = ("MissingAuthError", "ProviderNotWorkingError", "RetryProviderError", "ProviderError")


async def transcribe(
    file: Any,
    filename: str | None = None,
    model: str | None = None,
    language: str | None = None,
    prompt: str | None = None,
    response_format: str | None = "json",
    temperature: float | None = None,
    *,
    provider: Any = None,
    api_key: str | None = None,
    content_type: str | None = None,
    **kwargs: Any,
) -> dict | str:
    """Transcribe an audio file: a dict for ``json``/``verbose_json``, the text for ``text``/``srt``/``vtt``.

    The model's keyed providers come first (``whisper-1``: OpenaiAPI); when none has a key, or all
    fail upstream, the offline ``LocalTranscription`` (pocketsphinx) answers. The audio's type is read
    from its bytes (or name); a declared ``content_type`` is not trusted.
    """
    from .client.endpoints import call_endpoint

    response_format = response_format or "json"
    if response_format not in TRANSCRIPTION_FORMATS:
        raise InvalidRequestError(
            f"'response_format' must be one of {', '.join(TRANSCRIPTION_FORMATS)}.", param="response_format"
        )
    if temperature is not None and not 0 <= temperature <= 1:
        raise InvalidRequestError("'temperature' must be from 0 to 1.", param="temperature")
    data, mime, name = read_audio(file, filename)
    options = dict(
        file=(data, name),
        content_type=mime,
        language=language,
        prompt=prompt,
        response_format=response_format,
        temperature=temperature,
        api_key=api_key,
        **kwargs,
    )
    model = model or DEFAULT_TRANSCRIPTION_MODEL
    try:
        result, _ = await call_endpoint("create_transcription", model, provider, **options)
    except Exception as error:
        if provider is not None or not _falls_back(error):
            raise
        result, _ = await call_endpoint("create_transcription", model, "LocalTranscription", **options)
    return transcription_result(result, response_format)


def _falls_back(error: BaseException) -> bool:
    """True when no keyed provider could answer (rather than the request being wrong)."""
    return any(cls.__name__ in _LOCAL_FALLBACK_ON for cls in type(error).__mro__)


def transcription_result(result: Any, response_format: str) -> dict | str:
    """The provider's answer (dict, str or bytes) in the requested format."""
    if isinstance(result, (bytes, bytearray)):
        result = bytes(result).decode("utf-8", "replace")
    if isinstance(result, str) and response_format == "json":
        return {"text": result}  # OpenAI-protocol providers answer json requests with the text alone
    if isinstance(result, str) and response_format == "verbose_json":
        try:
            result = json.loads(result)
        except ValueError:
            return {"text": result}
    if isinstance(result, dict):
        if not isinstance(result.get("text"), str):
            raise NoMediaResponseError("The provider's transcription has no text.")
        if response_format == "text":
            return result["text"]
        if response_format in ("srt", "vtt"):
            raise NoMediaResponseError(f"The provider did not return {response_format} subtitles.")
        return result
    if isinstance(result, str):
        return result
    raise NoMediaResponseError("The provider returned no transcription.")


__all__ = [
    "speech",
    "transcribe",
    "read_audio",
    "max_upload_bytes",
    "SPEECH_FORMATS",
    "TRANSCRIPTION_FORMATS",
    "VOICES",
    "MAX_SPEECH_INPUT",
    "DEFAULT_SPEECH_MODEL",
    "DEFAULT_TRANSCRIPTION_MODEL",
]
