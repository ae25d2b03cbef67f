"""``redis://host:port/db``: state in Redis, shared by every instance behind a load balancer.

Calls go through g4f's own small pipelined client (``resp.py``): concurrent requests share one
persistent connection (nobody waits for a pooled one), and a call costs a few microseconds of
this process's CPU. What must be atomic is one Lua script, one round trip: a rate-limited request
costs exactly one. A call that gets no answer within ``socket_timeout`` (default 2 s) fails, and the
outage rules of ``base.Outage`` apply; there are no retries. URL options: ``socket_timeout``,
``socket_connect_timeout`` (1 s), ``max_connections`` (connections to Redis, default 1), ``db``,
``username``, ``password``; TLS with ``rediss://`` (``ssl_ca_certs``, ``ssl_cert_reqs``,
``ssl_certfile``, ``ssl_keyfile``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from .base import Outage, Store
from .resp import RedisClient, ReplyError, Script, command

PREFIX = "g4f:"
#: Seconds a call may wait for its answer (``?socket_timeout=``).
TIMEOUT = 2.0
#: Seconds to connect (``?socket_connect_timeout=``).
CONNECT_TIMEOUT = 1.0
#: Connections to Redis (``?max_connections=``): one carries any number of concurrent calls.
CONNECTIONS = 1

_PUT_BOUNDED = Script("""
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
""")
# GCRA on the server's clock (instances with skewed clocks agree); floats travel as strings.
_THROTTLE = Script("""
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
""")
_CLAIM = Script("""
local held = redis.call('GET', KEYS[1])
if held and held ~= ARGV[1] then return held end
if tonumber(ARGV[2]) > 0 then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
else
  redis.call('SET', KEYS[1], ARGV[1])
end
return ARGV[1]
""")
_RELEASE = Script("""
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
""")


# A fixed-window counter: created with its window, counted, and its time left, atomically.
_INCR = Script("""
redis.call('SET', KEYS[1], 0, 'PX', ARGV[1], 'NX')
local n = redis.call('INCRBY', KEYS[1], ARGV[2])
return {n, redis.call('PTTL', KEYS[1])}
""")


_UNSENT: Any = object()


class RedisStore(Store):
    def __init__(self, url: str) -> None:
        self.url = url
        parts = urlsplit(url)
        query = dict(parse_qsl(parts.query))
        timeout = float(query.pop("socket_timeout", TIMEOUT))
        connect_timeout = float(query.pop("socket_connect_timeout", CONNECT_TIMEOUT))
        connections = int(query.pop("max_connections", CONNECTIONS))
        own = urlunsplit(parts._replace(query=urlencode(query)))
        self._client = RedisClient(own, timeout, connect_timeout, connections)
        self._outage = Outage()
        self._rate_commands: dict[tuple[str, int, float], bytes] = {}

    def _settled(self, reply: Any) -> Any:
        """A reply as a value: an outage raises ``StoreUnavailableError``, an error reply ``ReplyError``."""
        if isinstance(reply, OSError):
            raise self._outage.failed(self.url, reply) from reply
        if self._outage.down:  # any answer, an error reply too, says Redis is back
            self._outage.ok(self.url)
        if isinstance(reply, ReplyError):
            raise reply
        return reply

    async def _do(self, payload: bytes) -> Any:
        """One call with the outage rules (unreachable, slow or refusing connections)."""
        self._outage.check(self.url)
        try:
            reply = await self._client.call(payload)
        except (OSError, asyncio.TimeoutError) as error:  # connecting failed
            reply = error
        return self._settled(reply)

    async def _run(self, script: Script, keys: list[Any], args: list[Any], reply: Any = _UNSENT) -> Any:
        """``script`` (given the ``reply`` to its ``EVALSHA`` when that was sent already); loaded
        again when Redis lost it (a restart or ``SCRIPT FLUSH``): one round trip otherwise."""
        try:
            return self._settled(reply) if reply is not _UNSENT else await self._do(script.evalsha(keys, args))
        except ReplyError as error:
            if not str(error).startswith("NOSCRIPT"):
                raise
        return await self._do(script.eval(keys, args))

    async def command(self, *args: Any) -> Any:
        """Any Redis command, with the outage rules (``FLUSHDB`` in tests, for one)."""
        return await self._do(command(*args))

    async def get(self, key: str) -> bytes | None:
        return await self._do(command(b"GET", PREFIX + key))

    async def set(self, key: str, value: bytes, ttl: float | None = None) -> None:
        ttl_ms = int(ttl * 1000) if ttl else 0
        await self._do(
            command(b"SET", PREFIX + key, value, b"PX", ttl_ms) if ttl_ms else command(b"SET", PREFIX + key, value)
        )

    async def delete(self, key: str) -> None:
        await self._do(command(b"DEL", PREFIX + key))

    async def put_bounded(self, group: str, key: str, value: bytes, limit: int, ttl: float | None = None) -> None:
        keys = [PREFIX + key, f"{PREFIX}group:{group}"]
        await self._run(_PUT_BOUNDED, keys, [value, int(ttl * 1000) if ttl else 0, limit, key, PREFIX])

    async def incr(self, key: str, window: float, amount: int = 1) -> tuple[int, float]:
        count, pttl = await self._run(_INCR, [f"{PREFIX}count:{key}"], [max(1, int(window * 1000)), amount])
        return int(count), max(pttl, 0) / 1000

    async def count(self, key: str) -> int:
        return int(await self._do(command(b"GET", f"{PREFIX}count:{key}")) or 0)

    async def throttle(self, key: str, limit: int, period: float) -> float:
        return await self.throttle_soon(key, limit, period)

    def throttle_soon(self, key: str, limit: int, period: float) -> Coroutine[Any, Any, float]:
        """``throttle`` with its command written now (on a live connection, outside an outage): it
        travels while the caller goes on reading its request."""
        payload = self._rate_commands.get((key, limit, period))
        if payload is None:  # the same few callers come again and again: their commands are kept made
            if len(self._rate_commands) >= 4096:
                self._rate_commands.clear()
            payload = self._rate_commands[(key, limit, period)] = _THROTTLE.evalsha(
                [f"{PREFIX}rate:{key}"], [limit, period]
            )
        return self._throttled(key, limit, period, None if self._outage.until else self._client.send(payload))

    async def _throttled(self, key: str, limit: int, period: float, sent: Any) -> float:
        if sent is not None:
            reply = await sent
            if type(reply) is bytes and not self._outage.down:  # the usual answer, at once
                return float(reply)
        keys, args = [f"{PREFIX}rate:{key}"], [limit, period]
        return float(await self._run(_THROTTLE, keys, args, reply if sent is not None else _UNSENT))

    async def claim(self, key: str, value: bytes, ttl: float | None = None) -> bytes:
        return bytes(await self._run(_CLAIM, [PREFIX + key], [value, int(ttl * 1000) if ttl else 0]))

    async def acquire(self, key: str, token: str, ttl: float) -> bool:
        call = command(b"SET", f"{PREFIX}lock:{key}", token, b"PX", max(1, int(ttl * 1000)), b"NX")
        return await self._do(call) is not None

    async def release(self, key: str, token: str) -> None:
        await self._run(_RELEASE, [f"{PREFIX}lock:{key}"], [token])

    async def ping(self) -> bool:
        return await self._do(command(b"PING")) == b"PONG"

    async def close(self) -> None:
        await self._client.close()


__all__ = ["RedisStore"]
