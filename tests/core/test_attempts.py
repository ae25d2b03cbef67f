"""The attempt loop as the library sees it: deadlines per attempt, breakers that recover, mid-stream
continuation, client errors that never count against a provider, and a user's runner honoured."""

from __future__ import annotations

import asyncio
import time
from typing import ClassVar

import pytest

from g4f.client import AsyncClient, Client
from g4f.errors import (
    InvalidRequestError,
    ProviderError,
    ProviderTimeoutError,
    RetryProviderError,
    StreamBrokenError,
)
from g4f.models import Model, ModelRegistry
from g4f.providers.base_provider import AsyncGeneratorProvider
from g4f.providers.response import ToolCalls
from g4f.providers.retry_provider import IterListProvider, RetryProvider
from g4f.routing import health

from .mocks import AsyncGenProvider, EchoProvider, FlakyProvider, user


class Hangs(AsyncGeneratorProvider):
    """Never sends its first part."""

    working = True
    calls: ClassVar[int] = 0

    @classmethod
    async def create_async_generator(cls, model, messages, **kwargs):
        cls.calls += 1
        await asyncio.sleep(30)
        yield "never"


class HangsToo(Hangs):
    pass


class StallsMidStream(AsyncGeneratorProvider):
    """One delta, then silence."""

    working = True

    @classmethod
    async def create_async_generator(cls, model, messages, **kwargs):
        yield "Hello, "
        await asyncio.sleep(30)
        yield "never"


class Drips(AsyncGeneratorProvider):
    """A healthy stream longer than its deadlines: 12 deltas, 0.08 s apart."""

    working = True

    @classmethod
    async def create_async_generator(cls, model, messages, **kwargs):
        for i in range(12):
            await asyncio.sleep(0.08)
            yield f"{i} "


class Breaks(AsyncGeneratorProvider):
    """Sends 'Hello, ' then the connection breaks."""

    working = True
    calls: ClassVar[int] = 0

    @classmethod
    async def create_async_generator(cls, model, messages, **kwargs):
        cls.calls += 1
        yield "Hel"
        yield "lo, "
        raise ProviderError("connection reset mid-stream")


class Continues(AsyncGeneratorProvider):
    """Continues a final assistant message, as the continuation contract says."""

    working = True
    supports_continuation = True
    seen: ClassVar[list[tuple[list, dict]]] = []

    @classmethod
    async def create_async_generator(cls, model, messages, **kwargs):
        cls.seen.append((messages, kwargs))
        if kwargs.get("continue_final_message"):
            assert messages[-1]["role"] == "assistant"
            yield "world"
            yield "!"
        else:
            yield "fresh answer"


class ContinuesBadly(Continues):
    """Able to continue, but fails before its first part."""

    @classmethod
    async def create_async_generator(cls, model, messages, **kwargs):
        cls.seen.append((messages, kwargs))
        raise ProviderError("503")
        yield  # pragma: no cover


