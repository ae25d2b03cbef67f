"""A small Redis client for the state store: RESP2 over an asyncio ``Protocol``, pipelined.

A command is written the moment it is made, and its reply is the next one off the connection (a
FIFO of futures): one persistent connection carries every concurrent call, so concurrent calls share
round trips instead of queueing for pooled connections, and a call costs no task, timer, pool
checkout or parser object. A connection that owes replies and has been silent for ``timeout``
seconds is dropped, failing the calls on it (a frozen server holds nobody longer); the next call
connects again, within ``connect_timeout``. There are no retries.

Futures hold values, never exceptions: a reply (``bytes``, ``int``, ``None``, a list), a
``ReplyError`` for an error reply, or an ``OSError`` when the connection failed; the caller raises.
So a call whose caller left (a request that failed before it awaited its rate check) logs nothing.
"""

from __future__ import annotations

import asyncio
import hashlib
import ssl
import threading
from collections import deque
from collections.abc import Sequence
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from ..clock import deadline

Arg = bytes | str | int | float


class ReplyError(Exception):
    """An error reply: the command was refused (a bug or a misconfiguration, not an outage)."""


#: Error replies that mean "not now" rather than "wrong": they count as the store being unavailable.
_UNAVAILABLE = (b"LOADING", b"MASTERDOWN", b"BUSY ", b"TRYAGAIN")


def command(*args: Arg) -> bytes:
    """One command in RESP: an array of bulk strings."""
    out = [b"*%d\r\n" % len(args)]
    for arg in args:
        if isinstance(arg, str):
            arg = arg.encode()
        elif isinstance(arg, int):
            arg = b"%d" % arg
        elif isinstance(arg, float):
            arg = repr(arg).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(arg), arg))
    return b"".join(out)


class Script:
    """A Lua script, run by its SHA1 (``EVALSHA``); ``EVAL`` with the text when Redis lacks it."""

    __slots__ = ("text", "sha")

    def __init__(self, text: str) -> None:
        self.text = text.encode()
        self.sha = hashlib.sha1(self.text).hexdigest().encode()

    def evalsha(self, keys: Sequence[Arg], args: Sequence[Arg]) -> bytes:
        return command(b"EVALSHA", self.sha, len(keys), *keys, *args)

    def eval(self, keys: Sequence[Arg], args: Sequence[Arg]) -> bytes:
        return command(b"EVAL", self.text, len(keys), *keys, *args)


_INCOMPLETE: Any = object()


def parse(buf: bytes, pos: int) -> tuple[Any, int]:
    """The reply in ``buf`` at ``pos`` and the position after it; ``_INCOMPLETE`` when it has not all come."""
    end = buf.find(b"\r\n", pos)
    if end < 0:
        return _INCOMPLETE, pos
    kind, line, after = buf[pos], buf[pos + 1 : end], end + 2
    if kind == 36:  # $ bulk string
        size = int(line)
        if size < 0:
            return None, after
        if len(buf) < after + size + 2:
            return _INCOMPLETE, pos
        return buf[after : after + size], after + size + 2
    if kind == 43:  # + simple string
        return line, after
    if kind == 58:  # : integer
        return int(line), after
    if kind == 45:  # - error
        if line.startswith(_UNAVAILABLE):
            return ConnectionError(f"Redis: {line[:80].decode(errors='replace')}"), after
        return ReplyError(line.decode(errors="replace")), after
    if kind == 42:  # * array
        size = int(line)
        if size < 0:
            return None, after
        items = []
        for _ in range(size):
            item, after = parse(buf, after)
            if item is _INCOMPLETE:
                return _INCOMPLETE, pos
            items.append(item)
        return items, after
    raise ValueError(f"not RESP: {buf[pos : pos + 16]!r}")


