"""Section "faults": failures that clients must not see (issue 11).

``g4f api`` serves one model from two OpenAI-protocol providers: ``ChaosUpstream`` (the chaos fake of
tests/fakes, faulty at ``RATE`` across every kind, mid-stream ones included) and ``HealthyUpstream``
(the same fake, fault-free, able to continue a broken stream). 1,000 requests, 8 at a time, half
streamed, with the official answer checked for each. Budget: no client-visible failure. Reported: the
p50/p99 latency the faults add against a fault-free run of the same setup, and how many requests
reached the faulty provider while its breaker was open (health polled every ``POLL`` seconds).
Then every provider faulty: each request must get an OpenAI-format 502/503/504 (or 429 with
Retry-After) naming each provider, or, when a stream broke after its first text, an in-band error.

The server is g4f's own CLI (``g4f.cli.main(["api", ...])``) in a child process started by this file
with ``serve``, after registering the two providers the way a plugin would.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path
from typing import Any

import aiohttp
import orjson
from procs import HOST, PY, ROOT, Server, free_port
from report import Section, verdict

sys.path.insert(0, str(ROOT))

from tests.fakes.chaos_server import FAULTS, ChaosServer, answer  # noqa: E402

CONCURRENCY = 8
RATE = 0.30
POLL = 0.02
TIMEOUT = 1.0  # --timeout and --stream-timeout of the server: what a hung attempt costs
MODEL = "faults-model"
PROVIDERS = ("ChaosUpstream", "HealthyUpstream")
USER = [{"role": "user", "content": "Say hello."}]
EXPECTED = answer(USER)
ALL_FAULTY_REQUESTS = 200


# --- the server: g4f's CLI with the two providers registered ------------------------------------------------


def serve(port: int, chaos_url: str, healthy_url: str) -> None:
    from g4f import Provider
    from g4f.cli import main
    from g4f.models import Model
    from g4f.providers.openai_compat import OpenaiTemplate

    for name, url, continues in (("ChaosUpstream", chaos_url, False), ("HealthyUpstream", healthy_url, True)):
        attributes = {
            "api_base": url,
            "needs_auth": False,
            "default_model": MODEL,
            "models": [MODEL],
            "supports_continuation": continues,
            "continuation_style": "vllm" if continues else None,
        }
        Provider.register(type(name, (OpenaiTemplate,), attributes))
    Model(MODEL, "Bench", list(PROVIDERS))
    timeouts = ["--timeout", str(TIMEOUT), "--stream-timeout", str(TIMEOUT)]
    sys.exit(main(["api", "--host", HOST, "--port", str(port), "--no-access-log", *timeouts]))


def g4f_server(chaos: ChaosServer, healthy: ChaosServer) -> Server:
    port = free_port()
    cmd = [PY, str(Path(__file__).resolve()), "serve", str(port), chaos.url, healthy.url]
    return Server("g4f-faults", cmd, port, env={"G4F_DEBUG": "0"}, ready_timeout=60)


# --- the load ---------------------------------------------------------------------------------------------------


def check(status: int, headers: Any, body: bytes, stream: bool) -> str | None:
    """None when the client got the whole expected answer, else what went wrong."""
    if status != 200:
        return f"HTTP {status}: {body[:200]!r}"
    if not stream:
        text = orjson.loads(body)["choices"][0]["message"]["content"]
        return None if text == EXPECTED else f"answer {text!r}"
    events = [line[6:] for line in body.split(b"\n") if line.startswith(b"data: ")]
    if not events or events[-1].strip() != b"[DONE]":
        return f"stream without [DONE]: {body[-200:]!r}"
    chunks = [orjson.loads(e) for e in events[:-1]]
    if any("error" in c for c in chunks):
        return f"in-band error: {events[-2][:200]!r}"
    text = "".join((c["choices"][0]["delta"].get("content") or "") for c in chunks if c.get("choices"))
    return None if text == EXPECTED else f"answer {text!r}"


async def one(session: aiohttp.ClientSession, url: str, stream: bool) -> tuple[float, int, Any, bytes]:
    body = orjson.dumps({"model": MODEL, "messages": USER, "stream": stream})
    began = time.perf_counter()
    async with session.post(url, data=body, headers={"Content-Type": "application/json"}) as response:
        data = await response.read()
        return time.perf_counter() - began, response.status, response.headers, data


async def load(base: str, total: int, poll: bool) -> tuple[list[tuple[float, bool, int, Any, bytes]], list]:
    """``total`` requests from CONCURRENCY clients, every other one streamed; health polled meanwhile."""
    url = base + "/v1/chat/completions"
    results: list[tuple[float, bool, int, Any, bytes]] = []
    states: list[tuple[float, str]] = []  # (wall time, breaker state of ChaosUpstream)
    counter = iter(range(total))
    running = True

    async def client(session: aiohttp.ClientSession) -> None:
        for i in counter:
            stream = i % 2 == 1
            try:
                seconds, status, headers, data = await one(session, url, stream)
            except (aiohttp.ClientError, asyncio.TimeoutError) as error:
                seconds, status, headers, data = 0.0, 0, {}, repr(error).encode()
            results.append((seconds, stream, status, headers, data))

    async def watch(session: aiohttp.ClientSession) -> None:
        while running:
            async with session.get(f"{base}/v1/providers/{PROVIDERS[0]}") as response:
                record = (await response.json()).get("health") or {}
            states.append((time.time(), str(record.get("state", "unknown"))))
            await asyncio.sleep(POLL)

    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=CONCURRENCY + 1), timeout=timeout) as s:
        watcher = asyncio.ensure_future(watch(s)) if poll else None
        await asyncio.gather(*(client(s) for _ in range(CONCURRENCY)))
        running = False
        if watcher is not None:
            await watcher
    return results, states


async def warm_up(base: str) -> None:
    """Pooled connections and first-call imports, on the healthy provider only (not measured)."""
    body = orjson.dumps({"model": MODEL, "messages": USER, "provider": PROVIDERS[1]})
    async with aiohttp.ClientSession() as session:
        for _ in range(2):
            replies = [session.post(base + "/v1/chat/completions", data=body) for _ in range(CONCURRENCY)]
            for reply in await asyncio.gather(*replies):
                await reply.read()
                reply.release()


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def state_at(states: list[tuple[float, str]], when: float) -> str:
    """The breaker state last polled before ``when``."""
    current = "closed"
    for at, state in states:
        if at > when:
            break
        current = state
    return current


def run_once(total: int, rates: dict[str, float], healthy_rates: dict[str, float] | None = None) -> dict[str, Any]:
    chaos, healthy = ChaosServer(rates, seed=11, hang=30), ChaosServer(healthy_rates or {}, seed=12, hang=30)
    with chaos, healthy, g4f_server(chaos, healthy) as g4f:
        asyncio.run(warm_up(g4f.base))
        began = time.monotonic()
        results, states = asyncio.run(load(g4f.base, total, poll=True))
        seconds = time.monotonic() - began
    return {"results": results, "states": states, "chaos": chaos.log, "healthy": healthy.log, "seconds": seconds}


def names_each_provider(status: int, headers: Any, body: bytes, stream: bool) -> bool:
    """An OpenAI-format provider failure naming both providers (HTTP status, or in-band after text)."""
    if status == 200 and stream:
        events = [line[6:] for line in body.split(b"\n") if line.startswith(b"data: ")]
        error = orjson.loads(events[-1]).get("error") if events and events[-1].strip() != b"[DONE]" else None
    elif status in (502, 503, 504) or (status == 429 and headers.get("Retry-After")):
        error = orjson.loads(body).get("error")
    else:
        return False
    return (
        isinstance(error, dict)
        and {"message", "type", "code"} <= set(error)
        and all(name in str(error["message"]) for name in PROVIDERS)
    )


def run(total: int = 1000) -> Section:
    section = Section(
        f"Faults: {total:,} requests through two providers of one model, one faulty at {RATE:.0%}",
        ["measure", "fault-free run", "one provider faulty", "budget", "result"],
    )
    each = RATE / len(FAULTS)
    clean = run_once(total, {})
    faulty = run_once(total, {kind: each for kind in FAULTS})
    rows: dict[str, dict[str, Any]] = {}
    for label, run_ in (("clean", clean), ("faulty", faulty)):
        failures = [
            problem
            for _s, stream, status, headers, body in run_["results"]
            if (problem := check(status, headers, body, stream)) is not None
        ]
        latencies = [s for s, *_ in run_["results"]]
        rows[label] = {"failures": failures, "latencies": latencies}
    bad = rows["faulty"]["failures"]
    section.add(
        "client-visible failures",
        len(rows["clean"]["failures"]),
        len(bad),
        "0",
        verdict(not bad and not rows["clean"]["failures"]),
    )
    for q, name in ((0.5, "p50"), (0.99, "p99")):
        a, b = percentile(rows["clean"]["latencies"], q), percentile(rows["faulty"]["latencies"], q)
        section.add(
            f"{name} latency ms (added by faults)",
            f"{a * 1000:.1f}",
            f"{b * 1000:.1f} (+{(b - a) * 1000:.1f})",
            "",
            "n/a",
        )
    chaos_log = faulty["chaos"]
    kinds = sorted({entry["kind"] for entry in chaos_log})
    faults_hit = sum(entry["kind"] in FAULTS for entry in chaos_log)
    in_open = [e for e in chaos_log if state_at(faulty["states"], e["wall"]) == "open"]
    opened = next((at for at, state in faulty["states"] if state == "open"), None)
    after_open = [e for e in chaos_log if opened is not None and e["wall"] >= opened]
    section.add(
        "requests that reached the faulty provider (faults among them)",
        len(clean["chaos"]),
        f"{len(chaos_log)} ({faults_hit}; kinds: {', '.join(kinds)})",
        "",
        "n/a",
    )
    section.add(
        "of them after its breaker first opened / while it was open",
        "-",
        f"{len(after_open)} / {len(in_open)}" if opened is not None else "breaker never opened",
        "0 while open",
        verdict(not in_open),
    )
    continued = sum(entry["continuation"] for entry in faulty["healthy"])
    section.add("streams continued on the healthy provider", "-", continued, "", "n/a")
    section.add("run time s", f"{clean['seconds']:.1f}", f"{faulty['seconds']:.1f}", "", "n/a")

    broken = run_once(ALL_FAULTY_REQUESTS, {k: 1 / len(FAULTS) for k in FAULTS}, {k: 1 / len(FAULTS) for k in FAULTS})
    named = sum(
        names_each_provider(status, headers, body, stream) for _s, stream, status, headers, body in broken["results"]
    )
    statuses: dict[int, int] = {}
    for _s, _stream, status, *_ in broken["results"]:
        statuses[status] = statuses.get(status, 0) + 1
    section.add(
        "all providers faulty: OpenAI-format errors naming each provider",
        "-",
        f"{named}/{len(broken['results'])} (statuses {', '.join(f'{k}: {v}' for k, v in sorted(statuses.items()))})",
        "all",
        verdict(named == len(broken["results"])),
    )
    if bad:
        section.notes.append("first failures: " + "; ".join(sorted(set(bad))[:3]).replace("|", "/"))
    section.notes.append(
        f"{CONCURRENCY} concurrent aiohttp clients, every other request streamed; server `--timeout {TIMEOUT:g} "
        f"--stream-timeout {TIMEOUT:g}`; the faulty provider draws each of the {len(FAULTS)} fault kinds at "
        f"{each:.1%} (seed 11); breaker state polled every {POLL * 1000:.0f} ms from /v1/providers."
    )
    return section


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command")
    serving = sub.add_parser("serve", help="(internal) the g4f api of this benchmark")
    serving.add_argument("port", type=int)
    serving.add_argument("chaos_url")
    serving.add_argument("healthy_url")
    measuring = sub.add_parser("run", help="run the section and print its table")
    measuring.add_argument("--requests", type=int, default=1000)
    args = parser.parse_args(argv)
    if args.command == "serve":
        serve(args.port, args.chaos_url, args.healthy_url)
        return 0
    print(run(args.requests if args.command == "run" else 1000).markdown())
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    sys.exit(main())
