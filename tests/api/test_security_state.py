"""Conversations belong to their caller and keep every turn; limits can't be dodged; the store may fail.

Real servers, a real ``redis-server`` that these tests start, stop and freeze themselves.
"""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import os
import secrets
import signal
import time

import httpx
import openai
import pytest

from . import mocks
from .redis_server import RedisServer
from .server import ThreadedUvicorn

USER = [{"role": "user", "content": "hi"}]


def turn(url: str, text: str, cid: str, headers: dict | None = None) -> httpx.Response:
    body = {"provider": "MockHistory", "conversation_id": cid, "messages": [{"role": "user", "content": text}]}
    return httpx.post(url + "/v1/chat/completions", json=body, headers=headers or {}, timeout=10)


def assert_openai_error(response: httpx.Response, status: int, code: str, param: str | None = None) -> None:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert set(error) == {"message", "type", "code", "param"}
    assert error["code"] == code and error["param"] == param


@pytest.fixture()
def keys_file(tmp_path):
    import hashlib

    path = tmp_path / "keys.json"
    entries = [
        {"name": "alice", "key": "sk-alice-0123456789", "rate_limit": 2},
        {"name": "bob", "sha256": hashlib.sha256(b"sk-bob-0123456789").hexdigest(), "models": ["echo-1"]},
        {"name": "carol", "key": "sk-carol-0123456789"},
    ]
    path.write_text(json.dumps({"keys": entries}))
    return str(path)


def bearer(key: str) -> dict[str, str]:
    return {"authorization": f"Bearer {key}"}


# --- conversations belong to their creator -----------------------------------------------------


def test_conversation_of_another_key_is_not_found(start_server, keys_file):
    server = start_server(api_keys=keys_file)
    cid = "conv-" + secrets.token_hex(8)
    assert turn(server.url, "mine", cid, bearer("sk-carol-0123456789")).status_code == 200
    foreign = turn(server.url, "let me read", cid, bearer("sk-alice-0123456789"))
    assert_openai_error(foreign, 404, "conversation_not_found", "conversation_id")
    assert "mine" not in foreign.text
    assert len(mocks.MockHistory.calls) == 1  # the foreign turn never reached the provider
    with (
        openai.OpenAI(base_url=server.url + "/v1", api_key="sk-alice-0123456789", max_retries=0) as alice,
        pytest.raises(openai.NotFoundError),
    ):
        alice.chat.completions.create(
            model="m", messages=USER, extra_body={"provider": "MockHistory", "conversation_id": cid}
        )
    # Its owner continues it.
    answer = turn(server.url, "again", cid, bearer("sk-carol-0123456789")).json()["choices"][0]["message"]["content"]
    assert answer == "3 messages: mine | again"


def test_server_made_conversation_ids(start_server, keys_file):
    server = start_server(api_keys=keys_file)
    with openai.OpenAI(
        base_url=server.url + "/v1", api_key="sk-carol-0123456789", max_retries=0, _strict_response_validation=True
    ) as carol:
        first, second = carol.conversations.create(), carol.conversations.create(metadata={"topic": "demo"})
        assert first.id != second.id and first.id.startswith("conv_") and len(first.id) >= 26
        assert first.object == "conversation" and second.metadata == {"topic": "demo"}
        answer = carol.chat.completions.create(
            model="m", messages=USER, extra_body={"provider": "MockHistory", "conversation_id": first.id}
        )
        assert answer.choices[0].message.content == "1 messages: hi"
    # The id is the creator's before its first turn, on any provider.
    foreign = turn(server.url, "mine now?", second.id, bearer("sk-alice-0123456789"))
    assert_openai_error(foreign, 404, "conversation_not_found", "conversation_id")
    items = httpx.post(
        server.url + "/v1/conversations",
        json={"items": [{"type": "message", "role": "user", "content": "x"}]},
        headers=bearer("sk-carol-0123456789"),
    )
    assert_openai_error(items, 400, "not_supported", "items")


