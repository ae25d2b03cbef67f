"""Every error in OpenAI's format with the right status; nothing leaks; the SDK raises the right class."""

from __future__ import annotations

import httpx
import openai
import pytest

from . import mocks
from .openai_schema import validate

USER = [{"role": "user", "content": "hi"}]


def post(server, body, path="/v1/chat/completions", **kwargs) -> httpx.Response:
    return httpx.post(server.url + path, json=body, timeout=30, **kwargs)


def assert_error(response: httpx.Response, status: int, code: str | None = None, error_type: str | None = None):
    assert response.status_code == status, response.text
    body = response.json()
    validate(body, "ErrorResponse")
    error = body["error"]
    assert set(error) >= {"message", "type", "code"}
    if code is not None:
        assert error["code"] == code
    if error_type is not None:
        assert error["type"] == error_type
    assert "Traceback" not in response.text and 'File "' not in response.text
    return error


def test_unknown_model_is_404(client, server):
    with pytest.raises(openai.NotFoundError) as info:
        client.chat.completions.create(model="no-such-model-xyz", messages=USER)
    assert info.value.code == "model_not_found"
    assert_error(post(server, {"model": "gpt-4o-mnii", "messages": USER}), 404, "model_not_found")
    assert_error(httpx.get(f"{server.url}/v1/models/no-such-model-xyz"), 404, "model_not_found")


def test_unknown_provider_is_404(client, server):
    with pytest.raises(openai.NotFoundError) as info:
        client.chat.completions.create(model="x", messages=USER, extra_body={"provider": "NoSuchProvider"})
    assert info.value.code == "provider_not_found"
    assert_error(post(server, {"messages": USER}, "/api/NoSuchProvider/chat/completions"), 404, "provider_not_found")
    assert_error(httpx.get(f"{server.url}/v1/providers/NoSuchProvider"), 404, "provider_not_found")


@pytest.mark.parametrize(
    ("body", "status", "param"),
    [
        ({}, 422, "messages"),
        ({"messages": "hi"}, 422, "messages"),
        ({"messages": USER, "temperature": "hot"}, 422, "temperature"),
        ({"messages": USER, "stream": "yes"}, 422, "stream"),
        ({"messages": USER, "max_tokens": 1.5}, 422, "max_tokens"),
        ({"messages": USER, "stop": [1, 2]}, 422, "stop"),
        ({"messages": USER, "temperature": 3}, 400, "temperature"),
        ({"messages": USER, "n": 0}, 400, "n"),
        ({"messages": []}, 400, "messages"),
        ({"messages": [{"content": "no role"}]}, 400, "messages[0].role"),
        ({"messages": [{"role": "user", "content": 5}]}, 400, "messages[0].content"),
        ({"messages": USER, "api_base": "http://169.254.169.254/"}, 400, "api_base"),
    ],
)
def test_bad_parameters(server, body, status, param):
    error = assert_error(post(server, {"provider": "MockEcho", **body}), status)
    assert error["param"] == param
    assert not mocks.MockEcho.calls


@pytest.mark.parametrize("raw", [b"{not json", b"", b"[1, 2]", b'"text"', b"\xff\xfe"])
def test_malformed_bodies_are_400(server, raw):
    response = httpx.post(
        f"{server.url}/v1/chat/completions", content=raw, headers={"content-type": "application/json"}
    )
    assert_error(response, 400, "invalid_request")


def test_oversized_body_is_413(start_server):
    small = start_server(max_body_size=1024)
    body = {"messages": [{"role": "user", "content": "x" * 2000}], "provider": "MockEcho"}
    assert_error(post(small, body), 413, "payload_too_large")

    def chunked():  # no Content-Length: the limit holds while reading
        yield b'{"messages": [{"role": "user", "content": "'
        for _ in range(10):
            yield b"x" * 500
        yield b'"}]}'

    response = httpx.post(
        f"{small.url}/v1/chat/completions", content=chunked(), headers={"content-type": "application/json"}
    )
    assert_error(response, 413, "payload_too_large")


def test_sdk_error_classes(client):
    with pytest.raises(openai.UnprocessableEntityError):
        client.chat.completions.create(model="x", messages=USER, temperature="hot")  # type: ignore[arg-type]
    with pytest.raises(openai.BadRequestError) as info:
        client.chat.completions.create(model="x", messages=USER, temperature=5)
    assert info.value.param == "temperature"


