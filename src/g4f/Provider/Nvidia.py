"""NVIDIA NIM API catalog (build.nvidia.com): OpenAI-compatible endpoints."""

from __future__ import annotations

from ..providers.openai_compat import OpenaiTemplate


class Nvidia(OpenaiTemplate):
    url = "https://build.nvidia.com"
    api_base = "https://integrate.api.nvidia.com/v1"
    embeddings_models = ["nvidia/nv-embedqa-e5-v5", "nvidia/llama-3.2-nv-embedqa-1b-v2", "baai/bge-m3"]
    # NVIDIA's retrieval models need to know which side of a search the text is on.
    embeddings_options = {"input_type": "query"}
    api_key_env = "NVIDIA_API_KEY"
    needs_auth = True
    working = True
    default_model = "meta/llama-3.3-70b-instruct"
    models = [
        "meta/llama-3.3-70b-instruct",
        "meta/llama-3.1-70b-instruct",
        "meta/llama-3.1-8b-instruct",
        "deepseek-ai/deepseek-r1",
        "qwen/qwen2.5-coder-32b-instruct",
        "mistralai/mistral-large-2-instruct",
        "nvidia/llama-3.1-nemotron-70b-instruct",
    ]
    model_aliases = {
        "llama-3.3-70b": "meta/llama-3.3-70b-instruct",
        "llama-3.1-70b": "meta/llama-3.1-70b-instruct",
        "llama-3.1-8b": "meta/llama-3.1-8b-instruct",
        "deepseek-r1": "deepseek-ai/deepseek-r1",
        "qwen-2.5-coder-32b": "qwen/qwen2.5-coder-32b-instruct",
    }
