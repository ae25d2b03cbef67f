"""Section 4, the embedded engine: tokens/s and time to first token of the Local model streamed
through ``g4f api``, against llama-cpp-python driven directly on the same prompt.

The direct side runs in its own process (``python bench/engine.py``): it loads the model as Local
does (``g4f.local.model.engine_params()``, same context and threads) and runs one generation per line read
on stdin, so the two sides can take turns and share the machine's drift alike.
"""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import time
from typing import Any

import orjson
from procs import HOST, PY
from report import Section, verdict

MESSAGES = [{"role": "user", "content": "Write a long story about a brave knight who meets a dragon."}]
MAX_TOKENS = 128
SHARE = 0.95  # g4f tokens/s >= 95% of direct llama-cpp-python


def _timing(start: float, stamps: list[float]) -> dict[str, float]:
    """Time to first token, and tokens/s over the whole request (prompt processing included)."""
    if not stamps:
        return {"tokens": 0, "ttft": 0.0, "tps": 0.0}
    return {"tokens": len(stamps), "ttft": stamps[0] - start, "tps": len(stamps) / (stamps[-1] - start)}


def _stream(port: int, messages: list[dict[str, str]] = MESSAGES) -> tuple[float, list[float]]:
    """One streamed request of MAX_TOKENS through ``g4f api``: its start and the time of each content chunk."""
    body = orjson.dumps(
        {
            "model": "smollm2-135m",
            "provider": "Local",
            "messages": messages,
            "stream": True,
            "max_tokens": MAX_TOKENS,
            "temperature": 0,
        }
    )
    conn = http.client.HTTPConnection(HOST, port, timeout=120)
    stamps: list[float] = []
    start = time.perf_counter()
    conn.request("POST", "/v1/chat/completions", body=body, headers={"Content-Type": "application/json"})
    resp = conn.getresponse()
    if resp.status != 200:
        raise RuntimeError(f"g4f api: HTTP {resp.status}: {resp.read()[:300]!r}")
    while line := resp.readline():
        if not line.startswith(b"data: ") or line.startswith(b"data: [DONE]"):
            continue
        chunk = orjson.loads(line[6:])
        if "error" in chunk:
            raise RuntimeError(f"g4f api: {chunk['error']}")
        if chunk.get("choices") and chunk["choices"][0]["delta"].get("content"):
            stamps.append(time.perf_counter())
    conn.close()
    return start, stamps


def through_api(port: int) -> dict[str, float]:
    return _timing(*_stream(port))


def _direct_worker() -> None:
    """The direct side: a Llama loaded as Local loads it, one generation per stdin line."""
    from llama_cpp import Llama

    from g4f.local.discovery import default_model_path
    from g4f.local.model import engine_params

    threads = int(os.environ.get("G4F_LOCAL_THREADS", "0")) or max(1, os.cpu_count() or 1)
    with engine_params():
        llm = Llama(
            str(default_model_path()),
            n_ctx=int(os.environ.get("G4F_LOCAL_N_CTX", "4096")),
            n_threads=threads,
            n_threads_batch=threads,
            verbose=False,
        )
    print("ready", flush=True)
    for _ in sys.stdin:
        stamps: list[float] = []
        start = time.perf_counter()
        for chunk in llm.create_chat_completion(messages=MESSAGES, max_tokens=MAX_TOKENS, temperature=0, stream=True):
            if chunk["choices"] and chunk["choices"][0]["delta"].get("content"):
                stamps.append(time.perf_counter())
        print(json.dumps(_timing(start, stamps)), flush=True)


