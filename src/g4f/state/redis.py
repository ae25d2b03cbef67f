"""``redis://host:port/db``: state in Redis, shared by every instance behind a load balancer.

Connections come from a blocking pool (a request waits for one rather than failing at a burst);
each call, the wait for a connection included, is bounded by ``socket_timeout`` (default 2 s) on
the loop's coarse clock (redis-py's own socket timeouts cost a timer and a task per command); there
are no retries; what must be atomic is one Lua script: one round trip per rate-limited request.
Other options in the URL's query (``max_connections``, ``socket_connect_timeout``, ...) go to redis-py.
"""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from ..clock import deadline
from .base import Outage, Store, StoreUnavailableError

PREFIX = "g4f:"
#: Seconds a call may take, waiting for a pooled connection included (``?socket_timeout=``).
TIMEOUT = 2.0
#: Defaults for the connection pool; the URL's query may override them.
POOL = {"max_connections": 64, "socket_connect_timeout": 1.0}

_PUT_BOUNDED = """
if tonumber(ARGV[2]) > 0 then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
else
  redis.call('SET', KEYS[1], ARGV[1])
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
if tonumber(ARGV[2]) > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - tonumber(ARGV[2]) * 1000)
end
redis.call('ZADD', KEYS[2], now, ARGV[4])
local over = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[3])
if over > 0 then
  local old = redis.call('ZRANGE', KEYS[2], 0, over - 1)
  redis.call('ZREMRANGEBYRANK', KEYS[2], 0, over - 1)
  for _, k in ipairs(old) do redis.call('DEL', ARGV[5] .. k) end
end
return 0
"""
# GCRA on the server's clock (instances with skewed clocks agree); floats travel as strings.
_THROTTLE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local period = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local new = tat + period / tonumber(ARGV[1])
local over = new - now - period
if over > 0 then return tostring(over) end
redis.call('SET', KEYS[1], string.format('%.6f', new), 'PX', math.max(1, math.ceil((new - now) * 1000)))
return '0'
"""
_CLAIM = """
local held = redis.call('GET', KEYS[1])
if held and held ~= ARGV[1] then return held end
if tonumber(ARGV[2]) > 0 then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
else
  redis.call('SET', KEYS[1], ARGV[1])
end
return ARGV[1]
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class RedisStore(Store):
    def __init__(self, url: str) -> None:
        try:
            from redis.asyncio import BlockingConnectionPool, Redis
            from redis.backoff import NoBackoff
            from redis.exceptions import ConnectionError as RedisConnectionError
            from redis.exceptions import TimeoutError as RedisTimeoutError
            from redis.retry import Retry
        except ImportError as error:
            raise ImportError("redis:// state needs the redis package: pip install 'g4f[state]'") from error
        self.url = url
        # Unreachable, slow or out of connections; other errors are bugs and stay visible.
        self._errors = (RedisConnectionError, RedisTimeoutError, OSError, TimeoutError, asyncio.TimeoutError)
        self._outage = Outage()
        parts = urlsplit(url)
        query = dict(parse_qsl(parts.query))
        self.timeout = float(query.pop("socket_timeout", TIMEOUT))
        own = urlunsplit(parts._replace(query=urlencode(query)))
        options = {**POOL, "timeout": None, "socket_timeout": None, "retry": Retry(NoBackoff(), 0)}
        pool = BlockingConnectionPool.from_url(own, **options)
        self._pool = pool
        self._redis = Redis(connection_pool=pool)
        self._put_bounded = self._redis.register_script(_PUT_BOUNDED)
        self._throttle = self._redis.register_script(_THROTTLE)
        self._release = self._redis.register_script(_RELEASE)
        self._claim = self._redis.register_script(_CLAIM)

    async def _do(self, call: Any) -> Any:
        """Await one Redis call (an awaitable made by the caller) with the outage rules."""
        try:
            self._outage.check(self.url)
        except StoreUnavailableError:
            call.close()  # the coroutine was made but never awaited
            raise
        try:
            async with deadline(self.timeout):
                result = await call
        except self._errors as error:
            raise self._outage.failed(self.url, error) from error
        if self._outage.down:
            self._outage.ok(self.url)
        return result

    async def get(self, key: str) -> bytes | None:
        return await self._do(self._redis.get(PREFIX + key))

    async def set(self, key: str, value: bytes, ttl: float | None = None) -> None:
        await self._do(self._redis.set(PREFIX + key, value, px=int(ttl * 1000) if ttl else None))

    async def delete(self, key: str) -> None:
        await self._do(self._redis.delete(PREFIX + key))

    async def put_bounded(self, group: str, key: str, value: bytes, limit: int, ttl: float | None = None) -> None:
        keys = [PREFIX + key, f"{PREFIX}group:{group}"]
        args: list[bytes | str | int] = [value, int(ttl * 1000) if ttl else 0, limit, key, PREFIX]
        await self._do(self._put_bounded(keys=keys, args=args))

    async def _incr(self, key: str, window: float, amount: int) -> tuple[int, float]:
        full = f"{PREFIX}count:{key}"
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.set(full, 0, px=int(window * 1000), nx=True)
            pipe.incrby(full, amount)
            pipe.pttl(full)
            _, count, pttl = await pipe.execute()
        return int(count), max(pttl, 0) / 1000

    async def incr(self, key: str, window: float, amount: int = 1) -> tuple[int, float]:
        return await self._do(self._incr(key, window, amount))

    async def count(self, key: str) -> int:
        return int(await self._do(self._redis.get(f"{PREFIX}count:{key}")) or 0)

    async def throttle(self, key: str, limit: int, period: float) -> float:
        return float(await self._do(self._throttle(keys=[f"{PREFIX}rate:{key}"], args=[limit, period])))

    async def claim(self, key: str, value: bytes, ttl: float | None = None) -> bytes:
        args: list[bytes | int] = [value, int(ttl * 1000) if ttl else 0]
        return bytes(await self._do(self._claim(keys=[PREFIX + key], args=args)))

    async def acquire(self, key: str, token: str, ttl: float) -> bool:
        call = self._redis.set(f"{PREFIX}lock:{key}", token, px=max(1, int(ttl * 1000)), nx=True)
        return bool(await self._do(call))

    async def release(self, key: str, token: str) -> None:
        await self._do(self._release(keys=[f"{PREFIX}lock:{key}"], args=[token]))

    async def ping(self) -> bool:
        return bool(await self._do(self._redis.ping()))

    async def close(self) -> None:
        await self._redis.aclose()
        await self._pool.disconnect()


__all__ = ["RedisStore"]