class BreaksAfterToolCall(AsyncGeneratorProvider):
    working = True

    @classmethod
    async def create_async_generator(cls, model, messages, **kwargs):
        yield "Let me look."
        yield ToolCalls([{"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}])
        raise ProviderError("reset")


class Toggle(AsyncGeneratorProvider):
    """Fails while ``down``; counts its calls."""

    working = True
    down: ClassVar[bool] = True
    calls: ClassVar[int] = 0

    @classmethod
    async def create_async_generator(cls, model, messages, **kwargs):
        cls.calls += 1
        if cls.down:
            raise ProviderError("down")
        yield "toggle is up"


class RejectsRequest(AsyncGeneratorProvider):
    working = True

    @classmethod
    async def create_async_generator(cls, model, messages, **kwargs):
        raise InvalidRequestError("bad temperature", param="temperature")
        yield  # pragma: no cover


@pytest.fixture(autouse=True)
def _reset():
    Hangs.calls = Breaks.calls = Toggle.calls = 0
    Toggle.down = True
    Continues.seen = []
    ContinuesBadly.seen = []
    policy = vars(health.policy).copy()
    yield
    health.policy.update(**policy)


@pytest.fixture
def model_of():
    """``model_of(name, *providers)``: a registered model over these providers, removed afterwards."""
    from g4f import Provider

    names = []

    def make(name, *providers, best=None):
        for p in providers:
            Provider.register(p)
        names.append(name)
        return Model(name, "Test", best if best is not None else [p.__name__ for p in providers])

    yield make
    for name in names:
        ModelRegistry._models.pop(name, None)


def text_of(chunks) -> str:
    return "".join(c.choices[0].delta.content or "" for c in chunks)


# --- deadlines per attempt -------------------------------------------------------------------------


async def test_a_hung_provider_costs_one_timeout_then_the_next_answers():
    started = time.monotonic()
    response = await AsyncClient().chat.completions.create(
        user("hi"), provider=IterListProvider([Hangs, EchoProvider]), timeout=0.2
    )
    assert response.choices[0].message.content == "hi"
    assert response.provider == "EchoProvider"
    assert time.monotonic() - started < 5  # one attempt's deadline, not the provider's 30 s
    record = health.snapshot()["Hangs"]
    assert record["failures"] == 1 and record["consecutive_failures"] == 1


def test_hung_then_healthy_through_the_sync_bridge_streaming():
    chunks = list(
        Client().chat.completions.create(
            user("x"), provider=IterListProvider([Hangs, EchoProvider]), stream=True, timeout=0.2
        )
    )
    assert text_of(chunks) == "x" and chunks[-1].provider == "EchoProvider"


async def test_every_attempt_timing_out_is_a_timeout_naming_each():
    with pytest.raises(RetryProviderError) as info:
        await AsyncClient().chat.completions.create(user(), provider=IterListProvider([Hangs, HangsToo]), timeout=0.1)
    assert info.value.status_code == 504
    assert set(info.value.exceptions) == {"Hangs", "HangsToo"}
    assert "Hangs: ProviderTimeoutError: Hangs sent nothing within 0.1 seconds." in str(info.value)


async def test_silence_mid_stream_is_bounded_by_stream_timeout():
    stream = AsyncClient().chat.completions.create(
        user(), provider=StallsMidStream, stream=True, timeout=5, stream_timeout=0.15
    )
    received = []
    with pytest.raises(ProviderTimeoutError, match="sent nothing more within 0.15"):
        async for chunk in stream:
            received.append(chunk.choices[0].delta.content)
    assert received == ["Hello, "]
    assert health.snapshot()["StallsMidStream"]["failures"] == 1


async def test_a_producing_stream_has_no_total():
    # ~1 s of deltas with a first-part deadline and a silence bound of 0.6 s each
    stream = AsyncClient().chat.completions.create(user(), provider=Drips, stream=True, timeout=0.6, stream_timeout=0.6)
    text = text_of([chunk async for chunk in stream])
    assert text == "".join(f"{i} " for i in range(12))
    assert health.snapshot()["Drips"]["successes"] == 1


# --- success when the stream finishes, failure wherever it fails -----------------------------------


async def test_success_counts_at_the_end_and_a_break_counts_as_failure():
    stream = AsyncClient().chat.completions.create(user(), provider=Breaks, stream=True)
    with pytest.raises(ProviderError):
        async for _ in stream:
            pass
    record = health.snapshot()["Breaks"]
    assert record["successes"] == 0 and record["failures"] == 1


# --- breakers --------------------------------------------------------------------------------------


async def test_an_open_breaker_gets_no_traffic_and_a_recovered_provider_gets_it_back(model_of):
    health.configure(failures=1, cooldown=0.2)
    model_of("core-breaker-model", Toggle, EchoProvider)
    client = AsyncClient()
    assert (await client.chat.completions.create(user("b"), "core-breaker-model")).provider == "EchoProvider"
    assert Toggle.calls == 1 and health.state("Toggle") == "open"
    for _ in range(3):
        await client.chat.completions.create(user("b"), "core-breaker-model")
    assert Toggle.calls == 1  # open: not tried while another candidate remains
    Toggle.down = False
    await asyncio.sleep(0.3)  # the cooldown passes: one probe goes through, and succeeds
    assert health.state("Toggle") == "half_open"
    response = await client.chat.completions.create(user("b"), "core-breaker-model")
    assert response.provider == "Toggle" and health.state("Toggle") == "closed"


async def test_an_open_breaker_is_still_the_last_resort():
    health.configure(failures=1, cooldown=60)
    Toggle.down = False
    health.failure("Toggle")
    assert health.state("Toggle") == "open"
    response = await AsyncClient().chat.completions.create(user(), provider=IterListProvider([Toggle, AlsoDown]))
    assert response.provider == "Toggle"  # the other failed: the open one is tried rather than none
    assert health.state("Toggle") == "closed"


class AlsoDown(AsyncGeneratorProvider):
    working = True

    @classmethod
    async def create_async_generator(cls, model, messages, **kwargs):
        raise ProviderError("also down")
        yield  # pragma: no cover


# --- continuation ----------------------------------------------------------------------------------


async def test_a_broken_stream_continues_on_a_provider_that_can():
    provider = IterListProvider([Breaks, AsyncGenProvider, Continues])
    chunks = [c async for c in AsyncClient().chat.completions.create(user("q"), provider=provider, stream=True)]
    assert text_of(chunks) == "Hello, world!"
    assert chunks[-1].provider == "Breaks,Continues" and chunks[-1].choices[0].finish_reason == "stop"
    assert AsyncGenProvider.calls == []  # it cannot continue: skipped
    messages, kwargs = Continues.seen[0]
    assert messages == [*user("q"), {"role": "assistant", "content": "Hello, "}]
    assert kwargs["continue_final_message"] is True
    assert health.snapshot()["Breaks"]["failures"] == 1 and health.snapshot()["Continues"]["successes"] == 1


async def test_continuation_falls_back_between_capable_providers():
    provider = IterListProvider([Breaks, ContinuesBadly, Continues])
    response = await AsyncClient().chat.completions.create(user("q"), provider=provider)
    assert response.choices[0].message.content == "Hello, world!"
    assert response.provider == "Breaks,Continues"
    assert len(ContinuesBadly.seen) == 1


async def test_no_capable_provider_ends_with_the_error():
    provider = IterListProvider([Breaks, ContinuesBadly])
    received = []
    with pytest.raises(RetryProviderError, match="could not be continued") as info:
        async for chunk in AsyncClient().chat.completions.create(user(), provider=provider, stream=True):
            received.append(chunk.choices[0].delta.content)
    assert "".join(r or "" for r in received) == "Hello, "
    assert set(info.value.exceptions) == {"Breaks", "ContinuesBadly"}


async def test_a_break_no_candidate_can_continue_names_them_all():
    """The other candidate cannot continue a stream: the error names it too, so a client sees every
    candidate accounted for; it is still a provider's failure, with the break's status and code."""
    provider = IterListProvider([Breaks, AsyncGenProvider])
    with pytest.raises(StreamBrokenError, match="could not be continued") as info:
        async for _ in AsyncClient().chat.completions.create(user(), provider=provider, stream=True):
            pass
    error = info.value
    assert isinstance(error, ProviderError) and isinstance(error, RetryProviderError)
    assert "Breaks: ProviderError: connection reset mid-stream" in str(error)
    assert "AsyncGenProvider: cannot continue a stream" in str(error)
    assert set(error.exceptions) == {"Breaks"} and error.passed_over == ["AsyncGenProvider"]
    assert AsyncGenProvider.calls == []
    assert (error.status_code, error.code, error.to_dict()["error"]["type"]) == (502, "provider_error", "server_error")


def test_a_broken_stream_of_timeouts_keeps_the_timeout_status():
    error = StreamBrokenError(5, {"Slow": ProviderTimeoutError("no part for 2 s")}, ["Other"])
    assert (error.status_code, error.code) == (504, "timeout")
    assert str(error).endswith("Slow: ProviderTimeoutError: no part for 2 s; Other: cannot continue a stream")


async def test_a_break_with_no_other_candidate_is_its_own_error():
    with pytest.raises(ProviderError, match="connection reset mid-stream") as info:
        async for _ in AsyncClient().chat.completions.create(user(), provider=IterListProvider([Breaks]), stream=True):
            pass
    assert not isinstance(info.value, RetryProviderError)


async def test_a_tool_call_part_way_is_not_continued():
    provider = IterListProvider([BreaksAfterToolCall, Continues])
    with pytest.raises(ProviderError, match="reset"):
        async for _ in AsyncClient().chat.completions.create(user(), provider=provider, stream=True):
            pass
    assert Continues.seen == []


# --- client errors are not provider failures -------------------------------------------------------


async def test_a_request_refused_by_the_provider_is_not_its_failure():
    with pytest.raises(InvalidRequestError):
        await AsyncClient().chat.completions.create(user(), provider=IterListProvider([RejectsRequest, EchoProvider]))
    assert "RejectsRequest" not in health.snapshot() or health.snapshot()["RejectsRequest"]["failures"] == 0
    assert EchoProvider.calls == []


@pytest.mark.parametrize(
    ("messages", "param"),
    [
        ([{"role": {"x": 1}, "content": "hi"}], "messages[0].role"),
        ([{"role": ["user"], "content": "hi"}], "messages[0].role"),
        ([{"role": "user", "content": "hi", "name": 5}], "messages[0].name"),
        ([{"role": "tool", "content": "hi", "tool_call_id": {}}], "messages[0].tool_call_id"),
        ([{"role": "assistant", "tool_calls": "x"}], "messages[0].tool_calls"),
        (
            [{"role": "assistant", "tool_calls": [{"id": "1", "function": {"name": 3}}]}],
            "messages[0].tool_calls[0].function.name",
        ),
        ([{"role": "user", "content": [{"text": "no type"}]}], "messages[0].content[0]"),
        ([{"role": "user", "content": [{"type": "text", "text": 1}]}], "messages[0].content[0].text"),
    ],
)
async def test_message_fields_are_checked_before_routing(messages, param):
    with pytest.raises(InvalidRequestError) as info:
        await AsyncClient().chat.completions.create(messages, provider=EchoProvider)
    assert info.value.param == param and info.value.status_code == 400
    assert EchoProvider.calls == [] and health.snapshot() == {}


async def test_deep_nesting_is_a_client_error():
    deep: list = []
    for _ in range(1000):
        deep = [deep]
    for messages, kwargs, param in (
        ([{"role": "user", "content": [{"type": "text", "text": "x", "extra": deep}]}], {}, "messages[0].content"),
        (user(), {"response_format": {"type": "json_schema", "json_schema": deep}}, "response_format"),
    ):
        with pytest.raises(InvalidRequestError, match="nested") as info:
            await AsyncClient().chat.completions.create(messages, provider=EchoProvider, **kwargs)
        assert info.value.param == param
    assert EchoProvider.calls == [] and health.snapshot() == {}


# --- the runner a user gives is honoured -----------------------------------------------------------


async def test_a_models_retry_provider_keeps_its_retries(model_of):
    FlakyProvider.failures = 2
    model_of("core-retry-model", FlakyProvider, best=RetryProvider([FlakyProvider], max_retries=3))
    response = await AsyncClient().chat.completions.create(user(), "core-retry-model")
    assert response.choices[0].message.content == "ok after 3"


async def test_a_models_shuffle_is_kept_and_health_still_orders(model_of, monkeypatch):
    import random

    monkeypatch.setattr(random, "shuffle", lambda items: items.reverse())
    model_of(
        "core-shuffle-model",
        AsyncGenProvider,
        EchoProvider,
        best=IterListProvider([AsyncGenProvider, EchoProvider], shuffle=True),
    )
    response = await AsyncClient().chat.completions.create(user("s"), "core-shuffle-model")
    assert response.provider == "EchoProvider"  # shuffled first
    health.configure(failures=1, cooldown=60)
    health.failure("EchoProvider")
    response = await AsyncClient().chat.completions.create(user("s"), "core-shuffle-model")
    assert response.provider == "AsyncGenProvider"  # the open breaker goes behind, shuffle or not


# --- layering --------------------------------------------------------------------------------------


def test_the_framework_imports_no_layer_above_it():
    import ast
    import pathlib

    import g4f.providers.types

    for path in pathlib.Path(g4f.providers.types.__file__).parent.glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level >= 2 and node.module:
                top = node.module.split(".")[0]
                assert top not in {"routing", "client", "api", "gui", "cli"}, f"{path.name} imports g4f.{node.module}"
