"""``g4f api`` (the REST server) and ``g4f gui`` (the same server with the web page)."""

from __future__ import annotations

import argparse
import os


def _list(values: list[str] | None) -> list[str]:
    """Names given space- or comma-separated."""
    return [v for value in values or [] for v in value.replace(",", " ").split() if v]


def build_parser(prog: str = "g4f api", default_port: int = 1337) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=prog, description="Serve the OpenAI-compatible API (and with --gui the web page).")
    p.add_argument(
        "--host", "--bind", dest="bind", default=None, help="address to listen on, or host:port (default 127.0.0.1)"
    )
    p.add_argument("--port", type=int, default=None, help=f"port (default {default_port})")
    p.add_argument("--debug", action="store_true", help="verbose logs")
    p.add_argument("--gui", action="store_true", help="serve the web page at /chat/")
    p.add_argument("--g4f-api-key", default=None, help="require this key on /v1 and /api (default: $G4F_API_KEY)")
    p.add_argument("--provider", default=None, help="default provider")
    p.add_argument("--model", default=None, help="default model")
    p.add_argument(
        "--media-provider",
        "--image-provider",
        dest="media_provider",
        default=None,
        help="default provider for images and audio",
    )
    p.add_argument("--proxy", default=None, help="proxy for outbound requests (default: $G4F_PROXY)")
    p.add_argument("--timeout", type=float, default=None, help="seconds for an answer or a stream's first chunk")
    p.add_argument("--stream-timeout", type=float, default=None, help="seconds allowed between two stream chunks")
    p.add_argument("--graceful-timeout", type=float, default=None, help="seconds streams get to end at shutdown (30)")
    p.add_argument("--ignored-providers", nargs="+", default=None, help="providers never to use")
    p.add_argument("--workers", type=int, default=None, help="worker processes")
    p.add_argument("--cookies-dir", default=None, help="folder of cookie, HAR and .env key files")
    p.add_argument("--demo", action="store_true", help="demo mode: no per-request keys, proxies, bases or uploads")
    p.add_argument("--ssl-keyfile", default=None)
    p.add_argument("--ssl-certfile", default=None)
    p.add_argument(
        "--access-log",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="log each request (default: only with --debug)",
    )
    p.add_argument("--cors-origins", nargs="+", default=None, help="origins allowed to call from a browser, or '*'")
    p.add_argument("--allow-api-base", action="store_true", help="accept a per-request api_base")
    p.add_argument(
        "--state",
        dest="state_url",
        default=None,
        help="state store: memory:// (default), sqlite:///path or redis://host:port/db",
    )
    p.add_argument("--rate-limit", type=int, default=None, help="requests per minute and client (default unlimited)")
    return p


def main(argv: list[str] | None = None, *, prog: str = "g4f api", default_port: int = 1337, gui: bool = False) -> int:
    args = build_parser(prog, default_port).parse_args(argv)
    host, port = args.bind or "127.0.0.1", args.port
    if args.bind and args.bind.count(":") == 1:  # host:port (an IPv6 address has several colons)
        host, _, bound_port = args.bind.partition(":")
        port = port or int(bound_port)
    if args.cookies_dir:
        os.environ["G4F_COOKIES_DIR"] = os.path.abspath(args.cookies_dir)  # workers inherit it
    settings = {
        "g4f_api_key": args.g4f_api_key,
        "provider": args.provider,
        "model": args.model,
        "media_provider": args.media_provider,
        "proxy": args.proxy,
        "timeout": args.timeout,
        "stream_timeout": args.stream_timeout,
        "graceful_timeout": args.graceful_timeout,
        "cookies_dir": args.cookies_dir,
        "state_url": args.state_url,
        "rate_limit": args.rate_limit,
        "ignored_providers": _list(args.ignored_providers) or None,
        "cors_origins": _list(args.cors_origins) or None,
    }
    settings = {k: v for k, v in settings.items() if v is not None}
    for flag in ("gui", "demo", "allow_api_base", "debug"):
        if getattr(args, flag) or (flag == "gui" and gui):
            settings[flag] = True

    from ..api import run_api

    try:
        run_api(
            host=host or "127.0.0.1",
            port=port or default_port,
            workers=args.workers,
            ssl_keyfile=args.ssl_keyfile,
            ssl_certfile=args.ssl_certfile,
            access_log=args.access_log,
            **settings,
        )
    except KeyboardInterrupt:
        return 130
    return 0


def gui_main(argv: list[str] | None = None) -> int:
    """``g4f gui``: the API with the web page, on port 8080 unless told otherwise."""
    return main(argv, prog="g4f gui", default_port=8080, gui=True)


__all__ = ["main", "gui_main", "build_parser"]
