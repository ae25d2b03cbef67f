"""OpenRouter (openrouter.ai): one key, many vendors' models, one OpenAI-compatible API."""

from __future__ import annotations

from ..providers.openai_compat import OpenaiTemplate


class OpenRouter(OpenaiTemplate):
    url = "https://openrouter.ai"
    api_base = "https://openrouter.ai/api/v1"
    api_key_env = "OPENROUTER_API_KEY"
    needs_auth = True
    working = True
    # OpenRouter asks apps to name themselves; both headers are optional.
    headers = {"HTTP-Referer": "https://github.com/xtekky/gpt4free", "X-Title": "g4f"}
    default_model = "openai/gpt-4o-mini"
    model_aliases = {
        "gpt-4o": "openai/gpt-4o",
        "gpt-4o-mini": "openai/gpt-4o-mini",
        "gpt-4": "openai/gpt-4",
        "gpt-4-turbo": "openai/gpt-4-turbo",
        "gpt-3.5-turbo": "openai/gpt-3.5-turbo",
        "gpt-4.1": "openai/gpt-4.1",
        "gpt-4.1-nano": "openai/gpt-4.1-nano",
        "o3-mini": "openai/o3-mini",
        "o4-mini": "openai/o4-mini",
        "claude-3.5-sonnet": "anthropic/claude-3.5-sonnet",
        "claude-3.7-sonnet": "anthropic/claude-3.7-sonnet",
        "claude-3.5-haiku": "anthropic/claude-3.5-haiku",
        "gemini-2.0-flash": "google/gemini-2.0-flash-001",
        "gemini-1.5-pro": "google/gemini-pro-1.5",
        "llama-3.3-70b": "meta-llama/llama-3.3-70b-instruct",
        "deepseek-r1": "deepseek/deepseek-r1",
        "deepseek-v3": "deepseek/deepseek-chat",
        "qwen-2.5-72b": "qwen/qwen-2.5-72b-instruct",
        "mistral-large": "mistralai/mistral-large",
        "grok-3": "x-ai/grok-3",
    }
    models = sorted(set(model_aliases.values()))
    vision_models = [
        "openai/gpt-4o",
        "openai/gpt-4o-mini",
        "openai/gpt-4-turbo",
        "openai/gpt-4.1",
        "openai/gpt-4.1-nano",
        "openai/o4-mini",
        "anthropic/claude-3.5-sonnet",
        "anthropic/claude-3.7-sonnet",
        "google/gemini-2.0-flash-001",
        "google/gemini-pro-1.5",
    ]
