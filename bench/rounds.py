"""Rounds: the targets of a comparison measured in short slices taking turns, round after round, and
figures paired within a round (a ratio or a difference of two targets' slices), whose median over the
rounds cancels the machine's drift between rounds. On this shared VM the host's speed drifts over
seconds, so one long run per target would let that drift, not the targets, decide a comparison."""

from __future__ import annotations

import statistics
from collections.abc import Callable, Mapping, Sequence
from typing import TypeVar

from wrk import WrkResult

T = TypeVar("T")
Slices = list[WrkResult] | str  # a target's wrk slices in round order, or why it could not run

ROUNDS = 5
MIN_ROUNDS = 2  # even --quick's 1 s cells pair two rounds, so that the pairing itself is exercised
MIN_SLICE_S = 1  # wrk counts whole seconds


def plan(seconds: float) -> tuple[int, int]:
    """(rounds, seconds per slice): ``seconds`` per target split in up to ``ROUNDS`` slices of whole
    seconds, none under ``MIN_SLICE_S``."""
    count = max(MIN_ROUNDS, min(ROUNDS, int(seconds // MIN_SLICE_S)))
    return count, max(MIN_SLICE_S, round(seconds / count))


def rotated(items: Sequence[T], turn: int) -> list[T]:
    """``items`` starting at ``turn`` (modulo their number), wrapping round."""
    if not items:
        return []
    k = turn % len(items)
    return [*items[k:], *items[:k]]


def run(jobs: Mapping[str, Callable[[], T]], count: int, groups: Sequence[Sequence[str]] = ()) -> dict[str, list[T]]:
    """Every job once per round, ``count`` rounds; each job's results in round order.

    ``groups`` keeps jobs back to back (e.g. a server's chat slice and its other APIs' slices, compared
    with each other); names without a job are skipped, and a job in no group is a group of its own. The groups' order, and the order within
    each group, turn by one each round, so that no job is always first after a pause."""
    grouped = {name for group in groups for name in group}
    units = [[name for name in group if name in jobs] for group in groups]
    units = [unit for unit in units if unit] + [[name] for name in jobs if name not in grouped]
    out: dict[str, list[T]] = {name: [] for unit in units for name in unit}
    for turn in range(count):
        for unit in rotated(units, turn):
            for name in rotated(unit, turn):
                out[name].append(jobs[name]())
    return out


def median_ratio(num: Sequence[float], den: Sequence[float]) -> float | None:
    """The median over rounds of ``num[i] / den[i]`` (rounds with a zero denominator left out); None
    when no round has a denominator."""
    ratios = [n / d for n, d in zip(num, den, strict=True) if d]
    return statistics.median(ratios) if ratios else None


def median_difference(a: Sequence[float], b: Sequence[float]) -> float:
    """The median over rounds of ``a[i] - b[i]``."""
    return statistics.median(x - y for x, y in zip(a, b, strict=True))


def rps_share(slices: Slices, base: Slices) -> float | None:
    """The median over rounds of a target's slice req/s divided by ``base``'s of the same round; None
    when either could not run."""
    if isinstance(slices, str) or isinstance(base, str):
        return None
    return median_ratio([s.rps for s in slices], [s.rps for s in base])
