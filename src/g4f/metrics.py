"""Prometheus metrics: requests by route, provider attempts, fallbacks, failovers and breaker states.

Counting is plain list and dict arithmetic, done only once a server turned metrics on (``install``):
the router calls ``attempt``, ``fallback`` and ``failover`` on its hot path, and a library user who
never serves ``/metrics`` pays one flag test for each. A request or attempt that ends is appended to
a list, counted into the tables at the next scrape (or once a thousand wait). ``prometheus-client`` (the ``api`` extra) is
imported at the first scrape only, to write the text format; without it counting stays off and
``GET /metrics`` answers 501. Breaker states are not counted as they change: a scrape reads
``g4f.routing.health.snapshot()``.

Labels stay bounded: routes are the app's route templates (``/v1/models/{model_name:path}``, not the
requested path; ``"other"`` for what no route matched), methods and statuses are few, and
provider/model pairs are capped at ``MAX_SERIES`` (later models are counted as ``"other"``).
"""

from __future__ import annotations

import importlib.util
import inspect
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Iterator
from itertools import repeat
from time import perf_counter
from typing import Any

#: Distinct (provider, model) label pairs kept before further models are counted as "other".
MAX_SERIES = 500
#: Latency buckets (seconds): fast local answers up to long generations.
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0)
METHODS = frozenset(("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"))
BREAKER_STATES = ("closed", "half_open", "open")

#: Whether counting is on (``install`` turns it on when prometheus-client is installed).
enabled = False


class Histogram:
    """Observations per bucket (not cumulative: that is done at scrape time), their sum, and counts
    per outcome (the request's status, or an attempt's ``"ok"``/``"error"``)."""

    __slots__ = ("counts", "total", "outcomes")

    def __init__(self) -> None:
        self.counts = [0] * (len(BUCKETS) + 1)  # the last one is +Inf
        self.total = 0.0
        self.outcomes: dict[Any, int] = {}

    def buckets(self) -> list[tuple[str, float]]:
        cumulative, out = 0, []
        for bound, count in zip((*map(str, BUCKETS), "+Inf"), self.counts, strict=True):
            cumulative += count
            out.append((bound, float(cumulative)))
        return out


# What has been counted: (route, method) -> requests by status; (provider, model) -> attempts by outcome.
latency: dict[tuple[str, str], Histogram] = {}
attempt_latency: dict[tuple[str, str], Histogram] = {}
fallbacks: dict[str, int] = {}
failovers: dict[str, int] = {}

# What is not counted yet: requests and attempts are appended as they end (a list append is the
# cheapest record a request can leave) and counted in order by ``count_pending``, at each scrape
# or once ``MAX_PENDING`` of either wait, so the tables above are as if counted one by one.
#: (middleware, matched route, path, method, status, seconds) of each request answered.
pending_requests: list[tuple[Any, Any, str, str, int, float]] = []
#: (provider, model, ok, seconds) of each attempt ended.
pending_attempts: list[tuple[str, str, bool, float]] = []
MAX_PENDING = 1024


# --- what the router calls (hot path) ---------------------------------------------------------------


def attempt(provider: str, model: str, ok: bool, seconds: float) -> None:
    """One attempt at ``provider`` ended: ``ok`` when its answer (or stream) finished well."""
    if enabled:
        pending_attempts.append((provider, model, ok, seconds))
        if len(pending_attempts) >= MAX_PENDING:
            count_pending()


def fallback(provider: str) -> None:
    """``provider`` failed before its first part and the next candidate was tried."""
    if enabled:
        fallbacks[provider] = fallbacks.get(provider, 0) + 1


def failover(provider: str) -> None:
    """A stream of ``provider`` broke after text reached the client and was continued elsewhere."""
    if enabled:
        failovers[provider] = failovers.get(provider, 0) + 1


