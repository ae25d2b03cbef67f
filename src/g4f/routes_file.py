"""Custom model routes from gpt4free's ``config.yaml`` (in the cookies directory).

The format is gpt4free's (its ``docs/config-yaml-routing.md``), so a gpt4free user's file works
unchanged, and it gives LiteLLM users the list of model names they control::

    models:
      - name: my-gpt4                  # the name clients ask for
        providers:                     # tried in this order
          - provider: OpenaiAPI        # a provider's name
            model: gpt-4o              # the model sent to it (default: ``name``)
            condition: "error_count < 3 or quota.balance > 0"   # optional
          - provider: PollinationsAI
            model: openai-large

A condition is a boolean expression over a provider's numbers (``error_count``, ``success_count``,
``quota.balance``, ...: see ``NAMES``) with comparisons, ``and``/``or``/``not`` and parentheses.
It is parsed with ``ast`` into an allow-listed tree and evaluated by walking that tree: nothing in
the file is ever executed.
"""

from __future__ import annotations

import ast
import os
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import config, cookies

#: Names a condition may use, and what the router supplies for each (missing numbers count as 0).
NAMES: dict[str, str] = {
    "error_count": "failed attempts of this provider (gpt4free: in the last hour)",
    "success_count": "successful attempts of this provider",
    "consecutive_failures": "failures since the last success",
    "latency": "recent latency in seconds (moving average)",
    "cooldown": "seconds left before an open breaker lets a probe through (0 when closed)",
    "balance": "gpt4free's shorthand for quota.balance",
}
#: Dotted names under this prefix read the provider's quota (``quota.credits.remaining``).
QUOTA = "quota"
#: Longest condition accepted, in characters; conditions are one-liners.
MAX_CONDITION = 500

_COMPARE: dict[type[ast.cmpop], Any] = {
    ast.Eq: lambda a, b: a == b,
    ast.NotEq: lambda a, b: a != b,
    ast.Lt: lambda a, b: a < b,
    ast.LtE: lambda a, b: a <= b,
    ast.Gt: lambda a, b: a > b,
    ast.GtE: lambda a, b: a >= b,
}


class RoutesError(config.ConfigError):
    """``config.yaml`` is not valid; the message says where and why."""


