"""Prometheus metrics: requests by route, provider attempts, fallbacks, failovers and breaker states.

``prometheus-client`` is optional (the ``api`` extra): without it every function here is a no-op
and ``GET /metrics`` answers 501. The router calls ``attempt``, ``fallback`` and ``failover`` on
its hot path, so each is a dict lookup and an increment on a cached child. Breaker states are not
counted as they change: ``/metrics`` reads ``g4f.routing.health.snapshot()`` when it is scraped.

Labels stay bounded: routes are the app's route templates (``/v1/models/{model_name:path}``, not
the requested path), statuses and methods are few, and provider/model pairs are capped at
``MAX_SERIES`` (later ones are counted as model ``"other"``).
"""

from __future__ import annotations

import hmac
import inspect
import time
from collections.abc import Iterator
from typing import Any

try:
    import prometheus_client
    from prometheus_client.core import GaugeMetricFamily
except ImportError:  # the api extra is not installed: metrics are off
    prometheus_client = None  # type: ignore[assignment]

#: Distinct (provider, model) label pairs kept before further models are counted as "other".
MAX_SERIES = 500
#: Request latency buckets (seconds): fast local answers up to long generations.
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0)
METHODS = frozenset(("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"))
BREAKER_STATES = ("closed", "half_open", "open")

enabled = prometheus_client is not None


class _Metrics:
    """The metric families, in a registry of their own (several apps in one process share it)."""

    def __init__(self) -> None:
        from prometheus_client import CollectorRegistry, Counter, Histogram

        self.registry = CollectorRegistry(auto_describe=True)
        reg = self.registry
        self.requests = Counter(
            "g4f_http_requests", "HTTP requests answered, by route template, method and status.",
            ("route", "method", "status"), registry=reg,
        )  # fmt: skip
        self.errors = Counter(
            "g4f_http_errors", "HTTP requests answered with a status of 400 or more.",
            ("route", "method", "status"), registry=reg,
        )  # fmt: skip
        self.latency = Histogram(
            "g4f_http_request_duration_seconds", "Time from request to the end of the response (a whole stream).",
            ("route", "method"), buckets=BUCKETS, registry=reg,
        )  # fmt: skip
        self.attempts = Counter(
            "g4f_provider_attempts", "Provider attempts by outcome (ok: the answer or stream ended well).",
            ("provider", "model", "outcome"), registry=reg,
        )  # fmt: skip
        self.attempt_latency = Histogram(
            "g4f_provider_attempt_duration_seconds", "Duration of provider attempts, successful or not.",
            ("provider", "model"), buckets=BUCKETS, registry=reg,
        )  # fmt: skip
        self.fallbacks = Counter(
            "g4f_fallbacks", "Candidates that failed before their first part, so the next one was tried.",
            ("provider",), registry=reg,
        )  # fmt: skip
        self.failovers = Counter(
            "g4f_failovers", "Streams that broke after text reached the client and were continued elsewhere.",
            ("provider",), registry=reg,
        )  # fmt: skip
        self.breakers = BreakerCollector()
        reg.register(self.breakers)
        # Children cached by label values: ``labels()`` takes a lock and builds a key on every call.
        self.request_children: dict[tuple[str, str, int], tuple[Any, Any, Any]] = {}
        self.attempt_children: dict[tuple[str, str, bool], tuple[Any, Any]] = {}
        self.series: set[tuple[str, str]] = set()

    def request(self, route: str, method: str, status: int, seconds: float) -> None:
        key = (route, method, status)
        children = self.request_children.get(key)
        if children is None:
            error = self.errors.labels(route, method, str(status)) if status >= 400 else None
            children = (self.requests.labels(route, method, str(status)), error, self.latency.labels(route, method))
            self.request_children[key] = children
        children[0].inc()
        if children[1] is not None:
            children[1].inc()
        children[2].observe(seconds)

    def attempt(self, provider: str, model: str, ok: bool, seconds: float) -> None:
        key = (provider, model, ok)
        children = self.attempt_children.get(key)
        if children is None:
            if (provider, model) not in self.series:
                if len(self.series) >= MAX_SERIES:
                    model = "other"
                self.series.add((provider, model))
            children = (
                self.attempts.labels(provider, model, "ok" if ok else "error"),
                self.attempt_latency.labels(provider, model),
            )
            if len(self.attempt_children) < 4 * MAX_SERIES:
                self.attempt_children[key] = children
        children[0].inc()
        children[1].observe(seconds)


