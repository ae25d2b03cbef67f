"""Section 1, gateway overhead: the fake upstream direct, the reference proxy and ``g4f api`` in front
of it, under wrk at 1 and 32 connections, not streaming and streaming.

``g4f api`` runs twice: with ``--provider Custom`` (the explicit-provider shortcut) and with no
provider, the model routed by name through the registry to a provider the environment configures
(``servers.ROUTES``), which is how most servers are used. Beside its streaming chat-completions cell at
32 connections, the ``--provider Custom`` server also answers the same load on ``/v1/responses`` and
``/v1/messages`` (issue 13), each held to a share of that chat cell."""

from __future__ import annotations

import math
from contextlib import ExitStack

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
    results: dict[tuple[str, bool, int], wrk.WrkResult | str] = {}
    doors: dict[str, wrk.WrkResult | str] = {}
    errors: dict[str, str] = {}
    with ExitStack() as stack:
        up = stack.enter_context(servers.upstream())
        targets = {"direct": up, "reference": stack.enter_context(servers.ref_proxy(up.port))}
        for name, route in zip(G4F_TARGETS, servers.ROUTES, strict=True):
            try:
                targets[name] = stack.enter_context(servers.g4f_api(up.port, route=route))
            except RuntimeError as error:
                targets[name] = None  # reported per cell below
                errors[name] = short(error)
        for name, server in targets.items():
            for stream in (False, True):
                if server is not None:
                    try:
                        servers.check_chat(server, stream)
                    except (RuntimeError, OSError, KeyError, ValueError) as error:
                        results[(name, stream, 0)] = short(error)
        for api in DOORS:
            try:
                if targets["g4f"] is not None:
                    servers.DOOR_CHECKS[api](targets["g4f"])
            except (RuntimeError, OSError, KeyError, ValueError) as error:
                doors[api] = short(error)
        # Targets interleave cell by cell, so that drift in the machine's load hits all three alike.
        for stream, conns in CELLS:
            for name, server in targets.items():
                if server is None:
                    results[(name, stream, conns)] = errors[name]
                elif (name, stream, 0) in results:
                    results[(name, stream, conns)] = results[(name, stream, 0)]
                else:
                    results[(name, stream, conns)] = wrk.run(server.port, conns, seconds, stream, pid=server.server_pid)
                if name == "g4f" and (stream, conns) == DOOR_CELL:
                    _doors(server, results, doors, errors, seconds)
    return [_throughput(results, doors, seconds), _overhead(results)]


def _doors(server: Server | None, results: dict, doors: dict, errors: dict[str, str], seconds: float) -> None:
    """The doors' cells right after the chat cell of the same server, then that chat cell once more: the
    budget compares them with the mean of the chat runs on either side, so that drift in the machine's
    load hits both alike."""
    stream, conns = DOOR_CELL
    for api in DOORS:
        if server is None:
            doors[api] = errors["g4f"]
        elif api not in doors:
            doors[api] = wrk.run(server.port, conns, seconds, stream, pid=server.server_pid, api=api)
    if server is not None and ("g4f", stream, 0) not in results:
        doors["chat"] = wrk.run(server.port, conns, seconds, stream, pid=server.server_pid)


