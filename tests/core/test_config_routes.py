"""gpt4free's ``config.yaml`` routes: parsing, clear errors, and a condition evaluator that runs nothing."""

from __future__ import annotations

import os

import pytest

from g4f import config
from g4f.routes_file import (
    Condition,
    Route,
    RoutesError,
    current_routes,
    health_stats,
    load_routes,
    quota_stats,
    routes_path,
)

# gpt4free's documented example (docs/config-yaml-routing.md), as its users have it.
GPT4FREE_EXAMPLE = """
models:
  - name: "my-gpt4"
    providers:
      - provider: "OpenaiAccount"
        model: "gpt-4o"
        condition: "balance > 0 or error_count < 3"
      - provider: "PollinationsAI"
        model: "openai-large"

  - name: "yupp-chat"
    providers:
      - provider: "Yupp"
        model: "gpt-4o"
        condition: "quota.credits.remaining > 0 or error_count < 3"
      - provider: "PollinationsAI"
        model: "openai-large"

  - name: "llama-fast"
    providers:
      - provider: "Groq"
        model: "llama-3.3-70b"
        condition: "error_count < 3"
      - provider: "DeepInfra"
        model: "meta-llama/Llama-3.3-70B-Instruct"
"""


def write(tmp_path, text: str, name: str = "config.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_gpt4free_example_parses_in_order(tmp_path):
    routes = load_routes(write(tmp_path, GPT4FREE_EXAMPLE))
    assert routes.names() == ["my-gpt4", "yupp-chat", "llama-fast"]
    assert "llama-fast" in routes and len(routes) == 3
    assert routes.get("my-gpt4") == [
        Route("OpenaiAccount", "gpt-4o", Condition("balance > 0 or error_count < 3")),
        Route("PollinationsAI", "openai-large", None),
    ]
    assert routes.get("unknown-model") is None
    assert routes.providers() == {"OpenaiAccount", "PollinationsAI", "Yupp", "Groq", "DeepInfra"}


def test_model_defaults_to_the_route_name(tmp_path):
    routes = load_routes(
        write(tmp_path, "models:\n  - name: gpt-4o-mini\n    providers:\n      - provider: OpenaiAPI\n")
    )
    assert routes.get("gpt-4o-mini") == [Route("OpenaiAPI", "gpt-4o-mini")]


def test_empty_file_has_no_routes(tmp_path):
    assert len(load_routes(write(tmp_path, "# nothing yet\n"))) == 0
    assert len(load_routes(write(tmp_path, "models: []\n"))) == 0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("- name: x\n", "top level must be a mapping"),
        ("routes: []\n", "unknown key 'routes'"),
        ("models: {name: x}\n", "'models' must be a list"),
        ("models:\n  - providers: [{provider: Groq}]\n", "models[0]: 'name' must be a non-empty string"),
        ("models:\n  - name: x\n", "models[0] (x): 'providers' must be a non-empty list"),
        ("models:\n  - name: x\n    providers: []\n", "'providers' must be a non-empty list"),
        (
            "models:\n  - name: x\n    providers: [Groq]\n",
            "models[0] (x).providers[0]: each provider must be a mapping",
        ),
        ("models:\n  - name: x\n    providers: [{model: m}]\n", "providers[0]: 'provider' must be a non-empty string"),
        (
            "models:\n  - name: x\n    providers: [{provider: Groq, conditon: 'error_count < 3'}]\n",
            "unknown key 'conditon' (allowed: condition, model, provider)",
        ),
        (
            "models:\n  - {name: x, providers: [{provider: A}]}\n  - {name: x, providers: [{provider: B}]}\n",
            "models[1] (x): the name 'x' is defined twice",
        ),
        (
            "models:\n  - name: x\n    providers:\n      - provider: Groq\n      - {provider: A, condition: 'error_count <'}\n",
            "models[0] (x).providers[1]: condition 'error_count <' is not an expression",
        ),
        (
            "models:\n  - name: x\n    providers: [{provider: Groq, condition: 'eror_count < 3'}]\n",
            "unknown name 'eror_count'",
        ),
    ],
)
def test_errors_say_where_and_why(tmp_path, text, expected):
    path = write(tmp_path, text)
    with pytest.raises(RoutesError) as error:
        load_routes(path)
    assert expected in str(error.value)
    assert str(path) in str(error.value)


def test_yaml_syntax_error_gives_the_line(tmp_path):
    path = write(tmp_path, "models:\n  - name: x\n    providers: [\n      {provider: Groq}\n  bad: here\n")
    with pytest.raises(RoutesError, match=r"not valid YAML at line \d+, column \d+"):
        load_routes(path)


def test_yaml_tags_that_build_objects_are_refused(tmp_path):
    marker = tmp_path / "ran"
    path = write(tmp_path, f"models: !!python/object/apply:os.system ['touch {marker}']\n")
    with pytest.raises(RoutesError, match="not valid YAML"):
        load_routes(path)
    assert not marker.exists()


