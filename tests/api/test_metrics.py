"""``GET /metrics`` of a real server: Prometheus text format, bounded labels, the key rule."""

from __future__ import annotations

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from g4f import metrics

from .conftest import KEY

USER = [{"role": "user", "content": "hi"}]


def scrape(url: str, **headers: str) -> dict[tuple[str, tuple], float]:
    response = httpx.get(url + "/metrics", headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples: dict, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_requests_errors_and_latency_by_route_template(server):
    before = scrape(server.url)
    chat = httpx.post(f"{server.url}/v1/chat/completions", json={"provider": "MockEcho", "messages": USER})
    assert chat.status_code == 200
    stream = httpx.post(
        f"{server.url}/v1/chat/completions", json={"provider": "MockEcho", "messages": USER, "stream": True}
    )
    assert stream.status_code == 200 and stream.text.endswith("data: [DONE]\n\n")
    assert httpx.get(f"{server.url}/v1/models/echo-1").status_code == 200
    assert httpx.get(f"{server.url}/v1/models/echo-2").status_code == 200
    assert httpx.get(f"{server.url}/v1/no-such-route/12345").status_code == 404
    bad = httpx.post(f"{server.url}/v1/chat/completions", json={"messages": "not a list"})
    assert bad.status_code in (400, 422)
    refused = str(bad.status_code)
    after = scrape(server.url)

    def grew(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    chat_labels = {"route": "/v1/chat/completions", "method": "POST"}
    assert grew("g4f_http_requests_total", **chat_labels, status="200") == 2
    assert grew("g4f_http_requests_total", **chat_labels, status=refused) == 1
    assert grew("g4f_http_errors_total", **chat_labels, status=refused) == 1
    assert grew("g4f_http_errors_total", **chat_labels, status="200") == 0
    assert grew("g4f_http_request_duration_seconds_count", **chat_labels) == 3
    assert grew("g4f_http_request_duration_seconds_bucket", **chat_labels, le="+Inf") == 3
    assert grew("g4f_http_request_duration_seconds_sum", **chat_labels) > 0
    # The template, not the requested paths: one series for both models.
    template = {"route": "/v1/models/{model_name:path}", "method": "GET"}
    assert grew("g4f_http_requests_total", **template, status="200") == 2
    assert grew("g4f_http_requests_total", route="other", method="GET", status="404") == 1
    routes = {dict(labels).get("route") for (_name, labels) in after}
    assert not any(route and ("echo-1" in route or "12345" in route) for route in routes)
    # A scrape counts itself afterwards, under its own fixed path.
    assert value(after, "g4f_http_requests_total", route="/metrics", method="GET", status="200") >= 1


def test_buckets_are_cumulative(server):
    samples = scrape(server.url)
    buckets = sorted(
        (float(dict(labels)["le"]), count)
        for (name, labels), count in samples.items()
        if name == "g4f_http_request_duration_seconds_bucket" and dict(labels)["route"] == "/metrics"
    )
    assert len(buckets) == len(metrics.BUCKETS) + 1
    counts = [count for _le, count in buckets]
    assert counts == sorted(counts)


def test_router_counters_appear_as_counted(server):
    before = scrape(server.url)
    metrics.attempt("MetricsProbeA", "model-x", True, 0.2)
    metrics.attempt("MetricsProbeA", "model-x", False, 3.0)
    metrics.fallback("MetricsProbeA")
    metrics.failover("MetricsProbeA")
    metrics.failover("MetricsProbeA")
    after = scrape(server.url)

    def grew(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    series = {"provider": "MetricsProbeA", "model": "model-x"}
    assert grew("g4f_provider_attempts_total", **series, outcome="ok") == 1
    assert grew("g4f_provider_attempts_total", **series, outcome="error") == 1
    assert grew("g4f_provider_attempt_duration_seconds_bucket", **series, le="0.25") == 1
    assert grew("g4f_provider_attempt_duration_seconds_bucket", **series, le="5.0") == 2
    assert grew("g4f_fallbacks_total", provider="MetricsProbeA") == 1
    assert grew("g4f_failovers_total", provider="MetricsProbeA") == 2


def test_provider_model_series_are_capped(monkeypatch, server):
    monkeypatch.setattr(metrics, "MAX_SERIES", len(metrics.attempt_latency))
    metrics.attempt("MetricsProbeB", "model-beyond-the-cap", True, 0.1)
    samples = scrape(server.url)
    assert value(samples, "g4f_provider_attempts_total", provider="MetricsProbeB", model="other", outcome="ok") == 1
    assert not any(dict(labels).get("model") == "model-beyond-the-cap" for (_n, labels) in samples)


def test_metrics_need_the_key_when_the_server_has_one(keyed_server):
    refused = httpx.get(keyed_server.url + "/metrics")
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "invalid_api_key"
    assert httpx.get(keyed_server.url + "/metrics", headers={"authorization": "Bearer wrong-key"}).status_code == 401
    scrape(keyed_server.url, authorization=f"Bearer {KEY}")
    scrape(keyed_server.url, **{"g4f-api-key": KEY})


def test_breaker_states_come_from_the_health_snapshot(server, monkeypatch):
    from g4f import routing

    records = {
        "ProbeClosed": {"state": "closed", "successes": 3, "failures": 1, "consecutive_failures": 0, "latency": 0.2},
        "ProbeOpen": {"state": "open", "successes": 0, "failures": 5, "consecutive_failures": 5, "cooldown": 2.0},
    }
    monkeypatch.setattr(routing.health, "snapshot", lambda: records, raising=False)
    samples = scrape(server.url)
    state = "g4f_provider_breaker_state"
    assert value(samples, state, provider="ProbeOpen", state="open") == 1
    assert value(samples, state, provider="ProbeOpen", state="closed") == 0
    assert value(samples, state, provider="ProbeClosed", state="closed") == 1
    assert value(samples, "g4f_provider_consecutive_failures", provider="ProbeOpen") == 5
    assert value(samples, "g4f_provider_cooldown_seconds", provider="ProbeOpen") == 2.0
    assert value(samples, "g4f_provider_latency_seconds", provider="ProbeClosed") == pytest.approx(0.2)


def test_pending_attempts_count_as_if_counted_one_by_one(monkeypatch):
    """Attempts are counted in batches: the tables must be those counting each as it ended gives."""
    monkeypatch.setattr(metrics, "enabled", True)
    monkeypatch.setattr(metrics, "attempt_latency", {})
    monkeypatch.setattr(metrics, "pending_attempts", [])
    monkeypatch.setattr(metrics, "MAX_SERIES", 2)
    ended = [("A", "m1", True, 0.003), ("B", "", False, 0.2), ("A", "m1", False, 7.0), ("C", "m3", True, 0.1)]
    ended.append(("B", None, True, 0.02))  # the same series as "": the default model
    for outcome in ended:
        metrics.attempt(*outcome)
    assert metrics.attempt_latency == {}  # pending until a scrape (or a full batch)
    metrics.count_pending()
    table = metrics.attempt_latency
    assert list(table) == [("A", "m1"), ("B", "default"), ("C", "other")]  # C came after the cap
    a, b = table["A", "m1"], table["B", "default"]
    assert a.outcomes == {"ok": 1, "error": 1} and b.outcomes == {"error": 1, "ok": 1}
    assert a.total == 0.003 + 7.0 and b.total == 0.2 + 0.02
    assert a.buckets()[0] == ("0.005", 1.0) and a.buckets()[-1] == ("+Inf", 2.0)
    assert b.buckets()[2] == ("0.025", 1.0) and b.buckets()[5] == ("0.25", 2.0)
    assert metrics.pending_attempts == []
