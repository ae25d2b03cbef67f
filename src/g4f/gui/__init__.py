"""The web chat page: static files only, served by the REST server (``g4f api --gui``, ``g4f gui``).

The page talks to the server through the public REST API, like any other client.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

STATIC_DIR: Path = Path(__file__).parent / "static"


def run_gui(host: str = "127.0.0.1", port: int = 8080, debug: bool = False, **settings: Any) -> None:
    """gpt4free's ``from g4f.gui import run_gui``: the REST server with the page switched on."""
    from ..api.server import run_api

    run_api(host=host, port=port, debug=debug, gui=True, **settings)


__all__ = ["STATIC_DIR", "run_gui"]
