"""Former home of the protocol helpers, kept so existing imports work.

The transport (request, deadlines, status -> error, SSE reading) is ``providers.transport``;
key checks and the shared opening are ``providers.protocol``; reading OpenAI messages is
``providers.messages``; redaction is ``g4f.redact``.
"""

from __future__ import annotations

from ..redact import scrub
from .messages import add_turn, last_user_items, message_images, message_text
from .protocol import refuse_images, require_key, resolve_api_base
from .transport import (
    DEFAULT_TIMEOUT,
    SSEDecoder,
    client_timeout,
    parse_retry_after,
    raise_for_status,
    status_error,
)


def redact(text: str, secret: str | None = None) -> str:
    """``text`` with ``secret`` and every configured secret masked."""
    return scrub(text, (secret,))


__all__ = [
    "DEFAULT_TIMEOUT",
    "SSEDecoder",
    "add_turn",
    "client_timeout",
    "last_user_items",
    "message_images",
    "message_text",
    "parse_retry_after",
    "raise_for_status",
    "redact",
    "refuse_images",
    "require_key",
    "resolve_api_base",
    "status_error",
]
