"""Ollama (ollama.com) on this machine or at ``OLLAMA_HOST``, through its OpenAI-compatible ``/v1`` API."""

from __future__ import annotations

from ..config import provider_env
from ._local_server import LocalServer


class Ollama(LocalServer):
    url = "https://ollama.com"
    api_base = "http://127.0.0.1:11434/v1"
    embeddings_models = ["nomic-embed-text", "all-minilm", "mxbai-embed-large"]
    default_model = "llama3.2"
    # Common tags; any pulled model is served by name (``get_models_async`` lists them).
    models = ["llama3.2", "llama3.1:8b", "mistral", "qwen2.5", "deepseek-r1", "gemma3", "phi4"]
    model_aliases = {"llama-3.1-8b": "llama3.1:8b", "llama-3.2-3b": "llama3.2", "mistral-7b": "mistral"}
    vision_models = ["gemma3", "llava", "llama3.2-vision"]

    @classmethod
    def get_api_base(cls, api_base: str | None = None) -> str:
        host = provider_env("OLLAMA_HOST")
        if not api_base and not provider_env("OLLAMA_API_BASE") and host:
            host = host if "://" in host else f"http://{host}"
            api_base = f"{host.rstrip('/')}/v1"
        return super().get_api_base(api_base)
