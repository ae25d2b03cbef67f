"""Image inputs: whatever a caller gives (bytes, a path, a ``Path``, a file object, a URL, a data URI)
as bytes with their mime type, or as a data URI.

Remote URLs are fetched here and only here (``fetch_image``), with a size limit, a content-type
check, and never from loopback, private, link-local or metadata addresses unless allowed (the
``allow_private`` argument or ``G4F_ALLOW_PRIVATE_URLS=1``). The core calls ``prepare_media`` and
``resolve_image_urls`` once per request, before routing, so every provider receives bytes and data
URIs and converts them with the sync helpers ``to_bytes`` / ``to_data_uri`` into its own protocol's
form; ``attach_media`` gives the OpenAI form.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import ipaddress
import os
import socket
from pathlib import Path
from typing import IO, Any, Union
from urllib.parse import unquote_to_bytes, urljoin, urlsplit, urlunsplit

from . import config
from .errors import InvalidRequestError, PayloadTooLargeError
from .media import EXTENSIONS, sniff_type

ImageType = Union[bytes, bytearray, memoryview, str, os.PathLike, IO[bytes]]
MediaList = list[tuple[Any, Union[str, None]]]

IMAGE = ("image/",)
IMAGE_OR_AUDIO = ("image/", "audio/")
MAX_REDIRECTS = 3
FETCH_TIMEOUT = 20.0
# Hostnames that name a cloud metadata service whatever they resolve to.
METADATA_HOSTS = frozenset({"metadata", "metadata.google.internal", "metadata.goog", "instance-data"})
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def max_image_size() -> int:
    """Largest accepted image or media input in bytes (setting ``max_image_size``, default 20 MiB)."""
    return int(config.get("max_image_size"))


def private_urls_allowed(allow_private: bool | None = None) -> bool:
    if allow_private is not None:
        return allow_private
    return bool(config.get("allow_private_urls"))


def is_data_uri(value: Any) -> bool:
    return isinstance(value, str) and value[:5].lower() == "data:"


def is_url(value: Any) -> bool:
    return isinstance(value, str) and value[:8].lower().startswith(("http://", "https://"))


def _check_kind(mime: str | None, accept: tuple[str, ...], what: str) -> str:
    if not mime or not mime.startswith(accept):
        kinds = " or ".join(a.rstrip("/") for a in accept)
        found = f" ({mime})" if mime else ""
        raise InvalidRequestError(f"{what} is not a supported {kinds} file{found}.", param="image")
    return mime


def _check_size(size: int, what: str, limit: int | None = None) -> None:
    limit = limit or max_image_size()
    if size > limit:
        raise PayloadTooLargeError(f"{what} is {size} bytes; the limit is {limit} bytes.")


def parse_data_uri(uri: str, accept: tuple[str, ...] = IMAGE) -> tuple[bytes, str]:
    """``data:[<mime>][;base64],<data>`` as (bytes, mime)."""
    header, sep, payload = uri.partition(",")
    if not sep:
        raise InvalidRequestError("Malformed data URI: no ',' before the data.", param="image")
    params = header[5:].split(";")
    declared = params[0].strip().lower() or None
    _check_size(len(payload) * 3 // 4, "The data URI")
    try:
        if "base64" in (p.strip().lower() for p in params[1:]):
            data = base64.b64decode(payload, validate=True)
        else:
            data = unquote_to_bytes(payload)
    except (binascii.Error, ValueError) as error:
        raise InvalidRequestError(f"Malformed data URI: {error}.", param="image") from None
    return data, _check_kind(sniff_type(data) or declared, accept, "The data URI")


def to_bytes(image: ImageType, accept: tuple[str, ...] = IMAGE, limit: int | None = None) -> tuple[bytes, str]:
    """A local image input (bytes, data URI, path, ``Path``, file object) as (bytes, mime).

    Remote URLs need the network: use ``await load_image(url)`` (the core does, before routing).
    ``limit`` overrides the size limit (audio uploads have their own).
    """
    if is_data_uri(image):
        return parse_data_uri(image, accept)  # type: ignore[arg-type]
    if is_url(image):
        raise InvalidRequestError(
            "A remote image URL must be fetched first: use 'await g4f.image.load_image(url)'.", param="image"
        )
    if isinstance(image, (bytes, bytearray, memoryview)):
        data = bytes(image)
        what = "The image"
    elif isinstance(image, (str, os.PathLike)):
        path = Path(image).expanduser()
        if not path.is_file():
            raise InvalidRequestError(f"Image file not found: {os.fspath(image)!s:.200}", param="image")
        _check_size(path.stat().st_size, f"The file {path.name}", limit)
        data = path.read_bytes()
        what = f"The file {path.name}"
    elif hasattr(image, "read"):
        data = image.read((limit or max_image_size()) + 1)
        if not isinstance(data, bytes):
            raise InvalidRequestError("The image file object must be opened in binary mode ('rb').", param="image")
        what = f"The file {getattr(image, 'name', 'object')}"
    else:
        raise InvalidRequestError(f"Unsupported image input of type {type(image).__name__}.", param="image")
    _check_size(len(data), what, limit)
    return data, _check_kind(sniff_type(data), accept, what)


def to_data_uri(image: ImageType, accept: tuple[str, ...] = IMAGE) -> str:
    """A local image input as ``data:<mime>;base64,...``; a valid data URI is returned as it is."""
    data, mime = to_bytes(image, accept)
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"


# --- remote fetching -----------------------------------------------------------------------------


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.ipv4_mapped:
        return ip.ipv4_mapped
    if ip.sixtofour:
        return ip.sixtofour
    if ip.teredo:
        return ip.teredo[1]
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def is_public_ip(address: str) -> bool:
    """True for a globally routable unicast address (v4 embedded in v6 checked as v4)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        inner = _embedded_ipv4(ip)
        if inner is not None and not (inner.is_global and not inner.is_multicast):
            return False
    return ip.is_global and not ip.is_multicast


