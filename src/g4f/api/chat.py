"""Chat completion routes: ``/v1/chat/completions`` and the provider-specific ones.

The request is checked here, then handed whole to the client core (routing, fallback, parts) by
``CompletionResponse``; nothing of the core is done twice.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from ..client.core import validate_messages
from ..errors import InvalidRequestError, NotSupportedError
from ..providers.response import JsonConversation
from .body import header, read_json
from .completion import ChatJob, CompletionResponse
from .config import AppConfig
from .errors import error_response
from .validation import CHAT_SPEC, check

#: Request fields handed to the provider under their OpenAI names (the rest are the server's own).
PROVIDER_PARAMS = frozenset(
    (
        "max_tokens",
        "temperature",
        "top_p",
        "frequency_penalty",
        "presence_penalty",
        "stop",
        "seed",
        "user",
        "response_format",
        "tools",
        "tool_choice",
        "parallel_tool_calls",
        "stream_options",
        "reasoning_effort",
        "logit_bias",
        "web_search",
        "modalities",
        "audio",
        "proxy",
        "api_key",
        "api_base",
        "timeout",
    )
)


def bearer_token(request: Request) -> str | None:
    auth = header(request, b"authorization")
    if auth and auth[:7].lower() == b"bearer ":
        return auth[7:].strip().decode("latin-1") or None
    return None


def client_id(request: Request) -> str:
    """Who counts for the rate limit: the presented key, else the address."""
    token = bearer_token(request) or request.headers.get("g4f-api-key")
    if token:
        import hashlib

        return "key:" + hashlib.sha256(token.encode()).hexdigest()[:16]
    return "ip:" + (request.client.host if request.client else "unknown")


async def check_rate(request: Request) -> None:
    limiter = request.app.state.limiter
    if limiter is not None:
        await limiter.hit(client_id(request))


def check_request_options(settings: AppConfig, params: dict[str, Any]) -> None:
    """What a request may ask of the server itself (shared with the image routes)."""
    if params.get("api_base") and not settings.allow_api_base:
        raise InvalidRequestError(
            "'api_base' is not accepted by this server (start it with --allow-api-base).", param="api_base"
        )
    if settings.demo:
        for name in ("api_key", "api_base", "proxy"):
            if params.get(name):
                raise InvalidRequestError(f"'{name}' is not accepted in demo mode.", param=name)


def provider_api_key(request: Request, settings: AppConfig, params: dict[str, Any], provider: str | None) -> str | None:
    """The key for the provider: the body's ``api_key``; else, when the server has no key of its own
    and the request names its provider, the bearer token (the key an OpenAI client sends)."""
    if params.get("api_key"):
        return params["api_key"]
    if provider and not settings.g4f_api_key and not settings.demo:
        return bearer_token(request)
    return None


async def build_job(request: Request, provider: str | None = None, conversation_id: str | None = None) -> ChatJob:
    settings: AppConfig = request.app.state.settings
    body = await read_json(request, settings.max_body_size)
    params = check(body, CHAT_SPEC, required=("messages",))
    messages = validate_messages(params.pop("messages"))
    check_request_options(settings, params)
    await check_rate(request)

    provider = provider or params.pop("provider", None) or settings.provider
    api_key = provider_api_key(request, settings, params, provider)
    stream = params.get("stream", False)
    n = params.get("n", 1)
    if n > 1 and stream:
        raise NotSupportedError("'n' above 1 is supported without streaming only.", param="n")
    if "max_tokens" not in params and "max_completion_tokens" in params:
        params["max_tokens"] = params["max_completion_tokens"]
    kwargs = {name: value for name, value in params.items() if name in PROVIDER_PARAMS}
    kwargs["api_key"] = api_key
    kwargs.setdefault("proxy", settings.proxy)
    ignored = [*settings.ignored_providers, *params.get("ignored_providers", ())]
    if ignored:
        kwargs["ignored_providers"] = ignored
    if params.get("conversation"):
        kwargs["conversation"] = JsonConversation(params["conversation"])

    job = ChatJob(
        params.get("model") or settings.model or "",
        messages,
        provider,
        stream,
        n,
        kwargs,
        settings.timeout,
        settings.stream_timeout,
        (api_key, settings.g4f_api_key),
    )
    conversation_id = conversation_id or params.get("conversation_id")
    if conversation_id:
        await _attach_conversation(request, job, provider or "", conversation_id)
    return job


async def _attach_conversation(request: Request, job: ChatJob, scope: str, conversation_id: str) -> None:
    """Answer in the context of the stored history, and store the new turn afterwards."""
    conversations = request.app.state.conversations
    stored, state = await conversations.load(scope, conversation_id)
    job.messages = conversations.merge(stored, job.messages)
    if state and "conversation" not in job.kwargs:
        job.kwargs["conversation"] = JsonConversation(state)
    sent = job.messages

    async def save(reply: str, new_state: dict | None) -> None:
        await conversations.save(
            scope, conversation_id, [*sent, {"role": "assistant", "content": reply}], new_state or state
        )

    job.on_done = save


async def chat_completions(request: Request) -> CompletionResponse:
    """OpenAI's Create chat completion, with ``provider`` and ``conversation_id`` as extras."""
    return CompletionResponse(await build_job(request))


async def provider_chat_completions(request: Request, provider: str) -> CompletionResponse:
    """Chat completion with one provider."""
    return CompletionResponse(await build_job(request, provider))


async def conversation_chat_completions(request: Request, provider: str, conversation_id: str) -> CompletionResponse:
    """Chat completion with one provider in a server-side conversation."""
    return CompletionResponse(await build_job(request, provider, conversation_id))


class ChatLane:
    """Pure-ASGI lane for ``POST /v1/chat/completions``, the hot path.

    It sits inside the auth and CORS middleware but before routing, so the busiest route skips the
    router and FastAPI's per-request machinery (dependency solving, exit stacks). Errors take the
    same single mapping as every other route. The FastAPI route stays for ``/docs``.
    """

    PATH = "/v1/chat/completions"

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != self.PATH or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        try:
            response = await chat_completions(request)
        except Exception as error:
            response = error_response(error, (request.app.state.settings.g4f_api_key,))
        await response(scope, receive, send)


__all__ = [
    "ChatLane",
    "chat_completions",
    "provider_chat_completions",
    "conversation_chat_completions",
    "check_rate",
    "check_request_options",
    "provider_api_key",
    "bearer_token",
]
