"""The three servers the benchmarks start: the fake upstream, the reference proxy and ``g4f api``."""

from __future__ import annotations

import fake_upstream
import orjson
from procs import BENCH, G4F, HOST, PY, Server, free_port, request

STREAM_TEXT = "".join(f"tok{i} " for i in range(fake_upstream.CHUNKS))


def upstream() -> Server:
    port = free_port()
    return Server("upstream", [PY, str(BENCH / "fake_upstream.py"), "--port", str(port)], port)


def ref_proxy(upstream_port: int) -> Server:
    port = free_port()
    cmd = [PY, str(BENCH / "ref_proxy.py"), "--port", str(port), "--upstream", f"http://{HOST}:{upstream_port}/v1"]
    return Server("ref_proxy", cmd, port)


def g4f_api(upstream_port: int | None = None, *args: str, launcher: list[str] | None = None) -> Server:
    """``g4f api`` with one worker; with an upstream port, ``--provider Custom`` pointed at it."""
    port = free_port()
    env = {"G4F_DEBUG": "0"}
    cmd = [*(launcher or [G4F]), "api", "--host", HOST, "--port", str(port), "--workers", "1", *args]
    if upstream_port is not None:
        cmd += ["--provider", "Custom"]
        env.update(CUSTOM_API_BASE=f"http://{HOST}:{upstream_port}/v1", CUSTOM_API_KEY="x")
    return Server("g4f", cmd, port, env=env, ready_timeout=60)


def chat_body(stream: bool, model: str = "gpt-4o-mini") -> bytes:
    return orjson.dumps({"model": model, "messages": [{"role": "user", "content": "Say hello."}], "stream": stream})


def check_chat(server: Server, stream: bool) -> None:
    """One real answer through the server, so that a benchmark never measures error pages."""
    status, body = request(server.port, "POST", "/v1/chat/completions", chat_body(stream))
    if status != 200:
        raise RuntimeError(f"{server.name}: HTTP {status}: {body[:300]!r}")
    if not stream:
        text = orjson.loads(body)["choices"][0]["message"]["content"]
        expected = fake_upstream.CONTENT
    else:
        events = [line[6:] for line in body.split(b"\n") if line.startswith(b"data: ")]
        if not events or events[-1].strip() != b"[DONE]":
            raise RuntimeError(f"{server.name}: stream does not end with [DONE]: {body[-200:]!r}")
        chunks = [orjson.loads(e) for e in events[:-1]]
        text = "".join((c["choices"][0]["delta"].get("content") or "") for c in chunks if c.get("choices"))
        expected = STREAM_TEXT
    if text != expected:
        raise RuntimeError(f"{server.name}: unexpected answer {text[:200]!r}")
