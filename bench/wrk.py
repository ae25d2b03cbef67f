"""Load from wrk (Debian's package) with ``post.lua``: requests/s and latency percentiles."""

from __future__ import annotations

import json
import re
import shutil
import statistics
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass

from procs import BENCH, HOST, cpu_seconds

#: The APIs post.lua can speak, with their routes.
API_PATHS = {"chat": "/v1/chat/completions", "responses": "/v1/responses", "messages": "/v1/messages"}


@dataclass
class WrkResult:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int  # socket errors and non-2xx answers
    cpu_us: float | None = None  # the server's CPU time (user + system) per request, when measured
    duration_s: float = 0.0  # wall time wrk measured over

    def with_cpu(self, seconds: float) -> WrkResult:
        self.cpu_us = seconds / self.requests * 1e6 if self.requests else None
        return self

    @property
    def ok(self) -> bool:
        return self.requests > 0 and self.errors == 0


def parse(output: str) -> WrkResult:
    """Read the ``BENCH {...}`` line that post.lua's done() prints; the text report is the fallback."""
    match = re.search(r"^BENCH (\{.*\})$", output, re.M)
    if match:
        data = json.loads(match.group(1))
        errors = sum(data["errors"].values())
        return WrkResult(
            rps=data["requests"] / (data["duration_us"] / 1e6),
            p50_ms=data["p50_us"] / 1000,
            p99_ms=data["p99_us"] / 1000,
            requests=data["requests"],
            errors=errors,
            duration_s=data["duration_us"] / 1e6,
        )
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    total = re.search(r"(\d+) requests in ([\d.]+\w+)", output)
    if not rps or not total:
        raise ValueError(f"unreadable wrk output: {output[-500:]}")
    pct = {m.group(1): _ms(m.group(2)) for m in re.finditer(r"^\s+(50|99)%\s+([\d.]+\w+)", output, re.M)}
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    errors = int(non2xx.group(1)) if non2xx else 0
    errors += sum(int(g) for g in socket_errors.groups()) if socket_errors else 0
    return WrkResult(
        rps=float(rps.group(1)),
        p50_ms=pct.get("50", 0.0),
        p99_ms=pct.get("99", 0.0),
        requests=int(total.group(1)),
        errors=errors,
        duration_s=_ms(total.group(2)) / 1000,
    )


def combine(slices: Sequence[WrkResult]) -> WrkResult:
    """One target's slices (see rounds.py) as one result: requests/s over the slices' summed wall time,
    CPU per request over their summed requests, the median of their p50s and of their p99s (percentiles
    do not add up), errors summed."""
    requests = sum(s.requests for s in slices)
    duration = sum(s.duration_s for s in slices)
    cpu = [s.cpu_us * s.requests for s in slices if s.cpu_us is not None]
    return WrkResult(
        rps=requests / duration if duration else 0.0,
        p50_ms=statistics.median(s.p50_ms for s in slices),
        p99_ms=statistics.median(s.p99_ms for s in slices),
        requests=requests,
        errors=sum(s.errors for s in slices),
        cpu_us=sum(cpu) / requests if requests and len(cpu) == len(slices) else None,
        duration_s=duration,
    )


def _ms(text: str) -> float:
    value, unit = re.match(r"([\d.]+)(\w+)", text).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 6e4}[unit]


def run(
    port: int,
    connections: int,
    seconds: float,
    stream: bool,
    model: str = "gpt-4o-mini",
    path: str | None = None,
    pid: int | None = None,
    api: str = "chat",
) -> WrkResult:
    """One wrk run; one thread is plenty for 32 connections and leaves the other core to the servers.

    With ``pid``, the result also says that process's CPU time per request: unlike requests/s, it
    hardly moves when other work shares the machine. ``api`` picks the body post.lua sends (one of
    ``API_PATHS``) and, unless ``path`` says otherwise, the route."""
    if shutil.which("wrk") is None:
        raise RuntimeError("wrk is not installed: make system-deps")
    cmd = [
        "wrk",
        "-t1",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "--latency",
        "--timeout",
        "10s",
        "-s",
        str(BENCH / "post.lua"),
        f"http://{HOST}:{port}{path or API_PATHS[api]}",
        "--",
        "stream" if stream else "plain",
        model,
        api,
    ]
    cpu = cpu_seconds(pid) if pid else 0.0
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 30)
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed: {done.stderr.strip() or done.stdout[-300:]}")
    result = parse(done.stdout)
    return result.with_cpu(cpu_seconds(pid) - cpu) if pid else result
