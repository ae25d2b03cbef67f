"""``conversation_id``: the server keeps the history, through each state backend."""

from __future__ import annotations

import httpx
import pytest

from . import mocks


def ask(url: str, text: str, **extra) -> str:
    response = httpx.post(url, json={"messages": [{"role": "user", "content": text}], **extra}, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()["choices"][0]["message"]["content"]


@pytest.fixture(params=["memory", "sqlite", "redis"])
def state_server(request, start_server, tmp_path_factory):
    if request.param == "memory":
        return start_server()
    if request.param == "sqlite":
        return start_server(state_url=f"sqlite:///{tmp_path_factory.mktemp('state')}/state.db")
    return start_server(state_url=request.getfixturevalue("redis_url"))


def test_history_across_requests(state_server):
    url = state_server.url + "/v1/chat/completions"
    cid = f"conv-{id(state_server)}-{state_server.port}"
    assert ask(url, "first", provider="MockHistory", conversation_id=cid) == "1 messages: first"
    assert ask(url, "second", provider="MockHistory", conversation_id=cid) == "3 messages: first | second"
    sent = mocks.MockHistory.calls[-1]["messages"]
    assert sent[1] == {"role": "assistant", "content": "1 messages: first"}
    # The provider's own conversation state comes back on the next turn.
    assert mocks.MockHistory.calls[-1]["conversation"].data == {"turn": 1}
    # Another id starts afresh.
    assert ask(url, "other", provider="MockHistory", conversation_id=cid + "-b") == "1 messages: other"


def test_streamed_turns_are_kept(server):
    url = server.url + "/v1/chat/completions"
    body = {"provider": "MockHistory", "conversation_id": "streamed", "stream": True}
    for text in ("one", "two"):
        with httpx.stream("POST", url, json={**body, "messages": [{"role": "user", "content": text}]}) as r:
            assert r.status_code == 200
            r.read()
    assert ask(url, "three", provider="MockHistory", conversation_id="streamed") == "5 messages: one | two | three"


def test_provider_conversation_route(server):
    url = server.url + "/api/MockHistory/chat-42/chat/completions"
    assert ask(url, "a") == "1 messages: a"
    assert ask(url, "b") == "3 messages: a | b"
    # Conversations are kept per provider: the same id with the same provider continues on /v1 ...
    assert (
        ask(server.url + "/v1/chat/completions", "c", provider="MockHistory", conversation_id="chat-42")
        == "5 messages: a | b | c"
    )
    # ... and is another conversation with another provider.
    assert ask(server.url + "/api/MockEcho/chat-42/chat/completions", "d") == "echo: d"
    assert len(mocks.MockEcho.calls[-1]["messages"]) == 1


def test_history_is_bounded(start_server):
    short = start_server(max_conversation_messages=4)
    url = short.url + "/v1/chat/completions"
    for i in range(5):
        ask(url, f"m{i}", provider="MockHistory", conversation_id="long")
    assert len(mocks.MockHistory.calls[-1]["messages"]) == 5  # 4 kept + the new one


def test_failed_turn_is_not_stored(server):
    url = server.url + "/v1/chat/completions"
    body = {"messages": [{"role": "user", "content": "x"}], "conversation_id": "failing"}
    assert httpx.post(url, json={**body, "provider": "MockDown"}).status_code == 502
    assert ask(url, "y", provider="MockHistory", conversation_id="failing") == "1 messages: y"
