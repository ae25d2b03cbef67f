"""Speech (espeak-ng locally, OpenAI-protocol upstreams) and transcription, through g4f.audio."""

from __future__ import annotations

import json

import pytest

from g4f import audio
from g4f.errors import InvalidRequestError, PayloadTooLargeError
from g4f.Provider.LocalSpeech import LocalSpeech, atempo_filter, rate_and_tempo
from g4f.providers.retry_provider import IterListProvider
from tests.fakes.media_server import API_KEY, MediaServer, make_png

from .audio_util import probe_seconds, wav_seconds

TEXT = "The quick brown fox jumps over the lazy dog."

pytestmark = pytest.mark.skipif(not LocalSpeech.working, reason="espeak-ng is part of the project's system deps")


async def test_local_speech_wav_and_mp3():
    wav, wav_type = await audio.speech(TEXT, response_format="wav")
    assert wav_type == "audio/wav" and wav[:4] == b"RIFF"
    seconds = wav_seconds(wav)
    assert 1.5 < seconds < 6.0, seconds  # a sentence of nine words, spoken at 175 words a minute
    mp3, mp3_type = await audio.speech(TEXT)  # mp3 is the default
    assert mp3_type == "audio/mpeg" and mp3[:3] == b"ID3"
    assert abs(probe_seconds(mp3, "mp3") - seconds) < 0.2
    assert len(mp3) < len(wav) / 3  # really compressed


@pytest.mark.parametrize(
    "fmt, magic, ffmpeg_format",
    [
        ("opus", b"OggS", "ogg"),
        ("aac", b"\xff\xf1", "aac"),
        ("flac", b"fLaC", "flac"),
    ],
)
async def test_local_speech_compressed_formats(fmt, magic, ffmpeg_format):
    data, content_type = await audio.speech("Hello there.", response_format=fmt)
    assert content_type == audio.SPEECH_FORMATS[fmt] and data.startswith(magic)
    assert 0.4 < probe_seconds(data, ffmpeg_format) < 3.0


async def test_pcm_is_24khz_s16le():
    wav, _ = await audio.speech("Hello there.", response_format="wav")
    pcm, content_type = await audio.speech("Hello there.", response_format="pcm")
    assert content_type == "audio/pcm" and len(pcm) % 2 == 0
    assert abs(len(pcm) / 2 / 24000 - wav_seconds(wav)) < 0.05


async def test_speed_is_honoured():
    normal = wav_seconds((await audio.speech(TEXT, response_format="wav"))[0])
    fast = wav_seconds((await audio.speech(TEXT, response_format="wav", speed=2.0))[0])
    slowest = wav_seconds((await audio.speech("Hello.", response_format="wav", speed=0.25))[0])
    hello = wav_seconds((await audio.speech("Hello.", response_format="wav"))[0])
    assert 0.4 < fast / normal < 0.65
    assert 3.0 < slowest / hello < 5.0  # beyond espeak's own range: ffmpeg stretches the rest


def test_rate_and_tempo():
    assert rate_and_tempo(1.0) == (175, 1.0)
    wpm, tempo = rate_and_tempo(4.0)
    assert wpm == 450 and abs(wpm * tempo - 700) < 1e-6
    wpm, tempo = rate_and_tempo(0.25)
    assert wpm == 80 and abs(wpm * tempo - 43.75) < 1e-6
    assert atempo_filter(5.0).count("atempo") == 3 and atempo_filter(0.2).count("atempo") == 3


async def test_voices():
    nova, _ = await audio.speech("Hi.", voice="nova", response_format="wav")
    onyx, _ = await audio.speech("Hi.", voice="onyx", response_format="wav")
    german, _ = await audio.speech("Hallo.", voice="de", response_format="wav")  # an espeak-ng voice by name
    assert nova != onyx and wav_seconds(german) > 0.2
    assert (await audio.speech("Hi.", voice={"id": "nova"}, response_format="wav"))[0] == nova
    with pytest.raises(InvalidRequestError, match="Unknown voice"):
        await audio.speech("Hi.", voice="no-such-voice")
    with pytest.raises(InvalidRequestError, match="Unknown voice"):
        await audio.speech("Hi.", voice="--help; rm -rf /")


