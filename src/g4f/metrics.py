"""Metrics hooks the router calls (placeholder: the failure helper's module replaces this one).

Each is cheap and does nothing here; the real module counts them for ``GET /metrics``.
"""

from __future__ import annotations


def attempt(provider: str, model: str, ok: bool, seconds: float) -> None:
    """One attempt at ``provider`` ended: ``ok`` or failed, after ``seconds``."""


def fallback(provider: str) -> None:
    """``provider`` failed before its first part and the next candidate was tried."""


def failover(provider: str) -> None:
    """A stream of ``provider`` broke after text reached the client and continued elsewhere."""


__all__ = ["attempt", "fallback", "failover"]
