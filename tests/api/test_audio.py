"""Audio routes: request checks and multipart here; engines from ``g4f.audio`` (espeak-ng locally)."""

from __future__ import annotations

import io
import sys
import wave

import httpx
import openai
import pytest

from . import mocks


def wav_bytes(seconds: float = 0.1) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"\x00\x00" * int(8000 * seconds))
    return out.getvalue()


def test_speech_with_the_embedded_engine(client):
    audio = client.audio.speech.create(model="tts-1", voice="alloy", input="Hello from g4f.", response_format="wav")
    data = audio.read()
    assert data[:4] == b"RIFF" and data[8:12] == b"WAVE" and len(data) > 2000


def test_speech_with_a_provider(server):
    response = httpx.post(
        f"{server.url}/v1/audio/speech",
        json={"model": "mock-tts", "input": "hi", "voice": "alloy", "provider": "MockAudio", "response_format": "wav"},
    )
    assert response.status_code == 200, response.text
    assert response.content == b"RIFF-fake-hi" and response.headers["content-type"] == "audio/wav"


@pytest.mark.parametrize(
    ("body", "status", "param"),
    [
        ({}, 422, "input"),
        ({"input": 5}, 422, "input"),
        ({"input": "hi", "speed": "fast"}, 422, "speed"),
        ({"input": "   "}, 400, "input"),
        ({"input": "x" * 5000}, 400, "input"),
        ({"input": "hi", "response_format": "mp4"}, 400, "response_format"),
        ({"input": "hi", "speed": 9}, 400, "speed"),
    ],
)
def test_bad_speech_requests(server, body, status, param):
    response = httpx.post(f"{server.url}/v1/audio/speech", json={"provider": "MockAudio", **body})
    assert response.status_code == status, response.text
    assert response.json()["error"]["param"] == param
    assert not mocks.MockAudio.calls


def test_transcription_through_the_sdk(client):
    sound = wav_bytes()
    result = client.audio.transcriptions.create(
        model="mock-whisper", file=("clip.wav", sound, "audio/wav"), language="en", extra_body={"provider": "MockAudio"}
    )
    assert result.text == f"heard {len(sound)} bytes of clip.wav"
    call = mocks.MockAudio.calls[-1]
    assert call["language"] == "en" and call["file"] == "clip.wav"
    text = client.audio.transcriptions.create(
        model="mock-whisper", file=("clip.wav", sound), response_format="text", extra_body={"provider": "MockAudio"}
    )
    assert text.strip() == f"heard {len(sound)} bytes of clip.wav"


def test_bad_transcription_requests(server, start_server):
    url = f"{server.url}/v1/audio/transcriptions"
    no_file = httpx.post(url, data={"model": "mock-whisper", "provider": "MockAudio"}, files={"other": ("a", b"x")})
    assert no_file.status_code == 422 and no_file.json()["error"]["param"] == "file"
    not_multipart = httpx.post(url, json={"file": "x"})
    assert not_multipart.status_code == 422
    bad_temperature = httpx.post(url, data={"temperature": "warm"}, files={"file": ("a.wav", wav_bytes())})
    assert bad_temperature.status_code == 422
    # No provider named and no key: the offline engine decodes it, and says the file is not audio.
    not_audio = httpx.post(url, files={"file": ("a.txt", b"plain text, not audio")}, timeout=30)
    assert not_audio.status_code == 400 and not_audio.json()["error"]["param"] == "file"
    small = start_server(max_upload_size=4096)
    too_big = httpx.post(
        f"{small.url}/v1/audio/transcriptions",
        data={"provider": "MockAudio"},
        files={"file": ("long.wav", wav_bytes(1.0))},
    )
    assert too_big.status_code == 413 and too_big.json()["error"]["code"] == "payload_too_large"
    assert not mocks.MockAudio.calls


def test_missing_engine_is_501(client, monkeypatch):
    monkeypatch.setitem(sys.modules, "g4f.audio", None)
    with pytest.raises(openai.APIStatusError) as info:
        client.audio.speech.create(model="tts-1", voice="alloy", input="hi")
    assert info.value.status_code == 501 and info.value.body["code"] == "not_implemented"
