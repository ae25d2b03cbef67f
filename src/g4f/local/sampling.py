"""Per-sequence choices of the next token and when to stop: llama.cpp's sampler chain (penalties,
grammar, temperature/top-p or greedy), the runaway guard, and stop strings over the streamed text."""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from typing import Any

from ..errors import InvalidRequestError

#: llama.cpp's classic repeat penalty over the last 64 tokens: small models loop without it.
REPEAT_PENALTY = 1.1
PENALTY_WINDOW = 64


@dataclass(frozen=True)
class SamplingParams:
    temperature: float = 0.7
    top_p: float = 0.95
    top_k: int = 40
    min_p: float = 0.05
    seed: int | None = None
    repeat_penalty: float = REPEAT_PENALTY
    frequency_penalty: float = 0.0
    presence_penalty: float = 0.0
    #: GBNF that the output must match (tools and JSON mode), or None.
    grammar: str | None = None


def sampler_chain(vocab: Any, params: SamplingParams) -> Any:
    """A llama.cpp sampler chain for one sequence (engine thread); free it with ``llama_sampler_free``.

    The order is llama-cpp-python's: penalties, grammar, then greedy at temperature 0 or
    top-k, top-p, min-p, temperature and a seeded draw; without a grammar, a wider top-k cut before
    the penalties makes them cheap and changes no choice.
    """
    import llama_cpp as lib

    chain = lib.llama_sampler_chain_init(lib.llama_sampler_chain_default_params())
    add = lambda sampler: lib.llama_sampler_chain_add(chain, sampler)  # noqa: E731
    greedy = params.temperature <= 0
    if params.repeat_penalty != 1.0 or params.frequency_penalty or params.presence_penalty:
        lowering = params.repeat_penalty >= 1.0 and params.frequency_penalty >= 0 and params.presence_penalty >= 0
        if lowering and not params.grammar:
            # Penalties only lower the logits of at most PENALTY_WINDOW tokens, so the top k after them are
            # among the top k + PENALTY_WINDOW before: cutting there first gives the same choice without
            # the penalty sampler's pass over the whole vocabulary (most of the per-token sampling time).
            add(lib.llama_sampler_init_top_k(PENALTY_WINDOW + (1 if greedy else params.top_k)))
        add(
            lib.llama_sampler_init_penalties(
                lib.llama_vocab_n_tokens(vocab),
                PENALTY_WINDOW,
                params.repeat_penalty,
                params.frequency_penalty,
                params.presence_penalty,
            )
        )
    if params.grammar:
        grammar = lib.llama_sampler_init_grammar(vocab, params.grammar.encode("utf-8"), b"root")
        if not grammar:
            lib.llama_sampler_free(chain)
            raise InvalidRequestError("The grammar for this request could not be built.", param="response_format")
        add(grammar)
    if greedy:
        add(lib.llama_sampler_init_greedy())
    else:
        add(lib.llama_sampler_init_top_k(params.top_k))
        add(lib.llama_sampler_init_top_p(params.top_p, 1))
        add(lib.llama_sampler_init_min_p(params.min_p, 1))
        add(lib.llama_sampler_init_temp(params.temperature))
        add(lib.llama_sampler_init_dist(lib.LLAMA_DEFAULT_SEED if params.seed is None else params.seed & 0xFFFFFFFF))
    return chain


class RepetitionGuard:
    """Stops a sequence whose output has become one span repeated over and over.

    For every period ``p`` up to ``max_period`` it counts how many tokens in a row equal the token
    ``p`` before them; the tail is a loop once that run covers ``times - 1`` more copies of the span
    and at least ``min_tokens`` tokens (so "ha ha ha" or a short list is left alone).
    """

    def __init__(self, max_period: int = 64, times: int = 3, min_tokens: int = 48) -> None:
        self.max_period, self.times, self.min_tokens = max_period, times, min_tokens
        self.tokens: list[int] = []
        self.runs = [0] * (max_period + 1)

    def looping(self, token: int) -> bool:
        tokens, runs = self.tokens, self.runs
        tokens.append(token)
        n = len(tokens)
        for p in range(1, min(self.max_period, n - 1) + 1):
            if tokens[-1 - p] == token:
                runs[p] += 1
                if runs[p] >= max((self.times - 1) * p, self.min_tokens - p):
                    return True
            else:
                runs[p] = 0
        return False


class TextStream:
    """Token bytes to text: UTF-8 split across tokens is joined, and text that may begin a stop string
    is held back until it is known not to."""

    def __init__(self, stops: list[str]) -> None:
        self.stops = [s for s in stops if s]
        self.decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self.pending = ""
        self.stopped = False

    def feed(self, data: bytes) -> tuple[str, bool]:
        """The text that can be sent now, and whether a stop string was reached (the text ends before it)."""
        text = self.pending + self.decoder.decode(data)
        if not self.stops:
            self.pending = ""
            return text, False
        cut = min((i for i in (text.find(s) for s in self.stops) if i >= 0), default=-1)
        if cut >= 0:
            self.pending, self.stopped = "", True
            return text[:cut], True
        keep = max((_overlap(text, s) for s in self.stops), default=0)
        self.pending = text[len(text) - keep :] if keep else ""
        return text[: len(text) - keep], False

    def flush(self) -> str:
        """What was held back, at the end of the sequence (nothing after a stop string)."""
        text, self.pending = self.pending + self.decoder.decode(b"", final=True), ""
        return "" if self.stopped else text


def _overlap(text: str, stop: str) -> int:
    """The length of the longest end of ``text`` that is a beginning of ``stop``."""
    for n in range(min(len(text), len(stop) - 1), 0, -1):
        if stop.startswith(text[-n:]):
            return n
    return 0
