"""Model name -> the ordered candidate providers: explicit, or the model's working ones, by health."""

from __future__ import annotations

import time
from typing import Any

from .. import Provider
from ..errors import (
    G4FError,
    MissingAuthError,
    ModelNotFoundError,
    ProviderNotFoundError,
    ProviderNotWorkingError,
    RetryProviderError,
    StreamNotSupportedError,
)
from ..models import Model, ModelRegistry, default
from ..providers.attempts import provider_name
from ..providers.retry_provider import IterListProvider
from .hooks import HOOKS
from .records import health, health_key
from .routes import routed_candidates

DEFAULT_NAMES = (None, "", "default", "auto")


def resolve_provider(provider: Any) -> Any:
    """A provider class or instance from a class, an instance, or a name."""
    if isinstance(provider, str):
        return Provider.get(provider)
    if provider is None or not hasattr(provider, "create_async_generator"):
        raise ProviderNotFoundError(f"Not a provider: {provider!r}")
    return provider


_NONE: frozenset[str] = frozenset()


def _partition(
    providers: list[Any],
    stream: bool,
    ignored: set[str] | frozenset[str],
    ignore_working: bool,
    ignore_stream: bool,
    api_key: str | None,
) -> tuple[list[Any], list[tuple[Any, str]]]:
    """The providers that may serve the request, and the others with why not (a reason for
    ``_exclusion_error``). Runs on every request: one call for all candidates, a name looked up only
    when ``ignored`` needs it, and the error built only when it is raised."""
    usable: list[Any] = []
    excluded: list[tuple[Any, str]] = []
    for provider in providers:
        if ignored and provider_name(provider) in ignored:
            excluded.append((provider, "ignored"))
        elif not ignore_working and not getattr(provider, "working", True):
            excluded.append((provider, "working"))
        elif stream and not ignore_stream and not getattr(provider, "supports_stream", True):
            excluded.append((provider, "stream"))
        elif not api_key and (credentials := getattr(provider, "has_credentials", None)) and not credentials():
            excluded.append((provider, "key"))
        else:
            usable.append(provider)
    return usable, excluded


def _exclusion_error(provider: Any, reason: str) -> G4FError:
    name = provider_name(provider)
    if reason == "ignored":
        return ProviderNotFoundError(f"{name} is in ignored_providers")
    if reason == "working":
        return ProviderNotWorkingError(f"{name} is not working")
    if reason == "stream":
        return StreamNotSupportedError(f"{name} does not support streaming")
    env = getattr(provider, "api_key_env", None) or f"{name.upper()}_API_KEY"
    return MissingAuthError(f"{name} needs an API key ({env})")


def _names_provider(name: Any) -> bool:
    """True when ``name`` is an installed provider's name and no route of config.yaml claims it."""
    if not isinstance(name, str) or not name:
        return False
    return name in Provider.names() and routed_candidates(name) is None


def find_model(name: str) -> tuple[str, list[Any]]:
    """A model outside the registry: a GGUF path for Local, or a provider-specific model name."""
    if name.endswith(".gguf"):
        return name, [Provider.get("Local")]
    serving = []
    for provider in Provider.all_providers():
        static = {
            *getattr(provider, "models", []),
            *getattr(provider, "model_aliases", {}),
            *getattr(provider, "image_models", []),
        }
        if name in static:
            serving.append(provider)
    if not serving:
        close = ModelRegistry.suggest(name)
        hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        raise ModelNotFoundError(f"Model {name!r} not found.{hint}")
    return name, serving


def get_candidates(
    model: str | Model | None,
    provider: Any = None,
    *,
    stream: bool = False,
    ignored: list[str] | None = None,
    ignore_working: bool = False,
    ignore_stream: bool = False,
    api_key: str | None = None,
) -> tuple[str, list[Any]]:
    """The model name to ask for and the providers to try, in order.

    Order: an explicit provider; else the model's providers that are working, not ignored and
    have the credentials they need, keyless and local first, then by health.
    """
    model_name, candidates, _model = _select(model, provider, stream, ignored, ignore_working, ignore_stream, api_key)
    return model_name, candidates


