from __future__ import annotations

import pytest

from tests.fakes.media_server import API_KEY, MediaServer


@pytest.fixture(autouse=True)
def _fresh_health():
    from g4f.routing import health

    health.reset()
    yield
    health.reset()


@pytest.fixture
def media_server():
    with MediaServer() as server:
        yield server


@pytest.fixture
def openai_env(media_server, monkeypatch):
    """OpenaiAPI pointed at the fake media upstream, with its key."""
    monkeypatch.setenv("OPENAIAPI_API_BASE", media_server.url + "/v1")
    monkeypatch.setenv("OPENAI_API_KEY", API_KEY)
    return media_server


@pytest.fixture
def allow_private(monkeypatch):
    """The fake upstream is on loopback: tests that fetch from it allow private addresses explicitly."""
    monkeypatch.setenv("G4F_ALLOW_PRIVATE_URLS", "1")


@pytest.fixture(autouse=True)
async def _close_http_session():
    """Each test has its own event loop: close that loop's pooled session when the test ends."""
    yield
    from g4f.providers.http import close_session

    await close_session()
