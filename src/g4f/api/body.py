"""Reading request bodies within a size limit: 413 past it, 400 for JSON that does not parse."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.requests import ClientDisconnect, Request
from starlette.types import Message, Receive

from ..errors import InvalidRequestError, PayloadTooLargeError


def _too_large(limit: int) -> PayloadTooLargeError:
    return PayloadTooLargeError(f"The request body is larger than the limit of {limit} bytes.")


def header(request: Request, name: bytes) -> bytes | None:
    """The first value of header ``name`` (lower case), read straight from the scope: building
    ``request.headers`` costs more than the scan on the chat hot path."""
    for key, value in request.scope["headers"]:
        if key == name:
            return value
    return None


def check_length(request: Request, limit: int) -> None:
    """Refuse at once a body whose declared length is over ``limit``."""
    for key, length in request.scope["headers"]:  # ``header`` written out: a call less per request
        if key == b"content-length":
            try:
                declared = int(length)
            except ValueError:
                raise InvalidRequestError("Invalid Content-Length header.") from None
            if declared > limit:
                raise _too_large(limit)
            return


def limited_receive(receive: Receive, limit: int) -> Receive:
    """``receive`` that raises ``PayloadTooLargeError`` once more than ``limit`` body bytes arrived."""
    seen = 0

    async def wrapped() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise _too_large(limit)
        return message

    return wrapped


def limited_request(request: Request, limit: int) -> Request:
    """The same request, its body stream capped at ``limit`` bytes (uploads, multipart)."""
    check_length(request, limit)
    return Request(request.scope, limited_receive(request.receive, limit))


async def read_body(request: Request, limit: int) -> bytes:
    check_length(request, limit)
    # Straight from ``receive``: ``request.stream()`` costs an async generator per request.
    receive = request.receive
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnect()
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        if not message.get("more_body", False):
            return b"".join((*chunks, chunk)) if chunks else chunk  # mostly the one message
        chunks.append(chunk)


async def read_json(request: Request, limit: int, optional: bool = False) -> dict[str, Any]:
    """The JSON object of the body (``optional``: an empty body is ``{}``); errors say what is wrong with it."""
    return parse_json(await read_body(request, limit), optional)


def parse_json(raw: bytes, optional: bool = False) -> dict[str, Any]:
    """The JSON object of a body read: ``read_json`` after its ``read_body``."""
    if not raw.strip():
        if optional:
            return {}
        raise InvalidRequestError("The request body is empty; send a JSON object.")
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        raise InvalidRequestError(f"The request body is not valid JSON: {error}") from None
    if not isinstance(data, dict):
        raise InvalidRequestError(f"The request body must be a JSON object, not {type(data).__name__}.")
    return data


__all__ = ["read_body", "read_json", "parse_json", "limited_request", "check_length", "header"]