def test_answers_name_their_conversation_and_new_asks_for_one(start_server, keys_file):
    server = start_server(api_keys=keys_file)
    extra = {"provider": "MockHistory"}
    with openai.OpenAI(
        base_url=server.url + "/v1", api_key="sk-carol-0123456789", max_retries=0, _strict_response_validation=True
    ) as carol:
        made = carol.conversations.create()
        answer = carol.chat.completions.create(
            model="m", messages=USER, extra_body={**extra, "conversation_id": made.id}
        )
        assert answer.conversation_id == made.id  # an extra field: the strict SDK keeps it
        # "new": the server starts one and says which; the next turn continues it.
        fresh = carol.chat.completions.create(model="m", messages=USER, extra_body={**extra, "conversation_id": "new"})
        cid = fresh.conversation_id
        assert cid.startswith("conv_") and cid not in (made.id, "new")
        again = carol.chat.completions.create(
            model="m", messages=[{"role": "user", "content": "more"}], extra_body={**extra, "conversation_id": cid}
        )
        assert again.choices[0].message.content == "3 messages: hi | more" and again.conversation_id == cid
        # A stream names it in every chunk.
        chunks = list(
            carol.chat.completions.create(
                model="m", messages=USER, stream=True, extra_body={**extra, "conversation_id": "new"}
            )
        )
        streamed = {chunk.conversation_id for chunk in chunks}
        assert len(streamed) == 1 and streamed.pop().startswith("conv_")
        # Without a conversation, nothing is added.
        plain = carol.chat.completions.create(model="m", messages=USER, extra_body=extra)
        assert "conversation_id" not in (plain.model_extra or {})
    # The new id is its creator's.
    foreign = turn(server.url, "mine now?", cid, bearer("sk-alice-0123456789"))
    assert_openai_error(foreign, 404, "conversation_not_found", "conversation_id")


def test_without_keys_the_address_owns_the_conversation(start_server):
    server = start_server(forwarded_allow_ips=["127.0.0.1"])  # a trusted local reverse proxy names the client
    cid = "conv-" + secrets.token_hex(8)
    assert turn(server.url, "a", cid, {"x-forwarded-for": "203.0.113.7"}).status_code == 200
    other = turn(server.url, "b", cid, {"x-forwarded-for": "203.0.113.8", "authorization": "Bearer whatever"})
    assert_openai_error(other, 404, "conversation_not_found", "conversation_id")
    assert turn(server.url, "c", cid, {"x-forwarded-for": "203.0.113.7"}).status_code == 200


def test_twenty_concurrent_turns_over_two_instances_keep_all(redis_url):
    config = {"state_url": redis_url, "max_conversation_messages": 100}
    first, second = ThreadedUvicorn(config).start(), ThreadedUvicorn(config).start()
    cid = "conv-" + secrets.token_hex(8)
    texts = [f"t{i}" for i in range(20)]

    async def run() -> list[int]:
        async with httpx.AsyncClient(timeout=30) as client:
            body = {"provider": "MockHistory", "conversation_id": cid}

            async def one(i: int) -> int:
                url = (first if i % 2 else second).url + "/v1/chat/completions"
                message = {"messages": [{"role": "user", "content": texts[i]}]}
                return (await client.post(url, json={**body, **message})).status_code

            return await asyncio.gather(*(one(i) for i in range(20)))

    try:
        assert asyncio.run(run()) == [200] * 20
        assert turn(first.url, "last", cid).status_code == 200
    finally:
        first.stop()
        second.stop()
    history = mocks.MockHistory.calls[-1]["messages"]
    assert len(history) == 41  # 20 turns of question and answer, then the last question
    users = [m["content"] for m in history[:-1:2]]
    assert sorted(users) == sorted(texts) and [m["role"] for m in history[:-1:2]] == ["user"] * 20
    for index, answer in enumerate(history[1::2]):
        # Each turn saw every turn before it, and its own answer directly follows its question.
        assert answer["role"] == "assistant"
        assert answer["content"] == f"{2 * index + 1} messages: " + " | ".join(users[: index + 1])


# --- rate limits ----------------------------------------------------------------------------------


def test_rotating_bearers_and_forwarded_headers_do_not_dodge_the_limit(start_server):
    limited = start_server(rate_limit=3)
    url = limited.url + "/v1/chat/completions"
    body = {"provider": "MockEcho", "messages": USER}
    statuses = []
    for _ in range(5):
        headers = {"authorization": f"Bearer {secrets.token_hex(8)}", "x-forwarded-for": f"10.0.0.{_}"}
        statuses.append(httpx.post(url, json=body, headers=headers).status_code)
    assert statuses == [200, 200, 200, 429, 429]


