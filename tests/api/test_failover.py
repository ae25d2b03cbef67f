"""Failures of a provider stay invisible to the client: a real server, two real upstreams, the OpenAI SDK.

Two OpenAI-protocol providers serve ``chaos-model``: ``ChaosUpstream`` (a chaos fake told which
fault to produce) first, ``HealthyUpstream`` (a fault-free one that can continue a broken stream)
second. For every fault kind, whole and streamed, the client gets the one complete answer and the
health record shows the failure; breakers open and recover; when every provider fails, the error
is OpenAI-shaped and names each of them.
"""

from __future__ import annotations

import time
from typing import Any

import httpx
import openai
import pytest

from g4f import Provider
from g4f.models import Model, ModelRegistry
from g4f.providers.openai_compat import OpenaiTemplate

from ..fakes.chaos_server import BEFORE_FIRST_BYTE, FAULTS, MID_STREAM, ChaosServer, answer, split_words
from .server import ThreadedUvicorn

USER = [{"role": "user", "content": "ping"}]
#: An open breaker, read when its cooldown may already have passed on a busy machine.
OPEN = ("open", "half_open")
EXPECTED = answer(USER)
#: Short deadlines and cooldowns keep each test well under two seconds.
CONFIG: dict[str, Any] = {"timeout": 0.5, "stream_timeout": 0.4}


def upstream(name: str, server: ChaosServer, models: list[str], continuation: bool) -> type[OpenaiTemplate]:
    return type(
        name,
        (OpenaiTemplate,),
        {
            "__module__": __name__,
            "api_base": server.url,
            "needs_auth": False,
            "default_model": models[0],
            "models": models,
            "supports_continuation": continuation,
            "continuation_style": "vllm" if continuation else None,  # the chaos fake takes vLLM's flag
        },
    )


@pytest.fixture(scope="module")
def upstreams():
    chaos, healthy = ChaosServer(hang=10), ChaosServer()
    chaos.start()
    healthy.start()
    classes = [
        upstream("ChaosUpstream", chaos, ["chaos-model", "plain-model"], False),
        upstream("HealthyUpstream", healthy, ["chaos-model"], True),
        upstream("PlainUpstream", healthy, ["plain-model"], False),  # cannot continue a stream
    ]
    for cls in classes:
        Provider.register(cls)
    Model("chaos-model", "Test", ["ChaosUpstream", "HealthyUpstream"])
    Model("plain-model", "Test", ["ChaosUpstream", "PlainUpstream"])
    yield chaos, healthy
    for cls in classes:
        Provider._registered.pop(cls.__name__, None)
    for name in ("chaos-model", "plain-model"):
        ModelRegistry._models.pop(name, None)
    chaos.stop()
    healthy.stop()


@pytest.fixture()
def chaos(upstreams) -> ChaosServer:
    server = upstreams[0]
    server.configure()
    server.log.clear()
    server.requests.clear()
    return server


@pytest.fixture()
def healthy(upstreams) -> ChaosServer:
    server = upstreams[1]
    server.configure()
    server.log.clear()
    server.requests.clear()
    return server


@pytest.fixture()
def breaker():
    """The router's breaker policy (one per process, set by the server that starts) restored afterwards."""
    from g4f.routing import health as records

    saved = vars(records.policy).copy()
    yield
    records.policy.update(**saved)


@pytest.fixture()
def gateway():
    """``gateway(**config)``: a fresh server (so a fresh health record) per test."""
    started: list[ThreadedUvicorn] = []

    def start(**config: Any) -> ThreadedUvicorn:
        server = ThreadedUvicorn({**CONFIG, **config}).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


def sdk(server: ThreadedUvicorn) -> openai.OpenAI:
    return openai.OpenAI(
        base_url=server.url + "/v1", api_key="unused", max_retries=0, _strict_response_validation=True, timeout=10
    )


def ask(server: ThreadedUvicorn, stream: bool, model: str = "chaos-model") -> tuple[str, str]:
    """The answer's text and the providers it names."""
    with sdk(server) as client:
        if stream:
            chunks = list(client.chat.completions.create(model=model, messages=USER, stream=True))
            text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
            return text, str(chunks[-1].model_extra.get("provider"))
        raw = client.chat.completions.with_raw_response.create(model=model, messages=USER)
        response = raw.parse()
        assert raw.headers["x-g4f-providers"] == response.model_extra.get("provider")
        return response.choices[0].message.content or "", str(response.model_extra.get("provider"))


