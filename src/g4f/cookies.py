"""Cookies and API keys from the cookies directory.

The directory (setting ``cookies_dir``: ``G4F_COOKIES_DIR``, ``--cookies-dir``; default under the user's config directory)
holds cookie ``.json`` files, ``.har`` files and a ``.env`` file of API keys. Files are read once and
again on ``read_cookie_files()`` (the server calls it after an upload).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from . import config
from .typing import Cookies

_cookies: dict[str, Cookies] = {}
_api_keys: dict[str, str] = {}
_cookies_dir: Path | None = None
_loaded = False


#: The setting's text (or, for the default, the variables the user's config directory follows) ->
#: its ``Path``. The router asks per request and either may change between two: only the conversion is kept.
_dirs: dict[Any, Path] = {}


def get_cookies_dir() -> Path:
    if _cookies_dir is not None:
        return _cookies_dir
    named = config.get("cookies_dir")
    key = named or (None, config.env("XDG_CONFIG_HOME"), config.env("HOME"))
    path = _dirs.get(key)
    if path is None:
        if named:
            path = Path(named)
        else:
            import platformdirs

            path = Path(platformdirs.user_config_dir("g4f")) / "cookies"
        if len(_dirs) > 64:
            _dirs.clear()
        _dirs[key] = path
    return path


def set_cookies_dir(path: str | os.PathLike) -> None:
    global _cookies_dir, _loaded
    _cookies_dir = Path(path)
    _loaded = False


def _domain_matches(cookie_domain: str, domain: str) -> bool:
    cookie_domain = cookie_domain.lstrip(".")
    return domain == cookie_domain or domain.endswith("." + cookie_domain) or cookie_domain.endswith("." + domain)


def _add(domain: str, name: str, value: str) -> None:
    _cookies.setdefault(domain.lstrip("."), {})[name] = value


def _read_json(path: Path) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    items = data if isinstance(data, list) else data.get("cookies", []) if isinstance(data, dict) else []
    if isinstance(data, dict) and not items:  # {"domain": {"name": "value"}}
        for domain, cookies in data.items():
            if isinstance(cookies, dict):
                for name, value in cookies.items():
                    _add(domain, name, str(value))
        return
    for c in items:
        if isinstance(c, dict) and "name" in c and "domain" in c:
            _add(c["domain"], c["name"], str(c.get("value", "")))


def _read_har(path: Path) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    from urllib.parse import urlparse

    for entry in data.get("log", {}).get("entries", []):
        request = entry.get("request", {})
        host = urlparse(request.get("url", "")).hostname or ""
        for c in request.get("cookies", []):
            if "name" in c:
                _add(c.get("domain") or host, c["name"], str(c.get("value", "")))


def _read_env(path: Path) -> None:
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.split("=", 1)
        _api_keys[key.strip().removeprefix("export ").strip()] = value.strip().strip("'\"")


def read_cookie_files(directory: str | os.PathLike | None = None) -> None:
    """(Re)load every cookie, HAR and .env file of the directory."""
    global _loaded
    _loaded = True
    folder = Path(directory) if directory else get_cookies_dir()
    if not folder.is_dir():
        return
    for path in sorted(folder.iterdir()):
        try:
            if path.suffix == ".json":
                _read_json(path)
            elif path.suffix == ".har":
                _read_har(path)
            elif path.name == ".env" or path.suffix == ".env":
                _read_env(path)
        except (OSError, ValueError, AttributeError):
            from . import debug

            debug.log(f"Could not read cookie file {path.name}")


def _ensure_loaded() -> None:
    if not _loaded:
        read_cookie_files()


def get_cookies(domain_name: str, raise_requirements_error: bool = True, single_browser: bool = False) -> Cookies:
    """The cookies stored for ``domain_name`` (set, or read from the cookies directory)."""
    _ensure_loaded()
    result: Cookies = {}
    for domain, cookies in _cookies.items():
        if _domain_matches(domain, domain_name.lstrip(".")):
            result.update(cookies)
    return result


def set_cookies(domain_name: str, cookies: Cookies | None = None) -> None:
    """Set (or with ``None`` forget) the cookies of a domain."""
    if cookies:
        _cookies[domain_name.lstrip(".")] = dict(cookies)
    else:
        _cookies.pop(domain_name.lstrip("."), None)


def get_api_key(env_name: str) -> str | None:
    """An API key from the cookies directory's ``.env`` files."""
    _ensure_loaded()
    return _api_keys.get(env_name)


def set_api_key(env_name: str, value: str | None) -> None:
    if value:
        _api_keys[env_name] = value
    else:
        _api_keys.pop(env_name, None)


def reset() -> None:
    """Forget everything loaded (tests, or a changed cookies directory)."""
    global _loaded
    _cookies.clear()
    _api_keys.clear()
    _loaded = False


__all__ = ["get_cookies", "set_cookies", "get_cookies_dir", "set_cookies_dir", "read_cookie_files", "get_api_key"]
