"""Continuous batching: one llama.cpp context decodes every running request of a model together.

Each request is a ``Sequence`` with its own KV-cache sequence id (its slot), sampler chain, limits
and stop strings. Every step of the engine thread puts into one ``llama_batch`` the next token of
each generating sequence and, with what room is left, a chunk of the prompts still being read, so a
new request joins at the next step without stalling the streams already running. A sequence that
finishes, or whose caller went away, leaves at the next step and frees its slot and cache cells.
Requests that find every slot taken wait in arrival order. A slot keeps its cache after its
sequence leaves: the next request takes the free slot whose cached tokens share the longest
beginning with its prompt (a conversation's next turn, or the same system prompt) and reads only
the rest.

Each slot has a cache of its own (``kv_unified`` off: ``n_ctx`` tokens per slot). Besides keeping
one long conversation from starving the others, this makes a sequence's arithmetic independent of
its neighbours: in a shared cache its attention sums run over cells laid out by whoever else is
running, and the last bits of the logits, so sometimes a greedy token, change with them. Rows are
put in the batch in slot order, as llama.cpp splits a multi-cache batch by consecutive slots.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import InvalidRequestError, ProviderNotWorkingError
from .sampling import RepetitionGuard, SamplingParams, TextStream, sampler_chain
from .settings import EngineSettings
from .threadcount import ThreadCount, choices

if TYPE_CHECKING:
    from .model import LoadedModel

#: Most tokens in one decode call.
BATCH = 512
#: Most prompt tokens read in one step while other sequences are generating: a long prompt joins
#: over several steps instead of pausing every stream for its whole length.
CHUNK = 128
#: A prompt must leave at least this many tokens for the answer.
MIN_ROOM = 8


@dataclass(frozen=True)
class Finished:
    """The last event of a sequence."""

    reason: str  # "stop" or "length"
    prompt_tokens: int
    completion_tokens: int


class Sequence:
    """One request inside the engine, and the way back to its caller.

    ``emit`` hands an event (text, ``Finished`` or an exception) to the caller and returns False
    once nobody listens. ``cancel()`` may be called from any thread; the engine drops the sequence
    at its next step.
    """

    def __init__(
        self,
        prompt: str,
        params: SamplingParams,
        emit: Callable[[object], bool],
        max_tokens: int | None = None,
        stops: list[str] | None = None,
        prefix: str = "",
    ) -> None:
        self.prompt = prompt
        self.params = params
        self.emit = emit
        self.max_tokens = max_tokens
        self.stops = stops or []
        self.prefix = prefix  # assistant text at the end of the prompt that this sequence continues
        self.cancelled = False
        # Engine-side state (engine thread only).
        self.tokens: list[int] = []
        self.limit = 0
        self.slot = -1
        self.n_past = 0  # tokens of this sequence in the cache
        self.generated = 0
        self.output: list[int] = []  # sampled tokens; all but the last are in the cache
        self.next_token: int | None = None  # sampled, to be decoded at the next step
        self.out_index = -1  # this step's batch row whose logits are sampled
        self.sampler: Any = None
        self.text = TextStream(self.stops)
        self.guard = RepetitionGuard() if params.grammar is None else None

    def cancel(self) -> None:
        self.cancelled = True


class Batcher:
    """The sequences of one model and the context that decodes them (engine thread only)."""

    def __init__(self, model: LoadedModel, settings: EngineSettings) -> None:
        import llama_cpp as lib

        self.model = model
        self.settings = settings
        params = lib.llama_context_default_params()
        params.n_ctx = settings.n_ctx * settings.parallel
        params.n_batch = params.n_ubatch = BATCH
        params.n_seq_max = settings.parallel
        params.n_threads = params.n_threads_batch = settings.n_threads
        params.kv_unified = False  # a cache per slot (see above)
        params.no_perf = True
        self.ctx = lib.llama_init_from_model(model.model, params)
        if not self.ctx:
            raise ProviderNotWorkingError(f"llama.cpp could not make a context for {model.path.name}.")
        self.n_ctx = lib.llama_n_ctx_seq(self.ctx)  # per sequence
        self.n_batch = params.n_batch
        self.memory = lib.llama_get_memory(self.ctx)
        self.batch = lib.llama_batch_init(self.n_batch, 0, 1)
        self.threads = ThreadCount(self.ctx, choices(settings.n_threads, settings.threads))
        self.threads.calibrate(self._one_token)
        self.free_slots = list(range(settings.parallel))
        self.cached: dict[int, list[int]] = {}  # the tokens in each free slot's cache, from position 0
        self.waiting: deque[Sequence] = deque()
        self.running: list[Sequence] = []  # in slot order
        self.steps = 0  # decode calls
        self.prompt_read = 0  # prompt tokens decoded (those found in a slot's cache are not)

    # -- joining -----------------------------------------------------------------------------------

    def add(self, seq: Sequence) -> None:
        """Queue ``seq`` (a job on the engine thread): its prompt is tokenized and checked here."""
        try:
            seq.tokens = self.model.tokenize(seq.prompt)
            room = self.n_ctx - len(seq.tokens)
            if room < MIN_ROOM:
                raise InvalidRequestError(
                    f"The prompt has {len(seq.tokens)} tokens; the local model's context is {self.n_ctx}.",
                    param="messages",
                )
            seq.limit = min(seq.max_tokens or self.settings.max_tokens, room)
            seq.sampler = sampler_chain(self.model.vocab, seq.params)
            if seq.prefix:
                self._remember_prefix(seq)
        except BaseException as error:
            seq.emit(error)
            return
        self.waiting.append(seq)

    def _remember_prefix(self, seq: Sequence) -> None:
        """A continuation goes on from the prefix as if it had written it: the penalties and the
        runaway guard count the prefix's tokens as output already given."""
        import llama_cpp as lib

        head = self.model.tokenize(seq.prompt[: len(seq.prompt) - len(seq.prefix)])
        common = next(
            (i for i, (a, b) in enumerate(zip(head, seq.tokens, strict=False)) if a != b),
            min(len(head), len(seq.tokens)),
        )
        for token in seq.tokens[common:]:
            lib.llama_sampler_accept(seq.sampler, token)
            if seq.guard is not None:
                seq.guard.looping(token)

    def busy(self) -> bool:
        return bool(self.running or self.waiting)

    def _admit(self) -> None:
        """Give free slots to waiting requests, in arrival order."""
        import llama_cpp as lib

        while self.waiting and self.free_slots:
            seq = self.waiting.popleft()
            if seq.cancelled:
                self._release(seq)
                continue
            # the free slot whose cache begins like this prompt (the lowest slot when none does)
            shared = {slot: _common(self.cached.get(slot, []), seq.tokens) for slot in self.free_slots}
            seq.slot = max(self.free_slots, key=lambda slot: (shared[slot], -slot))
            self.free_slots.remove(seq.slot)
            keep = min(shared[seq.slot], len(seq.tokens) - 1)  # the last prompt token is read again for its logits
            lib.llama_memory_seq_rm(self.memory, seq.slot, keep, -1)
            self.cached.pop(seq.slot, None)
            seq.n_past = keep
            self.running.append(seq)
        self.running.sort(key=lambda s: s.slot)

    # -- one step ----------------------------------------------------------------------------------

    def step(self) -> None:
        """One decode of every running sequence; a failure ends them all with it, never the engine."""
        try:
            self._step()
        except BaseException as error:
            for seq in list(self.running):
                seq.emit(error)
                seq.n_past = 0  # what the cache holds is unknown: keep none of it
                self._leave(seq)
            raise

    def _step(self) -> None:
        import llama_cpp as lib

        for seq in [s for s in self.running if s.cancelled]:
            self._leave(seq)
        self._admit()
        if not self.running:
            return
        generating = sum(1 for s in self.running if s.next_token is not None)
        budget = min(self.n_batch - generating, CHUNK if generating else self.n_batch)
        n, reading = 0, []
        for seq in self.running:  # slot order
            if seq.next_token is not None:
                self._put(n, seq.next_token, seq.n_past, seq.slot, True)
                seq.out_index, n = n, n + 1
                reading.append((seq, 1))
            elif budget > 0:
                take = min(budget, len(seq.tokens) - seq.n_past)
                last = seq.n_past + take == len(seq.tokens)
                for i in range(take):
                    self._put(n + i, seq.tokens[seq.n_past + i], seq.n_past + i, seq.slot, last and i == take - 1)
                seq.out_index = n + take - 1 if last else -1
                reading.append((seq, take))
                n, budget = n + take, budget - take
                self.prompt_read += take
        self.batch.n_tokens = n
        self.threads.before(n)
        began = time.perf_counter()
        status = lib.llama_decode(self.ctx, self.batch)
        self.threads.after(time.perf_counter() - began, n)
        self.steps += 1
        if status != 0:  # not expected: each slot has its own cells
            raise ProviderNotWorkingError(f"llama.cpp could not decode (status {status}).")
        for seq, taken in reading:
            seq.n_past += taken
            if seq.out_index >= 0:
                token = lib.llama_sampler_sample(seq.sampler, self.ctx, seq.out_index)
                seq.out_index = -1
                self._advance(seq, token)

    def _one_token(self) -> float:
        """Seconds to decode one token in slot 0, which is left empty again (the threads' calibration)."""
        import llama_cpp as lib

        self._put(0, max(0, lib.llama_vocab_bos(self.model.vocab)), 0, 0, True)
        self.batch.n_tokens = 1
        began = time.perf_counter()
        status = lib.llama_decode(self.ctx, self.batch)
        seconds = time.perf_counter() - began
        lib.llama_memory_seq_rm(self.memory, 0, -1, -1)
        if status != 0:
            raise ProviderNotWorkingError(f"llama.cpp could not decode (status {status}).")
        return seconds

    def _put(self, i: int, token: int, pos: int, slot: int, logits: bool) -> None:
        batch = self.batch
        batch.token[i] = token
        batch.pos[i] = pos
        batch.n_seq_id[i] = 1
        batch.seq_id[i][0] = slot
        batch.logits[i] = logits

    def _advance(self, seq: Sequence, token: int) -> None:
        """Hand the sampled token's text to the caller and decide whether the sequence goes on."""
        if self.model.is_end(token):
            return self._finish(seq, "stop")
        seq.generated += 1
        seq.output.append(token)
        text, stopped = seq.text.feed(self.model.piece(token))
        if text and not seq.emit(text):
            return self._leave(seq)  # the caller's loop is gone
        if stopped:
            return self._finish(seq, "stop")
        if seq.generated >= seq.limit:
            return self._finish(seq, "length")
        if seq.guard is not None and seq.guard.looping(token):
            return self._finish(seq, "length")  # a runaway loop, cut like an exhausted limit
        seq.next_token = token

    # -- leaving -----------------------------------------------------------------------------------

    def _finish(self, seq: Sequence, reason: str) -> None:
        rest = seq.text.flush()
        if rest:
            seq.emit(rest)
        seq.emit(Finished(reason, len(seq.tokens), seq.generated))
        self._leave(seq)

    def _leave(self, seq: Sequence) -> None:
        """Take ``seq`` out of the batch and free its slot; its cache stays for a request that begins alike."""
        import llama_cpp as lib

        if seq in self.running:
            self.running.remove(seq)
            if seq.n_past:
                self.cached[seq.slot] = (seq.tokens + seq.output)[: seq.n_past]
            else:
                lib.llama_memory_seq_rm(self.memory, seq.slot, -1, -1)
            self.free_slots.append(seq.slot)
        self._release(seq)

    @staticmethod
    def _release(seq: Sequence) -> None:
        import llama_cpp as lib

        seq.next_token = None
        if seq.sampler is not None:
            lib.llama_sampler_free(seq.sampler)
            seq.sampler = None


def _common(a: list[int], b: list[int]) -> int:
    """The length of the longest common beginning of two token lists."""
    n = min(len(a), len(b))
    return next((i for i in range(n) if a[i] != b[i]), n)
