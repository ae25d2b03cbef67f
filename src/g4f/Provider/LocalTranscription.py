"""``LocalTranscription``: speech to text with no network, on pocketsphinx (and ffmpeg to decode).

pocketsphinx's wheel ships a US-English acoustic model, language model and dictionary, so nothing
is downloaded. Its accuracy is modest (about half the words of clean human speech); the keyed
providers (OpenaiAPI's whisper-1 / gpt-4o-transcribe, Groq's whisper-large-v3) do much better and
are tried first when their keys are set. ffmpeg turns any upload it reads (wav, mp3, m4a, ogg,
webm, flac, ...) into 16 kHz mono PCM; the decoder is loaded once, lazily, and runs in a worker
thread, one utterance at a time (a pocketsphinx decoder is not thread-safe).
"""

from __future__ import annotations

import asyncio
import importlib.util
import shutil
import threading
from functools import cache
from typing import Any, ClassVar

from ..errors import InvalidRequestError, ProviderNotWorkingError
from ..providers.base_provider import AsyncGeneratorProvider, ProviderModelMixin
from ..typing import AsyncResult, Messages

SAMPLE_RATE = 16000
TIMEOUT = 120.0
#: A pause at least this long (seconds) starts a new segment in verbose_json, srt and vtt.
SEGMENT_PAUSE = 0.3
MAX_SEGMENT_WORDS = 16
FORMATS = ("json", "text", "srt", "vtt", "verbose_json")
NOT_WORDS = frozenset({"<s>", "</s>", "<sil>", "[NOISE]", "[SPEECH]", "[BREATH]", "[COUGH]", "[UM]", "[UH]"})

_lock = threading.Lock()


@cache
def _decoder() -> Any:
    """The one pocketsphinx decoder (US English, as the wheel ships it), made on first use."""
    from pocketsphinx import Decoder

    return Decoder(samprate=SAMPLE_RATE, loglevel="FATAL")


def recognize(pcm: bytes) -> tuple[list[tuple[str, float, float, float]], float]:
    """Words of 16 kHz mono s16le ``pcm`` as (word, start s, end s, probability), and the frame rate."""
    with _lock:
        decoder = _decoder()
        decoder.start_utt()
        decoder.process_raw(pcm, full_utt=True)
        decoder.end_utt()
        frate = float(decoder.config["frate"])
        words = []
        for seg in decoder.seg():
            word = seg.word
            if word in NOT_WORDS:
                continue
            word = word.split("(", 1)[0]  # alternative pronunciations: "read(2)"
            words.append((word, seg.start_frame / frate, (seg.end_frame + 1) / frate, float(seg.prob)))
    return words, frate


def segments_of(words: list[tuple[str, float, float, float]]) -> list[list[tuple[str, float, float, float]]]:
    """Words grouped into segments at pauses (and at most MAX_SEGMENT_WORDS each)."""
    groups: list[list[tuple[str, float, float, float]]] = []
    for word in words:
        if groups and word[1] - groups[-1][-1][2] < SEGMENT_PAUSE and len(groups[-1]) < MAX_SEGMENT_WORDS:
            groups[-1].append(word)
        else:
            groups.append([word])
    return groups