async def resolve_public(url: str, allow_private: bool | None = None) -> list[str]:
    """The addresses ``url``'s host resolves to, refusing any that is not public (unless allowed)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidRequestError(f"Only http(s) image URLs are accepted, not {url[:80]!r}.", param="image_url")
    host = parts.hostname.rstrip(".").lower()
    port = parts.port or (443 if parts.scheme == "https" else 80)
    allowed = private_urls_allowed(allow_private)
    if not allowed and (host in METADATA_HOSTS or host == "localhost" or host.endswith((".localhost", ".internal"))):
        raise InvalidRequestError(
            f"Refusing to fetch {host!r}: local and metadata hosts are not allowed.", param="image_url"
        )
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as error:
        raise InvalidRequestError(f"Cannot resolve image host {host!r}: {error}", param="image_url") from None
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if not allowed:
        refused = [a for a in addresses if not is_public_ip(a)]
        if refused or not addresses:
            raise InvalidRequestError(
                f"Refusing to fetch {host!r}: it resolves to a non-public address ({', '.join(refused)}). "
                "Set G4F_ALLOW_PRIVATE_URLS=1 (setting allow_private_urls) to allow private networks.",
                param="image_url",
            )
    return addresses


def _pinned(url: str, address: str) -> tuple[str, str, str]:
    """``url`` with its host replaced by the checked address, plus the Host header and TLS name,
    so the connection goes where the check looked (no second DNS answer, no rebinding)."""
    parts = urlsplit(url)
    ip = f"[{address}]" if ":" in address else address
    netloc = f"{ip}:{parts.port}" if parts.port else ip
    host_header = (parts.hostname or "") if not parts.port else f"{parts.hostname}:{parts.port}"
    if ":" in (parts.hostname or ""):
        host_header = f"[{parts.hostname}]" + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, "")), host_header, parts.hostname or ""


async def fetch_image(
    url: str, *, allow_private: bool | None = None, accept: tuple[str, ...] = IMAGE, timeout: float = FETCH_TIMEOUT
) -> tuple[bytes, str]:
    """Download an image (or other accepted media) as (bytes, mime), safely.

    Every hop of a redirect is checked again; the body is read up to the size limit; the declared
    and the sniffed type must both be accepted.
    """
    import aiohttp

    from .providers.http import get_session

    limit = max_image_size()
    session = get_session()
    for _ in range(MAX_REDIRECTS + 1):
        addresses = await resolve_public(url, allow_private)
        target, host_header, server_name = _pinned(url, addresses[0])
        https = url.lower().startswith("https")
        try:
            async with session.get(
                target,
                headers={"Host": host_header, "Accept": "image/*,*/*;q=0.5"},
                allow_redirects=False,
                server_hostname=server_name if https else None,
                timeout=aiohttp.ClientTimeout(total=timeout),
            ) as response:
                if response.status in (301, 302, 303, 307, 308) and response.headers.get("Location"):
                    url = urljoin(url, response.headers["Location"])
                    continue
                if response.status >= 400:
                    raise InvalidRequestError(
                        f"Fetching the image failed: HTTP {response.status} from {urlsplit(url).hostname}.",
                        param="image_url",
                    )
                if (response.content_length or 0) > limit:
                    raise PayloadTooLargeError(
                        f"The image at {urlsplit(url).hostname} is {response.content_length} bytes; "
                        f"the limit is {limit} bytes."
                    )
                declared = (response.content_type or "").lower()
                if declared not in ("", "application/octet-stream", "binary/octet-stream"):
                    _check_kind(declared, accept, "The URL's content")
                body = bytearray()
                async for chunk in response.content.iter_chunked(65536):
                    body += chunk
                    if len(body) > limit:
                        raise PayloadTooLargeError(
                            f"The image at {urlsplit(url).hostname} is larger than {limit} bytes."
                        )
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:
            raise InvalidRequestError(
                f"Fetching the image failed: {type(error).__name__}: {error}".rstrip(": "), param="image_url"
            ) from None
        data = bytes(body)
        return data, _check_kind(sniff_type(data), accept, "The URL's content")
    raise InvalidRequestError(f"Too many redirects fetching the image (more than {MAX_REDIRECTS}).", param="image_url")


async def load_image(
    image: ImageType, *, allow_private: bool | None = None, accept: tuple[str, ...] = IMAGE
) -> tuple[bytes, str]:
    """Any image input, remote URLs included, as (bytes, mime)."""
    if is_url(image):
        return await fetch_image(image, allow_private=allow_private, accept=accept)  # type: ignore[arg-type]
    if isinstance(image, (str, os.PathLike)) and not is_data_uri(image):
        return await asyncio.to_thread(to_bytes, image, accept)  # a file read off the event loop
    return to_bytes(image, accept)


# --- request-level helpers used by the core and the protocol adapters ---------------------------


async def prepare_media(
    media: MediaList | None, *, allow_private: bool | None = None
) -> list[tuple[bytes, str]] | None:
    """``media=[(input, name), ...]`` as ``[(bytes, name), ...]``: read and fetched once, so every
    fallback candidate sees the same bytes; a missing name becomes ``image.png``-style."""
    if not media:
        return None
    out = []
    for i, item in enumerate(media):
        data, name = item if isinstance(item, (tuple, list)) else (item, None)
        content, mime = await load_image(data, allow_private=allow_private, accept=IMAGE_OR_AUDIO)
        out.append((content, name or _default_name(data, mime, i)))
    return out


def _default_name(source: Any, mime: str, index: int) -> str:
    """The file's own name for a path or file object, else ``image.png``, ``image1.jpg``, ..."""
    if isinstance(source, os.PathLike) or (isinstance(source, str) and not is_url(source) and not is_data_uri(source)):
        return Path(source).name
    if isinstance(getattr(source, "name", None), str):
        return os.path.basename(source.name)
    return f"{mime.split('/')[0]}{index or ''}.{EXTENSIONS.get(mime, 'bin')}"


