"""The server's API key: required on /v1 and /api when set, compared in constant time, never shown."""

from __future__ import annotations

import httpx
import openai
import pytest

from . import mocks
from .conftest import KEY

USER = [{"role": "user", "content": "hi"}]


def test_key_required_when_set(keyed_server):
    url = keyed_server.url
    with openai.OpenAI(base_url=url + "/v1", api_key=KEY, max_retries=0, _strict_response_validation=True) as good:
        response = good.chat.completions.create(model="echo-1", messages=USER, extra_body={"provider": "MockEcho"})
        assert response.choices[0].message.content == "echo: hi"
    with (
        openai.OpenAI(base_url=url + "/v1", api_key="wrong", max_retries=0) as bad,
        pytest.raises(openai.AuthenticationError) as info,
    ):
        bad.chat.completions.create(model="echo-1", messages=USER, extra_body={"provider": "MockEcho"})
    assert info.value.code == "invalid_api_key"
    assert not any(c.get("api_key") for c in mocks.MockEcho.calls)  # the server's key is never handed on

    body = {"provider": "MockEcho", "messages": USER}
    missing = httpx.post(url + "/v1/chat/completions", json=body)
    assert missing.status_code == 401
    assert missing.json()["error"] == {
        "message": missing.json()["error"]["message"],
        "type": "authentication_error",
        "code": "invalid_api_key",
        "param": None,
    }
    assert httpx.post(url + "/v1/chat/completions", json=body, headers={"g4f-api-key": KEY}).status_code == 200
    assert httpx.post(url + "/api/MockEcho/chat/completions", json=body).status_code == 401
    assert httpx.get(url + "/v1/providers").status_code == 401
    assert httpx.get(url + "/media/1_abc.png").status_code == 401
    assert httpx.get(url + "/media/1_abc.png", cookies={"g4f_api_key": KEY}).status_code == 404  # past auth, no file
    encoded = {"cookie": "theme=dark; g4f_api_key=" + KEY.replace("-", "%2D")}  # as the page's JS stores it
    assert httpx.get(url + "/media/1_abc.png", headers=encoded).status_code == 404
    # A cookie is accepted for media only, not for the API.
    assert httpx.post(url + "/v1/chat/completions", json=body, cookies={"g4f_api_key": KEY}).status_code == 401


def test_open_routes_with_key(keyed_server):
    url = keyed_server.url
    assert httpx.get(url + "/v1/models").status_code == 200  # listing models stays open
    assert httpx.get(url + "/v1/models/smollm2-135m").status_code == 200
    assert httpx.get(url + "/docs").status_code == 200
    assert httpx.get(url + "/health").status_code == 200


def test_no_key_no_auth(client):
    response = client.chat.completions.create(model="echo-1", messages=USER, extra_body={"provider": "MockEcho"})
    assert response.choices[0].message.content == "echo: hi"


def test_bearer_goes_to_a_named_provider_without_server_key(server):
    with openai.OpenAI(base_url=server.url + "/v1", api_key="sk-user-provider-key", max_retries=0) as c:
        c.chat.completions.create(model="m", messages=USER, extra_body={"provider": "MockKeyed"})
        assert mocks.MockKeyed.calls[-1]["api_key"] == "sk-user-provider-key"
        # Without a named provider the client's key goes nowhere (it could be for any vendor).
        c.chat.completions.create(model="echo-1", messages=USER, extra_body={"provider": None})
    assert all(not c.get("api_key") for c in mocks.MockEcho.calls)


def test_body_api_key_wins(server):
    httpx.post(
        server.url + "/v1/chat/completions",
        json={"provider": "MockKeyed", "messages": USER, "api_key": "sk-from-body"},
        headers={"authorization": "Bearer sk-from-header"},
    )
    assert mocks.MockKeyed.calls[-1]["api_key"] == "sk-from-body"


def test_providers_show_credentials_never_keys(server, monkeypatch):
    secret = "sk-configured-secret-value"
    listing = httpx.get(server.url + "/v1/providers").json()["data"]
    keyed = next(p for p in listing if p["id"] == "MockKeyed")
    assert keyed["auth"] is True and keyed["has_credentials"] is False
    assert keyed["api_key_env"] == "MOCKKEYED_API_KEY"
    monkeypatch.setenv("MOCKKEYED_API_KEY", secret)
    response = httpx.get(server.url + "/v1/providers")
    assert secret not in response.text
    keyed = next(p for p in response.json()["data"] if p["id"] == "MockKeyed")
    assert keyed["has_credentials"] is True
    local = next(p for p in response.json()["data"] if p["id"] == "Local")
    assert local["auth"] is False and local["local"] is True and "smollm2-135m" in local["models"]
    detail = httpx.get(server.url + "/v1/providers/MockEcho").json()
    assert detail["models"] == ["echo-1", "echo-2"] and detail["vision_models"] == ["echo-2"]
    assert {
        "provider",
        "models",
        "image_models",
        "vision_models",
        "url",
        "working",
        "auth",
        "stream",
        "description",
    } <= set(detail)
    assert secret not in httpx.get(server.url + "/v1/providers/MockKeyed").text


def test_provider_models_route(server):
    data = httpx.get(server.url + "/api/MockImages/models").json()["data"]
    assert [(m["id"], m["image"]) for m in data] == [("mock-image", True)]
    assert httpx.get(server.url + "/api/Nope/models").status_code == 404


def test_health_counts_outcomes(server):
    httpx.post(server.url + "/v1/chat/completions", json={"provider": "MockEcho", "messages": USER})
    health = httpx.get(server.url + "/v1/providers/MockEcho").json()["health"]
    assert health["successes"] >= 1
