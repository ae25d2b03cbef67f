"""Chat completion routes: ``/v1/chat/completions`` and the provider-specific ones.

The request is checked here, then handed whole to the client core (routing, fallback, parts) by
``CompletionResponse``; nothing of the core is done twice.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request, empty_send
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from .. import Provider
from ..client.core import validate_messages
from ..errors import G4FError, InvalidRequestError, NotSupportedError
from ..providers.response import JsonConversation
from ..providers.types import configured_keys
from ..state import StoreUnavailableError
from ..state.conversations import new_id
from ..state.limits import RateCheck
from .auth import SCOPE_KEY, check_model, identity, rate_identity
from .body import header, parse_json, read_body, read_json
from .completion import ChatJob, CompletionResponse
from .config import AppConfig
from .errors import error_response
from .openai_rules import check_chat_rules
from .responses import JSONResponse
from .validation import CHAT_SPEC, check

#: Request fields handed to the provider under their OpenAI names (the rest are the server's own).
PROVIDER_PARAMS = frozenset(
    (
        "max_tokens",
        "max_completion_tokens",  # as given: OpenAI's reasoning models refuse max_tokens
        "logprobs",
        "top_logprobs",
        "prediction",
        "metadata",
        "store",
        "service_tier",
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


#: ``conversation_id`` asking the server to start a conversation (its id comes back with the answer).
NEW_CONVERSATION = "new"


def bearer_token(request: Request) -> str | None:
    auth = header(request, b"authorization")
    if auth and auth[:7].lower() == b"bearer ":
        return auth[7:].strip().decode("latin-1") or None
    return None


def begin_rate(request: Request) -> RateCheck | None:
    """One request against the caller's limit (the verified key's own, else the server's per
    address), begun: its store call travels while the body is read; await it before acting."""
    limiter = request.app.state.limiter
    if limiter is None:
        return None
    client, limit = rate_identity(request)
    return limiter.begin(client, limit)


async def check_rate(request: Request) -> None:
    """``begin_rate`` and await at once."""
    rate = begin_rate(request)
    if rate is not None:
        await rate


def check_request_options(settings: AppConfig, params: dict[str, Any]) -> None:
    """What a request may ask of the server itself (shared with the image routes).

    A request's own ``api_base`` or ``proxy`` is refused unless the operator allows it; when
    allowed, the keys configured on this server are off for the request (only its own key goes
    there), so no configured key ever reaches an endpoint a client named.
    """
    if settings.demo:
        for name in ("api_key", "api_base", "proxy"):
            if params.get(name):
                raise InvalidRequestError(f"'{name}' is not accepted in demo mode.", param=name)
    if params.get("api_base") and not settings.allow_api_base:
        raise InvalidRequestError(
            "'api_base' is not accepted by this server (start it with --allow-api-base).", param="api_base"
        )
    if params.get("proxy") and not settings.allow_proxy:
        raise InvalidRequestError(
            "'proxy' is not accepted by this server (start it with --allow-proxy).", param="proxy"
        )
    if params.get("api_base") or params.get("proxy"):
        configured_keys.set(False)  # this request's task only


def has_configured_key(provider: str) -> bool:
    """Whether this server holds a key of its own for ``provider`` (environment or cookies directory)."""
    if not configured_keys.get():
        return False
    try:
        cls = Provider.get(provider)
    except G4FError:
        return False
    get_api_key = getattr(cls, "get_api_key", None)
    return bool(get_api_key and get_api_key())


def provider_api_key(request: Request, settings: AppConfig, params: dict[str, Any], provider: str | None) -> str | None:
    """The key for the provider: the body's ``api_key``; else the bearer token (the key an OpenAI
    client sends) when the request names its provider, the server checks no keys of its own (the
    bearer is then no server key), and the server holds no key for that provider: a key configured
    on the server wins over a client's placeholder (``api_key="unused"``)."""
    if params.get("api_key"):
        return params["api_key"]
    if not provider or settings.demo or settings.g4f_api_key or settings.api_keys:
        return None
    bearer = bearer_token(request)
    if bearer and not has_configured_key(provider):
        return bearer
    return None


