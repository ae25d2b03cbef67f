"""A lean HTTP/1.1 connection: one ``asyncio.Protocol`` per socket, parsed by ``httptools`` (llhttp, C).

The upstream request is the hot path of ``g4f api``; aiohttp's client spends about a third of the
server's CPU per request on it. This is what the transport needs and no more: one request at a time
per connection, the answer's head, then its body as it arrives (``readany``), decoded (gzip,
deflate, br when ``brotli`` is importable), with flow control. The pool and the session that picks
this or aiohttp for a request are in ``http1_session``.

Errors are aiohttp's classes (subclassed), so whoever classifies aiohttp's errors classifies these.
"""

from __future__ import annotations

import asyncio
import re
import zlib
from collections.abc import Callable
from typing import Any, Protocol

import aiohttp
import httptools
from multidict import CIMultiDict, CIMultiDictProxy

try:  # br only when the module is there; then it is advertised too
    import brotli as _brotli  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover - depends on the environment
    _brotli = None

ACCEPT_ENCODING = "gzip, deflate, br" if _brotli is not None else "gzip, deflate"
HIGH_WATER = 256 * 1024  # unread body bytes before the socket stops being read
NO_BODY = (204, 304)
# Headers are found in the raw head, which llhttp has checked by then (CRLF lines, no space before a
# colon, none after a value): the body's encoding when the head is complete, the rest only if asked.
CONTENT_ENCODING = re.compile(rb"\r\ncontent-encoding:[ \t]*([^\r]*)", re.IGNORECASE)
CONTENT_TYPE = re.compile(rb"\r\ncontent-type:[ \t]*([^\r]*)", re.IGNORECASE)
FRAMING = re.compile(rb"\r\n(content-length|transfer-encoding):[ \t]*([^\r]*)", re.IGNORECASE)


class ServerDisconnected(aiohttp.ServerDisconnectedError):
    """The connection closed before the answer's head was complete."""


class StaleConnection(ServerDisconnected):
    """A reused connection closed before any byte of the answer: the server dropped it while idle
    (safe to send again on a fresh connection: nothing of this request was answered)."""


class PayloadError(aiohttp.ClientPayloadError):
    """The body was cut short or could not be decoded: never a clean end."""


class ConnectError(aiohttp.ClientOSError):
    """The connection could not be opened (refused, unreachable, TLS handshake failed)."""


class Decoder(Protocol):
    def decompress(self, data: bytes) -> bytes: ...
    def flush(self) -> bytes: ...


def _decoder(encoding: str) -> Decoder | None:
    """The decoder of a Content-Encoding; ``None``: the body is kept as sent (identity, unknown)."""
    encoding = encoding.strip().lower()
    if encoding in ("gzip", "x-gzip"):
        return zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    if encoding == "deflate":
        return _Deflate()
    if encoding == "br" and _brotli is not None:
        return _Brotli()
    return None


class _Deflate:
    """``deflate`` as servers send it: zlib-wrapped (RFC 9110) or, often, raw."""

    __slots__ = ("inner",)

    def __init__(self) -> None:
        self.inner: Any = None

    def decompress(self, data: bytes) -> bytes:
        if self.inner is None:
            wrapped = len(data) >= 2 and data[0] & 0x0F == 8 and (data[0] << 8 | data[1]) % 31 == 0
            self.inner = zlib.decompressobj(wbits=zlib.MAX_WBITS if wrapped else -zlib.MAX_WBITS)
        return self.inner.decompress(data)  # type: ignore[no-any-return]

    def flush(self) -> bytes:
        return self.inner.flush() if self.inner is not None else b""  # type: ignore[no-any-return]


class _Brotli:
    __slots__ = ("inner",)

    def __init__(self) -> None:
        self.inner = _brotli.Decompressor()

    def decompress(self, data: bytes) -> bytes:
        return self.inner.process(data)  # type: ignore[no-any-return]

    def flush(self) -> bytes:
        return b""


