"""OpenAI's Responses API: ``POST /v1/responses`` (and ``/api/{provider}/responses``), and the stored
responses (``GET``/``DELETE /v1/responses/{id}``, ``GET /v1/responses/{id}/input_items``).

The request is translated to a chat job (``g4f.client.responses``) and answered by the same core as
chat completions. Stored responses live in the state store, under their caller, for
``conversation_ttl`` seconds, so a ``previous_response_id`` chain continues on any instance sharing it.
"""

from __future__ import annotations

from typing import Any

import orjson
from starlette.requests import Request

from ..client.responses import ResponseBuilder, chat_request, new_response, output_messages
from ..errors import G4FError, InvalidRequestError, NotSupportedError
from ..state import StoreUnavailableError
from .body import read_json
from .config import AppConfig
from .door import EventResponse, caller, door_job
from .errors import error_payload
from .responses import JSONResponse
from .validation import Spec, ValidationError, check

RESPONSES_SPEC: Spec = {
    "model": ("str", None),
    "instructions": ("str", None),
    "stream": ("bool", None),
    "store": ("bool", None),
    "previous_response_id": ("str", None),
    "max_output_tokens": ("int", (1, 10_000_000)),
    "temperature": ("number", (0, 2)),
    "top_p": ("number", (0, 1)),
    "tools": ("list", None),
    "tool_choice": ("str|object", None),
    "parallel_tool_calls": ("bool", None),
    "text": ("object", None),
    "reasoning": ("object", None),
    "metadata": ("object", None),
    "user": ("str", None),
    "background": ("bool", None),
    "provider": ("str", None),
    "api_key": ("str", None),
    "api_base": ("str", None),
    "proxy": ("str", None),
}
#: Server-side request fields that reach the core as they are.
PASSED = ("provider", "api_key", "api_base", "proxy")


class ResponseNotFoundError(G4FError):
    status_code = 404
    error_type = "invalid_request_error"
    code = "not_found"


def _key(request: Request, response_id: str) -> str:
    return f"responses:{caller(request)}:{response_id}"


async def _load(request: Request, response_id: str) -> dict[str, Any]:
    try:
        raw = await request.app.state.store.get(_key(request, response_id))
    except Exception as error:
        raise StoreUnavailableError("The state store is unavailable; stored responses cannot be read.") from error
    if raw is None:  # another caller's response is as absent as an expired one
        raise ResponseNotFoundError(f"No response found with id '{response_id}'.", param="response_id")
    return orjson.loads(raw)


async def create_response(request: Request, provider: str | None = None) -> EventResponse:
    """OpenAI's Create a model response, over every provider."""
    settings: AppConfig = request.app.state.settings
    raw = await read_json(request, settings.max_body_size)
    body = check(raw, RESPONSES_SPEC)
    body["input"] = raw.get("input")  # a string or a list of items: checked by the translation
    if body["input"] is None:
        raise ValidationError("'input' is required.", param="input")
    if body.get("background"):
        raise NotSupportedError("Background responses are not supported; stream instead.", param="background")
    messages, params = chat_request(body)
    params.update((name, body[name]) for name in PASSED if name in body)
    history: list[dict[str, Any]] = []
    if body.get("previous_response_id"):
        stored = await _load(request, body["previous_response_id"])
        history = stored["history"]
    system = messages[:1] if body.get("instructions") else []  # instructions are not carried over a chain
    new_turn = messages[len(system) :]
    job = await door_job(
        request, body.get("model"), [*system, *history, *new_turn], params, provider, body.get("stream", False)
    )
    builder = ResponseBuilder(new_response(body, job.model or body.get("model") or ""))
    if body.get("store", True):
        job.on_done = _saver(request, body, builder.response["id"], [*history, *new_turn])
    return EventResponse(job, builder, error_payload)


def _saver(request: Request, body: dict[str, Any], response_id: str, turn: list[dict[str, Any]]) -> Any:
    settings: AppConfig = request.app.state.settings
    key = _key(request, response_id)
    items = (
        body["input"]
        if isinstance(body["input"], list)
        else [{"type": "message", "role": "user", "content": body["input"]}]
    )

    async def save(response: dict[str, Any]) -> None:
        record = {"response": response, "input_items": items, "history": [*turn, *output_messages(response["output"])]}
        try:
            await request.app.state.store.set(key, orjson.dumps(record), ttl=settings.conversation_ttl)
        except Exception:  # the answer stands; only its later retrieval is lost
            from .. import debug

            debug.logger.warning("Could not store response %s", response_id)

    return save


async def provider_create_response(request: Request, provider: str) -> EventResponse:
    return await create_response(request, provider)


async def get_response(request: Request, response_id: str) -> JSONResponse:
    return JSONResponse((await _load(request, response_id))["response"])


async def delete_response(request: Request, response_id: str) -> JSONResponse:
    await _load(request, response_id)
    try:
        await request.app.state.store.delete(_key(request, response_id))
    except Exception as error:
        raise StoreUnavailableError("The state store is unavailable; the response was not deleted.") from error
    return JSONResponse({"id": response_id, "object": "response.deleted", "deleted": True})


async def list_input_items(request: Request, response_id: str) -> JSONResponse:
    """The input items of a stored response, newest first unless ``order=asc`` (one page of ``limit``)."""
    items = (await _load(request, response_id))["input_items"]
    data = [
        {"id": item.get("id") or f"msg_{response_id[5:]}_{i}", "type": item.get("type", "message"), **item}
        for i, item in enumerate(items)
    ]
    for item in data:
        if item["type"] == "message":
            item.setdefault("status", "completed")
            if isinstance(item.get("content"), str):
                item["content"] = [{"type": "input_text", "text": item["content"]}]
    if request.query_params.get("order", "desc") != "asc":
        data.reverse()
    try:
        limit = min(max(int(request.query_params.get("limit") or 20), 1), 100)
    except ValueError:
        raise InvalidRequestError("'limit' must be an integer between 1 and 100.", param="limit") from None
    page = data[:limit]
    return JSONResponse(
        {
            "object": "list",
            "data": page,
            "first_id": page[0]["id"] if page else "",
            "last_id": page[-1]["id"] if page else "",
            "has_more": len(data) > limit,
        }
    )


__all__ = ["create_response", "provider_create_response", "get_response", "delete_response", "list_input_items"]