async def resolve_image_urls(messages: list[dict], *, allow_private: bool | None = None) -> list[dict]:
    """Messages whose OpenAI ``image_url`` parts are all data URIs: remote URLs fetched, data URIs
    checked, anything else refused. Returns new message dicts; the caller's are not changed."""
    result = []
    for message in messages:
        content = message.get("content")
        if not isinstance(content, list) or not any(_is_image_part(p) for p in content):
            result.append(message)
            continue
        new_parts = []
        for part in content:
            if _is_image_part(part):
                url = _image_part_url(part)
                if is_url(url):
                    data, mime = await fetch_image(url, allow_private=allow_private)
                elif is_data_uri(url):
                    data, mime = parse_data_uri(url)
                else:
                    raise InvalidRequestError(
                        "image_url.url must be an http(s) URL or a data URI.", param="messages.content.image_url"
                    )
                detail = part["image_url"].get("detail") if isinstance(part["image_url"], dict) else None
                part = image_part(data, mime, detail)
            new_parts.append(part)
        result.append({**message, "content": new_parts})
    return result


def _is_image_part(part: Any) -> bool:
    return isinstance(part, dict) and part.get("type") == "image_url"


def _image_part_url(part: dict) -> str:
    value = part.get("image_url")
    return value.get("url", "") if isinstance(value, dict) else value or ""


