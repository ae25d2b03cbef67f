"""``LocalTranscription`` (pocketsphinx): offline speech to text, on real human recordings.

Debian's ``alsa-utils`` installs short spoken samples ("Front Center", "Rear Left", ...) under
/usr/share/sounds/alsa/; across them at least 40% of the words must come back.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import subprocess
from pathlib import Path

import openai
import pytest

from g4f import audio
from g4f.errors import InvalidRequestError
from g4f.Provider.LocalTranscription import LocalTranscription, subtitles, transcription

SOUNDS = Path("/usr/share/sounds/alsa")
SAMPLES = {
    "Front_Center": "front center",
    "Front_Left": "front left",
    "Front_Right": "front right",
    "Rear_Center": "rear center",
    "Rear_Left": "rear left",
    "Rear_Right": "rear right",
    "Side_Left": "side left",
    "Side_Right": "side right",
}


@pytest.fixture(autouse=True)
def no_keys(monkeypatch):
    """Offline: no keyed transcription provider can answer."""
    for name in ("OPENAI_API_KEY", "GROQ_API_KEY"):
        monkeypatch.delenv(name, raising=False)


def words(text: str) -> list[str]:
    return re.findall(r"[a-z']+", text.lower())


def convert(path: Path, extension: str, tmp_path: Path) -> bytes:
    """The sample re-encoded by ffmpeg into another container/codec, written as a file (an m4a keeps
    its index at the end, as phones write it)."""
    codec = {"m4a": ["-c:a", "aac"], "webm": ["-c:a", "libopus"], "ogg": ["-c:a", "libvorbis"]}.get(extension, [])
    target = tmp_path / f"clip.{extension}"
    subprocess.run(
        ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-i", str(path), *codec, str(target)], check=True
    )
    return target.read_bytes()


async def test_at_least_40_percent_of_the_words_of_human_speech():
    expected_total = found_total = 0
    for name, expected in SAMPLES.items():
        result = await audio.transcribe(SOUNDS / f"{name}.wav")  # whisper-1, no key: the offline engine
        heard = words(result["text"])
        expected_words = expected.split()
        found = sum(1 for word in expected_words if word in heard)
        expected_total += len(expected_words)
        found_total += found
    assert found_total / expected_total >= 0.4, f"{found_total} of {expected_total} words"


@pytest.mark.parametrize("extension", ["mp3", "ogg", "flac", "m4a", "webm"])
async def test_compressed_formats(extension, tmp_path):
    data = convert(SOUNDS / "Rear_Left.wav", extension, tmp_path)
    result = await audio.transcribe(data, f"clip.{extension}", response_format="text")
    assert isinstance(result, str) and "left" in words(result)


async def test_response_formats():
    path = SOUNDS / "Side_Right.wav"
    verbose = await audio.transcribe(path, response_format="verbose_json")
    assert verbose["task"] == "transcribe" and verbose["language"] == "english" and 1.0 < verbose["duration"] < 3.0
    segments = verbose["segments"]
    assert segments and all(0 <= s["start"] < s["end"] <= verbose["duration"] + 0.1 for s in segments)
    assert [s["id"] for s in segments] == list(range(len(segments)))
    assert " ".join(s["text"].strip() for s in segments) == verbose["text"]
    assert all(w["start"] < w["end"] for w in verbose["words"])
    srt = await audio.transcribe(path, response_format="srt")
    assert re.match(r"1\n00:00:0\d,\d{3} --> 00:00:0\d,\d{3}\n\S", srt)
    vtt = await audio.transcribe(path, response_format="vtt")
    assert vtt.startswith("WEBVTT\n\n00:00:0") and "." in vtt.splitlines()[2]
    plain = await audio.transcribe(path, response_format="json")
    assert plain["text"] == verbose["text"] and plain["usage"] == {"type": "duration", "seconds": 2}


def test_subtitles_of_known_segments():
    segments = [{"start": 0.0, "end": 1.25, "text": " front"}, {"start": 61.5, "end": 3725.004, "text": " left"}]
    assert subtitles(segments, "srt") == (
        "1\n00:00:00,000 --> 00:00:01,250\nfront\n\n2\n00:01:01,500 --> 01:02:05,004\nleft\n"
    )
    assert subtitles(segments, "vtt").startswith("WEBVTT\n\n00:00:00.000 --> 00:00:01.250\nfront\n\n")
    pause = transcription([("a", 0.0, 0.5, 1.0), ("b", 0.6, 0.9, 1.0), ("c", 2.0, 2.5, 1.0)], 3.0, "verbose_json")
    assert [s["text"] for s in pause["segments"]] == [" a b", " c"]


async def test_refusals_name_the_file_field():
    with pytest.raises(InvalidRequestError) as info:
        await audio.transcribe(b"this is plain text, not audio", "notes.txt")
    assert info.value.param == "file" and "decoded" in str(info.value)
    with pytest.raises(InvalidRequestError) as info:
        await audio.transcribe(b"", "empty.wav")
    assert info.value.param == "file"
    with pytest.raises(InvalidRequestError) as info:
        await audio.transcribe(SOUNDS / "Front_Left.wav", language="de")
    assert info.value.param == "language"


async def test_explicit_provider_and_model_name():
    result = await LocalTranscription.create_transcription((SOUNDS / "Rear_Right.wav").read_bytes(), "pocketsphinx")
    assert "right" in words(result["text"])
    named = await audio.transcribe(SOUNDS / "Rear_Right.wav", model="pocketsphinx", response_format="text")
    assert named == result["text"]


async def test_concurrent_requests_share_one_decoder():
    paths = [SOUNDS / "Front_Left.wav", SOUNDS / "Front_Right.wav"]
    results = await asyncio.gather(*(audio.transcribe(p, response_format="text") for p in paths))
    assert "left" in words(results[0]) and "right" in words(results[1])


def test_through_the_server_and_the_library(start_transcription_server):
    from g4f.client import Client

    server = start_transcription_server
    with openai.OpenAI(
        base_url=server.url + "/v1", api_key="unused", max_retries=0, _strict_response_validation=True
    ) as sdk:
        with open(SOUNDS / "Rear_Left.wav", "rb") as handle:
            result = sdk.audio.transcriptions.create(model="whisper-1", file=handle)
        assert "left" in words(result.text)
        verbose = sdk.audio.transcriptions.create(
            model="whisper-1", file=("a.wav", (SOUNDS / "Rear_Left.wav").read_bytes()), response_format="verbose_json"
        )
        assert verbose.segments and verbose.duration > 1
        with pytest.raises(openai.BadRequestError) as info:
            sdk.audio.transcriptions.create(model="whisper-1", file=("a.wav", b"not audio at all"))
        assert info.value.body["param"] == "file"
    library = Client().audio.transcriptions.create(file=SOUNDS / "Rear_Left.wav", model="whisper-1")
    assert "left" in words(library.text)


@pytest.fixture
def start_transcription_server():
    from tests.api.server import ThreadedUvicorn

    server = ThreadedUvicorn().start()
    yield server
    server.stop()


def test_samples_and_tools_are_installed():
    assert shutil.which("ffmpeg") and all((SOUNDS / f"{name}.wav").is_file() for name in SAMPLES)
