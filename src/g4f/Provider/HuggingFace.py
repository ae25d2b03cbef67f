"""Hugging Face Inference Providers through the router's OpenAI-compatible chat API."""

from __future__ import annotations

from ..config import provider_env
from ..providers.openai_compat import OpenaiTemplate


class HuggingFace(OpenaiTemplate):
    url = "https://huggingface.co"
    api_base = "https://router.huggingface.co/v1"
    api_key_env = "HUGGINGFACE_API_KEY"
    needs_auth = True
    working = True
    default_model = "meta-llama/Llama-3.3-70B-Instruct"
    models = [
        "meta-llama/Llama-3.3-70B-Instruct",
        "meta-llama/Llama-3.1-8B-Instruct",
        "Qwen/Qwen2.5-72B-Instruct",
        "Qwen/Qwen2.5-VL-7B-Instruct",
        "deepseek-ai/DeepSeek-R1",
        "deepseek-ai/DeepSeek-V3-0324",
    ]
    vision_models = ["Qwen/Qwen2.5-VL-7B-Instruct"]
    model_aliases = {
        "llama-3.3-70b": "meta-llama/Llama-3.3-70B-Instruct",
        "llama-3.1-8b": "meta-llama/Llama-3.1-8B-Instruct",
        "qwen-2.5-72b": "Qwen/Qwen2.5-72B-Instruct",
        "deepseek-r1": "deepseek-ai/DeepSeek-R1",
        "deepseek-v3": "deepseek-ai/DeepSeek-V3-0324",
    }

    @classmethod
    def get_api_key(cls, api_key: str | None = None) -> str | None:
        # HF_TOKEN is the variable Hugging Face's own tools read.
        return super().get_api_key(api_key) or provider_env("HF_TOKEN")
