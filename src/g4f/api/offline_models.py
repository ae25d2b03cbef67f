"""The offline transcription and embedding models in ``/v1/models``, each saying what it is worth."""

from __future__ import annotations

from typing import Any

from ..Provider.LocalEmbeddings import LocalEmbeddings
from ..Provider.LocalTranscription import LocalTranscription
from .readiness import availability


def offline_models(problems: dict[str, Any], ignored: Any = ()) -> list[dict[str, Any]]:
    """Model entries (OpenAI's shape plus ``provider``, ``kind``, ``description``, availability)."""
    entries = []
    transcription = LocalTranscription
    entries.append(
        _entry("pocketsphinx", "CMU Sphinx", "LocalTranscription", "transcription", transcription.description)
    )
    embedder = LocalEmbeddings
    from ..local.embeddings import FALLBACK_MODEL

    for name in embedder.get_embeddings_models():
        fallback = name == FALLBACK_MODEL
        entries.append(
            _entry(
                name,
                "HuggingFace" if fallback else "local",
                "LocalEmbeddings",
                "embedding",
                "Mean-pooled SmolLM2-135M chat model: a low-quality fallback embedding, used when no "
                "embedding model is in G4F_MODELS_DIR; use text-embedding-3-small (OPENAI_API_KEY) or a "
                "GGUF embedding model for search."
                if fallback
                else "GGUF embedding model from G4F_MODELS_DIR (llama.cpp, offline).",
            )
        )
    for entry in entries:
        entry.update(availability([entry["provider"]], problems, ignored))
    return entries


def _entry(name: str, owner: str, provider: str, kind: str, description: str) -> dict[str, Any]:
    return {
        "id": name,
        "object": "model",
        "created": 0,
        "owned_by": owner,
        "image": False,
        "vision": False,
        "provider": provider,
        "kind": kind,
        "description": description,
    }


__all__ = ["offline_models"]
