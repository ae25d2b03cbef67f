"""Runs the real REST server with the GUI for the browser tests: ``python tests/gui/serve.py PORT``.

Every provider that would reach the network is ignored, so routing only ever picks the embedded
model (Local) or OpenaiAPI, whose base URL the test points at a fake upstream (OPENAIAPI_API_BASE).
Kept besides, to show what they lack: Anthropic, with no key; the local servers, whose addresses
conftest.py fixes (LlamaCppServer's is this server's own, so choosing it is refused); Custom, with no
base URL. None of them serves a model the other tests route to.
"""

from __future__ import annotations

import sys

import uvicorn

from g4f import Provider
from g4f.api import AppConfig, create_app

KEEP = {"Local", "OpenaiAPI", "Anthropic", "LlamaCppServer", "LMStudio", "Ollama", "VLLM", "Custom"}


def main(port: int, api_key: str | None = None) -> None:
    ignored = [name for name in Provider.names() if name not in KEEP]
    AppConfig.set_config(gui=True, ignored_providers=ignored, g4f_api_key=api_key or None)
    uvicorn.run(create_app(), host="127.0.0.1", port=port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2] if len(sys.argv) > 2 else None)