def test_keys_file_limits_and_models_per_key(start_server, keys_file):
    server = start_server(api_keys=keys_file)
    url = server.url + "/v1/chat/completions"
    body = {"provider": "MockEcho", "messages": USER, "model": "echo-1"}
    alice, bob = bearer("sk-alice-0123456789"), bearer("sk-bob-0123456789")
    assert [httpx.post(url, json=body, headers=alice).status_code for _ in range(3)] == [200, 200, 429]
    limited = httpx.post(url, json=body, headers=alice)
    assert_openai_error(limited, 429, "rate_limit_exceeded")
    assert int(limited.headers["retry-after"]) >= 1
    # Bob has no limit of his own and the server none: unlimited, whatever Alice did.
    assert all(httpx.post(url, json=body, headers=bob).status_code == 200 for _ in range(4))
    refused = httpx.post(url, json={**body, "model": "echo-2"}, headers=bob)
    assert_openai_error(refused, 403, "model_not_allowed", "model")
    assert refused.json()["error"]["type"] == "permission_error"
    assert httpx.post(url, json=body, headers=bearer("sk-dave-unknown")).status_code == 401


def test_bad_keys_file_is_refused_at_start(tmp_path):
    from g4f.api import create_app

    path = tmp_path / "keys.json"
    path.write_text(json.dumps([{"name": "a", "key": "sk-1"}, {"name": "a", "key": "sk-2"}]))
    with pytest.raises(ValueError, match="used twice"):
        create_app({"api_keys": str(path)})
    path.write_text(json.dumps([{"name": "a", "key": "sk-secret-value", "rate_limit": -1}]))
    with pytest.raises(ValueError, match="rate_limit") as info:
        create_app({"api_keys": str(path)})
    assert "sk-secret-value" not in str(info.value)


# --- the store fails ------------------------------------------------------------------------------


@pytest.fixture()
def own_redis(tmp_path):
    (tmp_path / "redis").mkdir()
    server = RedisServer(tmp_path / "redis")
    yield server
    if server.process.poll() is None:
        os.kill(server.process.pid, signal.SIGCONT)
        server.stop()


async def _load(client: httpx.AsyncClient, url: str, stop_at: float, with_conversation: bool) -> list[int]:
    """Requests one after another until ``stop_at``: their statuses."""
    statuses = []
    while time.monotonic() < stop_at:
        body = {"provider": "MockEcho", "messages": USER}
        if with_conversation:
            body = {"provider": "MockHistory", "messages": USER, "conversation_id": "load-" + secrets.token_hex(4)}
        statuses.append((await client.post(url, json=body)).status_code)
    return statuses


@pytest.mark.parametrize("failure", ["stopped", "frozen"])
def test_redis_failing_mid_load(own_redis, tmp_path, caplog, failure):
    # SDK clients left by earlier tests are finalized now, outside any loop: one collected inside this
    # test's loop schedules its close there, and an error of that close is not the server's.
    gc.collect()
    url = own_redis.url + "?socket_timeout=0.5&socket_connect_timeout=0.5"
    server = ThreadedUvicorn({"state_url": url, "rate_limit": 100_000}).start()
    chat = server.url + "/v1/chat/completions"
    caplog.set_level(logging.WARNING)
    restarted = None
    try:
        assert turn(server.url, "before", "conv-ok").status_code == 200
        with httpx.Client(timeout=10) as client:
            assert client.get(server.url + "/health/ready").status_code == 200

            async def load() -> tuple[list[int], list[int]]:
                async with httpx.AsyncClient(timeout=10) as http:
                    assert (await http.post(chat, json={"provider": "MockEcho", "messages": USER})).status_code == 200
                    stop_at = time.monotonic() + 1.5
                    plain = asyncio.gather(*(_load(http, chat, stop_at, False) for _ in range(3)))
                    kept = _load(http, chat, stop_at, True)
                    both = asyncio.gather(plain, kept)
                    await asyncio.sleep(0.4)
                    if failure == "stopped":
                        own_redis.stop()
                    else:
                        os.kill(own_redis.process.pid, signal.SIGSTOP)
                    lists, conversation = await both
                return [s for statuses in lists for s in statuses], conversation

            plain, conversation = asyncio.run(load())
            assert len(plain) > 6  # requests before, during and after the failure
            # Plain chat never noticed; conversation turns said why they could not be kept.
            assert plain and set(plain) == {200}, set(plain)
            assert set(conversation) <= {200, 503} and 503 in conversation
            down = turn(server.url, "during", "conv-ok")
            assert_openai_error(down, 503, "store_unavailable")
            assert "redis://" in down.json()["error"]["message"] and "127.0.0.1" not in down.json()["error"]["message"]
            started = time.monotonic()
            assert client.get(server.url + "/health/ready").status_code == 503
            assert time.monotonic() - started < 3  # a frozen store does not hang the probe
            assert client.get(server.url + "/health/live").status_code == 200
            assert client.get(server.url + "/health").status_code == 200
        warnings = [r for r in caplog.records if "unavailable" in r.getMessage() and r.name == "g4f"]
        assert len(warnings) == 1, [r.getMessage() for r in warnings]  # once, not per request
        assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
        # The store comes back: so do conversations, and the log says so once.
        if failure == "stopped":
            restarted = RedisServer(tmp_path / "redis", port=own_redis.port)
        else:
            os.kill(own_redis.process.pid, signal.SIGCONT)
        deadline = time.monotonic() + 5
        while turn(server.url, "after", "conv-after").status_code != 200:
            assert time.monotonic() < deadline
            time.sleep(0.1)
        assert httpx.get(server.url + "/health/ready").status_code == 200
        assert [r for r in caplog.records if "reachable again" in r.getMessage()]
    finally:
        server.stop()
        if restarted is not None:
            restarted.stop()


