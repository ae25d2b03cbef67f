"""The one way g4f talks to an upstream HTTP API, for the OpenAI, Anthropic and Gemini protocols alike.

- **Session**: the pooled one of the running loop (``providers.http``), or the caller's own
  (``http_client=``: an ``aiohttp.ClientSession`` or a function returning one).
- **Deadlines** (CONTRACTS.md): connecting within ``min(timeout, 30 s)``; a whole answer within
  ``timeout``; a stream's first bytes within ``timeout``, then no silence longer than
  ``stream_timeout`` (default ``timeout``) between two reads, with no total however long it keeps
  producing. Each is a coarse ``g4f.clock`` timer around one network wait, never around a ``yield``,
  so a slow consumer is never cut by the upstream's clock.
- **Errors**: a non-2xx answer becomes the g4f error of its status (``status_error``), keeping the
  upstream's ``status`` and ``request_id`` as attributes (as openai-python's ``APIStatusError``
  does); connection failures and timeouts become retryable errors.
- **Redaction**: every error leaving a call (the protocol's own parse errors included) is scrubbed of
  the request's key and every configured secret (``g4f.redact``).
- **Streams**: one reader: Server-Sent Events (``Call.events``), JSON lines (``Call.lines``), raw
  chunks (``Call.chunks``).

Usage: ``async with transport.request(name, "POST", url, json=body, stream=True, ...) as call:``
then ``async for event, data in call.events()`` or ``await call.json()``.
"""

from __future__ import annotations

import asyncio
import json as _json
from collections.abc import AsyncIterator, Callable, Mapping
from email.utils import parsedate_to_datetime
from functools import lru_cache
from typing import Any

import orjson

from ..clock import Watch
from ..errors import (
    G4FError,
    InvalidRequestError,
    MissingAuthError,
    ModelNotFoundError,
    PayloadTooLargeError,
    PaymentRequiredError,
    ProviderError,
    ProviderTimeoutError,
    RateLimitError,
    ResponseError,
)
from ..redact import remember, scrub, scrub_error
from .http import get_session
from .sse import SSEDecoder

DEFAULT_TIMEOUT = 120.0  # seconds: first bytes of a stream, or a whole answer
CONNECT_TIMEOUT = 30.0  # at most, to open a connection
MAX_ERROR_BODY = 65536  # bytes of an error answer read for its message
REQUEST_ID_HEADERS = ("x-request-id", "request-id", "x-goog-request-id", "cf-ray")

#: ``error_info(body) -> (message, status, retry_after)``: a vendor's reader of its error bodies,
#: where a status overrides the HTTP one (a refused key sent as 400) and ``None`` keeps what HTTP said.
ErrorInfo = Callable[[Any], "tuple[str | None, int | None, float | None]"]


def loads(data: str | bytes) -> Any:
    """orjson on the hot path; the standard library for what orjson refuses (NaN, huge integers)."""
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return _json.loads(data)


@lru_cache(maxsize=64)
def client_timeout(timeout: float) -> Any:
    """aiohttp's own clock only for opening a connection; every other deadline is a coarse ``g4f.clock`` one."""
    import aiohttp

    return aiohttp.ClientTimeout(total=None, sock_connect=min(timeout, CONNECT_TIMEOUT))


def parse_retry_after(value: str | None) -> float | None:
    """``Retry-After`` as seconds: a number or an HTTP date."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        from datetime import datetime, timezone

        return max(0.0, (parsedate_to_datetime(value) - datetime.now(timezone.utc)).total_seconds())
    except (TypeError, ValueError):
        return None


def status_error(name: str, status: int, message: str, retry_after: float | None = None) -> G4FError:
    """The g4f error for an upstream HTTP status (or an error a stream reports); ``error.status`` keeps it."""
    text = f"{name}: {message}" if message else f"{name} answered HTTP {status}"
    error: G4FError
    if status in (401, 403):
        error = MissingAuthError(text)
    elif status == 429:
        error = RateLimitError(text, retry_after=retry_after)
    elif status == 404:
        error = ModelNotFoundError(text)
    elif status == 402:  # out of credit with this provider; another may answer
        error = PaymentRequiredError(text)
    elif status == 413:
        error = PayloadTooLargeError(text)
    elif status == 408:
        error = ProviderTimeoutError(text)
    elif 400 <= status < 500:
        error = InvalidRequestError(text)
    else:
        error = ProviderError(text)  # 5xx, Anthropic's 529 overloaded: another provider may answer
    return _keep(error, status)


def _keep(error: G4FError, status: int, request: str | None = None) -> G4FError:
    """The upstream's status and request id on the error (attributes, as openai-python's errors have)."""
    error.status = status  # type: ignore[attr-defined]
    if request is not None or not hasattr(error, "request_id"):
        error.request_id = request  # type: ignore[attr-defined]
    return error


def request_id(headers: Mapping[str, str]) -> str | None:
    """The upstream's id of a request, for its support desk."""
    for name in REQUEST_ID_HEADERS:
        value = headers.get(name)
        if value:
            return value
    return None


