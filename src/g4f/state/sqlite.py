"""``sqlite:///path``: state in one SQLite file, shared by the workers of one host.

Calls run in a worker thread; WAL mode and ``BEGIN IMMEDIATE`` keep concurrent workers consistent.
``?timeout=SECONDS`` (default 5) bounds the wait for another writer before the store counts as
unavailable.
Expired rows, finished counters, full rate buckets and lapsed locks are swept at most once a
``SWEEP_EVERY`` seconds, inside a write that is happening anyway (no timer, no task).
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from .base import Outage, Store, gcra

T = TypeVar("T")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value BLOB, expires REAL, grp TEXT, updated REAL);
CREATE INDEX IF NOT EXISTS kv_grp ON kv (grp, updated);
CREATE TABLE IF NOT EXISTS counters (key TEXT PRIMARY KEY, count INTEGER, reset REAL);
CREATE TABLE IF NOT EXISTS rates (key TEXT PRIMARY KEY, tat REAL);
CREATE TABLE IF NOT EXISTS locks (key TEXT PRIMARY KEY, token TEXT, expires REAL);
"""
_SWEEP = (
    "DELETE FROM kv WHERE expires IS NOT NULL AND expires <= ?",
    "DELETE FROM counters WHERE reset <= ?",
    "DELETE FROM rates WHERE tat <= ?",
    "DELETE FROM locks WHERE expires <= ?",
)
SWEEP_EVERY = 60.0


