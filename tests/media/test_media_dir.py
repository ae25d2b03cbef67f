"""The media directory: names, saving, and the safe lookup that serving relies on."""

from __future__ import annotations

import os
import re

import pytest

from g4f import media
from tests.fakes.media_server import make_png, make_wav


def test_media_dir_follows_env(tmp_path, monkeypatch):
    monkeypatch.setenv("G4F_MEDIA_DIR", str(tmp_path / "elsewhere"))
    assert media.get_media_dir() == tmp_path / "elsewhere"
    monkeypatch.delenv("G4F_MEDIA_DIR")
    assert media.get_media_dir().name == "media" and "g4f" in str(media.get_media_dir())


def test_save_names_and_content_types():
    png, wav = make_png(), make_wav(0.05)
    name = media.save_media(png)
    assert re.fullmatch(r"\d{10}_[0-9a-f]{32}\.png", name)
    assert (media.get_media_dir() / name).read_bytes() == png
    assert media.save_media(wav).endswith(".wav")
    assert media.save_media(b"\xff\xd8\xff\xe0rest").endswith(".jpg")
    assert media.save_media(b"????", "audio/mpeg").endswith(".mp3")  # unknown bytes: the declared type
    assert media.media_url(name) == f"/media/{name}"
    assert media.content_type_for(name) == "image/png"
    assert media.content_type_for("x.mp3") == "audio/mpeg"
    assert media.content_type_for("x.exe") == "application/octet-stream"
    assert not [p for p in os.listdir(media.get_media_dir()) if p.endswith(".part")]


def test_resolve_finds_saved_file():
    name = media.save_media(make_png())
    assert media.resolve_media_path(name) == (media.get_media_dir() / name).resolve()
    assert media.resolve_media_path(name.replace("_", "%5F")) is not None  # encoded, but harmless


@pytest.mark.parametrize(
    "attack",
    [
        "../secret.txt",
        "..%2fsecret.txt",
        "..%2Fsecret.txt",
        "%2e%2e%2fsecret.txt",
        "%252e%252e%252fsecret.txt",
        "..\\secret.txt",
        "..%5csecret.txt",
        "/etc/passwd",
        "%2fetc%2fpasswd",
        "....//secret.txt",
        "..",
        ".",
        "",
        "secret.txt%00.png",
        "sub/inner.png",
        "%2525252e%2525252e%2525252fsecret.txt",
        ".hidden.png",
    ],
)
def test_resolve_refuses_traversal(attack, tmp_path):
    root = media.get_media_dir()
    root.mkdir(parents=True, exist_ok=True)
    (root.parent / "secret.txt").write_text("secret")
    (root / "sub").mkdir(exist_ok=True)
    (root / "sub" / "inner.png").write_bytes(make_png())
    (root / ".hidden.png").write_bytes(make_png())
    assert media.resolve_media_path(attack) is None


def test_resolve_refuses_symlink_out_and_missing(tmp_path):
    root = media.get_media_dir()
    root.mkdir(parents=True, exist_ok=True)
    outside = tmp_path / "outside.png"
    outside.write_bytes(make_png())
    (root / "link.png").symlink_to(outside)
    assert media.resolve_media_path("link.png") is None
    assert media.resolve_media_path("1700000000_missing.png") is None
    (root / "dir.png").mkdir()
    assert media.resolve_media_path("dir.png") is None


def test_sniff_type():
    assert media.sniff_type(make_png()) == "image/png"
    assert media.sniff_type(make_wav(0.01)) == "audio/wav"
    assert media.sniff_type(b"RIFF\0\0\0\0WEBPVP8 ") == "image/webp"
    assert media.sniff_type(b"GIF89a....") == "image/gif"
    assert media.sniff_type(b"ID3\x04rest") == "audio/mpeg"
    assert media.sniff_type(b"<html>") is None
