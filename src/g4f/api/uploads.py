"""``POST /v1/upload_cookies``: cookie ``.json`` and ``.har`` files into the cookies directory."""

from __future__ import annotations

import contextlib
import os
import re
import secrets
from pathlib import Path, PurePath

import orjson
from starlette.datastructures import UploadFile
from starlette.requests import Request

from .. import cookies
from ..errors import G4FError, InvalidRequestError, PayloadTooLargeError
from .body import limited_request
from .responses import JSONResponse
from .validation import ValidationError

MAX_FILES = 10
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]")


class ForbiddenError(G4FError):
    status_code = 403
    error_type = "permission_error"
    code = "forbidden"


def safe_name(filename: str | None) -> str:
    """The file's base name, reduced to plain characters; no leading dot, no path."""
    base = PurePath((filename or "").replace("\\", "/")).name
    name = _UNSAFE.sub("_", base).lstrip(".")
    if not name or not name.lower().endswith((".json", ".har")):
        raise InvalidRequestError(f"Only .json and .har cookie files are accepted, not {base!r}.", param="files")
    return name[:200]


def write_inside(folder: Path, name: str, data: bytes) -> None:
    """Write ``folder/name`` (``name`` without a path) without following a link: the bytes go to a
    new file created exclusively (no-follow, mode 0600) in the folder, which then replaces the name.
    A symlink already there is replaced itself; what it pointed to is never written."""
    temporary = f".{name}.{secrets.token_hex(8)}.tmp"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    at_dir = os.open in os.supports_dir_fd and os.replace in os.supports_dir_fd
    folder_fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0)) if at_dir else None
    try:
        where = {"dir_fd": folder_fd} if at_dir else {}
        source = temporary if at_dir else str(folder / temporary)
        fd = os.open(source, flags, 0o600, **where)
        try:
            with os.fdopen(fd, "wb") as file:
                file.write(data)
            if at_dir:
                os.replace(temporary, name, src_dir_fd=folder_fd, dst_dir_fd=folder_fd)
            else:
                os.replace(source, folder / name)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(source, **where)
            raise
    finally:
        if folder_fd is not None:
            os.close(folder_fd)


async def upload_cookies(request: Request) -> JSONResponse:
    settings = request.app.state.settings
    if settings.demo:
        raise ForbiddenError("Uploading cookies is disabled in demo mode.")
    limit = settings.max_cookie_file_size
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise ValidationError("Send the files as multipart/form-data in the 'files' field.", param="files")
    limited = limited_request(request, limit * MAX_FILES + 64 * 1024)
    saved = []
    async with limited.form(max_files=MAX_FILES, max_fields=MAX_FILES) as form:
        uploads = [f for f in form.getlist("files") if isinstance(f, UploadFile)]
        if not uploads:
            raise ValidationError("'files' is required: one or more cookie .json or .har files.", param="files")
        checked = []
        for upload in uploads:
            name = safe_name(upload.filename)
            data = await upload.read(limit + 1)
            if len(data) > limit:
                raise PayloadTooLargeError(f"{name} is larger than {limit} bytes.")
            try:
                orjson.loads(data)
            except orjson.JSONDecodeError:
                raise InvalidRequestError(f"{name} is not valid JSON.", param="files") from None
            checked.append((name, data))
    folder = cookies.get_cookies_dir()
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in checked:
        write_inside(folder, name, data)
        saved.append({"filename": name, "bytes": len(data)})
    cookies.read_cookie_files()
    return JSONResponse({"object": "list", "data": saved})


__all__ = ["upload_cookies", "safe_name", "write_inside"]
