"""client.images / client.media: the three response formats, n, fallback, validation, variations."""

from __future__ import annotations

import base64
from typing import Any, ClassVar

import pytest

from g4f.client import AsyncClient, Client
from g4f.errors import InvalidRequestError, NoMediaResponseError, NotSupportedError
from g4f.media import resolve_media_path
from g4f.providers.base_provider import AsyncGeneratorProvider
from g4f.providers.response import ImageResponse
from g4f.providers.retry_provider import IterListProvider
from tests.fakes.media_server import API_KEY, COLOURS, MediaServer, make_png, read_png


def saved_bytes(url: str) -> bytes:
    assert url.startswith("/media/")
    path = resolve_media_path(url.removeprefix("/media/"))
    assert path is not None, url
    return path.read_bytes()


async def test_default_format_saves_to_media_dir(openai_env):
    response = await AsyncClient().images.generate("a red square", provider="OpenaiAPI")
    assert response.provider == "OpenaiAPI" and response.created > 0
    (item,) = response.data
    assert item.url.startswith("/media/") and item.url.endswith(".png") and item.b64_json is None
    assert saved_bytes(item.url) == openai_env.files["img0.png"]  # byte-identical to what the upstream served
    assert read_png(saved_bytes(item.url)) == (8, 8, bytes(COLOURS[0]))
    assert item.revised_prompt == "a revised prompt"
    sent = openai_env.requests[0]
    assert sent["path"] == "/v1/images/generations" and sent["json"]["prompt"] == "a red square"
    assert sent["json"]["model"] == "gpt-image-1"


async def test_url_format_returns_provider_url(openai_env):
    response = await AsyncClient().images.generate("x", provider="OpenaiAPI", response_format="url", model="dall-e-3")
    assert response.data[0].url == openai_env.url + "/files/img0.png"
    assert openai_env.requests[0]["json"]["model"] == "dall-e-3"
    assert openai_env.requests[0]["json"]["response_format"] == "url"


async def test_b64_format(openai_env):
    response = await AsyncClient().images.generate("x", provider="OpenaiAPI", response_format="b64_json")
    item = response.data[0]
    assert item.url is None
    assert base64.b64decode(item.b64_json) == openai_env.files["img0.png"]
    assert response.model_dump()["data"][0].keys() == {"b64_json", "revised_prompt"}


async def test_b64_from_url_only_provider(openai_env, monkeypatch):
    """The upstream answers with URLs only: b64_json is made from the downloaded bytes."""
    from g4f.Provider import OpenaiAPI

    original = OpenaiAPI.create_image.__func__

    async def url_only(cls, prompt, model=None, response_format=None, **kwargs):
        return await original(cls, prompt, model, response_format="url", **kwargs)

    monkeypatch.setattr(OpenaiAPI, "create_image", classmethod(url_only))
    response = await AsyncClient().images.generate("x", provider=OpenaiAPI, response_format="b64_json", n=2)
    assert [base64.b64decode(i.b64_json) for i in response.data] == [
        openai_env.files["img0.png"],
        openai_env.files["img1.png"],
    ]


def test_sync_client_n_images(openai_env):
    client = Client(media_provider="OpenaiAPI")
    assert client.media is client.images
    response = client.images.generate("four squares", n=3)
    assert len(response.data) == 3
    colours = [read_png(saved_bytes(i.url))[2] for i in response.data]
    assert colours == [bytes(c) for c in COLOURS[:3]]
    assert len({i.url for i in response.data}) == 3
    assert openai_env.requests[0]["json"]["n"] == 3


async def test_one_image_per_request_provider_is_asked_again(monkeypatch):
    with MediaServer(per_request=1) as server:
        monkeypatch.setenv("OPENAIAPI_API_BASE", server.url + "/v1")
        response = await AsyncClient(api_key=API_KEY).images.generate(
            "x", provider="OpenaiAPI", n=3, response_format="url"
        )
        assert len(response.data) == 3 and len(server.requests) == 3
        assert sorted(i.url for i in response.data) == [f"{server.url}/files/img{i}.png" for i in range(3)]


async def test_fallback_between_image_providers(monkeypatch):
    with MediaServer(fail_with=500) as down, MediaServer() as up:
        monkeypatch.setenv("TOGETHER_API_BASE", down.url + "/v1")
        monkeypatch.setenv("TOGETHER_API_KEY", API_KEY)
        monkeypatch.setenv("DEEPINFRA_API_BASE", up.url + "/v1")
        monkeypatch.setenv("DEEPINFRA_API_KEY", API_KEY)
        from g4f.Provider import DeepInfra, Together

        response = await AsyncClient().images.generate(
            "flux please", model="flux", provider=IterListProvider([Together, DeepInfra])
        )
        assert response.provider == "DeepInfra"
        assert down.requests[0]["json"]["model"] == "black-forest-labs/FLUX.1-dev"  # tried first, failed
        assert up.requests[0]["json"]["model"] == "black-forest-labs/FLUX-1-dev"
        assert saved_bytes(response.data[0].url) == up.files["img0.png"]


