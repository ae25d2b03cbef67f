"""``LocalSpeech``: text to speech with no network, on espeak-ng (and ffmpeg for compressed formats).

espeak-ng runs as a subprocess with the text on stdin (never on the command line), writing WAV to
stdout; ffmpeg turns it into mp3/opus/aac/flac/pcm and stretches the tempo where espeak's own rate
range (80-450 words a minute) cannot reach the requested ``speed``. OpenAI's voice names map to
espeak-ng voices and variants; an espeak-ng voice name (``de``, ``fr+f2``) works as well.
"""

from __future__ import annotations

import asyncio
import io
import shutil
import struct
import subprocess
import wave
from functools import cache
from typing import Any, ClassVar

from ..errors import InvalidRequestError, NotSupportedError, ProviderError, ProviderNotWorkingError
from ..providers.base_provider import AsyncGeneratorProvider, ProviderModelMixin
from ..providers.response import AudioResponse
from ..typing import AsyncResult, Messages

BASE_WPM = 175  # espeak-ng's default rate: speed 1.0
MIN_WPM, MAX_WPM = 80, 450
PCM_RATE = 24000  # OpenAI's pcm: 24 kHz, 16-bit signed little-endian, mono
TIMEOUT = 120.0

CONTENT_TYPES = {
    "mp3": "audio/mpeg",
    "opus": "audio/opus",
    "aac": "audio/aac",
    "flac": "audio/flac",
    "wav": "audio/wav",
    "pcm": "audio/pcm",
}
# ffmpeg output options per format (the input is raw s16le PCM on stdin).
FFMPEG_OUTPUT = {
    "mp3": ["-c:a", "libmp3lame", "-b:a", "64k", "-f", "mp3"],
    "opus": ["-ar", "24000", "-c:a", "libopus", "-b:a", "32k", "-f", "ogg"],
    "aac": ["-c:a", "aac", "-b:a", "64k", "-f", "adts"],
    "flac": ["-c:a", "flac", "-f", "flac"],
    "pcm": ["-ar", str(PCM_RATE), "-ac", "1", "-c:a", "pcm_s16le", "-f", "s16le"],
    "wav": ["-c:a", "pcm_s16le", "-f", "s16le"],  # wrapped in a WAV header afterwards
}


@cache
def installed_voices() -> tuple[frozenset[str], frozenset[str]]:
    """espeak-ng's languages and voice variants (``en-us``, ``de``; ``f3``, ``klatt``), read once."""

    def listing(*args: str) -> list[list[str]]:
        try:
            out = subprocess.run(["espeak-ng", *args], capture_output=True, text=True, timeout=10).stdout
        except (OSError, subprocess.SubprocessError):
            return []
        return [line.split() for line in out.splitlines()[1:] if line.strip()]

    languages = frozenset(row[1] for row in listing("--voices") if len(row) > 1)
    variants = frozenset(
        token.split("/", 1)[1] for row in listing("--voices=variant") for token in row if token.startswith("!v/")
    )
    return languages, variants


def _last_user_text(messages: Messages) -> str:
    for message in reversed(messages):
        if message.get("role") == "user":
            content = message.get("content")
            if isinstance(content, list):
                return " ".join(p.get("text", "") for p in content if isinstance(p, dict) and p.get("type") == "text")
            return content or ""
    return ""


def parse_wav(data: bytes) -> tuple[bytes, int, int, int]:
    """(pcm, rate, channels, sample width) of a WAV whose sizes may be wrong (espeak-ng writing to a
    pipe cannot go back to fill them in, so they read 0x7fffffff)."""
    if data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise ProviderError("espeak-ng did not produce WAV audio.")
    pos, rate, channels, width = 12, 22050, 1, 2
    while pos + 8 <= len(data):
        chunk, size = data[pos : pos + 4], struct.unpack("<I", data[pos + 4 : pos + 8])[0]
        if chunk == b"fmt ":
            channels, rate = struct.unpack("<HI", data[pos + 10 : pos + 16])
            width = struct.unpack("<H", data[pos + 22 : pos + 24])[0] // 8
        elif chunk == b"data":
            return data[pos + 8 : pos + 8 + min(size, len(data) - pos - 8)], rate, channels, width
        pos += 8 + size + (size & 1)
    raise ProviderError("espeak-ng's WAV has no data.")


def to_wav(pcm: bytes, rate: int, channels: int = 1, width: int = 2) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(width)
        w.setframerate(rate)
        w.writeframes(pcm)
    return out.getvalue()


def rate_and_tempo(speed: float) -> tuple[int, float]:
    """espeak's words a minute for ``speed``, and the tempo factor ffmpeg applies for the rest."""
    wpm = min(MAX_WPM, max(MIN_WPM, round(BASE_WPM * speed)))
    return wpm, speed * BASE_WPM / wpm


def atempo_filter(tempo: float) -> str:
    """An ffmpeg ``atempo`` chain (each step takes 0.5-2.0)."""
    steps = []
    while tempo > 2.0:
        steps.append(2.0)
        tempo /= 2.0
    while tempo < 0.5:
        steps.append(0.5)
        tempo /= 0.5
    steps.append(tempo)
    return ",".join(f"atempo={s:.6f}" for s in steps)


