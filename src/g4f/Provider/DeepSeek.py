"""DeepSeek's API (platform.deepseek.com): deepseek-chat (V3) and deepseek-reasoner (R1)."""

from __future__ import annotations

from ..providers.openai_compat import OpenaiTemplate

#: Chat prefix completion is a beta feature, served under this path instead of /v1.
BETA_PATH = "/beta"


class DeepSeek(OpenaiTemplate):
    url = "https://platform.deepseek.com"
    api_base = "https://api.deepseek.com/v1"
    api_key_env = "DEEPSEEK_API_KEY"
    needs_auth = True
    working = True
    default_model = "deepseek-chat"
    models = ["deepseek-chat", "deepseek-reasoner"]
    model_aliases = {"deepseek-v3": "deepseek-chat", "deepseek-r1": "deepseek-reasoner"}
    # Chat prefix completion: a final assistant message with "prefix": true, on the beta base URL.
    continuation_style = "prefix"

    @classmethod
    def continuation_api_base(cls, api_base: str) -> str:
        return api_base.removesuffix("/v1") + BETA_PATH
