"""What the server offers: ``/v1/models``, ``/v1/providers`` and the per-provider model lists."""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.requests import Request

from .. import Provider
from ..client.models import describe
from ..client.stubs import Model
from ..models import ModelRegistry
from ..routes_file import current_routes
from ..routing import find_model, health
from . import probe, readiness
from .offline_models import offline_models
from .responses import JSONResponse


def _name(provider: Any) -> str:
    return provider.get_name() if hasattr(provider, "get_name") else provider.__name__


def static_models(provider: Any) -> list[str]:
    """The models a provider declares (no network): the default first."""
    models = list(getattr(provider, "models", None) or [])
    default = getattr(provider, "default_model", None)
    if default and default not in models:
        models.insert(0, default)
    return models


async def provider_models(provider: Any) -> list[str]:
    """The provider's own list (``get_models`` may ask its API), the declared one when that fails."""
    get_models = getattr(provider, "get_models", None)
    if get_models is None:
        return static_models(provider)
    try:
        return list(await asyncio.to_thread(get_models))
    except Exception:
        return static_models(provider)


def describe_provider(provider: Any, models: list[str] | None = None) -> dict[str, Any]:
    """A provider as ``/v1/providers`` shows it: never its key, only whether one is configured."""
    name = _name(provider)
    needs_auth = bool(getattr(provider, "needs_auth", False))
    try:
        ready = bool(provider.has_credentials()) if hasattr(provider, "has_credentials") else not needs_auth
    except Exception:
        ready = False
    return {
        "id": name,
        "object": "provider",
        "provider": name,
        "label": getattr(provider, "label", None) or name,
        "url": getattr(provider, "url", None),
        "description": getattr(provider, "description", None),
        "working": bool(getattr(provider, "working", False)),
        "auth": needs_auth,
        "api_key_env": (getattr(provider, "api_key_env", None) or f"{name.upper()}_API_KEY") if needs_auth else None,
        "has_credentials": ready,
        "local": bool(getattr(provider, "local", False)),
        "stream": bool(getattr(provider, "supports_stream", False)),
        "models": static_models(provider) if models is None else models,
        "image_models": list(getattr(provider, "image_models", None) or []),
        "vision_models": list(getattr(provider, "vision_models", None) or []),
        "audio_models": list(getattr(provider, "audio_models", None) or []),
        **probe.reachability(provider),  # reachable, address, unreachable: is its server there?
    }


async def list_models(request: Request) -> JSONResponse:
    """Every model of the registry, with its first provider and whether a provider can serve it now."""
    providers = Provider.all_providers()
    await probe.refresh(providers)
    problems = {info["id"]: readiness.problem(info) for info in map(describe_provider, providers)}
    ignored = request.app.state.settings.ignored_providers
    data = [
        {**describe(m).model_dump(), **readiness.availability(m.provider_names, problems, ignored)}
        for m in ModelRegistry.all_models().values()
        if m.name
    ]
    listed = {item["id"] for item in data}
    for name in current_routes().names():  # the operator's own model names (config.yaml)
        if name not in listed:
            route = current_routes().get(name) or []
            data.append(Model(name, "config.yaml", provider=route[0].provider if route else None).model_dump())
    data += offline_models(problems, ignored)  # offline transcription and embeddings, with their worth
    return JSONResponse({"object": "list", "data": data})


async def get_model(request: Request, model_name: str) -> JSONResponse:
    """One model; 404 ``model_not_found`` when no provider serves it."""
    model = ModelRegistry.get(model_name)
    if model is not None and model.name:
        return JSONResponse(describe(model).model_dump())
    name, providers = find_model(model_name)  # raises ModelNotFoundError with suggestions
    first = providers[0]
    return JSONResponse(
        Model(
            name,
            _name(first),
            image=name in getattr(first, "image_models", ()),
            vision=name in getattr(first, "vision_models", ()),
            provider=_name(first),
        ).model_dump()
    )


async def list_provider_models(request: Request, provider: str) -> JSONResponse:
    """The models of one provider, as an OpenAI model list."""
    cls = Provider.get(provider)
    name = _name(cls)
    images, vision = set(getattr(cls, "image_models", ())), set(getattr(cls, "vision_models", ()))
    ids = await provider_models(cls)
    ids += [m for m in images if m not in ids]
    data = [Model(m, name, image=m in images, vision=m in vision, provider=name).model_dump() for m in ids]
    return JSONResponse({"object": "list", "data": data})


async def list_providers(request: Request) -> JSONResponse:
    """Every installed provider: whether it works, needs a key and has one configured, its server is
    there, and its health record."""
    providers = Provider.all_providers()
    await probe.refresh(providers)
    ignored = set(request.app.state.settings.ignored_providers)
    await health.sync()
    records = health.snapshot()
    data = [
        {**describe_provider(p), "ignored": _name(p) in ignored, "health": records.get(_name(p)) or health.empty()}
        for p in providers
    ]
    return JSONResponse({"object": "list", "data": data})


async def get_provider(request: Request, provider: str) -> JSONResponse:
    """One provider with its live model list and its health record (breaker state, counts, latency)."""
    cls = Provider.get(provider)
    await probe.refresh([cls])
    info = describe_provider(cls, await provider_models(cls))
    info["health"] = await health.describe(info["id"])
    return JSONResponse(info)


__all__ = ["list_models", "get_model", "list_provider_models", "list_providers", "get_provider", "describe_provider"]
