"""Section 5, stability: many mixed requests through ``g4f api`` (Custom provider, fake upstream),
streaming and not, some clients leaving mid-stream. Resident memory, sockets and asyncio tasks of
the server after a warm-up and at the end, each read when no request is in flight."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import time
from contextlib import ExitStack
from pathlib import Path

import aiohttp
import servers
from procs import BENCH, LOGS, PY, rss_mb, sockets
from report import Section, verdict

GROWTH_MB = 10.0
CONCURRENCY = 8


def _kind(i: int) -> str:
    """60% non-streaming, 30% streaming read to the end, 10% streams left after the first chunk."""
    k = i % 10
    return "plain" if k < 6 else "stream" if k < 9 else "leave"


async def _one(session: aiohttp.ClientSession, url: str, kind: str) -> bool:
    model = "gpt-4o-mini-slow" if kind == "leave" else "gpt-4o-mini"
    body = servers.chat_body(kind != "plain", model)
    async with session.post(url, data=body, headers={"Content-Type": "application/json"}) as resp:
        if resp.status != 200:
            await resp.read()
            return False
        if kind != "leave":
            await resp.read()
            return True
        async for line in resp.content:
            if line.startswith(b"data: "):
                resp.close()  # the client goes away mid-stream: its connection is dropped
                return True
    return False


async def _load(url: str, total: int, deadline: float) -> tuple[int, int]:
    """Send ``total`` requests from CONCURRENCY clients; return (done, failed)."""
    counter = iter(range(total))
    done = failed = 0

    async def client(session: aiohttp.ClientSession) -> None:
        nonlocal done, failed
        for i in counter:
            if time.monotonic() > deadline:
                return
            try:
                ok = await _one(session, url, _kind(i))
            except (aiohttp.ClientError, asyncio.TimeoutError):
                ok = False
            done += 1
            failed += not ok

    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=CONCURRENCY), timeout=timeout) as session:
        await asyncio.gather(*(client(session) for _ in range(CONCURRENCY)))
    return done, failed


def _drive(url: str, total: int, deadline: float) -> tuple[int, int]:
    """Run the load on uvloop: the client must not be the bottleneck on a two-core machine."""
    import uvloop

    if hasattr(asyncio, "Runner"):
        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
            return runner.run(_load(url, total, deadline))
    return asyncio.run(_load(url, total, deadline))


def _snapshot(pid: int, probe: Path | None, ports: tuple[int, int]) -> dict:
    time.sleep(1.5)  # let closed streams and released connections settle
    state: dict = {"rss": rss_mb(pid), **sockets(pid, *ports)}
    state["other"] = state["sockets"] - state["clients"] - state["upstream"]
    state["files"] = state["fds"] - state["sockets"]
    if probe is None:  # the server runs in a child of the probe process: no task count
        return state
    probe.unlink(missing_ok=True)
    os.kill(pid, signal.SIGUSR1)  # our own server process, which has the probe's handler
    for _ in range(200):
        if probe.exists():
            break
        time.sleep(0.01)
    return {**state, **(json.loads(probe.read_text()) if probe.exists() else {})}


def run(total: int, warmup: int, time_limit: float) -> Section:
    section = Section(
        "Stability: mixed requests through g4f api (60% plain, 30% streamed, 10% left mid-stream)",
        ["measure", "after warm-up", "at end", "budget", "result"],
    )
    probe = LOGS / "probe.json"
    with ExitStack() as stack:
        up = stack.enter_context(servers.upstream())
        g4f = servers.g4f_api(up.port, launcher=[PY, str(BENCH / "g4f_probe.py")])
        g4f.env["G4F_BENCH_PROBE"] = str(probe)
        stack.enter_context(g4f)
        pid = g4f.server_pid
        probe_file = probe if pid == g4f.proc.pid else None
        url = f"{g4f.base}/v1/chat/completions"
        start = time.monotonic()
        warm_done, warm_failed = _drive(url, warmup, start + time_limit)
        before = _snapshot(pid, probe_file, (g4f.port, up.port))
        load_start = time.monotonic()
        done, failed = _drive(url, total, load_start + time_limit)
        seconds = time.monotonic() - load_start
        after = _snapshot(pid, probe_file, (g4f.port, up.port))
    growth = after["rss"] - before["rss"]
    section.add(
        "requests (failed)",
        f"{warm_done:,} ({warm_failed})",
        f"{done:,} ({failed}) in {seconds:.0f} s",
        f"{total:,}, none failed",
        verdict(done == total and failed == 0),
    )
    section.add(
        "resident memory MB",
        f"{before['rss']:.1f}",
        f"{after['rss']:.1f} (+{growth:.1f})",
        f"growth <= {GROWTH_MB:.0f} MB",
        verdict(growth <= GROWTH_MB),
    )
    for key, label, budget in (
        ("clients", "connections from clients still open", "0"),
        ("upstream", "pooled upstream connections", f"<= {CONCURRENCY} (one per concurrent request)"),
        ("other", "other sockets", "no growth"),
        ("files", "other descriptors", "no growth"),
        ("CLOSE_WAIT", "sockets in CLOSE_WAIT", "0"),
    ):
        b, a = before.get(key, 0), after.get(key, 0)
        ok = a <= CONCURRENCY if key == "upstream" else a <= b if key in ("other", "files") else a == 0
        section.add(label, b, a, budget, verdict(ok))
    if "tasks" in after:
        section.add(
            "asyncio tasks",
            before["tasks"],
            f"{after['tasks']} {', '.join(after['task_names'])}",
            "no growth",
            verdict(after["tasks"] <= before["tasks"]),
        )
        section.add(
            "threads", before["threads"], after["threads"], "no growth", verdict(after["threads"] <= before["threads"])
        )
        section.add("live Python objects", f"{before['objects']:,}", f"{after['objects']:,}", "", "n/a")
    section.notes.append(
        f"{CONCURRENCY} concurrent aiohttp clients; the server is `g4f api` run through "
        "bench/g4f_probe.py, which reads tasks on SIGUSR1; fds and sockets from /proc."
    )
    return section
