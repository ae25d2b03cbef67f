"""The sync bridge, kept importable here (it lives in ``g4f.bridge``, below the provider framework)."""

from __future__ import annotations

from ..bridge import get_loop, iterate_sync, run_sync

__all__ = ["get_loop", "run_sync", "iterate_sync"]
