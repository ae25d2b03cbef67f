"""One provider's health record and its circuit breaker: pure state, no I/O.

States: ``closed`` (traffic flows), ``open`` (no traffic until ``retry_at``), ``half_open`` (the
cooldown is over: one probe may go through). A closed breaker opens after ``failures`` consecutive
failures, or when at least ``min_attempts`` attempts within ``window`` seconds failed at a share of
``failure_rate`` or more. The first cooldown is ``cooldown`` seconds; a failed probe re-opens it for
``backoff`` times longer, up to ``max_cooldown``; a success anywhere closes it. A 429 with
Retry-After opens it for that long. Times are epoch seconds, so instances sharing a store agree.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

CLOSED, OPEN, HALF_OPEN = "closed", "open", "half_open"


@dataclass
class BreakerPolicy:
    """Thresholds of every breaker (``g4f.routing.health.configure(...)`` changes them)."""

    failures: int = 3
    failure_rate: float = 0.5
    min_attempts: int = 10
    window: float = 60.0
    cooldown: float = 10.0
    max_cooldown: float = 300.0
    backoff: float = 2.0

    def update(self, **settings: Any) -> None:
        known = {f.name for f in fields(self)}
        for name, value in settings.items():
            if name not in known:
                raise TypeError(f"Unknown breaker setting {name!r}; known: {', '.join(sorted(known))}")
            if value is not None:
                setattr(self, name, type(getattr(self, name))(value))


class Record:
    """Counts, latency and breaker state of one provider (or provider and key)."""

    __slots__ = (
        "state",
        "successes",
        "failures",
        "consecutive",
        "cooldown",
        "retry_at",
        "latency",
        "last_failure",
        "updated",
        "window_start",
        "window_ok",
        "window_failed",
        "probing",
        "dirty",
        "pending_ok",
        "pending_failed",
    )

    def __init__(self) -> None:
        self.state = CLOSED
        self.successes = self.failures = self.consecutive = 0
        self.cooldown = 0.0
        self.retry_at: float | None = None
        self.latency: float | None = None
        self.last_failure = 0.0
        self.updated = 0.0  # when the breaker fields last changed (newest wins between instances)
        self.window_start = 0.0
        self.window_ok = self.window_failed = 0
        self.probing = False  # this instance let the half-open probe through and awaits its outcome
        self.dirty = False  # breaker fields changed since the last write to the store
        self.pending_ok = self.pending_failed = 0  # counts not yet added in the store

    def phase(self, now: float) -> str:
        if self.state == OPEN and self.retry_at is not None and now >= self.retry_at:
            return HALF_OPEN
        return self.state

    def rank(self, now: float, policy: BreakerPolicy) -> tuple[int, int]:
        """(1 when no traffic should go here now, recent consecutive failures): lower goes first."""
        phase = self.phase(now)
        if phase == OPEN or (phase == HALF_OPEN and self.probing):
            return 1, self.consecutive
        recent = now - self.last_failure < policy.cooldown
        return 0, self.consecutive if recent else 0

    def _tally(self, now: float, ok: bool, policy: BreakerPolicy) -> None:
        if now - self.window_start >= policy.window:
            self.window_start, self.window_ok, self.window_failed = now, 0, 0
        if ok:
            self.successes += 1
            self.pending_ok += 1
            self.window_ok += 1
        else:
            self.failures += 1
            self.pending_failed += 1
            self.window_failed += 1

    def _changed(self, now: float) -> None:
        self.updated, self.dirty = now, True

    def success(self, now: float, latency: float, policy: BreakerPolicy) -> None:
        self._tally(now, True, policy)
        self.probing = False
        self.latency = latency if self.latency is None else 0.8 * self.latency + 0.2 * latency
        if self.state != CLOSED or self.consecutive:
            self.state, self.consecutive, self.cooldown, self.retry_at = CLOSED, 0, 0.0, None
            self._changed(now)

    def failure(self, now: float, policy: BreakerPolicy, retry_after: float | None = None) -> None:
        self._tally(now, False, policy)
        phase = self.phase(now)
        self.probing = False
        self.consecutive += 1
        self.last_failure = now
        if retry_after:  # the provider said when to come back
            self._open(now, retry_after, keep_level=True)
        elif phase == HALF_OPEN:  # the probe failed: wait longer
            self._open(now, min(max(self.cooldown, policy.cooldown) * policy.backoff, policy.max_cooldown))
        elif phase == CLOSED and (self.consecutive >= policy.failures or self._rate_exceeded(policy)):
            self._open(now, policy.cooldown)
        self._changed(now)  # an open breaker tried as the last resort stays as it is

    def _rate_exceeded(self, policy: BreakerPolicy) -> bool:
        total = self.window_ok + self.window_failed
        return total >= policy.min_attempts and self.window_failed >= policy.failure_rate * total

    def _open(self, now: float, seconds: float, keep_level: bool = False) -> None:
        self.state = OPEN
        self.retry_at = max(self.retry_at or 0.0, now + seconds) if keep_level else now + seconds
        if not keep_level or not self.cooldown:
            self.cooldown = seconds

    # --- sharing through the store ---------------------------------------------------------------

    SHARED = ("state", "consecutive", "cooldown", "retry_at", "latency", "last_failure", "updated")

    def shared(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.SHARED}

    def adopt(self, data: dict[str, Any]) -> None:
        """Take another instance's newer breaker fields."""
        for name in self.SHARED:
            if name in data:
                setattr(self, name, data[name])
        self.dirty = False

    def describe(self, now: float) -> dict[str, Any]:
        return {
            "state": self.phase(now),
            "successes": self.successes,
            "failures": self.failures,
            "consecutive_failures": self.consecutive,
            "cooldown": self.cooldown,
            "retry_at": self.retry_at if self.state == OPEN else None,
            "latency": self.latency,
        }


__all__ = ["BreakerPolicy", "Record", "CLOSED", "OPEN", "HALF_OPEN"]