def run(reps: int, time_limit: float = 90) -> Section:
    import servers

    section = Section(
        f"Embedded engine: SmolLM2-135M, {MAX_TOKENS} tokens max, temperature 0",
        ["path", "tokens", "time to first token ms", "tokens/s", "% of direct", "budget", "result"],
    )
    direct = subprocess.Popen([PY, __file__], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        with servers.g4f_api() as g4f:
            if direct.stdout is None or direct.stdout.readline().strip() != "ready":
                raise RuntimeError("the direct llama-cpp-python process did not start")
            through_api(g4f.port)  # loads the model in the server
            runs: dict[str, list[dict[str, float]]] = {"direct": [], "g4f": []}
            began = time.monotonic()
            for _ in range(reps):
                if runs["g4f"] and time.monotonic() - began > time_limit:
                    break  # a busy machine slows llama.cpp tenfold: keep `make bench` bounded
                direct.stdin.write("go\n")  # type: ignore[union-attr]
                direct.stdin.flush()  # type: ignore[union-attr]
                runs["direct"].append(json.loads(direct.stdout.readline()))
                runs["g4f"].append(through_api(g4f.port))
    finally:
        direct.kill()  # our own child
        direct.wait()
    best = {name: max(r, key=lambda x: x["tps"]) for name, r in runs.items()}
    for name in ("direct", "g4f"):
        b = best[name]
        share = b["tps"] / best["direct"]["tps"] if best["direct"]["tps"] else 0.0
        budget, ok = (f">= {SHARE:.0%}", share >= SHARE) if name == "g4f" else ("", None)
        section.add(
            "llama-cpp-python direct" if name == "direct" else "g4f api streaming (Local)",
            int(b["tokens"]),
            f"{b['ttft'] * 1e3:.0f}",
            f"{b['tps']:.1f}",
            f"{share:.0%}",
            budget,
            verdict(ok),
        )
    section.notes.append(
        f"best of {len(runs['g4f'])} alternating runs each; tokens/s counts content chunks from request "
        "start to the last token (prompt processing included); the direct side uses every core (llama-cpp-python's "
        "default), Local chooses its thread count per step from measured decode times (g4f/local/threadcount.py)."
    )
    return section


LEVELS = (1, 2, 4, 8)
#: At 4 streams at once: aggregate >= 2x one stream's rate, and every stream's first token soon.
AGGREGATE_GAIN, FIRST_TOKEN_P95 = 2.0, 0.3


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered) + 0.5) - 1))]  # nearest rank


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process and its descendants so far (from /proc)."""
    ticks, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            fields = open(f"/proc/{current}/stat").read().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
            for task in os.listdir(f"/proc/{current}/task"):
                todo += [int(c) for c in open(f"/proc/{current}/task/{task}/children").read().split()]
        except (OSError, IndexError, ValueError):
            continue
    return ticks / os.sysconf("SC_CLK_TCK")


def _concurrent(port: int, n: int, tag: str, pid: int | None = None) -> dict[str, Any]:
    """``n`` streams started together: aggregate tokens/s, each stream's first-token time and rate.

    Each prompt begins with its own tag, as different users' questions do: the engine's prompt cache
    then shares only the chat template's opening with earlier requests, not the whole prompt.
    """
    import threading
    from concurrent.futures import ThreadPoolExecutor

    ready = threading.Barrier(n + 1)

    def one(i: int) -> tuple[float, list[float]]:
        messages = [{"role": "user", "content": f"({tag}-{i}) {MESSAGES[0]['content']}"}]
        ready.wait()
        return _stream(port, messages)

    with ThreadPoolExecutor(n) as pool:
        futures = [pool.submit(one, i) for i in range(n)]
        cpu = _cpu_seconds(pid) if pid else 0.0
        ready.wait()
        runs = [f.result() for f in futures]
    cpu = _cpu_seconds(pid) - cpu if pid else 0.0
    began = min(start for start, _ in runs)
    ended = max(stamps[-1] for _, stamps in runs if stamps)
    tokens = sum(len(stamps) for _, stamps in runs)
    return {
        "tokens": tokens,
        "cpu_ms_per_token": cpu * 1e3 / tokens if tokens else 0.0,
        "aggregate": sum(len(stamps) for _, stamps in runs) / (ended - began),
        "first": [stamps[0] - start for start, stamps in runs if stamps],
        "per_stream": [_timing(start, stamps)["tps"] for start, stamps in runs],
    }


def concurrency(reps: int, time_limit: float = 150) -> Section:
    """Several streams at once through one ``g4f api``: continuous batching in the Local engine."""
    import servers

    section = Section(
        f"Engine concurrency: SmolLM2-135M, {MAX_TOKENS} tokens per stream, temperature 0, through g4f api",
        [
            "streams",
            "tokens",
            "aggregate tokens/s",
            "x one stream",
            "first token p50 ms",
            "first token p95 ms",
            "per-stream tokens/s (median)",
            "server CPU ms/token",
            "budget",
            "result",
        ],
    )
    results: dict[int, list[dict[str, Any]]] = {n: [] for n in LEVELS}
    load, began = _load(), time.monotonic()
    with servers.g4f_api() as g4f:
        through_api(g4f.port)  # loads the model in the server
        for rep in range(reps):
            if rep and time.monotonic() - began > time_limit:
                break  # a busy machine slows llama.cpp tenfold: keep `make bench` bounded
            for n in LEVELS:
                results[n].append(_concurrent(g4f.port, n, f"r{rep}n{n}", g4f.proc.pid if g4f.proc else None))
    single = max(r["aggregate"] for r in results[1])
    for n in LEVELS:
        best = max(results[n], key=lambda r: r["aggregate"])
        firsts = [t for r in results[n] for t in r["first"]]
        p95 = _percentile(firsts, 0.95)
        gain = best["aggregate"] / single if single else 0.0
        budget, ok = "", None
        if n == 4:
            budget = f"aggregate >= {AGGREGATE_GAIN:g}x, p95 <= {FIRST_TOKEN_P95 * 1e3:.0f} ms"
            ok = gain >= AGGREGATE_GAIN and p95 <= FIRST_TOKEN_P95
        section.add(
            n,
            best["tokens"],
            f"{best['aggregate']:.1f}",
            f"{gain:.2f}",
            f"{_percentile(firsts, 0.5) * 1e3:.0f}",
            f"{p95 * 1e3:.0f}",
            f"{sorted(best['per_stream'])[len(best['per_stream']) // 2]:.1f}",
            f"{sorted(r['cpu_ms_per_token'] for r in results[n])[len(results[n]) // 2]:.1f}",
            budget,
            verdict(ok),
        )
    section.notes.append(
        f"{len(results[1])} rounds of 1, 2, 4 and 8 streams started together (G4F_LOCAL_PARALLEL slots, default 4: "
        "the 8-stream row queues half of them); aggregate = all tokens / first start to last token, best round; "
        f"first-token percentiles over every stream of every round; each prompt starts with its own tag; "
        f"llama.cpp threads: {os.environ.get('G4F_LOCAL_THREADS') or 'chosen per step (every core or half)'}; server CPU ms/token: the "
        f"server process's user+system CPU over the round / tokens (median round; less load-sensitive than rates); "
        f"load average before: {load}, after: {_load()}."
    )
    return section


def _load() -> str:
    try:
        return " ".join(open("/proc/loadavg").read().split()[:3])
    except OSError:
        return "unknown"


if __name__ == "__main__":
    _direct_worker()
