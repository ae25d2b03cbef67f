"""Fixtures: real servers (uvicorn in a thread) with the mock providers registered."""

from __future__ import annotations

import pytest

from . import mocks
from .server import ThreadedUvicorn

KEY = "test-server-key-0123456789"


@pytest.fixture(scope="package", autouse=True)
def _mock_providers():
    """The mocks exist for this package's tests only; other packages see the registry as it was."""
    from g4f import Provider
    from g4f.models import ModelRegistry

    models = dict(ModelRegistry._models)
    mocks.register_all()
    yield
    for cls in mocks.ALL:
        Provider._registered.pop(cls.__name__, None)
    for name in set(ModelRegistry._models) - set(models):
        ModelRegistry._models.pop(name)


@pytest.fixture(autouse=True)
def _fresh_mocks():
    from g4f.routing import health

    mocks.reset()
    health.reset()
    yield


@pytest.fixture(scope="session")
def start_server():
    """``start_server(**config)``: a running server per distinct config, shared by the session."""
    servers: dict[str, ThreadedUvicorn] = {}

    def start(**config) -> ThreadedUvicorn:
        key = repr(sorted(config.items()))
        if key not in servers:
            servers[key] = ThreadedUvicorn(config).start()
        return servers[key]

    yield start
    for server in servers.values():
        server.stop()


@pytest.fixture(scope="session")
def server(start_server) -> ThreadedUvicorn:
    """Open server (no key)."""
    return start_server()


@pytest.fixture(scope="session")
def base_url(server) -> str:
    return server.url + "/v1"


@pytest.fixture(scope="session")
def keyed_server(start_server) -> ThreadedUvicorn:
    return start_server(g4f_api_key=KEY)


@pytest.fixture()
def client(base_url):
    from openai import OpenAI

    with OpenAI(base_url=base_url, api_key="unused", max_retries=0, _strict_response_validation=True) as c:
        yield c


@pytest.fixture()
async def aclient(base_url):
    from openai import AsyncOpenAI

    async with AsyncOpenAI(base_url=base_url, api_key="unused", max_retries=0, _strict_response_validation=True) as c:
        yield c


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory):
    from .redis_server import RedisServer

    server = RedisServer(tmp_path_factory.mktemp("redis"))
    yield server.url
    server.stop()
