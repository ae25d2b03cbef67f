"""The vendors' data and the model registry: true catalogues, keyless and local first, env overrides."""

from __future__ import annotations

import pytest

from g4f import Provider
from g4f.models import ModelRegistry, default
from g4f.providers.openai_compat import OpenaiTemplate

VENDORS = [
    "OpenaiAPI",
    "Groq",
    "DeepInfra",
    "Together",
    "OpenRouter",
    "Cerebras",
    "Mistral",
    "DeepSeek",
    "xAI",
    "HuggingFace",
    "Nvidia",
    "PollinationsAI",
    "Ollama",
    "LMStudio",
    "LlamaCppServer",
    "VLLM",
    "Custom",
]
LOCAL = ["Ollama", "LMStudio", "LlamaCppServer", "VLLM"]
KEYLESS = [*LOCAL, "PollinationsAI", "Custom"]


def test_every_model_lists_only_providers_that_serve_it():
    assert ModelRegistry.validate_all_models() == {}


def test_default_model_is_local_first_then_keyless():
    assert default.provider_names == ["Local", "PollinationsAI"]


def test_keyless_and_local_providers_come_first_in_each_model():
    for model in ModelRegistry.all_models().values():
        needs_auth = [getattr(p, "needs_auth", False) for p in model.providers]
        assert needs_auth == sorted(needs_auth), model.name


@pytest.mark.parametrize("name", VENDORS)
def test_vendor_data_is_complete_and_consistent(name):
    cls = Provider.get(name)
    assert issubclass(cls, OpenaiTemplate) and cls.working
    assert cls.needs_auth is (name not in KEYLESS)
    assert cls.local is (name in LOCAL)
    if name != "Custom":
        assert cls.url and cls.api_base.startswith(("https://", "http://127.0.0.1"))
    if cls.models:
        assert cls.default_model in cls.models
    catalogue = {*cls.models, *cls.image_models, *cls.audio_models}
    for alias, target in cls.model_aliases.items():
        assert target in catalogue, f"{name}: alias {alias!r} -> {target!r} is not in the catalogue"
    assert set(cls.vision_models) <= {*cls.models, "llava", "llama3.2-vision"}
    assert {*cls.speech_models, *cls.transcription_models} <= set(cls.audio_models)


@pytest.mark.parametrize("name", [v for v in VENDORS if v != "Ollama"])
def test_api_base_comes_from_the_environment(name, monkeypatch):
    cls = Provider.get(name)
    monkeypatch.setenv(f"{name.upper()}_API_BASE", "http://127.0.0.1:1/v1/")
    assert cls.get_api_base() == "http://127.0.0.1:1/v1"
    assert cls.get_api_base("http://other:2/v1") == "http://other:2/v1"  # the request's own wins


def test_ollama_follows_ollama_host(monkeypatch):
    from g4f.Provider import Ollama

    assert Ollama.get_api_base() == "http://127.0.0.1:11434/v1"
    monkeypatch.setenv("OLLAMA_HOST", "0.0.0.0:9999")
    assert Ollama.get_api_base() == "http://0.0.0.0:9999/v1"
    monkeypatch.setenv("OLLAMA_HOST", "https://ollama.example:443/")
    assert Ollama.get_api_base() == "https://ollama.example:443/v1"


def test_custom_without_a_base_says_how_to_set_one():
    from g4f.errors import ProviderNotWorkingError
    from g4f.Provider import Custom

    with pytest.raises(ProviderNotWorkingError, match="CUSTOM_API_BASE"):
        Custom.get_api_base()


def test_keys_come_from_the_vendors_documented_variables(monkeypatch):
    from g4f.Provider import HuggingFace, OpenaiAPI, xAI

    monkeypatch.setenv("OPENAI_API_KEY", "a")
    monkeypatch.setenv("XAI_API_KEY", "b")
    monkeypatch.setenv("HF_TOKEN", "c")
    assert (OpenaiAPI.get_api_key(), xAI.get_api_key(), HuggingFace.get_api_key()) == ("a", "b", "c")


async def test_models_are_listed_from_the_upstream_and_cached(fake, monkeypatch):
    from g4f.Provider import Custom

    assert await Custom.get_models_async(api_base=fake.url) == ["fake-model", "fake-model-2"]
    assert await Custom.get_models_async(api_base=fake.url) == ["fake-model", "fake-model-2"]
    assert fake.models_calls == 1  # cached
    assert await Custom.get_models_async(api_base=fake.url, refresh=True)
    assert fake.models_calls == 2
    monkeypatch.setattr(Custom, "models_ttl", 0)
    await Custom.get_models_async(api_base=fake.url)
    assert fake.models_calls == 3  # expired
    assert "fake-model-2" in Custom.get_models(api_base=fake.url)  # the sync view adds what was fetched


async def test_a_chat_call_never_lists_models(fake):
    from g4f.Provider import Groq

    [
        p
        async for p in Groq.create_async_generator(
            "some-new-model", [{"role": "user", "content": "x"}], api_key="k", api_base=fake.url
        )
    ]
    assert fake.models_calls == 0
    assert fake.last["json"]["model"] == "some-new-model"  # names beyond the static list pass through


async def test_listing_failure_falls_back_to_the_static_catalogue(fake):
    from g4f.Provider import Groq

    fake.api_key = "other"
    assert await Groq.get_models_async(api_key="wrong", api_base=fake.url) == Groq.get_models()