def build_job(request: Request, provider: str | None = None) -> Awaitable[tuple[ChatJob, str | None]]:
    """The checked request as a job, and the server-side conversation it continues (if any).

    The limit check leaves first and travels while the body is read and checked and the job made;
    its verdict comes before the job goes anywhere (a refused request never reaches a provider).
    Every request counts, a bad one too; past the limit the answer is 429. Without a limit, the
    awaitable is the job's own (no frame around it)."""
    state = request.scope["app"].state
    limiter = state.limiter
    rate = None if limiter is None else limiter.begin(*rate_identity(request))
    made = _make_job(request, state.settings, provider)
    return made if rate is None else _after_rate(made, rate)


async def _after_rate(made: Awaitable[tuple[ChatJob, str | None]], rate: RateCheck) -> tuple[ChatJob, str | None]:
    try:
        job = await made
    except Exception:
        await rate
        raise
    except BaseException:  # cancelled: nobody waits for the verdict
        rate.close()
        raise
    await rate
    return job


#: What ``check_request_options`` looks at: most requests carry none of them.
SERVER_OPTIONS = frozenset(("api_key", "api_base", "proxy"))


async def _make_job(request: Request, settings: AppConfig, provider: str | None) -> tuple[ChatJob, str | None]:
    body = parse_json(await read_body(request, settings.max_body_size))  # read_json, a frame fewer
    check_chat_rules(body)  # OpenAI's cross-field rules: no provider sees a request OpenAI refuses
    params = check(body, CHAT_SPEC, required=("messages",))
    messages = validate_messages(params.pop("messages"))
    if not SERVER_OPTIONS.isdisjoint(params):
        check_request_options(settings, params)

    provider = provider or params.pop("provider", None) or settings.provider
    model = params.get("model") or settings.model or ""
    if SCOPE_KEY in request.scope:  # only a verified key may restrict the models
        check_model(request, model)
    # Only a request naming its provider may send its key as the bearer token.
    api_key = provider_api_key(request, settings, params, provider) if provider else params.get("api_key") or None
    # The provider's own fields, in the body's order; most requests carry none.
    kwargs = {} if PROVIDER_PARAMS.isdisjoint(params) else {k: v for k, v in params.items() if k in PROVIDER_PARAMS}
    kwargs["api_key"] = api_key
    kwargs.setdefault("proxy", settings.proxy)
    ignored = settings.ignored_providers
    if "ignored_providers" in params:
        ignored = [*ignored, *params["ignored_providers"]]
    if ignored:
        kwargs["ignored_providers"] = list(ignored)
    if params.get("conversation"):
        kwargs["conversation"] = JsonConversation(params["conversation"])

    job = ChatJob(
        model,
        messages,
        provider,
        params.get("stream", False),
        params.get("n", 1),
        kwargs,
        settings.timeout,
        settings.stream_timeout,
        (api_key, settings.g4f_api_key),
    )
    return job, params.get("conversation_id")


class ConversationTurn(Response):
    """A chat answer in a server-side conversation, its turn lock held until the answer is over
    (whole, streamed, failed or abandoned): concurrent turns of one conversation run one by one."""

    def __init__(self, inner: Response, release: Any) -> None:  # no super(): nothing is rendered up front
        self.inner = inner
        self.release = release
        self.background = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await self.inner(scope, receive, send)
        finally:
            await self.release()


async def respond(request: Request, provider: str | None = None, conversation_id: str | None = None) -> Response:
    """The response to a chat request; in a conversation, one turn of it."""
    job, asked = await build_job(request, provider)
    conversation_id = conversation_id or asked
    if not conversation_id:
        return CompletionResponse(job)
    if conversation_id == NEW_CONVERSATION:
        conversation_id = new_id()
    release = await _attach_conversation(request, job, provider or job.provider or "", conversation_id)
    job.fields = {"conversation_id": conversation_id}  # the answer names its conversation (a new one: its id)
    return ConversationTurn(CompletionResponse(job), release)


