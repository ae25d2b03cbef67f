"""Pollinations.AI (pollinations.ai): keyless public text, image and speech APIs.

Text uses its OpenAI-compatible ``POST /openai``; images ``GET image.pollinations.ai/prompt/{prompt}``;
speech ``GET text.pollinations.ai/{text}?model=openai-audio``. ``POLLINATIONSAI_API_BASE`` moves
them all (a mirror, or the fake in tests); ``POLLINATIONSAI_IMAGE_API_BASE`` moves images alone.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from ..config import provider_env
from ..errors import NoMediaResponseError
from ..providers.openai_compat import OpenaiTemplate
from ..providers.response import AudioResponse, ImageResponse
from ..typing import Messages


class PollinationsAI(OpenaiTemplate):
    label = "Pollinations AI"
    url = "https://pollinations.ai"
    api_base = "https://text.pollinations.ai"
    image_api_base = "https://image.pollinations.ai"
    chat_path = "/openai"
    needs_auth = False
    working = True
    supports_stream_options = False
    default_model = "openai"
    # The catalogue of GET /models; "openai" is GPT-4.1-nano, "openai-large" GPT-4.1, "openai-reasoning" o4-mini.
    models = [
        "openai",
        "openai-fast",
        "openai-large",
        "openai-reasoning",
        "mistral",
        "deepseek-reasoning",
        "qwen-coder",
    ]
    vision_models = ["openai", "openai-large", "openai-reasoning"]
    image_models = ["flux", "turbo", "kontext"]
    speech_models = ["openai-audio"]
    audio_models = speech_models
    default_voice = "alloy"
    model_aliases = {
        "gpt-4.1-nano": "openai",
        "gpt-4.1": "openai-large",
        "o4-mini": "openai-reasoning",
        "deepseek-r1": "deepseek-reasoning",
        "mistral-small": "mistral",
        "qwen-2.5-coder-32b": "qwen-coder",
        "sdxl-turbo": "turbo",
        "tts-1": "openai-audio",  # speech in OpenAI's voices
    }

    @classmethod
    def build_request(cls, model: str, messages: Messages, stream: bool = False, **kwargs: Any) -> dict[str, Any]:
        # Documented body fields: keep prompts out of the public feed, and name the app.
        return {**super().build_request(model, messages, stream=stream, **kwargs), "private": True, "referrer": "g4f"}

    @classmethod
    def get_image_api_base(cls, api_base: str | None = None) -> str:
        env = provider_env("POLLINATIONSAI_IMAGE_API_BASE")
        if env:
            return env.rstrip("/")
        if api_base or provider_env("POLLINATIONSAI_API_BASE"):
            return cls.get_api_base(api_base)
        return cls.image_api_base

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
        seed: int | None = None,
        **kwargs: Any,
    ) -> ImageResponse:
        model = cls.get_model(model or cls.image_models[0])
        width, _, height = (size or "1024x1024").partition("x")
        params = {
            "model": model,
            "width": width,
            "height": height or width,
            "nologo": "true",
            "private": "true",
            "referrer": "g4f",
        }
        if seed is not None:
            params["seed"] = str(seed)
        base = cls.get_image_api_base(api_base)
        async with cls.request(
            "GET",
            f"/prompt/{quote(prompt, safe='')}",
            params=params,
            api_base=base,
            api_key=cls.get_api_key(api_key),
            timeout=timeout or 300,
            proxy=proxy,
            http_client=http_client,
        ) as call:
            data, content_type = await call.read(), call.content_type
        if not data or not content_type.startswith("image/"):
            raise NoMediaResponseError(f"PollinationsAI returned no image ({content_type})")
        from ..image import to_data_uri

        return ImageResponse([to_data_uri(data)], prompt, {"model": model, "width": width, "height": height or width})

    @classmethod
    async def create_speech(
        cls,
        input: str,
        model: str | None = None,
        voice: str | None = None,
        response_format: str | None = None,  # Pollinations answers mp3 whatever is asked
        speed: float | None = None,
        instructions: str | None = None,
        api_key: str | None = None,
        api_base: str | None = None,
        timeout: float | None = None,
        proxy: str | None = None,
        http_client: Any = None,
        **kwargs: Any,
    ) -> AudioResponse:
        params = {
            "model": cls.speech_models[0],
            "voice": voice or cls.default_voice,
            "private": "true",
            "referrer": "g4f",
        }
        async with cls.request(
            "GET",
            f"/{quote(input, safe='')}",
            params=params,
            api_base=api_base,
            api_key=cls.get_api_key(api_key),
            timeout=timeout,
            proxy=proxy,
            http_client=http_client,
        ) as call:
            data, content_type = await call.read(), call.content_type
        if not data or not content_type.startswith("audio/"):
            raise NoMediaResponseError(f"PollinationsAI returned no audio ({content_type})")
        return AudioResponse(data, content_type, transcript=input)
