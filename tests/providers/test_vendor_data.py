"""Each vendor's data against its documented values: the URL a chat request goes to, the headers it
carries, the key variable, and the body differences a vendor has. A typo in any of them fails here.

The URL and headers are read from the real request as it leaves: a session whose request-start hook
records it and stops it before any connection, so nothing reaches the internet. Bodies go to the
local fake.
"""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from g4f import Provider
from g4f.errors import MissingAuthError

KEY = "vendor-key-0123456789"
MESSAGES = [{"role": "user", "content": "hi"}]


class Stopped(Exception):
    """Raised by the request-start hook: the request never leaves the machine."""


def stopping_session(seen: list[dict[str, Any]]) -> Any:
    async def on_start(session: Any, context: Any, params: Any) -> None:
        seen.append({"method": params.method, "url": str(params.url), "headers": dict(params.headers)})
        raise Stopped

    trace = aiohttp.TraceConfig()
    trace.on_request_start.append(on_start)
    return lambda: aiohttp.ClientSession(trace_configs=[trace])


async def first_request(name: str, model: str = "", **kwargs: Any) -> dict[str, Any]:
    seen: list[dict[str, Any]] = []
    with pytest.raises(Stopped):
        agen = Provider.get(name).create_async_generator(
            model, MESSAGES, api_key=KEY, http_client=stopping_session(seen), **kwargs
        )
        [p async for p in agen]
    return seen[0]


# name -> (documented chat URL, key variable or None for keyless)
OPENAI_VENDORS = {
    "OpenaiAPI": ("https://api.openai.com/v1/chat/completions", "OPENAI_API_KEY"),
    "Groq": ("https://api.groq.com/openai/v1/chat/completions", "GROQ_API_KEY"),
    "DeepInfra": ("https://api.deepinfra.com/v1/openai/chat/completions", "DEEPINFRA_API_KEY"),
    "Together": ("https://api.together.xyz/v1/chat/completions", "TOGETHER_API_KEY"),
    "OpenRouter": ("https://openrouter.ai/api/v1/chat/completions", "OPENROUTER_API_KEY"),
    "Cerebras": ("https://api.cerebras.ai/v1/chat/completions", "CEREBRAS_API_KEY"),
    "Mistral": ("https://api.mistral.ai/v1/chat/completions", "MISTRAL_API_KEY"),
    "DeepSeek": ("https://api.deepseek.com/v1/chat/completions", "DEEPSEEK_API_KEY"),
    "xAI": ("https://api.x.ai/v1/chat/completions", "XAI_API_KEY"),
    "HuggingFace": ("https://router.huggingface.co/v1/chat/completions", "HUGGINGFACE_API_KEY"),
    "Nvidia": ("https://integrate.api.nvidia.com/v1/chat/completions", "NVIDIA_API_KEY"),
    "PollinationsAI": ("https://text.pollinations.ai/openai", None),
    "Ollama": ("http://127.0.0.1:11434/v1/chat/completions", None),
    "LMStudio": ("http://127.0.0.1:1234/v1/chat/completions", None),
    "LlamaCppServer": ("http://127.0.0.1:8080/v1/chat/completions", None),
    "VLLM": ("http://127.0.0.1:8000/v1/chat/completions", None),
}


@pytest.fixture(autouse=True)
def _documented_bases(monkeypatch):
    """The class's own api_base, not the test suite's offline override."""
    monkeypatch.delenv("POLLINATIONSAI_API_BASE", raising=False)


@pytest.mark.parametrize("name", OPENAI_VENDORS)
async def test_openai_vendor_url_and_headers(name):
    url, variable = OPENAI_VENDORS[name]
    sent = await first_request(name)
    assert (sent["method"], sent["url"]) == ("POST", url)
    assert sent["headers"]["Authorization"] == f"Bearer {KEY}"
    assert sent["headers"]["Content-Type"] == "application/json"
    if variable:
        assert Provider.get(name).api_key_env == variable


def test_openrouter_names_the_app():
    # openrouter.ai/docs/api-reference/overview: optional app attribution headers.
    assert Provider.get("OpenRouter").headers == {
        "HTTP-Referer": "https://github.com/xtekky/gpt4free",
        "X-Title": "g4f",
    }


