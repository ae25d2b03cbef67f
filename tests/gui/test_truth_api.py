"""What the page's pickers are built from tells the truth: /v1/providers says whether a local server
is listening (a real listener, a closed port, no address, this server's own address), /v1/models
whether some provider can serve each model now, and a provider whose address is this server is
refused instead of called. A real server in this process, read with the official openai SDK and httpx."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import openai
import pytest

from g4f import Provider
from g4f.api import probe
from g4f.providers.own_address import OwnAddressError, forget, note_server, own_address
from tests.api.server import ThreadedUvicorn

KEYS = ("GROQ_API_KEY", "CEREBRAS_API_KEY", "MISTRAL_API_KEY", "DEEPINFRA_API_KEY", "TOGETHER_API_KEY")


@pytest.fixture
def listener() -> Iterator[int]:
    """A real TCP listener on this machine (connections queue in the kernel's backlog)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        yield s.getsockname()[1]


@pytest.fixture
def refused() -> Iterator[socket.socket]:
    """A bound port that does not listen (yet): connects to it are refused."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        yield s


@pytest.fixture
def server(monkeypatch, listener, refused) -> Iterator[ThreadedUvicorn]:
    closed = refused.getsockname()[1]
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.setenv("LMSTUDIO_API_BASE", f"http://127.0.0.1:{listener}/v1")
    monkeypatch.setenv("OLLAMA_API_BASE", f"http://127.0.0.1:{closed}/v1")
    monkeypatch.setenv("VLLM_API_BASE", f"http://localhost:{closed}/v1")
    for name in ("CUSTOM_API_BASE", "OLLAMA_HOST", *KEYS):
        monkeypatch.delenv(name, raising=False)
    probe.forget()
    app = ThreadedUvicorn()
    monkeypatch.setenv("LLAMACPPSERVER_API_BASE", f"{app.url}/v1")
    app.start()
    yield app
    app.stop()
    probe.forget()


def sdk(server: ThreadedUvicorn) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{server.url}/v1", api_key="unused", max_retries=0, _strict_response_validation=True)


def test_providers_say_whether_their_server_is_there(server, listener, refused):
    closed = refused.getsockname()[1]
    data = {p["id"]: p for p in httpx.get(f"{server.url}/v1/providers", timeout=5).json()["data"]}
    fields = ("reachable", "address", "unreachable", "api_base_env")
    pick = {name: tuple(data[name][f] for f in fields) for name in ("LMStudio", "Ollama", "VLLM", "Custom")}
    assert pick == {
        "LMStudio": (True, f"127.0.0.1:{listener}", None, "LMSTUDIO_API_BASE"),
        "Ollama": (False, f"127.0.0.1:{closed}", "not_running", "OLLAMA_API_BASE"),
        "VLLM": (False, f"localhost:{closed}", "not_running", "VLLM_API_BASE"),
        "Custom": (False, None, "no_address", "CUSTOM_API_BASE"),
    }
    assert data["LlamaCppServer"]["reachable"] is False
    assert data["LlamaCppServer"]["unreachable"] == "this_server"
    assert data["LlamaCppServer"]["address"] == f"127.0.0.1:{server.port}"
    # Cloud APIs and the embedded engine are not probed.
    assert data["Groq"]["reachable"] is None and data["Groq"]["address"] is None
    assert data["Local"]["reachable"] is None
    one = httpx.get(f"{server.url}/v1/providers/Ollama", timeout=5).json()
    assert (one["reachable"], one["unreachable"]) == (False, "not_running")


def test_models_say_what_they_lack(server, refused):
    closed = refused.getsockname()[1]
    models = {m.id: m.model_extra for m in sdk(server).models.list().data}
    assert models["gpt-4o"]["available"] is True  # OpenaiAPI has its key
    assert models["smollm2-135m"]["available"] is True  # the embedded engine
    scout = models["llama-4-scout"]
    assert scout["available"] is False
    assert [(r["provider"], r["reason"], r["api_key_env"]) for r in scout["requires"]] == [
        ("Groq", "needs_key", "GROQ_API_KEY"),
        ("Cerebras", "needs_key", "CEREBRAS_API_KEY"),
    ]
    mistral = models["mistral-7b"]
    assert mistral["available"] is False
    assert mistral["requires"][0] == {"provider": "Ollama", "reason": "not_running", "address": f"127.0.0.1:{closed}"}
    assert mistral["requires"][1]["api_key_env"] == "MISTRAL_API_KEY"


def test_models_served_only_by_ignored_providers_require_nothing_they_could_get(monkeypatch):
    monkeypatch.delenv("GROQ_API_KEY", raising=False)
    monkeypatch.delenv("CEREBRAS_API_KEY", raising=False)
    app = ThreadedUvicorn({"ignored_providers": ["Groq", "Cerebras"]}).start()
    try:
        scout = {m.id: m.model_extra for m in sdk(app).models.list().data}["llama-4-scout"]
        providers = {p["id"]: p for p in httpx.get(f"{app.url}/v1/providers", timeout=5).json()["data"]}
    finally:
        app.stop()
    assert scout == {**scout, "available": False, "requires": []}
    assert (providers["Groq"]["ignored"], providers["Cerebras"]["ignored"], providers["Mistral"]["ignored"]) == (
        True,
        True,
        False,
    )


def test_a_provider_pointing_at_this_server_is_refused(server):
    with pytest.raises(openai.APIStatusError) as caught:
        sdk(server).chat.completions.create(
            model="any", messages=[{"role": "user", "content": "hi"}], extra_body={"provider": "LlamaCppServer"}
        )
    error = caught.value
    assert error.status_code == 503
    assert error.body["code"] == "provider_is_this_server"
    message = error.body["message"]
    assert f"127.0.0.1:{server.port} is this g4f server itself" in message
    assert "LLAMACPPSERVER_API_BASE" in message


def listening(port: int) -> bool:
    # On a thread of its own: the browser tests' Playwright keeps an event loop running on this one.
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, probe.is_listening("127.0.0.1", port)).result()


def test_a_probe_is_cached_for_a_few_seconds(refused):
    port = refused.getsockname()[1]
    probe.forget()
    try:
        assert listening(port) is False
        refused.listen()  # a server starts: the cached answer stands until it expires
        assert listening(port) is False
        probe.forget()
        assert listening(port) is True
    finally:
        probe.forget()


def test_gui_on_8080_refuses_llama_cpp_servers_default_address(monkeypatch):
    # `g4f gui` listens on 8080 by default, llama.cpp server's default address.
    monkeypatch.delenv("LLAMACPPSERVER_API_BASE", raising=False)
    forget()
    try:
        assert own_address("http://127.0.0.1:8080/v1") is None  # nothing noted yet: nothing refused
        note_server(("127.0.0.1", 8080))
        with pytest.raises(OwnAddressError, match=r"127\.0\.0\.1:8080 is this g4f server itself"):
            Provider.get("LlamaCppServer").get_api_base()
        assert own_address("http://localhost:8080/v1") == ("localhost", 8080)
        assert own_address("http://[::1]:8080") == ("::1", 8080)
        assert own_address("http://127.0.0.1:8081/v1") is None
        assert own_address("https://api.groq.com/openai/v1") is None
        assert own_address("http://127.0.0.1:11434/v1") is None
    finally:
        forget()
