"""The shared shape of OpenAI-compatible servers run on this machine (Ollama, LM Studio, llama.cpp, vLLM)."""

from __future__ import annotations

from typing import Any

from ..providers.openai_compat import OpenaiTemplate


class LocalServer(OpenaiTemplate):
    """Keyless, tried first; a server that is not running refuses the connection at once (retryable)."""

    local = True
    needs_auth = False
    working = True
    # CPU generation and model loading are slow: wait longer than for a cloud API (first bytes of a
    # stream, or a whole answer; the caller's ``timeout`` wins).
    timeout = 600.0

    @classmethod
    def get_model(cls, model: str | None, **kwargs: Any) -> str:
        return cls.model_aliases.get(model or "", model or cls.default_model or "")
