"""Who is calling: API keys (``--g4f-api-key`` and a keys file), checked as pure ASGI middleware,
and the identity that rate limits and conversations go by.

A keys file (``--api-keys FILE``) is JSON, either a list or ``{"keys": [...]}`` of entries::

    {"keys": [
      {"name": "alice", "key": "sk-alice-...", "rate_limit": 120, "models": ["gpt-4o-mini"]},
      {"name": "ci", "sha256": "<hex SHA-256 of the key>", "rate_limit": 10}
    ]}

``name`` (unique) and either ``key`` or its ``sha256`` are required; ``rate_limit`` (requests per
minute, 0 unlimited) defaults to ``--rate-limit``; ``models`` (the models the key may ask for)
defaults to all. The file is read once at start; no database is involved.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any
from urllib.parse import unquote_to_bytes

import orjson
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from ..errors import G4FError
from .errors import error_body

PROTECTED = ("/v1/", "/api/", "/media/", "/images/")
#: Read-only listings that stay open for clients that discover models before they authenticate.
OPEN = ("/v1/models",)
#: Files an ``<img>`` or ``<audio>`` tag loads: these may carry the key in a same-site cookie.
COOKIE_PATHS = ("/media/", "/images/")
COOKIE = "g4f_api_key"
#: Where the middleware leaves the verified key's ``ApiKey`` in the ASGI scope.
SCOPE_KEY = "g4f.api_key"

_BODY = orjson.dumps(
    error_body(
        401,
        "Invalid or missing API key. Send 'Authorization: Bearer KEY', 'x-api-key: KEY' or 'g4f-api-key: KEY'.",
        "authentication_error",
        "invalid_api_key",
    )
)


class ModelNotAllowedError(G4FError):
    """The API key may not use this model."""

    status_code = 403
    error_type = "permission_error"
    code = "model_not_allowed"
    param = "model"


class ApiKey:
    """One accepted key: its name, its own rate limit (None: the server's) and allowed models (None: all).

    ``shared`` marks the single ``--g4f-api-key`` every user of a server holds: it says a caller may
    come in, not who the caller is, so its callers are counted by address.
    """

    __slots__ = ("name", "rate_limit", "models", "shared")

    def __init__(
        self, name: str, rate_limit: int | None = None, models: list[str] | None = None, shared: bool = False
    ) -> None:
        self.name, self.rate_limit, self.shared = name, rate_limit, shared
        self.models = frozenset(models) if models is not None else None


class Keyring:
    """The accepted keys, by the SHA-256 of the key (so a keys file may hold hashes only)."""

    def __init__(self, keys: dict[bytes, ApiKey]) -> None:
        self.keys = keys

    def __bool__(self) -> bool:
        return bool(self.keys)

    def find(self, presented: bytes) -> ApiKey | None:
        return self.keys.get(hashlib.sha256(presented).digest())

    @property
    def has_limits(self) -> bool:
        return any(k.rate_limit for k in self.keys.values())

    @classmethod
    def from_settings(cls, api_key: str | None, keys_file: str | None) -> Keyring:
        keys = load_keys(keys_file) if keys_file else {}
        if api_key:
            keys[hashlib.sha256(api_key.encode()).digest()] = ApiKey("g4f_api_key", shared=True)
        return cls(keys)


def load_keys(path: str) -> dict[bytes, ApiKey]:
    """The entries of a keys file; ``ValueError`` saying what is wrong (never showing a key)."""
    try:
        data = orjson.loads(Path(path).expanduser().read_bytes())
    except (OSError, orjson.JSONDecodeError) as error:
        raise ValueError(f"Cannot read the keys file {path}: {type(error).__name__}") from None
    entries = data.get("keys") if isinstance(data, dict) else data
    if not isinstance(entries, list):
        raise ValueError(f"The keys file {path} must hold a list of keys or {{'keys': [...]}}.")
    keys: dict[bytes, ApiKey] = {}
    names: set[str] = set()
    for index, entry in enumerate(entries):
        where = f"{path}, entry {index + 1}"
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str) or not entry["name"]:
            raise ValueError(f"{where}: each key needs a 'name'.")
        name = entry["name"]
        if name in names:
            raise ValueError(f"{where}: the name {name!r} is used twice.")
        names.add(name)
        digest = _digest(entry, where)
        if digest in keys:
            raise ValueError(f"{where}: the same key as {keys[digest].name!r}.")
        limit = entry.get("rate_limit")
        if limit is not None and (not isinstance(limit, int) or isinstance(limit, bool) or limit < 0):
            raise ValueError(f"{where}: 'rate_limit' must be a whole number of requests per minute (0 unlimited).")
        models = entry.get("models")
        if models is not None and (not isinstance(models, list) or not all(isinstance(m, str) for m in models)):
            raise ValueError(f"{where}: 'models' must be a list of model names.")
        keys[digest] = ApiKey(name, limit, models)
    return keys


def _digest(entry: dict[str, Any], where: str) -> bytes:
    if isinstance(entry.get("key"), str) and entry["key"] and "sha256" not in entry:
        return hashlib.sha256(entry["key"].encode()).digest()
    if isinstance(entry.get("sha256"), str) and "key" not in entry:
        try:
            digest = bytes.fromhex(entry["sha256"])
        except ValueError:
            digest = b""
        if len(digest) == 32:
            return digest
        raise ValueError(f"{where}: 'sha256' must be 64 hex digits.")
    raise ValueError(f"{where}: give either 'key' or 'sha256'.")


class AuthMiddleware:
    def __init__(self, app: ASGIApp, keyring: Keyring) -> None:
        self.app = app
        self.keyring = keyring

    def _needs_key(self, scope: Scope) -> bool:
        path: str = scope["path"]
        if scope["method"] == "OPTIONS" or not path.startswith(PROTECTED):
            return False
        return not (scope["method"] in ("GET", "HEAD") and (path == OPEN[0] or path.startswith(OPEN[0] + "/")))

    def _presented(self, scope: Scope) -> bytes | None:
        cookie = None
        for name, value in scope["headers"]:
            if name == b"authorization" and value[:7].lower() == b"bearer ":
                return value[7:].strip()
            if name in (b"g4f-api-key", b"x-api-key"):  # x-api-key: what Anthropic clients send
                return value.strip()
            if name == b"cookie":
                cookie = value
        if cookie is not None and scope["method"] in ("GET", "HEAD") and scope["path"].startswith(COOKIE_PATHS):
            for pair in cookie.split(b";"):
                key, _, value = pair.strip().partition(b"=")
                if key == COOKIE.encode():
                    return unquote_to_bytes(value)  # the page stores it percent-encoded
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            presented = self._presented(scope)
            found = self.keyring.find(presented) if presented is not None else None
            if found is not None:
                scope[SCOPE_KEY] = found
            elif self._needs_key(scope):
                await send(
                    {
                        "type": "http.response.start",
                        "status": 401,
                        "headers": [(b"content-type", b"application/json"), (b"www-authenticate", b"Bearer")],
                    }
                )
                await send({"type": "http.response.body", "body": _BODY})
                return
        await self.app(scope, receive, send)


def api_key_of(request: Request) -> ApiKey | None:
    """The verified key of the request (None without keys, or on an open route without one)."""
    return request.scope.get(SCOPE_KEY)


def address(request: Request) -> str:
    """The client's address (the proxy-reported one only from ``--forwarded-allow-ips``, which the
    server applies before the app sees the request)."""
    client = request.scope.get("client")
    return client[0] if client else "unknown"


def identity(request: Request) -> str:
    """Who owns what a request creates (conversations): the verified key, else the address."""
    key = api_key_of(request)
    return "key:" + key.name if key is not None else "ip:" + address(request)


def rate_identity(request: Request) -> tuple[str, int | None]:
    """Who a request counts against, and that caller's own limit (None: the server's). A bearer
    that is not a verified key counts for nothing: rotating tokens can't dodge the limit."""
    key = api_key_of(request)
    if key is not None and not key.shared:
        return "key:" + key.name, key.rate_limit
    return "ip:" + address(request), None


def check_model(request: Request, model: str | None) -> None:
    """``ModelNotAllowedError`` unless the request's key may use ``model``."""
    key = api_key_of(request)
    if key is not None and key.models is not None and (model or "") not in key.models:
        allowed = ", ".join(sorted(key.models)) or "none"
        raise ModelNotAllowedError(f"This API key may not use model {model or '(default)'!r}; allowed: {allowed}.")


__all__ = [
    "AuthMiddleware",
    "ApiKey",
    "Keyring",
    "ModelNotAllowedError",
    "COOKIE",
    "load_keys",
    "api_key_of",
    "identity",
    "rate_identity",
    "check_model",
]
