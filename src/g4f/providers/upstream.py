"""What every non-OpenAI protocol adapter does with an upstream HTTP API.

The API base and timeout of a request, one POST through the pooled session with transport errors
mapped to g4f errors, HTTP status -> error, Server-Sent Events decoding, and the text and images of
an OpenAI message. Keys never reach a message: ``redact`` scrubs them from upstream text.
Image bytes and types come from ``g4f.image``.
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from email.utils import parsedate_to_datetime
from typing import Any

from ..clock import deadline
from ..errors import (
    G4FError,
    InvalidRequestError,
    MissingAuthError,
    ModelNotFoundError,
    NotSupportedError,
    PayloadTooLargeError,
    ProviderError,
    ProviderTimeoutError,
    RateLimitError,
)
from ..image import has_images
from .http import get_session
from .own_address import refuse_own_address

DEFAULT_TIMEOUT = 120.0


def resolve_api_base(provider: Any, api_base: str | None = None) -> str:
    """The per-request ``api_base``, else ``<NAME>_API_BASE`` from the environment, else the class's."""
    env = f"{provider.get_name().upper()}_API_BASE"
    base = (api_base or os.environ.get(env) or provider.api_base).rstrip("/")
    refuse_own_address(provider.get_name(), base, env)  # g4f would call itself
    return base


def client_timeout(seconds: float) -> Any:
    """aiohttp's own clocks: opening a connection, and the longest silence between reads. The total
    of a whole answer is a ``g4f.clock.deadline``, as for every upstream call."""
    import aiohttp

    return aiohttp.ClientTimeout(total=None, sock_connect=min(seconds, 30.0), sock_read=seconds)


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


def transport_error(error: BaseException, name: str, secret: str | None = None) -> G4FError | None:
    """The retryable g4f error for a connection failure or timeout; ``None`` for anything else."""
    import aiohttp

    if isinstance(error, G4FError):
        return None
    if isinstance(error, TimeoutError):  # aiohttp's read/connect timeouts are TimeoutErrors too
        return ProviderTimeoutError(f"{name} did not answer in time")
    if isinstance(error, aiohttp.ClientError):
        return ProviderError(redact(f"{name} connection failed: {type(error).__name__}: {error}", secret))
    return None


@asynccontextmanager
async def transport_errors(name: str, secret: str | None = None) -> AsyncIterator[None]:
    """Map connection errors and timeouts (before or during a stream) to retryable g4f errors."""
    try:
        yield
    except Exception as error:
        mapped = transport_error(error, name, secret)
        if mapped is None:
            raise
        raise mapped from error


ErrorInfo = Callable[[Any], "tuple[str | None, int | None, float | None]"]


@asynccontextmanager
async def post(
    name: str,
    url: str,
    *,
    headers: Mapping[str, str],
    body: dict,
    stream: bool,
    timeout: float | None = None,
    proxy: str | None = None,
    secret: str | None = None,
    error_info: ErrorInfo | None = None,
) -> AsyncIterator[Any]:
    """POST ``body`` as JSON; yield the response once its status is OK, else raise the mapped error
    (``raise_for_status``). A whole answer must arrive within ``timeout``; a stream must not stall
    longer than it between reads."""
    seconds = float(timeout) if timeout else DEFAULT_TIMEOUT
    async with transport_errors(name, secret), deadline(None if stream else seconds):
        async with get_session().post(
            url, json=body, headers=dict(headers), proxy=proxy, timeout=client_timeout(seconds)
        ) as response:
            await raise_for_status(name, response, secret, error_info)
            yield response


async def raise_for_status(
    name: str, response: Any, secret: str | None = None, error_info: ErrorInfo | None = None
) -> None:
    """Nothing for a 2xx/3xx answer; else the g4f error its status and body describe, key scrubbed.

    ``error_info(body)`` reads the vendor's error body: ``(message, status, retry_after)``, where a
    status overrides the HTTP one (a refused key sent as 400) and ``None`` keeps what the HTTP said.
    """
    if response.status < 400:
        return
    raw = await response.text(errors="replace")
    try:
        data: Any = json.loads(raw)
    except ValueError:
        data = raw
    message, status, retry_after = error_info(data) if error_info else (None, None, None)
    if retry_after is None:
        retry_after = parse_retry_after(response.headers.get("retry-after"))
    message = redact((message or raw[:500]).strip(), secret)
    raise status_error(name, status or response.status, message, retry_after)


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


# --- OpenAI message content ---------------------------------------------------------------


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
    return "".join(
        p.get("text", "") for p in content if isinstance(p, dict) and p.get("type") in ("text", "input_text")
    )


__all__ = [
    "resolve_api_base",
    "client_timeout",
    "redact",
    "parse_retry_after",
    "status_error",
    "transport_errors",
    "post",
    "SSEDecoder",
    "iter_sse",
    "message_images",
    "message_text",
]


def require_key(provider: Any, api_key: str | None) -> str:
    """The provider's key (argument, environment, cookies directory), or ``MissingAuthError`` naming its variable."""
    key = provider.get_api_key(api_key)
    if not key:
        name = provider.get_name()
        raise MissingAuthError(
            f"{name} needs an API key: pass api_key or set {provider.api_key_env or name.upper() + '_API_KEY'}."
        )
    return key


def refuse_images(provider: Any, model: str, messages: list[dict], media: Any = None) -> None:
    """A model known to be text-only (listed, while the vendor lists its vision models) refuses images
    before anything is sent. The messages are searched only for such a model."""
    vision = provider.vision_models
    if vision and model in provider.models and model not in vision and has_images(messages, media):
        raise NotSupportedError(
            f"{provider.get_name()} model {model!r} does not accept images; use one of {', '.join(vision)}."
        )


def add_turn(turns: list[dict], role: str, items: list, key: str) -> None:
    """Append a turn's items (``key``: "content" blocks or "parts"); APIs that want roles to
    alternate get consecutive same-role items merged into one turn. Empty items add nothing."""
    if not items:
        return
    if turns and turns[-1]["role"] == role:
        turns[-1][key].extend(items)
    else:
        turns.append({"role": role, key: items})


def last_user_items(turns: list[dict], key: str) -> list:
    """The item list of the last user turn (made when there is none), where request media go."""
    last_user = next((t for t in reversed(turns) if t["role"] == "user"), None)
    if last_user is None:
        turns.append(last_user := {"role": "user", key: []})
    return last_user[key]
