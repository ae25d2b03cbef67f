"""Decoding helpers for the audio tests: durations read from the audio itself."""

from __future__ import annotations

import io
import json
import subprocess
import wave


def wav_seconds(data: bytes) -> float:
    with wave.open(io.BytesIO(data)) as w:
        assert w.getnchannels() == 1 and w.getsampwidth() == 2
        return w.getnframes() / w.getframerate()


def probe_seconds(data: bytes, fmt: str | None = None) -> float:
    """The duration ffprobe decodes (it reads the whole stream, so a broken file fails here)."""
    args = ["ffprobe", "-v", "error", "-show_entries", "format=duration:stream=codec_name", "-of", "json"]
    if fmt:
        args += ["-f", fmt]
    out = subprocess.run([*args, "-i", "pipe:0"], input=data, capture_output=True, check=True, timeout=30)
    info = json.loads(out.stdout)
    decoded = subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            *(["-f", fmt] if fmt else []),
            "-i",
            "pipe:0",
            "-f",
            "s16le",
            "-ac",
            "1",
            "-ar",
            "16000",
            "pipe:1",
        ],
        input=data,
        capture_output=True,
        check=True,
        timeout=30,
    )
    seconds = len(decoded.stdout) / 2 / 16000
    assert seconds > 0, info
    return seconds
