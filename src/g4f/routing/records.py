"""The one health record of every provider (and provider + key), fed by every attempt.

The router reads and writes a local view, never waiting on the store: an outcome is a few field
updates. When the API app hands over its ``Store`` (memory, SQLite or Redis), the view is shared:
at most once a second, in one background task, the new counts are added to the store, changed
breaker states written, and the states other instances wrote read back (the newest change wins).
Library use keeps the view in process.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from typing import Any

import orjson

from .. import debug
from .breaker import HALF_OPEN, BreakerPolicy, Record

#: Counts shown are those of the store's current window of this many seconds.
COUNT_WINDOW = 3600.0
MAX_RECORDS = 10_000


def health_key(name: str, api_key: str | None = None) -> str:
    """The record of ``name``, or of ``name`` used with one key (a bad key breaks only itself)."""
    if not api_key:
        return name
    return f"{name}#{hashlib.sha256(api_key.encode()).hexdigest()[:12]}"


class Health:
    """Records by key, breaker policy, and the optional store they are shared through."""

    def __init__(self, policy: BreakerPolicy | None = None, sync_every: float = 1.0) -> None:
        self.policy = policy or BreakerPolicy()
        self.sync_every = sync_every
        self.records: dict[str, Record] = {}
        self.store: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task | None = None
        self._last_sync = 0.0
        self._generation = 0
        self.prefix = "health:"  # the store's keys

    # --- configuration -------------------------------------------------------------------------

    def configure(self, **settings: Any) -> None:
        """Change the breaker thresholds (``BreakerPolicy`` fields) and ``sync_every``."""
        if "sync_every" in settings:
            self.sync_every = float(settings.pop("sync_every"))
        self.policy.update(**settings)

    def use_store(self, store: Any) -> None:
        """Share the records through ``store`` (None: in process only), synced on the running loop."""
        self.store = store
        self._task = None
        try:
            self._loop = asyncio.get_running_loop() if store is not None else None
        except RuntimeError:
            self._loop = None  # bound on the first sync instead

    def reset(self) -> None:
        """Forget every record, and what the store holds of them (tests)."""
        self.records.clear()
        self._generation += 1
        self.prefix = f"health:{self._generation}:"

    # --- the hot path ----------------------------------------------------------------------------

    def _record(self, key: str) -> Record:
        record = self.records.get(key)
        if record is None:
            if len(self.records) >= MAX_RECORDS:
                self._prune()
            record = self.records[key] = Record()
        return record

    def _prune(self) -> None:
        """Forget the quiet healthy records (one per key a client sent: there may be many)."""
        for key, record in list(self.records.items()):
            if record.state == "closed" and not (
                record.consecutive or record.dirty or record.pending_ok or record.pending_failed
            ):
                del self.records[key]

    def rank(self, key: str, now: float) -> tuple[int, int]:
        """The order key of a candidate: healthy first, an open breaker last."""
        record = self.records.get(key)
        if self.store is not None:
            if record is None:  # watched from now on: other instances may know it
                record = self._record(key)
            self._maybe_sync(now)
        return (0, 0) if record is None else record.rank(now, self.policy)

    def allow(self, key: str) -> bool:
        """Whether an attempt may go now; claims the one probe of a half-open breaker."""
        record = self.records.get(key)
        if record is None:
            return True
        if record.phase(time.time()) == HALF_OPEN:
            if record.probing:
                return False
            record.probing = True
        return True

    def success(self, key: str, latency: float) -> None:
        now = time.time()
        self._record(key).success(now, latency, self.policy)
        if self.store is not None:
            self._maybe_sync(now)

    def failure(self, key: str, error: BaseException | None = None) -> None:
        now = time.time()
        retry_after = getattr(error, "retry_after", None)
        self._record(key).failure(now, self.policy, float(retry_after) if retry_after else None)
        if self.store is not None:
            self._maybe_sync(now)

    def release(self, key: str) -> None:
        """An attempt ended with no outcome (the caller left): its probe may go again."""
        record = self.records.get(key)
        if record is not None:
            record.probing = False

    def state(self, key: str) -> str:
        record = self.records.get(key)
        return "closed" if record is None else record.phase(time.time())

    # --- display ---------------------------------------------------------------------------------

    def snapshot(self) -> dict[str, dict[str, Any]]:
        """Every record: state, successes, failures, consecutive_failures, cooldown, retry_at, latency."""
        now = time.time()
        return {key: record.describe(now) for key, record in list(self.records.items())}

    @staticmethod
    def empty() -> dict[str, Any]:
        """The record of a provider nothing is known of yet."""
        return Record().describe(0.0)

    async def describe(self, name: str) -> dict[str, Any]:
        """The record of provider ``name`` as ``/v1/providers/{name}`` shows it, fresh from the store."""
        record = self._record(name)
        await self.sync()
        info = record.describe(time.time())
        keys = {k: r.describe(time.time()) for k, r in list(self.records.items()) if k.startswith(name + "#")}
        if keys:
            info["keys"] = keys
        return info

    # --- sharing through the store ---------------------------------------------------------------

    def _maybe_sync(self, now: float) -> None:
        if self._task is not None or now - self._last_sync < self.sync_every:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        if self._loop is None:
            self._loop = loop
        elif loop is not self._loop:  # a store's connections belong to the loop that handed it over
            return
        self._last_sync = now
        self._task = loop.create_task(self._sync_soon())

    async def _sync_soon(self) -> None:
        try:
            await asyncio.sleep(0)  # let the request that noted it go on first
            await self.sync()
        finally:
            self._task = None

    async def sync(self) -> None:
        """Write this instance's news to the store and read the others'; a failing store only logs."""
        store = self.store
        if store is None:
            return
        if self._loop is not None and asyncio.get_running_loop() is not self._loop:
            return  # another loop (a second app in the process): the local view is this process's anyway
        self._last_sync = time.time()
        try:
            for key, record in list(self.records.items()):
                await self._push(store, key, record)
            for key, record in list(self.records.items()):
                await self._pull(store, key, record)
        except Exception as error:  # the store may fail: routing goes on with the local view
            debug.log(f"health: state store failed: {type(error).__name__}: {error}")

    async def _push(self, store: Any, key: str, record: Record) -> None:
        ok, failed = record.pending_ok, record.pending_failed
        record.pending_ok = record.pending_failed = 0
        if ok:
            await store.incr(f"{self.prefix}{key}:ok", COUNT_WINDOW, ok)
        if failed:
            await store.incr(f"{self.prefix}{key}:fail", COUNT_WINDOW, failed)
        if record.dirty:
            record.dirty = False
            await store.set(f"{self.prefix}{key}", orjson.dumps(record.shared()), COUNT_WINDOW * 24)

    async def _pull(self, store: Any, key: str, record: Record) -> None:
        raw = await store.get(f"{self.prefix}{key}")
        if raw:
            data = orjson.loads(raw)
            if data.get("updated", 0) > record.updated and not record.dirty:
                record.adopt(data)
        # Counts: the store's (every instance's) plus what happened here since the push.
        record.successes = await store.count(f"{self.prefix}{key}:ok") + record.pending_ok
        record.failures = await store.count(f"{self.prefix}{key}:fail") + record.pending_failed


health = Health()

__all__ = ["Health", "health", "health_key", "COUNT_WINDOW"]
