"""OpenAI's own API (platform.openai.com): chat, vision, images, speech and transcription."""

from __future__ import annotations

from ..providers.openai_compat import OpenaiTemplate


class OpenaiAPI(OpenaiTemplate):
    label = "OpenAI API"
    url = "https://platform.openai.com"
    api_base = "https://api.openai.com/v1"
    embeddings_models = ["text-embedding-3-small", "text-embedding-3-large", "text-embedding-ada-002"]
    embeddings_dimensions_models = ["text-embedding-3-small", "text-embedding-3-large"]
    api_key_env = "OPENAI_API_KEY"
    needs_auth = True
    working = True
    default_model = "gpt-4o-mini"
    models = [
        "gpt-4o",
        "gpt-4o-mini",
        "gpt-4.1",
        "gpt-4.1-mini",
        "gpt-4.1-nano",
        "gpt-4-turbo",
        "gpt-4",
        "gpt-3.5-turbo",
        "o1",
        "o3",
        "o3-mini",
        "o4-mini",
    ]
    vision_models = [
        "gpt-4o",
        "gpt-4o-mini",
        "gpt-4.1",
        "gpt-4.1-mini",
        "gpt-4.1-nano",
        "gpt-4-turbo",
        "o1",
        "o3",
        "o4-mini",
    ]
    image_models = ["gpt-image-1", "dall-e-3", "dall-e-2"]
    variation_models = ["dall-e-2"]
    speech_models = ["tts-1", "tts-1-hd", "gpt-4o-mini-tts"]
    transcription_models = ["whisper-1", "gpt-4o-transcribe", "gpt-4o-mini-transcribe"]
    audio_models = [*speech_models, *transcription_models]
