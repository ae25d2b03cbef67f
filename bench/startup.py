"""Section 3 (server part): ``g4f api`` from launch to its first chat answer, and its resident memory
when idle with no local model loaded. Import times come from ``bench_core``."""

from __future__ import annotations

import statistics
import time

import servers
from procs import request, rss_mb
from report import Section, verdict

LAUNCH_S = 2.0
IDLE_RSS_MB = 150.0


def run(launches: int) -> list[list[str]]:
    """Rows for the start-up table: launch to first answer (best and median), idle memory."""
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
    best, median = min(times), statistics.median(times)
    return [
        [
            "`g4f api` launch to first chat answer",
            f"{best * 1e3:.0f} ms (median {median * 1e3:.0f})",
            f"<= {LAUNCH_S * 1e3:.0f} ms",
            verdict(best <= LAUNCH_S),
        ],
        [
            "`g4f api` idle resident memory (Custom provider, after 20 requests)",
            f"{min(rss):.1f} MB",
            f"<= {IDLE_RSS_MB:.0f} MB",
            verdict(min(rss) <= IDLE_RSS_MB),
        ],
    ]


def section(rows: list[list[str]], launches: int) -> Section:
    s = Section("Import and start-up", ["measure", "value", "budget", "result"], rows=rows)
    s.notes.append(
        f"launch: best of {launches}, from process start to the first 200 of POST /v1/chat/completions "
        "(polled every 5 ms)."
    )
    return s
