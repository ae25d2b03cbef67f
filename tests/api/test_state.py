"""The state store's three backends behave alike: values, expiry, bounded groups, counters."""

from __future__ import annotations

import asyncio

import pytest

from g4f.errors import RateLimitError
from g4f.state import Conversations, RateLimiter, open_store


@pytest.fixture(params=["memory", "sqlite", "redis"])
async def store(request, tmp_path):
    if request.param == "memory":
        url = "memory://"
    elif request.param == "sqlite":
        url = f"sqlite:///{tmp_path}/state.db"
    else:
        url = request.getfixturevalue("redis_url")
    store = open_store(url)
    if request.param == "redis":
        await store._redis.flushdb()
    yield store
    await store.close()


async def test_values_and_expiry(store):
    assert await store.get("a") is None
    await store.set("a", b"1")
    await store.set("b", b"2", ttl=0.1)
    assert await store.get("a") == b"1" and await store.get("b") == b"2"
    await asyncio.sleep(0.25)
    assert await store.get("b") is None
    await store.delete("a")
    assert await store.get("a") is None
    assert await store.ping()


async def test_bounded_group_evicts_oldest(store):
    for i in range(5):
        await store.put_bounded("g", f"k{i}", str(i).encode(), limit=3)
        await asyncio.sleep(0.002)
    assert [await store.get(f"k{i}") for i in range(5)] == [None, None, b"2", b"3", b"4"]


async def test_counters_reset_with_their_window(store):
    assert await store.count("c") == 0
    assert (await store.incr("c", 0.3))[0] == 1
    count, reset_in = await store.incr("c", 0.3)
    assert count == 2 and 0 < reset_in <= 0.3
    assert await store.count("c") == 2
    await asyncio.sleep(0.4)
    assert await store.count("c") == 0
    assert (await store.incr("c", 0.3))[0] == 1


async def test_rate_limiter(store):
    limiter = RateLimiter(store, limit=2, window=30)
    await limiter.hit("client")
    await limiter.hit("client")
    with pytest.raises(RateLimitError) as info:
        await limiter.hit("client")
    assert 1 <= info.value.retry_after <= 30
    await limiter.hit("someone-else")


async def test_conversations_bounded(store):
    conversations = Conversations(store, max_messages=4, max_conversations=2)
    history = [{"role": "system", "content": "be brief"}] + [{"role": "user", "content": str(i)} for i in range(6)]
    await conversations.save("p", "one", history, {"turn": 1})
    messages, state = await conversations.load("p", "one")
    assert messages[0]["role"] == "system" and [m["content"] for m in messages[1:]] == ["2", "3", "4", "5"]
    assert state == {"turn": 1}
    await conversations.save("p", "two", history[:2])
    await conversations.save("p", "three", history[:2])
    assert (await conversations.load("p", "one")) == ([], None)  # the oldest conversation went
    assert (await conversations.load("other", "two")) == ([], None)  # scopes are apart


async def test_health_shared_through_the_store(store):
    """The router's health record (g4f.routing) counts through each backend."""
    from g4f.routing import Health

    one, two = Health(), Health()
    one.use_store(store)
    two.use_store(store)
    one.success("P", 0.1)
    one.failure("P")
    await one.sync()
    assert {k: v for k, v in (await two.describe("P")).items() if k in ("successes", "failures")} == {
        "successes": 1,
        "failures": 1,
    }


def test_unknown_scheme():
    with pytest.raises(ValueError, match="memory://"):
        open_store("ftp://x")


def test_merge_rules():
    stored = [
        {"role": "system", "content": "s"},
        {"role": "user", "content": "a"},
        {"role": "assistant", "content": "b"},
    ]
    new = [{"role": "user", "content": "c"}]
    assert Conversations.merge(stored, new) == stored + new
    assert Conversations.merge(stored, stored + new) == stored + new  # the client resent everything
    replaced = Conversations.merge(stored, [{"role": "system", "content": "t"}, *new])
    assert replaced[0] == {"role": "system", "content": "t"} and len(replaced) == 4
