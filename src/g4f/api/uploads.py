"""``POST /v1/upload_cookies``: cookie ``.json`` and ``.har`` files into the cookies directory."""

from __future__ import annotations

import re
from pathlib import PurePath

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
        path = folder / name
        path.write_bytes(data)
        path.chmod(0o600)
        saved.append({"filename": name, "bytes": len(data)})
    cookies.read_cookie_files()
    return JSONResponse({"object": "list", "data": saved})


__all__ = ["upload_cookies", "safe_name"]