def _dotted(node: ast.expr) -> str | None:
    """``quota.credits.remaining`` for a chain of attributes on a name, else None."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


class Condition:
    """A parsed ``condition``: ``Condition("error_count < 3")(stats) -> bool``."""

    __slots__ = ("source", "names", "_tree")

    def __init__(self, source: str) -> None:
        if not isinstance(source, str) or not source.strip():
            raise RoutesError("a condition must be a non-empty string")
        if len(source) > MAX_CONDITION:
            raise RoutesError(f"condition longer than {MAX_CONDITION} characters")
        self.source = source
        try:
            tree = ast.parse(source.strip(), mode="eval")
        except SyntaxError as error:
            raise RoutesError(f"condition {source!r} is not an expression: {error.msg}") from None
        except (ValueError, RecursionError, MemoryError):  # null bytes, absurd nesting
            raise RoutesError(f"condition {source!r} is not an expression") from None
        self.names: frozenset[str] = frozenset()
        self._tree = self._check(tree.body)

    def _check(self, node: ast.expr) -> ast.expr:
        """Refuse every node outside the allow-list (calls, subscripts, lambdas, dunders, strings, ...)."""
        if isinstance(node, ast.BoolOp) and isinstance(node.op, (ast.And, ast.Or)):
            for value in node.values:
                self._check(value)
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.Not, ast.USub, ast.UAdd)):
            self._check(node.operand)
        elif isinstance(node, ast.Compare):
            for op in node.ops:
                if type(op) not in _COMPARE:
                    raise RoutesError(f"condition {self.source!r}: operator {type(op).__name__} is not allowed")
            for operand in (node.left, *node.comparators):
                self._check(operand)
        elif isinstance(node, ast.Constant):
            if not isinstance(node.value, (bool, int, float)):  # no strings, bytes, None, ...
                raise RoutesError(f"condition {self.source!r}: only numbers and True/False may be written")
        elif isinstance(node, (ast.Name, ast.Attribute)):
            name = _dotted(node)
            if name is None or "__" in name:
                raise RoutesError(f"condition {self.source!r}: only plain names such as error_count are allowed")
            if name not in NAMES and not name.startswith(QUOTA + "."):
                known = ", ".join([*NAMES, QUOTA + ".<field>"])
                raise RoutesError(f"condition {self.source!r}: unknown name {name!r} (known: {known})")
            self.names = self.names | {name}
        else:
            what = type(node).__name__
            raise RoutesError(
                f"condition {self.source!r}: {what} is not allowed "
                "(only names, numbers, comparisons, and/or/not and parentheses)"
            )
        return node

    def __call__(self, stats: Mapping[str, float]) -> bool:
        return bool(_evaluate(self._tree, stats))

    def __repr__(self) -> str:
        return f"Condition({self.source!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Condition) and other.source == self.source

    def __hash__(self) -> int:
        return hash(self.source)


def _lookup(name: str, stats: Mapping[str, float]) -> float:
    if name in stats:
        return float(stats[name])
    if name == "balance":  # gpt4free's alias
        return float(stats.get(QUOTA + ".balance", 0.0))
    return 0.0  # gpt4free: a missing number is 0, not an error


def _evaluate(node: ast.expr, stats: Mapping[str, float]) -> float | bool:
    """Walk a tree ``Condition._check`` accepted; no other node type can reach here."""
    if isinstance(node, ast.BoolOp):
        if isinstance(node.op, ast.And):
            return all(_evaluate(v, stats) for v in node.values)
        return any(_evaluate(v, stats) for v in node.values)
    if isinstance(node, ast.UnaryOp):
        value = _evaluate(node.operand, stats)
        if isinstance(node.op, ast.Not):
            return not value
        return -value if isinstance(node.op, ast.USub) else +value
    if isinstance(node, ast.Compare):
        left = _evaluate(node.left, stats)
        for op, comparator in zip(node.ops, node.comparators, strict=True):
            right = _evaluate(comparator, stats)
            if not _COMPARE[type(op)](left, right):
                return False
            left = right
        return True
    if isinstance(node, ast.Constant):
        return node.value  # type: ignore[return-value]  # bool/int/float, checked at parse time
    return _lookup(_dotted(node) or "", stats)


def quota_stats(quota: Mapping[str, Any], prefix: str = QUOTA) -> dict[str, float]:
    """A provider's quota dict as condition numbers: ``{"credits": {"remaining": 5}}`` ->
    ``{"quota.credits.remaining": 5.0}``; values that are not numbers are left out."""
    flat: dict[str, float] = {}
    for key, value in quota.items():
        name = f"{prefix}.{key}"
        if isinstance(value, Mapping):
            flat.update(quota_stats(value, name))
        elif isinstance(value, (int, float)):
            flat[name] = float(value)
    return flat


def health_stats(
    record: Mapping[str, Any] | None, quota: Mapping[str, Any] | None = None, now: float | None = None
) -> dict[str, float]:
    """Condition numbers from a provider's record in ``g4f.routing.health.snapshot()`` (successes,
    failures, consecutive_failures, latency, retry_at) and its quota, if it reports one."""
    record = record or {}
    retry_at = record.get("retry_at")
    stats = {
        "error_count": float(record.get("failures") or 0),
        "success_count": float(record.get("successes") or 0),
        "consecutive_failures": float(record.get("consecutive_failures") or 0),
        "latency": float(record.get("latency") or 0),
        "cooldown": max(0.0, float(retry_at) - (time.time() if now is None else now)) if retry_at else 0.0,
    }
    if quota:
        stats.update(quota_stats(quota))
    return stats


@dataclass(frozen=True)
class Route:
    """One candidate of a custom model: send ``model`` to ``provider`` when ``condition`` holds."""

    provider: str
    model: str
    condition: Condition | None = None

    def allowed(self, stats: Mapping[str, float]) -> bool:
        """Whether this candidate may be tried now (no condition: always)."""
        return self.condition is None or self.condition(stats)


class Routes:
    """The custom models of one file, in file order: ``routes.get("my-gpt4") -> [Route, ...] | None``."""

    def __init__(self, models: Mapping[str, list[Route]] | None = None, path: str | None = None) -> None:
        self._models: dict[str, list[Route]] = dict(models or {})
        self.path = path
        #: ``get(model_name)``: the routes of a model name, or None. The dict's own method: the router
        #: asks on every request.
        self.get: Callable[[str], list[Route] | None] = self._models.get

    def names(self) -> list[str]:
        """The model names the file defines (what ``/v1/models`` lists besides the built-in ones)."""
        return list(self._models)

    def providers(self) -> set[str]:
        return {route.provider for routes in self._models.values() for route in routes}

    def __contains__(self, model_name: object) -> bool:
        return model_name in self._models

    def __iter__(self) -> Iterator[str]:
        return iter(self._models)

    def __len__(self) -> int:
        return len(self._models)

    def __repr__(self) -> str:
        return f"Routes({self.path!r}, {self.names()})"


_MODEL_KEYS = {"name", "providers"}
_ROUTE_KEYS = {"provider", "model", "condition"}


def _text(value: Any, where: str, key: str, required: bool = True) -> str | None:
    if value is None and not required:
        return None
    if not isinstance(value, (str, int, float)) or isinstance(value, bool) or not str(value).strip():
        raise RoutesError(f"{where}: {key!r} must be a non-empty string")
    return str(value).strip()


def _unknown(item: Mapping[Any, Any], allowed: set[str], where: str) -> None:
    extra = sorted(str(k) for k in item if k not in allowed)
    if extra:
        raise RoutesError(f"{where}: unknown key {extra[0]!r} (allowed: {', '.join(sorted(allowed))})")


def parse_routes(data: Any, source: str = "config.yaml") -> Routes:
    """Validate gpt4free's structure (already read from YAML); errors name the entry at fault."""
    if data is None:
        return Routes(path=source)
    if not isinstance(data, Mapping):
        raise RoutesError(f"{source}: the top level must be a mapping with a 'models' list")
    _unknown(data, {"models"}, source)
    models = data.get("models") or []
    if not isinstance(models, list):
        raise RoutesError(f"{source}: 'models' must be a list")
    result: dict[str, list[Route]] = {}
    for i, entry in enumerate(models):
        where = f"{source}: models[{i}]"
        if not isinstance(entry, Mapping):
            raise RoutesError(f"{where}: each model must be a mapping with 'name' and 'providers'")
        _unknown(entry, _MODEL_KEYS, where)
        name = _text(entry.get("name"), where, "name")
        assert name is not None
        where = f"{source}: models[{i}] ({name})"
        if name in result:
            raise RoutesError(f"{where}: the name {name!r} is defined twice")
        providers = entry.get("providers")
        if not isinstance(providers, list) or not providers:
            raise RoutesError(f"{where}: 'providers' must be a non-empty list")
        routes: list[Route] = []
        for j, item in enumerate(providers):
            at = f"{where}.providers[{j}]"
            if not isinstance(item, Mapping):
                raise RoutesError(f"{at}: each provider must be a mapping with 'provider' (and 'model', 'condition')")
            _unknown(item, _ROUTE_KEYS, at)
            provider = _text(item.get("provider"), at, "provider")
            model = _text(item.get("model"), at, "model", required=False) or name
            condition_text = _text(item.get("condition"), at, "condition", required=False)
            try:
                condition = Condition(condition_text) if condition_text else None
            except RoutesError as error:
                raise RoutesError(f"{at}: {error}") from None
            assert provider is not None
            routes.append(Route(provider, model, condition))
        result[name] = routes
    return Routes(result, source)


