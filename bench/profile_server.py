"""Profile ``g4f api``'s hot path: the server runs under py-spy while wrk loads it through the fake
upstream; prints where the server's time goes (inclusive and self, per function).

    .venv/bin/python bench/profile_server.py                 # non-streaming, 32 connections, 10 s
    .venv/bin/python bench/profile_server.py --stream --connections 1 --raw /tmp/g4f.txt
"""

from __future__ import annotations

import argparse
import collections
import os
import re
import shutil
import signal
import sys
from pathlib import Path

import servers
import wrk
from procs import LOGS


def summarise(raw: Path, top: int = 40, thread: str = "MainThread") -> str:
    """Per-function shares of py-spy's collapsed stacks (one thread), inclusive and self."""
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
    out = [f"{total} samples of {thread}", "", "inclusive:"]
    out += [f"{n / total:6.1%}  {frame}" for frame, n in inclusive.most_common(top)]
    out += ["", "self:"] + [f"{n / total:6.1%}  {frame}" for frame, n in own.most_common(top // 2)]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", choices=("g4f", "reference"), default="g4f")
    parser.add_argument("--stream", action="store_true")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--rate", type=int, default=400, help="py-spy samples per second")
    parser.add_argument("--raw", type=Path, default=LOGS / "g4f-profile.txt", help="where py-spy writes its stacks")
    args = parser.parse_args(argv)
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    with servers.upstream() as up:
        server = servers.g4f_api(up.port) if args.target == "g4f" else servers.ref_proxy(up.port)
        server.cmd = [
            spy,
            "record",
            "-r",
            str(args.rate),
            "-f",
            "raw",
            "--threads",
            "-o",
            str(args.raw),
            "--",
            *server.cmd,
        ]
        with server:
            servers.check_chat(server, args.stream)
            result = wrk.run(server.port, args.connections, args.seconds, args.stream)
            # Stop the profiled server itself, so that py-spy sees it exit and writes its stacks.
            os.kill(server.server_pid, signal.SIGINT)
            server.proc.wait(30)  # type: ignore[union-attr]
    print(
        f"wrk: {result.rps:,.0f} req/s, p50 {result.p50_ms:.2f} ms, p99 {result.p99_ms:.2f} ms, "
        f"{result.errors} errors (under py-spy)\n"
    )
    print(summarise(args.raw))


if __name__ == "__main__":
    main()
