"""``/media`` serves saved files and nothing else; ``/v1/upload_cookies`` stores checked cookie files."""

from __future__ import annotations

import json
import os

import httpx
import pytest

from g4f import cookies
from g4f.media import save_media

from . import mocks


def test_saved_media_is_served(server):
    name = save_media(mocks.PNG, "image/png")
    response = httpx.get(f"{server.url}/media/{name}")
    assert response.status_code == 200 and response.content == mocks.PNG
    assert response.headers["content-type"] == "image/png"
    assert response.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize(
    "path",
    [
        "/media/../pyproject.toml",
        "/media/..%2f..%2fetc%2fpasswd",
        "/media/%2e%2e/%2e%2e/etc/passwd",
        "/media/%252e%252e%252fsecret.txt",
        "/media/.secret",
        "/media/sub/secret.txt",
        "/media/",
        "/images/..%5csecret.txt",
    ],
)
def test_nothing_outside_the_media_dir(server, tmp_path, path):
    (tmp_path / "secret.txt").write_text("secret")
    (tmp_path / "media").mkdir(exist_ok=True)
    (tmp_path / "media" / ".secret").write_text("secret")
    response = httpx.get(server.url + path)
    assert response.status_code == 404
    assert "secret" != response.text and response.json()["error"]["code"] == "not_found"


def _cookie_file(domain: str = ".example.com", name: str = "session", value: str = "abc") -> bytes:
    return json.dumps([{"domain": domain, "name": name, "value": value}]).encode()


def test_upload_cookies(server):
    har = {
        "log": {
            "entries": [{"request": {"url": "https://har.example.org/x", "cookies": [{"name": "h", "value": "1"}]}}]
        }
    }
    files = [("files", ("../../evil name.json", _cookie_file())), ("files", ("capture.har", json.dumps(har).encode()))]
    response = httpx.post(f"{server.url}/v1/upload_cookies", files=files)
    assert response.status_code == 200, response.text
    names = [f["filename"] for f in response.json()["data"]]
    assert names == ["evil_name.json", "capture.har"]
    folder = cookies.get_cookies_dir()
    assert sorted(os.listdir(folder)) == ["capture.har", "evil_name.json"]
    assert cookies.get_cookies("example.com") == {"session": "abc"}
    assert cookies.get_cookies("har.example.org") == {"h": "1"}


@pytest.mark.parametrize(
    ("files", "status"),
    [
        ([("files", ("notes.txt", b"{}"))], 400),
        ([("files", (".json", b"{}"))], 400),
        ([("files", ("bad.json", b"{not json"))], 400),
        ([("other", ("a.json", b"{}"))], 422),
    ],
)
def test_bad_uploads(server, files, status):
    response = httpx.post(f"{server.url}/v1/upload_cookies", files=files)
    assert response.status_code == status, response.text
    assert not cookies.get_cookies_dir().exists() or not os.listdir(cookies.get_cookies_dir())


def test_oversized_upload_is_413(start_server):
    small = start_server(max_cookie_file_size=1000)
    big = _cookie_file(value="x" * 2000)
    response = httpx.post(f"{small.url}/v1/upload_cookies", files=[("files", ("big.json", big))])
    assert response.status_code == 413


def test_demo_mode_refuses_uploads_and_keys(start_server):
    demo = start_server(demo=True)
    assert httpx.post(f"{demo.url}/v1/upload_cookies", files=[("files", ("a.json", b"{}"))]).status_code == 403
    body = {"provider": "MockEcho", "messages": [{"role": "user", "content": "hi"}]}
    assert httpx.post(f"{demo.url}/v1/chat/completions", json={**body, "api_key": "sk-x"}).status_code == 400
    assert httpx.post(f"{demo.url}/v1/chat/completions", json={**body, "proxy": "http://p.invalid"}).status_code == 400
    assert httpx.post(f"{demo.url}/v1/chat/completions", json=body).status_code == 200
