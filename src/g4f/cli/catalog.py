"""``g4f models`` and ``g4f providers``: what ``/v1/models`` and ``/v1/providers`` list, on the terminal."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import Any


def _parser(what: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=f"g4f {what}", description=f"List the {what} the server's /v1/{what} lists.")
    parser.add_argument("--json", action="store_true", help=f"print the /v1/{what} list as JSON")
    return parser


def _needs(item: dict[str, Any]) -> str:
    """What a model lacks to answer now, as /v1/models' ``requires`` says it."""
    if item.get("available", True):
        return ""
    reasons = []
    for need in item.get("requires") or []:
        reason = need.get("reason")
        if reason == "needs_key":
            reasons.append(f"needs {need.get('api_key_env')}")
        elif need.get("address"):
            reasons.append(f"{need['provider']} {reason} at {need['address']}")
        else:
            reasons.append(f"{need['provider']} {reason}")
    return "; ".join(reasons) or "no enabled provider"


def _model_line(item: dict[str, Any]) -> str:
    kind = item.get("kind") or (
        "image" if item.get("image") else "audio" if item.get("audio") else "vision" if item.get("vision") else "chat"
    )
    needs = _needs(item)
    return f"{item['id']:<40} {kind:<13} {item.get('provider') or '':<18} {needs}".rstrip()


def _provider_line(item: dict[str, Any]) -> str:
    if not item["working"]:
        status = "not working"
    elif item.get("ignored"):
        status = "ignored"
    elif item["auth"] and not item["has_credentials"]:
        status = f"needs {item['api_key_env']}"
    elif item.get("reachable") is False:
        status = f"not running at {item.get('address')}" if item.get("address") else "no address set"
    else:
        status = "ready"
    tags = " (local)" if item.get("local") else ""
    return f"{item['id'] + tags:<24} {status:<28} {len(item['models'])} models"


def main(what: str, argv: list[str]) -> int:
    """``what``: "models" or "providers"."""
    args = _parser(what).parse_args(argv)
    from .. import config
    from ..api import catalog

    try:
        ignored = config.get("ignored_providers") or []
    except config.ConfigError as error:
        print(f"g4f: error: {error}", file=sys.stderr)
        return 2
    listing = catalog.models_data if what == "models" else catalog.providers_data
    data = asyncio.run(listing(ignored))
    if args.json:
        print(json.dumps({"object": "list", "data": data}, indent=2))
        return 0
    line = _model_line if what == "models" else _provider_line
    for item in data:
        print(line(item))
    return 0


__all__ = ["main"]
