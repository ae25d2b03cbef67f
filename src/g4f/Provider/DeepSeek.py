"""DeepSeek's API (platform.deepseek.com): deepseek-chat (V3) and deepseek-reasoner (R1)."""

from __future__ import annotations

from ..providers.openai_compat import OpenaiTemplate


class DeepSeek(OpenaiTemplate):
    url = "https://platform.deepseek.com"
    api_base = "https://api.deepseek.com/v1"
    api_key_env = "DEEPSEEK_API_KEY"
    needs_auth = True
    working = True
    default_model = "deepseek-chat"
    models = ["deepseek-chat", "deepseek-reasoner"]
    model_aliases = {"deepseek-v3": "deepseek-chat", "deepseek-r1": "deepseek-reasoner"}