def _throughput(results: dict, doors: dict, seconds: float) -> Section:
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
        ref = results[("reference", stream, conns)]
        for name in ("direct", "reference", *G4F_TARGETS):
            r = results[(name, stream, conns)]
            label = G4F_TARGETS.get(name, name)
            mode = "stream (20 chunks)" if stream else "non-stream"
            if isinstance(r, str):
                section.add(mode, conns, label, "error", "", "", "", "", "", f"FAIL: {r}")
                continue
            share = r.rps / ref.rps if isinstance(ref, wrk.WrkResult) and ref.rps else None
            budget, ok = ("", None)
            if name in G4F_TARGETS:
                budget, ok = f">= {RPS_SHARE:.0%}", (share is not None and share >= RPS_SHARE and r.ok)
            status = verdict(ok) if r.ok else f"FAIL: {r.errors} errors"
            section.add(
                mode,
                conns,
                label,
                f"{r.rps:,.0f}",
                f"{r.p50_ms:.2f}",
                f"{r.p99_ms:.2f}",
                f"{r.cpu_us:.0f}" if r.cpu_us is not None else "",
                f"{math.floor(share * 100)}%" if share is not None else "",  # floor: 49.7% is not 50%
                budget,
                status,
            )
        if (stream, conns) == DOOR_CELL:
            _door_rows(section, doors, ref, [results[("g4f", stream, conns)], doors.get("chat")])
    section.notes.extend(
        [
            f"{seconds:.0f} s per cell, wrk -t1 --latency with bench/post.lua; all behind the same fake upstream "
            "(bench/fake_upstream.py), reference = bench/ref_proxy.py; targets take turns cell by cell.",
            "server CPU us/req: the server process's user + system CPU time (from /proc) over the requests wrk "
            "completed; it moves far less than req/s when other work shares the machine.",
            "--provider Custom: the request names no provider but the server was started with one (the explicit-"
            "provider shortcut); routed by model: `gpt-4o-mini` resolved through the model registry to OpenaiAPI "
            "(OPENAI_API_KEY, OPENAIAPI_API_BASE set to the fake upstream; other providers have no key).",
            "/v1/responses, /v1/messages: the --provider Custom server, the same 20-chunk stream answered as "
            "Responses events (store: false) and Anthropic Messages events; their budget is a share of the "
            "chat-completions cell of that server: the mean req/s of its run just before them and of one more run "
            "just after them (so that a drifting machine load hits both sides alike).",
        ]
    )
    return section


def _door_rows(section: Section, doors: dict, ref: object, chats: list) -> None:
    """The Responses and Messages cells, each judged against the g4f chat-completions runs around them."""
    measured = [c.rps for c in chats if isinstance(c, wrk.WrkResult) and c.ok]
    chat_rps = sum(measured) / len(measured) if len(measured) == len(chats) else 0.0
    for api, path in DOORS.items():
        r = doors[api]
        label = f"g4f, --provider Custom, {path}"
        if isinstance(r, str):
            section.add("stream (20 chunks)", DOOR_CELL[1], label, "error", "", "", "", "", "", f"FAIL: {r}")
            continue
        share = r.rps / ref.rps if isinstance(ref, wrk.WrkResult) and ref.rps else None
        of_chat = r.rps / chat_rps if chat_rps else None
        ok = of_chat is not None and of_chat >= DOOR_SHARE
        section.add(
            "stream (20 chunks)",
            DOOR_CELL[1],
            label,
            f"{r.rps:,.0f}",
            f"{r.p50_ms:.2f}",
            f"{r.p99_ms:.2f}",
            f"{r.cpu_us:.0f}" if r.cpu_us is not None else "",
            f"{math.floor(share * 100)}%" if share is not None else "",
            f">= {DOOR_SHARE:.0%} of chat ({chat_rps:,.0f} req/s): "
            + (f"{math.floor(of_chat * 100)}%" if of_chat is not None else "n/a"),
            verdict(ok) if r.ok else f"FAIL: {r.errors} errors",
        )


def _overhead(results: dict) -> Section:
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
        if not all(isinstance(r, wrk.WrkResult) for r in (direct, ref, *g4f)):
            section.add(mode, "", "", *("" for _ in g4f), "", "FAIL: see above")
            continue
        over = [r.p50_ms - direct.p50_ms for r in g4f]
        section.add(
            mode,
            f"{direct.p50_ms:.3f}",
            f"{ref.p50_ms - direct.p50_ms:.3f}",
            *(f"{o:.3f}" for o in over),
            f"<= {P50_OVERHEAD_MS} ms" if not stream else "",
            verdict(max(over) <= P50_OVERHEAD_MS) if not stream else "n/a",
        )
    return section
