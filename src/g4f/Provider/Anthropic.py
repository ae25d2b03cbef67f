"""``Anthropic``: Claude through the Anthropic Messages API (key from console.anthropic.com)."""

from __future__ import annotations

from ..providers.anthropic_protocol import AnthropicTemplate


class Anthropic(AnthropicTemplate):
    url = "https://console.anthropic.com"
    api_base = "https://api.anthropic.com"
    api_key_env = "ANTHROPIC_API_KEY"
    working = True
    needs_auth = True
    default_model = "claude-sonnet-4-20250514"
    models = [
        "claude-opus-4-1-20250805",
        "claude-opus-4-20250514",
        "claude-sonnet-4-20250514",
        "claude-3-7-sonnet-20250219",
        "claude-3-5-sonnet-20241022",
        "claude-3-5-haiku-20241022",
        "claude-3-opus-20240229",
        "claude-3-haiku-20240307",
    ]
    # Claude 3.5 Haiku reads text only; every other Claude here also reads images.
    vision_models = [m for m in models if m != "claude-3-5-haiku-20241022"]
    model_aliases = {
        "claude-3.5-sonnet": "claude-3-5-sonnet-20241022",
        "claude-3.7-sonnet": "claude-3-7-sonnet-20250219",
        "claude-3.5-haiku": "claude-3-5-haiku-20241022",
        "claude-sonnet-4": "claude-sonnet-4-20250514",
        "claude-opus-4": "claude-opus-4-20250514",
        "claude-opus-4.1": "claude-opus-4-1-20250805",
        "claude-3-opus": "claude-3-opus-20240229",
        "claude-3-haiku": "claude-3-haiku-20240307",
    }
