"""``sqlite:///path``: state in one SQLite file, shared by the workers of one host.

Calls run in a worker thread; WAL mode and ``BEGIN IMMEDIATE`` keep concurrent workers consistent.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from .base import Store

_SCHEMA = """
CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value BLOB, expires REAL, grp TEXT, updated REAL);
CREATE INDEX IF NOT EXISTS kv_grp ON kv (grp, updated);
CREATE TABLE IF NOT EXISTS counters (key TEXT PRIMARY KEY, count INTEGER, reset REAL);
"""


class SQLiteStore(Store):
    def __init__(self, url: str) -> None:
        self.url = url
        path = url.split("://", 1)[1]
        path = path[1:] if path.startswith("/") else path  # sqlite:///rel -> rel, sqlite:////abs -> /abs
        if not path:
            raise ValueError("sqlite:// needs a file path, e.g. sqlite:///state.db")
        Path(path).expanduser().parent.mkdir(parents=True, exist_ok=True)
        self.path = str(Path(path).expanduser())
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=30)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.executescript(_SCHEMA)

    def _run(self, fn: Any, *args: Any) -> Any:
        with self._lock:
            return fn(*args)

    async def _call(self, fn: Any, *args: Any) -> Any:
        return await asyncio.to_thread(self._run, fn, *args)

    def _get(self, key: str) -> bytes | None:
        row = self._conn.execute("SELECT value, expires FROM kv WHERE key = ?", (key,)).fetchone()
        if row is None:
            return None
        if row[1] is not None and row[1] <= time.time():
            self._conn.execute("DELETE FROM kv WHERE key = ?", (key,))
            return None
        return bytes(row[0])

    def _set(self, key: str, value: bytes, ttl: float | None, group: str | None = None, limit: int = 0) -> None:
        now = time.time()
        self._conn.execute("BEGIN IMMEDIATE")
        try:
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
            self._conn.execute("COMMIT")
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise

    def _incr(self, key: str, window: float, amount: int = 1) -> tuple[int, float]:
        now = time.time()
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            row = self._conn.execute("SELECT count, reset FROM counters WHERE key = ?", (key,)).fetchone()
            count, reset = (row[0], row[1]) if row and row[1] > now else (0, now + window)
            count += amount
            self._conn.execute(
                "INSERT OR REPLACE INTO counters (key, count, reset) VALUES (?, ?, ?)", (key, count, reset)
            )
            self._conn.execute("COMMIT")
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        return count, reset - now

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

    async def ping(self) -> bool:
        return bool(await self._call(lambda: self._conn.execute("SELECT 1").fetchone()))

    async def close(self) -> None:
        await self._call(self._conn.close)


__all__ = ["SQLiteStore"]