class Link(asyncio.Protocol):
    """One connection: commands written in order, replies matched to them in order."""

    def __init__(self, loop: asyncio.AbstractEventLoop, timeout: float) -> None:
        self.loop = loop
        self.timeout = timeout
        self.transport: asyncio.Transport | None = None
        self.waiting: deque[asyncio.Future[Any]] = deque()
        self.outgoing: list[bytes] = []  # written at the end of this turn of the loop
        self.buffer = b""
        self.quiet_since = 0.0  # when the connection last answered (or began to owe an answer)
        self.alarm: asyncio.TimerHandle | None = None
        self.lost = False
        self.thread = threading.get_ident()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def send(self, payload: bytes) -> asyncio.Future[Any]:
        """Write ``payload``: at once on an idle connection (the round trip starts now); else with
        the others made in this turn of the event loop, in one write (under load, one system call
        and one wake-up of Redis carry many commands)."""
        future = self.loop.create_future()
        if self.waiting:
            if not self.outgoing:
                self.loop.call_soon(self._flush)
            self.outgoing.append(payload)
        else:
            self.quiet_since = self.loop.time()
            if self.alarm is None:  # one watchdog per connection, re-armed only when it fires
                self.alarm = self.loop.call_later(self.timeout, self._watch)
            self.transport.write(payload)  # type: ignore[union-attr]
        self.waiting.append(future)
        return future

    def _flush(self) -> None:
        if self.outgoing and not self.lost:
            self.transport.write(b"".join(self.outgoing))  # type: ignore[union-attr]
        self.outgoing.clear()

    def data_received(self, data: bytes) -> None:
        buf = self.buffer + data if self.buffer else data
        pos, waiting = 0, self.waiting
        try:
            while waiting:
                value, after = parse(buf, pos)
                if value is _INCOMPLETE:
                    break
                pos = after
                future = waiting.popleft()
                if not future.done():
                    future.set_result(value)
        except ValueError as error:  # garbage on the wire: this connection is no use any more
            self.fail(ConnectionError(f"Redis protocol error: {error}"))
            return
        self.buffer = buf[pos:]
        self.quiet_since = self.loop.time()

    def connection_lost(self, exc: Exception | None) -> None:
        self.fail(ConnectionResetError("The connection to Redis was lost."))

    def _watch(self) -> None:
        self.alarm = None
        if self.lost or not self.waiting:
            return
        left = self.quiet_since + self.timeout - self.loop.time()
        if left > 0:
            self.alarm = self.loop.call_later(left, self._watch)
        else:
            self.fail(TimeoutError(f"Redis did not answer within {self.timeout:g} s."))

    def fail(self, error: OSError) -> None:
        """Answer every waiting call with ``error`` and drop the connection."""
        self.lost = True
        while self.waiting:
            future = self.waiting.popleft()
            if not future.done():
                future.set_result(error)
        if self.alarm is not None:
            self.alarm.cancel()
            self.alarm = None
        if self.transport is not None and not self.loop.is_closed():
            self.transport.abort()


def _tls(query: dict[str, str]) -> ssl.SSLContext:
    """The TLS context of a ``rediss://`` URL: the system's CAs (or ``ssl_ca_certs``), certificate
    and host name checked unless ``ssl_cert_reqs`` says ``none`` or ``optional``; a client
    certificate from ``ssl_certfile`` / ``ssl_keyfile``."""
    context = ssl.create_default_context(cafile=query.pop("ssl_ca_certs", None))
    required = query.pop("ssl_cert_reqs", "required").lower()
    if required not in ("required", "optional", "none"):
        raise ValueError("ssl_cert_reqs is one of required, optional, none")
    if required != "required":
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE if required == "none" else ssl.CERT_OPTIONAL
    certfile = query.pop("ssl_certfile", None)
    if certfile:
        context.load_cert_chain(certfile, query.pop("ssl_keyfile", None))
    return context


def _seen(task: asyncio.Task[Any]) -> None:
    if not task.cancelled():
        task.exception()


