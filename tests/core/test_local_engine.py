"""The embedded engine's batching, limits and continuation, with the real SmolLM2-135M model.

Requests go through the provider (``Local.create_async_generator``), so the tests can close a
stream at a chosen point and look at the engine's batcher while it runs.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time

import pytest

from g4f.local.sampling import RepetitionGuard, SamplingParams, TextStream, sampler_chain
from g4f.local.thread import engine
from g4f.Provider.Local import Local
from g4f.providers.response import FinishReason, Usage

STORY = "Write a long story about a brave knight who meets a dragon."
QUESTIONS = [
    "Name three colours.",
    "What is the capital of France?",
    "Write a haiku about the sea.",
    "Explain what a computer is.",
]


def ask(text: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": text}]


async def collect(messages, **kwargs) -> tuple[list[str], Usage, FinishReason]:
    """The text chunks, usage and finish reason of one request."""
    chunks: list[str] = []
    usage = finish = None
    async for part in Local.create_async_generator("", messages, **kwargs):
        if isinstance(part, str):
            chunks.append(part)
        elif isinstance(part, Usage):
            usage = part
        elif isinstance(part, FinishReason):
            finish = part
    assert usage is not None and finish is not None
    return chunks, usage, finish


async def wait_until(condition, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the engine did not get there in time"
        await asyncio.sleep(0.01)


@pytest.fixture(scope="module")
def batcher():
    model = Local.load()
    assert model.batcher.settings.parallel == 4  # the default these tests are written for
    return model.batcher


# --- batching -----------------------------------------------------------------------------------


async def test_batched_output_equals_output_served_alone(batcher):
    alone = [(await collect(ask(q), max_tokens=16, temperature=0))[0] for q in QUESTIONS]
    steps = batcher.steps
    together = await asyncio.gather(*(collect(ask(q), max_tokens=16, temperature=0) for q in QUESTIONS))
    assert ["".join(t[0]) for t in together] == ["".join(a) for a in alone]
    assert all(t[1].completion_tokens == len(a) or t[2].reason == "stop" for t, a in zip(together, alone, strict=True))
    assert batcher.steps - steps < 2 * 16  # decoded together: far fewer steps than one after another


async def test_cancelling_one_stream_frees_its_slot_for_the_next(batcher):
    streams = [
        Local.create_async_generator("", ask(f"{STORY} Part {i}."), max_tokens=24, temperature=0) for i in range(4)
    ]
    firsts = [await s.__anext__() for s in streams]  # all four running
    assert all(isinstance(f, str) for f in firsts)
    slots = {seq.prompt: seq.slot for seq in batcher.running}
    assert len(batcher.running) == 4 and sorted(slots.values()) == [0, 1, 2, 3]
    cancelled_slot = next(slot for prompt, slot in slots.items() if "Part 2." in prompt)

    await streams[2].aclose()  # the client went away
    late = Local.create_async_generator("", ask("Say hello."), max_tokens=4, temperature=0)
    assert isinstance(await late.__anext__(), str)  # a fifth request got a slot...
    joined = [seq for seq in batcher.running if "Say hello." in seq.prompt]
    assert joined and joined[0].slot == cancelled_slot  # ...the one the cancelled stream left
    assert len(batcher.running) == 4

    for i in (0, 1, 3):  # the other three were never interrupted
        rest = [p async for p in streams[i]]
        usage = next(p for p in rest if isinstance(p, Usage))
        finish = next(p for p in rest if isinstance(p, FinishReason))
        assert finish.reason == "stop" or usage.completion_tokens == 24
    await late.aclose()
    await wait_until(lambda: not batcher.running)


async def test_requests_beyond_the_slots_wait_in_arrival_order(batcher):
    order: list[int] = []

    async def one(i: int) -> None:
        async for part in Local.create_async_generator("", ask(QUESTIONS[i % 4]), max_tokens=6, temperature=0):
            if isinstance(part, str):
                order.append(i)
                break

    await asyncio.gather(*(one(i) for i in range(6)))
    assert sorted(order[:4]) == [0, 1, 2, 3] and order[4:] == [4, 5]
    await wait_until(lambda: not batcher.running and not batcher.waiting)


async def test_a_closed_stream_stops_the_engine_at_the_next_token(batcher):
    stream = Local.create_async_generator("", ask(STORY), max_tokens=300, temperature=0)
    for _ in range(3):
        await stream.__anext__()
    await stream.aclose()
    steps = batcher.steps
    await wait_until(lambda: not batcher.running)
    assert batcher.steps - steps <= 2  # not the remaining ~297 tokens


async def test_a_prompt_that_begins_like_a_cached_one_reads_only_the_rest(batcher):
    await wait_until(lambda: not batcher.running)
    first, _, _ = await collect(ask(QUESTIONS[1]), max_tokens=6, temperature=0)
    read = batcher.prompt_read
    again, usage, _ = await collect(ask(QUESTIONS[1]), max_tokens=6, temperature=0)
    assert again == first and batcher.prompt_read - read == 1  # only the last prompt token, for its logits
    turn = [*ask(QUESTIONS[1]), {"role": "assistant", "content": "".join(first)}, *ask("And of Spain?")]
    read = batcher.prompt_read
    _, next_turn, _ = await collect(turn, max_tokens=2, temperature=0)
    assert batcher.prompt_read - read < next_turn.prompt_tokens - usage.prompt_tokens  # the first turn was cached


# --- never runaway --------------------------------------------------------------------------------


async def test_default_output_limit_applies_without_max_tokens(batcher):
    saved = batcher.settings
    batcher.settings = dataclasses.replace(saved, max_tokens=6)
    try:
        chunks, usage, finish = await collect(ask(STORY), temperature=0)
    finally:
        batcher.settings = saved
    assert finish.reason == "length" and usage.completion_tokens == 6
    chunks, usage, finish = await collect(ask(STORY), temperature=0, max_tokens=9)  # max_tokens overrides it
    assert finish.reason == "length" and usage.completion_tokens == 9
    assert saved.max_tokens == 512  # the documented default


def test_sampler_chain_has_llama_cpp_repeat_penalty():
    import llama_cpp

    vocab = Local.load().vocab

    def names(params: SamplingParams) -> list[bytes]:
        chain = sampler_chain(vocab, params)
        try:
            n = llama_cpp.llama_sampler_chain_n(chain)
            return [llama_cpp.llama_sampler_name(llama_cpp.llama_sampler_chain_get(chain, i)) for i in range(n)]
        finally:
            llama_cpp.llama_sampler_free(chain)

    assert engine.run(names, SamplingParams(temperature=0)) == [b"top-k", b"penalties", b"greedy"]
    assert engine.run(names, SamplingParams(temperature=0, repeat_penalty=1.0)) == [b"greedy"]
    assert engine.run(names, SamplingParams(temperature=0, presence_penalty=-1.0))[:2] == [b"penalties", b"greedy"]
    assert engine.run(names, SamplingParams())[:3] == [b"top-k", b"penalties", b"top-k"]


def test_the_cut_before_the_penalties_changes_no_choice():
    """Greedy with the top-k cut picks what llama.cpp's penalties over the whole vocabulary pick."""
    import llama_cpp as lib

    model = Local.load()

    def run() -> tuple[list[int], list[int]]:
        params = lib.llama_context_default_params()
        params.n_ctx, params.n_threads, params.n_threads_batch = 256, 1, 1
        ctx = lib.llama_init_from_model(model.model, params)
        cut = sampler_chain(model.vocab, SamplingParams(temperature=0, repeat_penalty=1.5))
        full = lib.llama_sampler_chain_init(lib.llama_sampler_chain_default_params())
        lib.llama_sampler_chain_add(
            full, lib.llama_sampler_init_penalties(lib.llama_vocab_n_tokens(model.vocab), 64, 1.5, 0.0, 0.0)
        )
        lib.llama_sampler_chain_add(full, lib.llama_sampler_init_greedy())
        tokens = model.tokenize(model.prompt(ask(STORY)).text)
        feed = (lib.llama_token * len(tokens))(*tokens)  # kept alive while the batch points at it
        batch = lib.llama_batch_get_one(feed, len(tokens))
        picked: tuple[list[int], list[int]] = ([], [])
        try:
            for _ in range(24):
                assert lib.llama_decode(ctx, batch) == 0
                a, b = lib.llama_sampler_sample(cut, ctx, -1), lib.llama_sampler_sample(full, ctx, -1)
                picked[0].append(a)
                picked[1].append(b)
                feed = (lib.llama_token * 1)(a)
                batch = lib.llama_batch_get_one(feed, 1)
        finally:
            lib.llama_sampler_free(cut)
            lib.llama_sampler_free(full)
            lib.llama_free(ctx)
        return picked

    with_cut, without = engine.run(run)
    assert with_cut == without and len(set(with_cut)) > 5


