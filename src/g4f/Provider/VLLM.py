"""A vLLM server (docs.vllm.ai), OpenAI-compatible; ``VLLM_API_KEY`` when started with ``--api-key``."""

from __future__ import annotations

from ._local_server import LocalServer


class VLLM(LocalServer):
    label = "vLLM"
    url = "https://docs.vllm.ai"
    api_base = "http://127.0.0.1:8000/v1"
    # vLLM's extra chat parameters continue_final_message / add_generation_prompt.
    continuation_style = "vllm"
