"""Reading the process environment on the hot path: ``env`` (any variable) and ``provider_env``
(a provider's own variable, else the cookies directory's ``.env``). ``g4f.config`` re-exports both."""

from __future__ import annotations

import os
import sys
from typing import Any

_ENCODING = sys.getfilesystemencoding()
#: ``os.environ``'s own store on POSIX: a dict of encoded names that its every change updates
#: (``setenv``, ``del``, ``patch.dict`` all go through it). Elsewhere ``os.environ.get`` is used.
_data = getattr(os.environ, "_data", None) if os.name == "posix" else None
_ENV_DATA: dict[bytes, bytes] | None = _data if type(_data) is dict else None
#: Name -> its key in ``_ENV_DATA``, once ``env`` has read it.
_env_keys: dict[str, bytes] = {}


def env(name: str) -> str | None:
    """``os.environ.get(name)``, for the hot path: read each time (tests change the environment
    between requests), but without ``os.environ``'s own lookup, which raises and catches a
    ``KeyError`` for every unset variable (~3 us; the router reads several per request)."""
    key = _env_keys.get(name)
    if key is None:
        if _ENV_DATA is None:
            return os.environ.get(name)
        key = _env_keys[name] = name.encode(_ENCODING, "surrogateescape")
    value = _ENV_DATA.get(key)  # type: ignore[union-attr]
    return None if value is None else value.decode(_ENCODING, "surrogateescape")


def provider_env(name: str) -> str | None:
    """A provider's own variable (``GROQ_API_KEY``, ``OLLAMA_HOST``, ``<NAME>_API_BASE``): the
    environment, else a ``.env`` file in the cookies directory. Empty counts as unset."""
    value = env(name)
    if value:
        return value
    return _cookies().get_api_key(name) or None


def _cookies() -> Any:
    """``g4f.cookies`` (it reads settings: imported on first use, then kept)."""
    global _cookies_module
    if _cookies_module is None:
        from . import cookies

        _cookies_module = cookies
    return _cookies_module


_cookies_module: Any = None


__all__ = ["env", "provider_env"]
