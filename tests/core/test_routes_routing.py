"""config.yaml routes through the router: the file's order, the model each route sends, conditions on health."""

from __future__ import annotations

import pytest

from g4f import Provider
from g4f.client import AsyncClient
from g4f.cookies import get_cookies_dir
from g4f.errors import RetryProviderError
from g4f.routing import get_candidates, health

from . import mocks

ROUTES = """
models:
  - name: team-model
    providers:
      - provider: RaisingProvider
        model: first-choice
        condition: error_count < 1
      - provider: NotAProviderOfOurs
        model: whatever
      - provider: EchoProvider
        model: echo-large
"""


@pytest.fixture(autouse=True)
def routes(monkeypatch):
    from g4f import routes_file

    monkeypatch.setattr(routes_file, "RECHECK", 0.0)
    for cls in (mocks.RaisingProvider, mocks.EchoProvider):
        Provider.register(cls)
    folder = get_cookies_dir()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.yaml").write_text(ROUTES, encoding="utf-8")
    yield
    for cls in (mocks.RaisingProvider, mocks.EchoProvider):
        Provider._registered.pop(cls.__name__, None)


async def test_a_route_falls_back_in_file_order_and_sends_its_own_model():
    response = await AsyncClient().chat.completions.create(model="team-model", messages=mocks.user("hello"))
    assert response.choices[0].message.content == "hello"
    assert mocks.RaisingProvider.calls == 1
    assert mocks.EchoProvider.calls[-1]["model"] == "echo-large"  # the route's model, not the name asked


async def test_a_condition_drops_a_route_while_it_fails():
    await AsyncClient().chat.completions.create(model="team-model", messages=mocks.user("once"))
    assert health.snapshot()["RaisingProvider"]["failures"] == 1
    _, candidates = get_candidates("team-model")
    assert [c.get_name() for c in candidates] == ["EchoProvider"]  # error_count < 1 no longer holds


def test_no_route_applies(monkeypatch):
    (get_cookies_dir() / "config.yaml").write_text(
        "models:\n  - {name: lonely, providers: [{provider: EchoProvider, condition: 'error_count > 5'}]}\n",
        encoding="utf-8",
    )
    with pytest.raises(RetryProviderError, match="No route of model 'lonely'"):
        get_candidates("lonely")


def test_route_names_are_listed_by_the_server():
    from openai import OpenAI

    from tests.api.server import ThreadedUvicorn

    server = ThreadedUvicorn({}).start()
    try:
        with OpenAI(base_url=server.url + "/v1", api_key="unused", max_retries=0) as client:
            models = {m.id: m for m in client.models.list()}
    finally:
        server.stop()
    assert models["team-model"].owned_by == "config.yaml"
