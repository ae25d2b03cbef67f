"""The web chat page: static files only, served by the REST server (``g4f api --gui``).

The page talks to the server through the public REST API, like any other client.
"""

from __future__ import annotations

from pathlib import Path

STATIC_DIR: Path = Path(__file__).parent / "static"


def run_gui(host: str = "127.0.0.1", port: int = 8080, debug: bool = False, **kwargs) -> None:
    """Serve the chat page on its own (``g4f gui --port 8080``): the REST server with the GUI switched on."""
    from ..api import AppConfig, run_api

    AppConfig.set_config(gui=True, **kwargs)
    run_api(host=host, port=port, debug=debug)


__all__ = ["STATIC_DIR", "run_gui"]
