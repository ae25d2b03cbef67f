"""Keys go only where they were configured for; a browser page can't drive a keyless server.

Real parts only: a real upstream (``tests/fakes`` FakeOpenAI, recording every header it got), a
real proxy listener recording every byte sent to it, real servers.
"""

from __future__ import annotations

import gc
import json
import os
import socket
import threading
import time

import httpx
import openai
import pytest

from g4f import cookies
from tests.fakes.openai_server import FakeOpenAI

from .server import ThreadedUvicorn

USER = [{"role": "user", "content": "hi"}]
SECRET = "sk-configured-upstream-secret-0123456789"


class RecordingProxy:
    """A TCP listener that records whatever reaches it and answers 502: a proxy that must never see a key."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.received = b""
        self.running = True
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while self.running:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(1)
                data = b""
                try:
                    while b"\r\n\r\n" not in data:
                        chunk = conn.recv(65536)
                        if not chunk:
                            break
                        data += chunk
                except OSError:
                    pass
                self.received += data
                try:
                    conn.sendall(b"HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                except OSError:
                    pass

    def stop(self) -> None:
        self.running = False
        self.thread.join(2)
        self.sock.close()


@pytest.fixture()
def proxy():
    listener = RecordingProxy()
    yield listener
    listener.stop()


@pytest.fixture()
def upstream(monkeypatch):
    """The provider's own configured endpoint (Custom, with CUSTOM_API_KEY) that wants the configured key."""
    fake = FakeOpenAI(api_key=SECRET)
    fake.start()
    monkeypatch.setenv("CUSTOM_API_BASE", fake.url + "/v1")
    monkeypatch.setenv("CUSTOM_API_KEY", SECRET)
    yield fake
    fake.stop()


@pytest.fixture()
def elsewhere():
    """An endpoint a client names in ``api_base``: it echoes (records) whatever it got."""
    fake = FakeOpenAI()
    fake.start()
    yield fake
    fake.stop()


def chat(server: ThreadedUvicorn, bearer: str = "unused", **body) -> httpx.Response:
    return httpx.post(
        server.url + "/v1/chat/completions",
        json={"provider": "Custom", "model": "m", "messages": USER, **body},
        headers={"authorization": f"Bearer {bearer}"},
        timeout=10,
    )


def everything_sent(fake: FakeOpenAI) -> str:
    return json.dumps(fake.requests)


# --- keys go only to the provider's own endpoint --------------------------------------------------


def test_proxy_and_api_base_refused_without_the_flags(server, upstream, proxy):
    for name, value in (("proxy", proxy.url), ("api_base", proxy.url + "/v1")):
        response = chat(server, **{name: value})
        assert response.status_code == 400, response.text
        error = response.json()["error"]
        assert error["param"] == name and error["type"] == "invalid_request_error"
        assert f"--allow-{name.replace('_', '-')}" in error["message"]
    with (
        openai.OpenAI(base_url=server.url + "/v1", api_key="unused", max_retries=0) as client,
        pytest.raises(openai.BadRequestError) as info,
    ):
        client.chat.completions.create(model="m", messages=USER, extra_body={"provider": "Custom", "proxy": proxy.url})
    assert info.value.param == "proxy"
    assert proxy.received == b"" and upstream.requests == []


def test_allowed_proxy_never_carries_the_configured_key(start_server, upstream, proxy):
    allowed = start_server(allow_proxy=True)
    response = chat(allowed, proxy=proxy.url)
    assert response.status_code >= 400  # the proxy answered 502: a provider failure, not the client's
    assert b"POST" in proxy.received, "the request went through the proxy"
    assert SECRET.encode() not in proxy.received and SECRET not in response.text
    keyless = {"provider": "Custom", "model": "m", "messages": USER, "proxy": proxy.url}
    assert httpx.post(allowed.url + "/v1/chat/completions", json=keyless).status_code >= 400
    assert SECRET.encode() not in proxy.received and proxy.received.count(b"POST") == 2
    # The request's own key is what travels with its own proxy.
    chat(allowed, proxy=proxy.url, api_key="sk-request-own-key")
    assert b"Bearer sk-request-own-key" in proxy.received and SECRET.encode() not in proxy.received
    # Without a proxy of its own, the same server uses the configured key on the configured endpoint.
    assert chat(allowed).status_code == 200
    assert upstream.last["headers"]["Authorization"] == f"Bearer {SECRET}"


