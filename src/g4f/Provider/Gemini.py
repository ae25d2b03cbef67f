"""``Gemini``: Google's official Gemini API with an API key (aistudio.google.com)."""

from __future__ import annotations

from ..providers.gemini_protocol import GeminiTemplate


class Gemini(GeminiTemplate):
    url = "https://aistudio.google.com"
    api_base = "https://generativelanguage.googleapis.com"
    api_key_env = "GEMINI_API_KEY"
    embeddings_models = ["gemini-embedding-001", "text-embedding-004"]
    embeddings_dimensions_models = ["gemini-embedding-001", "text-embedding-004"]
    working = True
    needs_auth = True
    default_model = "gemini-2.5-flash"
    models = [
        "gemini-2.5-pro",
        "gemini-2.5-flash",
        "gemini-2.5-flash-lite",
        "gemini-2.0-flash-001",
        "gemini-2.0-flash-lite-001",
        "gemini-1.5-pro-002",
        "gemini-1.5-flash-002",
    ]
    vision_models = list(models)  # every Gemini model reads images
    model_aliases = {
        "gemini-2.0-flash": "gemini-2.0-flash-001",
        "gemini-2.0-flash-lite": "gemini-2.0-flash-lite-001",
        "gemini-1.5-pro": "gemini-1.5-pro-002",
        "gemini-1.5-flash": "gemini-1.5-flash-002",
    }
