"""The public surface: exports, lazy imports, the provider registry and plugins, cookies, G4F_PROXY."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import g4f
from g4f.client import Client

from .mocks import EchoProvider, user

ROOT = Path(__file__).resolve().parents[2]


def run_python(code: str, env: dict | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
        cwd=cwd or ROOT,
    )


def test_exports():
    from g4f.client import AsyncClient as AC
    from g4f.client import Client as C
    from g4f.models import Model, ModelRegistry

    assert g4f.Client is C and g4f.AsyncClient is AC
    assert g4f.Model is Model and g4f.ModelRegistry is ModelRegistry
    assert callable(g4f.ChatCompletion.create) and callable(g4f.ChatCompletion.create_async)
    assert callable(g4f.get_cookies) and callable(g4f.set_cookies)
    assert g4f.version.__version__ == g4f.__version__ and g4f.__version__.count(".") >= 1
    assert set(g4f.__all__) >= {
        "ChatCompletion",
        "Model",
        "ModelRegistry",
        "Client",
        "AsyncClient",
        "get_cookies",
        "set_cookies",
        "__version__",
    }
    with pytest.raises(AttributeError):
        g4f.NoSuchThing  # noqa: B018


def test_client_module_exports():
    import g4f.client as c

    for name in (
        "ChatCompletion",
        "ChatCompletionChunk",
        "ChatCompletionMessage",
        "ChatCompletionDelta",
        "Usage",
        "ToolCall",
        "ImagesResponse",
        "Image",
        "Client",
        "AsyncClient",
    ):
        assert hasattr(c, name), name
    from g4f.errors import (  # noqa: F401
        G4FError,
        MissingAuthError,
        ModelNotFoundError,
        NoMediaResponseError,
        ProviderNotFoundError,
        ProviderNotWorkingError,
        RateLimitError,
        RetryProviderError,
        StreamNotSupportedError,
    )
    from g4f.providers.response import FinishReason, ImageResponse, ProviderInfo, Reasoning, ToolCalls, Usage  # noqa: F401
    from g4f.providers.retry_provider import IterListProvider, RetryProvider  # noqa: F401
    from g4f.providers.types import BaseProvider, ProviderType  # noqa: F401
    from g4f.typing import AsyncResult, CreateResult, ImageType, Messages  # noqa: F401


def test_import_is_lazy():
    result = run_python("""
        import sys, g4f
        heavy = ("aiohttp", "llama_cpp", "fastapi", "uvicorn", "g4f.client", "g4f.Provider.Local", "platformdirs")
        print([m for m in heavy if m in sys.modules])
        from g4f.client import Client
        print([m for m in ("aiohttp", "llama_cpp", "fastapi", "uvicorn", "g4f.Provider.Local") if m in sys.modules])
    """)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:2] == ["[]", "[]"]


def test_submodules_reachable_after_bare_import():
    # gpt4free scripts do `import g4f` then use g4f.Provider.Groq and g4f.models.gpt_4o.
    result = run_python("""
        import sys, g4f
        print("g4f.Provider" in sys.modules, "g4f.models" in sys.modules)
        print(g4f.Provider.Groq.__name__, g4f.models.gpt_4o.name, g4f.errors.MissingAuthError.__name__)
    """)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:2] == ["False False", "Groq gpt-4o MissingAuthError"]


def test_models_registry():
    from g4f import models

    assert models.ModelRegistry.get("default") is models.default
    assert models.ModelRegistry.get("auto") is models.default
    assert models.ModelRegistry.get("gpt-4o") is models.gpt_4o
    assert models.ModelRegistry.get("no-such-model") is None
    for name in ("gpt_4o", "gpt_4o_mini", "gpt_4", "llama_3_70b", "dall_e_3", "flux", "default"):
        assert isinstance(getattr(models, name), models.Model)
    assert "smollm2-135m" in models.ModelRegistry.list_models_by_provider("Local")
    assert "gpt-4o" in models.ModelRegistry.all_models()


def test_provider_registry():
    from g4f import Provider
    from g4f.Provider import ProviderUtils
    from g4f.Provider.Local import Local

    assert Provider.Local is Local
    assert ProviderUtils.convert["Local"] is Local
    assert "Local" in ProviderUtils.convert and "Local" in Provider.names()
    assert Local in Provider.all_providers()
    with pytest.raises(KeyError):
        ProviderUtils.convert["NoSuchProvider"]
    with pytest.raises(AttributeError, match="not found"):
        Provider.NoSuchProvider  # noqa: B018


def test_register_a_runtime_provider():
    from g4f import Provider

    class RuntimeEcho(EchoProvider):
        pass

    Provider.register(RuntimeEcho)
    assert Provider.RuntimeEcho is RuntimeEcho
    assert g4f.ChatCompletion.create("", user("via name"), provider="RuntimeEcho") == "via name"


@pytest.mark.parametrize("name", ["Copilot", "CopilotAccount", "OpenaiChat"])
def test_scraping_providers_explain_why(name):
    from g4f import Provider
    from g4f.errors import ProviderNotFoundError

    with pytest.raises(ImportError, match="no documented public API|not an API") as info:
        exec(f"from g4f.Provider import {name}", {})
    assert "Use" in str(info.value) or "use" in str(info.value)
    with pytest.raises(ProviderNotFoundError, match=r"OpenaiAPI"):
        Client().chat.completions.create(user(), provider=name)
    with pytest.raises(ProviderNotFoundError):
        getattr(Provider, name)


def test_entry_point_plugin(tmp_path):
    plugin = tmp_path / "site"
    (plugin / "g4f_test_plugin").mkdir(parents=True)
    (plugin / "g4f_test_plugin" / "__init__.py").write_text(
        textwrap.dedent("""
        from g4f.providers.base_provider import AsyncGeneratorProvider

        class PluginEcho(AsyncGeneratorProvider):
            working = True
            models = ["plugin-model"]

            @classmethod
            async def create_async_generator(cls, model, messages, **kwargs):
                yield "plugin says " + messages[-1]["content"]
    """)
    )
    dist = plugin / "g4f_test_plugin-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: g4f-test-plugin\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text("[g4f.providers]\nPluginEcho = g4f_test_plugin:PluginEcho\n")
    result = run_python(
        """
        import g4f
        from g4f import Provider
        assert "PluginEcho" in Provider.names(), Provider.names()
        print(g4f.ChatCompletion.create("", [{"role": "user", "content": "hi"}], provider="PluginEcho"))
        print(Provider.PluginEcho.__module__)
        print(g4f.ChatCompletion.create("plugin-model", [{"role": "user", "content": "by model"}]))
    """,
        env={"PYTHONPATH": str(plugin)},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["plugin says hi", "g4f_test_plugin", "plugin says by model"]


def test_cookies_set_and_get():
    from g4f import get_cookies, set_cookies

    set_cookies(".example.com", {"session": "abc"})
    assert get_cookies("example.com") == {"session": "abc"}
    assert get_cookies("www.example.com") == {"session": "abc"}
    assert get_cookies("other.org") == {}
    set_cookies("example.com", None)
    assert get_cookies("example.com") == {}


def test_cookies_directory(tmp_path):
    from g4f import cookies, get_cookies
    from g4f.providers.base_provider import AsyncGeneratorProvider

    folder = Path(os.environ["G4F_COOKIES_DIR"])
    folder.mkdir(parents=True)
    (folder / "site.json").write_text(json.dumps([{"domain": ".site.test", "name": "sid", "value": "1"}]))
    har = {"log": {"entries": [{"request": {"url": "https://har.test/x", "cookies": [{"name": "h", "value": "2"}]}}]}}
    (folder / "browser.har").write_text(json.dumps(har))
    (folder / ".env").write_text("# keys\nexport KEYED_API_KEY='sk-from-file'\n")
    cookies.reset()
    assert get_cookies("site.test") == {"sid": "1"}
    assert get_cookies("har.test") == {"h": "2"}

    class Keyed(AsyncGeneratorProvider):
        needs_auth = True

    assert Keyed.get_api_key() == "sk-from-file"
    assert Keyed.get_api_key("sk-arg") == "sk-arg"


def test_g4f_proxy_used_without_proxy_argument(monkeypatch):
    monkeypatch.setenv("G4F_PROXY", "http://127.0.0.1:3128")
    Client().chat.completions.create(user(), provider=EchoProvider)
    g4f.ChatCompletion.create("", user(), provider=EchoProvider)
    Client(proxy="http://client:1").chat.completions.create(user(), provider=EchoProvider)
    Client().chat.completions.create(user(), provider=EchoProvider, proxy="http://call:2")
    Client(proxies={"https": "http://proxies:3"}).chat.completions.create(user(), provider=EchoProvider)
    assert [c["proxy"] for c in EchoProvider.calls] == [
        "http://127.0.0.1:3128",
        "http://127.0.0.1:3128",
        "http://client:1",
        "http://call:2",
        "http://proxies:3",
    ]


def test_no_proxy_by_default():
    Client().chat.completions.create(user(), provider=EchoProvider)
    assert "proxy" not in EchoProvider.calls[-1]


def test_g4f_debug_env():
    result = run_python("import g4f.debug as d; print(d.logging)", env={"G4F_DEBUG": "1"})
    assert result.stdout.strip() == "True"


def test_client_models_listing():
    models = Client().models.list()
    ids = {m.id for m in models}
    assert {"gpt-4o", "smollm2-135m"} <= ids
    assert Client().models.get("gpt-4o").model_dump()["object"] == "model"


def test_errors_know_their_status():
    from g4f import errors

    expected = {
        errors.StreamNotSupportedError: 400,
        errors.ModelNotFoundError: 404,
        errors.ProviderNotFoundError: 404,
        errors.MissingAuthError: 401,
        errors.RateLimitError: 429,
        errors.ProviderNotWorkingError: 503,
        errors.NoMediaResponseError: 502,
        errors.ProviderTimeoutError: 504,
    }
    for cls, status in expected.items():
        error = cls("x")
        assert isinstance(error, errors.G4FError) and error.status_code == status
        body = error.to_dict()["error"]
        assert body["message"] == "x" and body["type"] and body["code"]


def test_debug_logging_flag_alone_prints():
    result = run_python("import g4f.debug as d; d.logging = True; d.log('hello', 'debug')")
    assert "g4f DEBUG hello debug" in result.stderr
    quiet = run_python("import g4f.debug as d; d.log('hello')")
    assert quiet.stderr == ""