def test_allowed_api_base_never_gets_the_configured_key(start_server, upstream, elsewhere):
    allowed = start_server(allow_api_base=True)
    assert chat(allowed, api_base=elsewhere.url + "/v1").status_code == 200
    assert elsewhere.requests and SECRET not in everything_sent(elsewhere)
    # The request's own bearer (here a placeholder) is all that goes with its own api_base.
    assert elsewhere.last["headers"]["Authorization"] == "Bearer unused"
    chat(allowed, api_base=elsewhere.url + "/v1", api_key="sk-request-own-key")
    assert elsewhere.last["headers"]["Authorization"] == "Bearer sk-request-own-key"
    assert SECRET not in everything_sent(elsewhere)
    keyless = httpx.post(
        allowed.url + "/v1/chat/completions",
        json={"provider": "Custom", "model": "m", "messages": USER, "api_base": elsewhere.url + "/v1"},
    )
    assert keyless.status_code == 200 and "Authorization" not in elsewhere.last["headers"]


def test_configured_key_wins_over_a_placeholder_bearer(server, upstream):
    # The README tells OpenAI SDK users to pass api_key="unused"; the server's CUSTOM_API_KEY must win.
    with openai.OpenAI(
        base_url=server.url + "/v1", api_key="unused", max_retries=0, _strict_response_validation=True
    ) as client:
        answer = client.chat.completions.create(model="m", messages=USER, extra_body={"provider": "Custom"})
    assert answer.choices[0].message.content == "Echo: hi"
    assert upstream.last["headers"]["Authorization"] == f"Bearer {SECRET}"


def test_bearer_is_the_provider_key_where_the_server_has_none(server, elsewhere, monkeypatch):
    monkeypatch.setenv("CUSTOM_API_BASE", elsewhere.url + "/v1")
    monkeypatch.delenv("CUSTOM_API_KEY", raising=False)
    assert chat(server, bearer="sk-client-own").status_code == 200
    assert elsewhere.last["headers"]["Authorization"] == "Bearer sk-client-own"


# --- browser safety without a key -----------------------------------------------------------------


def test_json_routes_refuse_other_content_types(server):
    body = json.dumps({"provider": "MockEcho", "messages": USER})
    for content_type in ("text/plain", "application/x-www-form-urlencoded", None):
        headers = {"content-type": content_type} if content_type else {}
        response = httpx.post(server.url + "/v1/chat/completions", content=body, headers=headers)
        assert response.status_code == 415, content_type
        assert response.json()["error"]["code"] == "unsupported_media_type"
    for path in ("/v1/images/generations", "/api/MockEcho/chat/completions", "/v1/audio/speech"):
        assert httpx.post(server.url + path, content=body, headers={"content-type": "text/plain"}).status_code == 415
    ok = httpx.post(
        server.url + "/v1/chat/completions", content=body, headers={"content-type": "application/json; charset=utf-8"}
    )
    assert ok.status_code == 200


def test_foreign_origins_are_refused(server, start_server):
    url = server.url + "/v1/chat/completions"
    body = {"provider": "MockEcho", "messages": USER}
    for origin in ("https://evil.example", "null", "http://127.0.0.1:1"):
        response = httpx.post(url, json=body, headers={"origin": origin})
        assert response.status_code == 403, origin
        assert response.json()["error"] == {
            "message": response.json()["error"]["message"],
            "type": "permission_error",
            "code": "origin_not_allowed",
            "param": None,
        }
    assert httpx.post(url, json=body, headers={"sec-fetch-site": "cross-site"}).status_code == 403
    assert httpx.post(url, json=body, headers={"origin": server.url}).status_code == 200  # the page itself
    assert httpx.get(server.url + "/v1/providers", headers={"origin": "https://evil.example"}).status_code == 403
    # A multipart upload from a foreign page writes nothing.
    files = [("files", ("a.json", b"[]"))]
    upload = httpx.post(server.url + "/v1/upload_cookies", files=files, headers={"origin": "https://evil.example"})
    assert upload.status_code == 403
    assert not cookies.get_cookies_dir().exists() or "a.json" not in os.listdir(cookies.get_cookies_dir())
    listed = start_server(cors_origins=["https://app.example"])
    assert (
        httpx.post(
            listed.url + "/v1/chat/completions", json=body, headers={"origin": "https://app.example"}
        ).status_code
        == 200
    )
    assert (
        httpx.post(
            listed.url + "/v1/chat/completions", json=body, headers={"origin": "https://evil.example"}
        ).status_code
        == 403
    )


def test_loopback_server_answers_loopback_host_names_only(server, start_server):
    url = server.url + "/v1/chat/completions"
    body = {"provider": "MockEcho", "messages": USER}
    port = server.port
    rebinding = httpx.post(url, json=body, headers={"host": f"evil.example:{port}"})
    assert rebinding.status_code == 403 and rebinding.json()["error"]["code"] == "host_not_allowed"
    assert httpx.get(server.url + "/health", headers={"host": "evil.example"}).status_code == 403
    for host in (f"localhost:{port}", f"127.0.0.1:{port}", "localhost", f"[::1]:{port}"):
        assert httpx.post(url, json=body, headers={"host": host}).status_code == 200, host
    named = start_server(allowed_hosts=["g4f.internal"])
    assert (
        httpx.post(
            named.url + "/v1/chat/completions", json=body, headers={"host": f"g4f.internal:{named.port}"}
        ).status_code
        == 200
    )


