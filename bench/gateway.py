"""Section 1, gateway overhead: the fake upstream direct, the reference proxy and ``g4f api`` in front
of it, under wrk at 1 and 32 connections, not streaming and streaming.

``g4f api`` runs twice: with ``--provider Custom`` (the explicit-provider shortcut) and with no
provider, the model routed by name through the registry to a provider the environment configures
(``servers.ROUTES``), which is how most servers are used. Beside its streaming chat-completions cell at
32 connections, the ``--provider Custom`` server also answers the same load on ``/v1/responses`` and
``/v1/messages`` (issue 13), each held to a share of that chat cell."""

from __future__ import annotations

import math
from collections.abc import Callable
from contextlib import ExitStack, nullcontext
from functools import partial

import procs
import rounds
import servers
import wrk
from procs import Server
from report import Section, short, verdict

CELLS = [(False, 1), (False, 32), (True, 1), (True, 32)]
RPS_SHARE = 0.75  # every g4f cell >= 75% of the reference proxy's requests/s (issue 15)
G4F_TARGETS = {"g4f": "g4f, --provider Custom", "g4f-model": "g4f, routed by model"}
P50_OVERHEAD_MS = 0.5  # sequential p50 over the direct upstream
DOORS = {"responses": "/v1/responses", "messages": "/v1/messages"}  # post.lua's api name -> route
DOOR_CELL = (True, 32)  # streaming, 32 connections
DOOR_SHARE = 0.80  # each door >= 80% of the g4f chat-completions cell's requests/s (issue 13)


def run(seconds: float) -> list[Section]:
    results: dict[tuple[str, bool, int], rounds.Slices] = {}  # (target or door, stream, conns)
    checks: dict[tuple[str, bool], str] = {}  # (target or door, stream) -> why its check failed
    count, slice_s = rounds.plan(seconds)
    with ExitStack() as stack:
        up = stack.enter_context(servers.upstream())
        targets: dict[str, Server | None] = {"direct": up}
        targets["reference"] = stack.enter_context(servers.ref_proxy(up.port))
        for name, route in zip(G4F_TARGETS, servers.ROUTES, strict=True):
            try:
                targets[name] = stack.enter_context(servers.g4f_api(up.port, route=route))
            except RuntimeError as error:
                targets[name] = None
                checks.update({(name, stream): short(error) for stream in (False, True)})
        for name, server in targets.items():
            for stream in (False, True):
                if server is not None:
                    try:
                        servers.check_chat(server, stream)
                    except (RuntimeError, OSError, KeyError, ValueError) as error:
                        checks[(name, stream)] = short(error)
        door = targets["g4f"]
        for api in DOORS:  # served by the --provider Custom server, measured at DOOR_CELL only
            if door is None:
                checks[(api, DOOR_CELL[0])] = checks[("g4f", DOOR_CELL[0])]
                continue
            try:
                servers.DOOR_CHECKS[api](door)
            except (RuntimeError, OSError, KeyError, ValueError) as error:
                checks[(api, DOOR_CELL[0])] = short(error)
        pids = [server.server_pid for server in targets.values() if server is not None]
        for stream, conns in CELLS:
            with procs.one_cpu(pids) if conns == 1 else nullcontext():
                results.update(_cell(targets, checks, stream, conns, count, slice_s))
    return [_throughput(results, count, slice_s), _overhead(results)]


def _cell(
    targets: dict[str, Server | None],
    checks: dict[tuple[str, bool], str],
    stream: bool,
    conns: int,
    count: int,
    slice_s: int,
) -> dict[tuple[str, bool, int], rounds.Slices]:
    """One cell: every target that passed its check, slice by slice in rounds (rounds.py); at
    ``DOOR_CELL`` the doors too, each round back to back with the chat slice of the same server."""
    names = [*targets, *DOORS] if (stream, conns) == DOOR_CELL else list(targets)
    jobs: dict[str, Callable[[], wrk.WrkResult]] = {}
    out: dict[tuple[str, bool, int], rounds.Slices] = {}
    for name in names:
        if (name, stream) in checks:
            out[(name, stream, conns)] = checks[(name, stream)]
            continue
        server = targets[name if name in targets else "g4f"]
        assert server is not None  # a server that did not start has a failed check
        api = name if name in DOORS else "chat"
        jobs[name] = partial(wrk.run, server.port, conns, slice_s, stream, pid=server.server_pid, api=api)
    measured = rounds.run(jobs, count, groups=[["g4f", *DOORS]])
    out.update({(name, stream, conns): slices for name, slices in measured.items()})
    return out


def _percent(share: float | None) -> str:
    return f"{math.floor(share * 100)}%" if share is not None else ""  # floor: 49.7% is not 50%