async def test_text_is_not_an_option():
    """Text reaches espeak-ng on stdin: a leading dash is spoken, not parsed as a flag."""
    data, _ = await audio.speech("--version", response_format="wav")
    assert wav_seconds(data) > 0.3


@pytest.mark.parametrize(
    "kwargs, param",
    [
        ({"input": ""}, "input"),
        ({"input": "   "}, "input"),
        ({"input": "x" * 4097}, "input"),
        ({"response_format": "ogg"}, "response_format"),
        ({"speed": 0.1}, "speed"),
        ({"speed": 5}, "speed"),
        ({"speed": True}, "speed"),
        ({"voice": ""}, "voice"),
        ({"voice": 3}, "voice"),
    ],
)
async def test_speech_validation(kwargs, param):
    with pytest.raises(InvalidRequestError) as info:
        await audio.speech(**{"input": "hi", **kwargs})
    assert info.value.param == param and info.value.status_code == 400


async def test_speech_through_openai_protocol(openai_env):
    data, content_type = await audio.speech(
        "Hello.", voice="echo", response_format="wav", speed=1.5, provider="OpenaiAPI"
    )
    assert content_type == "audio/wav" and wav_seconds(data) == 0.25  # the fake's tone
    body = openai_env.requests[0]["json"]
    assert body == {"model": "tts-1", "input": "Hello.", "voice": "echo", "response_format": "wav", "speed": 1.5}


async def test_speech_routes_local_first_then_falls_back(openai_env, monkeypatch):
    from g4f.errors import ProviderError

    # tts-1 with no provider: the local engine answers, the upstream is not asked
    data, _ = await audio.speech("Hello.", response_format="wav", ignored_providers=["PollinationsAI"])
    assert wav_seconds(data) > 0.3 and not openai_env.requests

    async def broken(cls, *args, **kwargs):
        raise ProviderError("espeak-ng crashed")

    monkeypatch.setattr(LocalSpeech, "create_speech", classmethod(broken))
    data, _ = await audio.speech("Hello.", response_format="wav", ignored_providers=["PollinationsAI"])
    assert wav_seconds(data) == 0.25 and len(openai_env.requests) == 1  # the upstream's tone


async def test_speech_failures(monkeypatch):
    from g4f.errors import ProviderError, RetryProviderError
    from g4f.Provider import OpenaiAPI

    with MediaServer(fail_with=503) as down:
        options = dict(api_key=API_KEY, api_base=down.url + "/v1", provider=IterListProvider([LocalSpeech, OpenaiAPI]))
        with pytest.raises(InvalidRequestError):  # the request's own fault: no other provider is tried
            await audio.speech("Hello.", voice="no-such-voice", **options)
        assert not down.requests

        async def broken(cls, *args, **kwargs):
            raise ProviderError("espeak-ng crashed")

        monkeypatch.setattr(LocalSpeech, "create_speech", classmethod(broken))
        with pytest.raises(RetryProviderError) as info:
            await audio.speech("Hello.", **options)
        assert set(info.value.exceptions) == {"LocalSpeech", "OpenaiAPI"} and len(down.requests) == 1


async def test_transcription_round_trip(openai_env):
    """espeak-ng speech -> transcribe -> the fake upstream receives exactly that file."""
    speech, _ = await audio.speech("Testing one two three.", response_format="wav")
    result = await audio.transcribe(speech, "speech.wav", language="en", prompt="numbers", provider="OpenaiAPI")
    assert result == {"text": "hello world"}
    (upload,) = openai_env.uploads
    assert upload["path"] == "/v1/audio/transcriptions"
    assert upload["file"] == speech and upload["filename"] == "speech.wav" and upload["content_type"] == "audio/wav"
    assert upload["fields"] == {"model": "whisper-1", "language": "en", "prompt": "numbers", "response_format": "json"}


