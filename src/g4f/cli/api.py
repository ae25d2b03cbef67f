"""``g4f api`` (the REST server) and ``g4f gui`` (the same server with the web page).

The flags are ``g4f.config``'s settings that have one: each flag wins over the settings file and
the environment (``--timeout`` over ``G4F_TIMEOUT``), and ``g4f api --help`` lists them all.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from .. import config
from ..config import ConfigError

_GROUPS = {"server": "server", "process": "process", "library": "library and server", "local": "embedded engine"}


def _list(values: list[str] | None) -> list[str] | None:
    """Names given space- or comma-separated."""
    if values is None:
        return None
    return [v for value in values for v in value.replace(",", " ").split() if v]


def _add(group: Any, setting: config.Setting) -> None:
    options: dict[str, Any] = {"dest": setting.name, "default": None, "help": f"{setting.help} (${setting.env})"}
    if setting.base is not bool:
        options["metavar"] = setting.name.rsplit("_", 1)[-1].upper()  # KEY, URL, DIR, SIZE, ...
    if setting.base is bool:
        options["action"] = argparse.BooleanOptionalAction
    elif setting.base is list:
        options["nargs"] = "+"
    elif setting.base in (int, float):
        options["type"] = setting.base
    group.add_argument(*setting.flags, **options)


def build_parser(prog: str = "g4f api", default_port: int = 1337) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog=prog,
        description="Serve the OpenAI-compatible API (and with --gui the web page). Each flag overrides "
        "its G4F_* environment variable and the settings file.",
    )
    groups = {name: p.add_argument_group(title) for name, title in _GROUPS.items()}
    for setting in config.SETTINGS.values():
        if setting.flags and setting.group in groups:
            _add(groups[setting.group], setting)
    return p


def _flags(args: argparse.Namespace) -> dict[str, Any]:
    """The settings given on the command line (flags not given are None and left out)."""
    given = {n: getattr(args, n) for n in config.names() if getattr(args, n, None) is not None}
    for name, value in given.items():
        if config.SETTINGS[name].base is list:
            given[name] = _list(value)
    return given


def main(argv: list[str] | None = None, *, prog: str = "g4f api", default_port: int = 1337, gui: bool = False) -> int:
    parser = build_parser(prog, default_port)
    given = _flags(parser.parse_args(argv))
    bind = given.get("host")
    if bind and bind.count(":") == 1:  # --bind host:port (an IPv6 address has several colons)
        given["host"], _, bound_port = bind.partition(":")
        given.setdefault("port", int(bound_port))
    if gui:
        given.setdefault("gui", True)
    try:
        config.configure(**given)  # the library reads them too (cookies and media folders, proxy, ...)
        settings = config.load()
        from ..api.config import check_startup

        check_startup(settings, settings.workers)
    except ConfigError as error:  # a bad variable, file or combination: the reason, not the usage
        print(f"{prog}: error: {error}", file=sys.stderr)
        return 2

    from ..api import run_api

    run = {"host", "port", "workers", "ssl_keyfile", "ssl_certfile", "access_log", "debug", "graceful_timeout"}
    app_settings = {k: v for k, v in given.items() if k not in run}
    try:
        run_api(
            host=settings.host,
            port=settings.port or default_port,
            debug=settings.debug,
            workers=settings.workers,
            ssl_keyfile=settings.ssl_keyfile,
            ssl_certfile=settings.ssl_certfile,
            access_log=settings.access_log,
            graceful_timeout=settings.graceful_timeout,
            **app_settings,
        )
    except ConfigError as error:
        print(f"{prog}: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return 0


def gui_main(argv: list[str] | None = None) -> int:
    """``g4f gui``: the API with the web page, on port 8080 unless told otherwise."""
    return main(argv, prog="g4f gui", default_port=8080, gui=True)


__all__ = ["main", "gui_main", "build_parser"]