def test_repetition_guard_stops_a_loop():
    guard = RepetitionGuard()
    sentence = list(range(100, 116))  # a 16-token sentence, said over and over
    stream = sentence * 5
    stopped = next(i for i, t in enumerate(stream) if guard.looping(t))
    assert stopped == 3 * 16 - 1  # the third time round


def test_repetition_guard_stops_a_single_token_run():
    guard = RepetitionGuard()
    stopped = next(i for i in range(200) if guard.looping(7))
    assert stopped == 47  # 48 tokens of the same one


def test_repetition_guard_leaves_ordinary_text_alone():
    guard = RepetitionGuard()
    text = [1, 2, 1, 2, 1, 2, 3] + list(range(10, 300)) + [5, 6] * 10  # "ha ha ha", prose, a short list
    assert not any(guard.looping(t) for t in text)


def test_text_stream_holds_back_a_possible_stop_string():
    text = TextStream(["<end>"])
    assert text.feed(b"Hello <e") == ("Hello ", False)
    assert text.feed(b"n") == ("", False)
    assert text.feed(b"d> more") == ("", True)
    assert text.flush() == ""
    other = TextStream(["<end>"])
    assert other.feed(b"a <e") == ("a ", False)
    assert other.feed(b"x") == ("<ex", False)  # not a stop after all
    assert other.feed(b" <en") == (" ", False) and other.flush() == "<en"


