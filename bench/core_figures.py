"""Tables from ``bench_core.py`` (the core's own micro benchmarks: imports, per-call overhead, Local
in-process). Each function runs in a fresh interpreter, so that no import is already warm and a
crash in the engine cannot take the whole run down."""

from __future__ import annotations

import json
import subprocess

from procs import BENCH, PY
from report import Section, short, verdict


def call(function: str, timeout: float = 300, **kwargs: object) -> dict[str, float]:
    code = (
        "import json, sys; sys.path.insert(0, sys.argv[1]); import bench_core; "
        f"print(json.dumps(bench_core.{function}(**json.loads(sys.argv[2]))))"
    )
    done = subprocess.run(
        [PY, "-c", code, str(BENCH), json.dumps(kwargs)], capture_output=True, text=True, timeout=timeout
    )
    if done.returncode != 0:
        raise RuntimeError(f"bench_core.{function}: {short(done.stderr or done.stdout)}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _target(name: str) -> tuple[str, float] | None:
    import bench_core

    return getattr(bench_core, "TARGETS", {}).get(name)


def _judge(name: str, value: float) -> tuple[str, str]:
    target = _target(name)
    if target is None:
        return "", "n/a"
    op, limit = target
    return f"{op} {limit:g}", verdict(value <= limit if op == "<=" else value >= limit)


def import_rows(repeat: int) -> list[list[str]]:
    """Rows for the start-up table: import times over a bare interpreter."""
    try:
        figures = call("bench_import", repeat=repeat)
    except (RuntimeError, subprocess.TimeoutExpired, ImportError) as error:
        return [["import times", short(error), "", "FAIL"]]
    rows = []
    for key, label in (("import_g4f", "`import g4f`"), ("import_client", "`from g4f.client import Client`")):
        ms = figures[f"{key}_ms"]
        budget, result = _judge(f"{key}_ms", ms)
        value = f"{ms:.0f} ms (in-process {figures[f'{key}_in_process_ms']:.0f} ms)"
        rows.append([f"{label} over a bare interpreter", value, f"{budget} ms" if budget else "", result])
    return rows


def overhead_section(calls: int) -> Section:
    section = Section(
        "Core: time per call with a trivial in-process provider", ["path", "us per call", "budget", "result"]
    )
    figures = call("bench_call_overhead", calls=calls)
    for key, label in (
        ("direct_provider_us", "provider's generator alone"),
        ("async_client_us", "AsyncClient, whole"),
        ("async_client_overhead_us", "AsyncClient overhead"),
        ("async_stream_us", "AsyncClient, streamed"),
        ("async_stream_overhead_us", "AsyncClient streamed overhead"),
        ("sync_client_us", "Client (sync bridge), whole"),
        ("sync_client_overhead_us", "Client overhead"),
        ("bridge_roundtrip_us", "one sync-bridge round trip"),
    ):
        if key in figures:
            budget, result = _judge(key, figures[key])
            section.add(label, f"{figures[key]:.1f}", f"{budget} us" if budget else "", result)
    section.notes.append(f"bench/bench_core.py bench_call_overhead: best of 3 runs of {calls} calls.")
    return section


def local_section(repeat: int) -> Section:
    section = Section(
        "Embedded engine in-process: Local through AsyncClient vs llama-cpp-python",
        ["path", "tokens/s", "% of direct", "budget", "result"],
    )
    figures = call("bench_local", timeout=400, repeat=repeat)
    budget, result = _judge("local_vs_direct", figures["local_vs_direct"])
    section.add("llama-cpp-python direct", f"{figures['direct_tokens_per_s']:.1f}", "100%", "", "n/a")
    section.add(
        "Local via AsyncClient",
        f"{figures['local_tokens_per_s']:.1f}",
        f"{figures['local_vs_direct']:.0%}",
        f">= {_target('local_vs_direct')[1]:.0%}" if budget else "",  # type: ignore[index]
        result,
    )
    section.notes.append(
        f"bench/bench_core.py bench_local: best of {repeat} interleaved runs, {figures.get('tokens', '')} tokens."
    )
    return section
