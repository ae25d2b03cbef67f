"""Core micro benchmarks: import time, per-call overhead, and the embedded model's speed.

Each ``bench_*`` function returns a dict of figures, so ``bench/run.py`` can call them; run this file
to print them. Targets (issue 2): ``import g4f`` <= 150 ms and ``from g4f.client import Client``
<= 300 ms over a bare interpreter; <= 100 us added per call through ``Client``; ``Local`` streaming
>= 95% of the tokens/s of llama-cpp-python driven directly.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time

PROMPT = [{"role": "user", "content": "Write a long story about a dragon who learns to bake bread."}]
TOKENS = 128


def _wall(code: str) -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
    return time.perf_counter() - t0


def _in_process(statement: str) -> float:
    code = f"import time; t = time.perf_counter(); {statement}; print(time.perf_counter() - t)"
    return float(subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout)


def bench_import(repeat: int = 7) -> dict[str, float]:
    """Milliseconds over a bare interpreter (best of ``repeat`` fresh subprocesses), and in-process import time."""
    bare = min(_wall("pass") for _ in range(repeat))
    out = {"bare_interpreter_ms": bare * 1000}
    for label, statement in (("import_g4f", "import g4f"), ("import_client", "from g4f.client import Client")):
        out[f"{label}_ms"] = (min(_wall(statement) for _ in range(repeat)) - bare) * 1000
        out[f"{label}_in_process_ms"] = min(_in_process(statement) for _ in range(repeat)) * 1000
    return out


def _trivial_provider() -> type:
    from g4f.providers.base_provider import AsyncGeneratorProvider

    class Trivial(AsyncGeneratorProvider):
        working = True

        @classmethod
        async def create_async_generator(cls, model, messages, **kwargs):
            yield "ok"

    return Trivial


def bench_call_overhead(calls: int = 2000) -> dict[str, float]:
    """Microseconds per call of a trivial in-process provider, direct and through Client / AsyncClient."""
    from g4f.client import AsyncClient, Client
    from g4f.client.bridge import run_sync

    provider = _trivial_provider()
    messages = [{"role": "user", "content": "hi"}]

    async def direct(n: int) -> float:
        t0 = time.perf_counter()
        for _ in range(n):
            async for _part in provider.create_async_generator("", messages):
                pass
        return time.perf_counter() - t0

    async def via_async(n: int) -> float:
        client = AsyncClient(provider=provider)
        t0 = time.perf_counter()
        for _ in range(n):
            await client.chat.completions.create(messages)
        return time.perf_counter() - t0

    async def via_async_stream(n: int) -> float:
        client = AsyncClient(provider=provider)
        t0 = time.perf_counter()
        for _ in range(n):
            async for _chunk in client.chat.completions.create(messages, stream=True):
                pass
        return time.perf_counter() - t0

    def via_sync(n: int) -> float:
        client = Client(provider=provider)
        t0 = time.perf_counter()
        for _ in range(n):
            client.chat.completions.create(messages)
        return time.perf_counter() - t0

    def best(run, n: int) -> float:
        run(n // 10)  # warm up
        return min(run(n) for _ in range(3)) / n * 1e6

    async def sync_inside_loop(n: int) -> float:  # Jupyter-style: the calls go to the background loop
        return via_sync(n)

    direct_us = best(lambda n: asyncio.run(direct(n)), calls)
    async_us = best(lambda n: asyncio.run(via_async(n)), calls)
    async_stream_us = best(lambda n: asyncio.run(via_async_stream(n)), calls)
    sync_us = best(via_sync, calls)
    sync_in_loop_us = best(lambda n: asyncio.run(sync_inside_loop(n)), calls)
    bridge_us = best(lambda n: _bridge_roundtrips(run_sync, n), calls)
    return {
        "direct_provider_us": direct_us,
        "async_client_us": async_us,
        "async_client_overhead_us": async_us - direct_us,
        "async_stream_us": async_stream_us,
        "async_stream_overhead_us": async_stream_us - direct_us,
        "sync_client_us": sync_us,
        "sync_client_overhead_us": sync_us - direct_us,
        "sync_client_inside_loop_us": sync_in_loop_us,
        "bridge_roundtrip_us": bridge_us,
    }


def _bridge_roundtrips(run_sync, n: int) -> float:
    async def nothing() -> None:
        return None

    t0 = time.perf_counter()
    for _ in range(n):
        run_sync(nothing())
    return time.perf_counter() - t0


def _direct_rates(repeat: int, tokens: int) -> list[float]:
    """llama-cpp-python driven directly on this (main) thread: same file, settings, prompt and stop as Local."""
    from llama_cpp import Llama
    from llama_cpp.llama_chat_format import Jinja2ChatFormatter

    from g4f.Provider.Local import default_model_path, engine_params

    threads = int(os.environ.get("G4F_LOCAL_THREADS", "0")) or max(1, os.cpu_count() or 1)
    with engine_params():  # AMX-safe load, as Local does
        llm = Llama(
            str(default_model_path()),
            n_ctx=int(os.environ.get("G4F_LOCAL_N_CTX", "4096")),
            n_threads=threads,
            n_threads_batch=threads,
            verbose=False,
        )
    eos = llm.detokenize([llm.token_eos()], special=True).decode()
    bos = llm.detokenize([llm.token_bos()], special=True).decode()
    formatted = Jinja2ChatFormatter(llm.metadata["tokenizer.chat_template"], eos_token=eos, bos_token=bos)(
        messages=PROMPT
    )
    stop = formatted.stop if isinstance(formatted.stop, list) else [formatted.stop]

    def once() -> float:
        t0 = time.perf_counter()
        n = 0
        for chunk in llm.create_completion(
            formatted.prompt, max_tokens=tokens, temperature=0, top_p=0.95, stop=stop, stream=True
        ):
            n += 0 if chunk["choices"][0].get("finish_reason") else 1
        return n / (time.perf_counter() - t0)

    once()  # warm up
    return [once() for _ in range(repeat)]


def _local_rates(repeat: int, tokens: int) -> list[float]:
    """``Local`` streamed through ``AsyncClient``: tokens (from usage) per second, request to last chunk."""
    from g4f.client import AsyncClient
    from g4f.Provider.Local import Local

    async def once() -> float:
        t0 = time.perf_counter()
        usage = None
        async for chunk in AsyncClient(provider=Local).chat.completions.create(
            PROMPT, max_tokens=tokens, temperature=0, stream=True
        ):
            usage = chunk.usage or usage
        return usage.completion_tokens / (time.perf_counter() - t0)

    asyncio.run(once())  # warm up (loads the model)
    return [asyncio.run(once()) for _ in range(repeat)]


def bench_local(repeat: int = 3, rounds: int = 2, tokens: int = TOKENS) -> dict[str, float]:
    """Streaming tokens/s: Local through AsyncClient vs llama-cpp-python directly, same prompt, temperature 0.

    Each side runs in its own process, alternately: ggml's OpenMP teams are per calling thread, and two
    engines driven from different threads of one process slow each other down.
    """
    rates: dict[str, list[float]] = {"direct": [], "local": []}
    for _ in range(rounds):
        for side in rates:
            out = subprocess.run(
                [sys.executable, __file__, "--side", side, str(repeat), str(tokens)],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            rates[side] += json.loads(out.splitlines()[-1])
    direct, local = max(rates["direct"]), max(rates["local"])
    return {
        "direct_tokens_per_s": direct,
        "local_tokens_per_s": local,
        "local_vs_direct": local / direct,
        "tokens": tokens,
    }


TARGETS = {
    "import_g4f_ms": ("<=", 150),
    "import_client_ms": ("<=", 300),
    "sync_client_overhead_us": ("<=", 100),
    "async_client_overhead_us": ("<=", 100),
    "local_vs_direct": (">=", 0.95),
}


def main() -> None:
    results: dict[str, float] = {}
    for bench in (bench_import, bench_call_overhead, bench_local):
        figures = bench()
        results.update(figures)
        for name, value in figures.items():
            target = TARGETS.get(name)
            verdict = ""
            if target:
                ok = value <= target[1] if target[0] == "<=" else value >= target[1]
                verdict = f"  (target {target[0]} {target[1]}: {'ok' if ok else 'MISSED'})"
            print(f"{name:32} {value:10.2f}{verdict}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--side"]:  # one side of bench_local, in its own process
        side, repeat, tokens = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
        print(json.dumps((_direct_rates if side == "direct" else _local_rates)(repeat, tokens)))
    else:
        main()
