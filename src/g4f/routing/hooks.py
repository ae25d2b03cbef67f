"""What the router does with each attempt's outcome: the health record and the metrics."""

from __future__ import annotations

from typing import Any

from .. import metrics
from ..providers.attempts import AttemptHooks
from .records import health, health_key


class RouterHooks(AttemptHooks):
    """Feeds ``g4f.routing.health`` (breakers, ordering) and ``g4f.metrics`` from the attempt loop."""

    def order(self, providers: list[Any], api_key: str | None) -> list[Any]:
        from .candidates import order

        return order(providers, api_key)

    def allow(self, name: str, api_key: str | None) -> bool:
        return health.allow(health_key(name, api_key))

    def succeeded(self, name: str, api_key: str | None, model: str, seconds: float, latency: float) -> None:
        health.success(health_key(name, api_key), latency)
        metrics.attempt(name, model, True, seconds)

    def failed(self, name: str, api_key: str | None, model: str, seconds: float, error: BaseException) -> None:
        health.failure(health_key(name, api_key), error)
        metrics.attempt(name, model, False, seconds)

    def abandoned(self, name: str, api_key: str | None) -> None:
        health.release(health_key(name, api_key))

    def fell_back(self, name: str) -> None:
        metrics.fallback(name)

    def failed_over(self, name: str) -> None:
        metrics.failover(name)


HOOKS = RouterHooks()

__all__ = ["RouterHooks", "HOOKS"]