def load_routes(path: str | os.PathLike[str]) -> Routes:
    """Read and validate a ``config.yaml``; ``RoutesError`` says what is wrong and where."""
    import yaml

    text = Path(path).read_text(encoding="utf-8")
    try:
        data = yaml.safe_load(text)  # plain data only: no YAML tags that build objects
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(error, "problem", None) or str(error)
        raise RoutesError(f"{path}: not valid YAML{at}: {problem}") from None
    return parse_routes(data, str(path))


ROUTES_FILE = "config.yaml"
#: Seconds between looks at the file's modification time.
RECHECK = 1.0
_cache: tuple[str, float, Routes, float] | None = None
#: The last (``routes_file`` setting, cookies directory, path as text): both may change between two
#: requests, so they are looked at each time, but the path is built only when one did. The directory
#: is compared by identity (``get_cookies_dir`` keeps its ``Path``; hashing one costs more than the rest).
_path: tuple[Any, Path | None, str] | None = None


def routes_path() -> Path:
    """``config.yaml`` in the cookies directory (``G4F_ROUTES_FILE`` / ``routes_file`` names another)."""
    named = config.get("routes_file")
    if named:
        return Path(named)
    from .cookies import get_cookies_dir

    return get_cookies_dir() / ROUTES_FILE


def current_routes() -> Routes:
    """The routes of ``routes_path()``, read again when the file changes (looked at no more than
    once a second: the router asks on every request); empty when there is none."""
    global _cache, _path
    # ``str(routes_path())``, without building a ``Path`` per request.
    named = config.get("routes_file")
    folder = None if named else cookies.get_cookies_dir()
    last = _path
    if last is not None and last[1] is folder and last[0] == named:
        path = last[2]
    else:
        path = str(Path(named) if named else folder / ROUTES_FILE)  # type: ignore[operator]
        _path = (named, folder, path)
    now = time.monotonic()
    if _cache is not None and _cache[0] == path and now - _cache[3] < RECHECK:
        return _cache[2]
    try:
        mtime = os.stat(path).st_mtime
    except OSError:
        mtime = -1.0  # no file: no routes
    if _cache is not None and _cache[:2] == (path, mtime):
        routes = _cache[2]
    else:
        routes = load_routes(path) if mtime >= 0 else Routes(path=path)
    _cache = (path, mtime, routes, now)
    return routes


__all__ = [
    "NAMES",
    "Condition",
    "Route",
    "Routes",
    "RoutesError",
    "current_routes",
    "health_stats",
    "load_routes",
    "parse_routes",
    "quota_stats",
    "routes_path",
]