def image_part(data: bytes, mime: str, detail: str | None = None) -> dict:
    """An OpenAI ``image_url`` content part carrying the image as a data URI."""
    url = {"url": f"data:{mime};base64,{base64.b64encode(data).decode()}"}
    if detail:
        url["detail"] = detail
    return {"type": "image_url", "image_url": url}


def media_parts(media: MediaList | None) -> list[dict]:
    """OpenAI content parts for ``media``: ``image_url`` data URIs, ``input_audio`` for wav/mp3."""
    parts = []
    for data, _name in media or ():
        content, mime = to_bytes(data, IMAGE_OR_AUDIO)
        if mime.startswith("image/"):
            parts.append(image_part(content, mime))
        elif mime in ("audio/wav", "audio/mpeg"):
            fmt = "wav" if mime == "audio/wav" else "mp3"
            parts.append(
                {"type": "input_audio", "input_audio": {"data": base64.b64encode(content).decode(), "format": fmt}}
            )
        else:
            raise InvalidRequestError(f"The OpenAI chat protocol takes audio as wav or mp3, not {mime}.", param="media")
    return parts


def attach_media(messages: list[dict], media: MediaList | None) -> list[dict]:
    """OpenAI-form messages with ``media`` added as parts of the last user message."""
    parts = media_parts(media)
    if not parts:
        return messages
    messages = list(messages)
    for i in range(len(messages) - 1, -1, -1):
        if messages[i].get("role") == "user":
            content = messages[i].get("content")
            text = [{"type": "text", "text": content}] if isinstance(content, str) and content else list(content or [])
            messages[i] = {**messages[i], "content": [*text, *parts]}
            return messages
    return [*messages, {"role": "user", "content": parts}]


def iter_images(messages: list[dict], media: MediaList | None = None) -> list[tuple[bytes, str]]:
    """Every image of a request as (bytes, mime): ``media`` first, then ``image_url`` parts in order
    (for protocols that carry images apart from the OpenAI form, like Anthropic and Gemini)."""
    images = []
    for data, _name in media or ():
        image, mime = to_bytes(data, IMAGE_OR_AUDIO)
        if mime.startswith("image/"):
            images.append((image, mime))
    for message in messages:
        content = message.get("content")
        for part in content if isinstance(content, list) else ():
            if _is_image_part(part):
                images.append(to_bytes(_image_part_url(part)))
    return images


def has_images(messages: list[dict], media: MediaList | None = None) -> bool:
    """True when the request carries any image (for providers without vision to refuse early)."""
    if media:
        return True
    return any(_is_image_part(p) for m in messages if isinstance(m.get("content"), list) for p in m["content"])


__all__ = [
    "ImageType",
    "to_bytes",
    "to_data_uri",
    "parse_data_uri",
    "is_data_uri",
    "is_url",
    "is_public_ip",
    "resolve_public",
    "fetch_image",
    "load_image",
    "prepare_media",
    "resolve_image_urls",
    "image_part",
    "media_parts",
    "attach_media",
    "iter_images",
    "has_images",
    "max_image_size",
    "private_urls_allowed",
]
