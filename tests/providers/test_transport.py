"""The one transport, for the three protocols alike: deadlines, stream readers, status errors that keep
the upstream's status and request id, and a session the caller injects (``http_client``)."""

from __future__ import annotations

import asyncio
import time

import aiohttp
import pytest
from aiohttp import web

from g4f import Provider
from g4f.client import AsyncClient, Client
from g4f.errors import InvalidRequestError, ProviderTimeoutError, RateLimitError
from g4f.Provider import Custom
from g4f.providers import transport
from g4f.providers.http import close_session
from tests.fakes import anthropic_server, gemini_server
from tests.fakes.anthropic_server import FakeAnthropic
from tests.fakes.gemini_server import FakeGemini
from tests.fakes.threaded_server import ThreadedServer

MESSAGES = [{"role": "user", "content": "hello"}]
TEXT = "one two three four five six seven eight"


@pytest.fixture(scope="module")
def anthropic():
    with FakeAnthropic() as fake:
        yield fake


@pytest.fixture(scope="module")
def gemini():
    with FakeGemini() as fake:
        yield fake


@pytest.fixture(params=["openai", "anthropic", "gemini"])
def protocol(request, fake, anthropic, gemini, monkeypatch):
    """``(script(reply), ask(stream, **kwargs) -> parts)`` for each of the three protocols."""
    name = request.param
    if name == "openai":
        server, provider, key, model = fake, Custom, None, "m"
        monkeypatch.setenv("CUSTOM_API_BASE", fake.url)
    else:
        server = anthropic if name == "anthropic" else gemini
        provider = Provider.get("Anthropic" if name == "anthropic" else "Gemini")
        key = anthropic_server.API_KEY if name == "anthropic" else gemini_server.API_KEY
        model = ""
        monkeypatch.setenv(f"{name.upper()}_API_BASE", server.url)
    server.script.clear()

    def script(reply: dict) -> None:
        if name == "openai":  # the OpenAI fake sends a list of text deltas one event each
            reply = {**reply, "text": [f" {w}" if i else w for i, w in enumerate(reply["text"].split(" "))]}
        server.script.append(reply)

    async def ask(stream: bool = True, **kwargs):
        agen = provider.create_async_generator(model, MESSAGES, stream=stream, api_key=key, **kwargs)
        return [part async for part in agen]

    return script, ask


def text_of(parts: list) -> str:
    return "".join(p for p in parts if isinstance(p, str))


# --- deadlines ---------------------------------------------------------------------------------


async def test_first_bytes_of_a_stream_within_timeout(protocol):
    script, ask = protocol
    script({"delay": 1.5, "text": TEXT})
    started = time.monotonic()
    with pytest.raises(ProviderTimeoutError, match="sent nothing within 0.3 s"):
        await ask(timeout=0.3)
    assert time.monotonic() - started < 1.2


async def test_silence_mid_stream_longer_than_stream_timeout(protocol):
    script, ask = protocol
    script({"text": TEXT, "stall_after": 2, "stall": 3})
    started = time.monotonic()
    with pytest.raises(ProviderTimeoutError, match="sent nothing for 0.3 s"):
        await ask(timeout=5, stream_timeout=0.3)
    assert time.monotonic() - started < 1.5


async def test_a_stream_that_keeps_producing_is_never_cut(protocol):
    """Eight events 0.1 s apart take longer than ``timeout`` in all; no gap is longer than ``stream_timeout``."""
    script, ask = protocol
    script({"text": TEXT, "interval": 0.1})
    started = time.monotonic()
    parts = await ask(timeout=0.35, stream_timeout=0.35)
    assert time.monotonic() - started > 0.5
    assert text_of(parts).endswith("eight")


async def test_a_whole_answer_within_timeout(protocol):
    script, ask = protocol
    script({"delay": 1.5, "text": TEXT})
    with pytest.raises(ProviderTimeoutError, match="did not answer within 0.3 s"):
        await ask(stream=False, timeout=0.3)


async def test_the_silence_timeout_defaults_to_timeout(protocol):
    script, ask = protocol
    script({"text": TEXT, "stall_after": 2, "stall": 3})
    with pytest.raises(ProviderTimeoutError, match="sent nothing for 0.3 s"):
        await ask(timeout=0.3)


# --- errors keep the upstream's status and request id ---------------------------------------------


async def test_status_errors_keep_status_and_request_id(fake):
    fake.script.append(
        {"status": 429, "message": "Slow down", "headers": {"x-request-id": "req_42", "Retry-After": "3"}}
    )
    with pytest.raises(RateLimitError) as info:
        [p async for p in Custom.create_async_generator("m", MESSAGES, api_base=fake.url)]
    assert info.value.status == 429 and info.value.request_id == "req_42" and info.value.retry_after == 3.0


