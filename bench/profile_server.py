"""Profile ``g4f api``'s hot path: the server runs under py-spy while wrk loads it through the fake
upstream; prints where the server's time goes (inclusive and self, per function).

    .venv/bin/python bench/profile_server.py                 # non-streaming, 32 connections, 10 s
    .venv/bin/python bench/profile_server.py --stream --connections 1 --raw /tmp/g4f.txt
    .venv/bin/python bench/profile_server.py --target g4f-model --stream     # routed by model name
    .venv/bin/python bench/profile_server.py --api responses --stream        # POST /v1/responses
"""

from __future__ import annotations

import argparse
import collections
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import servers
import wrk
from procs import LOGS


def summarise(raw: Path, top: int = 40, thread: str = "MainThread", rate: int = 0, requests: int = 0) -> str:
    """Per-function shares of py-spy's collapsed stacks (one thread), inclusive and self; with the
    sampling ``rate`` and the ``requests`` served, also microseconds per request of each (py-spy
    leaves out idle samples, so samples / rate is time on the CPU, slowed by the sampling itself)."""
    inclusive: collections.Counter[str] = collections.Counter()
    own: collections.Counter[str] = collections.Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = [re.sub(r":\d+\)$", ")", f) for f in stack.split(";")]
        if thread not in frames[0]:
            continue
        n = int(count)
        total += n
        for frame in set(frames[1:]):
            inclusive[frame] += n
        own[frames[-1]] += n
    if not total:
        return "no samples"
    per_request = 1e6 / rate / requests if rate and requests else 0.0

    def row(frame: str, n: int) -> str:
        us = f"{n * per_request:8.1f} us/req" if per_request else ""
        return f"{n / total:6.1%} {us}  {frame}"

    out = [f"{total} samples of {thread}" + (f", {total * per_request:.0f} us per request" if per_request else "")]
    out += ["", "inclusive:"] + [row(frame, n) for frame, n in inclusive.most_common(top)]
    out += ["", "self:"] + [row(frame, n) for frame, n in own.most_common(top // 2)]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", choices=("g4f", "g4f-model", "reference"), default="g4f")
    parser.add_argument("--stream", action="store_true")
    parser.add_argument("--api", choices=tuple(wrk.API_PATHS), default="chat", help="the API post.lua speaks")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--rate", type=int, default=400, help="py-spy samples per second")
    parser.add_argument("--raw", type=Path, default=LOGS / "g4f-profile.txt", help="where py-spy writes its stacks")
    args = parser.parse_args(argv)
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    with servers.upstream() as up:
        if args.target == "reference":
            server = servers.ref_proxy(up.port)
        else:
            server = servers.g4f_api(up.port, route="model" if args.target == "g4f-model" else "provider")
        with server:
            servers.check_chat(server, args.stream)
            if args.api in servers.DOOR_CHECKS:
                servers.DOOR_CHECKS[args.api](server)
            # Attached once the server is up and warm: the profile holds requests, not imports.
            seconds = max(1, round(args.seconds))
            cmd = [spy, "record", "-r", str(args.rate), "-f", "raw", "--threads", "-o", str(args.raw)]
            cmd += ["-d", str(seconds), "-p", str(server.server_pid)]
            spying = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            time.sleep(0.5)  # py-spy attaches
            result = wrk.run(server.port, args.connections, seconds, args.stream, pid=server.server_pid, api=args.api)
            _, err = spying.communicate(timeout=60)
            if spying.returncode != 0:
                raise SystemExit(f"py-spy failed: {err.decode(errors='replace')[-500:]}")
    print(
        f"wrk: {result.rps:,.0f} req/s, p50 {result.p50_ms:.2f} ms, p99 {result.p99_ms:.2f} ms, "
        f"{result.errors} errors, server CPU {result.cpu_us or 0:.0f} us/request (under py-spy); "
        f"load average {' / '.join(f'{x:.2f}' for x in os.getloadavg())}\n"
    )
    print(summarise(args.raw, rate=args.rate, requests=result.requests))


if __name__ == "__main__":
    main()