def test_with_a_key_the_browser_rules_give_way_to_the_key(keyed_server):
    from .conftest import KEY

    response = httpx.post(
        keyed_server.url + "/v1/chat/completions",
        content=json.dumps({"provider": "MockEcho", "messages": USER}),
        headers={"authorization": f"Bearer {KEY}", "content-type": "text/plain"},
    )
    assert response.status_code == 200  # curl's default content type works where a key guards


# --- uploads never write through a link -----------------------------------------------------------


def test_upload_replaces_a_symlink_instead_of_writing_through_it(server, tmp_path):
    folder = cookies.get_cookies_dir()
    folder.mkdir(parents=True, exist_ok=True)
    outside = tmp_path / "outside.json"
    outside.write_text("precious")
    (folder / "session.json").symlink_to(outside)
    (folder / "dangling.json").symlink_to(tmp_path / "created-outside.json")
    files = [("files", ("session.json", b'[{"domain": ".a.example", "name": "s", "value": "1"}]'))]
    files.append(("files", ("dangling.json", b"[]")))
    response = httpx.post(server.url + "/v1/upload_cookies", files=files)
    assert response.status_code == 200, response.text
    assert outside.read_text() == "precious"
    assert not (tmp_path / "created-outside.json").exists()
    assert not (folder / "session.json").is_symlink()
    assert (folder / "session.json").read_bytes().startswith(b'[{"domain"')
    assert oct((folder / "session.json").stat().st_mode & 0o777) == "0o600"
    assert sorted(os.listdir(folder)) == ["dangling.json", "session.json"]  # no temporary left


# --- connection hygiene ---------------------------------------------------------------------------


def _read_until_closed(sock: socket.socket, seconds: float) -> tuple[bytes, float]:
    """Everything the server sends until it closes the connection, and how long that took."""
    started = time.monotonic()
    sock.settimeout(seconds)
    data = b""
    try:
        while chunk := sock.recv(4096):
            data += chunk
    except (TimeoutError, ConnectionResetError):
        pass
    return data, time.monotonic() - started


@pytest.fixture(scope="module")
def strict():
    server = ThreadedUvicorn(
        {"header_timeout": 0.5, "body_timeout": 0.5, "keep_alive_timeout": 0.5, "max_connections_per_ip": 4}
    ).start()
    yield server
    server.stop()


def test_a_dripping_header_is_cut_off(strict):
    with socket.create_connection(("127.0.0.1", strict.port)) as sock:
        sock.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        started = time.monotonic()
        try:
            for _ in range(30):  # one header byte every 0.1 s: never a complete head
                sock.sendall(b"X")
                time.sleep(0.1)
        except OSError:
            pass  # closed while we dripped
        data, _ = _read_until_closed(sock, 2)
        assert data.startswith(b"HTTP/1.1 408")
        assert time.monotonic() - started < 2


