"""``create_app()``: the FastAPI application, built on call (nothing happens at import)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.datastructures import State
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.staticfiles import StaticFiles

from .. import debug, metrics
from ..config import get as get_setting
from ..errors import G4FError
from ..gui import STATIC_DIR
from ..providers.own_address import forget as forget_own_addresses
from ..providers.own_address import note_server
from ..state import Conversations, RateLimiter, open_store
from ..version import __version__
from . import (
    audio,
    catalog,
    chat,
    completions_legacy,
    embeddings,
    image_variations,
    images,
    media,
    messages,
    openai_responses,
    uploads,
)
from .auth import AuthMiddleware, Keyring
from .browser import BrowserGuard
from .config import AppConfig
from .errors import handle_exception
from .responses import JSONResponse
from .validation import CHAT_SPEC, IMAGE_SPEC, SPEECH_SPEC, request_body_doc

#: Seconds ``/health/ready`` waits for the store.
READY_TIMEOUT = 2.0


#: Breaker thresholds (``g4f.routing.BreakerPolicy``) set by the ``breaker_*`` settings.
BREAKER_SETTINGS = ("failures", "failure_rate", "min_attempts", "window", "cooldown", "max_cooldown")


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    from ..routing import health

    health.use_store(app.state.store)  # the router's health record, shared through the app's store
    settings = app.state.settings
    health.configure(**{name: getattr(settings, "breaker_" + name) for name in BREAKER_SETTINGS})
    yield
    from ..providers.http import close_session

    forget_own_addresses()  # the port may go to another server now; requests to a live one note it again

    await health.sync()
    if health.store is app.state.store:
        health.use_store(None)
    await close_session()
    await app.state.store.close()


class AppState(State):
    """Starlette's ``State`` whose values are plain attributes as well: read on every request
    (``settings``, ``limiter``), they are found without a call to ``State.__getattr__``."""

    def __setattr__(self, key: Any, value: Any) -> None:
        super().__setattr__(key, value)
        object.__setattr__(self, key, value)

    def __delattr__(self, key: Any) -> None:
        super().__delattr__(key)
        object.__delattr__(self, key)

    __setitem__ = __setattr__  # type: ignore[assignment]
    __delitem__ = __delattr__  # type: ignore[assignment]


class G4FApp(FastAPI):
    """FastAPI with the chat lane, auth and CORS outside FastAPI's own middleware stack.

    ``outer`` lists pure-ASGI middleware, outermost first. The chat hot path then pays for none of
    FastAPI's wrappers (error, telemetry and body-limit middleware, exit stacks, routing); every other
    route passes through them as usual. ``scope["app"]`` is set before any of them runs.
    """

    outer: list[tuple[type, dict[str, Any]]]

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.state = AppState()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            note_server(scope.get("server"))  # so no provider is pointed back at this server
            if not self.root_path:  # what FastAPI's and Starlette's calls do (no telemetry set up), two frames fewer
                scope["app"] = self
                if self.middleware_stack is None:
                    self.middleware_stack = self.build_middleware_stack()
                await self.middleware_stack(scope, receive, send)
                return
        await super().__call__(scope, receive, send)

    def build_middleware_stack(self) -> Any:
        app = super().build_middleware_stack()
        for cls, options in reversed(self.outer):
            app = cls(app, **options)
        return app


def create_app(config: AppConfig | dict[str, Any] | None = None) -> FastAPI:
    """The ASGI application. ``config``: an ``AppConfig``, a dict of settings, or None for ``AppConfig``'s."""
    settings = AppConfig.from_any(config)
    if settings.debug:
        debug.enable(True)
    if settings.cookies_dir and settings.cookies_dir != get_setting("cookies_dir"):  # this app's own folder
        from ..cookies import set_cookies_dir

        set_cookies_dir(settings.cookies_dir)

    app = G4FApp(
        title="g4f API",
        version=__version__,
        lifespan=lifespan,
        docs_url="/docs",
        redoc_url=None,
        default_response_class=JSONResponse,
        # FastAPI's native OpenTelemetry hook costs a provider lookup per request; g4f sets none up.
        telemetry={"tracing": False, "metrics": False, "logs": False},
        description="OpenAI-compatible API over many providers, with an embedded local model.",
    )
    store = open_store(settings.state_url)
    app.state.settings = settings
    app.state.store = store
    app.state.conversations = Conversations(
        store, settings.max_conversation_messages, settings.max_conversations, settings.conversation_ttl
    )
    keyring = Keyring.from_settings(settings.g4f_api_key, settings.api_keys)
    app.state.limiter = RateLimiter(store, settings.rate_limit) if settings.rate_limit or keyring.has_limits else None

    for error_class in (G4FError, HTTPException, RequestValidationError, Exception):
        app.add_exception_handler(error_class, handle_exception)
    _routes(app, settings)
    if settings.gui:
        _gui(app)
    else:
        app.add_api_route("/", _index, include_in_schema=False)

    app.outer = []
    if settings.cors_origins:
        from starlette.middleware.cors import CORSMiddleware

        cors = dict(
            allow_origins=list(settings.cors_origins),
            allow_methods=["*"],
            allow_headers=["*"],
            expose_headers=["Retry-After"],
        )
        app.outer.append((CORSMiddleware, cors))
    if keyring:
        app.outer.append((AuthMiddleware, {"keyring": keyring}))
    else:  # no key: keep web pages of other origins (and DNS rebinding) away
        guard = {"cors_origins": settings.cors_origins, "allowed_hosts": settings.allowed_hosts}
        app.outer.append((BrowserGuard, guard))
    # Innermost of ours: after CORS and auth, before FastAPI; the doors onto chat take the same lane.
    lane = {"/v1/responses": openai_responses.create_response, "/v1/messages": messages.create_message}
    app.outer.append((chat.ChatLane, {"routes": lane}))
    metrics.install(app)  # GET /metrics, and the outermost middleware counting every request
    return app


