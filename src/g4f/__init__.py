"""g4f: one OpenAI-shaped interface to many AI providers.

Public exports only; each is imported on first use so ``import g4f`` stays fast.
"""

from __future__ import annotations

from typing import Any

from .version import __version__

_EXPORTS = {
    "ChatCompletion": ".chat_completion",
    "Model": ".models",
    "ModelRegistry": ".models",
    "Client": ".client",
    "AsyncClient": ".client",
    "get_cookies": ".cookies",
    "set_cookies": ".cookies",
}


# Submodules gpt4free code reaches as attributes after a bare ``import g4f``
# (``g4f.Provider.Groq``, ``g4f.models.gpt_4o``); imported on first access.
_SUBMODULES = frozenset(
    {"Provider", "models", "providers", "errors", "client", "cookies", "debug", "image", "typing", "api", "cli"}
)


def __getattr__(name: str) -> Any:
    import importlib

    if name in _SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'g4f' has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return [*globals(), *_EXPORTS, *_SUBMODULES]


__all__ = ["__version__", *_EXPORTS]
