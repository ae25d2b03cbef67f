"""What every non-OpenAI protocol adapter does with an upstream HTTP API.

The API base and timeout of a request, one POST through the pooled session with transport errors
mapped to g4f errors, HTTP status -> error, Server-Sent Events decoding, and image inputs as
base64 with their MIME type. Keys never reach a message: ``redact`` scrubs them from upstream text.
"""

from __future__ import annotations

import base64
import binascii
import json
import mimetypes
import os
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

from ..errors import (
    G4FError,
    InvalidRequestError,
    MissingAuthError,
    ModelNotFoundError,
    PayloadTooLargeError,
    ProviderError,
    ProviderTimeoutError,
    RateLimitError,
)
from .http import get_session

DEFAULT_TIMEOUT = 120.0
MAX_IMAGE_BYTES = 20 * 1024 * 1024


def resolve_api_base(provider: Any, api_base: str | None = None) -> str:
    """The per-request ``api_base``, else ``<NAME>_API_BASE`` from the environment, else the class's."""
    env = f"{provider.get_name().upper()}_API_BASE"
    return (api_base or os.environ.get(env) or provider.api_base).rstrip("/")


def client_timeout(timeout: float | None, stream: bool) -> Any:
    """A whole answer must arrive within ``timeout``; a stream must not stall longer than it between reads."""
    import aiohttp

    seconds = float(timeout) if timeout else DEFAULT_TIMEOUT
    return aiohttp.ClientTimeout(total=None if stream else seconds, sock_connect=min(seconds, 30.0), sock_read=seconds)


def redact(text: str, secret: str | None) -> str:
    return text.replace(secret, "***") if secret and text else text


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
    """The g4f error for an upstream HTTP status (the message already redacted)."""
    text = f"{name}: {message}" if message else f"{name} answered HTTP {status}"
    if status in (401, 403):
        return MissingAuthError(text)
    if status == 429:
        return RateLimitError(text, retry_after=retry_after)
    if status == 404:
        return ModelNotFoundError(text)
    if status == 413:
        return PayloadTooLargeError(text)
    if status == 408:
        return ProviderTimeoutError(text)
    if 400 <= status < 500:
        return InvalidRequestError(text)
    return ProviderError(text)  # 5xx, Anthropic's 529 overloaded: another provider may answer


@asynccontextmanager
async def transport_errors(name: str, secret: str | None = None) -> AsyncIterator[None]:
    """Map connection errors and timeouts (before or during a stream) to retryable g4f errors."""
    import aiohttp

    try:
        yield
    except G4FError:
        raise
    except TimeoutError as error:  # aiohttp's read/connect timeouts are TimeoutErrors too
        raise ProviderTimeoutError(f"{name} did not answer in time") from error
    except aiohttp.ClientError as error:
        raise ProviderError(redact(f"{name} connection failed: {type(error).__name__}: {error}", secret)) from error


@asynccontextmanager
async def post(name: str, url: str, *, headers: Mapping[str, str], body: dict, stream: bool,
               timeout: float | None = None, proxy: str | None = None, secret: str | None = None,
               error_message: Any = None) -> AsyncIterator[Any]:
    """POST ``body`` as JSON; yield the response once its status is OK, else raise the mapped error.

    ``error_message(body: Any) -> str | None`` pulls the human message out of the vendor's error body.
    """
    async with transport_errors(name, secret):
        async with get_session().post(url, json=body, headers=dict(headers), proxy=proxy,
                                      timeout=client_timeout(timeout, stream)) as response:
            if response.status >= 400:
                raw = await response.text(errors="replace")
                try:
                    data: Any = json.loads(raw)
                except ValueError:
                    data = raw
                message = (error_message(data) if error_message else None) or raw[:500]
                retry_after = parse_retry_after(response.headers.get("retry-after"))
                raise status_error(name, response.status, redact(message.strip(), secret), retry_after)
            yield response


class SSEDecoder:
    """Server-Sent Events from bytes split anywhere; lines of any length."""

    def __init__(self) -> None:
        self.buffer = b""
        self.event = ""
        self.data: list[str] = []

    def feed(self, chunk: bytes) -> list[tuple[str, str]]:
        """The complete ``(event, data)`` pairs this chunk finishes."""
        self.buffer += chunk
        *lines, self.buffer = self.buffer.split(b"\n")
        events = []
        for raw in lines:
            line = raw.decode("utf-8", errors="replace").rstrip("\r")
            if not line:
                if self.data:
                    events.append((self.event or "message", "\n".join(self.data)))
                self.event, self.data = "", []
            elif not line.startswith(":"):  # ":" starts a comment / keep-alive
                field, _, value = line.partition(":")
                value = value[1:] if value.startswith(" ") else value
                if field == "event":
                    self.event = value
                elif field == "data":
                    self.data.append(value)
        return events


