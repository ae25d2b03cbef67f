"""Section 3 (server part): ``g4f api`` from launch to its first chat answer, twice labelled apart:
through the fake upstream (``--provider Custom``: start-up of the server alone) and from the
embedded model (SmolLM2-135M on llama.cpp: the model's load included); and resident memory.
Import times come from ``bench_core``."""

from __future__ import annotations

import statistics
import time

import orjson
import servers
from procs import request, rss_mb
from report import Section, short, verdict

LAUNCH_S = 2.0
LOCAL_LAUNCH_S = 5.0
IDLE_RSS_MB = 150.0
LOCAL_BODY = orjson.dumps(
    {
        "model": "smollm2-135m",  # routed by name to the Local provider: nothing leaves the machine
        "messages": [{"role": "user", "content": "Say hello."}],
        "max_tokens": 8,
        "temperature": 0,
    }
)


def _fake_upstream(launches: int) -> tuple[list[float], list[float]]:
    times, rss = [], []
    with servers.upstream() as up:
        for _ in range(launches):
            g4f = servers.g4f_api(up.port)
            g4f.start()
            try:
                times.append(g4f.wait_ready("POST", "/v1/chat/completions", servers.chat_body(False)))
                for stream in (False, True) * 10:
                    request(g4f.port, "POST", "/v1/chat/completions", servers.chat_body(stream))
                time.sleep(1.0)
                rss.append(rss_mb(g4f.server_pid))
            finally:
                g4f.stop()
    return times, rss


def _embedded(launches: int) -> tuple[list[float], list[float]]:
    """Launch to the first whole answer of the embedded model; the server names no provider."""
    times, rss = [], []
    for _ in range(launches):
        g4f = servers.g4f_api()
        g4f.ready_timeout = 180  # a busy machine loads the model slowly
        g4f.start()
        try:
            times.append(g4f.wait_ready("POST", "/v1/chat/completions", LOCAL_BODY, timeout=120))
            status, body = request(g4f.port, "POST", "/v1/chat/completions", LOCAL_BODY, timeout=60)
            answer = orjson.loads(body) if status == 200 else {}
            if answer.get("provider") != "Local" or not answer["choices"][0]["message"]["content"]:
                raise RuntimeError(f"not an answer of the embedded model: HTTP {status}: {body[:300]!r}")
            rss.append(rss_mb(g4f.server_pid))
        finally:
            g4f.stop()
    return times, rss


def _ms(times: list[float]) -> str:
    return f"{min(times) * 1e3:.0f} ms (median {statistics.median(times) * 1e3:.0f})"


def run(launches: int) -> list[list[str]]:
    """Rows for the start-up table: launch to first answer (best and median), memory."""
    times, rss = _fake_upstream(launches)
    rows = [
        [
            "`g4f api` launch to first chat answer (fake upstream, --provider Custom)",
            _ms(times),
            f"<= {LAUNCH_S * 1e3:.0f} ms",
            verdict(min(times) <= LAUNCH_S),
        ],
        [
            "`g4f api` idle resident memory (fake upstream, after 20 requests)",
            f"{min(rss):.1f} MB",
            f"<= {IDLE_RSS_MB:.0f} MB",
            verdict(min(rss) <= IDLE_RSS_MB),
        ],
    ]
    try:
        times, rss = _embedded(launches)
    except RuntimeError as error:
        rows.append(["`g4f api` launch to first answer from the embedded model", "error", "", f"FAIL: {short(error)}"])
        return rows
    rows += [
        [
            "`g4f api` launch to first answer from the embedded model (SmolLM2-135M, model load included)",
            _ms(times),
            f"<= {LOCAL_LAUNCH_S * 1e3:.0f} ms",
            verdict(min(times) <= LOCAL_LAUNCH_S),
        ],
        ["`g4f api` resident memory with the embedded model loaded", f"{min(rss):.1f} MB", "", "n/a"],
    ]
    return rows


def section(rows: list[list[str]], launches: int) -> Section:
    s = Section("Import and start-up", ["measure", "value", "budget", "result"], rows=rows)
    s.notes.append(
        f"launch: best of {launches}, from process start to the first 200 of POST /v1/chat/completions "
        "(polled every 5 ms). Fake upstream: the server's own start-up; embedded model: the request names "
        "`smollm2-135m` (routed to Local) and waits while llama.cpp loads the model, then answers up to 8 tokens."
    )
    return s
