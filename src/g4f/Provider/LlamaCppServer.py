"""llama.cpp's ``llama-server`` (github.com/ggml-org/llama.cpp), OpenAI-compatible, one model per server."""

from __future__ import annotations

from ._local_server import LocalServer


class LlamaCppServer(LocalServer):
    label = "llama.cpp server"
    url = "https://github.com/ggml-org/llama.cpp"
    api_base = "http://127.0.0.1:8080/v1"
    # llama-server continues a final assistant message (its assistant prefill, on by default).
    continuation_style = "final_message"