def _select(
    model: str | Model | None,
    provider: Any,
    stream: bool,
    ignored: list[str] | None,
    ignore_working: bool,
    ignore_stream: bool,
    api_key: str | None,
) -> tuple[str, list[Any], Model | None]:
    """``get_candidates`` and the registry's model (None when the request named none or a provider)."""
    ignored_set = set(ignored) if ignored else _NONE
    routed: list[Any] | None = None
    if isinstance(model, Model):
        model_obj: Model | None = model
        model_name = model.name
    elif model in DEFAULT_NAMES:
        model_obj, model_name = (default, "") if provider is None else (None, "")
    else:
        model_obj, model_name = ModelRegistry.get(model), model  # type: ignore[assignment]
        if model_obj is not None and model_obj.name:
            model_name = model_obj.name

    if provider is None and model_obj is None and _names_provider(model_name):
        # gpt4free: a provider's name as the model asks that provider for its default model.
        provider = resolve_provider(model_name)
        model_name = getattr(provider, "default_model", None) or ""
    if provider is not None:
        provider = resolve_provider(provider)
        # An IterListProvider given explicitly: route within its providers.
        if not hasattr(provider, "providers"):
            # the caller chose it: its key is not asked for
            _, refused = _partition([provider], stream, ignored_set, ignore_working, ignore_stream, "explicit")
            if refused:
                raise _exclusion_error(*refused[0])
            return model_name, [provider], None
        providers = list(provider.providers or [provider])
        model_obj = None
    elif model_name and (routed := routed_candidates(model_name)) is not None:
        providers = routed  # config.yaml's order is the operator's: kept as written
        if not providers:
            raise RetryProviderError(f"No route of model {model_name!r} in config.yaml applies now (conditions).")
    elif model_obj is not None:
        providers = model_obj.providers
    else:
        model_name, providers = find_model(model_name)

    usable, excluded = _partition(providers, stream, ignored_set, ignore_working, ignore_stream, api_key)
    if not usable:
        if not providers:
            raise ModelNotFoundError(f"No provider is installed for model {model_name or 'default'!r}.")
        errors: dict[str, BaseException] = {provider_name(p): _exclusion_error(p, r) for p, r in excluded}
        if len(errors) == 1:
            raise next(iter(errors.values()))
        raise RetryProviderError(
            f"No provider can serve model {model_name or 'default'!r}: "
            + "; ".join(f"{n}: {e}" for n, e in errors.items()),
            exceptions=errors,
        )
    if routed is not None or len(usable) == 1:  # config.yaml's order is kept; one needs no order
        return model_name, usable, model_obj
    return model_name, order(usable, api_key), model_obj


def route(
    model: str | Model | None,
    provider: Any = None,
    *,
    stream: bool = False,
    ignored: list[str] | None = None,
    ignore_working: bool = False,
    ignore_stream: bool = False,
    api_key: str | None = None,
) -> tuple[str, IterListProvider]:
    """The model name and the runner of its candidates, reporting to the health record.

    A runner the caller gave (an ``IterListProvider``/``RetryProvider`` as ``provider``, or as a
    model's ``best_provider``) keeps its settings (shuffle, retries) over the routed candidates.
    """
    model_name, candidates, model_obj = _select(
        model, provider, stream, ignored, ignore_working, ignore_stream, api_key
    )
    template = provider if isinstance(provider, IterListProvider) else None
    if template is None and provider is None and model_obj is not None:
        template = model_obj.runner
    if template is None:
        runner = IterListProvider(candidates)
        runner.hooks = HOOKS
        return model_name, runner
    return model_name, template.with_providers(candidates, HOOKS)


def order(providers: list[Any], api_key: str | None = None) -> list[Any]:
    """Stable sort: an open breaker last; then keyless and local first; then fewer recent failures."""
    now = time.time()

    def key(provider: Any) -> tuple[int, bool, int]:
        tier, recent = health.rank(health_key(provider_name(provider), api_key), now)
        return tier, bool(getattr(provider, "needs_auth", False)), recent

    return sorted(providers, key=key)


__all__ = ["get_candidates", "route", "resolve_provider", "find_model", "order", "provider_name", "DEFAULT_NAMES"]
