"""The addresses this process serves on, so that no provider is pointed back at it.

``g4f gui`` listens on 8080 by default, which is also llama.cpp server's default address: picking
``LlamaCppServer`` would make the server call itself, and each of those calls would call it again.
The REST server notes the local address of each request it receives (``scope["server"]``); a
provider base that is one of them is refused before anything is sent.

Only IP literals and ``localhost`` are compared: the check never resolves a name (no DNS on the
request path), so a base written with another host name for this machine is not caught.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from ..errors import ProviderNotWorkingError

LOOPBACK = "loopback"
_DEFAULT_PORTS = {"http": 80, "https": 443}

_noted: set[object] = set()  # the scopes' own tuples, as given
_own: set[tuple[str, int]] = set()
_own_ports: set[int] = set()
_verdicts: dict[str, tuple[str, int] | None] = {}  # base URL -> its own address, or None


class OwnAddressError(ProviderNotWorkingError):
    """A provider's base URL is this server's own address (``address``: "host:port")."""

    code = "provider_is_this_server"
    address: str = ""


def _host_key(host: str) -> str:
    """A host as compared: every loopback and unspecified address (and ``localhost``) is one."""
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return LOOPBACK
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return host
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return LOOPBACK if ip.is_loopback or ip.is_unspecified else str(ip)


def note_server(server: object) -> None:
    """Remember an address this process accepts connections on (an ASGI scope's ``server``).

    Called for every request: an address already noted costs one set lookup."""
    if isinstance(server, list):  # ASGI allows any two-item iterable
        server = tuple(server)
    if server in _noted:
        return
    if not isinstance(server, tuple) or len(server) != 2 or not isinstance(server[1], int):
        return  # no server address, or a Unix socket
    host, port = server
    _noted.add(server)
    _own.add((_host_key(str(host)), port))
    _own_ports.add(port)
    _verdicts.clear()


def address(base_url: str) -> tuple[str, int] | None:
    """``(host, port)`` of a URL (the scheme's default port when it has none); None when it has no host."""
    try:
        parts = urlsplit(base_url if "://" in base_url else f"http://{base_url}")
        port = parts.port or _DEFAULT_PORTS.get(parts.scheme)
    except ValueError:
        return None
    if not parts.hostname or not port:
        return None
    return parts.hostname, port


def own_address(base_url: str) -> tuple[str, int] | None:
    """The address of ``base_url`` when it is this process's own, else None."""
    if not _own_ports:
        return None
    if base_url in _verdicts:
        return _verdicts[base_url]
    found = address(base_url)
    verdict = found if found and (_host_key(found[0]), found[1]) in _own else None
    if len(_verdicts) > 256:  # per-request bases (--allow-api-base) must not grow it without end
        _verdicts.clear()
    _verdicts[base_url] = verdict
    return verdict


def refuse_own_address(provider_name: str, base_url: str, env: str | None = None) -> None:
    """Raise ``OwnAddressError`` when ``base_url`` is this server: the request would call itself."""
    if not _own_ports:
        return
    # A base already judged (every request of a provider after its first): one lookup, no call.
    found = _verdicts[base_url] if base_url in _verdicts else own_address(base_url)
    if found is None:
        return
    where = f"{found[0]}:{found[1]}"
    setting = f"set {env} to the real server's address, or " if env else ""
    error = OwnAddressError(
        f"{provider_name}'s address {where} is this g4f server itself: {setting}start g4f on another port (--port)."
    )
    error.address = where
    raise error


def forget() -> None:
    """Forget every noted address (when a server stops: its port may go to another one)."""
    _noted.clear()
    _own.clear()
    _own_ports.clear()
    _verdicts.clear()


__all__ = ["OwnAddressError", "note_server", "address", "own_address", "refuse_own_address", "forget"]
