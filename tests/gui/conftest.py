"""Browser tests of the chat page: Debian's chromium driven by Playwright, against the real REST
server (a subprocess running tests/gui/serve.py: the embedded model, and OpenaiAPI pointed at a
slow fake OpenAI upstream that runs in this process)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright import sync_api

from .upstream import SlowOpenAI

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
API_KEY = "gui-test-key"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="package")
def upstream() -> Iterator[SlowOpenAI]:
    fake = SlowOpenAI()
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture(autouse=True)
def _fresh_upstream(request) -> None:
    if "upstream" in request.fixturenames:
        fake = request.getfixturevalue("upstream")
        fake.script.clear()
        fake.requests.clear()
        fake.cancelled = 0


@pytest.fixture(scope="package")
def closed_port() -> Iterator[int]:
    """A port nothing listens on for the whole run: bound, never listening, so connects are refused."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        yield s.getsockname()[1]


@pytest.fixture(scope="package")
def server(upstream, closed_port, tmp_path_factory) -> Iterator[str]:
    """The base URL of a live `g4f api --gui` with an API key set.

    The local servers' addresses are fixed, whatever runs on this machine: LM Studio's is a live
    listener (the fake upstream), Ollama's and vLLM's a closed port, llama.cpp's this server itself;
    Custom has none."""
    port = _free_port()
    home = tmp_path_factory.mktemp("gui-server")
    env = {
        **os.environ,
        "OPENAI_API_KEY": "sk-fake-upstream",
        "OPENAIAPI_API_BASE": f"{upstream.url}/v1",
        "LMSTUDIO_API_BASE": f"{upstream.url}/v1",
        "OLLAMA_API_BASE": f"http://127.0.0.1:{closed_port}/v1",
        "VLLM_API_BASE": f"http://127.0.0.1:{closed_port}/v1",
        "LLAMACPPSERVER_API_BASE": f"http://127.0.0.1:{port}/v1",
        "G4F_COOKIES_DIR": str(home / "cookies"),
        "G4F_MEDIA_DIR": str(home / "media"),
        "PYTHONUNBUFFERED": "1",
    }
    for name in ("G4F_API_KEY", "CUSTOM_API_BASE", "OLLAMA_HOST", "ANTHROPIC_API_KEY"):
        env.pop(name, None)
    log = open(home / "server.log", "w+b")  # noqa: SIM115 - read back on failure
    proc = subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("serve.py")), str(port), API_KEY],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(f"{url}/v1/models", timeout=1).read()
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                log.seek(0)
                pytest.fail(f"g4f api did not start:\n{log.read().decode(errors='replace')[-3000:]}")
            time.sleep(0.1)
    yield url
    proc.terminate()
    try:
        proc.wait(5)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.fixture(scope="package")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield b
        b.close()


class ConsoleLog:
    """Console errors and uncaught exceptions of a page; tests declare the few they expect."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.allowed: list[str] = []

    def allow(self, fragment: str) -> None:
        self.allowed.append(fragment)

    def unexpected(self) -> list[str]:
        return [e for e in self.errors if not any(a in e for a in self.allowed)]


@pytest.fixture
def console() -> ConsoleLog:
    return ConsoleLog()


def open_context(browser, console: ConsoleLog, viewport=DESKTOP, with_key: bool = True, **options):
    context = browser.new_context(viewport=viewport, accept_downloads=True, **options)
    context.set_default_timeout(10_000)
    if with_key:
        context.add_init_script(
            f"try {{ localStorage.getItem('g4f.apiKey') || localStorage.setItem('g4f.apiKey', '{API_KEY}') }} catch {{}}"
        )

    def watch(page) -> None:
        page.on("console", lambda m: m.type == "error" and console.errors.append(f"console: {m.text} @ {m.location}"))
        page.on("pageerror", lambda e: console.errors.append(f"pageerror: {e}"))

    context.on("page", watch)
    return context


@pytest.fixture
def context(browser, console):
    ctx = open_context(browser, console)
    yield ctx
    ctx.close()
    assert console.unexpected() == []


@pytest.fixture
def page(context, server):
    page = context.new_page()
    page.goto(server + "/")
    page.wait_for_function("document.querySelectorAll('#model-select option').length > 3")
    return page


def shot(page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"gui-{name}.png"
    page.screenshot(path=str(path), animations="disabled")
    return path
