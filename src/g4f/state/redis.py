"""``redis://host:port/db``: state in Redis, shared by every instance behind a load balancer."""

from __future__ import annotations

import time

from .base import Store

PREFIX = "g4f:"


class RedisStore(Store):
    def __init__(self, url: str) -> None:
        try:
            from redis.asyncio import Redis
        except ImportError as error:
            raise ImportError("redis:// state needs the redis package: pip install 'g4f[state]'") from error
        self.url = url
        self._redis = Redis.from_url(url)

    async def get(self, key: str) -> bytes | None:
        return await self._redis.get(PREFIX + key)

    async def set(self, key: str, value: bytes, ttl: float | None = None) -> None:
        await self._redis.set(PREFIX + key, value, px=int(ttl * 1000) if ttl else None)

    async def delete(self, key: str) -> None:
        await self._redis.delete(PREFIX + key)

    async def put_bounded(self, group: str, key: str, value: bytes, limit: int, ttl: float | None = None) -> None:
        index = f"{PREFIX}group:{group}"
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.set(PREFIX + key, value, px=int(ttl * 1000) if ttl else None)
            pipe.zadd(index, {key: time.time()})
            pipe.zcard(index)
            *_, size = await pipe.execute()
        if size > limit:
            evicted = await self._redis.zpopmin(index, size - limit)
            if evicted:
                await self._redis.delete(*(PREFIX + k.decode() for k, _ in evicted))

    async def incr(self, key: str, window: float, amount: int = 1) -> tuple[int, float]:
        full = f"{PREFIX}count:{key}"
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.set(full, 0, px=int(window * 1000), nx=True)
            pipe.incrby(full, amount)
            pipe.pttl(full)
            _, count, pttl = await pipe.execute()
        return int(count), max(pttl, 0) / 1000

    async def count(self, key: str) -> int:
        return int(await self._redis.get(f"{PREFIX}count:{key}") or 0)

    async def ping(self) -> bool:
        return bool(await self._redis.ping())

    async def close(self) -> None:
        await self._redis.aclose()


__all__ = ["RedisStore"]
