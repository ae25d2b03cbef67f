"""Routing: model name -> ordered candidate providers, and the one health record that orders them.

- ``candidates``: which providers may serve a request, in which order (``get_candidates``, ``route``).
- ``health``: one record per provider (and provider + key) with its circuit breaker, shared through
  the state store when the API app hands one over (``health.use_store``).
- ``hooks``: what the attempt loop (``g4f.providers.attempts``) reports, fed to health and metrics.
"""

from __future__ import annotations

from ..models import get_model
from .breaker import BreakerPolicy
from .candidates import DEFAULT_NAMES, find_model, get_candidates, order, provider_name, resolve_provider, route
from .records import Health, health, health_key

__all__ = [
    "BreakerPolicy",
    "DEFAULT_NAMES",
    "Health",
    "find_model",
    "get_candidates",
    "get_model",
    "health",
    "health_key",
    "order",
    "provider_name",
    "resolve_provider",
    "route",
]
