"""Streams cancelled when the client leaves, rate limits, api_base opt-in, the GUI, CORS."""

from __future__ import annotations

import asyncio
import time

import httpx
import openai
import pytest

from . import mocks

USER = [{"role": "user", "content": "hi"}]


def wait_for(condition, seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False


def test_stream_cancelled_when_client_leaves(server):
    with httpx.stream(
        "POST", f"{server.url}/v1/chat/completions", json={"provider": "MockSlow", "messages": USER, "stream": True}
    ) as response:
        lines = response.iter_lines()
        assert next(lines).startswith("data: ")
    # The connection is closed: the provider's generator must be closed too (upstream cancelled).
    assert wait_for(lambda: mocks.MockSlow.closed == ["closed"])


def test_whole_request_cancelled_when_client_leaves(server):
    async def leave_early():
        async with httpx.AsyncClient() as c:
            with pytest.raises(httpx.ReadTimeout):
                await c.post(
                    f"{server.url}/v1/chat/completions", json={"provider": "MockSlow", "messages": USER}, timeout=0.3
                )

    asyncio.run(leave_early())
    assert mocks.MockSlow.started == 1
    assert wait_for(lambda: mocks.MockSlow.closed == ["closed"])


def test_server_rate_limit(start_server):
    limited = start_server(rate_limit=2)
    body = {"provider": "MockEcho", "messages": USER}
    headers = {"authorization": "Bearer client-a"}
    url = f"{limited.url}/v1/chat/completions"
    assert [httpx.post(url, json=body, headers=headers).status_code for _ in range(2)] == [200, 200]
    third = httpx.post(url, json=body, headers=headers)
    assert third.status_code == 429 and 1 <= int(third.headers["retry-after"]) <= 60
    assert third.json()["error"]["type"] == "rate_limit_error"
    # Another bearer is no other client: without server keys the address counts (rotating tokens can't dodge).
    assert httpx.post(url, json=body, headers={"authorization": "Bearer client-b"}).status_code == 429
    with (
        openai.OpenAI(base_url=limited.url + "/v1", api_key="client-a", max_retries=0) as c,
        pytest.raises(openai.RateLimitError),
    ):
        c.chat.completions.create(model="echo-1", messages=USER, extra_body={"provider": "MockEcho"})


def test_api_base_only_when_allowed(server, start_server):
    body = {"provider": "MockEcho", "messages": USER, "api_base": "http://127.0.0.1:9/v1"}
    refused = httpx.post(f"{server.url}/v1/chat/completions", json=body)
    assert refused.status_code == 400 and refused.json()["error"]["param"] == "api_base"
    allowed = start_server(allow_api_base=True)
    assert httpx.post(f"{allowed.url}/v1/chat/completions", json=body).status_code == 200
    assert mocks.MockEcho.calls[-1]["api_base"] == "http://127.0.0.1:9/v1"


def test_defaults_from_config(start_server):
    configured = start_server(provider="MockEcho", model="echo-2", ignored_providers=["MockDown"])
    response = httpx.post(f"{configured.url}/v1/chat/completions", json={"messages": USER})
    assert response.json()["provider"] == "MockEcho"
    assert mocks.MockEcho.calls[-1]["model"] == "echo-2"


def test_gui_served_with_key_rule(start_server):
    gui = start_server(gui=True, g4f_api_key="gui-key-123456")
    root = httpx.get(gui.url + "/", follow_redirects=False)
    assert root.status_code == 307 and root.headers["location"] == "/chat/"
    page = httpx.get(gui.url + "/chat/")
    assert page.status_code == 200 and "<html" in page.text.lower()  # the page itself is public
    assert httpx.get(gui.url + "/v1/providers").status_code == 401  # its API calls need the key
    assert httpx.get(gui.url + "/v1/providers", headers={"g4f-api-key": "gui-key-123456"}).status_code == 200


def test_no_gui_by_default(server):
    assert httpx.get(server.url + "/chat/").status_code == 404
    assert httpx.get(server.url + "/").json()["docs"] == "/docs"


def test_cors_only_when_configured(server, start_server):
    preflight = {"origin": "https://app.example", "access-control-request-method": "POST"}
    assert (
        "access-control-allow-origin"
        not in httpx.options(f"{server.url}/v1/chat/completions", headers=preflight).headers
    )
    cors = start_server(cors_origins=["https://app.example"], g4f_api_key="cors-key-123456")
    response = httpx.options(f"{cors.url}/v1/chat/completions", headers=preflight)
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "https://app.example"
