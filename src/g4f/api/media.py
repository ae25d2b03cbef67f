"""``GET /media/{filename}``: saved images and audio, and nothing outside the media directory."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse

from ..media import CACHE_HEADERS, content_type_for, resolve_media_path

HEADERS = {**CACHE_HEADERS, "X-Content-Type-Options": "nosniff"}


async def get_media(request: Request, filename: str) -> FileResponse:
    """A saved file; its unguessable name never changes, so it may be cached for good."""
    path = resolve_media_path(filename)
    if path is None:
        raise HTTPException(404, f"Media file {filename!r} not found.")
    return FileResponse(path, media_type=content_type_for(path), headers=HEADERS)


__all__ = ["get_media"]
