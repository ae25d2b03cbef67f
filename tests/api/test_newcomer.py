"""What a newcomer hits first: the model list as guides write its URL, a server-wide provider's own
models, chat models told apart from audio ones, ``g4f api --provider`` refusing names it cannot serve."""

from __future__ import annotations

import httpx
import openai
import pytest

from tests.fakes.openai_server import FakeOpenAI

from .server import ThreadedUvicorn


def test_models_list_with_trailing_slash(server):
    plain = httpx.get(f"{server.url}/v1/models").json()
    slashed = httpx.get(f"{server.url}/v1/models/")
    assert slashed.status_code == 200
    assert slashed.json()["object"] == "list"
    assert [m["id"] for m in slashed.json()["data"]] == [m["id"] for m in plain["data"]]


def test_audio_models_are_not_chat_models(server):
    data = {m["id"]: m for m in httpx.get(f"{server.url}/v1/models").json()["data"]}
    assert data["whisper-1"]["audio"] is True and data["tts-1"]["audio"] is True
    assert data["smollm2-135m"]["audio"] is False


@pytest.fixture
def upstream(monkeypatch):
    with FakeOpenAI() as fake:
        monkeypatch.setenv("CUSTOM_API_BASE", fake.url + "/v1")
        yield fake


def test_custom_provider_lists_upstream_models(upstream):
    upstream.models = ["upstream-model-a", "upstream-model-b"]
    server = ThreadedUvicorn({"provider": "Custom"}).start()
    try:
        client = openai.OpenAI(
            base_url=server.url + "/v1", api_key="x", max_retries=0, _strict_response_validation=True
        )
        ids = [m.id for m in client.models.list()]
        assert ids == ["upstream-model-a", "upstream-model-b"]
        calls = upstream.models_calls
        client.models.list()
        assert upstream.models_calls == calls  # cached
    finally:
        server.stop()


def test_chat_with_an_audio_model_is_a_clear_400(client):
    for model in ("tts-1", "whisper-1"):
        with pytest.raises(openai.BadRequestError) as caught:
            client.chat.completions.create(model=model, messages=[{"role": "user", "content": "hi"}])
        assert caught.value.body["param"] == "model" and "audio model" in caught.value.message