def test_silent_and_idle_connections_are_closed(strict):
    with socket.create_connection(("127.0.0.1", strict.port)) as silent:
        data, took = _read_until_closed(silent, 3)
        assert data == b"" and took < 2  # never sent a byte: closed without an answer
    with socket.create_connection(("127.0.0.1", strict.port)) as stalled:
        head = b"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        stalled.sendall(head + b"Content-Length: 100\r\n\r\n{")  # the body stops after one byte
        data, took = _read_until_closed(stalled, 3)
        assert data.startswith(b"HTTP/1.1 408") and took < 2
    with socket.create_connection(("127.0.0.1", strict.port)) as idle:
        idle.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        data, took = _read_until_closed(idle, 3)
        assert data.startswith(b"HTTP/1.1 200") and took < 2  # keep-alive ended after 0.5 s idle


def _wait_for_no_connections(server, seconds: float = 3.0) -> None:
    """Until the server holds no connection from 127.0.0.1: earlier tests' sockets (their idle ones are
    closed after 0.5 s, a leftover client's once collected) still count against the cap."""
    gc.collect()
    deadline = time.monotonic() + seconds
    while True:
        limits = getattr(server.server.config, "_g4f_limits", None)
        if limits is None or not limits.open.get("127.0.0.1"):
            return
        assert time.monotonic() < deadline, f"connections still open: {limits.open}"
        time.sleep(0.05)


def test_connections_per_address_are_capped(strict):
    _wait_for_no_connections(strict)
    held = [socket.create_connection(("127.0.0.1", strict.port)) for _ in range(4)]
    try:
        for sock in held:
            sock.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            assert sock.recv(4096).startswith(b"HTTP/1.1 200")
        with socket.create_connection(("127.0.0.1", strict.port)) as extra:
            data, _ = _read_until_closed(extra, 2)
            assert data.startswith(b"HTTP/1.1 503") and b"too_many_connections" in data
    finally:
        for sock in held:
            sock.close()
    time.sleep(0.1)
    assert httpx.get(strict.url + "/health").status_code == 200  # freed again


def test_cli_flags_reach_the_server(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    from .server import free_port

    port = free_port()
    args = [str(Path(sys.executable).parent / "g4f"), "api", "--port", str(port), "--header-timeout", "0.5"]
    args += ["--max-connections-per-ip", "2", "--allow-proxy"]
    env = {k: v for k, v in os.environ.items() if k != "G4F_API_KEY"}
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health/live", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline and process.poll() is None
            time.sleep(0.1)
        with socket.create_connection(("127.0.0.1", port)) as silent:
            data, took = _read_until_closed(silent, 3)
            assert data == b"" and took < 2
        held = [socket.create_connection(("127.0.0.1", port)) for _ in range(2)]
        try:
            with socket.create_connection(("127.0.0.1", port)) as extra:
                assert _read_until_closed(extra, 2)[0].startswith(b"HTTP/1.1 503")
        finally:
            for sock in held:
                sock.close()
        body = {"messages": USER, "proxy": "http://127.0.0.1:9", "model": "no-such-model-xyz"}
        response = httpx.post(f"http://127.0.0.1:{port}/v1/chat/completions", json=body)
        assert response.status_code == 404  # the proxy was accepted (--allow-proxy); the model is unknown
    finally:
        process.terminate()
        process.wait(10)


def test_gunicorn_worker_guards_connections_like_g4f_api(upstream, tmp_path):
    """``--worker-class g4f.api.worker.Worker``: the deadlines, the per-address cap, the keep-alive and
    the trusted proxies of the app's settings, as under ``g4f api`` (uvicorn's own worker has none)."""
    import signal
    import subprocess
    import sys
    from pathlib import Path

    from .server import free_port

    port = free_port()
    env = {
        **os.environ,
        "G4F_PROVIDER": "Custom",
        "G4F_HEADER_TIMEOUT": "0.5",
        "G4F_BODY_TIMEOUT": "0.5",
        "G4F_KEEP_ALIVE_TIMEOUT": "0.5",
        "G4F_MAX_CONNECTIONS_PER_IP": "3",
        "G4F_RATE_LIMIT": "3",
        "G4F_MEDIA_DIR": str(tmp_path / "media"),
    }
    env.pop("G4F_API_KEY", None)
    gunicorn = Path(sys.executable).parent / "gunicorn"
    args = [str(gunicorn), "g4f.api:create_app", "--workers", "1", "--worker-class", "g4f.api.worker.Worker"]
    args += ["--bind", f"127.0.0.1:{port}", "--graceful-timeout", "2"]
    log = tmp_path / "gunicorn.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None and time.monotonic() < deadline, log.read_text()[-2000:]
            try:
                if httpx.get(url + "/health/live", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        with openai.OpenAI(
            base_url=url + "/v1", api_key="unused", max_retries=0, _strict_response_validation=True
        ) as client:
            answer = client.chat.completions.create(model="m", messages=USER)
            assert answer.choices[0].message.content
            # X-Forwarded-For from a peer that is no trusted proxy changes nobody's identity: every
            # request counts against 127.0.0.1 (uvicorn's worker believed any local peer).
            for i in range(2):
                client.chat.completions.create(
                    model="m", messages=USER, extra_headers={"x-forwarded-for": f"203.0.113.{i}"}
                )
            with pytest.raises(openai.RateLimitError):
                client.chat.completions.create(
                    model="m", messages=USER, extra_headers={"x-forwarded-for": "198.51.100.9"}
                )
        with socket.create_connection(("127.0.0.1", port)) as sock:  # a dripping head: 408, closed
            sock.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            data, took = _read_until_closed(sock, 3)
            assert data.startswith(b"HTTP/1.1 408") and took < 2
        with socket.create_connection(("127.0.0.1", port)) as idle:  # keep-alive ends after 0.5 s idle
            idle.sendall(b"GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            data, took = _read_until_closed(idle, 3)
            assert data.startswith(b"HTTP/1.1 200") and took < 2
        held = [socket.create_connection(("127.0.0.1", port)) for _ in range(3)]
        try:
            for sock in held:
                sock.sendall(b"GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                assert sock.recv(4096).startswith(b"HTTP/1.1 200")
            with socket.create_connection(("127.0.0.1", port)) as extra:
                data, _ = _read_until_closed(extra, 2)
                assert data.startswith(b"HTTP/1.1 503") and b"too_many_connections" in data
        finally:
            for sock in held:
                sock.close()
    finally:
        os.killpg(process.pid, signal.SIGTERM)  # our own gunicorn's process group
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(5)
