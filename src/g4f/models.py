"""Models and the registry that maps each model name to the providers that really serve it.

Providers are named here as strings and resolved on first use, so importing this module does
not import any vendor code. Keyless and local providers come first in each list.
"""

from __future__ import annotations

import difflib
from typing import Any, ClassVar

from .errors import ModelNotFoundError


class ModelRegistry:
    """Every ``Model`` registers itself here by name and aliases."""

    _models: ClassVar[dict[str, Model]] = {}
    _aliases: ClassVar[dict[str, str]] = {}

    @classmethod
    def register(cls, model: Model, aliases: tuple[str, ...] = ()) -> None:
        cls._models[model.name] = model
        for alias in aliases:
            cls._aliases[alias] = model.name

    @classmethod
    def get(cls, name: str) -> Model | None:
        """The model called ``name`` or one of its aliases; ``None`` when unknown."""
        name = cls._aliases.get(name, name)
        return cls._models.get(name)

    @classmethod
    def all_models(cls) -> dict[str, Model]:
        return dict(cls._models)

    @classmethod
    def list_models_by_provider(cls, provider_name: str) -> list[str]:
        return [m.name for m in cls._models.values() if provider_name in m.provider_names]

    @classmethod
    def suggest(cls, name: str) -> list[str]:
        return difflib.get_close_matches(name, [*cls._models, *cls._aliases], n=3, cutoff=0.5)

    @classmethod
    def validate_all_models(cls) -> dict[str, list[str]]:
        """Each model's providers that do not really serve it (empty when all is well)."""
        from . import Provider

        problems: dict[str, list[str]] = {}
        for model in cls._models.values():
            for name in model.provider_names:
                try:
                    provider = Provider.get(name)
                except Exception as error:
                    problems.setdefault(model.name, []).append(f"{name}: {error}")
                    continue
                listed = provider.get_models() if hasattr(provider, "get_models") else getattr(provider, "models", [])
                served = {*getattr(provider, "model_aliases", {}), *listed, *getattr(provider, "image_models", [])}
                served.update(getattr(provider, "audio_models", []) or [])
                if model.name and model.name not in served:
                    problems.setdefault(model.name, []).append(f"{name}: does not list {model.name!r}")
        return problems


class Model:
    """A model name, the family it belongs to, and the providers that serve it.

    ``best_provider`` may be given as a provider, a list of providers or provider names, or an
    ``IterListProvider``; names are resolved on first use, so no vendor code loads at import.
    """

    def __init__(
        self,
        name: str,
        base_provider: str = "",
        best_provider: Any = None,
        aliases: tuple[str, ...] = (),
        kind: str = "text",  # text | vision | image | audio
    ) -> None:
        self.name = name
        self.base_provider = base_provider
        self.aliases = aliases
        self.kind = kind
        self.provider_names = _names(best_provider)
        # Providers given directly (classes or instances) are kept: they need not be in the registry.
        self._given = {_name(p): p for p in _members(best_provider) if not isinstance(p, str)}
        self._best = None if isinstance(best_provider, (str, list, tuple)) else best_provider
        #: The ``IterListProvider``/``RetryProvider`` given as ``best_provider`` (its shuffle and retries
        #: are kept by routing), or None. An attribute, not a property: routing reads it per request.
        self.runner: Any = self._best if hasattr(self._best, "with_providers") else None
        ModelRegistry.register(self, aliases)

    def __repr__(self) -> str:
        return f"Model({self.name!r}, {self.base_provider!r}, {self.provider_names!r})"

    @property
    def providers(self) -> list[type]:
        """The provider classes, resolved by name; names not installed are skipped."""
        get = (_registry or provider_registry()).get
        given = self._given
        result = []
        for name in self.provider_names:
            if name in given:
                result.append(given[name])
                continue
            try:
                result.append(get(name))
            except Exception:
                continue
        return result

    @property
    def best_provider(self) -> Any:
        if self._best is None and self.provider_names:
            from .providers.retry_provider import IterListProvider

            self._best = self.runner = IterListProvider(self.providers)
        return self._best


_registry: Any = None


def provider_registry() -> Any:
    """``g4f.Provider``, imported on first use (no vendor code at import) and kept: the router
    resolves a model's providers on every request."""
    global _registry
    if _registry is None:
        from . import Provider

        _registry = Provider
    return _registry


def _members(best_provider: Any) -> list[Any]:
    if isinstance(best_provider, (list, tuple)):
        return list(best_provider)
    if hasattr(best_provider, "providers"):
        return list(best_provider.providers)
    return [] if best_provider is None else [best_provider]


def _name(provider: Any) -> str:
    if isinstance(provider, str):
        return provider
    return provider.__name__ if isinstance(provider, type) else provider.get_name()


def _names(best_provider: Any) -> list[str]:
    return [_name(p) for p in _members(best_provider)]


def get_model(name: str) -> Model:
    model = ModelRegistry.get(name)
    if model is None:
        close = ModelRegistry.suggest(name)
        hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        raise ModelNotFoundError(f"Model {name!r} not found.{hint}")
    return model


# --- The models --------------------------------------------------------------------------------
# Provider order: local engines and servers, keyless public APIs, then keyed services. A provider
# is listed only when its catalogue has the model (by name or alias): `validate_all_models()` checks.