def health(server: ThreadedUvicorn, provider: str) -> dict[str, Any]:
    response = httpx.get(f"{server.url}/v1/providers/{provider}")
    assert response.status_code == 200
    return response.json()["health"]


def wait_until(epoch: float) -> None:
    """Sleep until a breaker's ``retry_at`` (plus the router clock's resolution)."""
    time.sleep(max(0.0, epoch - time.time()) + 0.06)


def eventually(condition, seconds: float = 2.0) -> bool:
    """For records written in the background: poll a little before giving up."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


# --- one fault, one healthy provider: one complete answer ----------------------------------------------


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "stream"])
@pytest.mark.parametrize("kind", FAULTS)
def test_a_fault_is_invisible_to_the_client(gateway, chaos, healthy, kind, stream):
    server = gateway()
    chaos.configure(script=[kind])
    text, providers = ask(server, stream)
    assert text == EXPECTED
    assert chaos.counts() == {kind: 1} and len(healthy.log) == 1
    continued = stream and kind in MID_STREAM  # text had reached the client: the rest came from the other
    assert healthy.log[0]["continuation"] is continued
    assert providers == ("ChaosUpstream,HealthyUpstream" if continued else "HealthyUpstream")  # who contributed
    assert eventually(lambda: health(server, "ChaosUpstream")["failures"] == 1)
    record = health(server, "ChaosUpstream")
    assert record["successes"] == 0 and record["consecutive_failures"] == 1
    if kind == "429":  # its Retry-After (1 s) opens the breaker for that long
        assert record["state"] == "open" and record["retry_at"] == pytest.approx(time.time() + 1, abs=0.9)
    assert eventually(lambda: health(server, "HealthyUpstream")["successes"] == 1)
    assert health(server, "HealthyUpstream")["failures"] == 0


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "stream"])
def test_a_hung_provider_is_skipped_within_the_request_and_demoted(gateway, chaos, healthy, stream):
    server = gateway(timeout=0.3)
    chaos.configure(script=["hang", "hang"])
    assert ask(server, stream)[0] == EXPECTED  # the deadline is the attempt's, not the request's
    assert ask(server, stream)[0] == EXPECTED
    assert len(chaos.log) == 1  # the next request did not wait on it again
    assert len(healthy.log) == 2


def test_a_long_healthy_stream_is_not_cut(gateway, chaos, healthy):
    """Deadlines bound the first part and the silence between parts; a stream that keeps producing runs on."""
    server = gateway(timeout=0.3, stream_timeout=0.3)
    chaos.configure(script=[{"kind": "drip", "drip_parts": 20, "drip_gap": 0.05}])  # about 1 s in all
    text, providers = ask(server, True)
    assert text == EXPECTED and providers == "ChaosUpstream"
    assert healthy.log == []
    assert eventually(lambda: health(server, "ChaosUpstream")["successes"] == 1)


@pytest.mark.parametrize("kind", MID_STREAM)
def test_a_broken_stream_without_a_continuing_provider_ends_in_band(gateway, chaos, healthy, kind):
    server = gateway()
    chaos.configure(script=[kind])
    received = []
    with sdk(server) as client, pytest.raises(openai.APIError) as info:
        for chunk in client.chat.completions.create(model="plain-model", messages=USER, stream=True):
            received.append(chunk.choices[0].delta.content or "" if chunk.choices else "")
    assert "".join(received) == "".join(split_words(EXPECTED)[:3])  # what came before the break
    assert "ChaosUpstream" in str(info.value)
    assert healthy.log == []  # PlainUpstream cannot continue, so it was not asked
    assert eventually(lambda: health(server, "ChaosUpstream")["failures"] == 1)


def test_a_continuation_that_breaks_too_ends_in_band_without_repeating(gateway, chaos, healthy):
    server = gateway()
    chaos.configure(script=["truncate"])
    healthy.configure(script=["truncate_reset"])  # the last candidate breaks as well
    received = []
    with sdk(server) as client, pytest.raises(openai.APIError):
        for chunk in client.chat.completions.create(model="chaos-model", messages=USER, stream=True):
            received.append(chunk.choices[0].delta.content or "" if chunk.choices else "")
    # Three parts from each before its break, each part once.
    assert "".join(received) == "Echo: ping. w1 w2 w3 w4"
    assert healthy.log[0]["continuation"] is True


# --- breakers -------------------------------------------------------------------------------------------


def test_breaker_opens_backs_off_and_recovers_within_its_cooldown(gateway, chaos, healthy, breaker):
    server = gateway(breaker_failures=1, breaker_cooldown=0.5)
    chaos.configure(rates={"500": 1.0})
    assert ask(server, False)[0] == EXPECTED  # ChaosUpstream failed, HealthyUpstream answered
    record = health(server, "ChaosUpstream")
    assert record["state"] in OPEN and record["cooldown"] == pytest.approx(0.5)
    for stream in (False, True):
        assert ask(server, stream) == (EXPECTED, "HealthyUpstream")
    # Open: no traffic until its cooldown ends (then one probe, which fails and falls back).
    assert all(entry["wall"] >= record["retry_at"] - 0.06 for entry in chaos.log[1:])
    if len(chaos.log) == 1:  # the requests above were quicker than the cooldown: probe now
        wait_until(record["retry_at"])
        assert health(server, "ChaosUpstream")["state"] == "half_open"  # its cooldown is over
        assert ask(server, False) == (EXPECTED, "HealthyUpstream")
    record = health(server, "ChaosUpstream")
    assert len(chaos.log) == 2 and record["state"] in OPEN and record["cooldown"] == pytest.approx(1.0)

    # The upstream recovers: the next probe succeeds, the breaker closes, traffic is back.
    chaos.configure()
    wait_until(record["retry_at"])
    assert ask(server, True) == (EXPECTED, "ChaosUpstream")
    record = health(server, "ChaosUpstream")
    assert record["state"] == "closed" and record["consecutive_failures"] == 0 and record["successes"] == 1
    assert ask(server, False) == (EXPECTED, "ChaosUpstream")


def test_a_failing_provider_gets_little_traffic_and_no_client_sees_it(gateway, chaos, healthy):
    server = gateway()
    chaos.configure(rates={"500": 1.0})
    for stream in (False, True) * 5:
        assert ask(server, stream)[0] == EXPECTED
    assert len(chaos.log) < 5  # demoted, then its breaker opened
    assert len(healthy.log) == 10


# --- every provider fails -----------------------------------------------------------------------------


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "stream"])
@pytest.mark.parametrize(
    ("faults", "statuses"),
    [
        (("500", "500"), {502}),
        (("429", "429"), {429}),
        (("hang", "hang_after_headers"), {504}),
        (("reset", "invalid_json"), {502}),
        (("500", "hang"), {502, 504}),
    ],
    ids=["500", "429", "hang", "reset-invalid", "mixed"],
)
def test_all_providers_failing_is_one_openai_error_naming_each(gateway, chaos, healthy, faults, statuses, stream):
    server = gateway()
    chaos.configure(script=[faults[0]])
    healthy.configure(script=[faults[1]])
    with sdk(server) as client, pytest.raises(openai.APIStatusError) as info:
        if stream:
            list(client.chat.completions.create(model="chaos-model", messages=USER, stream=True))
        else:
            client.chat.completions.create(model="chaos-model", messages=USER)
    error = info.value
    assert error.status_code in statuses
    body = error.body if isinstance(error.body, dict) else {}
    assert set(body) == {"message", "type", "code", "param"}  # the SDK hands over the "error" object
    assert "ChaosUpstream" in body["message"] and "HealthyUpstream" in body["message"]
    assert body["type"] == ("rate_limit_error" if error.status_code == 429 else "server_error")
    if error.status_code == 429:
        assert int(error.response.headers["retry-after"]) >= 1
    assert len(chaos.log) == 1 and len(healthy.log) == 1


# --- metrics of the router ------------------------------------------------------------------------------


def test_metrics_count_fallbacks_failovers_and_breakers(gateway, chaos, healthy):
    from prometheus_client.parser import text_string_to_metric_families

    def scrape() -> dict[tuple[str, tuple], float]:
        text = httpx.get(server.url + "/metrics").text
        return {
            (s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text)
            for s in family.samples
        }

    from g4f.routing import health as records

    server = gateway()
    before = scrape()
    chaos.configure(script=["500", "truncate"])
    assert ask(server, False)[0] == EXPECTED  # failed before its first part: a fallback
    records.reset()  # ChaosUpstream first again
    assert ask(server, True)[0] == EXPECTED  # broke after text reached the client: a failover
    after = scrape()

    def grew(name: str, **labels: str) -> float:
        key = (name, tuple(sorted(labels.items())))
        return after.get(key, 0.0) - before.get(key, 0.0)

    assert grew("g4f_failovers_total", provider="ChaosUpstream") == 1
    assert grew("g4f_fallbacks_total", provider="ChaosUpstream") == 1
    assert grew("g4f_provider_attempts_total", provider="ChaosUpstream", model="chaos-model", outcome="error") >= 1
    assert grew("g4f_provider_attempts_total", provider="HealthyUpstream", model="chaos-model", outcome="ok") >= 1
    assert after[("g4f_provider_breaker_state", (("provider", "ChaosUpstream"), ("state", "closed")))] in (0.0, 1.0)
    assert (
        sum(
            after.get(("g4f_provider_breaker_state", (("provider", "ChaosUpstream"), ("state", s))), 0.0)
            for s in ("closed", "half_open", "open")
        )
        == 1.0
    )


def test_fault_kinds_cover_the_issue():
    """Every fault the issue lists has a kind (a guard against this harness silently shrinking)."""
    assert set(BEFORE_FIRST_BYTE) == {"500", "429", "reset", "hang", "hang_after_headers", "invalid_json"}
    assert set(MID_STREAM) == {"truncate", "truncate_reset", "truncate_invalid", "stall"}


# --- the chaos fake itself ---------------------------------------------------------------------------------


def test_the_chaos_fake_answers_and_fails_before_the_first_byte(chaos):
    """What the upstream really sends for each kind, read without g4f in between."""
    whole, streamed = {"model": "m", "messages": USER}, {"model": "m", "messages": USER, "stream": True}
    with openai.OpenAI(base_url=chaos.url + "/v1", api_key="x", max_retries=0, timeout=0.25) as client:
        chaos.configure(script=["ok", "ok", "500", "429", "reset", "hang"])
        assert client.chat.completions.create(**whole).choices[0].message.content == EXPECTED
        chunks = client.chat.completions.create(**streamed)
        assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == EXPECTED
        with pytest.raises(openai.InternalServerError):
            client.chat.completions.create(**whole)
        with pytest.raises(openai.RateLimitError) as limited:
            client.chat.completions.create(**whole)
        assert limited.value.response.headers["retry-after"] == "1"
        with pytest.raises(openai.APIConnectionError):
            client.chat.completions.create(**whole)
        with pytest.raises(openai.APITimeoutError):
            client.chat.completions.create(**whole)


def test_the_chaos_fake_breaks_streams_and_continues_them(chaos):
    url = chaos.url + "/v1/chat/completions"
    streamed = {"model": "m", "messages": USER, "stream": True}
    http = httpx.Client(timeout=0.25)

    def events(kind: str) -> tuple[list[str], BaseException | None]:
        chaos.configure(script=[kind])
        lines: list[str] = []
        try:
            with http.stream("POST", url, json=streamed) as response:
                assert response.status_code == 200
                lines.extend(line for line in response.iter_lines() if line)
        except httpx.HTTPError as error:
            return lines, error
        return lines, None

    lines, error = events("truncate")
    assert error is None and len(lines) == 4 and "[DONE]" not in lines[-1] and '"finish_reason": null' in lines[-1]
    lines, error = events("truncate_reset")
    assert isinstance(error, httpx.RemoteProtocolError | httpx.ReadError) and len(lines) == 4
    lines, error = events("truncate_invalid")
    assert error is None and lines[-1].endswith('"delta": ')
    lines, error = events("stall")
    assert isinstance(error, httpx.ReadTimeout) and len(lines) == 4
    lines, error = events("hang_after_headers")
    assert isinstance(error, httpx.ReadTimeout) and lines == []
    lines, error = events("invalid_json")
    assert error is None and lines == ["data: {not json at all"]

    # A continuation answers only what follows the assistant's text so far.
    chaos.configure()
    prefix = "".join(split_words(EXPECTED)[:3])
    body = {"model": "m", "messages": [*USER, {"role": "assistant", "content": prefix}], "continue_final_message": True}
    reply = http.post(url, json=body).json()["choices"][0]["message"]["content"]
    http.close()
    assert prefix + reply == EXPECTED and reply
    assert chaos.log[-1]["continuation"] is True and not chaos.log[-2]["continuation"]
