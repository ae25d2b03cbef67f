"""Every error a client sees, mapped in one place to ``{"error": {"message", "type", "code", "param"}}``.

``G4FError`` subclasses carry their own status, type and code; anything else is a 500 with a
generic message (the traceback goes to the server log only). Known secrets are masked out of
messages before they leave.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request

from .. import debug
from ..errors import G4FError
from .responses import JSONResponse

#: OpenAI error type and code for the plain HTTP errors routing and Starlette raise.
_HTTP = {
    400: ("invalid_request_error", "invalid_request"),
    401: ("authentication_error", "invalid_api_key"),
    403: ("permission_error", "forbidden"),
    404: ("invalid_request_error", "not_found"),
    405: ("invalid_request_error", "method_not_allowed"),
    413: ("invalid_request_error", "payload_too_large"),
    415: ("invalid_request_error", "unsupported_media_type"),
    422: ("invalid_request_error", "validation_error"),
    429: ("rate_limit_error", "rate_limit_exceeded"),
    501: ("server_error", "not_implemented"),
}


def error_body(
    status: int, message: str, error_type: str | None = None, code: str | None = None, param: str | None = None
) -> dict[str, Any]:
    default_type, default_code = _HTTP.get(status, ("server_error", "internal_error"))
    return {
        "error": {"message": message, "type": error_type or default_type, "code": code or default_code, "param": param}
    }


def scrub(text: str, secrets: Iterable[str | None]) -> str:
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "***")
    return text


def error_payload(
    error: BaseException, secrets: Iterable[str | None] = ()
) -> tuple[int, dict[str, Any], dict[str, str]]:
    """Status, OpenAI error body and headers for ``error``: the one mapping, for responses and stream events."""
    headers: dict[str, str] = {}
    if isinstance(error, G4FError):
        status = error.status_code
        body = error_body(status, scrub(error.message, secrets), error.error_type, error.code, error.param)
        retry_after = getattr(error, "retry_after", None)
        if retry_after:
            headers["Retry-After"] = str(max(1, math.ceil(retry_after)))
    elif isinstance(error, HTTPException):
        status = error.status_code
        body = error_body(status, scrub(str(error.detail), secrets))
        headers.update(error.headers or {})
    elif _is_validation_error(error):
        status = 422
        first = error.errors()[0] if error.errors() else {}  # type: ignore[attr-defined]
        where = ".".join(str(p) for p in first.get("loc", ()) if p != "body") or None
        body = error_body(422, f"{where + ': ' if where else ''}{first.get('msg', 'invalid request')}", param=where)
    else:
        status = 500
        debug.logger.error("Unhandled error: %s", type(error).__name__, exc_info=error)
        body = error_body(500, "Internal server error.")
    return status, body, headers


def error_response(error: BaseException, secrets: Iterable[str | None] = ()) -> JSONResponse:
    """The OpenAI-format response for ``error``."""
    status, body, headers = error_payload(error, secrets)
    return JSONResponse(body, status_code=status, headers=headers)


def _is_validation_error(error: BaseException) -> bool:
    return type(error).__name__ == "RequestValidationError" and hasattr(error, "errors")


async def handle_exception(request: Request, error: Exception) -> JSONResponse:
    """Starlette exception handler: the one mapping for every route."""
    settings = getattr(request.app.state, "settings", None)
    return error_response(error, (getattr(settings, "g4f_api_key", None),))


__all__ = ["error_body", "error_payload", "error_response", "handle_exception", "scrub"]