class BreakerCollector:
    """Gauges of each provider's health record, from the snapshot taken for the current scrape."""

    def __init__(self) -> None:
        self.snapshot: dict[str, dict[str, Any]] = {}

    def describe(self) -> list[Any]:
        return []

    def collect(self) -> Iterator[Any]:
        state = GaugeMetricFamily(
            "g4f_provider_breaker_state", "1 for the provider's current circuit-breaker state.", labels=("provider", "state")
        )
        gauges = {
            "consecutive_failures": GaugeMetricFamily(
                "g4f_provider_consecutive_failures", "Failures since the provider's last success.", labels=("provider",)
            ),
            "successes": GaugeMetricFamily(
                "g4f_provider_successes", "Successful attempts in the provider's health record.", labels=("provider",)
            ),
            "failures": GaugeMetricFamily(
                "g4f_provider_failures", "Failed attempts in the provider's health record.", labels=("provider",)
            ),
            "cooldown": GaugeMetricFamily(
                "g4f_provider_cooldown_seconds", "The breaker's current cooldown.", labels=("provider",)
            ),
            "latency": GaugeMetricFamily(
                "g4f_provider_latency_seconds", "Moving average of the provider's latency.", labels=("provider",)
            ),
        }
        for provider, record in sorted(self.snapshot.items()):
            if not isinstance(record, dict):
                continue
            current = record.get("state")
            if current in BREAKER_STATES:
                for name in BREAKER_STATES:
                    state.add_metric((provider, name), 1.0 if name == current else 0.0)
            for field, family in gauges.items():
                value = record.get(field)
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    family.add_metric((provider,), float(value))
        yield state
        yield from gauges.values()


_metrics: _Metrics | None = _Metrics() if enabled else None


# --- what the router calls (hot path) --------------------------------------------------------------


def attempt(provider: str, model: str, ok: bool, seconds: float) -> None:
    """One attempt at ``provider`` ended: ``ok`` when its answer (or stream) finished well."""
    if _metrics is not None:
        _metrics.attempt(provider, model or "default", ok, seconds)


def fallback(provider: str) -> None:
    """``provider`` failed before its first part and the next candidate was tried."""
    if _metrics is not None:
        _metrics.fallbacks.labels(provider).inc()


def failover(provider: str) -> None:
    """A stream of ``provider`` broke after text reached the client and was continued elsewhere."""
    if _metrics is not None:
        _metrics.failovers.labels(provider).inc()


# --- the server side ---------------------------------------------------------------------------------


class MetricsMiddleware:
    """Pure ASGI: counts each HTTP request by route template, method and status, and times it.

    The route is the template of the route that answered (``scope["route"]`` once routing ran), the
    path itself for the app's fixed paths (the chat lane answers before routing), else ``"other"``.
    """

    def __init__(self, app: Any) -> None:
        self.app = app
        self.fixed: frozenset[str] | None = None

    def _route(self, scope: dict[str, Any]) -> str:
        route = scope.get("route")
        path = getattr(route, "path", None)
        if isinstance(path, str):
            return path
        if self.fixed is None:
            application = scope.get("app")
            routes = getattr(application, "routes", ())
            self.fixed = frozenset(p for r in routes if "{" not in (p := getattr(r, "path", "{")))
        path = scope.get("path", "")
        return path if path in self.fixed else "other"

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or _metrics is None:
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what a client sees when the app fails before it answers

        async def send_status(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            method = scope["method"] if scope["method"] in METHODS else "other"
            _metrics.request(self._route(scope), method, status, time.perf_counter() - started)


async def health_snapshot() -> dict[str, dict[str, Any]]:
    """The router's health records (``{}`` when the router keeps none)."""
    from . import routing

    health = getattr(routing, "health", None)
    snapshot = getattr(health, "snapshot", None)
    if snapshot is None:
        return {}
    result = snapshot()
    if inspect.isawaitable(result):
        result = await result
    return result if isinstance(result, dict) else {}


async def render() -> tuple[bytes, str]:
    """The body and content type of a scrape."""
    if _metrics is None:
        raise RuntimeError("prometheus-client is not installed")
    from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

    try:
        _metrics.breakers.snapshot = await health_snapshot()
    except Exception:  # a failing store must not take the other metrics down
        _metrics.breakers.snapshot = {}
    return generate_latest(_metrics.registry), CONTENT_TYPE_LATEST


async def metrics_endpoint(request: Any) -> Any:
    """``GET /metrics``: Prometheus text format; with a server key set, the key is needed as for ``/v1``."""
    from starlette.responses import Response

    from .api.errors import error_body
    from .api.responses import JSONResponse

    key = request.app.state.settings.g4f_api_key
    if key and not _key_matches(request, key):
        body = error_body(
            401,
            "Invalid or missing API key. Send 'Authorization: Bearer KEY' or 'g4f-api-key: KEY'.",
            "authentication_error",
            "invalid_api_key",
        )
        return JSONResponse(body, status_code=401, headers={"WWW-Authenticate": "Bearer"})
    if _metrics is None:
        body = error_body(501, "Metrics need the prometheus-client package (pip install 'g4f[api]').")
        return JSONResponse(body, status_code=501)
    data, content_type = await render()
    return Response(data, media_type=content_type)


def _key_matches(request: Any, key: str) -> bool:
    auth = request.headers.get("authorization", "")
    presented = auth[7:].strip() if auth[:7].lower() == "bearer " else request.headers.get("g4f-api-key", "")
    return hmac.compare_digest(presented.encode(), key.encode())


def install(app: Any) -> None:
    """``GET /metrics`` and the request middleware (outermost, so it times auth refusals too)."""
    app.add_api_route("/metrics", metrics_endpoint, methods=["GET"], tags=["metrics"], include_in_schema=False)
    if _metrics is not None:
        app.outer.insert(0, (MetricsMiddleware, {}))


__all__ = ["attempt", "fallback", "failover", "install", "render", "MetricsMiddleware", "enabled"]
