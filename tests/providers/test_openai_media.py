"""Images, speech and transcription on OpenaiTemplate, and PollinationsAI's documented endpoints."""

from __future__ import annotations

import base64

import pytest

from g4f.errors import MissingAuthError, NoMediaResponseError
from g4f.Provider import OpenaiAPI, PollinationsAI
from g4f.providers.response import AudioResponse, FinishReason, ImageResponse
from tests.fakes.openai_server import MP3_HEADER, PNG_1PX


async def test_image_generation_returns_urls(fake):
    result = await OpenaiAPI.create_image(
        "a red fox", model="dall-e-3", n=2, size="1024x1024", api_key="k", api_base=fake.url, quality="hd"
    )
    assert isinstance(result, ImageResponse) and len(result.get_list()) == 2
    assert result.get_list()[0].startswith(fake.url + "/files/a_red_fox")
    assert result.options["revised_prompt"] == "A picture of a red fox"
    assert fake.last["path"] == "/images/generations"
    assert fake.last["json"] == {
        "prompt": "a red fox",
        "model": "dall-e-3",
        "n": 2,
        "size": "1024x1024",
        "quality": "hd",
    }


async def test_image_generation_as_base64(fake):
    result = await OpenaiAPI.create_image(
        "a fox", model="gpt-image-1", response_format="b64_json", api_key="k", api_base=fake.url
    )
    assert result.get_list() == ["data:image/png;base64," + base64.b64encode(PNG_1PX).decode()]


async def test_image_model_through_the_chat_contract(fake):
    parts = [
        p
        async for p in OpenaiAPI.create_async_generator(
            "dall-e-3", [{"role": "user", "content": "a blue cat"}], api_key="k", api_base=fake.url
        )
    ]
    assert [type(p) for p in parts] == [ImageResponse]
    assert fake.last["json"]["prompt"] == "a blue cat"


async def test_image_errors_are_mapped(fake):
    fake.script.append({"status": 401, "message": "bad key"})
    with pytest.raises(MissingAuthError):
        await OpenaiAPI.create_image("x", api_key="k", api_base=fake.url)


async def test_speech(fake):
    audio = await OpenaiAPI.create_speech(
        model="tts-1",
        input="Hello world",
        voice="nova",
        response_format="mp3",
        speed=1.25,
        api_key="k",
        api_base=fake.url,
    )
    assert isinstance(audio, AudioResponse)
    assert audio.data == MP3_HEADER + b"Hello world" and audio.content_type == "audio/mpeg"
    assert fake.last["json"] == {
        "model": "tts-1",
        "input": "Hello world",
        "voice": "nova",
        "response_format": "mp3",
        "speed": 1.25,
    }


def wav_bytes() -> bytes:
    import io
    import wave

    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"\x00\x00" * 800)
    return buffer.getvalue()


@pytest.mark.parametrize("response_format", [None, "json", "text"])
async def test_transcription(fake, response_format):
    wav = wav_bytes()
    text = await OpenaiAPI.create_transcription(
        model="whisper-1",
        file=(wav, "a.wav"),
        language="en",
        response_format=response_format,
        api_key="k",
        api_base=fake.url,
    )
    assert text == f"Transcribed {len(wav)} bytes"
    form = fake.last["form"]
    assert form["model"] == "whisper-1" and form["language"] == "en"
    assert form["file"] == {"filename": "a.wav", "content_type": "audio/wav", "size": len(wav)}


async def test_transcription_of_checked_bytes_keeps_their_type(fake):
    await OpenaiAPI.create_transcription(
        model="whisper-1",
        file=(b"\x1aE\xdf\xa3webm", "a.webm"),
        content_type="audio/webm",
        api_key="k",
        api_base=fake.url,
    )
    assert fake.last["form"]["file"]["content_type"] == "audio/webm"


async def test_transcription_model_through_the_chat_contract(fake):
    parts = [
        p
        async for p in OpenaiAPI.create_async_generator(
            "whisper-1",
            [{"role": "user", "content": "transcribe"}],
            media=[(wav_bytes(), "a.wav")],
            api_key="k",
            api_base=fake.url,
        )
    ]
    assert parts == [f"Transcribed {len(wav_bytes())} bytes"]


async def test_pollinations_chat_uses_its_openai_endpoint(fake, monkeypatch):
    monkeypatch.setenv("POLLINATIONSAI_API_BASE", fake.url)
    parts = [
        p
        async for p in PollinationsAI.create_async_generator(
            "gpt-4.1-nano", [{"role": "user", "content": "hi"}], stream=True
        )
    ]
    assert "".join(p for p in parts if isinstance(p, str)) == "Echo: hi" and parts[-1] == FinishReason("stop")
    body = fake.last["json"]
    assert fake.last["path"] == "/openai" and body["model"] == "openai" and body["private"] is True
    assert "Authorization" not in fake.last["headers"]  # keyless


async def test_pollinations_image(fake, monkeypatch):
    monkeypatch.setenv("POLLINATIONSAI_API_BASE", fake.url)
    parts = [
        p
        async for p in PollinationsAI.create_async_generator(
            "flux", [{"role": "user", "content": "a tiny red dot"}], size="512x256", seed=3
        )
    ]
    assert len(parts) == 1 and parts[0].get_list() == ["data:image/png;base64," + base64.b64encode(PNG_1PX).decode()]
    request = fake.last
    assert request["path"] == "/prompt/a tiny red dot"
    assert request["query"] == {
        "model": "flux",
        "width": "512",
        "height": "256",
        "nologo": "true",
        "private": "true",
        "referrer": "g4f",
        "seed": "3",
    }


async def test_pollinations_speech(fake, monkeypatch):
    monkeypatch.setenv("POLLINATIONSAI_API_BASE", fake.url)
    audio = await PollinationsAI.create_speech(model="tts-1", input="Good day", voice="echo")
    assert audio.data == MP3_HEADER + b"Good day" and audio.content_type == "audio/mpeg"
    assert fake.last["query"]["model"] == "openai-audio" and fake.last["query"]["voice"] == "echo"


async def test_pollinations_non_image_answer_is_no_media(fake, monkeypatch):
    monkeypatch.setenv("POLLINATIONSAI_API_BASE", fake.url)
    monkeypatch.setenv("POLLINATIONSAI_IMAGE_API_BASE", fake.url + "/v1/models#")  # answers JSON, not an image
    with pytest.raises(NoMediaResponseError):
        await PollinationsAI.create_image("x")
