"""``client.audio``: speech (``speech.create``) and transcription (``transcriptions.create``), as in
openai-python, over ``g4f.audio`` (routed like chat; offline: espeak-ng and pocketsphinx)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from .bridge import run_sync


class Transcription(SimpleNamespace):
    """A json/verbose_json transcription: ``.text`` and, for verbose_json, ``segments``, ``words``, ``duration``."""

    def to_dict(self) -> dict[str, Any]:
        return dict(vars(self))


class SpeechResponse:
    """Spoken audio: ``.content`` (bytes), ``.content_type``, ``read()``, ``write_to_file(path)``."""

    def __init__(self, content: bytes, content_type: str) -> None:
        self.content = content
        self.content_type = content_type

    def read(self) -> bytes:
        return self.content

    def write_to_file(self, path: Any) -> None:
        with open(path, "wb") as out:
            out.write(self.content)


class _Endpoint:
    def __init__(self, client: Any, is_async: bool) -> None:
        self.client = client
        self.is_async = is_async

    def _run(self, coro: Any) -> Any:
        return coro if self.is_async else run_sync(coro)

    def _options(self, provider: Any, kwargs: dict[str, Any]) -> dict[str, Any]:
        client = self.client
        options = {**client.kwargs, **kwargs}
        if provider is None:  # the client's media provider; with a base_url, that server (Custom)
            provider = client.media_provider or (client.provider if client.base_url else None)
        options["provider"] = provider
        if client.proxy and "proxy" not in options:
            options["proxy"] = client.proxy
        if client.api_key and "api_key" not in options:
            options["api_key"] = client.api_key
        return options


class Transcriptions(_Endpoint):
    def create(
        self,
        file: Any,
        model: str | None = None,
        language: str | None = None,
        prompt: str | None = None,
        response_format: str | None = "json",
        temperature: float | None = None,
        provider: Any = None,
        **kwargs: Any,
    ) -> Any:
        """Transcribe ``file`` (path, bytes, file object, or openai-style ``(name, bytes[, type])``).

        json/verbose_json give a ``Transcription``; text/srt/vtt the text.
        """
        from .. import audio

        filename = None
        if isinstance(file, tuple):
            filename, file = file[0], file[1]

        async def run() -> Any:
            result = await audio.transcribe(
                file,
                filename,
                model,
                language,
                prompt,
                response_format,
                temperature,
                **self._options(provider, kwargs),
            )
            return Transcription(**result) if isinstance(result, dict) else result

        return self._run(run())


class Speech(_Endpoint):
    def create(
        self,
        input: str,
        model: str | None = None,
        voice: Any = "alloy",
        response_format: str | None = "mp3",
        speed: float | None = 1.0,
        provider: Any = None,
        **kwargs: Any,
    ) -> Any:
        """Speak ``input``: a ``SpeechResponse`` with the audio bytes."""
        from .. import audio

        async def run() -> SpeechResponse:
            data, content_type = await audio.speech(
                input, model, voice, response_format, speed, **self._options(provider, kwargs)
            )
            return SpeechResponse(data, content_type)

        return self._run(run())


class Audio:
    def __init__(self, client: Any, is_async: bool) -> None:
        self.transcriptions = Transcriptions(client, is_async)
        self.speech = Speech(client, is_async)


__all__ = ["Audio", "Transcription", "SpeechResponse"]
