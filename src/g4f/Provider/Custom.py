"""Any OpenAI-compatible server: ``api_base`` per request or ``CUSTOM_API_BASE``; ``CUSTOM_API_KEY`` if it wants one.

``Client(base_url=..., api_key=...)`` uses it; every model name passes through as given.
"""

from __future__ import annotations

from typing import Any

from ..providers.openai_compat import OpenaiTemplate


class Custom(OpenaiTemplate):
    label = "Custom OpenAI-compatible API"
    url = None
    api_base = ""
    needs_auth = False
    working = True

    @classmethod
    def get_model(cls, model: str | None, **kwargs: Any) -> str:
        return model or ""
