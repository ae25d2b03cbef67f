"""The three servers the benchmarks start: the fake upstream, the reference proxy and ``g4f api``."""

from __future__ import annotations

import os

import fake_upstream
import orjson
from procs import BENCH, G4F, HOST, LOGS, PY, Server, free_port, request

EMPTY_DIR = LOGS / "empty-cookies"  # no stored keys
EMPTY_DIR.mkdir(exist_ok=True)
STREAM_TEXT = "".join(f"tok{i} " for i in range(fake_upstream.CHUNKS))


def upstream() -> Server:
    port = free_port()
    return Server("upstream", [PY, str(BENCH / "fake_upstream.py"), "--port", str(port)], port)


def ref_proxy(upstream_port: int) -> Server:
    port = free_port()
    cmd = [PY, str(BENCH / "ref_proxy.py"), "--port", str(port), "--upstream", f"http://{HOST}:{upstream_port}/v1"]
    return Server("ref_proxy", cmd, port)


#: Environment variables naming provider keys: blanked for g4f servers, so a developer's own keys
#: (or a cookies directory) never decide which provider a benchmark measures.
KEY_ENVS = tuple(name for name in os.environ if name.endswith("_API_KEY") or name.endswith("_API_BASE"))

#: How ``g4f api`` finds the fake upstream. "provider": ``--provider Custom`` (the explicit-provider
#: shortcut); "model": no provider named, the model ``gpt-4o-mini`` routed through the registry to
#: OpenaiAPI, whose key and API base the environment sets (the common case of a configured server).
ROUTES = ("provider", "model")


def g4f_api(
    upstream_port: int | None = None, *args: str, launcher: list[str] | None = None, route: str = "provider"
) -> Server:
    """``g4f api`` with one worker; with an upstream port, pointed at it as ``route`` says."""
    port = free_port()
    env = {name: "" for name in KEY_ENVS}
    env.update(G4F_DEBUG="0", G4F_COOKIES_DIR=str(EMPTY_DIR))
    cmd = [*(launcher or [G4F]), "api", "--host", HOST, "--port", str(port), "--workers", "1", *args]
    if upstream_port is not None:
        base = f"http://{HOST}:{upstream_port}/v1"
        if route == "provider":
            cmd += ["--provider", "Custom"]
            env.update(CUSTOM_API_BASE=base, CUSTOM_API_KEY="x")
        elif route == "model":
            env.update(OPENAIAPI_API_BASE=base, OPENAI_API_KEY="x")
        else:
            raise ValueError(f"unknown route {route!r}; one of {', '.join(ROUTES)}")
    return Server("g4f" if route == "provider" else f"g4f-{route}", cmd, port, env=env, ready_timeout=60)


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


def _events(server: Server, path: str, body: bytes, headers: dict[str, str] | None = None) -> list[dict]:
    """The JSON ``data:`` events of one streamed answer through the server."""
    status, raw = request(server.port, "POST", path, body, headers=headers)
    if status != 200:
        raise RuntimeError(f"{server.name}: {path}: HTTP {status}: {raw[:300]!r}")
    events = [orjson.loads(line[6:]) for line in raw.split(b"\n") if line.startswith(b"data: ")]
    if not events:
        raise RuntimeError(f"{server.name}: {path}: no events in {raw[-200:]!r}")
    return events


def check_responses(server: Server) -> None:
    """One streamed Responses answer (the body post.lua sends): it ends with ``response.completed`` and
    its text deltas join to the upstream's stream."""
    body = orjson.dumps({"model": "gpt-4o-mini", "input": "Say hello.", "stream": True, "store": False})
    events = _events(server, "/v1/responses", body)
    if events[-1].get("type") != "response.completed":
        raise RuntimeError(f"{server.name}: /v1/responses ends with {events[-1].get('type')!r}")
    text = "".join(e["delta"] for e in events if e.get("type") == "response.output_text.delta")
    if text != STREAM_TEXT:
        raise RuntimeError(f"{server.name}: /v1/responses: unexpected answer {text[:200]!r}")


def check_messages(server: Server) -> None:
    """One streamed Messages answer (the body post.lua sends): it ends with ``message_stop`` and its
    ``text_delta``s join to the upstream's stream."""
    body = orjson.dumps(
        {
            "model": "gpt-4o-mini",
            "max_tokens": 64,
            "messages": [{"role": "user", "content": "Say hello."}],
            "stream": True,
        }
    )
    events = _events(server, "/v1/messages", body, {"anthropic-version": "2023-06-01"})
    if events[-1].get("type") != "message_stop":
        raise RuntimeError(f"{server.name}: /v1/messages ends with {events[-1].get('type')!r}")
    deltas = (e["delta"] for e in events if e.get("type") == "content_block_delta")
    text = "".join(d["text"] for d in deltas if d.get("type") == "text_delta")
    if text != STREAM_TEXT:
        raise RuntimeError(f"{server.name}: /v1/messages: unexpected answer {text[:200]!r}")


#: The streamed answer checks of the APIs beside chat completions, by post.lua's name for them.
DOOR_CHECKS = {"responses": check_responses, "messages": check_messages}
