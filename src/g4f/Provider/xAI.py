"""xAI's API (console.x.ai): Grok models, OpenAI-compatible."""

from __future__ import annotations

from ..providers.openai_compat import OpenaiTemplate


class xAI(OpenaiTemplate):
    url = "https://console.x.ai"
    api_base = "https://api.x.ai/v1"
    api_key_env = "XAI_API_KEY"
    needs_auth = True
    working = True
    default_model = "grok-3-mini"
    models = ["grok-4", "grok-3", "grok-3-mini", "grok-2-vision-1212"]
    vision_models = ["grok-4", "grok-2-vision-1212"]
    image_models = ["grok-2-image-1212"]
    model_aliases = {"grok-2-image": "grok-2-image-1212", "grok-2-vision": "grok-2-vision-1212"}
