"""LM Studio's local server (lmstudio.ai), OpenAI-compatible; serves whichever model is loaded."""

from __future__ import annotations

from ._local_server import LocalServer


class LMStudio(LocalServer):
    label = "LM Studio"
    url = "https://lmstudio.ai"
    api_base = "http://127.0.0.1:1234/v1"
    embeddings_models = ["text-embedding-nomic-embed-text-v1.5"]
