"""Image routes a newcomer reaches for: variations (OpenAI's multipart route), the default image model."""

from __future__ import annotations

import io

import openai
import pytest

from tests.fakes.openai_server import PNG_1PX, FakeOpenAI

from .server import ThreadedUvicorn


@pytest.fixture
def openai_upstream(monkeypatch):
    with FakeOpenAI(api_key="sk-upstream-123") as fake:
        monkeypatch.setenv("OPENAI_API_KEY", "sk-upstream-123")
        monkeypatch.setenv("OPENAIAPI_API_BASE", fake.url + "/v1")
        yield fake


def _client(server, key: str = "sk-upstream-123") -> openai.OpenAI:
    # An open server hands the bearer token on as the provider's key.
    return openai.OpenAI(base_url=server.url + "/v1", api_key=key, max_retries=0, _strict_response_validation=True)


def test_image_variations_route(openai_upstream):
    server = ThreadedUvicorn({"media_provider": "OpenaiAPI"}).start()
    try:
        client = _client(server)
        result = client.images.create_variation(
            image=("cat.png", io.BytesIO(PNG_1PX), "image/png"), model="dall-e-2", n=2, response_format="b64_json"
        )
        assert len(result.data) == 2 and all(item.b64_json for item in result.data)
        sent = openai_upstream.requests[-1]
        assert sent["path"] == "/v1/images/variations"
        assert sent["form"]["image"]["content_type"] == "image/png" and sent["form"]["n"] == "2"
        with pytest.raises(openai.BadRequestError) as caught:
            client.images.create_variation(image=("cat.png", io.BytesIO(PNG_1PX), "image/png"), n=9)
        assert caught.value.body["param"] == "n"
    finally:
        server.stop()


def test_default_image_model_is_an_image_model(server, monkeypatch):
    """ "" and "default" ask for the image default (not the chat model); unreachable, it says so."""
    monkeypatch.setenv("POLLINATIONSAI_API_BASE", "http://127.0.0.1:9")  # nothing listens on the discard port
    for model in ("", "default"):
        with pytest.raises(openai.APIStatusError) as caught:
            _client(server).images.generate(prompt="a cat", model=model, response_format="url")
        assert caught.value.status_code == 502
        assert "No image provider is reachable for the default image model 'flux'" in caught.value.message