async def test_all_providers_failing_names_each(monkeypatch):
    with MediaServer(fail_with=503) as a, MediaServer(fail_with=500) as b:
        monkeypatch.setenv("TOGETHER_API_BASE", a.url + "/v1")
        monkeypatch.setenv("DEEPINFRA_API_BASE", b.url + "/v1")
        from g4f.Provider import DeepInfra, Together

        with pytest.raises(Exception) as info:
            await AsyncClient(api_key=API_KEY).images.generate("x", provider=IterListProvider([Together, DeepInfra]))
        assert "Together" in str(info.value) and "DeepInfra" in str(info.value)


class EmptyImages(AsyncGeneratorProvider):
    working = True

    @classmethod
    async def create_image(cls, prompt: str, model: str | None = None, **kwargs: Any) -> ImageResponse:
        return ImageResponse([], prompt)


class ChatShapedImages(AsyncGeneratorProvider):
    """A gpt4free-style image provider: images come as parts of its chat generator."""

    working = True
    image_models: ClassVar[list[str]] = ["painter"]
    calls: ClassVar[list[dict]] = []

    @classmethod
    async def create_async_generator(cls, model, messages, prompt=None, **kwargs):
        cls.calls.append({"model": model, "prompt": prompt, "n": kwargs.get("n")})
        png = make_png(2, 2, (5, 5, 5))
        yield ImageResponse("data:image/png;base64," + base64.b64encode(png).decode(), prompt)


async def test_no_image_is_an_error():
    with pytest.raises(NoMediaResponseError):
        await AsyncClient().images.generate("x", provider=EmptyImages)


async def test_chat_shaped_provider_and_media_provider_default():
    client = AsyncClient(image_provider=ChatShapedImages)
    response = await client.media.generate("grey", n=2)
    assert len(response.data) == 2
    assert all(read_png(saved_bytes(i.url))[2] == b"\x05\x05\x05" for i in response.data)
    assert ChatShapedImages.calls[-1]["prompt"] == "grey"
    b64 = await client.images.generate("grey", response_format="b64_json")
    assert read_png(base64.b64decode(b64.data[0].b64_json))[2] == b"\x05\x05\x05"
    # "url" with an image that exists only as data: saved, and its path given
    url = await client.images.generate("grey", response_format="url")
    assert saved_bytes(url.data[0].url)[:4] == b"\x89PNG"


@pytest.mark.parametrize(
    "kwargs",
    [
        {"n": 0},
        {"n": 5},
        {"n": "2"},
        {"n": True},
        {"size": "big"},
        {"size": "10x10"},
        {"size": "1024x99999"},
        {"prompt": ""},
        {"prompt": "x" * 32001},
        {"prompt": None},
    ],
)
async def test_validation(kwargs):
    # response_format is not here: the library treats an unknown one as the default, as gpt4free does
    # (tests/core/test_gpt4free_compat.py); the REST API refuses it (tests/api/test_images.py).
    args = {"prompt": "x", **kwargs}
    with pytest.raises(InvalidRequestError) as info:
        await AsyncClient().images.generate(provider=ChatShapedImages, **args)
    assert info.value.status_code == 400


async def test_sizes_accepted(openai_env):
    for size in ("auto", "1024x1024", "512x768"):
        await AsyncClient().images.generate("x", provider="OpenaiAPI", size=size, response_format="url")
    assert [r["json"].get("size") for r in openai_env.requests] == ["auto", "1024x1024", "512x768"]


class Variations(AsyncGeneratorProvider):
    working = True
    received: ClassVar[list] = []

    @classmethod
    async def create_image_variation(cls, image, model=None, n=1, **kwargs):
        cls.received.append((image, n))
        return ImageResponse(["data:image/png;base64," + base64.b64encode(make_png(1, 1, (n, n, n))).decode()] * n)


async def test_variation(tmp_path):
    source = tmp_path / "source.png"
    source.write_bytes(make_png(4, 4))
    response = await AsyncClient().images.create_variation(source, provider=Variations, n=2, response_format="b64_json")
    assert len(response.data) == 2
    assert Variations.received[-1] == ((make_png(4, 4), "source.png"), 2)


def test_variation_sync_and_not_supported(tmp_path):
    png = make_png(2, 2)
    assert len(Client().images.create_variation(png, provider=Variations).data) == 1
    with pytest.raises(NotSupportedError, match="image variation"):
        Client().images.create_variation(png, provider=EmptyImages)
    with pytest.raises(InvalidRequestError):
        Client().images.create_variation(b"not an image", provider=Variations)
