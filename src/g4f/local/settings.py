"""The engine's settings, read from the environment when a model loads (one place, so the
configuration module can feed them later)."""

from __future__ import annotations

import os
from dataclasses import dataclass


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    try:
        return int(value) if value else default
    except ValueError:
        raise ValueError(f"{name} must be a whole number, not {value!r}") from None


@dataclass(frozen=True)
class EngineSettings:
    #: Tokens of context of each sequence (its prompt and answer together); every slot has its own.
    n_ctx: int = 4096
    #: Sequences decoded together; requests beyond them wait in arrival order.
    parallel: int = 4
    #: CPU threads for llama.cpp (0: every core).
    threads: int = 0
    #: Output limit when a request gives no ``max_tokens``: a chat answer, never a runaway.
    max_tokens: int = 512

    @classmethod
    def from_env(cls) -> EngineSettings:
        return cls(
            n_ctx=max(64, _int("G4F_LOCAL_N_CTX", cls.n_ctx)),
            parallel=max(1, _int("G4F_LOCAL_PARALLEL", cls.parallel)),
            threads=max(0, _int("G4F_LOCAL_THREADS", cls.threads)),
            max_tokens=max(1, _int("G4F_LOCAL_MAX_TOKENS", cls.max_tokens)),
        )

    @property
    def n_threads(self) -> int:
        return self.threads or max(1, os.cpu_count() or 1)
