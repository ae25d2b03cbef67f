"""The command line: ``g4f "prompt"`` chats, ``g4f api`` serves the REST API, ``g4f gui`` the web page,
``g4f models`` / ``g4f providers`` list what the server lists, ``g4f --version`` says which g4f."""

from __future__ import annotations

import sys

from .chat import main as chat_main


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "api":
        from .api import main as api_main

        return api_main(argv[1:])
    if argv and argv[0] == "gui":
        from .api import gui_main

        return gui_main(argv[1:])
    if argv and argv[0] in ("models", "providers"):
        from .catalog import main as catalog_main

        return catalog_main(argv[0], argv[1:])
    if argv and argv[0] in ("--version", "-V"):
        from ..version import __version__

        print(f"g4f {__version__}")
        return 0
    if argv and argv[0] == "chat":
        argv = argv[1:]
    return chat_main(argv)


__all__ = ["main"]
