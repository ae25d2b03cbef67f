"""Image routes over ``client.images`` with a mock image provider; media served back."""

from __future__ import annotations

import base64

import httpx
import openai
import pytest

from . import mocks
from .openai_schema import validate


def test_sdk_generate_b64(client):
    result = client.images.generate(
        prompt="a red dot", model="mock-image", n=2, response_format="b64_json", extra_body={"provider": "MockImages"}
    )
    assert len(result.data) == 2
    assert base64.b64decode(result.data[0].b64_json) == mocks.PNG
    assert mocks.MockImages.calls[-1]["messages"][-1]["content"] == "a red dot"


async def test_async_sdk_generate_saved_and_served(aclient, server):
    result = await aclient.images.generate(
        prompt="a red dot", model="mock-image", extra_body={"provider": "MockImages"}
    )
    validate(result.model_dump(exclude_unset=True), "ImagesResponse")
    url = result.data[0].url
    assert url.startswith("/media/")
    served = httpx.get(server.url + url)
    assert served.status_code == 200 and served.content == mocks.PNG
    assert served.headers["content-type"] == "image/png"
    assert "immutable" in served.headers["cache-control"]
    assert httpx.get(server.url + url.replace("/media/", "/images/")).content == mocks.PNG


def test_requests_guide_generate_path(server):
    import requests

    response = requests.post(
        f"{server.url}/v1/images/generate",
        json={"prompt": "a cat", "model": "mock-image", "provider": "MockImages", "response_format": "b64_json"},
        timeout=30,
    )
    assert response.status_code == 200
    assert base64.b64decode(response.json()["data"][0]["b64_json"]) == mocks.PNG


def test_provider_image_route(server):
    response = httpx.post(
        f"{server.url}/api/MockImages/images/generations", json={"prompt": "a cat", "response_format": "b64_json"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["provider"] == "MockImages"


@pytest.mark.parametrize(
    ("body", "status", "param"),
    [
        ({}, 422, "prompt"),
        ({"prompt": 5}, 422, "prompt"),
        ({"prompt": "  "}, 400, "prompt"),
        ({"prompt": "x", "n": 5}, 400, "n"),
        ({"prompt": "x", "n": "2"}, 422, "n"),
        ({"prompt": "x", "size": "big"}, 400, "size"),
        ({"prompt": "x", "response_format": "gif"}, 400, "response_format"),
    ],
)
def test_bad_image_requests(server, body, status, param):
    response = httpx.post(f"{server.url}/v1/images/generations", json={"provider": "MockImages", **body})
    assert response.status_code == status, response.text
    assert response.json()["error"]["param"] == param
    assert not mocks.MockImages.calls


def test_image_errors_through_the_sdk(client):
    with pytest.raises(openai.NotFoundError):
        client.images.generate(prompt="x", extra_body={"provider": "NoSuchProvider"})
    with pytest.raises(openai.RateLimitError):
        client.images.generate(prompt="x", extra_body={"provider": "MockRateLimited"})


def test_media_provider_setting(start_server):
    server = start_server(media_provider="MockImages")
    response = httpx.post(
        f"{server.url}/v1/images/generations", json={"prompt": "a dot", "response_format": "b64_json"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["provider"] == "MockImages"
