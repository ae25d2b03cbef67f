"""Section 6, rate limits (issue 12): ``g4f api --rate-limit`` on each state backend, beside the same
server without a limit, under wrk (fake upstream, ``--provider Custom``, non-streaming).

The limit is set far above what wrk can send, so every request is counted and none refused: the
figure is the cost of counting. Redis is a real ``redis-server`` on a free loopback port, with
persistence off; SQLite a file in a temporary folder.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from functools import partial

import rounds
import servers
import wrk
from procs import HOST, LOGS, free_port
from report import Section, short, verdict

LIMIT = 1_000_000_000  # requests per minute and client: never reached, always counted
REDIS_SHARE = 0.85  # Redis >= 85% of memory's requests/s ("within 15%")
CONNS = (1, 32)
BACKENDS = ("no limit", "memory", "sqlite", "redis")


@contextmanager
def redis_server() -> Iterator[int]:
    """A throwaway ``redis-server`` (no persistence) on a free port; yields the port."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError("redis-server is not installed: make system-deps")
    port = free_port()
    cmd = [binary, "--port", str(port), "--bind", HOST, "--save", "", "--appendonly", "no", "--dir", str(LOGS)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                with socket.create_connection((HOST, port), timeout=1) as conn:
                    conn.sendall(b"PING\r\n")
                    if conn.recv(16).startswith(b"+PONG"):
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"redis-server did not start (exit {proc.poll()})")
            time.sleep(0.05)
        yield port
    finally:
        proc.terminate()  # our own child, by its handle
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def _args(backend: str, redis_port: int) -> list[str]:
    if backend == "no limit":
        return []
    url = {
        "memory": "memory://",
        "sqlite": f"sqlite:///{LOGS / f'state-{free_port()}.db'}",
        "redis": f"redis://{HOST}:{redis_port}/0",
    }[backend]
    return ["--state", url, "--rate-limit", str(LIMIT)]


def run(seconds: float) -> Section:
    results: dict[tuple[str, int], rounds.Slices] = {}
    count, slice_s = rounds.plan(seconds)
    with ExitStack() as stack:
        up = stack.enter_context(servers.upstream())
        redis_port = stack.enter_context(redis_server())
        targets = {}
        for backend in BACKENDS:
            try:
                server = stack.enter_context(servers.g4f_api(up.port, *_args(backend, redis_port)))
                servers.check_chat(server, False)
                targets[backend] = server
            except (RuntimeError, OSError, KeyError, ValueError) as error:
                for conns in CONNS:
                    results[(backend, conns)] = short(error)
        for conns in CONNS:  # backends take turns slice by slice, so that the machine's drift hits all alike
            jobs = {b: partial(wrk.run, s.port, conns, slice_s, False, pid=s.server_pid) for b, s in targets.items()}
            results.update({(b, conns): slices for b, slices in rounds.run(jobs, count).items()})
    return _table(results, count, slice_s)


def _table(results: dict[tuple[str, int], rounds.Slices], count: int, slice_s: int) -> Section:
    section = Section(
        "Rate limits: `g4f api --rate-limit` per state backend (non-streaming, fake upstream)",
        [
            "conns",
            "state",
            "req/s",
            "p50 ms",
            "p99 ms",
            "server CPU us/req",
            "% of no limit",
            "% of memory",
            "budget",
            "result",
        ],
    )
    for conns in CONNS:
        base, memory = results[("no limit", conns)], results[("memory", conns)]
        for backend in BACKENDS:
            slices = results[(backend, conns)]
            if isinstance(slices, str):
                section.add(conns, backend, "error", "", "", "", "", "", "", f"FAIL: {slices}")
                continue
            r = wrk.combine(slices)
            of_base, of_memory = rounds.rps_share(slices, base), rounds.rps_share(slices, memory)
            budget, ok = "", None
            if backend == "redis":
                budget, ok = f">= {REDIS_SHARE:.0%} of memory", of_memory is not None and of_memory >= REDIS_SHARE
            section.add(
                conns,
                backend,
                f"{r.rps:,.0f}",
                f"{r.p50_ms:.2f}",
                f"{r.p99_ms:.2f}",
                f"{r.cpu_us:.0f}" if r.cpu_us is not None else "",
                f"{of_base:.0%}" if of_base is not None else "",
                f"{of_memory:.0%}" if of_memory is not None and backend not in ("no limit", "memory") else "",
                budget,
                verdict(ok) if r.ok else f"FAIL: {r.errors} errors",
            )
    section.notes.extend(
        [
            f"{count * slice_s} s per backend and cell, as {count} rounds of {slice_s} s: in each round every backend "
            "runs one slice, back to back, the order turned by one each round (bench/rounds.py); wrk -t1 with "
            "bench/post.lua, one bearer key for every request (one counter); "
            f"--rate-limit {LIMIT:,} so that nothing is refused; redis-server on loopback, no persistence; "
            "SQLite in a temporary file.",
            "req/s: requests over the slices' summed time; p50/p99: the median of the slices' values; % of no limit, "
            "% of memory and the verdict: the median over the rounds of the backend's slice req/s divided by the "
            "other's slice req/s of the same round, so that the machine's drift between rounds cancels.",
        ]
    )
    return section
