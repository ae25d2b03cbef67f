"""Routing through the real server with the openai SDK: a hung provider costs one attempt's deadline,
a broken breaker recovers, a stream that breaks part-way continues elsewhere, client errors are 400s."""

from __future__ import annotations

import asyncio
import time
from typing import ClassVar

import httpx
import openai
import pytest

from g4f.errors import ProviderError
from g4f.models import Model, ModelRegistry
from g4f.providers.base_provider import AsyncGeneratorProvider
from g4f.routing import health


class _Provider(AsyncGeneratorProvider):
    working = True
    calls: ClassVar[int] = 0


class SrvHangs(_Provider):
    @classmethod
    async def create_async_generator(cls, model, messages, **kwargs):
        cls.calls += 1
        await asyncio.sleep(30)
        yield "never"


class SrvEcho(_Provider):
    @classmethod
    async def create_async_generator(cls, model, messages, **kwargs):
        cls.calls += 1
        yield "echo: "
        yield messages[-1]["content"]


class SrvToggle(_Provider):
    down: ClassVar[bool] = True

    @classmethod
    async def create_async_generator(cls, model, messages, **kwargs):
        cls.calls += 1
        if cls.down:
            raise ProviderError("upstream answered 500")
        yield "toggle is up"


class SrvBreaks(_Provider):
    @classmethod
    async def create_async_generator(cls, model, messages, **kwargs):
        cls.calls += 1
        yield "Hello, "
        raise ProviderError("connection reset mid-stream")


class SrvContinues(_Provider):
    supports_continuation = True

    @classmethod
    async def create_async_generator(cls, model, messages, **kwargs):
        cls.calls += 1
        if not (kwargs.get("continue_final_message") and messages[-1] == {"role": "assistant", "content": "Hello, "}):
            raise ProviderError("not asked to continue 'Hello, '")
        yield "world"
        yield "!"


class SrvDrips(_Provider):
    @classmethod
    async def create_async_generator(cls, model, messages, **kwargs):
        for i in range(12):
            await asyncio.sleep(0.08)
            yield f"{i} "


ALL = (SrvHangs, SrvEcho, SrvToggle, SrvBreaks, SrvContinues, SrvDrips)
MODELS = {
    "route-hang": [SrvHangs, SrvEcho],
    "route-toggle": [SrvToggle, SrvEcho],
    "route-continue": [SrvBreaks, SrvContinues],
    "route-drip": [SrvDrips],
}


@pytest.fixture(scope="module", autouse=True)
def _providers():
    from g4f import Provider

    for cls in ALL:
        Provider.register(cls)
    for name, providers in MODELS.items():
        Model(name, "Test", [p.__name__ for p in providers])
    yield
    for cls in ALL:
        Provider._registered.pop(cls.__name__, None)
    for name in MODELS:
        ModelRegistry._models.pop(name, None)


@pytest.fixture(autouse=True)
def _fresh():
    for cls in ALL:
        cls.calls = 0
    SrvToggle.down = True
    policy = vars(health.policy).copy()
    yield
    health.policy.update(**policy)


@pytest.fixture(scope="module")
def fast(start_server):
    """A server whose attempts get 0.6 s to their first part and 0.6 s between parts."""
    return start_server(timeout=0.6, stream_timeout=0.6)


@pytest.fixture
def sdk(fast):
    with openai.OpenAI(
        base_url=fast.url + "/v1", api_key="unused", max_retries=0, _strict_response_validation=True
    ) as client:
        yield client


def ask(model: str, text: str = "hi") -> list[dict]:
    return [{"role": "user", "content": text}]


def provider_health(server, name: str) -> dict:
    return httpx.get(f"{server.url}/v1/providers/{name}").json()["health"]