def _timestamp(seconds: float, separator: str) -> str:
    millis = round(seconds * 1000)
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    secs, millis = divmod(millis, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{separator}{millis:03d}"


def subtitles(segments: list[dict[str, Any]], kind: str) -> str:
    """The segments as SRT or WebVTT."""
    separator = "," if kind == "srt" else "."
    blocks = []
    for i, seg in enumerate(segments, 1):
        times = f"{_timestamp(seg['start'], separator)} --> {_timestamp(seg['end'], separator)}"
        blocks.append(f"{i}\n{times}\n{seg['text'].strip()}" if kind == "srt" else f"{times}\n{seg['text'].strip()}")
    body = "\n\n".join(blocks)
    return (body + "\n" if body else "") if kind == "srt" else "WEBVTT\n\n" + (body + "\n" if body else "")


def transcription(words: list[tuple[str, float, float, float]], duration: float, response_format: str) -> Any:
    """OpenAI's transcription answer in ``response_format`` (dict for json formats, else text)."""
    import math

    text = " ".join(w[0] for w in words)
    if response_format == "text":
        return text
    if response_format == "json":
        return {"text": text, "usage": {"type": "duration", "seconds": math.ceil(duration)}}
    segments = []
    for i, group in enumerate(segments_of(words)):
        logprob = sum(math.log(max(w[3], 1e-6)) for w in group) / len(group)
        segments.append(
            {
                "id": i,
                "seek": 0,
                "start": round(group[0][1], 2),
                "end": round(group[-1][2], 2),
                "text": " " + " ".join(w[0] for w in group),
                "tokens": [],
                "temperature": 0.0,
                "avg_logprob": round(logprob, 4),
                "compression_ratio": 1.0,
                "no_speech_prob": 0.0,
            }
        )
    if response_format in ("srt", "vtt"):
        return subtitles(segments, response_format)
    return {
        "task": "transcribe",
        "language": "english",
        "duration": round(duration, 2),
        "text": text,
        "segments": segments,
        "words": [{"word": w[0], "start": round(w[1], 2), "end": round(w[2], 2)} for w in words],
        "usage": {"type": "duration", "seconds": math.ceil(duration)},
    }


async def decode_audio(data: bytes) -> bytes:
    """Any audio or video file ffmpeg reads as 16 kHz mono s16le PCM; unreadable input is the client's error.

    The upload goes through a temporary file, not a pipe: an MP4/M4A with its index at the end (as
    phones record them) can only be read by seeking.
    """
    import tempfile

    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        raise ProviderNotWorkingError("LocalTranscription needs ffmpeg (apt-get install ffmpeg).")
    with tempfile.NamedTemporaryFile(prefix="g4f-audio-") as upload:
        upload.write(data)
        upload.flush()
        args = [ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "error", "-i", upload.name, "-vn", "-ac", "1"]
        args += ["-ar", str(SAMPLE_RATE), "-f", "s16le", "pipe:1"]
        process = await asyncio.create_subprocess_exec(
            *args, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
        )
        try:
            out, err = await asyncio.wait_for(process.communicate(), TIMEOUT)
        except BaseException:  # timeout or cancellation: do not leave ffmpeg behind
            if process.returncode is None:
                process.kill()
                await process.wait()
            raise
    if process.returncode != 0 or not out:
        reason = err.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no audio stream"]
        reason = [reason[0].replace(upload.name, "file")]
        raise InvalidRequestError(f"The file could not be decoded as audio: {reason[0][:200]}", param="file")
    return out


class LocalTranscription(AsyncGeneratorProvider, ProviderModelMixin):
    label = "Local transcription (pocketsphinx)"
    url = "https://github.com/cmusphinx/pocketsphinx"
    description = (
        "Offline US-English speech to text with pocketsphinx; modest accuracy (about half the words of "
        "clean speech). OpenaiAPI (whisper-1, gpt-4o-transcribe) and Groq (whisper-large-v3) do much better."
    )
    working = importlib.util.find_spec("pocketsphinx") is not None and shutil.which("ffmpeg") is not None
    local = True
    needs_auth = False
    supports_stream = False
    default_model = "pocketsphinx"
    models: ClassVar[list[str]] = ["pocketsphinx"]
    audio_models: ClassVar[list[str]] = models
    transcription_models: ClassVar[list[str]] = models

    @classmethod
    async def create_transcription(
        cls,
        file: Any,
        model: str | None = None,
        language: str | None = None,
        prompt: str | None = None,
        response_format: str | None = "json",
        temperature: float | None = None,
        **kwargs: Any,
    ) -> Any:
        """Transcribe ``file`` (bytes, or ``(bytes, filename)``); the answer in ``response_format``."""
        if importlib.util.find_spec("pocketsphinx") is None:
            raise ProviderNotWorkingError("LocalTranscription needs pocketsphinx (pip install 'g4f[local]').")
        response_format = response_format or "json"
        if response_format not in FORMATS:
            raise InvalidRequestError(
                f"'response_format' must be one of {', '.join(FORMATS)}.", param="response_format"
            )
        if language and language.lower().split("-")[0] not in ("en", "english"):
            raise InvalidRequestError(
                f"LocalTranscription understands English only, not {language!r}; set an OPENAI_API_KEY or "
                "GROQ_API_KEY for other languages.",
                param="language",
            )
        data = file[0] if isinstance(file, tuple) else file
        if not isinstance(data, (bytes, bytearray)):
            from ..audio import read_audio

            data = read_audio(data)[0]
        pcm = await decode_audio(bytes(data))
        words, _ = await asyncio.to_thread(recognize, pcm)
        return transcription(words, len(pcm) / (2 * SAMPLE_RATE), response_format)

    @classmethod
    async def create_async_generator(
        cls, model: str, messages: Messages, media: Any = None, **kwargs: Any
    ) -> AsyncResult:
        """Chat-shaped use: the transcript of the first audio attached to the messages."""
        if not media:
            raise InvalidRequestError("Attach an audio file to transcribe.", param="messages")
        first = media[0]
        result = await cls.create_transcription(first, model, response_format="text")
        yield result


__all__ = ["LocalTranscription", "recognize", "transcription", "decode_audio"]
