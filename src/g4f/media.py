"""The media directory: where generated images and audio are saved, and the safe way back to them.

Files are named ``<unix_ts>_<uuid>.<ext>`` and served as ``/media/<name>``. ``resolve_media_path``
is the only way a request's file name becomes a path: it accepts plain names made of a small set of
characters, decoded however many times the name was percent-encoded, and only files that really lie
inside the directory.
"""

from __future__ import annotations

import os
import re
import time
import uuid
from pathlib import Path
from urllib.parse import unquote

#: What ``sniff_type`` recognises, as (magic prefix, mime type); RIFF/ftyp formats are checked apart.
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"BM", "image/bmp"),
    (b"ID3", "audio/mpeg"),
    (b"OggS", "audio/ogg"),
    (b"fLaC", "audio/flac"),
    (b"\x1aE\xdf\xa3", "video/webm"),
)

#: Mime type -> file extension of the media g4f saves and serves.
EXTENSIONS: dict[str, str] = {
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/gif": "gif",
    "image/webp": "webp",
    "image/bmp": "bmp",
    "audio/mpeg": "mp3",
    "audio/wav": "wav",
    "audio/ogg": "ogg",
    "audio/opus": "opus",
    "audio/aac": "aac",
    "audio/flac": "flac",
    "audio/pcm": "pcm",
    "audio/mp4": "m4a",
    "video/mp4": "mp4",
    "video/webm": "webm",
}
CONTENT_TYPES: dict[str, str] = {ext: mime for mime, ext in EXTENSIONS.items()} | {"jpeg": "image/jpeg"}

# A served name: no separators, no dots at the start, no control or shell characters.
_SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,200}")


def sniff_type(data: bytes) -> str | None:
    """The mime type of image or audio bytes from their first bytes, or None when unknown."""
    head = bytes(data[:16])
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "audio/wav"
    if head[4:8] == b"ftyp":
        return "audio/mp4" if head[8:11] == b"M4A" else "video/mp4"
    for magic, mime in _MAGIC:
        if head.startswith(magic):
            return mime
    if len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0:  # MPEG audio frame sync
        return "audio/aac" if head[1] & 0x06 == 0 else "audio/mpeg"
    return None


def get_media_dir() -> Path:
    """Setting ``media_dir`` (``G4F_MEDIA_DIR``), else ``media`` under the user data directory (read on every call)."""
    from . import config

    named = config.get("media_dir")
    if named:
        return Path(named)
    import platformdirs

    return Path(platformdirs.user_data_dir("g4f")) / "media"


def new_media_name(extension: str) -> str:
    """``<unix_ts>_<uuid>.<ext>``: sortable by time, unguessable."""
    return f"{int(time.time())}_{uuid.uuid4().hex}.{extension.lstrip('.').lower()}"


def extension_for(data: bytes, content_type: str | None = None) -> str:
    """The extension for these bytes: sniffed first, then the declared content type, else ``bin``."""
    mime = sniff_type(data) or (content_type or "").split(";")[0].strip().lower()
    return EXTENSIONS.get(mime, "bin")


def save_media(data: bytes, content_type: str | None = None, extension: str | None = None) -> str:
    """Save ``data`` in the media directory and return its file name."""
    folder = get_media_dir()
    folder.mkdir(parents=True, exist_ok=True)
    name = new_media_name(extension or extension_for(data, content_type))
    tmp = folder / f".{name}.part"
    tmp.write_bytes(data)
    tmp.replace(folder / name)  # atomic: a reader never sees half a file
    return name


def media_url(name: str) -> str:
    """The server path of a saved file."""
    return f"/media/{name}"


def resolve_media_path(filename: str) -> Path | None:
    """The path of the saved file called ``filename``, or None for anything else.

    The name is percent-decoded until it stops changing, so ``..%2f`` and ``%252e%252e`` are seen
    for what they are; then it must be a plain name, and the resolved file must lie inside the media
    directory (a symlink pointing out is refused too).
    """
    name = filename or ""
    for _ in range(5):
        decoded = unquote(name)
        if decoded == name:
            break
        name = decoded
    else:
        return None
    if not _SAFE_NAME.fullmatch(name) or ".." in name:
        return None
    root = get_media_dir().resolve()
    try:
        path = (root / name).resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    if path.parent != root or not path.is_file():
        return None
    return path


def content_type_for(path: str | os.PathLike) -> str:
    """The content type to serve a saved file with."""
    extension = Path(path).suffix.lstrip(".").lower()
    return CONTENT_TYPES.get(extension, "application/octet-stream")


#: Cache headers for served media: names are unique and files never change.
CACHE_HEADERS = {"Cache-Control": "public, max-age=31536000, immutable"}

__all__ = [
    "get_media_dir",
    "new_media_name",
    "save_media",
    "media_url",
    "resolve_media_path",
    "content_type_for",
    "sniff_type",
    "extension_for",
    "EXTENSIONS",
    "CONTENT_TYPES",
    "CACHE_HEADERS",
]
