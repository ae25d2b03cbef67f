"""Fixtures of the provider tests: a fake OpenAI server, no vendor keys, nothing reaching the internet."""

from __future__ import annotations

import pytest

from tests.fakes.openai_server import FakeOpenAI

VENDOR_ENV = (
    "OPENAI_API_KEY",
    "GROQ_API_KEY",
    "DEEPINFRA_API_KEY",
    "TOGETHER_API_KEY",
    "OPENROUTER_API_KEY",
    "CEREBRAS_API_KEY",
    "MISTRAL_API_KEY",
    "DEEPSEEK_API_KEY",
    "XAI_API_KEY",
    "HUGGINGFACE_API_KEY",
    "HF_TOKEN",
    "NVIDIA_API_KEY",
    "CUSTOM_API_KEY",
    "CUSTOM_API_BASE",
    "OLLAMA_HOST",
    "OLLAMA_API_BASE",
    "VLLM_API_KEY",
    "POLLINATIONSAI_IMAGE_API_BASE",
)
# Port 9 (discard) is closed here: a keyless public API a test forgot to fake fails at once, offline.
UNREACHABLE = "http://127.0.0.1:9"


@pytest.fixture(autouse=True)
def _offline(monkeypatch):
    for name in VENDOR_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("POLLINATIONSAI_API_BASE", UNREACHABLE)
    from g4f.providers import openai_compat
    from g4f.routing import health

    openai_compat._models_cache.clear()
    health.reset()
    yield
    openai_compat._models_cache.clear()
    health.reset()


@pytest.fixture
def fake():
    with FakeOpenAI() as server:
        yield server


@pytest.fixture
def second_fake():
    with FakeOpenAI() as server:
        yield server


@pytest.fixture(autouse=True)
async def _close_outbound_session():
    """Each test's event loop closes its pooled session, so no 'Unclosed client session' is left behind."""
    yield
    from g4f.providers.http import close_session

    await close_session()
