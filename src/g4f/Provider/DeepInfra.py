"""DeepInfra (deepinfra.com): open-weight models and FLUX images over its OpenAI-compatible API."""

from __future__ import annotations

from ..providers.openai_compat import OpenaiTemplate


class DeepInfra(OpenaiTemplate):
    url = "https://deepinfra.com"
    api_base = "https://api.deepinfra.com/v1/openai"
    embeddings_models = [
        "BAAI/bge-large-en-v1.5",
        "BAAI/bge-base-en-v1.5",
        "intfloat/e5-large-v2",
        "sentence-transformers/all-MiniLM-L6-v2",
        "Qwen/Qwen3-Embedding-8B",
    ]
    api_key_env = "DEEPINFRA_API_KEY"
    needs_auth = True
    working = True
    default_model = "meta-llama/Llama-3.3-70B-Instruct-Turbo"
    models = [
        "meta-llama/Llama-3.3-70B-Instruct-Turbo",
        "meta-llama/Llama-3.3-70B-Instruct",
        "meta-llama/Meta-Llama-3.1-70B-Instruct",
        "meta-llama/Meta-Llama-3.1-8B-Instruct",
        "meta-llama/Meta-Llama-3-70B-Instruct",
        "deepseek-ai/DeepSeek-R1",
        "deepseek-ai/DeepSeek-V3",
        "Qwen/Qwen2.5-72B-Instruct",
        "mistralai/Mistral-7B-Instruct-v0.3",
    ]
    image_models = ["black-forest-labs/FLUX-1-dev", "black-forest-labs/FLUX-1-schnell"]
    model_aliases = {
        "llama-3.3-70b": "meta-llama/Llama-3.3-70B-Instruct-Turbo",
        "llama-3.1-70b": "meta-llama/Meta-Llama-3.1-70B-Instruct",
        "llama-3.1-8b": "meta-llama/Meta-Llama-3.1-8B-Instruct",
        "llama-3-70b": "meta-llama/Meta-Llama-3-70B-Instruct",
        "deepseek-r1": "deepseek-ai/DeepSeek-R1",
        "deepseek-v3": "deepseek-ai/DeepSeek-V3",
        "qwen-2.5-72b": "Qwen/Qwen2.5-72B-Instruct",
        "mistral-7b": "mistralai/Mistral-7B-Instruct-v0.3",
        "flux": "black-forest-labs/FLUX-1-dev",
        "flux-dev": "black-forest-labs/FLUX-1-dev",
        "flux-schnell": "black-forest-labs/FLUX-1-schnell",
    }
