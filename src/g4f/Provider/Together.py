"""Together AI (together.ai): open-weight models and FLUX images over an OpenAI-compatible API."""

from __future__ import annotations

from ..providers.openai_compat import OpenaiTemplate


class Together(OpenaiTemplate):
    url = "https://www.together.ai"
    api_base = "https://api.together.xyz/v1"
    embeddings_models = [
        "BAAI/bge-large-en-v1.5",
        "BAAI/bge-base-en-v1.5",
        "togethercomputer/m2-bert-80M-8k-retrieval",
        "intfloat/multilingual-e5-large-instruct",
    ]
    api_key_env = "TOGETHER_API_KEY"
    needs_auth = True
    working = True
    default_model = "meta-llama/Llama-3.3-70B-Instruct-Turbo"
    models = [
        "meta-llama/Llama-3.3-70B-Instruct-Turbo",
        "meta-llama/Meta-Llama-3.1-70B-Instruct-Turbo",
        "meta-llama/Meta-Llama-3.1-8B-Instruct-Turbo",
        "meta-llama/Llama-3-70b-chat-hf",
        "meta-llama/Llama-3.2-11B-Vision-Instruct-Turbo",
        "deepseek-ai/DeepSeek-R1",
        "deepseek-ai/DeepSeek-V3",
        "Qwen/Qwen2.5-72B-Instruct-Turbo",
        "mistralai/Mistral-7B-Instruct-v0.3",
    ]
    vision_models = ["meta-llama/Llama-3.2-11B-Vision-Instruct-Turbo"]
    image_models = ["black-forest-labs/FLUX.1-dev", "black-forest-labs/FLUX.1-schnell"]
    model_aliases = {
        "llama-3.3-70b": "meta-llama/Llama-3.3-70B-Instruct-Turbo",
        "llama-3.1-70b": "meta-llama/Meta-Llama-3.1-70B-Instruct-Turbo",
        "llama-3.1-8b": "meta-llama/Meta-Llama-3.1-8B-Instruct-Turbo",
        "llama-3-70b": "meta-llama/Llama-3-70b-chat-hf",
        "deepseek-r1": "deepseek-ai/DeepSeek-R1",
        "deepseek-v3": "deepseek-ai/DeepSeek-V3",
        "qwen-2.5-72b": "Qwen/Qwen2.5-72B-Instruct-Turbo",
        "mistral-7b": "mistralai/Mistral-7B-Instruct-v0.3",
        "flux": "black-forest-labs/FLUX.1-dev",
        "flux-dev": "black-forest-labs/FLUX.1-dev",
        "flux-schnell": "black-forest-labs/FLUX.1-schnell",
    }