def count_pending() -> None:
    """Count the requests and attempts that ended since the last call, each into its histogram in the
    order they ended. Python resolves the labels once per distinct key of the batch and adds each
    observation's seconds; the rest (keys, buckets, tallies) is done by ``zip``, ``map`` and ``Counter``."""
    requests = pending_requests[:]
    del pending_requests[: len(requests)]  # not clear(): another thread may have appended meanwhile
    if requests:
        middlewares, matched, paths, methods, statuses, seconds = zip(*requests, strict=True)
        keys = list(zip(map(id, middlewares), map(id, matched), paths, methods, strict=True))
        found: dict[tuple[int, int, str, str], Histogram] = {}
        firsts = dict(zip(keys, requests, strict=True))  # one request of each key, in the order first seen
        for key, (middleware, route, path, method, _, _) in firsts.items():
            template = getattr(route, "path", None)
            if not isinstance(template, str):
                template = path if path in middleware.fixed else "other"
            label = (template, method if method in METHODS else "other")
            histogram = latency.get(label)
            if histogram is None:
                histogram = latency[label] = Histogram()
            found[key] = histogram
        _observe(list(map(found.__getitem__, keys)), seconds, statuses)
    attempts = pending_attempts[:]
    del pending_attempts[: len(attempts)]
    if attempts:
        providers, models, oks, seconds = zip(*attempts, strict=True)
        pairs = list(zip(providers, models, strict=True))
        series_of: dict[tuple[str, str], Histogram] = {}
        for provider, model in dict.fromkeys(pairs):  # first seen first: later series are capped
            series = (provider, model or "default")
            histogram = attempt_latency.get(series)
            if histogram is None:
                if len(attempt_latency) >= MAX_SERIES:
                    series = (provider, "other")
                histogram = attempt_latency.setdefault(series, Histogram())
            series_of[provider, model] = histogram
        _observe(list(map(series_of.__getitem__, pairs)), seconds, ["ok" if ok else "error" for ok in oks])


def _observe(histograms: list[Histogram], seconds: tuple[float, ...], outcomes: Iterable[Any]) -> None:
    """Each observation (``seconds[i]``, ``outcomes[i]``) into ``histograms[i]``, in order."""
    for histogram, value in zip(histograms, seconds, strict=True):
        histogram.total += value  # one by one, in order: the same sum as counting each as it came
    buckets = map(bisect_left, repeat(BUCKETS), seconds)
    for (histogram, bucket), count in Counter(zip(histograms, buckets, strict=True)).items():
        histogram.counts[bucket] += count
    for (histogram, outcome), count in Counter(zip(histograms, outcomes, strict=True)).items():
        histogram.outcomes[outcome] = histogram.outcomes.get(outcome, 0) + count


def reset() -> None:
    """Forget every count (tests)."""
    for table in (latency, attempt_latency, fallbacks, failovers, pending_requests, pending_attempts):
        table.clear()


# --- the server side -------------------------------------------------------------------------------------


class MetricsMiddleware:
    """Pure ASGI: counts each HTTP request by route template, method and status, and times it to the
    end of its response (a whole stream).

    The route is the template of the route that answered (``scope["route"]`` once routing ran), the
    path itself for the app's fixed paths (the chat lane answers before routing), else ``"other"``.
    """

    def __init__(self, app: Any) -> None:
        self.app = app
        self.fixed: frozenset[str] | None = None

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = perf_counter()
        status = 500  # what the server answers when the app fails before it does

        def send_and_note(message: dict[str, Any]) -> Any:  # not a coroutine: send's own awaitable
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            return send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            if self.fixed is None:  # the app's routes, known once it answered a request
                routes = getattr(scope.get("app"), "routes", ())
                self.fixed = frozenset(
                    p for r in routes if isinstance(p := getattr(r, "path", None), str) and "{" not in p
                )
            pending_requests.append(
                (self, scope.get("route"), scope["path"], scope["method"], status, perf_counter() - started)
            )
            if len(pending_requests) >= MAX_PENDING:
                count_pending()


async def health_snapshot() -> dict[str, dict[str, Any]]:
    """The router's health records (``{}`` when the router keeps none)."""
    from . import routing

    snapshot = getattr(getattr(routing, "health", None), "snapshot", None)
    if snapshot is None:
        return {}
    result = snapshot()
    if inspect.isawaitable(result):
        result = await result
    return result if isinstance(result, dict) else {}


