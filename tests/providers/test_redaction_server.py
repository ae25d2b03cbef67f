"""Through a real ``g4f api`` server and the official SDK: an upstream that echoes the configured key
(a 200 that is not JSON, a broken or error SSE event) never puts it in the client's error or the
server's debug log."""

from __future__ import annotations

import logging

import openai
import pytest

from g4f import debug
from tests.api.server import ThreadedUvicorn
from tests.fakes.openai_server import FakeOpenAI

KEY = "gsk-server-Secret-0123456789abcdef"
MESSAGES = [{"role": "user", "content": "hi"}]
GROQ = {"provider": "Groq"}
NO_BEARER = {"Authorization": openai.Omit()}


@pytest.fixture
def echoing(monkeypatch, caplog):
    was = debug.logging
    debug.enable(True)
    caplog.set_level(logging.DEBUG, logger="g4f")
    with FakeOpenAI(api_key=KEY) as fake:
        monkeypatch.setenv("GROQ_API_KEY", KEY)
        monkeypatch.setenv("GROQ_API_BASE", fake.url)
        server = ThreadedUvicorn().start()
        # No bearer of the client's own: the server's configured key is the one sent upstream.
        client = openai.OpenAI(
            base_url=server.url + "/v1",
            api_key="unused",
            max_retries=0,
            _strict_response_validation=True,
        )
        try:
            yield fake, client, caplog
        finally:
            server.stop()
            debug.enable(was)


@pytest.mark.parametrize(
    ("stream", "raw"),
    [
        (False, "trouble, you sent {auth}"),
        (True, "data: {auth}\n\n"),
        (True, 'data: {"error": {"message": "refused {auth}", "code": 500}}\n\n'),
    ],
)
def test_an_echoed_key_reaches_neither_client_nor_log(echoing, stream, raw):
    fake, client, caplog = echoing
    fake.script.append({"raw": raw})
    with pytest.raises(openai.APIStatusError) as info:
        if stream:
            list(
                client.chat.completions.create(
                    model="llama-3.3-70b", messages=MESSAGES, stream=True, extra_body=GROQ, extra_headers=NO_BEARER
                )
            )
        else:
            client.chat.completions.create(
                model="llama-3.3-70b", messages=MESSAGES, extra_body=GROQ, extra_headers=NO_BEARER
            )
    assert fake.last["headers"]["Authorization"] == f"Bearer {KEY}"  # the upstream did see (and echo) it
    body = info.value.response.text
    assert info.value.status_code == 502 and "Bearer ***" in body
    assert KEY not in body and KEY not in caplog.text
