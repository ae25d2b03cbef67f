"""API key check as pure ASGI middleware (no BaseHTTPMiddleware on the hot path)."""

from __future__ import annotations

import hmac
from urllib.parse import unquote_to_bytes

import orjson
from starlette.types import ASGIApp, Receive, Scope, Send

from .errors import error_body

PROTECTED = ("/v1/", "/api/", "/media/", "/images/")
#: Read-only listings that stay open for clients that discover models before they authenticate.
OPEN = ("/v1/models",)
#: Files an ``<img>`` or ``<audio>`` tag loads: these may carry the key in a same-site cookie.
COOKIE_PATHS = ("/media/", "/images/")
COOKIE = "g4f_api_key"

_BODY = orjson.dumps(
    error_body(
        401,
        "Invalid or missing API key. Send 'Authorization: Bearer KEY', 'x-api-key: KEY' or 'g4f-api-key: KEY'.",
        "authentication_error",
        "invalid_api_key",
    )
)


class AuthMiddleware:
    def __init__(self, app: ASGIApp, api_key: str) -> None:
        self.app = app
        self.key = api_key.encode()

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
        if scope["type"] == "http" and self._needs_key(scope):
            presented = self._presented(scope)
            if presented is None or not hmac.compare_digest(presented, self.key):
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


__all__ = ["AuthMiddleware", "COOKIE"]
