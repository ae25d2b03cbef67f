"""Shutdown drains: on SIGTERM a real ``g4f api`` lets the streams in flight finish within
``--graceful-timeout``; one still running then ends with an OpenAI-format error event."""

from __future__ import annotations

import signal

import openai
import pytest

from ..fakes.chaos_server import ChaosServer, answer
from .server import free_port
from .test_processes import VENV_BIN, Process

USER = [{"role": "user", "content": "ping"}]


@pytest.fixture()
def slow_upstream():
    with ChaosServer() as server:
        yield server


@pytest.fixture()
def g4f_api(tmp_path, slow_upstream):
    """``g4f api`` answering every request with the ``Custom`` provider at the slow upstream."""
    port = free_port()
    args = [str(VENV_BIN / "g4f"), "api", "--port", str(port), "--provider", "Custom", "--graceful-timeout", "1"]
    process = Process(args, port, tmp_path, CUSTOM_API_BASE=slow_upstream.url)
    yield process
    process.stop()


def test_sigterm_lets_a_short_stream_finish_and_ends_a_long_one_in_band(g4f_api, slow_upstream):
    slow_upstream.configure(
        script=[
            {"kind": "drip", "drip_parts": 6, "drip_gap": 0.1},  # about 0.6 s: within the grace
            {"kind": "drip", "drip_parts": 100, "drip_gap": 0.1},  # about 10 s: past it
        ]
    )
    g4f_api.wait_ready()
    with openai.OpenAI(
        base_url=g4f_api.url + "/v1", api_key="unused", max_retries=0, _strict_response_validation=True, timeout=20
    ) as client:
        short = client.chat.completions.create(model="chaos-model", messages=USER, stream=True)
        short_parts = [next(short).choices[0].delta.content or ""]
        long = client.chat.completions.create(model="chaos-model", messages=USER, stream=True)
        long_parts = [next(long).choices[0].delta.content or ""]
        g4f_api.process.send_signal(signal.SIGTERM)

        short_parts += [c.choices[0].delta.content or "" for c in short if c.choices]
        assert "".join(short_parts) == answer(USER)  # finished after SIGTERM, to its [DONE]

        with pytest.raises(openai.APIError, match="shut down") as info:
            for chunk in long:
                long_parts.append(chunk.choices[0].delta.content or "" if chunk.choices else "")
        assert 0 < len("".join(long_parts)) < len(answer(USER))
        assert info.value.code == "server_shutting_down"  # type: ignore[attr-defined]

    assert g4f_api.process.wait(10) in (0, -signal.SIGTERM)  # uvicorn ends by the signal it was given
    assert "Traceback" not in g4f_api.log.read_text()


def test_the_default_grace_is_thirty_seconds():
    import inspect

    from g4f.api.server import run_api
    from g4f.cli.api import build_parser

    assert inspect.signature(run_api).parameters["graceful_timeout"].default == 30.0
    assert build_parser().parse_args(["--graceful-timeout", "2.5"]).graceful_timeout == 2.5
