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
        await store.command("FLUSHDB")
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


async def test_throttle_is_a_token_bucket(store):
    # 5 per second: a burst of 5, then one each 0.2 s; no window boundary lets a second burst through.
    assert [await store.throttle("t", 5, 1.0) for _ in range(5)] == [0.0] * 5
    wait = await store.throttle("t", 5, 1.0)
    assert 0.1 < wait <= 0.2
    await asyncio.sleep(wait + 0.02)
    assert await store.throttle("t", 5, 1.0) == 0.0
    assert await store.throttle("t", 5, 1.0) > 0
    assert await store.throttle("other", 5, 1.0) == 0.0


def racing_handles(store):
    """Two handles on one store (two workers or instances); Redis ones patient with a loaded machine:
    these tests are about atomicity, not timeouts."""
    if store.url == "memory://":
        return store, store
    url = store.url + "?socket_timeout=30" if store.url.startswith("redis") else store.url
    return open_store(url), open_store(url)


async def test_throttle_is_atomic_under_concurrency(store, tmp_path):
    # Two handles racing: exactly the limit gets through.
    first, second = racing_handles(store)
    try:
        waits = await asyncio.gather(*(s.throttle("race", 10, 60) for s in [first, second] * 25))
    finally:
        if second is not store:
            await first.close()
            await second.close()
    assert sum(1 for w in waits if w == 0.0) == 10


async def test_locks(store):
    assert await store.acquire("l", "a", 0.2)
    assert not await store.acquire("l", "b", 0.2)
    await store.release("l", "b")  # not its lock: nothing happens
    assert not await store.acquire("l", "b", 0.2)
    await store.release("l", "a")
    assert await store.acquire("l", "b", 0.2)
    await asyncio.sleep(0.3)  # a holder that died: the lock lapses
    assert await store.acquire("l", "c", 0.2)


async def test_bounded_group_under_concurrent_writers(store):
    first, second = racing_handles(store)
    try:
        await asyncio.gather(
            *(s.put_bounded("many", f"c{i}", b"x", limit=20) for i, s in enumerate([first, second] * 30))
        )
    finally:
        if second is not store:
            await first.close()
            await second.close()
    kept = [i for i in range(60) if await store.get(f"c{i}") is not None]
    assert len(kept) == 20


async def test_rate_limiter_fails_open(tmp_path):
    from g4f.state.base import StoreUnavailableError
    from g4f.state.memory import MemoryStore

    class Down(MemoryStore):
        async def throttle(self, key, limit, period):
            raise StoreUnavailableError("down")

    limiter = RateLimiter(Down(), limit=1)
    for _ in range(3):
        await limiter.hit("client")  # not enforced while the store is down


def test_sqlite_sweeps_expired_rows(tmp_path):
    import sqlite3

    from g4f.state.sqlite import SQLiteStore

    async def run() -> None:
        store = SQLiteStore(f"sqlite:///{tmp_path}/swept.db", sweep_every=0.0)
        for i in range(5):
            await store.set(f"gone{i}", b"x", ttl=0.05)
            await store.incr(f"count{i}", 0.05)
            await store.throttle(f"rate{i}", 100, 0.05)
            await store.acquire(f"lock{i}", "t", 0.05)
        await asyncio.sleep(0.1)
        await store.set("kept", b"y")  # any write sweeps when due
        await store.close()

    asyncio.run(run())
    with sqlite3.connect(tmp_path / "swept.db") as db:
        counts = [db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in ("kv", "counters", "rates", "locks")]
    assert counts == [1, 0, 0, 0]


async def test_claims(store):
    assert await store.claim("owner:x", b"alice", ttl=0.2) == b"alice"
    assert await store.claim("owner:x", b"bob", ttl=0.2) == b"alice"  # taken
    await asyncio.sleep(0.12)
    assert await store.claim("owner:x", b"alice", ttl=0.2) == b"alice"  # renewed by its holder
    await asyncio.sleep(0.12)
    assert await store.claim("owner:x", b"bob", ttl=0.2) == b"alice"  # still held: the renewal counted
    await asyncio.sleep(0.25)
    assert await store.claim("owner:x", b"bob", ttl=0.2) == b"bob"  # lapsed: free again
    assert set(await asyncio.gather(*(store.claim("owner:y", w, None) for w in (b"1", b"2", b"3") * 5))) == {
        (await store.get("owner:y"))
    }
