"""Which providers can answer right now, and so which models: a provider needs to work, to have its
key when it needs one, and (for the servers ``probe`` checks) to be listening. ``/v1/models`` marks
each model with it, so a newcomer's first choice is one that answers."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any


def problem(info: Mapping[str, Any]) -> dict[str, Any] | None:
    """Why the provider ``info`` (as ``describe_provider`` shows it) cannot answer now; None when it can.

    ``reason``: "not_working", "needs_key" (with ``api_key_env``), or the probe's "not_running",
    "this_server", "no_address" (with ``address``)."""
    name = info["id"]
    if not info.get("working"):
        return {"provider": name, "reason": "not_working"}
    if info.get("auth") and not info.get("has_credentials"):
        return {"provider": name, "reason": "needs_key", "api_key_env": info.get("api_key_env")}
    if info.get("reachable") is False:
        return {"provider": name, "reason": info.get("unreachable") or "not_running", "address": info.get("address")}
    return None


def availability(
    provider_names: Iterable[str], problems: Mapping[str, dict[str, Any] | None], ignored: Iterable[str] = ()
) -> dict[str, Any]:
    """``{"available": True}`` when one of the providers can answer now; else ``available`` False and
    ``requires``: what each provider not ignored by this server lacks (empty when none is enabled)."""
    skip = set(ignored)
    requires = []
    for name in provider_names:
        if name in skip or name not in problems:
            continue  # ignored by this server, or not installed
        found = problems[name]
        if found is None:
            return {"available": True}
        requires.append(found)
    return {"available": False, "requires": requires}


__all__ = ["problem", "availability"]