async def _attach_conversation(request: Request, job: ChatJob, scope: str, conversation_id: str) -> Any:
    """Answer in the context of the stored history, and store the new turn afterwards, under the
    conversation's lock; the coroutine function that releases the lock."""
    settings: AppConfig = request.app.state.settings
    conversations = request.app.state.conversations
    await conversations.claim(conversation_id, identity(request))
    token = await conversations.lock(scope, conversation_id, settings.timeout, settings.timeout + 60)

    async def release() -> None:
        try:
            await conversations.unlock(scope, conversation_id, token)
        except StoreUnavailableError:
            pass  # the lock lapses by itself

    try:
        stored, state = await conversations.load(scope, conversation_id)
    except BaseException:
        await release()
        raise
    job.messages = conversations.merge(stored, job.messages)
    if state and "conversation" not in job.kwargs:
        job.kwargs["conversation"] = JsonConversation(state)
    sent = job.messages

    async def save(reply: str, new_state: dict | None) -> None:
        await conversations.save(
            scope, conversation_id, [*sent, {"role": "assistant", "content": reply}], new_state or state
        )

    job.on_done = save
    return release


async def create_conversation(request: Request) -> JSONResponse:
    """OpenAI's Create conversation: an unguessable id that belongs to the caller, for ``conversation_id``.

    The history itself comes with the chat requests (``items`` are not taken here); ``metadata`` is
    answered back, not kept."""
    settings: AppConfig = request.app.state.settings
    body = await read_json(request, settings.max_body_size, optional=True)
    metadata = body.get("metadata") or {}
    if (
        not isinstance(metadata, dict)
        or len(metadata) > 16
        or not all(
            isinstance(k, str) and isinstance(v, str) and len(k) <= 64 and len(v) <= 512 for k, v in metadata.items()
        )
    ):
        raise InvalidRequestError(
            "'metadata' takes up to 16 string pairs (keys to 64, values to 512 characters).", param="metadata"
        )
    if body.get("items"):
        raise NotSupportedError("'items' are not kept here: send the messages with the chat request.", param="items")
    await check_rate(request)
    conversation_id = new_id()
    await request.app.state.conversations.claim(conversation_id, identity(request))
    return JSONResponse(
        {"id": conversation_id, "object": "conversation", "metadata": metadata, "created_at": int(time.time())}
    )


async def chat_completions(request: Request) -> Response:
    """OpenAI's Create chat completion, with ``provider`` and ``conversation_id`` as extras."""
    return await respond(request)


async def provider_chat_completions(request: Request, provider: str) -> Response:
    """Chat completion with one provider."""
    return await respond(request, provider)


async def conversation_chat_completions(request: Request, provider: str, conversation_id: str) -> Response:
    """Chat completion with one provider in a server-side conversation."""
    return await respond(request, provider, conversation_id)


class LaneRequest(Request):
    """Starlette's ``Request`` made in one call rather than two (its ``__init__`` and the base's, each
    asserting the scope type, which the lane has checked): the same attributes, every request."""

    def __init__(self, scope: Scope, receive: Receive) -> None:  # no super(): what it would set, set here
        self.scope = scope
        self._receive = receive
        self._send = empty_send
        self._stream_consumed = False
        self._is_disconnected = False
        self._form = None


class ChatLane:
    """Pure-ASGI lane for the generation routes (``POST /v1/chat/completions`` and the doors onto it),
    the hot path.

    It sits inside the auth and CORS middleware but before routing, so the busiest routes skip the
    router and FastAPI's per-request machinery (dependency solving, exit stacks). Errors take the
    same single mapping as every other route (a handler answering in another format catches its own).
    The FastAPI routes stay for ``/docs``.
    """

    PATH = "/v1/chat/completions"

    def __init__(self, app: ASGIApp, routes: dict[str, Callable[[Request], Awaitable[Any]]] | None = None) -> None:
        self.app = app
        self.routes = {self.PATH: respond, **(routes or {})}

    def __call__(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
        # Not a coroutine: another route gets the app's own awaitable, one frame fewer under it.
        handler = self.routes.get(scope["path"]) if scope["type"] == "http" and scope["method"] == "POST" else None
        if handler is None:
            return self.app(scope, receive, send)
        return self.answer(handler, scope, receive, send)

    @staticmethod
    async def answer(handler: Callable[[Request], Awaitable[Any]], scope: Scope, receive: Receive, send: Send) -> None:
        request = LaneRequest(scope, receive)
        try:
            response = await handler(request)
        except Exception as error:
            response = error_response(error, (request.app.state.settings.g4f_api_key,))
        await response(scope, receive, send)


__all__ = [
    "ChatLane",
    "chat_completions",
    "provider_chat_completions",
    "conversation_chat_completions",
    "create_conversation",
    "check_rate",
    "begin_rate",
    "check_request_options",
    "provider_api_key",
    "bearer_token",
]
