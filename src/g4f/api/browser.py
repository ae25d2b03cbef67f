"""What a web page the user happens to visit may do to a server without an API key: nothing.

Without a key, any page could otherwise drive a local server through the user's browser: a
"simple" cross-origin POST (``text/plain``, a form) needs no CORS preflight, and DNS rebinding
makes a foreign name resolve to 127.0.0.1. So, before anything else runs:

- a request from another origin (``Origin``, or ``Sec-Fetch-Site: cross-site``) is refused (403)
  unless that origin is in ``--cors-origins``;
- on a server bound to a loopback address, the ``Host`` must be a loopback name (or in
  ``--allowed-hosts``, e.g. the name a local reverse proxy passes on) (403);
- JSON routes take ``application/json`` only (415), so no form or ``text/plain`` body runs.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Awaitable, Iterable
from functools import lru_cache

import orjson
from starlette.types import ASGIApp, Receive, Scope, Send

from .errors import error_body

LOOPBACK_NAMES = frozenset(("localhost", "127.0.0.1", "::1", "[::1]"))
#: POST routes whose body is multipart, not JSON.
MULTIPART = frozenset(("/v1/upload_cookies", "/v1/audio/transcriptions", "/v1/images/variations"))


def _response(status: int, message: str, code: str) -> tuple[int, bytes]:
    return status, orjson.dumps(error_body(status, message, "permission_error" if status == 403 else None, code))


FOREIGN_ORIGIN = _response(
    403, "Requests from this web origin are not allowed (see --cors-origins).", "origin_not_allowed"
)
FOREIGN_HOST = _response(
    403, "This server answers to loopback host names only (see --allowed-hosts).", "host_not_allowed"
)
NOT_JSON = _response(
    415, "Send the request body as JSON with 'Content-Type: application/json'.", "unsupported_media_type"
)


@lru_cache(maxsize=256)
def is_loopback(host: str) -> bool:
    """Whether ``host`` is a loopback address (cached: it is asked per request of the bound address)."""
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def host_name(host: bytes) -> str:
    """The name of a ``Host`` header without its port, lower case."""
    text = host.decode("latin-1").strip().lower()
    if text.startswith("["):
        return text.split("]", 1)[0] + "]"
    return text.rsplit(":", 1)[0] if text.count(":") == 1 else text


class BrowserGuard:
    def __init__(self, app: ASGIApp, cors_origins: Iterable[str] = (), allowed_hosts: Iterable[str] = ()) -> None:
        self.app = app
        origins = {o.rstrip("/").lower() for o in cors_origins}
        self.any_origin = "*" in origins
        self.origins = frozenset(origins)
        self.hosts = LOOPBACK_NAMES | {h.lower() for h in allowed_hosts}
        self.known: dict[bytes, bool] = {}

    def _host_allowed(self, host: bytes) -> bool:
        """Whether a loopback-bound server answers to ``host`` (a few values per server: kept)."""
        allowed = self.known.get(host)
        if allowed is None:
            name = host_name(host)
            allowed = name in self.hosts or is_loopback(name)
            if len(self.known) < 256:
                self.known[host] = allowed
        return allowed

    def __call__(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
        # Not a coroutine: the app's own awaitable is handed back, one frame fewer under every request.
        if scope["type"] != "http":
            return self.app(scope, receive, send)
        headers = dict(scope["headers"])  # a repeated header: the last one, as a loop over them would take
        host = headers.get(b"host")
        server = scope.get("server")
        if server and is_loopback(server[0]):
            allowed = self.known.get(host)  # type: ignore[arg-type]  # None: not known yet, as a missing host
            if allowed is None:
                allowed = self._host_allowed(host or b"")
            if not allowed:
                return _refuse(send, *FOREIGN_HOST)
        origin = headers.get(b"origin")
        if origin is not None or headers.get(b"sec-fetch-site") == b"cross-site":
            own = f"{scope.get('scheme', 'http')}://{(host or b'').decode('latin-1').lower()}"
            presented = origin.decode("latin-1").rstrip("/").lower() if origin is not None else "null"
            if presented != own and not self.any_origin and presented not in self.origins:
                return _refuse(send, *FOREIGN_ORIGIN)
        content_type = headers.get(b"content-type")
        if (
            content_type != b"application/json"  # most requests: nothing more to look at
            and scope["method"] == "POST"
            and scope["path"] not in MULTIPART
            and scope["path"].startswith(("/v1/", "/api/"))
        ):
            kind = (content_type or b"").split(b";", 1)[0].strip().lower()
            if kind != b"application/json" and not kind.endswith(b"+json"):
                return _refuse(send, *NOT_JSON)
        return self.app(scope, receive, send)


async def _refuse(send: Send, status: int, body: bytes) -> None:
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


__all__ = ["BrowserGuard", "is_loopback", "host_name"]
