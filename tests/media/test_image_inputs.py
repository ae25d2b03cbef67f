"""Image inputs in every shape, and the safe remote fetch (SSRF, size, type)."""

from __future__ import annotations

import base64
import io

import pytest

from g4f import image
from g4f.errors import InvalidRequestError, PayloadTooLargeError
from tests.fakes.media_server import make_png, make_wav

PNG = make_png(3, 2, (9, 8, 7))


def test_every_local_shape(tmp_path):
    path = tmp_path / "pic.png"
    path.write_bytes(PNG)
    uri = "data:image/png;base64," + base64.b64encode(PNG).decode()
    for source in (PNG, bytearray(PNG), memoryview(PNG), str(path), path, io.BytesIO(PNG), path.open("rb"), uri):
        assert image.to_bytes(source) == (PNG, "image/png")
    assert image.to_data_uri(path) == uri


def test_bad_local_inputs(tmp_path):
    with pytest.raises(InvalidRequestError, match="not found"):
        image.to_bytes(tmp_path / "missing.png")
    with pytest.raises(InvalidRequestError, match="not a supported image"):
        image.to_bytes(b"<html>hello</html>")
    with pytest.raises(InvalidRequestError, match="binary mode"):
        image.to_bytes(io.StringIO("text"))
    with pytest.raises(InvalidRequestError, match="Malformed data URI"):
        image.to_bytes("data:image/png;base64,@@@notbase64")
    with pytest.raises(InvalidRequestError, match="fetched first"):
        image.to_bytes("https://example.com/cat.png")
    with pytest.raises(InvalidRequestError, match="not a supported image"):
        image.to_bytes(make_wav(0.01))  # audio is not an image...
    assert image.to_bytes(make_wav(0.01), image.IMAGE_OR_AUDIO)[1] == "audio/wav"  # ...unless asked for


def test_size_limit(tmp_path, monkeypatch):
    monkeypatch.setenv("G4F_MAX_IMAGE_SIZE", "100")
    big = PNG + b"\0" * 200
    path = tmp_path / "big.png"
    path.write_bytes(big)
    for source in (big, path, io.BytesIO(big), "data:image/png;base64," + base64.b64encode(big).decode()):
        with pytest.raises(PayloadTooLargeError):
            image.to_bytes(source)


async def test_fetch_from_allowed_private_host(media_server):
    data, mime = await image.fetch_image(media_server.url + "/png", allow_private=True)
    assert mime == "image/png" and data == make_png(4, 4, (1, 2, 3))
    # redirects are followed, each hop checked
    target = media_server.url + "/png"
    data2, _ = await image.fetch_image(f"{media_server.url}/redirect?to={target}", allow_private=True)
    assert data2 == data


async def test_env_allows_private(media_server, allow_private):
    data, _ = await image.load_image(media_server.url + "/png")
    assert data[:4] == b"\x89PNG"


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:{port}/png",
        "http://localhost:{port}/png",
        "http://[::1]:{port}/png",
        "http://169.254.169.254/latest/meta-data/",
        "http://metadata.google.internal/computeMetadata/v1/",
        "http://10.0.0.7/x.png",
        "http://192.168.1.1/x.png",
        "http://172.16.0.1/x.png",
        "http://100.64.0.1/x.png",
        "http://0.0.0.0:{port}/png",
        "http://[::ffff:127.0.0.1]:{port}/png",
        "http://[fd00:ec2::254]/",
        "http://[fe80::1]/x.png",
        "http://2130706433:{port}/png",
        "http://0x7f.1:{port}/png",
        "http://127.1:{port}/png",
        "file:///etc/passwd",
        "ftp://example.com/x.png",
        "gopher://127.0.0.1/",
    ],
)
async def test_ssrf_refused(media_server, url):
    port = media_server.url.rsplit(":", 1)[1]
    before = len(media_server.requests)
    with pytest.raises(InvalidRequestError):
        await image.fetch_image(url.format(port=port))
    assert len(media_server.requests) == before  # nothing reached the server


async def test_redirect_to_private_refused(media_server, monkeypatch):
    """Every hop is checked: a public-looking first hop cannot redirect to a metadata address."""
    monkeypatch.setattr(image, "is_public_ip", lambda address: address == "127.0.0.1")  # pretend the fake is public
    await image.fetch_image(media_server.url + "/png")  # the first hop alone passes
    for target in (
        "http://169.254.169.254/latest/meta-data/",
        "http://metadata.google.internal/",
        "http://10.0.0.1/x.png",
    ):
        with pytest.raises(InvalidRequestError, match="non-public|not allowed"):
            await image.fetch_image(f"{media_server.url}/redirect?to={target}")
    data, _ = await image.fetch_image(f"{media_server.url}/redirect?to={media_server.url}/png")
    assert data[:4] == b"\x89PNG"


async def test_oversize_remote_refused(media_server, monkeypatch):
    monkeypatch.setenv("G4F_MAX_IMAGE_SIZE", str(256 * 1024))
    with pytest.raises(PayloadTooLargeError):  # declared Content-Length too big: refused before reading
        await image.fetch_image(media_server.url + "/big?length=1", allow_private=True)
    with pytest.raises(PayloadTooLargeError):  # no length: cut off while streaming
        await image.fetch_image(media_server.url + "/big", allow_private=True)


async def test_wrong_content_type_refused(media_server):
    with pytest.raises(InvalidRequestError, match="not a supported image"):
        await image.fetch_image(media_server.url + "/html", allow_private=True)
    with pytest.raises(InvalidRequestError, match="not a supported image"):  # says PNG, is HTML
        await image.fetch_image(media_server.url + "/html?type=image/png", allow_private=True)
    with pytest.raises(InvalidRequestError, match="HTTP 404"):
        await image.fetch_image(media_server.url + "/files/none.png", allow_private=True)


def test_public_ip_rules():
    assert image.is_public_ip("8.8.8.8") and image.is_public_ip("2606:4700::1111")
    for address in (
        "127.0.0.1",
        "10.1.2.3",
        "169.254.169.254",
        "::1",
        "::ffff:10.0.0.1",
        "64:ff9b::7f00:1",
        "2002:7f00:1::",
        "224.0.0.1",
        "fe80::1%eth0",
    ):
        assert not image.is_public_ip(address), address


async def test_message_image_urls_become_data_uris(media_server, allow_private):
    messages = [
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "what is this?"},
                {"type": "image_url", "image_url": {"url": media_server.url + "/png", "detail": "low"}},
            ],
        }
    ]
    out = await image.resolve_image_urls(messages)
    part = out[0]["content"][1]
    assert part["image_url"]["detail"] == "low"
    assert part["image_url"]["url"] == "data:image/png;base64," + base64.b64encode(make_png(4, 4, (1, 2, 3))).decode()
    assert messages[0]["content"][1]["image_url"]["url"].startswith("http")  # the caller's list is untouched
    with pytest.raises(InvalidRequestError, match="http\\(s\\) URL or a data URI"):
        await image.resolve_image_urls(
            [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "/etc/passwd"}}]}]
        )


async def test_prepare_media_names(tmp_path):
    path = tmp_path / "cat.png"
    path.write_bytes(PNG)
    media = await image.prepare_media(
        [(PNG, None), (path, None), (io.BytesIO(PNG), "given.png"), (make_wav(0.01), None)]
    )
    assert [name for _, name in media] == ["image.png", "cat.png", "given.png", "audio3.wav"]
    assert all(isinstance(data, bytes) for data, _ in media)
