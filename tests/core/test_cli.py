"""``python -m g4f`` as a user runs it: a subprocess, the embedded model, stdin, errors."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest


def g4f_cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    return subprocess.run(
        [sys.executable, "-m", "g4f", *args], input=stdin, capture_output=True, text=True, timeout=180, env=env
    )


def test_prompt_argument():
    result = g4f_cli("Say hello", "--max-tokens", "8")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip()
    assert result.stderr == ""


def test_stream():
    result = g4f_cli("Count to three", "--stream", "--max-tokens", "8", "--temperature", "0")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() and result.stdout.endswith("\n")


def test_prompt_from_stdin():
    result = g4f_cli("--max-tokens", "8", "-p", "Local", stdin="What is the capital of France?\n")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip()


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["hi", "--model", "gpt-4oo"], "ModelNotFoundError: Model 'gpt-4oo' not found. Did you mean 'gpt-4o'"),
        (["hi", "--provider", "NoSuchProvider"], "ProviderNotFoundError: Provider 'NoSuchProvider' not found."),
        (["hi", "--provider", "Copilot"], "no documented public API"),
    ],
)
def test_error_is_one_line_and_non_zero(args, expected):
    result = g4f_cli(*args)
    assert result.returncode == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("g4f: error: ")
    assert expected in lines[0]
    assert "Traceback" not in result.stderr


def test_no_prompt():
    result = g4f_cli(stdin="")
    assert result.returncode == 2
    assert "no prompt" in result.stderr


def test_version():
    from g4f.version import __version__

    result = g4f_cli("--version")
    assert result.returncode == 0 and result.stdout.strip() == f"g4f {__version__}"


def test_models_and_providers_list_what_the_server_lists():
    import asyncio
    import json

    from g4f.api import catalog

    models = g4f_cli("models", "--json")
    assert models.returncode == 0, models.stderr
    listed = json.loads(models.stdout)["data"]
    assert [m["id"] for m in listed] == [m["id"] for m in asyncio.run(catalog.models_data())]
    assert {m["id"]: m.get("audio") for m in listed}["whisper-1"] is True
    text = g4f_cli("models")
    assert text.returncode == 0 and text.stdout.splitlines()[0].split()[:2] == [listed[0]["id"], "chat"]
    providers = g4f_cli("providers")
    assert providers.returncode == 0, providers.stderr
    lines = {line.split()[0]: line for line in providers.stdout.splitlines()}
    assert "ready" in lines["Local"] and "needs GROQ_API_KEY" in lines["Groq"]


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["--provider", "Nope"], "Provider 'Nope' not found."),
        (["--provider", "Copilot"], "no documented public API"),
        (["--provider", "Groq", "--ignored-providers", "Groq"], "is among the ignored providers"),
    ],
)
def test_api_refuses_a_provider_it_cannot_serve(args, reason):
    result = g4f_cli("api", "--port", "1", *args)
    assert result.returncode == 2
    assert reason in result.stderr and "Available providers: " in result.stderr and "Local" in result.stderr
