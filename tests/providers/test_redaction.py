"""One redactor: a key an upstream echoes never reaches the caller's error or the debug log, on any
path (error status, a 200 that is not JSON, a malformed or error event in a stream), for the three
protocols; keys configured in the environment or the cookies directory are known too."""

from __future__ import annotations

import json
import logging

import pytest

from g4f import Provider, debug, redact
from g4f.client import AsyncClient
from g4f.errors import G4FError
from tests.fakes import anthropic_server, gemini_server
from tests.fakes.anthropic_server import FakeAnthropic
from tests.fakes.gemini_server import FakeGemini
from tests.fakes.openai_server import FakeOpenAI

KEY = "gsk-live-Secret-0123456789abcdef"
MESSAGES = [{"role": "user", "content": "hi"}]


@pytest.fixture
def debug_log(caplog):
    was = debug.logging
    debug.enable(True)
    caplog.set_level(logging.DEBUG, logger="g4f")
    yield caplog
    debug.enable(was)


@pytest.fixture
def keyed_fake():
    with FakeOpenAI(api_key=KEY) as server:
        yield server


def assert_scrubbed(error: BaseException, log: str, key: str) -> None:
    texts = [str(error), repr(error), log]
    if isinstance(error, G4FError):
        texts.append(json.dumps(error.to_dict()))
    for text in texts:
        assert key not in text


@pytest.mark.parametrize(
    ("stream", "raw"),
    [
        (False, "upstream trouble, you sent {auth}"),  # 200 with a body that is not JSON
        (True, "data: {auth} is not an event\n\n"),  # a malformed SSE event
        (True, 'data: {"error": {"message": "refused {auth}", "code": 500}}\n\n'),  # an error event
    ],
)
async def test_openai_echoed_key_is_scrubbed(keyed_fake, debug_log, stream, raw):
    keyed_fake.script.append({"raw": raw})
    client = AsyncClient(provider="Groq", api_key=KEY, api_base=keyed_fake.url)
    with pytest.raises(G4FError) as info:
        if stream:
            [c async for c in client.chat.completions.create(MESSAGES, "llama-3.3-70b", stream=True)]
        else:
            await client.chat.completions.create(MESSAGES, "llama-3.3-70b")
    assert keyed_fake.last["headers"]["Authorization"] == f"Bearer {KEY}"
    assert "Bearer ***" in str(info.value)  # the echo was there, masked
    assert_scrubbed(info.value, debug_log.text, KEY)


@pytest.fixture(scope="module")
def anthropic():
    with FakeAnthropic() as fake:
        yield fake


@pytest.fixture(scope="module")
def gemini():
    with FakeGemini() as fake:
        yield fake


@pytest.mark.parametrize(
    ("stream", "reply"),
    [
        (False, {"raw": b"not json: {key}"}),
        (True, {"raw": b"event: message_start\ndata: {key}\n\n"}),
        (True, {"text": "Hello there", "stream_error_after": 1, "message": "key {key} is overloaded"}),
        (False, {"status": 500, "message": "bad key {key}"}),
    ],
)
async def test_anthropic_echoed_key_is_scrubbed(anthropic, monkeypatch, debug_log, stream, reply):
    monkeypatch.setenv("ANTHROPIC_API_BASE", anthropic.url)
    anthropic.script.append(reply)
    key = anthropic_server.API_KEY
    with pytest.raises(G4FError) as info:
        [p async for p in Provider.get("Anthropic").create_async_generator("", MESSAGES, stream=stream, api_key=key)]
    assert "***" in str(info.value)
    assert_scrubbed(info.value, debug_log.text, key)


@pytest.mark.parametrize(
    ("stream", "raw"), [(False, b"<html>key {key} refused</html>"), (True, b"data: {key}\r\n\r\n")]
)
async def test_gemini_echoed_key_is_scrubbed(gemini, monkeypatch, debug_log, stream, raw):
    monkeypatch.setenv("GEMINI_API_BASE", gemini.url)
    gemini.script.append({"raw": raw})
    key = gemini_server.API_KEY
    with pytest.raises(G4FError) as info:
        [p async for p in Provider.get("Gemini").create_async_generator("", MESSAGES, stream=stream, api_key=key)]
    assert "***" in str(info.value)
    assert_scrubbed(info.value, debug_log.text, key)


def test_configured_keys_are_known_without_being_sent(monkeypatch, tmp_path):
    from g4f import cookies

    monkeypatch.setenv("SOMEVENDOR_API_KEY", "env-secret-value-1")
    monkeypatch.setenv("SOMEVENDOR_API_BASE", "https://not.a.secret/v1")
    (tmp_path / ".env").write_text("OTHER_TOKEN=cookie-secret-value-2\n")
    cookies.read_cookie_files(tmp_path)
    text = redact.scrub("a env-secret-value-1 b cookie-secret-value-2 c https://not.a.secret/v1")
    assert text == "a *** b *** c https://not.a.secret/v1"


def test_short_values_are_not_treated_as_secrets(monkeypatch):
    monkeypatch.setenv("TINY_API_KEY", "x")
    assert redact.scrub("x marks the spot") == "x marks the spot"


def test_a_longer_key_containing_another_is_masked_whole():
    assert redact.scrub("k: abcdef-123456", ("abcdef", "abcdef-123456")) == "k: ***"


def test_remembered_keys_are_scrubbed_from_debug_log_lines(debug_log):
    redact.remember("sent-key-abcdef-99")
    debug.log("upstream said: sent-key-abcdef-99 is wrong")
    debug.logger.error("failed", exc_info=ValueError("sent-key-abcdef-99"))
    assert "sent-key-abcdef-99" not in debug_log.text
    assert "upstream said: *** is wrong" in debug_log.text
    redact.forget()
