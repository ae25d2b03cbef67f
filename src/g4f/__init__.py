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


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'g4f' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return [*globals(), *_EXPORTS]


__all__ = ["__version__", *_EXPORTS]