default = Model("", "", ["Local", "PollinationsAI"], aliases=("default", "auto"))
smollm2_135m = Model("smollm2-135m", "HuggingFace", ["Local"], aliases=("SmolLM2-135M-Instruct",))

# OpenAI
gpt_4o = Model("gpt-4o", "OpenAI", ["OpenaiAPI", "OpenRouter"], kind="vision")
gpt_4o_mini = Model("gpt-4o-mini", "OpenAI", ["OpenaiAPI", "OpenRouter"], kind="vision")
gpt_4 = Model("gpt-4", "OpenAI", ["OpenaiAPI", "OpenRouter"])
gpt_4_turbo = Model("gpt-4-turbo", "OpenAI", ["OpenaiAPI", "OpenRouter"], kind="vision")
gpt_35_turbo = Model("gpt-3.5-turbo", "OpenAI", ["OpenaiAPI", "OpenRouter"])
gpt_41 = Model("gpt-4.1", "OpenAI", ["PollinationsAI", "OpenaiAPI", "OpenRouter"], kind="vision")
gpt_41_nano = Model("gpt-4.1-nano", "OpenAI", ["PollinationsAI", "OpenaiAPI", "OpenRouter"], kind="vision")
o3_mini = Model("o3-mini", "OpenAI", ["OpenaiAPI", "OpenRouter"])
o4_mini = Model("o4-mini", "OpenAI", ["PollinationsAI", "OpenaiAPI", "OpenRouter"], kind="vision")

# Anthropic
claude_35_sonnet = Model("claude-3.5-sonnet", "Anthropic", ["Anthropic", "OpenRouter"], kind="vision")
claude_37_sonnet = Model("claude-3.7-sonnet", "Anthropic", ["Anthropic", "OpenRouter"], kind="vision")
claude_35_haiku = Model("claude-3.5-haiku", "Anthropic", ["Anthropic", "OpenRouter"])

# Google
gemini_20_flash = Model("gemini-2.0-flash", "Google", ["Gemini", "OpenRouter"], kind="vision")
gemini_15_pro = Model("gemini-1.5-pro", "Google", ["Gemini", "OpenRouter"], kind="vision")

# Meta
llama_3_70b = Model("llama-3-70b", "Meta", ["DeepInfra", "Together"])
llama_31_8b = Model(
    "llama-3.1-8b", "Meta", ["Ollama", "Groq", "Cerebras", "DeepInfra", "Together", "HuggingFace", "Nvidia"]
)
llama_31_70b = Model("llama-3.1-70b", "Meta", ["DeepInfra", "Together", "Nvidia"])
llama_33_70b = Model(
    "llama-3.3-70b", "Meta", ["Groq", "Cerebras", "DeepInfra", "Together", "HuggingFace", "Nvidia", "OpenRouter"]
)
llama_4_scout = Model("llama-4-scout", "Meta", ["Groq", "Cerebras"], kind="vision")

# DeepSeek, Qwen, Mistral, xAI
deepseek_r1 = Model(
    "deepseek-r1",
    "DeepSeek",
    ["PollinationsAI", "DeepSeek", "DeepInfra", "Together", "HuggingFace", "Nvidia", "OpenRouter"],
)
deepseek_v3 = Model("deepseek-v3", "DeepSeek", ["DeepSeek", "DeepInfra", "Together", "HuggingFace", "OpenRouter"])
qwen_25_72b = Model("qwen-2.5-72b", "Qwen", ["DeepInfra", "Together", "HuggingFace", "OpenRouter"])
qwen_25_coder_32b = Model("qwen-2.5-coder-32b", "Qwen", ["PollinationsAI", "Nvidia"])
mistral_large = Model("mistral-large", "Mistral", ["Mistral", "OpenRouter"])
mistral_small = Model("mistral-small", "Mistral", ["PollinationsAI", "Mistral"])
mistral_7b = Model("mistral-7b", "Mistral", ["Ollama", "Mistral", "DeepInfra", "Together"])
grok_3 = Model("grok-3", "xAI", ["xAI", "OpenRouter"])

# Images
dall_e_3 = Model("dall-e-3", "OpenAI", ["OpenaiAPI"], kind="image")
gpt_image = Model("gpt-image-1", "OpenAI", ["OpenaiAPI"], kind="image")
flux = Model("flux", "Black Forest Labs", ["PollinationsAI", "Together", "DeepInfra"], kind="image")
flux_schnell = Model("flux-schnell", "Black Forest Labs", ["Together", "DeepInfra"], kind="image")
sdxl_turbo = Model("sdxl-turbo", "Stability AI", ["PollinationsAI"], kind="image")

# Audio
whisper_1 = Model("whisper-1", "OpenAI", ["OpenaiAPI"], kind="audio")
whisper_large_v3 = Model("whisper-large-v3", "OpenAI", ["Groq"], kind="audio")
# "tts-1" is also the generic name of speech: keyless engines that speak in OpenAI's voices serve it.
tts_1 = Model("tts-1", "OpenAI", ["LocalSpeech", "PollinationsAI", "OpenaiAPI"], kind="audio")


class ModelUtils:
    """gpt4free's name -> Model mapping."""

    convert: ClassVar[dict[str, Model]] = ModelRegistry._models


__all__ = ["Model", "ModelRegistry", "ModelUtils", "default", "get_model"]
