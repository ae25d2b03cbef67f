"""Section 2, the Python client: ``g4f.client.Client(base_url=..., api_key=...)`` (the Custom provider)
against the official ``openai`` SDK, on the same fake upstream; sync and async, streaming and not.

Runs in its own process (``python bench/client_speed.py --port N``) and prints JSON: seconds per
request for each case, the median over rounds that alternate the two clients.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import time
from collections.abc import Callable
from typing import Any

from procs import PY
from report import Section, short, verdict

RATIO = 1.0  # g4f time per request / openai time per request
MESSAGES = [{"role": "user", "content": "Say hello."}]
MODEL = "gpt-4o-mini"


def _text(result: Any, stream: bool) -> str:
    if not stream:
        return result.choices[0].message.content
    return "".join((c.choices[0].delta.content or "") for c in result if c.choices)


async def _atext(result: Any, stream: bool) -> str:
    if not stream:
        return result.choices[0].message.content
    return "".join([(c.choices[0].delta.content or "") async for c in result if c.choices])


def sync_callers(base: str) -> dict[str, Callable[[bool], str]]:
    import openai

    from g4f.client import Client

    g4f, oai = Client(base_url=base, api_key="x"), openai.OpenAI(base_url=base, api_key="x", max_retries=0)
    return {
        "g4f": lambda stream: _text(g4f.chat.completions.create(MESSAGES, MODEL, stream=stream), stream),
        "openai": lambda stream: _text(
            oai.chat.completions.create(messages=MESSAGES, model=MODEL, stream=stream), stream
        ),
    }


def async_callers(base: str) -> dict[str, Callable[[bool], Any]]:
    import openai

    from g4f.client import AsyncClient

    g4f, oai = AsyncClient(base_url=base, api_key="x"), openai.AsyncOpenAI(base_url=base, api_key="x", max_retries=0)

    async def g4f_call(stream: bool) -> str:
        return await _atext(await g4f.chat.completions.create(MESSAGES, MODEL, stream=stream), stream)

    async def openai_call(stream: bool) -> str:
        return await _atext(await oai.chat.completions.create(messages=MESSAGES, model=MODEL, stream=stream), stream)

    return {"g4f": g4f_call, "openai": openai_call}


def _check(name: str, text: str, stream: bool) -> None:
    import fake_upstream

    expected = "".join(f"tok{i} " for i in range(fake_upstream.CHUNKS)) if stream else fake_upstream.CONTENT
    if text != expected:
        raise RuntimeError(f"{name}: unexpected answer {text[:200]!r}")


def measure_sync(base: str, rounds: int, per_round: int) -> dict[str, dict[str, float]]:
    callers = sync_callers(base)
    out: dict[str, dict[str, float]] = {}
    for stream in (False, True):
        times: dict[str, list[float]] = {name: [] for name in callers}
        for name, call in callers.items():  # warm-up: connections, lazy imports
            for _ in range(5):
                _check(name, call(stream), stream)
        for _ in range(rounds):
            for name, call in callers.items():
                start = time.perf_counter()
                for _ in range(per_round):
                    call(stream)
                times[name].append((time.perf_counter() - start) / per_round)
        out[f"sync {'stream' if stream else 'non-stream'}"] = {n: statistics.median(t) for n, t in times.items()}
    return out


async def measure_async(base: str, rounds: int, per_round: int) -> dict[str, dict[str, float]]:
    callers = async_callers(base)
    out: dict[str, dict[str, float]] = {}
    for stream in (False, True):
        times: dict[str, list[float]] = {name: [] for name in callers}
        for name, call in callers.items():
            for _ in range(5):
                _check(name, await call(stream), stream)
        for _ in range(rounds):
            for name, call in callers.items():
                start = time.perf_counter()
                for _ in range(per_round):
                    await call(stream)
                times[name].append((time.perf_counter() - start) / per_round)
        out[f"async {'stream' if stream else 'non-stream'}"] = {n: statistics.median(t) for n, t in times.items()}
    return out


def run(upstream_port: int, rounds: int, per_round: int) -> Section:
    """Run the measurement in a fresh interpreter and tabulate it."""
    cmd = [PY, __file__, "--port", str(upstream_port), "--rounds", str(rounds), "--per-round", str(per_round)]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    section = Section(
        "Python client: g4f Client (Custom provider) vs the openai SDK, same fake upstream",
        ["case", "g4f ms/request", "openai ms/request", "ratio g4f/openai", "budget", "result"],
    )
    if done.returncode != 0:
        section.add("all", "", "", "", f"<= {RATIO}", f"FAIL: {short(done.stderr)}")
        return section
    for case, times in json.loads(done.stdout.strip().splitlines()[-1]).items():
        ratio = times["g4f"] / times["openai"]
        section.add(
            case,
            f"{times['g4f'] * 1e3:.3f}",
            f"{times['openai'] * 1e3:.3f}",
            f"{ratio:.2f}",
            f"<= {RATIO}",
            verdict(ratio <= RATIO),
        )
    section.notes.append(
        f"median over {rounds} alternating rounds of {per_round} sequential requests each; "
        "streaming consumes all 20 chunks."
    )
    return section


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="g4f Client vs openai SDK, seconds per request")
    parser.add_argument("--port", type=int, required=True, help="port of bench/fake_upstream.py")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--per-round", type=int, default=50)
    args = parser.parse_args(argv)
    base = f"http://127.0.0.1:{args.port}/v1"
    results = measure_sync(base, args.rounds, args.per_round)
    results.update(asyncio.run(measure_async(base, args.rounds, args.per_round)))
    print(json.dumps(results))


if __name__ == "__main__":
    main()
