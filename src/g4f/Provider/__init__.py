"""The provider registry: one module per vendor, named after its class, imported on first use.

``g4f.Provider.Groq`` imports ``g4f/Provider/Groq.py``; third-party providers register through
the entry-point group ``g4f.providers``; ``register()`` adds a class at run time.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
import types
from collections.abc import Callable
from functools import cache
from typing import Any

from ..errors import ProviderNotFoundError

# Providers of gpt4free that exist only by scraping a consumer web interface: not built here.
NOT_BUILT = {
    "Copilot": "Microsoft Copilot has no documented public API; use OpenaiAPI or Custom with an API key.",
    "CopilotAccount": "Microsoft Copilot has no documented public API; use OpenaiAPI or Custom with an API key.",
    "OpenaiChat": "ChatGPT's web interface is not an API; use OpenaiAPI with an OPENAI_API_KEY.",
    "Bing": "Bing Chat has no documented public API; use OpenaiAPI or Custom with an API key.",
}


class ProviderNotBuiltError(ProviderNotFoundError, ImportError):
    """A provider of gpt4free that needs web scraping, which g4f does not do."""


class _Registered(dict[str, type]):
    """Name -> provider class, for the names used so far; another name is resolved (``_resolve``) on lookup."""

    def __missing__(self, name: str) -> type:
        return _resolve(name)


_registered: dict[str, type] = _Registered()


@cache
def _module_names() -> tuple[str, ...]:
    return tuple(m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_"))


@cache
def _entry_points() -> dict[str, Any]:
    from importlib.metadata import entry_points

    return {ep.name: ep for ep in entry_points(group="g4f.providers")}


def register(provider: type) -> type:
    """Register a provider class by its name (usable as a decorator)."""
    _registered[provider.__name__] = provider
    return provider


#: ``get(name)``: the provider class called ``name`` (case-insensitive), or ``ProviderNotFoundError``.
#: The registry's own lookup, without a Python call for a provider used before: the router asks for
#: providers by name on every request.
get: Callable[[str], type] = _registered.__getitem__


def _resolve(name: str) -> type:
    """``get`` of a name not registered yet: a module of this package, an entry point, or the name in
    another case."""
    if name in _module_names():
        # Kept once imported: the router asks for a provider by name on every request.
        return register(getattr(importlib.import_module(f"{__name__}.{name}"), name))
    if name in NOT_BUILT:
        raise ProviderNotBuiltError(f"Provider {name!r} is not available: {NOT_BUILT[name]}")
    eps = _entry_points()
    if name in eps:
        return register(eps[name].load())
    lowered = {n.lower(): n for n in (*_registered, *_module_names(), *eps, *NOT_BUILT)}
    if name.lower() in lowered and lowered[name.lower()] != name:
        return get(lowered[name.lower()])
    import difflib

    close = difflib.get_close_matches(name, list(lowered.values()), n=3, cutoff=0.6)
    hint = f" Did you mean {', '.join(close)}?" if close else ""
    raise ProviderNotFoundError(f"Provider {name!r} not found.{hint}")


def names() -> list[str]:
    return sorted({*_module_names(), *_entry_points(), *_registered})


def all_providers() -> list[type]:
    result = []
    for name in names():
        try:
            result.append(get(name))
        except Exception:  # a broken third-party plugin must not hide the others
            continue
    return result


class _Convert(dict):
    """``ProviderUtils.convert``: name -> class, filled on first access."""

    def _fill(self) -> None:
        if not super().__len__():
            self.update({p.__name__: p for p in all_providers()})

    def __getitem__(self, key: str) -> type:
        try:
            return get(key)
        except ProviderNotFoundError:
            raise KeyError(key) from None

    def __contains__(self, key: object) -> bool:
        self._fill()
        return super().__contains__(key)

    def __iter__(self):
        self._fill()
        return super().__iter__()

    def __len__(self) -> int:
        self._fill()
        return super().__len__()

    def keys(self):
        self._fill()
        return super().keys()

    def values(self):
        self._fill()
        return super().values()

    def items(self):
        self._fill()
        return super().items()


class ProviderUtils:
    convert: dict[str, type] = _Convert()


def __getattr__(name: str) -> Any:
    if name.startswith("__"):
        raise AttributeError(name)
    try:
        return get(name)
    except ProviderNotBuiltError:
        raise
    except ProviderNotFoundError as error:
        raise AttributeError(str(error)) from None


def __dir__() -> list[str]:
    return [*globals(), *names()]


class _Registry(types.ModuleType):
    """Importing ``g4f.Provider.Groq`` makes Python set the package attribute ``Groq`` to the submodule;
    the class of the same name takes its place, so ``g4f.Provider.Groq`` is always the provider class."""

    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, types.ModuleType) and value.__name__ == f"{__name__}.{name}":
            value = getattr(value, name, value)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Registry


__all__ = ["ProviderUtils", "register", "get", "names", "all_providers", "ProviderNotBuiltError"]