def test_text_stream_joins_utf8_split_across_tokens():
    text = TextStream([])
    data = "é✓".encode()
    assert text.feed(data[:1]) == ("", False)
    assert text.feed(data[1:3]) == ("é", False)
    assert text.feed(data[3:]) == ("✓", False)


# --- continuation ---------------------------------------------------------------------------------


async def test_continues_a_final_assistant_message():
    messages = ask(QUESTIONS[3])
    full, _, _ = await collect(messages, max_tokens=24, temperature=0)
    assert len(full) == 24
    prefix, remainder = "".join(full[:8]), "".join(full[8:])
    chunks, usage, _ = await collect(
        [*messages, {"role": "assistant", "content": prefix}],
        max_tokens=16,
        temperature=0,
        continue_final_message=True,
    )
    assert "".join(chunks) == remainder  # only what follows the prefix, and the same words
    assert usage.completion_tokens == 16


async def test_without_the_flag_a_final_assistant_message_is_a_closed_turn():
    messages = [*ask(QUESTIONS[0]), {"role": "assistant", "content": "Red, green"}]
    model = Local.load()
    assert model.prompt(messages, continue_final=True).text.endswith("assistant\nRed, green")
    closed = model.prompt(messages).text
    assert closed.rstrip().endswith("assistant") and "Red, green<|im_end|>" in closed


async def test_continuation_with_tools_is_refused():
    from g4f.errors import NotSupportedError

    messages = [*ask("Weather?"), {"role": "assistant", "content": '{"name": "'}]
    tools = [{"type": "function", "function": {"name": "weather", "parameters": {"type": "object"}}}]
    with pytest.raises(NotSupportedError):
        await collect(messages, tools=tools, continue_final_message=True)


# --- settings -------------------------------------------------------------------------------------


def test_settings_from_the_environment_and_the_flag(monkeypatch):
    from g4f import config
    from g4f.cli.api import _flags, build_parser
    from g4f.local.settings import EngineSettings

    monkeypatch.setenv("G4F_LOCAL_PARALLEL", "2")
    monkeypatch.setenv("G4F_LOCAL_MAX_TOKENS", "64")
    settings = EngineSettings.current()
    assert settings.parallel == 2 and settings.max_tokens == 64
    given = _flags(build_parser("g4f api", 1337).parse_args(["--local-parallel", "3"]))
    assert given == {"local_parallel": 3}
    config.configure(**given)
    try:
        assert EngineSettings.current().parallel == 3  # the flag wins over the environment
    finally:
        config.configure(local_parallel=None)
