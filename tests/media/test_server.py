"""The REST server's image, media and audio endpoints, checked with the official openai SDK."""

from __future__ import annotations

import base64
import http.client
import io
import wave

import openai
import pytest
from openai import OpenAI

from g4f.media import get_media_dir
from g4f.Provider.LocalSpeech import LocalSpeech
from tests.api.server import ThreadedUvicorn
from tests.fakes.media_server import API_KEY, make_png, read_png

from .audio_util import probe_seconds, wav_seconds


@pytest.fixture(scope="module")
def server():
    server = ThreadedUvicorn({"max_upload_size": 200_000}).start()
    yield server
    server.stop()


@pytest.fixture
def sdk(server):
    # With no key of its own, the server hands a request's bearer token to the provider it names.
    with OpenAI(base_url=server.url + "/v1", api_key=API_KEY, max_retries=0) as client:
        yield client


def get(server, path: str) -> tuple[int, dict, bytes]:
    """A GET with the path sent exactly as written (no client-side normalisation of ``..``)."""
    host, port = server.url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def test_generate_save_and_serve_back(server, sdk, openai_env):
    result = sdk.images.generate(prompt="a red square", n=2, extra_body={"provider": "OpenaiAPI"})
    assert len(result.data) == 2 and result.created > 0
    for item, name in zip(result.data, ["img0.png", "img1.png"], strict=True):
        assert item.url.startswith("/media/") and item.url.endswith(".png")
        for prefix in ("/media/", "/images/"):
            status, headers, body = get(server, prefix + item.url.removeprefix("/media/"))
            assert status == 200 and body == openai_env.files[name]  # byte-identical through the server
            assert headers["content-type"] == "image/png"
            assert "max-age" in headers["cache-control"]


def test_url_and_b64_formats(sdk, openai_env):
    by_url = sdk.images.generate(prompt="x", response_format="url", extra_body={"provider": "OpenaiAPI"})
    assert by_url.data[0].url == openai_env.url + "/files/img0.png"
    b64 = sdk.images.generate(
        prompt="x", response_format="b64_json", model="dall-e-3", extra_body={"provider": "OpenaiAPI"}
    )
    assert read_png(base64.b64decode(b64.data[0].b64_json)) == read_png(openai_env.files["img1.png"])
    assert openai_env.requests[-1]["json"]["model"] == "dall-e-3"


def test_provider_route_and_generate_alias(server, openai_env):
    import httpx

    headers = {"Authorization": f"Bearer {API_KEY}"}
    response = httpx.post(
        server.url + "/api/OpenaiAPI/images/generations",
        json={"prompt": "x", "response_format": "url"},
        headers=headers,
        timeout=20,
    )
    assert response.status_code == 200 and response.json()["data"][0]["url"].endswith("/files/img0.png")
    response = httpx.post(
        server.url + "/v1/images/generate", json={"prompt": "x", "provider": "OpenaiAPI"}, headers=headers, timeout=20
    )
    assert response.status_code == 200 and response.json()["data"][0]["url"].startswith("/media/")


@pytest.mark.parametrize("kwargs", [{"n": 5}, {"n": 0}, {"size": "huge"}, {"response_format": "gif"}, {"prompt": ""}])
def test_image_request_validation(sdk, openai_env, kwargs):
    with pytest.raises(openai.BadRequestError) as info:
        sdk.images.generate(**{"prompt": "x", **kwargs}, extra_body={"provider": "OpenaiAPI"})
    assert info.value.status_code == 400 and info.value.body["type"] == "invalid_request_error"
    assert not openai_env.requests


@pytest.mark.parametrize(
    "path",
    [
        "/media/../../etc/passwd",
        "/media/..%2f..%2fsecret.txt",
        "/media/%2e%2e%2fsecret.txt",
        "/media/%252e%252e%252fsecret.txt",
        "/images/..%2fsecret.txt",
        "/media/..%5csecret.txt",
        "/media//etc/passwd",
        "/media/%2fetc%2fpasswd",
        "/images/%252e%252e/secret.txt",
        "/media/sub%2finner.png",
    ],
)
def test_traversal_refused(server, path):
    root = get_media_dir()
    (root / "sub").mkdir(parents=True, exist_ok=True)
    (root / "sub" / "inner.png").write_bytes(make_png())
    (root.parent / "secret.txt").write_text("top secret")
    status, _, body = get(server, path)
    assert status in (400, 404) and b"top secret" not in body and b"root:" not in body


needs_espeak = pytest.mark.skipif(not LocalSpeech.working, reason="espeak-ng is part of the project's system deps")