def _routes(app: FastAPI, settings: AppConfig) -> None:
    chat_doc = request_body_doc(CHAT_SPEC, ("messages",))
    image_doc = request_body_doc(IMAGE_SPEC, ("prompt",))
    route = app.add_api_route
    route("/v1/chat/completions", chat.chat_completions, methods=["POST"], tags=["chat"], openapi_extra=chat_doc)
    route(
        "/api/{provider}/chat/completions",
        chat.provider_chat_completions,
        methods=["POST"],
        tags=["chat"],
        openapi_extra=chat_doc,
    )
    route(
        "/api/{provider}/{conversation_id}/chat/completions",
        chat.conversation_chat_completions,
        methods=["POST"],
        tags=["chat"],
        openapi_extra=chat_doc,
    )
    route("/v1/conversations", chat.create_conversation, methods=["POST"], tags=["chat"])
    route("/v1/responses", openai_responses.create_response, methods=["POST"], tags=["responses"])
    route("/api/{provider}/responses", openai_responses.provider_create_response, methods=["POST"], tags=["responses"])
    route("/v1/responses/{response_id}", openai_responses.get_response, methods=["GET"], tags=["responses"])
    route("/v1/responses/{response_id}", openai_responses.delete_response, methods=["DELETE"], tags=["responses"])
    route(
        "/v1/responses/{response_id}/input_items",
        openai_responses.list_input_items,
        methods=["GET"],
        tags=["responses"],
    )
    route("/v1/messages", messages.create_message, methods=["POST"], tags=["messages"])
    for path in ("/api/{provider}/messages", "/api/{provider}/v1/messages"):  # the second for ANTHROPIC_BASE_URL
        route(path, messages.provider_create_message, methods=["POST"], tags=["messages"])
    route("/v1/messages/count_tokens", messages.count_tokens, methods=["POST"], tags=["messages"])
    route("/v1/models", catalog.list_models, methods=["GET"], tags=["models"])
    route("/v1/models/", catalog.list_models, methods=["GET"], include_in_schema=False)  # as guides write it
    route("/v1/models/{model_name:path}", catalog.get_model, methods=["GET"], tags=["models"])
    route("/api/{provider}/models", catalog.list_provider_models, methods=["GET"], tags=["models"])
    route("/v1/providers", catalog.list_providers, methods=["GET"], tags=["providers"])
    route("/v1/providers/{provider}", catalog.get_provider, methods=["GET"], tags=["providers"])
    for path in ("/v1/images/generations", "/v1/images/generate"):
        route(path, images.images_generations, methods=["POST"], tags=["images"], openapi_extra=image_doc)
    route("/v1/images/variations", image_variations.images_variations, methods=["POST"], tags=["images"])
    route(
        "/api/{provider}/images/generations",
        images.provider_images_generations,
        methods=["POST"],
        tags=["images"],
        openapi_extra=image_doc,
    )
    route(
        "/v1/audio/speech",
        audio.create_speech,
        methods=["POST"],
        tags=["audio"],
        openapi_extra=request_body_doc(SPEECH_SPEC, ("input",)),
    )
    route("/v1/audio/transcriptions", audio.create_transcription, methods=["POST"], tags=["audio"])
    route("/v1/embeddings", embeddings.embeddings, methods=["POST"], tags=["embeddings"])
    route("/v1/completions", completions_legacy.completions, methods=["POST"], tags=["completions"])
    route("/v1/upload_cookies", uploads.upload_cookies, methods=["POST"], tags=["cookies"])
    for prefix in ("/media", "/images"):
        route(prefix + "/{filename:path}", media.get_media, methods=["GET"], tags=["media"])
    route("/health", _live, methods=["GET"], tags=["health"])
    route("/health/live", _live, methods=["GET"], tags=["health"])
    route("/health/ready", _ready, methods=["GET"], tags=["health"])


async def _index(request: Request) -> JSONResponse:
    return JSONResponse({"message": "g4f API: OpenAI-compatible endpoints under /v1", "docs": "/docs"})


async def _live(request: Request) -> JSONResponse:
    """The process answers (for a load balancer: the store being down is no reason to drop it)."""
    return JSONResponse({"status": "ok"})


async def _ready(request: Request) -> JSONResponse:
    """Whether the state store answers too (503 when not; plain chat works all the same)."""
    store = request.app.state.store
    try:
        ok = await asyncio.wait_for(store.ping(), READY_TIMEOUT)
    except Exception:
        ok = False
    return JSONResponse(
        {"status": "ok" if ok else "degraded", "state": store.url.split("://", 1)[0], "state_ok": ok},
        status_code=200 if ok else 503,
    )


def _gui(app: FastAPI) -> None:
    """The web page at ``/chat/``; ``/`` leads there. The page is public, its API calls follow the key rule."""
    app.mount("/chat", StaticFiles(directory=STATIC_DIR, html=True, check_dir=False), name="gui")

    async def to_gui(request: Request) -> RedirectResponse:
        return RedirectResponse("/chat/", status_code=307)

    app.add_api_route("/", to_gui, include_in_schema=False)


__all__ = ["create_app"]