class Connection(asyncio.Protocol):
    """One keep-alive connection; the state of the answer being read (one at a time)."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.lost = False
        self.reused = False  # it answered before: a failure with no byte back is a stale connection
        self.idle_since = 0.0
        self.parking: list[Connection] | None = None  # the pool's idle list while it waits there
        self.on_lost: Callable[[Connection], None] | None = None
        self.busy = False
        self.key: Any = None  # the pool's (scheme, host, port)
        self.waiter: asyncio.Future[None] | None = None
        # What the answer's head says, set when it is complete (``on_headers_complete``).
        self.status = 0
        self.raw_head = b""  # the status line and header lines, decoded only if someone reads them
        self.decoder: Decoder | None = None
        self.keep_alive = False
        self._begin()

    def _begin(self) -> None:
        """The state of an answer not yet begun (what its head sets is set whole when it comes)."""
        self.received = b""  # the answer's bytes until its head is complete
        self.head_at = 0  # where in them its head begins (after interim 1xx answers)
        self.headers_done = False
        self.complete = False
        self.got_bytes = False
        self.buffer: list[bytes] = []
        self.size = 0
        self.paused = False
        self.exc: BaseException | None = None

    # --- the request ------------------------------------------------------------------------------

    async def ask(self, data: bytes) -> None:
        """Write a request (its head and body, as one bytes object), then wait for its answer's status
        line and headers (or raise why they will not come)."""
        if self.paused and not self.lost:  # the last answer ended with its buffer full
            self.transport.resume_reading()  # type: ignore[union-attr]
        self._begin()
        self.busy = True
        if self.lost or self.transport is None:
            self.exc = (StaleConnection if self.reused else ServerDisconnected)("Server disconnected")
            raise self.exc
        self.transport.write(data)
        while not self.headers_done:
            if self.exc is not None:
                raise self.exc
            await self._wait()

    def close(self) -> None:
        self.busy = False
        if self.transport is not None and not self.lost:
            self.transport.close()

    # --- the body, read by the response -----------------------------------------------------------

    def take(self, limit: int = -1) -> bytes:
        """What is buffered (at most ``limit`` bytes when given); reading resumes once drained."""
        buffer = self.buffer
        data = buffer[0] if len(buffer) == 1 else b"".join(buffer)
        if 0 <= limit < len(data):
            data, rest = data[:limit], data[limit:]
            self.buffer, self.size = [rest], len(rest)
        else:
            self.buffer, self.size = [], 0
        if self.paused and self.size < HIGH_WATER and not self.lost:
            self.paused = False
            self.transport.resume_reading()  # type: ignore[union-attr]  # paused implies connected
        return data

    async def next(self, limit: int = -1) -> bytes:
        """The next bytes of the body, ``b""`` at its end; its error once what came before is read."""
        while True:
            if self.buffer:
                return self.take(limit)
            if self.exc is not None:
                raise self.exc
            if self.complete:
                return b""
            await self._wait()

    def whole(self) -> bytes | None:
        """The whole body, taken, when all of it has come (usually with the head); else ``None``."""
        if not self.complete or self.exc is not None or self.paused:
            return None
        buffer, self.buffer, self.size = self.buffer, [], 0
        return buffer[0] if len(buffer) == 1 else b"".join(buffer)

    async def rest(self) -> bytes:
        """The rest of the body, to its end (taken as it arrives, so flow control holds)."""
        chunks = []
        while True:
            if self.buffer:
                chunks.append(self.take())
            elif self.exc is not None:
                raise self.exc
            elif self.complete:
                return chunks[0] if len(chunks) == 1 else b"".join(chunks)
            else:
                await self._wait()

    def _wait(self) -> asyncio.Future[None]:
        """What the reader awaits until the next news (bytes, the end, an error): a future rather
        than a coroutine, one frame less per wait."""
        waiter = self.waiter = self.loop.create_future()
        return waiter

    def _wake(self) -> None:
        waiter, self.waiter = self.waiter, None
        if waiter is not None and not waiter.done():  # done: its reader was cancelled
            waiter.set_result(None)

    # --- asyncio.Protocol -------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # a stream transport: create_connection

    def data_received(self, data: bytes) -> None:
        if not self.busy or self.complete:  # nothing asked for it (an idle connection talking): drop it
            self.transport.close()  # type: ignore[union-attr]
            return
        self.got_bytes = True
        if not self.headers_done:  # the head is read from these bytes once llhttp has checked it
            self.received += data
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as error:
            self._fail(PayloadError(f"Invalid HTTP answer: {error}"))
            self.transport.close()  # type: ignore[union-attr]
            return
        # One wake for all the parser's callbacks of this read (a stream's read holds many chunks):
        # the reader runs only once the loop is back anyway, and it re-checks what it waits for.
        self._wake()

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = True
        if self.parking is not None:
            self.parking.remove(self)
            self.parking = None
        if self.on_lost is not None:
            self.on_lost(self)
        if not self.busy or self.complete or self.exc is not None:
            self._wake()
            return
        reason = f": {exc}" if exc else ""
        if not self.got_bytes:
            kind = StaleConnection if self.reused else ServerDisconnected
            self._fail(kind(f"Server disconnected{reason}"))
        elif not self.headers_done:
            self._fail(ServerDisconnected(f"Server disconnected in the answer's head{reason}"))
        elif exc is None and self._until_close():
            self.on_message_complete()  # a body delimited by the connection's end has ended
            self._wake()
        else:
            self._fail(PayloadError(f"Response payload is not completed{reason or ': connection closed'}"))

    def _fail(self, error: BaseException) -> None:
        if self.exc is None:
            self.exc = error
        self._wake()

    # --- httptools callbacks ----------------------------------------------------------------------

    def _until_close(self) -> bool:
        """Whether the body ends when the connection does: it has no length and is not chunked (asked
        only when the connection ends mid-body: llhttp completes every other body itself)."""
        length = chunked = False
        for name, value in FRAMING.findall(self.raw_head):  # the last of a repeated header wins
            if name.lower() == b"content-length":
                length = True
            else:
                chunked = b"chunked" in value.lower()
        return not (length or chunked or self.status in NO_BODY)

    # No ``on_header``: a Python call per header would cost more than finding the one the
    # connection needs in the whole head at once (``CONTENT_ENCODING``).

    def on_headers_complete(self) -> None:
        self.status = status = self.parser.get_status_code()
        received, start = self.received, self.head_at
        end = received.find(b"\r\n\r\n", start)
        if status < 200:  # 1xx: an interim answer; its final one follows
            self.head_at = end + 4
            return
        self.headers_done = True
        self.raw_head = head = received[start:end]
        self.received = b""
        encodings = CONTENT_ENCODING.findall(head)  # the last of a repeated header wins
        self.decoder = _decoder(encodings[-1].decode("latin-1")) if encodings else None

    def on_body(self, body: bytes) -> None:
        if self.exc is not None:
            return
        if self.decoder is not None:
            try:
                body = self.decoder.decompress(body)
            except Exception as error:  # zlib.error, brotli.error
                self._fail(PayloadError(f"Cannot decode the body: {error}"))
                self.transport.close()  # type: ignore[union-attr]
                return
            if not body:
                return
        self.buffer.append(body)
        self.size += len(body)
        if self.size > HIGH_WATER and not self.paused and not self.lost:
            self.paused = True
            self.transport.pause_reading()  # type: ignore[union-attr]

    def on_message_complete(self) -> None:
        if self.status < 200:
            return
        if self.decoder is not None and self.exc is None:
            try:
                rest = self.decoder.flush()
            except Exception as error:  # zlib.error
                self._fail(PayloadError(f"Cannot decode the body: {error}"))
                return
            if rest:
                self.buffer.append(rest)
                self.size += len(rest)
        # A body that ends with the connection completes only once it is lost: never kept.
        self.keep_alive = not self.lost and self.parser.should_keep_alive()
        self.complete = True


class Response:
    """The answer, with the members of ``aiohttp.ClientResponse`` that g4f uses and their meaning."""

    __slots__ = (
        "conn",
        "status",
        "raw_head",
        "release_to",
        "_headers",
        "_body",
        "_ctype",
        "_charset",
    )

    def __init__(self, conn: Connection, release_to: Callable[[Connection], None]) -> None:
        self.conn: Connection | None = conn
        self.status = conn.status
        self.raw_head = conn.raw_head
        self._headers: CIMultiDictProxy[str] | None = None
        self.release_to = release_to
        self._body: bytes | None = None
        self._ctype: str | None = None
        self._charset: str | None = None

    @property
    def headers(self) -> CIMultiDictProxy[str]:
        """The answer's headers; ``get(name)`` in any case (aiohttp's ``CIMultiDictProxy``)."""
        if self._headers is None:
            headers: CIMultiDict[str] = CIMultiDict()
            for line in self.raw_head.decode("latin-1").split("\r\n")[1:]:  # after the status line
                name, _, value = line.partition(":")
                headers.add(name, value.lstrip(" \t"))  # llhttp refused space before ':' and after the value
            self._headers = CIMultiDictProxy(headers)
        return self._headers

    @property
    def content(self) -> Response:
        """The body as a stream: ``readany()``, ``read(n)``, ``iter_chunked(n)`` (aiohttp's ``content``)."""
        return self

    @property
    def content_type(self) -> str:
        """The media type without its parameters, lowercase; ``application/octet-stream`` when not said."""
        if self._ctype is None:
            self._parse_content_type()
        return self._ctype  # type: ignore[return-value]  # set by the parse

    @property
    def charset(self) -> str | None:
        if self._ctype is None:
            self._parse_content_type()
        return self._charset

    @property
    def content_length(self) -> int | None:
        value = self.headers.get("content-length")
        return int(value) if value and value.isdigit() else None

    def _parse_content_type(self) -> None:
        found = CONTENT_TYPE.findall(self.raw_head)
        if not found:
            self._ctype = "application/octet-stream"
            return
        media, *params = found[-1].decode("latin-1").split(";")  # the last, if repeated
        self._ctype = media.strip().lower()
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "charset":
                self._charset = value.strip().strip('"') or None

    async def readany(self) -> bytes:
        """Whatever of the body has arrived (waiting for some); ``b""`` at its end."""
        return b"" if self.conn is None else await self.conn.next()

    async def read(self, n: int = -1) -> bytes:
        """The whole body (``n < 0``), else at most ``n`` bytes of it as soon as some are there."""
        if n >= 0:
            return b"" if self.conn is None or n == 0 else await self.conn.next(n)
        if self._body is None:
            conn = self.conn
            if conn is None:
                self._body = b""
            else:
                body = conn.whole()  # no coroutine when it is all there
                self._body = body if body is not None else await conn.rest()
        return self._body

    async def iter_chunked(self, n: int) -> Any:
        while chunk := await self.read(n):
            yield chunk

    def release(self) -> None:
        """Give the connection back: to the pool when the answer was received whole, else closed."""
        conn, self.conn = self.conn, None
        if conn is not None:
            self.release_to(conn)

    def close(self) -> None:
        conn, self.conn = self.conn, None
        if conn is not None:
            conn.close()


__all__ = [
    "ACCEPT_ENCODING",
    "Connection",
    "ConnectError",
    "PayloadError",
    "Response",
    "ServerDisconnected",
    "StaleConnection",
]
