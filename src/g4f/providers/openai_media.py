"""Media over the OpenAI protocol: images (generations, variations), speech, transcription and embeddings.

``OpenaiMedia`` adds these endpoints to the chat configuration; a media model asked through the chat
contract (an image model given to ``chat.completions``) is answered here too (``media_part``).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable
from typing import Any, ClassVar

from ..errors import NoMediaResponseError, ResponseError
from ..typing import Messages
from .messages import last_user_text
from .openai_chat import OpenaiChat
from .response import AudioResponse, ImageResponse


class OpenaiMedia(OpenaiChat):
    """The media endpoints of an OpenAI-compatible API."""

    #: Subsets of ``audio_models``: which make speech and which transcribe.
    speech_models: ClassVar[list[str]] = []
    transcription_models: ClassVar[list[str]] = []
    #: Image models with a variations endpoint (``POST /images/variations``).
    variation_models: ClassVar[list[str]] = []
    default_voice: ClassVar[str] = "alloy"
    #: Models of ``POST /embeddings``; empty means none documented (``Custom``-like servers: any).
    embeddings_models: ClassVar[list[str]] = []
    #: Models whose output size ``dimensions`` may shorten (OpenAI: text-embedding-3-*).
    embeddings_dimensions_models: ClassVar[list[str]] = []
    #: Extra body fields the vendor's embeddings API needs (NVIDIA's retrieval models: ``input_type``).
    embeddings_options: ClassVar[dict[str, Any]] = {}

    @classmethod
    def media_part(
        cls, model: str, messages: Messages, media: list | None, kwargs: dict[str, Any], **options: Any
    ) -> Awaitable[Any] | None:
        """An image, speech or transcription model asked through chat: its one part, to await (else ``None``)."""
        if model in cls.image_models and model not in cls.models:
            prompt = kwargs.pop("prompt", None) or last_user_text(messages)
            return cls.create_image(prompt, model, **options, **kwargs)
        if model in cls.speech_models:
            return cls.create_speech(last_user_text(messages), model, voice=kwargs.get("voice"), **options)
        if model in cls.transcription_models and media:
            return cls.create_transcription(media[0], model, **options)
        return None

    @classmethod
    async def create_image(
        cls,
        prompt: str,
        model: str | None = None,
        n: int | None = None,
        size: str | None = None,
        response_format: str | None = None,
        api_key: str | None = None,
        api_base: str | None = None,
        timeout: float | None = None,
        proxy: str | None = None,
        http_client: Any = None,
        **kwargs: Any,
    ) -> ImageResponse:
        """``POST /images/generations``: the images as URLs or ``data:`` URIs."""
        model = cls.get_model(model or (cls.image_models[0] if cls.image_models else None))
        body: dict[str, Any] = {
            "prompt": prompt,
            "model": model,
            "n": n,
            "size": size,
            "response_format": response_format if response_format in ("url", "b64_json") else None,
        }
        body.update(
            {
                k: kwargs[k]
                for k in ("quality", "style", "background", "output_format", "user", "seed")
                if kwargs.get(k) is not None
            }
        )
        body = {k: v for k, v in body.items() if v is not None}
        async with cls.request(
            "POST",
            "/images/generations",
            json=body,
            api_key=cls.auth_key(api_key),
            api_base=api_base,
            timeout=timeout,
            proxy=proxy,
            http_client=http_client,
        ) as call:
            data = await call.json()
        return cls.image_response(data, model, prompt)

    @classmethod
    async def create_image_variation(
        cls,
        image: Any,
        model: str | None = None,
        n: int | None = None,
        size: str | None = None,
        response_format: str | None = None,
        api_key: str | None = None,
        api_base: str | None = None,
        timeout: float | None = None,
        proxy: str | None = None,
        http_client: Any = None,
        **kwargs: Any,
    ) -> ImageResponse:
        """``POST /images/variations`` (multipart ``image``): variations of one image (OpenAI: dall-e-2)."""
        import aiohttp

        from ..image import to_bytes

        data, name = image if isinstance(image, tuple) else (image, None)
        content, mime = to_bytes(data)
        model = cls.get_model(model or (cls.variation_models[0] if cls.variation_models else None))
        form = aiohttp.FormData()
        form.add_field("image", content, filename=name or f"image.{mime.split('/')[-1]}", content_type=mime)
        fields = {
            "model": model,
            "n": n,
            "size": size,
            "response_format": response_format if response_format in ("url", "b64_json") else None,
            "user": kwargs.get("user"),
        }
        for key, value in fields.items():
            if value is not None:
                form.add_field(key, str(value))
        async with cls.request(
            "POST",
            "/images/variations",
            data=form,
            api_key=cls.auth_key(api_key),
            api_base=api_base,
            timeout=timeout,
            proxy=proxy,
            http_client=http_client,
        ) as call:
            answer = await call.json()
        return cls.image_response(answer, model, "")

    @classmethod
    def image_response(cls, data: Any, model: str, prompt: str) -> ImageResponse:
        """An images answer (``data[url|b64_json, revised_prompt]``) as one ``ImageResponse``."""
        urls, revised = [], None
        for item in data.get("data") or () if isinstance(data, dict) else ():
            if item.get("url"):
                urls.append(item["url"])
            elif item.get("b64_json"):
                urls.append(f"data:image/{data.get('output_format') or 'png'};base64,{item['b64_json']}")
            revised = revised or item.get("revised_prompt")
        if not urls:
            raise NoMediaResponseError(f"{cls.get_name()} returned no image for {prompt[:80]!r}")
        return ImageResponse(urls, prompt, {"model": model, **({"revised_prompt": revised} if revised else {})})

    @classmethod
    async def create_speech(
        cls,
        input: str,
        model: str | None = None,
        voice: str | None = None,
        response_format: str | None = None,
        speed: float | None = None,
        instructions: str | None = None,
        api_key: str | None = None,
        api_base: str | None = None,
        timeout: float | None = None,
        proxy: str | None = None,
        http_client: Any = None,
        **kwargs: Any,
    ) -> AudioResponse:
        """``POST /audio/speech``: the audio bytes."""
        body = {
            "model": cls.get_model(model or (cls.speech_models[0] if cls.speech_models else None)),
            "input": input,
            "voice": voice or cls.default_voice,
            "response_format": response_format,
            "speed": speed,
            "instructions": instructions,
        }
        body = {k: v for k, v in body.items() if v is not None}
        async with cls.request(
            "POST",
            "/audio/speech",
            json=body,
            api_key=cls.auth_key(api_key),
            api_base=api_base,
            timeout=timeout,
            proxy=proxy,
            http_client=http_client,
        ) as call:
            data = await call.read()
            content_type = call.content_type or "audio/mpeg"
        if not data or not content_type.startswith("audio/"):
            raise NoMediaResponseError(f"{cls.get_name()} returned no audio ({content_type})")
        return AudioResponse(data, content_type, transcript=input)

    @classmethod
    async def create_transcription(
        cls,
        file: Any,
        model: str | None = None,
        language: str | None = None,
        prompt: str | None = None,
        response_format: str | None = None,
        temperature: float | None = None,
        api_key: str | None = None,
        api_base: str | None = None,
        timeout: float | None = None,
        proxy: str | None = None,
        content_type: str | None = None,
        http_client: Any = None,
        **kwargs: Any,
    ) -> str:
        """``POST /audio/transcriptions`` (multipart): the text (or the raw body for srt/vtt/verbose_json).

        ``file`` is ``(data, filename)`` or the data alone; bytes with a ``content_type`` (as
        ``g4f.audio`` sends them, already checked) go as they are, anything else through ``g4f.image``.
        """
        import aiohttp

        from ..image import IMAGE_OR_AUDIO, to_bytes

        data, name = file if isinstance(file, tuple) else (file, None)
        if isinstance(data, (bytes, bytearray)) and content_type:
            content, mime = bytes(data), content_type
        else:
            content, mime = to_bytes(data, IMAGE_OR_AUDIO)
        form = aiohttp.FormData()
        form.add_field("file", content, filename=name or f"audio.{mime.split('/')[-1]}", content_type=mime)
        fields = {
            "model": cls.get_model(model or (cls.transcription_models[0] if cls.transcription_models else None)),
            "language": language,
            "prompt": prompt,
            "response_format": response_format,
            "temperature": temperature,
        }
        for key, value in fields.items():
            if value is not None:
                form.add_field(key, str(value))
        async with cls.request(
            "POST",
            "/audio/transcriptions",
            data=form,
            api_key=cls.auth_key(api_key),
            api_base=api_base,
            timeout=timeout,
            proxy=proxy,
            http_client=http_client,
        ) as call:
            text = await call.text()
        if response_format in (None, "json"):
            try:
                return json.loads(text)["text"]
            except (ValueError, KeyError, TypeError) as error:
                raise ResponseError(f"{cls.get_name()} answered a transcription without text") from error
        return text

    @classmethod
    async def create_embeddings(
        cls,
        input: list[str] | list[list[int]],
        model: str | None = None,
        dimensions: int | None = None,
        user: str | None = None,
        api_key: str | None = None,
        api_base: str | None = None,
        timeout: float | None = None,
        proxy: str | None = None,
        http_client: Any = None,
        **kwargs: Any,
    ) -> dict[str, Any]:
        """``POST /embeddings`` (floats asked for; the caller encodes): ``{"embeddings", "model", "usage"}``."""
        model = cls.get_model(model or (cls.embeddings_models[0] if cls.embeddings_models else None))
        body: dict[str, Any] = {**cls.embeddings_options, "input": input, "model": model, "encoding_format": "float"}
        if dimensions is not None:
            body["dimensions"] = dimensions
        if user is not None:
            body["user"] = user
        if kwargs.get("input_type"):  # NVIDIA: "query" or "passage"
            body["input_type"] = kwargs["input_type"]
        async with cls.request(
            "POST",
            "/embeddings",
            json=body,
            api_key=cls.auth_key(api_key),
            api_base=api_base,
            timeout=timeout,
            proxy=proxy,
            http_client=http_client,
        ) as call:
            data = await call.json()
        try:
            items = sorted(data["data"], key=lambda item: item.get("index", 0))
            vectors = [[float(x) for x in item["embedding"]] for item in items]
        except (KeyError, TypeError, ValueError) as error:
            raise ResponseError(f"{cls.get_name()} answered embeddings without vectors") from error
        if len(vectors) != len(input):
            raise ResponseError(f"{cls.get_name()} returned {len(vectors)} embeddings for {len(input)} inputs")
        usage = data.get("usage") if isinstance(data.get("usage"), dict) else None
        return {"embeddings": vectors, "model": data.get("model") or model, "usage": usage}


__all__ = ["OpenaiMedia"]