def test_a_hung_provider_costs_one_attempt_then_the_next_answers(sdk, fast):
    started = time.monotonic()
    raw = sdk.chat.completions.with_raw_response.create(model="route-hang", messages=ask("route-hang", "one"))
    assert raw.parse().choices[0].message.content == "echo: one"
    assert raw.headers["x-g4f-providers"] == "SrvEcho"
    chunks = list(sdk.chat.completions.create(model="route-hang", messages=ask("route-hang", "two"), stream=True))
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == "echo: two"
    assert time.monotonic() - started < 10  # two attempts' deadlines at most, never the provider's 30 s
    record = provider_health(fast, "SrvHangs")
    assert record["failures"] >= 1 and record["successes"] == 0
    assert provider_health(fast, "SrvEcho")["successes"] >= 1


def test_a_broken_provider_recovers_within_its_cooldown(sdk, fast):
    health.configure(failures=1, cooldown=1.0)
    assert sdk.chat.completions.create(model="route-toggle", messages=ask("t")).choices[0].message.content == "echo: hi"
    assert SrvToggle.calls == 1
    assert provider_health(fast, "SrvToggle")["state"] == "open"
    for _ in range(2):
        sdk.chat.completions.create(model="route-toggle", messages=ask("t"))
    assert SrvToggle.calls == 1  # open: no traffic while the other candidate answers
    SrvToggle.down = False
    time.sleep(max(0.0, provider_health(fast, "SrvToggle")["retry_at"] - time.time()) + 0.1)
    assert provider_health(fast, "SrvToggle")["state"] == "half_open"
    answer = sdk.chat.completions.create(model="route-toggle", messages=ask("t"))
    assert answer.choices[0].message.content == "toggle is up" and answer.provider == "SrvToggle"
    record = provider_health(fast, "SrvToggle")
    assert record["state"] == "closed" and record["consecutive_failures"] == 0


def test_a_stream_broken_part_way_continues_on_the_next_provider(sdk):
    chunks = list(sdk.chat.completions.create(model="route-continue", messages=ask("c"), stream=True))
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == "Hello, world!"
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert chunks[-1].provider == "SrvBreaks,SrvContinues"
    health.reset()  # SrvBreaks' failure would put it behind SrvContinues now
    raw = sdk.chat.completions.with_raw_response.create(model="route-continue", messages=ask("c"))
    assert raw.parse().choices[0].message.content == "Hello, world!"
    assert raw.headers["x-g4f-providers"] == "SrvBreaks,SrvContinues"


def test_a_healthy_stream_longer_than_every_deadline_is_not_cut(sdk):
    chunks = list(sdk.chat.completions.create(model="route-drip", messages=ask("d"), stream=True))
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == "".join(f"{i} " for i in range(12))


@pytest.mark.parametrize(
    ("message", "param"),
    [
        ({"role": {"name": "user"}, "content": "hi"}, "messages[0].role"),
        ({"role": ["user"], "content": "hi"}, "messages[0].role"),
        ({"role": "user", "content": "hi", "name": ["x"]}, "messages[0].name"),
        ({"role": "user", "content": [{"type": "text", "text": "x", "deep": "NEST"}]}, "messages[0].content"),
    ],
)
def test_client_errors_are_400_before_routing(fast, message, param):
    body = httpx.Request("POST", "/", json={"model": "route-toggle", "messages": [message]}).content
    nested = b"[" * 1000 + b"]" * 1000
    body = body.replace(b'"NEST"', nested)
    response = httpx.post(fast.url + "/v1/chat/completions", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["param"] == param and error["type"] == "invalid_request_error"
    assert SrvToggle.calls == 0 and SrvEcho.calls == 0
    assert provider_health(fast, "SrvToggle")["failures"] == 0


def test_breaker_settings_reach_the_router():
    from g4f.routing import BreakerPolicy, health

    from .server import ThreadedUvicorn

    server = ThreadedUvicorn({"breaker_failures": 1, "breaker_cooldown": 0.5}).start()
    try:
        assert (health.policy.failures, health.policy.cooldown) == (1, 0.5)
    finally:
        server.stop()
        defaults = BreakerPolicy()
        health.configure(failures=defaults.failures, cooldown=defaults.cooldown)
