"""The engine's thread count: chosen step by step from measured decode times, and never changing a result."""

from __future__ import annotations

import asyncio

import pytest

from g4f.local import threadcount
from g4f.local.thread import engine
from g4f.local.threadcount import ThreadCount, choices
from g4f.Provider.Local import Local

from .test_local_engine import QUESTIONS, ask, collect


class Recorded(ThreadCount):
    """A ThreadCount that records the thread count it would give llama.cpp instead of setting it."""

    def set(self, threads: int) -> None:
        self.active = threads


def run(counter: ThreadCount, steps: int, seconds: dict[int, float], tokens: int = 1) -> list[int]:
    """``steps`` decodes of ``tokens`` tokens taking ``seconds[threads]`` per token; the thread count of each."""
    used = []
    for _ in range(steps):
        counter.before(tokens)
        used.append(counter.active)
        counter.after(seconds[counter.active] * tokens, tokens)
    return used


def test_moves_to_the_faster_choice_and_back_when_the_load_changes():
    counter = Recorded(None, (2, 1))
    loaded = {2: 0.300, 1: 0.060}  # other processes hold a core: the team of 2 waits at its barriers
    used = run(counter, 300, loaded)
    assert used[: threadcount.FIRST_TRY] == [2] * threadcount.FIRST_TRY
    assert counter.current == 1 and used[-1] == 1
    tries = used[threadcount.FIRST_TRY + threadcount.TRY :].count(2)
    assert 0 < tries <= 2 * threadcount.TRY  # the slow choice is retried, but rarely (every 256 steps)
    quiet = {2: 0.010, 1: 0.018}  # the cores are free again: the full team is faster
    used = run(counter, 400, quiet)
    assert counter.current == 2 and used[-50:].count(2) >= 50 - threadcount.TRY


def test_prompt_steps_are_decoded_with_the_current_choice_and_not_measured():
    counter = Recorded(None, (2, 1))
    used = run(counter, 50, {2: 0.001, 1: 0.5}, tokens=threadcount.MEASURED + 1)
    assert used == [2] * 50 and counter.cost == {}


def test_calibration_starts_with_the_faster_choice():
    counter = Recorded(None, (2, 1))
    times = {2: 0.5, 1: 0.05}
    counter.calibrate(lambda: times[counter.active])
    assert counter.current == counter.active == 1 and counter.cost == times
    assert run(counter, threadcount.FIRST_TRY, {2: 0.5, 1: 0.05}) == [1] * threadcount.FIRST_TRY


def test_a_loaded_model_starts_calibrated(batcher):
    counter = batcher.threads
    assert set(counter.cost) == set(counter.choices) or len(counter.choices) == 1  # measured before any request


def test_a_fixed_thread_count_is_kept():
    assert choices(2, 0) == (2, 1)
    assert choices(8, 3) == (3,)
    counter = Recorded(None, choices(1, 0))
    assert run(counter, 20, {1: 0.01}) == [1] * 20


@pytest.fixture()
def batcher():
    model = Local.load()
    original = model.batcher.threads
    yield model.batcher
    model.batcher.threads = original


class Alternating(ThreadCount):
    """Every decode with the other thread count: the worst case for a result that depended on it."""

    def before(self, n_tokens: int) -> None:
        self.set(self.choices[(self.choices.index(self.active) + 1) % len(self.choices)])


async def test_the_thread_count_changes_no_output(batcher):
    async def answers() -> list[str]:
        together = await asyncio.gather(*(collect(ask(q), max_tokens=12, temperature=0) for q in QUESTIONS))
        return ["".join(chunks) for chunks, _, _ in together]

    results = []
    for make in (lambda: ThreadCount(batcher.ctx, (1,)), lambda: Alternating(batcher.ctx, (2, 1))):
        batcher.threads = engine.run(make)
        results.append(await answers())
    assert results[0] == results[1] and all(results[0])