@needs_espeak
def test_speech_wav_and_mp3(sdk):
    response = sdk.audio.speech.create(
        model="tts-1",
        voice="alloy",
        input="Hello from the server.",
        response_format="wav",
        extra_body={"provider": "LocalSpeech"},
    )
    wav = response.read()
    assert response.response.headers["content-type"] == "audio/wav"
    seconds = wav_seconds(wav)
    assert 0.8 < seconds < 4.0
    mp3 = sdk.audio.speech.create(
        model="tts-1", voice="nova", input="Hello from the server.", extra_body={"provider": "LocalSpeech"}
    ).read()
    assert mp3[:3] == b"ID3" and abs(probe_seconds(mp3, "mp3") - seconds) < 0.25
    fast = sdk.audio.speech.create(
        model="tts-1",
        voice="alloy",
        input="Hello from the server.",
        response_format="wav",
        speed=2.0,
        extra_body={"provider": "LocalSpeech"},
    ).read()
    assert wav_seconds(fast) < seconds * 0.65


@pytest.mark.parametrize(
    "body",
    [
        {"model": "tts-1", "voice": "alloy"},  # no input
        {"model": "tts-1", "voice": "alloy", "input": "hi", "response_format": "ogg"},
        {"model": "tts-1", "voice": "alloy", "input": "hi", "speed": 9},
        {"model": "tts-1", "voice": "alloy", "input": "x" * 4097},
    ],
)
def test_speech_validation(server, body):
    import httpx

    response = httpx.post(server.url + "/v1/audio/speech", json=body, timeout=20)
    assert response.status_code in (400, 422) and response.json()["error"]["type"] == "invalid_request_error"


@needs_espeak
def test_transcription_round_trip(sdk, openai_env):
    """espeak-ng speech -> POST /v1/audio/transcriptions -> the fake upstream receives exactly that file."""
    speech = sdk.audio.speech.create(
        model="tts-1",
        voice="alloy",
        input="One two three.",
        response_format="wav",
        extra_body={"provider": "LocalSpeech"},
    ).read()
    result = sdk.audio.transcriptions.create(
        model="whisper-1", file=("speech.wav", speech, "audio/wav"), language="en", extra_body={"provider": "OpenaiAPI"}
    )
    assert result.text == "hello world"
    upload = openai_env.uploads[-1]
    assert upload["file"] == speech and upload["filename"] == "speech.wav"
    assert upload["fields"]["model"] == "whisper-1" and upload["fields"]["language"] == "en"
    text = sdk.audio.transcriptions.create(
        model="whisper-1",
        file=("speech.wav", speech, "audio/wav"),
        response_format="text",
        extra_body={"provider": "OpenaiAPI"},
    )
    assert text.strip() == "hello world"
    srt = sdk.audio.transcriptions.create(
        model="whisper-1",
        file=("speech.wav", speech, "audio/wav"),
        response_format="srt",
        extra_body={"provider": "OpenaiAPI"},
    )
    assert "-->" in srt


def test_transcription_refusals(sdk, server, openai_env):
    with pytest.raises(openai.APIStatusError) as info:  # over the server's upload limit
        sdk.audio.transcriptions.create(
            model="whisper-1",
            file=("big.wav", b"RIFF" + bytes(300_000), "audio/wav"),
            extra_body={"provider": "OpenaiAPI"},
        )
    assert info.value.status_code == 413
    with pytest.raises(openai.BadRequestError, match="Invalid file format"):  # not audio: the upstream judges
        sdk.audio.transcriptions.create(
            model="whisper-1", file=("pic.png", make_png(), "image/png"), extra_body={"provider": "OpenaiAPI"}
        )
    assert openai_env.uploads.pop()["filename"] == "pic.png"
    with pytest.raises(openai.BadRequestError):
        sdk.audio.transcriptions.create(
            model="whisper-1",
            file=("a.wav", _tone(), "audio/wav"),
            response_format="docx",
            extra_body={"provider": "OpenaiAPI"},
        )
    import httpx

    response = httpx.post(
        server.url + "/v1/audio/transcriptions", data={"model": "whisper-1"}, files={"other": ("x", b"y")}, timeout=20
    )
    assert response.status_code in (400, 422) and response.json()["error"]["param"] == "file"
    assert not openai_env.uploads


def _tone() -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(bytes(1600))
    return out.getvalue()


def test_vision_through_server(sdk, openai_env):
    png = make_png(3, 3, (7, 7, 7))
    uri = "data:image/png;base64," + base64.b64encode(png).decode()
    sdk.chat.completions.create(
        model="gpt-4o",
        extra_body={"provider": "OpenaiAPI"},
        messages=[
            {
                "role": "user",
                "content": [{"type": "text", "text": "what?"}, {"type": "image_url", "image_url": {"url": uri}}],
            }
        ],
    )
    parts = openai_env.requests[-1]["json"]["messages"][0]["content"]
    assert parts[1]["image_url"]["url"] == uri
    count = len(openai_env.requests)
    with pytest.raises(openai.BadRequestError) as info:  # loopback image URL, no allowance on this server
        sdk.chat.completions.create(
            model="gpt-4o",
            extra_body={"provider": "OpenaiAPI"},
            messages=[
                {"role": "user", "content": [{"type": "image_url", "image_url": {"url": openai_env.url + "/png"}}]}
            ],
        )
    assert "Refusing" in info.value.message and len(openai_env.requests) == count
