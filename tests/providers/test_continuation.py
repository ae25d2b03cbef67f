"""Continuing a broken answer (CONTRACTS.md): with ``continue_final_message=True`` a provider that
declares ``supports_continuation`` sends the text so far in its vendor's documented shape and yields
only what follows it. The fakes answer a request not in that shape as a model starting anew would
(the whole text again) or with the vendor's 400, so a wrong shape fails here."""

from __future__ import annotations

import pytest

from g4f import Provider
from g4f.errors import InvalidRequestError, NotSupportedError
from g4f.providers.continuation import Overlap
from tests.fakes.anthropic_server import API_KEY as ANTHROPIC_KEY
from tests.fakes.anthropic_server import FakeAnthropic
from tests.fakes.openai_server import FakeOpenAI

WHOLE = "Paris is the capital of France, and its largest city."
SO_FAR = "Paris is the capital "  # ends in whitespace, as a stream broken between words does
REST = WHOLE[len(SO_FAR) :]
MESSAGES = [{"role": "user", "content": "What is the capital of France?"}]
CONTINUE = [*MESSAGES, {"role": "assistant", "content": SO_FAR}]

# provider, the fake's flavour, the path the request must take
OPENAI_STYLE = [
    ("Mistral", "mistral", "/v1/chat/completions"),
    ("DeepSeek", "deepseek", "/beta/chat/completions"),
    ("VLLM", "vllm", "/v1/chat/completions"),
    ("LlamaCppServer", "llama.cpp", "/v1/chat/completions"),
]


def text_of(parts: list) -> str:
    return "".join(p for p in parts if isinstance(p, str))


def test_who_declares_continuation():
    able = {"Mistral", "DeepSeek", "VLLM", "LlamaCppServer", "Anthropic"}
    for name in [*able, "Groq", "OpenaiAPI", "Ollama", "LMStudio", "Custom", "Gemini", "PollinationsAI"]:
        assert Provider.get(name).supports_continuation is (name in able), name


@pytest.mark.parametrize("stream", [True, False])
@pytest.mark.parametrize(("name", "flavour", "path"), OPENAI_STYLE)
async def test_openai_protocol_vendors_continue_in_their_documented_shape(name, flavour, path, stream):
    provider = Provider.get(name)
    with FakeOpenAI(continuation=flavour) as fake:
        fake.script.append({"text": WHOLE})
        parts = [
            p
            async for p in provider.create_async_generator(
                "",
                CONTINUE,
                stream=stream,
                api_key="vendor-key-123456",
                api_base=fake.url + "/v1",
                continue_final_message=True,
            )
        ]
        sent = fake.last
    assert text_of(parts) == REST
    assert sent["path"] == path
    final = sent["json"]["messages"][-1]
    assert final["role"] == "assistant" and final["content"] == SO_FAR
    assert ("prefix" in final) is (flavour in ("mistral", "deepseek"))
    assert "continue_final_message" not in final
    if flavour == "vllm":
        assert sent["json"]["continue_final_message"] is True and sent["json"]["add_generation_prompt"] is False
    else:
        assert "continue_final_message" not in sent["json"]


@pytest.mark.parametrize(("name", "flavour", "path"), OPENAI_STYLE[:3])
async def test_without_the_flag_the_fake_starts_anew(name, flavour, path):
    """The fakes would catch a provider that forgot its shape: no flag, no continuation."""
    with FakeOpenAI(continuation=flavour) as fake:
        fake.script.append({"text": WHOLE})
        try:
            agen = Provider.get(name).create_async_generator(
                "", CONTINUE, api_key="vendor-key-123456", api_base=fake.url + "/v1"
            )
            text = text_of([p async for p in agen])
        except InvalidRequestError:  # Mistral refuses a final assistant message without prefix
            text = None
    assert text != REST


@pytest.mark.parametrize("stream", [True, False])
async def test_anthropic_continues_a_prefill_without_repeating_trimmed_whitespace(stream, monkeypatch):
    with FakeAnthropic() as fake:
        monkeypatch.setenv("ANTHROPIC_API_BASE", fake.url)
        fake.script.append({"text": WHOLE})
        agen = Provider.get("Anthropic").create_async_generator(
            "", CONTINUE, stream=stream, api_key=ANTHROPIC_KEY, continue_final_message=True
        )
        parts = [p async for p in agen]
        sent = fake.requests[-1]["json"]
    assert SO_FAR + text_of(parts) == WHOLE
    assert sent["messages"][-1] == {"role": "assistant", "content": [{"type": "text", "text": SO_FAR.rstrip()}]}


async def test_a_provider_without_continuation_refuses(fake):
    with pytest.raises(NotSupportedError):
        [
            p
            async for p in Provider.get("Custom").create_async_generator(
                "m", CONTINUE, api_base=fake.url, continue_final_message=True
            )
        ]
    assert fake.requests == []


async def test_continuation_needs_a_final_assistant_message(fake):
    with pytest.raises(InvalidRequestError, match="final message"):
        [
            p
            async for p in Provider.get("VLLM").create_async_generator(
                "m", MESSAGES, api_base=fake.url, continue_final_message=True
            )
        ]


@pytest.mark.parametrize(
    ("already", "partial", "deltas", "expected"),
    [
        ("Hello", False, ["Hel", "lo wor", "ld"], " world"),  # an echo, split anywhere
        ("Hello", False, [" world"], " world"),  # no echo
        ("Hello", False, ["Help"], "Help"),  # a different start is kept whole
        (" ", True, [" ", "world"], "world"),  # the whitespace a prefill lost
        ("\n\n", True, ["\nNext"], "Next"),  # part of it
        ("\n\n", True, ["Next"], "Next"),
    ],
)
def test_overlap(already, partial, deltas, expected):
    overlap = Overlap(already, partial)
    assert "".join(overlap.feed(d) for d in deltas) + overlap.flush() == expected
