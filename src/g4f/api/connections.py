"""Connection hygiene at the HTTP protocol: deadlines for a request's head and body, and a cap on
the connections one address holds open.

uvicorn closes idle keep-alive connections itself (``timeout_keep_alive``) but waits forever for
a request's head or body: a client dripping header bytes, or 1,000 sockets that never send a byte,
are held open. ``GuardedHttpToolsProtocol`` (uvicorn's httptools protocol with a deadline)
closes them, answering 408 when part of a request came. One timer per connection, re-armed only
when it fires (a request moves a deadline field; it does not make a timer).

The settings come from the app's ``AppConfig`` (``header_timeout``, ``body_timeout``,
``max_connections_per_ip``), found behind uvicorn's wrappers once per server.
"""

from __future__ import annotations

import asyncio
from typing import Any

from .. import debug

try:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    HAS_HTTPTOOLS = True
except ImportError:  # uvicorn without httptools (``uvicorn[standard]`` brings it): no deadlines here
    from uvicorn.protocols.http.h11_impl import H11Protocol as HttpToolsProtocol  # type: ignore[assignment]

    HAS_HTTPTOOLS = False

PROTOCOL = "g4f.api.connections:GuardedHttpToolsProtocol"

_TIMEOUT = b"HTTP/1.1 408 Request Timeout\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
_BUSY_BODY = (
    b'{"error":{"message":"Too many open connections from this address.",'
    b'"type":"server_error","code":"too_many_connections","param":null}}'
)
_BUSY = (
    b"HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\nconnection: close\r\n"
    + b"content-length: "
    + str(len(_BUSY_BODY)).encode()
    + b"\r\n\r\n"
    + _BUSY_BODY
)


class Limits:
    """One server's connection settings, and the connections it holds per address."""

    __slots__ = ("header_timeout", "body_timeout", "per_address", "open")

    def __init__(self, header_timeout: float = 10.0, body_timeout: float = 30.0, per_address: int = 0) -> None:
        self.header_timeout, self.body_timeout, self.per_address = header_timeout, body_timeout, per_address
        self.open: dict[str, int] = {}


def _limits(config: Any) -> Limits:
    limits = getattr(config, "_g4f_limits", None)
    if limits is None:
        app = config.loaded_app
        while app is not None and not hasattr(app, "state"):  # uvicorn's wrappers keep the app in .app
            app = getattr(app, "app", None)
        settings = getattr(getattr(app, "state", None), "settings", None)
        limits = (
            Limits(settings.header_timeout, settings.body_timeout, settings.max_connections_per_ip)
            if settings is not None
            else Limits()
        )
        config._g4f_limits = limits
    return limits


class GuardedHttpToolsProtocol(HttpToolsProtocol):
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self.limits = limits = _limits(self.config)
        self.address: str | None = self.client[0] if self.client else ""
        held = limits.open.get(self.address, 0)  # type: ignore[arg-type]
        if limits.per_address and held >= limits.per_address:
            self.address = None  # not counted
            self.logger.warning("Connection refused: too many open from one address.")
            transport.write(_BUSY)
            transport.close()
            return
        limits.open[self.address] = held + 1  # type: ignore[index]
        self.partial = False  # whether part of a request came (then a timeout answers 408)
        self.deadline: float | None = self.loop.time() + limits.header_timeout
        self.alarm: asyncio.TimerHandle | None = self.loop.call_later(limits.header_timeout, self._check)

    def connection_lost(self, exc: Exception | None) -> None:
        address = getattr(self, "address", None)
        if address is not None:
            left = self.limits.open.get(address, 1) - 1
            if left > 0:
                self.limits.open[address] = left
            else:
                self.limits.open.pop(address, None)
            self.address = None
        if getattr(self, "alarm", None) is not None:
            self.alarm.cancel()  # type: ignore[union-attr]
            self.alarm = None
        super().connection_lost(exc)

    def _wait(self, seconds: float) -> None:
        self.deadline = self.loop.time() + seconds
        if self.alarm is None:
            self.alarm = self.loop.call_later(seconds, self._check)

    def _check(self) -> None:
        self.alarm = None
        if self.deadline is None or self.transport.is_closing():
            return
        left = self.deadline - self.loop.time()
        if left > 0:
            self.alarm = self.loop.call_later(left, self._check)
            return
        if self.partial and (self.cycle is None or not self.cycle.response_started):
            self.transport.write(_TIMEOUT)
        self.transport.close()

    # The parser's callbacks move the deadline: the head, then the silence between body parts.
    def on_message_begin(self) -> None:
        super().on_message_begin()
        self.partial = True
        self._wait(self.limits.header_timeout)

    def on_headers_complete(self) -> None:
        super().on_headers_complete()
        if self.parser.should_upgrade() and self._should_upgrade():
            self.deadline = None  # another protocol takes the connection over
        else:
            self._wait(self.limits.body_timeout)

    def on_body(self, body: bytes) -> None:
        super().on_body(body)
        self.deadline = self.loop.time() + self.limits.body_timeout

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self.partial = False
        self.deadline = None  # the app answers; then uvicorn's keep-alive timeout applies


def uvicorn_options(settings: Any) -> dict[str, Any]:
    """uvicorn settings for ``settings``: the guarded protocol, keep-alive, trusted proxies."""
    trusted = list(settings.forwarded_allow_ips or ())
    options = {
        "timeout_keep_alive": settings.keep_alive_timeout,
        "proxy_headers": bool(trusted),
        "forwarded_allow_ips": ",".join(trusted) if trusted else None,
    }
    if HAS_HTTPTOOLS:
        options["http"] = PROTOCOL
    else:
        debug.logger.warning(
            "httptools is missing: no header/body deadlines or per-address cap (pip install httptools)"
        )
    return options


__all__ = ["GuardedHttpToolsProtocol", "Limits", "uvicorn_options", "PROTOCOL"]