async def _run(args: list[str], stdin: bytes, what: str) -> bytes:
    process = await asyncio.create_subprocess_exec(
        *args, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    try:
        out, err = await asyncio.wait_for(process.communicate(stdin), TIMEOUT)
    except BaseException:  # timeout or cancellation: do not leave the process behind
        if process.returncode is None:
            process.kill()
            await process.wait()
        raise
    if process.returncode != 0:
        message = err.decode("utf-8", "replace").strip()[:300]
        if what == "espeak-ng" and "voice does not exist" in message:
            raise InvalidRequestError(f"Unknown voice: {message}", param="voice")
        raise ProviderError(f"{what} failed ({process.returncode}): {message}")
    return out


async def transcode(data: bytes, response_format: str) -> bytes:
    """Any audio ffmpeg reads, in one of the speech formats (mono; 24 kHz for pcm and wav)."""
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        raise ProviderNotWorkingError(f"Converting audio to {response_format} needs ffmpeg.")
    args = [ffmpeg, "-hide_banner", "-loglevel", "error", "-i", "pipe:0", "-ac", "1", "-ar", str(PCM_RATE)]
    out = await _run([*args, *FFMPEG_OUTPUT[response_format], "pipe:1"], data, "ffmpeg")
    return to_wav(out, PCM_RATE) if response_format == "wav" else out


class LocalSpeech(AsyncGeneratorProvider, ProviderModelMixin):
    label = "Local speech (espeak-ng)"
    url = "https://github.com/espeak-ng/espeak-ng"
    description = "Text to speech in-process with espeak-ng; ffmpeg for mp3, opus, aac, flac and pcm."
    working = shutil.which("espeak-ng") is not None
    local = True
    needs_auth = False
    supports_stream = False
    default_model = "tts-1"
    models: ClassVar[list[str]] = ["tts-1", "tts-1-hd", "gpt-4o-mini-tts", "espeak-ng"]
    audio_models: ClassVar[list[str]] = models
    #: OpenAI voice -> espeak-ng voice+variant.
    voices: ClassVar[dict[str, str]] = {
        "alloy": "en-us+f2",
        "ash": "en-us+m3",
        "ballad": "en-gb+m4",
        "coral": "en-us+f4",
        "echo": "en-us+m2",
        "fable": "en-gb-x-rp+m1",
        "onyx": "en-us+m7",
        "nova": "en-us+f3",
        "sage": "en-gb+f2",
        "shimmer": "en-us+f5",
        "verse": "en-us+m5",
        "marin": "en-us+f1",
        "cedar": "en-gb+m6",
    }

    @classmethod
    def espeak_voice(cls, voice: str | None) -> str:
        """The espeak-ng voice for an OpenAI voice name or an installed espeak-ng language[+variant]."""
        voice = voice or "alloy"
        if voice in cls.voices:
            return cls.voices[voice]
        languages, variants = installed_voices()
        language, _, variant = voice.partition("+")
        if language not in languages or (variant and variant not in variants):
            raise InvalidRequestError(
                f"Unknown voice {voice!r}; use one of {', '.join(cls.voices)} or an espeak-ng voice.", param="voice"
            )
        return voice

    @classmethod
    async def create_speech(
        cls,
        model: str | None = None,
        input: str = "",
        voice: str | None = "alloy",
        response_format: str = "mp3",
        speed: float = 1.0,
        **kwargs: Any,
    ) -> AudioResponse:
        """Speak ``input``; the audio in ``response_format``."""
        espeak = shutil.which("espeak-ng")
        if espeak is None:
            raise ProviderNotWorkingError(
                "LocalSpeech needs espeak-ng (apt-get install espeak-ng, or `make system-deps`)."
            )
        if response_format not in CONTENT_TYPES:
            raise InvalidRequestError(
                f"'response_format' must be one of {', '.join(CONTENT_TYPES)}.", param="response_format"
            )
        wpm, tempo = rate_and_tempo(speed or 1.0)
        # -b 1: the text is UTF-8; no -m, so markup in the text is read, not obeyed.
        wav = await _run(
            [espeak, "--stdout", "-b", "1", "-v", cls.espeak_voice(voice), "-s", str(wpm)],
            input.encode("utf-8"),
            "espeak-ng",
        )
        pcm, rate, channels, width = parse_wav(wav)
        needs_tempo = abs(tempo - 1.0) > 0.01
        if response_format == "wav" and not needs_tempo:
            return AudioResponse(to_wav(pcm, rate, channels, width), CONTENT_TYPES["wav"])
        ffmpeg = shutil.which("ffmpeg")
        if ffmpeg is None:
            raise ProviderNotWorkingError(
                f"LocalSpeech needs ffmpeg for {response_format} audio (or ask for wav at speed 1)."
            )
        args = [
            ffmpeg,
            "-hide_banner",
            "-loglevel",
            "error",
            "-f",
            "s16le",
            "-ar",
            str(rate),
            "-ac",
            str(channels),
            "-i",
            "pipe:0",
        ]
        if needs_tempo:
            args += ["-filter:a", atempo_filter(tempo)]
        out = await _run([*args, *FFMPEG_OUTPUT[response_format], "pipe:1"], pcm, "ffmpeg")
        if response_format == "wav":
            out = to_wav(out, rate, channels, width)
        return AudioResponse(out, CONTENT_TYPES[response_format])

    @classmethod
    async def create_async_generator(
        cls, model: str, messages: Messages, audio: dict | None = None, media: Any = None, **kwargs: Any
    ) -> AsyncResult:
        """Chat-shaped use: speak the last user message (``audio={"voice", "format"}`` as in OpenAI chat)."""
        if media:
            raise NotSupportedError("LocalSpeech speaks text; it does not take images or audio input.")
        text = _last_user_text(messages)
        if not text.strip():
            raise InvalidRequestError("There is no user text to speak.", param="messages")
        audio = audio or {}
        yield await cls.create_speech(
            model, text, audio.get("voice"), audio.get("format", "mp3"), kwargs.get("speed") or 1.0
        )