class RedisClient:
    """Calls to one Redis server over ``connections`` pipelined connections (round robin).

    ``url``: ``redis://[[user]:password@]host[:port][/db]``, ``rediss://`` (TLS) or
    ``unix:///path?db=N&password=...``.
    """

    def __init__(self, url: str, timeout: float = 2.0, connect_timeout: float = 1.0, connections: int = 1) -> None:
        parts = urlsplit(url)
        query = dict(parse_qsl(parts.query))
        self.unix = parts.scheme == "unix"
        self.host = parts.hostname or "localhost"
        self.port = parts.port or 6379
        self.path = unquote(parts.path)
        self.ssl = _tls(query) if parts.scheme == "rediss" else None
        self.username = unquote(parts.username) if parts.username else query.pop("username", None)
        self.password = unquote(parts.password) if parts.password else query.pop("password", None)
        db = query.pop("db", "")
        self.db = int((db if self.unix else self.path.strip("/") or db) or 0)
        if query:
            raise ValueError(
                f"Unknown Redis URL options: {', '.join(sorted(query))} (known: socket_timeout, "
                "socket_connect_timeout, max_connections, db, username, password; with rediss://: "
                "ssl_ca_certs, ssl_cert_reqs, ssl_certfile, ssl_keyfile)"
            )
        self.timeout = timeout
        self.connect_timeout = connect_timeout
        self.links: list[Link | None] = [None] * max(1, connections)
        self.opening: list[asyncio.Task[Link] | None] = [None] * len(self.links)
        self.turn = 0

    def _index(self) -> int:
        if len(self.links) == 1:
            return 0
        self.turn = index = (self.turn + 1) % len(self.links)
        return index

    def send(self, payload: bytes) -> asyncio.Future[Any] | None:
        """Write ``payload`` now on a live connection of the running loop: the future of its reply;
        None when there is no such connection yet (then ``call`` makes one)."""
        link = self.links[self._index()]
        # The link's loop runs in this thread, so it is the running one (get_running_loop() would
        # cost a getpid() system call on every call).
        if link is None or link.lost or link.thread != threading.get_ident() or not link.loop.is_running():
            return None
        return link.send(payload)

    async def call(self, payload: bytes) -> Any:
        """The reply to ``payload`` (a value, ``ReplyError`` or ``OSError``, returned not raised);
        connecting raises ``OSError`` / ``TimeoutError`` / ``ReplyError``."""
        sent = self.send(payload)
        if sent is None:
            sent = (await self._connected(self._index())).send(payload)
        return await sent

    async def _connected(self, index: int) -> Link:
        link = self.links[index]
        loop = asyncio.get_running_loop()
        if link is not None and not link.lost and link.loop is loop:
            return link
        opening = self.opening[index]
        if opening is None or opening.done() or opening.get_loop() is not loop:
            opening = self.opening[index] = loop.create_task(self._open(index))
            opening.add_done_callback(_seen)  # its error is each waiter's; with none left, nobody's
        return await asyncio.shield(opening)  # one connect for all who wait; a caller leaving does not stop it

    async def _open(self, index: int) -> Link:
        loop = asyncio.get_running_loop()
        made: list[Link] = []

        def factory() -> Link:
            made.append(Link(loop, self.timeout))
            return made[0]

        try:
            async with deadline(self.connect_timeout):
                if self.unix:
                    _, link = await loop.create_unix_connection(factory, self.path)
                else:
                    _, link = await loop.create_connection(factory, self.host, self.port, ssl=self.ssl)
                hello = []
                if self.password is not None:
                    auth = (self.username, self.password) if self.username else (self.password,)
                    hello.append(link.send(command(b"AUTH", *auth)))
                if self.db:
                    hello.append(link.send(command(b"SELECT", self.db)))
                for reply in await asyncio.gather(*hello):
                    if isinstance(reply, BaseException):
                        raise reply if isinstance(reply, OSError) else PermissionError(f"Redis: {reply}")
        except BaseException:  # refused, too slow, or setup failed: no half-made connection stays open
            for half in made:
                half.fail(ConnectionAbortedError("The connection to Redis was not set up."))
            raise
        old, self.links[index] = self.links[index], link
        if old is not None:
            _drop(old, ConnectionAbortedError("Replaced by a connection in another event loop."))
        return link

    async def close(self) -> None:
        for index, link in enumerate(self.links):
            if link is not None:
                _drop(link, ConnectionAbortedError("The Redis client was closed."))
                self.links[index] = None


def _drop(link: Link, error: OSError) -> None:
    """Fail ``link`` from any thread: its calls belong to its own loop (gone with a closed loop)."""
    if link.lost or link.loop.is_closed():
        return
    if link.thread == threading.get_ident():
        link.fail(error)
    else:
        link.loop.call_soon_threadsafe(link.fail, error)


__all__ = ["RedisClient", "ReplyError", "Script", "command", "parse"]
