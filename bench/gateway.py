"""Section 1, gateway overhead: the fake upstream direct, the reference proxy and ``g4f api`` (Custom
provider) in front of it, under wrk at 1 and 32 connections, not streaming and streaming."""

from __future__ import annotations

import math
from contextlib import ExitStack

import servers
import wrk
from report import Section, short, verdict

CELLS = [(False, 1), (False, 32), (True, 1), (True, 32)]
RPS_SHARE = 0.5  # g4f >= 50% of the reference proxy's requests/s
P50_OVERHEAD_MS = 0.5  # sequential p50 over the direct upstream


def run(seconds: float) -> list[Section]:
    results: dict[tuple[str, bool, int], wrk.WrkResult | str] = {}
    g4f_error = ""
    with ExitStack() as stack:
        up = stack.enter_context(servers.upstream())
        targets = {"direct": up, "reference": stack.enter_context(servers.ref_proxy(up.port))}
        try:
            targets["g4f"] = stack.enter_context(servers.g4f_api(up.port))
        except RuntimeError as error:
            targets["g4f"] = None  # reported per cell below
            g4f_error = short(error)
        for name, server in targets.items():
            for stream in (False, True):
                if server is not None:
                    try:
                        servers.check_chat(server, stream)
                    except (RuntimeError, OSError, KeyError, ValueError) as error:
                        results[(name, stream, 0)] = short(error)
        # Targets interleave cell by cell, so that drift in the machine's load hits all three alike.
        for stream, conns in CELLS:
            for name, server in targets.items():
                if server is None:
                    results[(name, stream, conns)] = g4f_error
                elif (name, stream, 0) in results:
                    results[(name, stream, conns)] = results[(name, stream, 0)]
                else:
                    results[(name, stream, conns)] = wrk.run(server.port, conns, seconds, stream)
    return [_throughput(results, seconds), _overhead(results)]


def _throughput(results: dict, seconds: float) -> Section:
    section = Section(
        "Gateway overhead (wrk, one g4f worker, fake upstream)",
        ["mode", "conns", "target", "req/s", "p50 ms", "p99 ms", "% of reference", "budget", "result"],
    )
    for stream, conns in CELLS:
        ref = results[("reference", stream, conns)]
        for name in ("direct", "reference", "g4f"):
            r = results[(name, stream, conns)]
            mode = "stream (20 chunks)" if stream else "non-stream"
            if isinstance(r, str):
                section.add(mode, conns, name, "error", "", "", "", "", f"FAIL: {r}")
                continue
            share = r.rps / ref.rps if isinstance(ref, wrk.WrkResult) and ref.rps else None
            budget, ok = ("", None)
            if name == "g4f":
                budget, ok = f">= {RPS_SHARE:.0%}", (share is not None and share >= RPS_SHARE and r.ok)
            status = verdict(ok) if r.ok else f"FAIL: {r.errors} errors"
            section.add(
                mode,
                conns,
                name,
                f"{r.rps:,.0f}",
                f"{r.p50_ms:.2f}",
                f"{r.p99_ms:.2f}",
                f"{math.floor(share * 100)}%" if share is not None else "",  # floor: 49.7% is not 50%
                budget,
                status,
            )
    section.notes.append(
        f"{seconds:.0f} s per cell, wrk -t1 --latency with bench/post.lua; all three behind "
        "the same fake upstream (bench/fake_upstream.py), reference = bench/ref_proxy.py."
    )
    return section


def _overhead(results: dict) -> Section:
    section = Section(
        "Sequential latency overhead (1 connection, p50 of g4f minus p50 of the upstream direct)",
        ["mode", "direct p50 ms", "reference overhead ms", "g4f overhead ms", "budget", "result"],
    )
    for stream in (False, True):
        direct, ref, g4f = (results[(n, stream, 1)] for n in ("direct", "reference", "g4f"))
        mode = "stream (20 chunks)" if stream else "non-stream"
        if not all(isinstance(r, wrk.WrkResult) for r in (direct, ref, g4f)):
            section.add(mode, "", "", "", "", "FAIL: see above")
            continue
        over = g4f.p50_ms - direct.p50_ms
        section.add(
            mode,
            f"{direct.p50_ms:.3f}",
            f"{ref.p50_ms - direct.p50_ms:.3f}",
            f"{over:.3f}",
            f"<= {P50_OVERHEAD_MS} ms" if not stream else "",
            verdict(over <= P50_OVERHEAD_MS) if not stream else "n/a",
        )
    return section
