"""Groq (console.groq.com): fast open-weight models over an OpenAI-compatible API."""

from __future__ import annotations

from ..providers.openai_compat import OpenaiTemplate


class Groq(OpenaiTemplate):
    url = "https://console.groq.com"
    api_base = "https://api.groq.com/openai/v1"
    api_key_env = "GROQ_API_KEY"
    needs_auth = True
    working = True
    default_model = "llama-3.3-70b-versatile"
    models = [
        "llama-3.3-70b-versatile",
        "llama-3.1-8b-instant",
        "meta-llama/llama-4-scout-17b-16e-instruct",
        "meta-llama/llama-4-maverick-17b-128e-instruct",
        "deepseek-r1-distill-llama-70b",
        "qwen/qwen3-32b",
        "gemma2-9b-it",
    ]
    model_aliases = {
        "llama-3.3-70b": "llama-3.3-70b-versatile",
        "llama-3.1-8b": "llama-3.1-8b-instant",
        "llama-4-scout": "meta-llama/llama-4-scout-17b-16e-instruct",
        "llama-4-maverick": "meta-llama/llama-4-maverick-17b-128e-instruct",
    }
    vision_models = ["meta-llama/llama-4-scout-17b-16e-instruct", "meta-llama/llama-4-maverick-17b-128e-instruct"]
    transcription_models = ["whisper-large-v3", "whisper-large-v3-turbo"]
    audio_models = transcription_models
