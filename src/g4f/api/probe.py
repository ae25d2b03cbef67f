"""Is a provider's server there? Local servers (Ollama, LM Studio, llama.cpp, vLLM) and ``Custom``
are keyless, so "no key needed" says nothing about whether they answer: a quick TCP connect to
their address does, cached a few seconds so listing providers stays cheap.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from ..errors import G4FError
from ..providers.own_address import OwnAddressError, address

#: How long a probe's answer is kept (seconds).
CACHE_SECONDS = 5.0
#: How long a connect may take (seconds): a local port answers or refuses at once.
CONNECT_TIMEOUT = 0.5

_seen: dict[tuple[str, int], tuple[float, bool]] = {}  # (host, port) -> (when, listening)


def probed(provider: Any) -> bool:
    """Servers that are checked: those on this machine, and those whose address the user gives."""
    if not hasattr(provider, "get_api_base"):
        return False
    return bool(getattr(provider, "local", False)) or not getattr(provider, "api_base", "")


async def is_listening(host: str, port: int) -> bool:
    """Whether something accepts TCP connections at ``host:port`` (cached ``CACHE_SECONDS``)."""
    now = time.monotonic()
    seen = _seen.get((host, port))
    if seen is not None and now - seen[0] < CACHE_SECONDS:
        return seen[1]
    try:
        _, writer = await asyncio.wait_for(asyncio.open_connection(host, port), CONNECT_TIMEOUT)
    except (OSError, asyncio.TimeoutError):
        listening = False
    else:
        listening = True
        writer.close()
    _seen[(host, port)] = (time.monotonic(), listening)
    return listening


def _target(provider: Any) -> tuple[str | None, str | None, tuple[str, int] | None]:
    """``(problem, "host:port", (host, port))``; problem: "this_server", "no_address" or None."""
    try:
        base = provider.get_api_base()
    except OwnAddressError as error:
        return "this_server", error.address, None
    except G4FError:
        return "no_address", None, None
    found = address(base)
    if found is None:
        return "no_address", None, None
    return None, f"{found[0]}:{found[1]}", found


async def refresh(providers: list[Any]) -> None:
    """Probe the servers of ``providers`` that are checked, all at once."""
    targets = set()
    for provider in providers:
        if probed(provider):
            found = _target(provider)[2]
            if found:
                targets.add(found)
    await asyncio.gather(*(is_listening(host, port) for host, port in targets))


def reachability(provider: Any) -> dict[str, Any]:
    """``reachable`` (None when not checked, or not probed yet), ``address`` ("host:port"), why it is
    not reachable (``unreachable``: "not_running", "this_server", "no_address"), and ``api_base_env``,
    the variable that sets its address."""
    if not probed(provider):
        return {"reachable": None, "address": None, "unreachable": None, "api_base_env": None}
    env = getattr(provider, "api_base_env", None) or f"{provider.get_name().upper()}_API_BASE"
    problem, where, found = _target(provider)
    seen = _seen.get(found) if found else None
    reachable = False if problem else (seen[1] if seen else None)
    if reachable is False and not problem:
        problem = "not_running"
    return {"reachable": reachable, "address": where, "unreachable": problem, "api_base_env": env}


def forget() -> None:
    """Drop every cached probe (tests)."""
    _seen.clear()


__all__ = ["CACHE_SECONDS", "probed", "is_listening", "refresh", "reachability", "forget"]
