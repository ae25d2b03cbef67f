"""Section 4, the embedded engine: tokens/s and time to first token of the Local model streamed
through ``g4f api``, against llama-cpp-python driven directly on the same prompt.

The direct side runs in its own process (``python bench/engine.py``): it loads the model as Local
does (``Local.engine_params()``, same context and threads) and runs one generation per line read
on stdin, so the two sides can take turns and share the machine's drift alike.
"""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import time

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


def through_api(port: int) -> dict[str, float]:
    body = orjson.dumps(
        {
            "model": "smollm2-135m",
            "provider": "Local",
            "messages": MESSAGES,
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
    return _timing(start, stamps)


def _direct_worker() -> None:
    """The direct side: a Llama loaded as Local loads it, one generation per stdin line."""
    from llama_cpp import Llama

    from g4f.Provider.Local import default_model_path, engine_params

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
        "start to the last token (prompt processing included)."
    )
    return section


if __name__ == "__main__":
    _direct_worker()