@pytest.mark.parametrize(
    "source",
    [
        "__import__('os')",
        "__import__('os').system('touch {marker}')",
        "error_count.__class__",
        "().__class__.__bases__",
        "open('{marker}', 'w')",
        "quota['balance'] > 0",
        "[x for x in (1, 2)]",
        "(lambda: 1)()",
        "error_count ** 99999999",
        "error_count + 1 > 2",
        "'a' == 'a'",
        "error_count if success_count else 1",
        "(x := 1)",
        "f'{error_count}'",
        "error_count in (1, 2)",
        "error_count is None",
        "os.system",
        "globals",
        "error_count < 3; import os",
        "import os",
    ],
)
def test_evaluator_refuses_everything_but_comparisons(tmp_path, source):
    marker = tmp_path / "ran"
    with pytest.raises(RoutesError):
        Condition(source.replace("{marker}", str(marker)))
    assert not marker.exists()


def test_evaluator_refuses_absurd_input():
    with pytest.raises(RoutesError, match="longer than"):
        Condition("not " * 200 + "error_count")
    with pytest.raises(RoutesError):
        Condition("(" * 201 + "error_count" + ")" * 201)  # deeper than Python's parser nests
    with pytest.raises(RoutesError):
        Condition("error_count\x00 < 1")
    with pytest.raises(RoutesError):
        Condition("   ")


@pytest.mark.parametrize(
    ("source", "stats", "expected"),
    [
        ("error_count < 3", {"error_count": 2}, True),
        ("error_count < 3", {"error_count": 3}, False),
        ("error_count == 0", {}, True),  # missing numbers are 0, as in gpt4free
        ("error_count != 0", {"error_count": 1}, True),
        ("0 < error_count <= 2", {"error_count": 2}, True),
        ("0 < error_count <= 2", {"error_count": 0}, False),
        ("balance > 0 or error_count < 3", {"quota.balance": 0.0, "error_count": 5}, False),
        ("balance > 0 or error_count < 3", {"quota.balance": 1.5, "error_count": 5}, True),
        ("balance > 0", {"balance": 2}, True),
        ("quota.credits.remaining > 100", quota_stats({"credits": {"remaining": 500, "total": 5000}}), True),
        ("quota.credits.remaining > 100", quota_stats({"credits": {"remaining": 50}}), False),
        ("not (error_count >= 3 and success_count < 10)", {"error_count": 4, "success_count": 1}, False),
        ("not (error_count >= 3 and success_count < 10)", {"error_count": 4, "success_count": 20}, True),
        ("latency < 2.5 and consecutive_failures == 0", {"latency": 1.2}, True),
        ("cooldown > -1", {}, True),
        ("error_count", {"error_count": 1}, True),
        ("True", {}, True),
        ("False or error_count < 1", {}, True),
    ],
)
def test_conditions(source, stats, expected):
    assert Condition(source)(stats) is expected
    assert Route("P", "m", Condition(source)).allowed(stats) is expected


def test_route_without_condition_is_always_allowed():
    assert Route("P", "m").allowed({"error_count": 1000})


def test_quota_stats_keeps_numbers_only():
    assert quota_stats({"balance": 3, "plan": "free", "credits": {"remaining": 5, "ok": True}}) == {
        "quota.balance": 3.0,
        "quota.credits.remaining": 5.0,
        "quota.credits.ok": 1.0,
    }


def test_health_stats_from_a_health_snapshot_record():
    record = {"state": "open", "successes": 4, "failures": 3, "consecutive_failures": 2, "latency": 0.5}
    stats = health_stats({**record, "retry_at": 1010.0}, {"balance": 2}, now=1000.0)
    assert stats == {
        "error_count": 3.0,
        "success_count": 4.0,
        "consecutive_failures": 2.0,
        "latency": 0.5,
        "cooldown": 10.0,
        "quota.balance": 2.0,
    }
    assert Condition("error_count < 3 or balance > 0")(stats)
    assert health_stats(None) == dict.fromkeys(
        ("error_count", "success_count", "consecutive_failures", "latency", "cooldown"), 0.0
    )


def test_current_routes_follow_the_cookies_dir_file(tmp_path, monkeypatch):
    from g4f import routes_file
    from g4f.cookies import get_cookies_dir

    monkeypatch.setattr(routes_file, "RECHECK", 0.0)  # look at the file on every call

    assert routes_path() == get_cookies_dir() / "config.yaml"
    assert len(current_routes()) == 0  # no file: no custom models
    folder = get_cookies_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = write(folder, GPT4FREE_EXAMPLE)
    assert current_routes().names() == ["my-gpt4", "yupp-chat", "llama-fast"]
    path.write_text("models:\n  - {name: only, providers: [{provider: Local}]}\n", encoding="utf-8")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))  # a later edit
    assert current_routes().names() == ["only"]


def test_routes_file_setting_names_another_file(tmp_path, monkeypatch):
    path = write(tmp_path, "models:\n  - {name: elsewhere, providers: [{provider: Local}]}\n", "routes.yaml")
    monkeypatch.setenv("G4F_ROUTES_FILE", str(path))
    config.reset()
    assert routes_path() == path
    assert current_routes().names() == ["elsewhere"]


def test_invalid_file_raises_on_use(tmp_path):
    from g4f.cookies import get_cookies_dir

    folder = get_cookies_dir()
    folder.mkdir(parents=True, exist_ok=True)
    write(folder, "models:\n  - name: broken\n")
    with pytest.raises(RoutesError, match="'providers' must be a non-empty list"):
        current_routes()