async def test_pollinations_media_endpoints():
    sent = await first_request("PollinationsAI", "flux")
    assert sent["url"].startswith("https://image.pollinations.ai/prompt/hi?")
    assert "model=flux" in sent["url"] and "private=true" in sent["url"] and "referrer=g4f" in sent["url"]
    sent = await first_request("PollinationsAI", "openai-audio")
    assert sent["url"].startswith("https://text.pollinations.ai/hi?") and "model=openai-audio" in sent["url"]


async def test_deepseek_continues_on_its_beta_base_url():
    messages = [*MESSAGES, {"role": "assistant", "content": "Hel"}]
    seen: list[dict[str, Any]] = []
    with pytest.raises(Stopped):
        agen = Provider.get("DeepSeek").create_async_generator(
            "", messages, api_key=KEY, http_client=stopping_session(seen), continue_final_message=True
        )
        [p async for p in agen]
    assert seen[0]["url"] == "https://api.deepseek.com/beta/chat/completions"


async def test_anthropic_url_and_headers():
    sent = await first_request("Anthropic")
    assert sent["url"] == "https://api.anthropic.com/v1/messages"
    assert sent["headers"]["x-api-key"] == KEY and sent["headers"]["anthropic-version"] == "2023-06-01"
    assert "Authorization" not in sent["headers"]
    assert Provider.get("Anthropic").api_key_env == "ANTHROPIC_API_KEY"


@pytest.mark.parametrize("stream", [True, False])
async def test_gemini_url_and_headers(stream):
    sent = await first_request("Gemini", stream=stream)
    base = "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash"
    assert sent["url"] == (f"{base}:streamGenerateContent?alt=sse" if stream else f"{base}:generateContent")
    assert sent["headers"]["x-goog-api-key"] == KEY and "key=" not in sent["url"]
    assert Provider.get("Gemini").api_key_env == "GEMINI_API_KEY"


@pytest.mark.parametrize("name", [n for n, (_, variable) in OPENAI_VENDORS.items() if variable])
async def test_keyed_vendors_refuse_before_sending_naming_their_variable(name):
    seen: list[dict[str, Any]] = []
    with pytest.raises(MissingAuthError, match=OPENAI_VENDORS[name][1]):
        agen = Provider.get(name).create_async_generator("", MESSAGES, http_client=stopping_session(seen))
        [p async for p in agen]
    assert seen == []


# --- body differences, against the fake ----------------------------------------------------------


async def body_sent(name: str, fake: Any, **kwargs: Any) -> dict[str, Any]:
    agen = Provider.get(name).create_async_generator("", MESSAGES, api_key=KEY, api_base=fake.url, **kwargs)
    [p async for p in agen]
    return fake.last["json"]


async def test_mistral_body(fake):
    # docs.mistral.ai API: "random_seed" (not seed); unknown fields such as stream_options are refused.
    body = await body_sent("Mistral", fake, seed=7, user="u", logit_bias={"1": 1}, store=True, stream=True)
    assert body["random_seed"] == 7 and "seed" not in body
    assert not {"user", "logit_bias", "store", "stream_options"} & set(body)


async def test_pollinations_body(fake):
    # Documented fields: keep prompts out of the public feed, name the app.
    body = await body_sent("PollinationsAI", fake, seed=7)
    assert body["private"] is True and body["referrer"] == "g4f" and body["seed"] == 7


@pytest.mark.parametrize("name", ["Groq", "OpenaiAPI", "DeepSeek", "Together"])
async def test_openai_vendors_send_openai_names_and_ask_for_stream_usage(name, fake):
    body = await body_sent(name, fake, seed=7, user="u", stream=True)
    assert body["seed"] == 7 and body["user"] == "u"
    assert body["stream_options"] == {"include_usage": True}


async def test_default_models_are_the_vendors_names():
    expected = {
        "OpenaiAPI": "gpt-4o-mini",
        "Groq": "llama-3.3-70b-versatile",
        "Mistral": "mistral-small-latest",
        "DeepSeek": "deepseek-chat",
        "Anthropic": "claude-sonnet-4-20250514",
        "Gemini": "gemini-2.5-flash",
    }
    for name, model in expected.items():
        assert Provider.get(name).default_model == model
