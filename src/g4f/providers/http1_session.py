"""The pooled session of an event loop: the lean HTTP/1.1 client (``http1``) for what it does,
aiohttp for the rest.

One rule picks the client: ``request()`` with only ``headers``, a bytes or str ``data``,
``params``, ``timeout`` (its ``sock_connect``: the connect deadline) and no ``proxy``, to an
``http``/``https`` URL without credentials, is sent by the lean client; any other request (a proxy,
a form or dict body, other aiohttp options, ``HEAD``) and every other method (``get(...)``) is
aiohttp's, on a pooled ``aiohttp.ClientSession`` made the first time it is needed.

Connections are pooled per (scheme, host, port), reused last-in first-out, with no limit on their
number (as ``TCPConnector(limit=0)``). A reused connection that closes before any byte of its
answer (the server dropped it while idle) is retried once on a fresh one; nothing is retried once
the answer has begun.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections.abc import Callable
from functools import cache, lru_cache
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import aiohttp

from .http1 import ACCEPT_ENCODING, ConnectError, Connection, Response, StaleConnection

Key = tuple[str, str, int]  # scheme, host, port

KEEPALIVE = 15.0  # seconds an idle connection is kept (aiohttp's keepalive_timeout)
DNS_TTL = 300.0  # seconds a host's addresses are cached (as ttl_dns_cache=300)
USER_AGENT = aiohttp.http.SERVER_SOFTWARE  # what aiohttp sends: an upstream sees no change
LEAN_OPTIONS = frozenset(("headers", "data", "params", "proxy", "timeout"))
BODY_METHODS = frozenset(("POST", "PUT", "PATCH"))
SAFE_PATH = "/%:@!$&'()*+,;=-._~"


@cache
def ssl_context() -> ssl.SSLContext:
    """The system's trust store, made once (it takes milliseconds)."""
    return ssl.create_default_context()