async def iter_sse(response: Any) -> AsyncIterator[tuple[str, str]]:
    """``(event, data)`` for each Server-Sent Event of an aiohttp response."""
    decoder = SSEDecoder()
    async for chunk in response.content.iter_any():
        for item in decoder.feed(chunk):
            yield item
    for item in decoder.feed(b"\n\n"):  # a stream that ends without its final blank line
        yield item


# --- Image inputs ------------------------------------------------------------------------------
# TODO(unify): g4f/image.py (media engineer) may offer the same conversion; switch to it then.

_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)


def sniff_mime(data: bytes, name: str | None = None) -> str:
    """The image MIME type from the bytes' signature, else from the file name."""
    for magic, mime in _MAGIC:
        if data.startswith(magic):
            return mime
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data[4:12] in (b"ftypheic", b"ftypheix", b"ftypmif1"):
        return "image/heic"
    guessed = mimetypes.guess_type(name)[0] if name else None
    return guessed or "application/octet-stream"


def is_url(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(("http://", "https://"))


def parse_data_uri(uri: str) -> tuple[str, str]:
    """``(mime, base64)`` of a ``data:`` URI."""
    header, sep, payload = uri.partition(",")
    if not sep or not header.startswith("data:"):
        raise InvalidRequestError("An image data URI must look like data:<mime>;base64,<data>.")
    mime = header[5:].split(";")[0] or "application/octet-stream"
    if ";base64" not in header:
        from urllib.parse import unquote_to_bytes

        return mime, base64.b64encode(unquote_to_bytes(payload)).decode()
    try:
        base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError) as error:
        raise InvalidRequestError("An image data URI holds invalid base64.") from error
    return mime, payload


async def fetch_image(url: str, timeout: float | None = None, proxy: str | None = None) -> tuple[str, str]:
    """Download an image URL for protocols that want it inline."""
    async with transport_errors("image download"):
        async with get_session().get(url, proxy=proxy, timeout=client_timeout(timeout, False)) as response:
            if response.status >= 400:
                raise InvalidRequestError(f"Could not fetch image {url}: HTTP {response.status}")
            data = await response.content.read(MAX_IMAGE_BYTES + 1)
            if len(data) > MAX_IMAGE_BYTES:
                raise PayloadTooLargeError(f"Image {url} is larger than {MAX_IMAGE_BYTES // (1024 * 1024)} MB.")
            mime = sniff_mime(data, url.split("?")[0])
            if mime == "application/octet-stream":
                mime = response.content_type or mime
            return mime, base64.b64encode(data).decode()


def image_source(image: Any, name: str | None = None) -> tuple[str, str]:
    """An image input without a network fetch: ``("url", url)`` or ``(mime, base64)``.

    Accepts bytes, a file path, a file object, a data URI or an http(s) URL.
    """
    if is_url(image):
        return "url", image
    if isinstance(image, str) and image.startswith("data:"):
        return parse_data_uri(image)
    if isinstance(image, (str, os.PathLike)):
        path = Path(image)
        if not path.is_file():
            raise InvalidRequestError(f"Image file not found: {path.name[:80]}")
        data = path.read_bytes()
        name = name or path.name
    elif isinstance(image, (bytes, bytearray, memoryview)):
        data = bytes(image)
    elif hasattr(image, "read"):
        data = image.read()
        name = name or getattr(image, "name", None)
    else:
        raise InvalidRequestError(f"Unsupported image input: {type(image).__name__}")
    if len(data) > MAX_IMAGE_BYTES:
        raise PayloadTooLargeError(f"Image is larger than {MAX_IMAGE_BYTES // (1024 * 1024)} MB.")
    return sniff_mime(data, name if isinstance(name, str) else None), base64.b64encode(data).decode()


def message_images(content: Any) -> list[Any]:
    """The image inputs of an OpenAI message content list (``image_url`` parts)."""
    if not isinstance(content, list):
        return []
    out = []
    for part in content:
        if isinstance(part, dict) and part.get("type") == "image_url":
            url = part.get("image_url")
            out.append(url.get("url") if isinstance(url, dict) else url)
    return [u for u in out if u]


def message_text(content: Any) -> str:
    """The text of an OpenAI message content (a string or a list of parts)."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    return "".join(p.get("text", "") for p in content if isinstance(p, dict) and p.get("type") in ("text", "input_text"))


__all__ = [
    "resolve_api_base", "client_timeout", "redact", "parse_retry_after", "status_error", "transport_errors", "post",
    "SSEDecoder", "iter_sse", "sniff_mime", "is_url", "parse_data_uri", "fetch_image", "image_source", "message_images",
    "message_text",
]
