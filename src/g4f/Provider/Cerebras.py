"""Cerebras Inference (cloud.cerebras.ai): an OpenAI-compatible API."""

from __future__ import annotations

from ..providers.openai_compat import OpenaiTemplate


class Cerebras(OpenaiTemplate):
    url = "https://cloud.cerebras.ai"
    api_base = "https://api.cerebras.ai/v1"
    api_key_env = "CEREBRAS_API_KEY"
    needs_auth = True
    working = True
    default_model = "llama-3.3-70b"
    models = ["llama-3.3-70b", "llama3.1-8b", "llama-4-scout-17b-16e-instruct", "qwen-3-32b"]
    model_aliases = {"llama-3.1-8b": "llama3.1-8b", "llama-4-scout": "llama-4-scout-17b-16e-instruct"}