def _throughput(results: dict[tuple[str, bool, int], rounds.Slices], count: int, slice_s: int) -> Section:
    section = Section(
        "Gateway overhead (wrk, one g4f worker, fake upstream)",
        [
            "mode",
            "conns",
            "target",
            "req/s",
            "p50 ms",
            "p99 ms",
            "server CPU us/req",
            "% of reference",
            "budget",
            "result",
        ],
    )
    for stream, conns in CELLS:
        mode = "stream (20 chunks)" if stream else "non-stream"
        ref = results[("reference", stream, conns)]
        names = ["direct", "reference", *G4F_TARGETS]
        if (stream, conns) == DOOR_CELL:
            names[names.index("g4f") + 1 : names.index("g4f") + 1] = DOORS
        for name in names:
            slices = results[(name, stream, conns)]
            label = f"{G4F_TARGETS['g4f']}, {DOORS[name]}" if name in DOORS else G4F_TARGETS.get(name, name)
            if isinstance(slices, str):
                section.add(mode, conns, label, "error", "", "", "", "", "", f"FAIL: {slices}")
                continue
            r = wrk.combine(slices)
            share = rounds.rps_share(slices, ref)
            budget, ok = "", None
            if name in G4F_TARGETS:
                budget, ok = f">= {RPS_SHARE:.0%}", share is not None and share >= RPS_SHARE
            elif name in DOORS:
                of_chat = rounds.rps_share(slices, results[("g4f", stream, conns)])
                budget = f">= {DOOR_SHARE:.0%} of chat: " + (_percent(of_chat) or "n/a")
                ok = of_chat is not None and of_chat >= DOOR_SHARE
            section.add(
                mode,
                conns,
                label,
                f"{r.rps:,.0f}",
                f"{r.p50_ms:.2f}",
                f"{r.p99_ms:.2f}",
                f"{r.cpu_us:.0f}" if r.cpu_us is not None else "",
                _percent(share),
                budget,
                verdict(ok) if r.ok else f"FAIL: {r.errors} errors",
            )
    section.notes.extend(
        [
            f"{count * slice_s} s per target and cell, as {count} rounds of {slice_s} s: in each round every target "
            "runs one slice, back to back, the order turned by one each round (bench/rounds.py); wrk -t1 --latency "
            "with bench/post.lua; all behind the same fake upstream (bench/fake_upstream.py), reference = "
            "bench/ref_proxy.py.",
            "req/s: a target's requests over its slices' summed time; p50/p99: the median of its slices' values; "
            "server CPU us/req: the server process's user + system CPU time (from /proc) over its requests, which "
            "moves far less than req/s when other work shares the machine.",
            "% of reference, and the verdict: the median over the rounds of the target's slice req/s divided by the "
            "reference's slice req/s of the same round, so that the machine's drift between rounds cancels.",
            "1-connection cells: every server, the upstream and wrk share one CPU (procs.one_cpu). One request is "
            "in flight at a time, so they take turns either way; spread over the VM's CPUs, the cross-CPU wake-ups "
            "swing these cells by about ±20 % between two identical runs. The 32-connection cells are not pinned.",
            "--provider Custom: the request names no provider but the server was started with one (the explicit-"
            "provider shortcut); routed by model: `gpt-4o-mini` resolved through the model registry to OpenaiAPI "
            "(OPENAI_API_KEY, OPENAIAPI_API_BASE set to the fake upstream; other providers have no key).",
            "/v1/responses, /v1/messages: the --provider Custom server, the same 20-chunk stream answered as "
            "Responses events (store: false) and Anthropic Messages events; in each round their slices run back to "
            "back with that server's chat-completions slice, and their budget is the median over the rounds of "
            "their slice req/s divided by that chat slice's.",
        ]
    )
    return section


def _overhead(results: dict[tuple[str, bool, int], rounds.Slices]) -> Section:
    section = Section(
        "Sequential latency overhead (1 connection, p50 of g4f minus p50 of the upstream direct)",
        [
            "mode",
            "direct p50 ms",
            "reference overhead ms",
            *(f"{G4F_TARGETS[n]} overhead ms" for n in G4F_TARGETS),
            "budget",
            "result",
        ],
    )
    for stream in (False, True):
        direct, ref, *g4f = (results[(n, stream, 1)] for n in ("direct", "reference", *G4F_TARGETS))
        mode = "stream (20 chunks)" if stream else "non-stream"
        if isinstance(direct, str) or isinstance(ref, str) or any(isinstance(r, str) for r in g4f):
            section.add(mode, "", "", *("" for _ in g4f), "", "FAIL: see above")
            continue
        base = [s.p50_ms for s in direct]
        # The reference's overhead, then each g4f target's (all measured: the filter only narrows the type).
        over = [rounds.median_difference([s.p50_ms for s in r], base) for r in (ref, *g4f) if not isinstance(r, str)]
        section.add(
            mode,
            f"{wrk.combine(direct).p50_ms:.3f}",
            *(f"{o:.3f}" for o in over),
            f"<= {P50_OVERHEAD_MS} ms" if not stream else "",
            verdict(max(over[1:]) <= P50_OVERHEAD_MS) if not stream else "n/a",
        )
    section.notes.append(
        "direct p50: the median of its slices' p50; each overhead: the median over the rounds of the target's "
        "slice p50 minus the direct upstream's slice p50 of the same round."
    )
    return section
