"""The server as users start it: ``g4f api`` / ``g4f gui`` / ``python -m g4f.cli api``, several uvicorn
workers, and gunicorn with the uvicorn worker. These use the embedded model (no mocks in subprocesses)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import openai
import pytest

from .server import free_port

VENV_BIN = Path(sys.executable).parent
HI = [{"role": "user", "content": "Say hi"}]


class Process:
    def __init__(self, args: list[str], port: int, tmp_path: Path, **env: str) -> None:
        self.url = f"http://127.0.0.1:{port}"
        self.log = tmp_path / f"server-{port}.log"
        environment = {**os.environ, "G4F_MEDIA_DIR": str(tmp_path / "media"), **env}
        if "G4F_API_KEY" not in env:
            environment.pop("G4F_API_KEY", None)
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(
                args, stdout=log, stderr=subprocess.STDOUT, env=environment, start_new_session=True
            )

    def wait_ready(self, path: str = "/health", seconds: float = 60) -> float:
        started = time.monotonic()
        while time.monotonic() - started < seconds:
            if self.process.poll() is not None:
                raise AssertionError(f"server exited: {self.log.read_text()[-2000:]}")
            try:
                if httpx.get(self.url + path, timeout=1).status_code < 500:
                    return time.monotonic() - started
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"server not ready: {self.log.read_text()[-2000:]}")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)  # the server's own process group (workers too)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(5)


@pytest.fixture()
def spawn(tmp_path):
    started: list[Process] = []

    def run(args: list[str], **env: str) -> Process:
        port = free_port()
        process = Process([a.replace("{port}", str(port)) for a in args], port, tmp_path, **env)
        started.append(process)
        return process

    yield run
    for process in started:
        process.stop()


def test_g4f_api_cli_with_gui_and_key(spawn):
    server = spawn([str(VENV_BIN / "g4f"), "api", "--port", "{port}", "--gui", "--g4f-api-key", "cli-key-0123456789"])
    assert server.wait_ready() < 30
    assert httpx.get(server.url + "/", follow_redirects=True).status_code == 200  # the GUI page
    assert httpx.post(server.url + "/v1/chat/completions", json={"messages": HI}).status_code == 401
    with openai.OpenAI(
        base_url=server.url + "/v1", api_key="cli-key-0123456789", max_retries=0, _strict_response_validation=True
    ) as client:
        response = client.chat.completions.create(model="", messages=HI, max_tokens=8)
    assert response.choices[0].message.content and response.model_extra["provider"] == "Local"
    assert "cli-key-0123456789" not in server.log.read_text()


def test_g4f_gui_and_module_entry(spawn, tmp_path):
    gui = spawn([str(VENV_BIN / "g4f"), "gui", "--port", "{port}"])
    module = spawn(
        [
            sys.executable,
            "-m",
            "g4f.cli",
            "api",
            "--bind",
            "127.0.0.1:{port}",
            "--no-access-log",
            "--cookies-dir",
            str(tmp_path / "my-cookies"),
        ]
    )
    gui.wait_ready()
    module.wait_ready()
    page = httpx.get(gui.url + "/chat/")
    assert page.status_code == 200 and "<html" in page.text.lower()
    assert httpx.get(module.url + "/chat/").status_code == 404  # no GUI without --gui
    assert httpx.get(module.url + "/v1/models").json()["object"] == "list"
    upload = httpx.post(
        module.url + "/v1/upload_cookies", files=[("files", ("site.json", b'{"example.com": {"a": "1"}}'))]
    )
    assert upload.status_code == 200
    assert (tmp_path / "my-cookies" / "site.json").is_file()  # --cookies-dir decides where


def test_https_with_ssl_flags(spawn, tmp_path):
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    server = spawn(
        [str(VENV_BIN / "g4f"), "api", "--port", "{port}", "--ssl-keyfile", str(key), "--ssl-certfile", str(cert)]
    )
    server.url = server.url.replace("http://", "https://")
    deadline = time.monotonic() + 30
    while True:
        try:
            response = httpx.get(server.url + "/v1/models", verify=False, timeout=1)
            break
        except httpx.HTTPError:
            assert time.monotonic() < deadline and server.process.poll() is None, server.log.read_text()[-2000:]
            time.sleep(0.1)
    assert response.status_code == 200 and response.json()["object"] == "list"


def test_uvicorn_workers_share_settings_and_state(spawn, tmp_path):
    server = spawn(
        [
            str(VENV_BIN / "g4f"),
            "api",
            "--port",
            "{port}",
            "--workers",
            "2",
            "--g4f-api-key",
            "workers-key-012345",
            "--state",
            f"sqlite:///{tmp_path}/state.db",
            "--rate-limit",
            "3",
        ]
    )
    server.wait_ready()
    headers = {"authorization": "Bearer workers-key-012345"}
    assert httpx.get(server.url + "/v1/providers").status_code == 401  # the key reached the workers
    # The rate limit counts across both workers through the shared SQLite state.
    statuses = [httpx.get(server.url + "/v1/providers", headers=headers).status_code for _ in range(2)]
    body = {"messages": HI, "model": "no-such-model-xyz"}  # counted, then refused at once (404)
    statuses += [
        httpx.post(server.url + "/v1/chat/completions", json=body, headers=headers).status_code for _ in range(4)
    ]
    assert statuses == [200, 200, 404, 404, 404, 429]


def test_gunicorn_with_uvicorn_worker(spawn, tmp_path):
    server = spawn(
        [
            str(VENV_BIN / "gunicorn"),
            "g4f.api:create_app",
            "--workers",
            "2",
            "--worker-class",
            "uvicorn.workers.UvicornWorker",
            "--bind",
            "127.0.0.1:{port}",
            "--graceful-timeout",
            "5",
        ],
        G4F_STATE_URL=f"sqlite:///{tmp_path}/state.db",
        G4F_API_KEY="env-key-0123456789",
    )
    server.wait_ready()
    assert httpx.get(server.url + "/v1/providers").status_code == 401  # G4F_API_KEY from the environment
    with openai.OpenAI(
        base_url=server.url + "/v1", api_key="env-key-0123456789", max_retries=0, _strict_response_validation=True
    ) as client:
        assert any(m.id == "smollm2-135m" for m in client.models.list())
        response = client.chat.completions.create(model="smollm2-135m", messages=HI, max_tokens=8)
        assert response.choices[0].message.content
        chunks = list(client.chat.completions.create(model="smollm2-135m", messages=HI, max_tokens=4, stream=True))
        assert chunks[-1].choices[0].finish_reason in ("stop", "length")
    assert httpx.get(server.url + "/health/ready").json() == {"status": "ok", "state": "sqlite", "state_ok": True}