@pytest.mark.parametrize("fmt", ["text", "srt", "vtt", "verbose_json"])
async def test_transcription_formats(openai_env, fmt, tmp_path):
    path = tmp_path / "clip.mp3"
    path.write_bytes((await audio.speech("Hi.", response_format="mp3"))[0])
    result = await audio.transcribe(path, response_format=fmt, provider="OpenaiAPI")
    if fmt == "verbose_json":
        assert result["text"] == "hello world" and result["segments"][0]["text"] == "hello world"
    else:
        assert isinstance(result, str) and "hello world" in result
        assert result.startswith("WEBVTT") if fmt == "vtt" else True
    assert openai_env.uploads[0]["filename"] == "clip.mp3" and openai_env.uploads[0]["content_type"] == "audio/mpeg"


async def test_transcription_groq(monkeypatch):
    with MediaServer(transcript="from groq") as server:
        monkeypatch.setenv("GROQ_API_BASE", server.url + "/v1")
        monkeypatch.setenv("GROQ_API_KEY", API_KEY)
        wav, _ = await audio.speech("Hi.", response_format="wav")
        with open_file(wav) as handle:
            result = await audio.transcribe(handle, model="whisper-large-v3", provider="Groq", response_format="text")
        assert result.strip() == "from groq"
        assert server.uploads[0]["fields"]["model"] == "whisper-large-v3"
        assert server.uploads[0]["filename"] == "upload.wav"


def open_file(data: bytes):
    import io

    handle = io.BytesIO(data)
    handle.name = "/some/dir/upload.wav"
    return handle


async def test_transcription_refusals(openai_env, monkeypatch):
    with pytest.raises(InvalidRequestError, match="Invalid file format"):  # the upstream judges its formats
        await audio.transcribe(make_png(), "pic.png", provider="OpenaiAPI")
    assert openai_env.uploads.pop()["filename"] == "pic.png"
    with pytest.raises(InvalidRequestError, match="response_format"):
        await audio.transcribe(b"RIFF", response_format="docx", provider="OpenaiAPI")
    monkeypatch.setenv("G4F_MAX_AUDIO_UPLOAD", "1000")
    wav, _ = await audio.speech("Hi.", response_format="wav")
    with pytest.raises(PayloadTooLargeError) as info:
        await audio.transcribe(wav, provider="OpenaiAPI")
    assert info.value.status_code == 413
    assert not openai_env.uploads  # nothing was sent


async def test_local_speech_as_chat_provider():
    from g4f.client import AsyncClient
    from g4f.providers.response import AudioResponse

    parts = [
        p
        async for p in LocalSpeech.create_async_generator(
            "tts-1", [{"role": "user", "content": "Hi."}], audio={"voice": "nova", "format": "wav"}
        )
    ]
    assert isinstance(parts[0], AudioResponse) and wav_seconds(parts[0].data) > 0.2
    with pytest.raises(Exception, match="does not take images"):
        await AsyncClient().chat.completions.create(
            [{"role": "user", "content": "Hi."}], provider=LocalSpeech, image=make_png()
        )
    assert json.dumps(audio.VOICES)


async def test_upstream_audio_converted_to_requested_format(openai_env):
    """The fake upstream always answers WAV: g4f converts it to what was asked."""
    mp3, content_type = await audio.speech("Hello.", response_format="mp3", provider="OpenaiAPI")
    assert content_type == "audio/mpeg" and abs(probe_seconds(mp3, "mp3") - 0.25) < 0.1
    pcm, content_type = await audio.speech("Hello.", response_format="pcm", provider="OpenaiAPI")
    assert content_type == "audio/pcm" and abs(len(pcm) / 2 / 24000 - 0.25) < 0.01
    assert [r["json"]["response_format"] for r in openai_env.requests] == ["mp3", "pcm"]


async def test_transcription_of_video_container(openai_env):
    """mp4 and webm are documented upload formats: they go through with their sniffed type."""
    import subprocess

    wav, _ = await audio.speech("Hi.", response_format="wav")
    webm = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", "pipe:0", "-c:a", "libopus", "-f", "webm", "pipe:1"],
        input=wav,
        capture_output=True,
        check=True,
        timeout=30,
    ).stdout
    assert (await audio.transcribe(webm, provider="OpenaiAPI"))["text"] == "hello world"
    assert openai_env.uploads[-1]["content_type"] == "video/webm" and openai_env.uploads[-1]["filename"] == "audio.webm"
