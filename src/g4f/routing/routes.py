"""Custom model routes from ``config.yaml`` (``g4f.routes_file``) as router candidates.

A route names a provider and the model sent to it, in the file's order, each with an optional
condition over that provider's health record. A route is a candidate only while its condition holds.
"""

from __future__ import annotations

from typing import Any

from ..providers.attempts import provider_name
from ..routes_file import current_routes, health_stats
from .records import health


class RoutedProvider:
    """A provider asked for the model its route names, whatever the request called it."""

    def __init__(self, provider: Any, model: str) -> None:
        self.provider, self.model = provider, model

    def get_name(self) -> str:
        return provider_name(self.provider)

    @property
    def __name__(self) -> str:
        return self.get_name()

    def __getattr__(self, name: str) -> Any:  # class attributes (working, needs_auth, ...) are the provider's
        return getattr(self.provider, name)

    def create_async_generator(self, model: str, messages: Any, **kwargs: Any) -> Any:
        return self.provider.create_async_generator(self.model, messages, **kwargs)

    def __repr__(self) -> str:
        return f"{self.get_name()}({self.model!r})"


def routed_candidates(model_name: str) -> list[Any] | None:
    """The candidates ``config.yaml`` gives ``model_name`` whose conditions hold now; None when it names no route."""
    routes = current_routes().get(model_name)
    if not routes:
        return None
    from .. import Provider
    from ..errors import ProviderNotFoundError

    snapshot = health.snapshot() if any(r.condition is not None for r in routes) else {}
    candidates = []
    for route in routes:
        try:
            provider = Provider.get(route.provider)
        except ProviderNotFoundError:  # a gpt4free provider name that g4f does not have
            continue
        if route.allowed(health_stats(snapshot.get(provider_name(provider)))):
            candidates.append(RoutedProvider(provider, route.model))
    return candidates


__all__ = ["RoutedProvider", "routed_candidates"]