class SQLiteStore(Store):
    def __init__(self, url: str, sweep_every: float = SWEEP_EVERY) -> None:
        self.url = url
        path, _, query = url.split("://", 1)[1].partition("?")
        path = path[1:] if path.startswith("/") else path  # sqlite:///rel -> rel, sqlite:////abs -> /abs
        options = dict(p.partition("=")[::2] for p in query.split("&") if p)
        #: Seconds a write waits for another writer's lock before the store counts as unavailable.
        busy_timeout = float(options.get("timeout", 5))
        if not path:
            raise ValueError("sqlite:// needs a file path, e.g. sqlite:///state.db")
        Path(path).expanduser().parent.mkdir(parents=True, exist_ok=True)
        self.path = str(Path(path).expanduser())
        self.sweep_every = sweep_every
        self._swept = time.time()
        self._lock = threading.Lock()
        self._outage = Outage()
        self._conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=busy_timeout)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.executescript(_SCHEMA)

    def _run(self, fn: Callable[..., T], *args: Any) -> T:
        with self._lock:
            return fn(*args)

    async def _call(self, fn: Callable[..., T], *args: Any) -> T:
        self._outage.check(self.url)
        try:
            result = await asyncio.to_thread(self._run, fn, *args)
        except sqlite3.Error as error:  # locked past the timeout, disk full or gone, ...
            raise self._outage.failed(self.url, error) from error
        if self._outage.down:
            self._outage.ok(self.url)
        return result

    def _write(self, fn: Callable[[float], T]) -> T:
        """``fn(now)`` in one immediate transaction, with the periodic sweep when due."""
        now = time.time()
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            result = fn(now)
            if now - self._swept >= self.sweep_every:
                self._swept = now
                for statement in _SWEEP:
                    self._conn.execute(statement, (now,))
            self._conn.execute("COMMIT")
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        return result

    def _get(self, key: str) -> bytes | None:
        row = self._conn.execute("SELECT value, expires FROM kv WHERE key = ?", (key,)).fetchone()
        if row is None or (row[1] is not None and row[1] <= time.time()):
            return None  # an expired row goes with the next sweep
        return bytes(row[0])

    def _set(self, key: str, value: bytes, ttl: float | None, group: str | None = None, limit: int = 0) -> None:
        def write(now: float) -> None:
            self._conn.execute(
                "INSERT OR REPLACE INTO kv (key, value, expires, grp, updated) VALUES (?, ?, ?, ?, ?)",
                (key, value, now + ttl if ttl else None, group, now),
            )
            if group is not None:
                self._conn.execute(
                    "DELETE FROM kv WHERE grp = ? AND key NOT IN "
                    "(SELECT key FROM kv WHERE grp = ? ORDER BY updated DESC LIMIT ?)",
                    (group, group, limit),
                )

        self._write(write)

    def _incr(self, key: str, window: float, amount: int = 1) -> tuple[int, float]:
        def write(now: float) -> tuple[int, float]:
            row = self._conn.execute("SELECT count, reset FROM counters WHERE key = ?", (key,)).fetchone()
            count, reset = (row[0], row[1]) if row and row[1] > now else (0, now + window)
            count += amount
            self._conn.execute(
                "INSERT OR REPLACE INTO counters (key, count, reset) VALUES (?, ?, ?)", (key, count, reset)
            )
            return count, reset - now

        return self._write(write)

    def _throttle(self, key: str, limit: int, period: float) -> float:
        def write(now: float) -> float:
            row = self._conn.execute("SELECT tat FROM rates WHERE key = ?", (key,)).fetchone()
            wait, tat = gcra(row[0] if row else None, now, limit, period)
            if tat is not None:
                self._conn.execute("INSERT OR REPLACE INTO rates (key, tat) VALUES (?, ?)", (key, tat))
            return wait

        return self._write(write)

    def _claim(self, key: str, value: bytes, ttl: float | None) -> bytes:
        def write(now: float) -> bytes:
            row = self._conn.execute("SELECT value, expires FROM kv WHERE key = ?", (key,)).fetchone()
            if row is not None and (row[1] is None or row[1] > now) and bytes(row[0]) != value:
                return bytes(row[0])
            self._conn.execute(
                "INSERT OR REPLACE INTO kv (key, value, expires, grp, updated) VALUES (?, ?, ?, NULL, ?)",
                (key, value, now + ttl if ttl else None, now),
            )
            return value

        return self._write(write)

    def _acquire(self, key: str, token: str, ttl: float) -> bool:
        def write(now: float) -> bool:
            row = self._conn.execute("SELECT expires FROM locks WHERE key = ?", (key,)).fetchone()
            if row is not None and row[0] > now:
                return False
            self._conn.execute(
                "INSERT OR REPLACE INTO locks (key, token, expires) VALUES (?, ?, ?)", (key, token, now + ttl)
            )
            return True

        return self._write(write)

    async def get(self, key: str) -> bytes | None:
        return await self._call(self._get, key)

    async def set(self, key: str, value: bytes, ttl: float | None = None) -> None:
        await self._call(self._set, key, value, ttl)

    async def delete(self, key: str) -> None:
        await self._call(self._conn.execute, "DELETE FROM kv WHERE key = ?", (key,))

    async def put_bounded(self, group: str, key: str, value: bytes, limit: int, ttl: float | None = None) -> None:
        await self._call(self._set, key, value, ttl, group, limit)

    async def incr(self, key: str, window: float, amount: int = 1) -> tuple[int, float]:
        return await self._call(self._incr, key, window, amount)

    def _count(self, key: str) -> int:
        row = self._conn.execute(
            "SELECT count FROM counters WHERE key = ? AND reset > ?", (key, time.time())
        ).fetchone()
        return int(row[0]) if row else 0

    async def count(self, key: str) -> int:
        return await self._call(self._count, key)

    async def throttle(self, key: str, limit: int, period: float) -> float:
        return await self._call(self._throttle, key, limit, period)

    async def claim(self, key: str, value: bytes, ttl: float | None = None) -> bytes:
        return await self._call(self._claim, key, value, ttl)

    async def acquire(self, key: str, token: str, ttl: float) -> bool:
        return await self._call(self._acquire, key, token, ttl)

    async def release(self, key: str, token: str) -> None:
        await self._call(self._conn.execute, "DELETE FROM locks WHERE key = ? AND token = ?", (key, token))

    async def ping(self) -> bool:
        return bool(await self._call(lambda: self._conn.execute("SELECT 1").fetchone()))

    async def close(self) -> None:
        await asyncio.to_thread(self._run, self._conn.close)


__all__ = ["SQLiteStore"]
