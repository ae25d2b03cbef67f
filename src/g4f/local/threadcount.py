"""How many CPU threads a decode uses: every core while the cores are free, fewer while other work holds them.

ggml runs a decode on an OpenMP team whose members meet at a barrier after every operation of the
graph (hundreds per step). When other processes, or this process's own HTTP server, hold a core,
one member is descheduled and the others spin at the next barrier until it runs again. Measured on
2 cores at load average 7 (SmolLM2-135M, one stream): 1.0 tokens/s and 458 ms of CPU per token with
2 threads, 14.4 tokens/s and 32 ms of CPU per token with 1. On free cores the full team is the
faster one. The load changes by the second, so no fixed setting suits both: the engine measures
instead. It decodes with the choice that has been faster per token lately and now and then tries the
other one for a couple of steps, less often the worse it was. The thread count changes no result
(each output is summed by one thread: tested), only the time it takes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

#: Steps with more tokens than this (prompts being read) are decoded with the current choice but not
#: measured: generation steps, whose size stays the same for many steps, are compared like with like.
MEASURED = 8
#: Steps between two tries of the other choice when both are as fast; the worse the other choice was,
#: the longer until it is tried again (a try then costs about 2/EXPLORE of the time), but at most
#: MOST steps: the load may have gone.
EXPLORE, MOST = 64, 256
#: Steps before the other choice is first tried: a bad first choice must not last long.
FIRST_TRY = 4
#: Consecutive steps of one try (the first may be slow while the other threads wake up).
TRY = 2
#: Weight of the newest measurement in the running estimate of the choice in use (a try's best step
#: replaces the estimate of the choice tried: it is news, the old one is stale).
ALPHA = 0.3


class ThreadCount:
    """Chooses llama.cpp's thread count (``n_threads`` and ``n_threads_batch``) before each decode of ``ctx``."""

    def __init__(self, ctx: Any, choices: tuple[int, ...]) -> None:
        self.ctx = ctx
        self.choices = tuple(dict.fromkeys(choices))  # the first is used until measured otherwise
        self.cost: dict[int, float] = {}  # seconds per token of measured steps, running estimate
        self.current = self.active = self.choices[0]
        self.since_try = 0
        self.trying = 0  # steps left in the try of the other choice
        self.trial_step = 0  # steps of the current try measured so far
        self.measuring = False
        self.set(self.active)

    def calibrate(self, decode: Callable[[], float]) -> None:
        """A first estimate of each choice before any request, so that the first prompt is not read with
        the worse one: ``decode()`` decodes one token and returns the seconds it took (one warm-up,
        then each choice twice, alternating)."""
        if len(self.choices) < 2:
            return
        decode()  # the first decode pays for allocations and page faults: not a measure of threads
        for threads in self.choices * 2:
            self.set(threads)
            seconds = decode()
            self.cost[threads] = min(self.cost.get(threads, seconds), seconds)
        self.current = min(self.choices, key=lambda c: self.cost[c])
        self.set(self.current)

    def set(self, threads: int) -> None:
        import llama_cpp as lib

        lib.llama_set_n_threads(self.ctx, threads, threads)
        self.active = threads

    def before(self, n_tokens: int) -> None:
        """Pick the thread count for a decode of ``n_tokens`` tokens."""
        self.measuring = len(self.choices) > 1 and n_tokens <= MEASURED
        want = self.current
        if self.measuring:
            if not self.trying and self.since_try >= self._interval():
                self.trying, self.since_try = TRY, 0
            if self.trying:
                want = self._other()
                self.trying -= 1
            else:
                self.since_try += 1
        if want != self.active:
            self.set(want)

    def after(self, seconds: float, n_tokens: int) -> None:
        """Record how long the decode took; the faster choice becomes the current one."""
        if not self.measuring or n_tokens <= 0:
            return
        per_token = seconds / n_tokens
        old = self.cost.get(self.active)
        if self.active != self.current:  # a try: what was known of this choice is stale, start afresh
            self.cost[self.active] = per_token if self.trial_step == 0 else min(old or per_token, per_token)
            self.trial_step += 1
        else:
            self.cost[self.active] = per_token if old is None else old + ALPHA * (per_token - old)
        if not self.trying:
            self.trial_step = 0
            self.current = min(self.choices, key=lambda c: self.cost.get(c, float("inf")))

    def _other(self) -> int:
        """The choice to try: the one measured least recently is simply the one not in use (two choices)."""
        return next(c for c in self.choices if c != self.current)

    def _interval(self) -> float:
        mine, other = self.cost.get(self.current), self.cost.get(self._other())
        if other is None:
            return FIRST_TRY
        if mine is None:
            return EXPLORE
        return min(MOST, EXPLORE * max(1.0, other / mine))


def choices(cores: int, fixed: int) -> tuple[int, ...]:
    """The thread counts to choose from: ``fixed`` when set, else every core and half of them."""
    if fixed > 0:
        return (fixed,)
    return (cores, max(1, cores // 2))