class Collector:
    """Turns the counts (and a health snapshot taken for this scrape) into metric families."""

    def __init__(self, health: dict[str, dict[str, Any]]) -> None:
        self.health = health

    def collect(self) -> Iterator[Any]:
        from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily

        family = CounterMetricFamily(
            "g4f_http_requests",
            "HTTP requests answered, by route template, method and status.",
            labels=("route", "method", "status"),
        )
        errors = CounterMetricFamily(
            "g4f_http_errors",
            "HTTP requests answered with a status of 400 or more.",
            labels=("route", "method", "status"),
        )
        for (route, method), histogram in sorted(latency.items()):
            for status, count in sorted(histogram.outcomes.items()):
                family.add_metric((route, method, str(status)), count)
                if status >= 400:
                    errors.add_metric((route, method, str(status)), count)
        yield family
        yield errors
        yield self.histogram(
            HistogramMetricFamily,
            "g4f_http_request_duration_seconds",
            "Time from a request to the end of its response (a whole stream).",
            ("route", "method"),
            latency,
        )
        family = CounterMetricFamily(
            "g4f_provider_attempts",
            "Provider attempts by outcome (ok: the answer or stream ended well).",
            labels=("provider", "model", "outcome"),
        )
        for (provider, model), histogram in sorted(attempt_latency.items()):
            for outcome, count in sorted(histogram.outcomes.items()):
                family.add_metric((provider, model, outcome), count)
        yield family
        yield self.histogram(
            HistogramMetricFamily,
            "g4f_provider_attempt_duration_seconds",
            "Duration of provider attempts, successful or not.",
            ("provider", "model"),
            attempt_latency,
        )
        for name, text, table in (
            ("g4f_fallbacks", "Candidates that failed before their first part, so the next was tried.", fallbacks),
            ("g4f_failovers", "Streams that broke after text reached the client and went on elsewhere.", failovers),
        ):
            family = CounterMetricFamily(name, text, labels=("provider",))
            for provider, count in sorted(table.items()):
                family.add_metric((provider,), count)
            yield family
        yield from self.breakers(GaugeMetricFamily)

    @staticmethod
    def histogram(cls: Any, name: str, text: str, labels: tuple[str, ...], table: dict) -> Any:
        family = cls(name, text, labels=labels)
        for key, histogram in sorted(table.items()):
            family.add_metric(key, histogram.buckets(), histogram.total)
        return family

    def breakers(self, cls: Any) -> Iterator[Any]:
        state = cls(
            "g4f_provider_breaker_state",
            "1 for the circuit-breaker state a provider is in.",
            labels=("provider", "state"),
        )
        gauges = {
            "consecutive_failures": cls(
                "g4f_provider_consecutive_failures", "Failures since the provider's last success.", labels=("provider",)
            ),
            "successes": cls(
                "g4f_provider_successes", "Successes in the provider's health record.", labels=("provider",)
            ),
            "failures": cls("g4f_provider_failures", "Failures in the provider's health record.", labels=("provider",)),
            "cooldown": cls("g4f_provider_cooldown_seconds", "The breaker's current cooldown.", labels=("provider",)),
            "latency": cls(
                "g4f_provider_latency_seconds", "Moving average of the provider's latency.", labels=("provider",)
            ),
        }
        for provider, record in sorted(self.health.items()):
            if not isinstance(record, dict):
                continue
            if record.get("state") in BREAKER_STATES:
                for name in BREAKER_STATES:
                    state.add_metric((provider, name), 1.0 if name == record["state"] else 0.0)
            for field, family in gauges.items():
                value = record.get(field)
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    family.add_metric((provider,), float(value))
        yield state
        yield from gauges.values()


async def render() -> tuple[bytes, str]:
    """The body and content type of a scrape."""
    from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

    count_pending()
    try:
        health = await health_snapshot()
    except Exception:  # a failing store must not take the other metrics down
        health = {}
    registry = CollectorRegistry(auto_describe=False)
    registry.register(Collector(health))  # type: ignore[arg-type]
    return generate_latest(registry), CONTENT_TYPE_LATEST


async def metrics_endpoint(request: Any, keyring: Any = None) -> Any:
    """``GET /metrics``: Prometheus text format; with server keys set, one is needed as for ``/v1``."""
    from starlette.responses import Response

    from .api.errors import error_body
    from .api.responses import JSONResponse

    if keyring and not _key_accepted(request, keyring):
        body = error_body(
            401,
            "Invalid or missing API key. Send 'Authorization: Bearer KEY' or 'g4f-api-key: KEY'.",
            "authentication_error",
            "invalid_api_key",
        )
        return JSONResponse(body, status_code=401, headers={"WWW-Authenticate": "Bearer"})
    if not enabled:
        body = error_body(501, "Metrics need the prometheus-client package (pip install 'g4f[api]').")
        return JSONResponse(body, status_code=501)
    data, content_type = await render()
    return Response(data, media_type=content_type)


def _key_accepted(request: Any, keyring: Any) -> bool:
    """A key of the server's keyring (``--g4f-api-key`` or ``--api-keys``), as ``/v1`` takes it."""
    auth = request.headers.get("authorization", "")
    presented = auth[7:].strip() if auth[:7].lower() == "bearer " else request.headers.get("g4f-api-key", "")
    return bool(presented) and keyring.find(presented.encode()) is not None


def install(app: Any) -> None:
    """``GET /metrics``, the request middleware (outermost, so auth refusals count too), counting on."""
    global enabled
    keyring = next((options["keyring"] for _cls, options in app.outer if "keyring" in options), None)

    async def endpoint(request: Any) -> Any:
        return await metrics_endpoint(request, keyring)

    app.router.add_route("/metrics", endpoint, methods=["GET"], include_in_schema=False)
    if importlib.util.find_spec("prometheus_client") is not None:
        enabled = True
        app.outer.insert(0, (MetricsMiddleware, {}))


__all__ = ["attempt", "fallback", "failover", "install", "render", "reset", "MetricsMiddleware", "BUCKETS"]