def test_rate_limit_is_429_with_retry_after(client, server):
    response = post(server, {"provider": "MockRateLimited", "messages": USER})
    assert_error(response, 429, "rate_limit_exceeded", "rate_limit_error")
    assert response.headers["retry-after"] == "7"
    with pytest.raises(openai.RateLimitError):
        client.chat.completions.create(model="x", messages=USER, extra_body={"provider": "MockRateLimited"})
    streamed = post(server, {"provider": "MockRateLimited", "messages": USER, "stream": True})
    assert_error(streamed, 429, "rate_limit_exceeded")  # before the first chunk: a real HTTP error
    assert streamed.headers["retry-after"] == "7"


@pytest.mark.parametrize(
    ("model", "status", "code", "sdk_error"),
    [
        ("bad-gateway", 502, "provider_error", openai.InternalServerError),
        ("unavailable", 503, "provider_not_working", openai.InternalServerError),
        ("timeout", 504, "timeout", openai.InternalServerError),
    ],
)
def test_provider_errors(client, server, model, status, code, sdk_error):
    for stream in (False, True):
        error = assert_error(
            post(server, {"provider": "MockDown", "model": model, "messages": USER, "stream": stream}),
            status,
            code,
            "server_error",
        )
        assert "MockDown" in error["message"]
    with pytest.raises(sdk_error) as info:
        client.chat.completions.create(model=model, messages=USER, extra_body={"provider": "MockDown"})
    assert info.value.status_code == status


@pytest.fixture(scope="module")
def fallback_model():
    """A model served by two failing mocks (removed from the registry with the package's mocks)."""
    from g4f.models import Model

    return Model("mock-fallback-model", "Mock", ["MockRateLimited", "MockDown"])


def test_all_providers_failed_names_each(start_server, fallback_model):
    error = assert_error(
        post(start_server(), {"model": "mock-fallback-model", "messages": USER}), 502, "provider_error"
    )
    assert "MockRateLimited" in error["message"] and "MockDown" in error["message"]


def test_ignored_providers(start_server, fallback_model):
    body = {"model": "mock-fallback-model", "messages": USER, "ignored_providers": ["MockRateLimited"]}
    error = assert_error(post(start_server(), body), 502, "provider_error")
    assert "MockDown" in error["message"] and "MockRateLimited" not in error["message"]
    ignoring = start_server(ignored_providers=["MockRateLimited", "MockDown"])
    error = assert_error(post(ignoring, {"model": "mock-fallback-model", "messages": USER}), 404, "provider_not_found")
    assert "MockDown is in ignored_providers" in error["message"]


def test_server_timeout_is_504(start_server):
    quick = start_server(timeout=0.3)
    for stream in (False, True):
        error = assert_error(
            post(quick, {"provider": "MockSilent", "messages": USER, "stream": stream}), 504, "timeout"
        )
        assert "0.3" in error["message"]


def test_stream_gap_timeout_is_in_band(start_server):
    from openai import OpenAI

    gappy = start_server(stream_timeout=0.02)
    with OpenAI(base_url=gappy.url + "/v1", api_key="x", max_retries=0) as c:
        stream = c.chat.completions.create(model="m", messages=USER, stream=True, extra_body={"provider": "MockSlow"})
        with pytest.raises(openai.APIError, match="MockSlow sent nothing more within 0.02 seconds"):
            for _ in stream:
                pass


def test_unexpected_error_is_500_without_details(server):
    for stream in (False, True):
        response = post(server, {"provider": "MockDown", "model": "crash", "messages": USER, "stream": stream})
        error = assert_error(response, 500, "internal_error", "server_error")
        assert error["message"] == "Internal server error."
        assert "/etc/secret" not in response.text


def test_error_after_first_chunk_is_in_band(client, server):
    stream = client.chat.completions.create(
        model="m", messages=USER, stream=True, extra_body={"provider": "MockMidStream"}
    )
    received = []
    with pytest.raises(openai.APIError, match="connection reset"):
        for chunk in stream:
            received.append(chunk.choices[0].delta.content)
    assert received[:2] == ["partial ", "answer"]
    with httpx.stream(
        "POST",
        f"{server.url}/v1/chat/completions",
        json={"provider": "MockMidStream", "messages": USER, "stream": True},
    ) as response:
        assert response.status_code == 200
        lines = [line for line in response.iter_lines() if line]
    assert lines[-1].startswith('data: {"error":')
    assert '"code":"provider_error"' in lines[-1]


def test_unknown_route_and_method(server):
    assert_error(httpx.get(f"{server.url}/v1/nothing-here"), 404, "not_found")
    assert_error(httpx.get(f"{server.url}/v1/chat/completions"), 405, "method_not_allowed")


def test_keys_never_in_errors(server):
    secret = "sk-wrong-key-1234"
    response = post(server, {"provider": "MockKeyed", "messages": USER, "api_key": secret})
    error = assert_error(response, 401, "missing_auth")
    assert secret not in response.text and "***" in error["message"]