def test_redis_limit_checked_while_the_body_is_read_still_guards_the_provider(own_redis):
    # The check leaves before the body is read (its round trip overlaps the parsing) and is awaited
    # before anything is routed: a refused request never reaches the provider; a bad one counts too.
    server = ThreadedUvicorn({"state_url": own_redis.url, "rate_limit": 2}).start()
    url = server.url + "/v1/chat/completions"
    mocks.MockEcho.calls.clear()
    try:
        bad = httpx.post(url, json={"provider": "MockEcho", "messages": "not a list"}, timeout=10)
        assert_openai_error(bad, 422, "validation_error", "messages")
        with openai.OpenAI(
            base_url=server.url + "/v1", api_key="unused", max_retries=0, _strict_response_validation=True
        ) as client:
            assert client.chat.completions.create(model="echo-1", messages=USER, extra_body={"provider": "MockEcho"})
            with pytest.raises(openai.RateLimitError) as refused:
                client.chat.completions.create(model="echo-1", messages=USER, extra_body={"provider": "MockEcho"})
        assert int(refused.value.response.headers["retry-after"]) >= 1
        assert refused.value.body["code"] == "rate_limit_exceeded"
        assert len(mocks.MockEcho.calls) == 1
        over = httpx.post(url, json={"provider": "MockEcho", "messages": "not a list"}, timeout=10)
        assert_openai_error(over, 429, "rate_limit_exceeded")  # past the limit, the limit answers first
    finally:
        server.stop()


def test_many_concurrent_requests_over_few_redis_connections_all_answer(own_redis):
    # 72 concurrent requests over 2 connections (the default is one): a pool that raised when empty
    # (redis-py's default) failed most of these; pipelined connections carry them all.
    server = ThreadedUvicorn({"state_url": own_redis.url + "?max_connections=2", "rate_limit": 100_000}).start()

    async def burst() -> list[int]:
        limits = httpx.Limits(max_connections=64)
        async with httpx.AsyncClient(timeout=30, limits=limits) as client:
            body = {"provider": "MockHistory", "messages": USER}
            calls = [client.post(server.url + "/v1/chat/completions", json=body) for _ in range(64)]
            calls += [  # conversation turns take several store calls each
                client.post(server.url + "/v1/chat/completions", json={**body, "conversation_id": f"pool-{i}"})
                for i in range(8)
            ]
            return [r.status_code for r in await asyncio.gather(*calls)]

    try:
        assert asyncio.run(burst()) == [200] * 72
    finally:
        server.stop()


def test_sqlite_store_locked_is_503_for_conversations_only(tmp_path):
    path = tmp_path / "state" / "state.db"
    server = ThreadedUvicorn({"state_url": f"sqlite:///{path}?timeout=0.2"}).start()
    try:
        assert turn(server.url, "a", "conv-sqlite").status_code == 200
        import sqlite3

        # The server may still be writing (the turn's lock released after its answer, the health
        # record's sync): wait for that, then hold the file past the store's timeout.
        blocker = sqlite3.connect(path, timeout=5, isolation_level=None)
        blocker.execute("BEGIN EXCLUSIVE")
        try:
            started = time.monotonic()
            assert_openai_error(turn(server.url, "b", "conv-sqlite"), 503, "store_unavailable")
            assert time.monotonic() - started < 2
            body = {"provider": "MockEcho", "messages": USER}
            assert httpx.post(server.url + "/v1/chat/completions", json=body).status_code == 200
        finally:
            blocker.execute("ROLLBACK")
            blocker.close()
    finally:
        server.stop()
