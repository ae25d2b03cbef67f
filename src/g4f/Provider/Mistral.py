"""Mistral AI's API (console.mistral.ai): OpenAI-shaped chat completions, with Mistral's names."""

from __future__ import annotations

from typing import Any

from ..providers.openai_compat import OpenaiTemplate
from ..typing import Messages


class Mistral(OpenaiTemplate):
    url = "https://console.mistral.ai"
    api_base = "https://api.mistral.ai/v1"
    embeddings_models = ["mistral-embed"]
    api_key_env = "MISTRAL_API_KEY"
    needs_auth = True
    working = True
    # The API refuses fields it does not know (HTTP 422), stream_options among them.
    supports_stream_options = False
    # A final assistant message with "prefix": true is continued (the answer starts with the prefix).
    continuation_style = "prefix"
    default_model = "mistral-small-latest"
    models = [
        "mistral-large-latest",
        "mistral-medium-latest",
        "mistral-small-latest",
        "ministral-8b-latest",
        "open-mistral-7b",
        "open-mistral-nemo",
        "codestral-latest",
        "pixtral-large-latest",
        "pixtral-12b-2409",
    ]
    vision_models = ["pixtral-large-latest", "pixtral-12b-2409", "mistral-medium-latest", "mistral-small-latest"]
    model_aliases = {
        "mistral-large": "mistral-large-latest",
        "mistral-small": "mistral-small-latest",
        "mistral-7b": "open-mistral-7b",
        "mistral-nemo": "open-mistral-nemo",
        "codestral": "codestral-latest",
    }

    @classmethod
    def build_request(cls, model: str, messages: Messages, stream: bool = False, **kwargs: Any) -> dict[str, Any]:
        body = super().build_request(model, messages, stream=stream, **kwargs)
        if "seed" in body:  # Mistral's name for it
            body["random_seed"] = body.pop("seed")
        for unknown in ("user", "logit_bias", "store", "metadata", "service_tier"):
            body.pop(unknown, None)
        return body
