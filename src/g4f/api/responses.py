"""Response helpers: orjson bodies, built without per-request validation."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.responses import Response


class JSONResponse(Response):
    """A JSON response serialised by orjson (``model_dump`` output of the client stubs, dicts, lists)."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def dump(obj: Any) -> Any:
    """Plain data of a stub (``model_dump``) or of anything else as it is."""
    return obj.model_dump() if hasattr(obj, "model_dump") else obj


__all__ = ["JSONResponse", "dump"]