async def test_anthropic_request_id_header(anthropic, monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_BASE", anthropic.url)
    anthropic.script.append({"status": 529, "error_type": "overloaded_error", "headers": {"request-id": "req_ant"}})
    with pytest.raises(Exception) as info:
        [p async for p in Provider.get("Anthropic").create_async_generator("", MESSAGES, api_key=anthropic.api_key)]
    assert info.value.status == 529 and info.value.request_id == "req_ant"


# --- readers ---------------------------------------------------------------------------------------


class Lines(ThreadedServer):
    """JSON lines split across writes anywhere, the last one without its newline."""

    def setup(self, app: web.Application) -> None:
        app.router.add_get("/lines", self.lines)

    async def lines(self, request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"content-type": "application/x-ndjson"})
        await response.prepare(request)
        for piece in (b'{"n": 1}\n{"n"', b": 2}\n\n", b'{"n": 3}'):
            await response.write(piece)
            await asyncio.sleep(0.01)
        await response.write_eof()
        return response


async def test_json_lines_reader():
    with Lines() as server:
        async with transport.request("Lines", "GET", server.url + "/lines", stream=True, timeout=2) as call:
            lines = [transport.loads(line) async for line in call.lines()]
    assert lines == [{"n": 1}, {"n": 2}, {"n": 3}]


def test_sse_decoder_joins_split_events_and_data_lines():
    decoder = transport.SSEDecoder()
    assert decoder.feed(b"event: a\r\ndata: 1\r\n") == []
    assert decoder.feed(b"data: 2\r\n\r\n: keep-alive\n\ndata") == [("a", "1\n2")]
    assert decoder.feed(b": x\n\n") == [("message", "x")]


# --- an injected session ---------------------------------------------------------------------------


def observed_session(seen: list[str]) -> aiohttp.ClientSession:
    async def on_start(session, context, params) -> None:
        seen.append(f"{params.method} {params.url.path}")

    trace = aiohttp.TraceConfig()
    trace.on_request_start.append(on_start)
    return aiohttp.ClientSession(trace_configs=[trace])


async def test_async_client_sends_through_the_callers_session(fake):
    seen: list[str] = []
    async with observed_session(seen) as session:
        client = AsyncClient(base_url=fake.url, http_client=session)
        answer = await client.chat.completions.create(MESSAGES, "m")
        chunks = [c async for c in client.chat.completions.create(MESSAGES, "m", stream=True)]
    assert answer.choices[0].message.content == "Echo: hello"
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == "Echo: hello"
    assert seen == ["POST /chat/completions", "POST /chat/completions"]


def test_sync_client_takes_a_session_factory(fake):
    seen: list[str] = []
    client = Client(base_url=fake.url, http_client=lambda: observed_session(seen))
    assert client.chat.completions.create(MESSAGES, "m").choices[0].message.content == "Echo: hello"
    assert client.chat.completions.create(MESSAGES, "m").choices[0].message.content == "Echo: hello"
    assert seen == ["POST /chat/completions"] * 2


@pytest.mark.parametrize("stream", [True, False])
async def test_anthropic_and_gemini_use_the_callers_session(anthropic, gemini, monkeypatch, stream):
    monkeypatch.setenv("ANTHROPIC_API_BASE", anthropic.url)
    monkeypatch.setenv("GEMINI_API_BASE", gemini.url)
    seen: list[str] = []
    async with observed_session(seen) as session:
        for name, key in (("Anthropic", anthropic_server.API_KEY), ("Gemini", gemini_server.API_KEY)):
            agen = Provider.get(name).create_async_generator(
                "", MESSAGES, stream=stream, api_key=key, http_client=session
            )
            assert text_of([p async for p in agen]) == "You said: hello"
    method = "streamGenerateContent" if stream else "generateContent"
    assert seen == ["POST /v1/messages", f"POST /v1beta/models/gemini-2.5-flash:{method}"]


async def test_a_session_of_another_loop_is_refused(fake):
    made: list[aiohttp.ClientSession] = []

    def other_loop() -> None:
        async def make() -> None:
            made.append(aiohttp.ClientSession())

        asyncio.run(make())

    await asyncio.to_thread(other_loop)
    with pytest.raises(InvalidRequestError, match="another event loop"):
        [p async for p in Custom.create_async_generator("m", MESSAGES, api_base=fake.url, http_client=made[0])]


async def test_sessions_made_by_a_factory_are_closed_with_the_pool(fake):
    made: list[aiohttp.ClientSession] = []

    def factory() -> aiohttp.ClientSession:
        made.append(aiohttp.ClientSession())
        return made[-1]

    for _ in range(2):
        [p async for p in Custom.create_async_generator("m", MESSAGES, api_base=fake.url, http_client=factory)]
    assert len(made) == 1  # one per loop
    await close_session()
    assert made[0].closed
