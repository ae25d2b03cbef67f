"""The health record and its circuit breaker: states, thresholds, and sharing through the state store."""

from __future__ import annotations

import pytest

from g4f.errors import ProviderError, RateLimitError
from g4f.routing import BreakerPolicy, Health, health_key
from g4f.routing import records as records_module
from g4f.state import open_store


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def time(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(records_module, "time", clock)
    return clock


def book(**policy) -> Health:
    return Health(BreakerPolicy(**{"failures": 3, "cooldown": 10.0, "max_cooldown": 35.0, **policy}))


def test_opens_after_consecutive_failures_and_goes_last(clock):
    health = book()
    health.failure("P", ProviderError("boom"))
    health.failure("P")
    assert health.state("P") == "closed"
    assert health.rank("P", clock.now) == (0, 2)  # closed, but behind the healthy
    health.success("P", 0.1)
    assert health.rank("P", clock.now) == (0, 0)  # a success forgives
    for _ in range(3):
        health.failure("P")
    record = health.snapshot()["P"]
    assert record["state"] == "open" and record["consecutive_failures"] == 3
    assert record["cooldown"] == 10.0 and record["retry_at"] == clock.now + 10.0
    assert record["successes"] == 1 and record["failures"] == 5
    assert health.rank("P", clock.now)[0] == 1  # no traffic while others remain


def test_recent_failures_push_back_only_for_a_while(clock):
    health = book()
    health.failure("P")
    assert health.rank("P", clock.now) == (0, 1)
    clock.now += 11  # longer than the cooldown: back in its own place
    assert health.rank("P", clock.now) == (0, 0)


def test_half_open_lets_one_probe_and_a_success_closes(clock):
    health = book()
    for _ in range(3):
        health.failure("P")
    clock.now += 10
    assert health.state("P") == "half_open"
    assert health.rank("P", clock.now)[0] == 0  # the probe goes in its usual place
    assert health.allow("P") is True
    assert health.allow("P") is False  # one probe at a time
    assert health.rank("P", clock.now)[0] == 1
    health.success("P", 0.2)
    assert health.state("P") == "closed"
    assert health.snapshot()["P"]["retry_at"] is None and health.allow("P")


def test_failed_probe_backs_off_up_to_the_maximum(clock):
    health = book()
    for _ in range(3):
        health.failure("P")
    cooldowns = []
    for _ in range(4):
        clock.now = health.snapshot()["P"]["retry_at"]
        assert health.allow("P")
        health.failure("P")
        cooldowns.append(health.snapshot()["P"]["cooldown"])
    assert cooldowns == [20.0, 35.0, 35.0, 35.0]
    assert health.state("P") == "open"


def test_an_abandoned_probe_frees_the_slot(clock):
    health = book()
    for _ in range(3):
        health.failure("P")
    clock.now += 10
    assert health.allow("P")
    health.release("P")
    assert health.state("P") == "half_open" and health.allow("P")


def test_failure_rate_opens(clock):
    health = book(failures=100, min_attempts=4, failure_rate=0.5, window=60)
    for ok in (True, False, True):
        health.success("P", 0.1) if ok else health.failure("P")
    assert health.state("P") == "closed"
    health.failure("P")  # 2 of 4 failed
    assert health.state("P") == "open"


def test_rate_window_forgets_old_attempts(clock):
    health = book(failures=100, min_attempts=4, failure_rate=0.5, window=60)
    health.failure("P")
    health.failure("P")
    clock.now += 61
    health.success("P", 0.1)
    health.success("P", 0.1)
    health.failure("P")
    assert health.state("P") == "closed"  # 1 of 3 in this window


def test_retry_after_is_the_cooldown(clock):
    health = book()
    health.failure("P", RateLimitError("slow down", retry_after=7))
    assert health.state("P") == "open"
    assert health.snapshot()["P"]["retry_at"] == clock.now + 7
    clock.now += 7
    assert health.state("P") == "half_open"


def test_a_key_has_its_own_record(clock):
    health = book()
    bad = health_key("P", "bad-key")
    assert bad.startswith("P#") and "bad-key" not in bad and bad != health_key("P", "other")
    for _ in range(3):
        health.failure(bad)
    assert health.state(bad) == "open" and health.state("P") == "closed"


def test_configure_checks_names():
    health = book()
    health.configure(cooldown=0.5, failures=2)
    assert health.policy.cooldown == 0.5 and health.policy.failures == 2
    with pytest.raises(TypeError, match="cooldwn"):
        health.configure(cooldwn=1)


@pytest.mark.parametrize("url", ["memory://", "sqlite"])
async def test_instances_share_through_the_store(url, tmp_path):
    store = open_store(f"sqlite:///{tmp_path / 'state.db'}" if url == "sqlite" else url)
    try:
        one, two = book(), book()
        one.use_store(store)
        two.use_store(store)
        two.rank("P", 0)  # two routes to P: it watches its record from now on
        for _ in range(3):
            one.failure("P")
        one.success("Q", 0.5)
        await one.sync()
        await two.sync()
        assert two.state("P") == "open"
        assert two.snapshot()["P"]["failures"] == 3
        two.success("P", 0.1)  # two sees P recover: the newer state wins everywhere
        await two.sync()
        await one.sync()
        assert one.state("P") == "closed"
        assert one.snapshot()["P"]["successes"] == 1 and one.snapshot()["P"]["failures"] == 3
        assert (await two.describe("Q"))["successes"] == 1  # asked for by name: read from the store
    finally:
        await store.close()


async def test_a_failing_store_leaves_routing_alone():
    class DownStore:
        async def incr(self, *args):
            raise OSError("store down")

        async def get(self, *args):
            raise OSError("store down")

    health = book()
    health.use_store(DownStore())
    for _ in range(3):
        health.failure("P")
    await health.sync()  # logs, does not raise
    assert health.state("P") == "open"
    assert (await health.describe("P"))["failures"] == 3
