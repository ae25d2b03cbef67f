"""Bad input gives a clear G4FError subclass that says what to fix, through every door."""

from __future__ import annotations

import re

import pytest

import g4f
from g4f.client import AsyncClient, Client
from g4f.errors import G4FError, InvalidRequestError, ModelNotFoundError, ProviderNotFoundError
from g4f.providers.base_provider import AsyncGeneratorProvider, ProviderModelMixin

from .mocks import EchoProvider, user

BAD_MESSAGES = [
    pytest.param("hello", "must be a list", id="a-string"),
    pytest.param({"role": "user", "content": "hi"}, "must be a list", id="a-dict"),
    pytest.param([], "at least one", id="empty"),
    pytest.param(["hi"], "messages[0] must be an object", id="not-a-dict"),
    pytest.param([{"content": "hi"}], "has no 'role'", id="no-role"),
    pytest.param([{"role": "user"}], "has no 'content'", id="no-content"),
    pytest.param([{"role": "wizard", "content": "hi"}], "unknown role 'wizard'", id="unknown-role"),
    pytest.param([{"role": "user", "content": 42}], "must be a string or a list", id="content-type"),
]


@pytest.mark.parametrize(("messages", "expected"), BAD_MESSAGES)
def test_bad_messages_client(messages, expected):
    with pytest.raises(InvalidRequestError, match=re.escape(expected)) as info:
        Client().chat.completions.create(messages, provider=EchoProvider)
    assert info.value.status_code == 400
    assert info.value.to_dict()["error"]["type"] == "invalid_request_error"
    assert info.value.param.startswith("messages")
    assert EchoProvider.calls == []  # rejected before any provider is asked


@pytest.mark.parametrize(("messages", "expected"), BAD_MESSAGES)
async def test_bad_messages_async_and_streaming(messages, expected):
    with pytest.raises(InvalidRequestError, match=re.escape(expected)):
        await AsyncClient().chat.completions.create(messages, provider=EchoProvider)
    with pytest.raises(InvalidRequestError, match=re.escape(expected)):
        async for _ in AsyncClient().chat.completions.create(messages, provider=EchoProvider, stream=True):
            pass


@pytest.mark.parametrize(("messages", "expected"), BAD_MESSAGES[:3])
def test_bad_messages_chat_completion(messages, expected):
    with pytest.raises(InvalidRequestError, match=re.escape(expected)):
        g4f.ChatCompletion.create("", messages, provider=EchoProvider)
    with pytest.raises(InvalidRequestError, match=re.escape(expected)):
        list(g4f.ChatCompletion.create("", messages, provider=EchoProvider, stream=True))


def test_valid_variants_are_accepted():
    messages = [
        {"role": "system", "content": "be brief"},
        {"role": "developer", "content": "really"},
        {"role": "user", "content": [{"type": "text", "text": "hi"}]},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}],
        },
        {"role": "tool", "tool_call_id": "c1", "content": "42"},
        {"role": "user", "content": "and?"},
    ]
    assert Client().chat.completions.create(messages, provider=EchoProvider).choices[0].message.content == "and?"


def test_unknown_provider():
    with pytest.raises(ProviderNotFoundError, match="'NoSuchProvider' not found") as info:
        Client().chat.completions.create(user(), provider="NoSuchProvider")
    assert info.value.status_code == 404 and info.value.to_dict()["error"]["code"] == "provider_not_found"


def test_unknown_provider_close_match():
    with pytest.raises(ProviderNotFoundError, match="Did you mean Local"):
        g4f.ChatCompletion.create("", user(), provider="Locall")


def test_provider_name_is_case_insensitive():
    from g4f import Provider

    assert Provider.get("local") is Provider.Local


def test_not_a_provider_object():
    with pytest.raises(ProviderNotFoundError, match="Not a provider"):
        Client().chat.completions.create(user(), provider=object())


def test_unknown_model_suggests_close_matches():
    with pytest.raises(ModelNotFoundError, match="Model 'gpt-4oo' not found. Did you mean 'gpt-4o'") as info:
        Client().chat.completions.create(user(), "gpt-4oo")
    assert info.value.status_code == 404 and info.value.to_dict()["error"]["param"] == "model"


def test_unknown_model_for_an_explicit_provider():
    class Picky(AsyncGeneratorProvider, ProviderModelMixin):
        working = True
        default_model = "only-this"

        @classmethod
        async def create_async_generator(cls, model, messages, **kwargs):
            yield f"ok from {cls.get_model(model)}"

    assert Client().chat.completions.create(user(), provider=Picky).choices[0].message.content == "ok from only-this"
    # a single provider's own error comes through as it is (404), not wrapped in a 502
    with pytest.raises(ModelNotFoundError, match="not served by Picky") as info:
        Client().chat.completions.create(user(), "other-model", provider=Picky)
    assert info.value.status_code == 404


def test_named_model_is_never_answered_by_another_family(monkeypatch):
    for env in ("OPENAI_API_KEY", "OPENROUTER_API_KEY"):
        monkeypatch.delenv(env, raising=False)
    with pytest.raises(G4FError) as info:
        Client().chat.completions.create(user(), "gpt-4")
    assert "gpt-4" in str(info.value) or "OpenaiAPI" in str(info.value)
    assert "Local" not in str(info.value)
