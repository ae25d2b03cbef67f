"""The engine's settings, read from ``g4f.config`` when a model loads."""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class EngineSettings:
    #: Tokens of context of each sequence (its prompt and answer together); every slot has its own.
    n_ctx: int = 4096
    #: Sequences decoded together; requests beyond them wait in arrival order.
    parallel: int = 4
    #: CPU threads for llama.cpp (0: chosen step by step, every core or half of them: see threadcount.py).
    threads: int = 0
    #: Output limit when a request gives no ``max_tokens``: a chat answer, never a runaway.
    max_tokens: int = 512

    @classmethod
    def current(cls) -> EngineSettings:
        """The settings now (``g4f.config``: G4F_LOCAL_* variables, the settings file, ``--local-parallel``)."""
        from .. import config

        return cls(
            n_ctx=max(64, int(config.get("local_n_ctx"))),
            parallel=max(1, int(config.get("local_parallel"))),
            threads=max(0, int(config.get("local_threads"))),
            max_tokens=max(1, int(config.get("local_max_tokens"))),
        )

    @property
    def n_threads(self) -> int:
        return self.threads or max(1, os.cpu_count() or 1)
