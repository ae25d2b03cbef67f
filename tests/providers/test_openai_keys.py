"""API keys from the argument, the environment and the cookies directory; never in errors or logs."""

from __future__ import annotations

import logging
import os

import pytest

from g4f import debug
from g4f.client import AsyncClient
from g4f.errors import MissingAuthError, ProviderError, RetryProviderError
from g4f.Provider import Groq
from g4f.routing import get_candidates
from tests.fakes.openai_server import FakeOpenAI

KEY = "gsk-test-Secret-0123456789abcdef"
MESSAGES = [{"role": "user", "content": "hi"}]


@pytest.fixture
def keyed_fake():
    with FakeOpenAI(api_key=KEY) as server:
        yield server


async def ask(fake, **kwargs):
    agen = Groq.create_async_generator("llama-3.3-70b", MESSAGES, stream=True, api_base=fake.url, **kwargs)
    return "".join([p async for p in agen if isinstance(p, str)])


def write_cookies_env(text: str) -> None:
    folder = os.environ["G4F_COOKIES_DIR"]
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, ".env"), "w") as file:
        file.write(text)
    from g4f.cookies import read_cookie_files

    read_cookie_files()  # as the server does after an upload


async def test_key_from_the_argument(keyed_fake):
    assert await ask(keyed_fake, api_key=KEY) == "Echo: hi"
    assert keyed_fake.last["headers"]["Authorization"] == f"Bearer {KEY}"


async def test_key_from_the_environment(keyed_fake, monkeypatch):
    monkeypatch.setenv("GROQ_API_KEY", KEY)
    assert await ask(keyed_fake) == "Echo: hi"


async def test_key_from_the_cookies_directory(keyed_fake):
    write_cookies_env(f"# keys\nexport GROQ_API_KEY='{KEY}'\n")
    assert await ask(keyed_fake) == "Echo: hi"


async def test_the_argument_wins_over_the_environment(keyed_fake, monkeypatch):
    monkeypatch.setenv("GROQ_API_KEY", "gsk-wrong")
    assert await ask(keyed_fake, api_key=KEY) == "Echo: hi"


async def test_no_key_is_refused_before_sending(keyed_fake):
    with pytest.raises(MissingAuthError, match="GROQ_API_KEY"):
        await ask(keyed_fake)
    assert keyed_fake.requests == []


def test_routing_needs_a_key_for_keyed_vendors():
    with pytest.raises(RetryProviderError, match=r"Groq needs an API key \(GROQ_API_KEY\)"):
        get_candidates("llama-3.3-70b")  # served by keyed vendors only, and no key is set
    write_cookies_env(f"GROQ_API_KEY={KEY}\n")
    _, candidates = get_candidates("llama-3.3-70b")
    assert Groq in candidates


async def test_routed_request_uses_the_env_api_base_and_key(keyed_fake, monkeypatch):
    monkeypatch.setenv("GROQ_API_BASE", keyed_fake.url + "/v1")
    monkeypatch.setenv("GROQ_API_KEY", KEY)
    response = await AsyncClient().chat.completions.create(MESSAGES, "llama-3.3-70b", provider="Groq")
    assert response.choices[0].message.content == "Echo: hi"
    assert keyed_fake.last["json"]["model"] == "llama-3.3-70b-versatile"


@pytest.fixture
def debug_log(caplog):
    was = debug.logging
    debug.enable(True)
    caplog.set_level(logging.DEBUG, logger="g4f")
    yield caplog
    debug.enable(was)


@pytest.mark.parametrize("status", [401, 403, 429, 500, 400, 404])
async def test_a_key_echoed_by_the_upstream_is_scrubbed(fake, debug_log, status):
    fake.script.append({"status": status, "message": "Refused", "echo_auth": True})
    with pytest.raises(Exception) as info:
        await AsyncClient(base_url=fake.url, api_key=KEY).chat.completions.create(MESSAGES, "any-model")
    assert "Bearer" in fake.last["headers"]["Authorization"]  # the fake did echo it
    assert "Bearer ***" in str(info.value)
    for text in (str(info.value), repr(info.value), str(info.value.to_dict()), debug_log.text):
        assert KEY not in text


async def test_a_key_never_reaches_transport_errors_or_model_listing_logs(debug_log):
    from g4f.Provider import Custom

    with pytest.raises(ProviderError) as info:
        [p async for p in Custom.create_async_generator("m", MESSAGES, api_base="http://127.0.0.1:9", api_key=KEY)]
    models = await Custom.get_models_async(api_base="http://127.0.0.1:9", api_key=KEY)
    assert models == []
    assert "listing models failed" in debug_log.text
    assert KEY not in str(info.value) and KEY not in debug_log.text