async def raise_for_status(name: str, response: Any, error_info: ErrorInfo | None = None) -> None:
    """Nothing for a 2xx/3xx answer; else the g4f error its status and body describe."""
    if response.status < 400:
        return
    raw = (await response.content.read(MAX_ERROR_BODY)).decode("utf-8", "replace")
    try:
        data: Any = _json.loads(raw)
    except ValueError:
        data = raw
    message, status, retry_after = error_info(data) if error_info else (None, None, None)
    if retry_after is None:
        retry_after = parse_retry_after(response.headers.get("retry-after"))
    error = status_error(name, status or response.status, (message or raw[:500]).strip(), retry_after)
    raise _keep(error, response.status, request_id(response.headers))


class Call:
    """One upstream request (``request(...)`` makes it): ``async with`` it; inside, read the answer.

    Entering sends the request and waits, within ``timeout``, for an OK status and then the whole
    body (``stream=False``) or the first bytes (``stream=True``); a non-OK status raises its g4f
    error. Leaving releases the connection and maps whatever went wrong inside to a scrubbed g4f
    error. A class rather than ``@asynccontextmanager``: it runs on every request of the hot path.

    ``json`` is sent with orjson (``data`` as it is); ``secret`` is the key the request carries,
    scrubbed from every error.
    """

    __slots__ = (
        "name",
        "method",
        "url",
        "options",
        "secret",
        "timeout",
        "stream_timeout",
        "stream",
        "http_client",
        "error_info",
        "response",
        "body",
        "head",
        "watch",
    )

    def __init__(
        self,
        name: str,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        json: Any = None,
        data: Any = None,
        params: Mapping[str, str] | None = None,
        stream: bool = False,
        timeout: float | None = None,
        stream_timeout: float | None = None,
        proxy: str | None = None,
        secret: str | None = None,
        http_client: Any = None,
        error_info: ErrorInfo | None = None,
    ) -> None:
        self.name, self.method, self.url = name, method, url
        self.secret, self.stream, self.http_client, self.error_info = secret, stream, http_client, error_info
        self.timeout = timeout = float(timeout) if timeout else DEFAULT_TIMEOUT
        self.stream_timeout = float(stream_timeout) if stream_timeout else timeout
        # The session's options (aiohttp's names, which the lean client reads too).
        options = self.options = {
            "headers": dict(headers) if headers else {},
            "proxy": proxy,
            "timeout": client_timeout(timeout),
        }
        if json is not None:
            options["data"] = orjson.dumps(json)
            options["headers"].setdefault("Content-Type", "application/json")
        elif data is not None:
            options["data"] = data
        if params:
            options["params"] = params
        self.response: Any = None
        self.body: bytes | None = None
        self.head = b""
        self.watch: Watch | None = None  # the call's one alarm, made on entering
        remember(secret)

    async def __aenter__(self) -> Call:
        try:
            # The call's one alarm (a stream's reads push it back later), not a deadline per request.
            watch = self.watch = Watch()
            watch.arm(self.timeout)
            try:
                session = get_session(self.http_client)
                response = self.response = await session.request(self.method, self.url, **self.options)
                if response.status >= 400:
                    await raise_for_status(self.name, response, self.error_info)
                if self.stream:
                    self.head = await response.content.readany()
                else:
                    self.body = await response.read()
            except asyncio.CancelledError as cancelled:
                if not watch.timed_out():
                    raise
                raise TimeoutError from cancelled  # _map names it
            finally:
                watch.park()
        except BaseException as error:
            await self.__aexit__(type(error), error, error.__traceback__)
            raise
        return self

    async def __aexit__(self, exc_type: Any, error: BaseException | None, tb: Any) -> None:
        if self.watch is not None:
            self.watch.stop()
        response, self.response = self.response, None
        if error is None:
            if response is not None:
                response.release()
            return
        mapped = self._map(error)
        if response is not None:
            if isinstance(error, G4FError) and getattr(error, "request_id", None) is None:
                _keep(error, getattr(error, "status", None) or response.status, request_id(response.headers))
            response.release()
        if mapped is not None:
            raise mapped from error

    def _map(self, error: BaseException) -> G4FError | None:
        """A transport failure as its retryable g4f error; a g4f error scrubbed in place (then ``None``)."""
        if isinstance(error, G4FError):
            scrub_error(error, (self.secret,))
            return None
        import aiohttp

        if isinstance(error, TimeoutError):  # our deadline, or aiohttp's connect timeout
            if isinstance(error, aiohttp.ClientError):
                text = f"{self.name} did not accept a connection within {min(self.timeout, CONNECT_TIMEOUT):g} s"
            elif self.stream:
                text = f"{self.name} sent nothing within {self.timeout:g} s"
            else:
                text = f"{self.name} did not answer within {self.timeout:g} s"
            return ProviderTimeoutError(text)
        if isinstance(error, aiohttp.ClientError):
            text = f"{self.name} connection failed: {type(error).__name__}: {error}"
            return ProviderError(scrub(text, (self.secret,)))
        return None

    # --- the answer ------------------------------------------------------------------------------

    @property
    def status(self) -> int:
        return self.response.status

    @property
    def headers(self) -> Mapping[str, str]:
        return self.response.headers

    @property
    def content_type(self) -> str:
        return self.response.content_type

    async def _next(self) -> bytes:
        """The next bytes of the body, after no more than ``stream_timeout`` of silence: the call's
        alarm pushed back at each read, parked while the caller holds what was read."""
        watch: Watch = self.watch  # type: ignore[assignment]  # made on entering
        watch.arm(self.stream_timeout)
        try:
            return await self.response.content.readany()
        except asyncio.CancelledError:
            if not watch.timed_out():
                raise
            raise ProviderTimeoutError(f"{self.name} sent nothing for {self.stream_timeout:g} s") from None
        finally:
            watch.park()

    def _first(self) -> bytes:
        """What entering read: a stream's first bytes, or a whole body (then nothing is left to read)."""
        chunk, self.head = self.head, b""
        if self.body is not None:
            chunk, self.body = self.body, None
        return chunk

    async def chunks(self) -> AsyncIterator[bytes]:
        """The body as it arrives (what entering read included)."""
        chunk = self._first()
        while chunk:
            yield chunk
            chunk = await self._next()

    async def read(self) -> bytes:
        """The whole body."""
        if self.body is None:
            self.body = b"".join([chunk async for chunk in self.chunks()])
        return self.body

    async def text(self) -> str:
        charset = self.response.charset if self.response is not None else None
        return (await self.read()).decode(charset or "utf-8", "replace")

    async def json(self) -> Any:
        """The body as JSON; ``ResponseError`` (showing its start) when it is not."""
        raw = self.body if self.body is not None else await self.read()  # a whole answer: read on entering
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError:
            pass  # what orjson refuses (NaN, huge integers) the standard library may read: as ``loads``
        try:
            return _json.loads(raw)
        except ValueError as error:
            text = raw[:200].decode("utf-8", "replace")
            raise ResponseError(f"{self.name} answered with invalid JSON: {text!r}") from error

    async def events(self) -> AsyncIterator[tuple[str, str]]:
        """``(event, data)`` for each Server-Sent Event."""
        async for batch in self.event_batches():
            for item in batch:
                yield item

    async def event_batches(self) -> AsyncIterator[list[tuple[str, str]]]:
        """The Server-Sent Events as ``events()`` gives them, in a list per read that completes some:
        a reader looping over each list resumes this generator once per read, not once per event."""
        feed = SSEDecoder().feed
        chunk = self._first()
        while chunk:
            batch = feed(chunk)
            if batch:
                yield batch
            chunk = await self._next()
        batch = feed(b"\n\n")  # a stream that ends without its final blank line
        if batch:
            yield batch

    async def lines(self) -> AsyncIterator[str]:
        """Each non-empty line (JSON lines / NDJSON streams)."""
        rest = b""
        async for chunk in self.chunks():
            *lines, rest = (rest + chunk).split(b"\n")
            for line in lines:
                if line.strip():
                    yield line.decode("utf-8", "replace")
        if rest.strip():
            yield rest.decode("utf-8", "replace")


#: One request: ``async with request(name, method, url, ...) as call`` (the ``Call`` it makes).
request = Call


__all__ = [
    "DEFAULT_TIMEOUT",
    "CONNECT_TIMEOUT",
    "Call",
    "request",
    "SSEDecoder",
    "status_error",
    "raise_for_status",
    "parse_retry_after",
    "request_id",
    "client_timeout",
    "loads",
]
