"""CPU per request of each gateway's own code: its ASGI app driven in-process, with no HTTP server
in front, against the fake upstream in its own process.

wrk's requests/s judge the budgets, but on a shared machine they swing with everyone else's load.
This counts the process's CPU time (``time.process_time``), which hardly does: the figure to compare
before and after a change to the hot path. ``--profile`` adds cProfile's per-function times, in
microseconds per request.

    .venv/bin/python bench/asgi_cost.py --stream --concurrency 32
    .venv/bin/python bench/asgi_cost.py --stream --profile g4f-model
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import os
import pstats
import sys
import time
from typing import Any

import servers
from procs import HOST

TARGETS = ("reference", "g4f", "g4f-model")


def _app(target: str, upstream_port: int) -> Any:
    base = f"http://{HOST}:{upstream_port}/v1"
    if target == "reference":
        import ref_proxy

        ref_proxy.UPSTREAM = base
        return ref_proxy.app
    for name in servers.KEY_ENVS:
        os.environ.pop(name, None)
    os.environ["G4F_COOKIES_DIR"] = str(servers.EMPTY_DIR)
    from g4f.api import create_app

    if target == "g4f":
        os.environ.update(CUSTOM_API_BASE=base, CUSTOM_API_KEY="x")
        return create_app({"provider": "Custom"})
    os.environ.update(OPENAIAPI_API_BASE=base, OPENAI_API_KEY="x")
    return create_app({})


def _scope() -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/v1/chat/completions",
        "raw_path": b"/v1/chat/completions",
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"127.0.0.1"),
            (b"content-type", b"application/json"),
            (b"authorization", b"Bearer x"),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }


async def _one(app: Any, body: bytes, stream: bool) -> int:
    """One request through the app; the number of body messages it sent."""
    sent = False
    never: asyncio.Future = asyncio.get_running_loop().create_future()
    messages = 0
    status = 0

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await never  # the client stays
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        nonlocal messages, status
        if message["type"] == "http.response.start":
            status = message["status"]
        else:
            messages += 1

    await app(_scope(), receive, send)
    if status != 200:
        raise RuntimeError(f"HTTP {status}")
    return messages


async def _load(app: Any, stream: bool, concurrency: int, requests: int) -> tuple[float, int]:
    body = servers.chat_body(stream)
    await _one(app, body, stream)  # warm: session, imports, caches
    left = iter(range(requests))
    chunks = 0

    async def worker() -> None:
        nonlocal chunks
        for _ in left:
            sent = await _one(app, body, stream)  # not ``chunks += await``: it reads chunks before awaiting
            chunks += sent

    began = time.process_time()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.process_time() - began, chunks


async def _closing(job: Any, target: str) -> Any:
    """Run ``job``, then close the app's pooled upstream session."""
    try:
        return await job
    finally:
        if target == "reference":
            import ref_proxy

            await ref_proxy._close_session()
        else:
            from g4f.providers.http import close_session

            await close_session()


def measure(target: str, stream: bool, concurrency: int, requests: int, profile: bool = False) -> dict[str, Any]:
    """Run in a fresh interpreter per target (``main`` does): CPU us per request and per chunk."""
    import uvloop

    with servers.upstream() as up:
        app = _app(target, up.port)
        runner = cProfile.Profile() if profile else None

        async def go() -> tuple[float, int]:
            if runner is None:
                return await _load(app, stream, concurrency, requests)
            await _one(app, servers.chat_body(stream), stream)
            runner.enable()
            try:
                return await _load(app, stream, concurrency, requests)
            finally:
                runner.disable()

        cpu, chunks = uvloop.run(_closing(go(), target))
    out: dict[str, Any] = {"target": target, "us_per_request": cpu / requests * 1e6, "messages": chunks / requests}
    if runner is not None:
        text = io.StringIO()
        stats = pstats.Stats(runner, stream=text)
        out["profile"] = _per_request(stats, requests)
    return out


def _per_request(stats: pstats.Stats, requests: int, top: int = 35) -> str:
    rows = []
    for (path, line, name), (_cc, calls, own, cumulative, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        where = f"{name} ({path.rsplit('/', 2)[-2] + '/' + path.rsplit('/', 1)[-1] if '/' in path else path}:{line})"
        rows.append((cumulative, own, calls, where))
    out = ["cumulative us/req   own us/req   calls/req   function"]
    for cumulative, own, calls, where in sorted(rows, reverse=True)[:top]:
        out.append(
            f"{cumulative / requests * 1e6:17.1f} {own / requests * 1e6:12.1f} {calls / requests:11.1f}   {where}"
        )
    out += ["", "by own time:"]
    for cumulative, own, calls, where in sorted(rows, key=lambda r: r[1], reverse=True)[:top]:
        out.append(
            f"{cumulative / requests * 1e6:17.1f} {own / requests * 1e6:12.1f} {calls / requests:11.1f}   {where}"
        )
    return "\n".join(out)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("targets", nargs="*", default=list(TARGETS), help=f"some of {', '.join(TARGETS)}")
    parser.add_argument("--stream", action="store_true")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--repeat", type=int, default=3, help="runs per target, taking turns; the best counts")
    parser.add_argument("--profile", action="store_true", help="cProfile (slows everything; shares still tell)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if set(args.targets) - set(TARGETS):
        parser.error(f"targets are some of {', '.join(TARGETS)}")
    if args.child:  # one target, one run, in this interpreter
        result = measure(args.targets[0], args.stream, args.concurrency, args.requests, args.profile)
        print(repr(result))
        return
    import ast
    import subprocess

    best: dict[str, dict[str, Any]] = {}
    for _ in range(args.repeat):
        for target in args.targets:
            cmd = [sys.executable, __file__, target, "--child", "--concurrency", str(args.concurrency)]
            cmd += ["--requests", str(args.requests)] + ["--stream"] * args.stream + ["--profile"] * args.profile
            done = subprocess.run(cmd, capture_output=True, text=True, check=False)
            if done.returncode != 0:
                raise SystemExit(f"{target}: {done.stderr[-2000:]}")
            result = ast.literal_eval(done.stdout.strip().splitlines()[-1])
            if target not in best or result["us_per_request"] < best[target]["us_per_request"]:
                best[target] = result
    ref = best.get("reference", {}).get("us_per_request")
    mode = "stream" if args.stream else "non-stream"
    print(
        f"{mode}, {args.concurrency} concurrent, {args.requests} requests, best of {args.repeat}; "
        f"load average {' / '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    for target, result in best.items():
        ratio = f"  {result['us_per_request'] / ref:.2f}x reference" if ref else ""
        print(
            f"{target:10s} {result['us_per_request']:8.1f} us/request  ({result['messages']:.0f} body messages){ratio}"
        )
    for target, result in best.items():
        if "profile" in result:
            print(f"\n== {target}\n{result['profile']}")


if __name__ == "__main__":
    main()
