"""Type aliases shared by providers and clients."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from typing import IO, Any, Union

Message = dict[str, Any]
Messages = list[Message]
ImageType = Union[str, bytes, os.PathLike, IO[bytes]]
MediaListType = list[tuple[ImageType, Union[str, None]]]
CreateResult = Iterator[Any]
AsyncResult = AsyncIterator[Any]
Cookies = dict[str, str]

__all__ = ["Message", "Messages", "ImageType", "MediaListType", "CreateResult", "AsyncResult", "Cookies"]