@lru_cache(maxsize=512)
def _target(url: str) -> tuple[Key, str, str] | None:
    """``(key, Host header, request target)`` of a URL the lean client can send to, else ``None``."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname or "@" in parts.netloc:
        return None
    path = quote(parts.path or "/", safe=SAFE_PATH)
    if parts.query:
        path += "?" + quote(parts.query, safe=SAFE_PATH + "?/")
    return (scheme, parts.hostname, port or (443 if scheme == "https" else 80)), parts.netloc, path


@lru_cache(maxsize=1024)
def _head(
    method: str, url: str, query: str, headers: tuple[tuple[str, Any], ...], kind: str | None
) -> tuple[Key, bytes] | None:
    """``(pool key, request line and headers but the length)`` of a request the lean client sends
    (the same for every request of a provider, so cached), else ``None``. The caller's headers win
    over the defaults, in any case. ``query``: encoded ``params`` to add; ``kind``: the body's
    default Content-Type (``None``: no body)."""
    method = method.upper()
    target = _target(url)
    if target is None or method == "HEAD":
        return None
    key, host, path = target
    if query:
        path += ("&" if "?" in path else "?") + query
    fields = {
        "host": ("Host", host),
        "accept": ("Accept", "*/*"),
        "accept-encoding": ("Accept-Encoding", ACCEPT_ENCODING),
        "user-agent": ("User-Agent", USER_AGENT),
    }
    for name, value in headers:
        value = str(value)
        if "\r" in name or "\n" in name or "\r" in value or "\n" in value:
            raise ValueError("Newline or carriage return character detected in HTTP header")
        fields[name.lower()] = (name, value)
    fields.pop("content-length", None)  # the body's own length is sent
    if kind is not None and "content-type" not in fields:
        fields["content-type"] = ("Content-Type", kind)
    lines = [f"{method} {path} HTTP/1.1\r\n", *(f"{name}: {value}\r\n" for name, value in fields.values())]
    return key, "".join(lines).encode("utf-8")


class Http1Session:
    """What ``providers.http.get_session()`` returns: ``request()``, ``get()``, ``closed``, ``close()``."""

    def __init__(self, make_aiohttp: Callable[[], aiohttp.ClientSession]) -> None:
        self.loop = asyncio.get_running_loop()
        self.idle: dict[Key, list[Connection]] = {}
        self.open: set[Connection] = set()
        self.closed = False
        self._make_aiohttp = make_aiohttp
        self._aiohttp: aiohttp.ClientSession | None = None
        self._dns: dict[tuple[str, int], tuple[float, list[Any]]] = {}

    @property
    def aiohttp(self) -> aiohttp.ClientSession:
        """The pooled aiohttp session, for what the lean client does not do."""
        if self._aiohttp is None or self._aiohttp.closed:
            self._aiohttp = self._make_aiohttp()
        return self._aiohttp

    def get(self, url: str, **options: Any) -> Any:
        """aiohttp's ``session.get`` (an ``async with`` context): media downloads, redirects by hand."""
        return self.aiohttp.get(url, **options)

    async def request(self, method: str, url: str, **options: Any) -> Any:
        """The answer (head received) to one request: ``aiohttp.ClientResponse``'s members g4f uses."""
        plan = self._plan(method, url, options)
        if plan is None:
            return await self.aiohttp.request(method, url, **options)
        key, payload = plan
        conn = self._reuse(key)
        while True:
            if conn is None:
                conn = await self._connect(key, options.get("timeout"))
            try:
                await conn.ask(payload)
            except StaleConnection:  # dropped while idle: nothing answered, send again on a fresh one
                conn.close()
                conn = None
                continue
            except BaseException:  # an error, or cancelled (a deadline): never back to the pool
                conn.close()
                raise
            return Response(conn, self._release)

    def _plan(self, method: str, url: str, options: dict[str, Any]) -> tuple[Key, bytes] | None:
        """``(pool key, request bytes)`` of a request the lean client sends; ``None``: aiohttp's."""
        if options.get("proxy") or not LEAN_OPTIONS.issuperset(options):
            return None
        timeout = options.get("timeout")
        if timeout is not None and (timeout.total is not None or timeout.sock_read is not None):
            return None  # aiohttp's clocks; the transport keeps its own
        data = options.get("data")
        kind = "application/octet-stream"  # aiohttp's Content-Type for a body the caller did not type
        if data is None or isinstance(data, bytes):  # the transport's JSON: tested first
            pass
        elif isinstance(data, str):
            data, kind = data.encode("utf-8"), "text/plain; charset=utf-8"
        elif isinstance(data, (bytearray, memoryview)):
            data = bytes(data)
        else:
            return None  # a form, a dict, a file: aiohttp encodes those
        params = options.get("params")
        query = (params if isinstance(params, str) else urlencode(params)) if params else ""
        headers = options.get("headers")
        plan = _head(method, url, query, tuple(headers.items()) if headers else (), kind if data is not None else None)
        if plan is None:  # a URL it does not send to, or HEAD
            return None
        key, head = plan
        if data is not None:
            return key, b"%sContent-Length: %d\r\n\r\n%s" % (head, len(data), data)
        return key, head + (b"Content-Length: 0\r\n\r\n" if method.upper() in BODY_METHODS else b"\r\n")

    def _reuse(self, key: Key) -> Connection | None:
        idle = self.idle.get(key)
        while idle:
            conn = idle.pop()
            conn.parking = None
            if not conn.lost and not conn.transport.is_closing():  # type: ignore[union-attr]
                return conn
        return None

    def _release(self, conn: Connection) -> None:
        """Park a connection whose answer came whole and which may be kept; close any other."""
        if not (conn.complete and conn.keep_alive) or conn.lost or self.closed:
            conn.close()
            return
        conn.busy = False
        conn.reused = True
        idle = self.idle.setdefault(conn.key, [])
        now = conn.idle_since = self.loop.time()
        if idle and now - idle[0].idle_since > KEEPALIVE:  # the oldest idle one, one per release
            oldest = idle.pop(0)
            oldest.parking = None
            oldest.close()
        idle.append(conn)
        conn.parking = idle

    async def _connect(self, key: Key, timeout: Any) -> Connection:
        limit = getattr(timeout, "sock_connect", None) or getattr(timeout, "connect", None)
        scheme, host, port = key
        try:
            if limit:
                return await asyncio.wait_for(self._open(key), limit)
            return await self._open(key)
        except asyncio.TimeoutError:  # the deadline, or the system's own connect timeout
            raise aiohttp.ConnectionTimeoutError(f"Connection timeout to host {scheme}://{host}:{port}") from None

    async def _open(self, key: Key) -> Connection:
        scheme, host, port = key
        tls = scheme == "https"
        try:
            infos = await self._resolve(host, port)
            error: OSError | None = None
            for family, _, _, _, address in infos:
                try:
                    _, conn = await self.loop.create_connection(
                        lambda: Connection(self.loop),
                        address[0],
                        port,
                        family=family,
                        ssl=ssl_context() if tls else None,
                        server_hostname=host if tls else None,
                    )
                    break
                except asyncio.TimeoutError:
                    raise
                except OSError as failure:
                    error = failure
            else:
                raise error or OSError(f"no address for {host}")
        except asyncio.TimeoutError:
            raise
        except OSError as failure:
            text = f"Cannot connect to host {host}:{port} [{failure.strerror or failure}]"
            raise (ConnectError(failure.errno, text) if failure.errno else ConnectError(text)) from failure
        conn.key = key
        conn.on_lost = self.open.discard
        self.open.add(conn)
        if self.closed:
            conn.close()
        return conn

    async def _resolve(self, host: str, port: int) -> list[Any]:
        now = self.loop.time()
        cached = self._dns.get((host, port))
        if cached is not None and cached[0] > now:
            return cached[1]
        infos = await self.loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        self._dns[(host, port)] = (now + DNS_TTL, infos)
        return infos

    async def close(self) -> None:
        """Close every connection (idle or in use) and the aiohttp session, if one was made."""
        self.closed = True
        self.idle.clear()
        for conn in list(self.open):
            conn.parking = None
            conn.close()
        if self._aiohttp is not None and not self._aiohttp.closed:
            await self._aiohttp.close()
        if self.open:
            await asyncio.sleep(0)  # let the transports finish closing before the loop may


__all__ = ["Http1Session", "ssl_context"]
