"""One settings object for the library, the server and the CLI.

Every setting has a name (``timeout``), an environment variable (``G4F_TIMEOUT``) and, where a
command line needs it, a flag (``--timeout``). Values come from, later winning:

1. the default below;
2. the environment, ``G4F_*``;
3. the settings file: TOML with setting names as keys, at ``--config`` / ``G4F_CONFIG``, else
   ``settings.toml`` in the user's g4f config directory when it exists;
4. CLI flags and ``configure(...)`` (``AppConfig.set_config(...)``): the process's own choices,
   handed to worker processes through ``G4F_API_CONFIG``.

``create_app({...})`` applies its dict on top, for that app only. ``load()`` gives a snapshot of
every setting; ``get(name)`` one current value, for library code that reads it per call.

Provider credentials keep their own names (``GROQ_API_KEY``, ``<NAME>_API_BASE``, ``OLLAMA_HOST``):
``provider_env(name)`` reads them from the environment, else from the cookies directory's ``.env``.
"""

from __future__ import annotations

import os
import sys
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

from .config_values import ConfigError, Setting, check_value, parse_text, table
from .environment import env, provider_env

MiB = 1024 * 1024
#: Environment variable through which a parent process hands its chosen settings to workers.
CONFIG_ENV = "G4F_API_CONFIG"
#: File name of the settings file in the user's g4f config directory.
SETTINGS_FILE = "settings.toml"


def _setting(
    default: Any = None,
    help: str = "",
    *,
    flags: tuple[str, ...] = (),
    env: str | None = None,
    group: str = "server",
    secret: bool = False,
    shown_default: str | None = None,
) -> Any:
    """A setting: ``flags`` on the command line (none: environment and file only); ``group`` for the docs."""
    return _Declared(default, help, flags, env, group, secret, shown_default)


class _Declared(NamedTuple):
    default: Any
    help: str
    flags: tuple[str, ...]
    env: str | None
    group: str
    secret: bool
    shown_default: str | None


class Settings:
    """Every setting of g4f, with its default. Read ``load()`` or ``get(name)``; don't build directly.

    A plain class rather than a dataclass: building one with fifty fields costs more at import."""

    # --- the API server (``g4f api``, ``create_app``, gunicorn) ------------------------------------
    g4f_api_key: str | None = _setting(
        None,
        "key clients must send (`Authorization: Bearer KEY`) on /v1 and /api",
        flags=("--g4f-api-key",),
        env="G4F_API_KEY",
        secret=True,
    )
    provider: str | None = _setting(None, "default provider of the server", flags=("--provider",))
    model: str | None = _setting(None, "default model of the server", flags=("--model",))
    media_provider: str | None = _setting(
        None, "default provider for images and audio", flags=("--media-provider", "--image-provider")
    )
    timeout: float = _setting(
        600.0, "seconds for a whole answer, or for a stream's first part (per attempt)", flags=("--timeout",)
    )
    stream_timeout: float | None = _setting(
        None, "seconds allowed between two parts of a stream", flags=("--stream-timeout",), shown_default="timeout"
    )
    ignored_providers: list[str] = _setting(
        [], "providers never used (comma-separated)", flags=("--ignored-providers",)
    )
    breaker_failures: int = _setting(3, "consecutive failures that open a provider's breaker")
    breaker_failure_rate: float = _setting(0.5, "share of failed attempts in the window that opens a breaker")
    breaker_min_attempts: int = _setting(10, "attempts in the window before the failure rate counts")
    breaker_window: float = _setting(60.0, "seconds of attempts the failure rate looks at")
    breaker_cooldown: float = _setting(10.0, "seconds an open breaker waits before its first probe")
    breaker_max_cooldown: float = _setting(300.0, "longest cooldown, doubling after each failed probe")
    gui: bool = _setting(False, "serve the web page at /chat/", flags=("--gui",))
    demo: bool = _setting(False, "demo mode: no per-request keys, proxies, API bases or uploads", flags=("--demo",))
    allow_api_base: bool = _setting(False, "accept a per-request `api_base`", flags=("--allow-api-base",))
    allow_proxy: bool = _setting(
        False, "accept a per-request `proxy` (only the request's own key goes through it)", flags=("--allow-proxy",)
    )
    api_keys: str | None = _setting(
        None, "JSON file of API keys, each with its own rate limit and models", flags=("--api-keys",)
    )
    forwarded_allow_ips: list[str] = _setting(
        [], "reverse proxies trusted for `X-Forwarded-For`", flags=("--forwarded-allow-ips",)
    )
    allowed_hosts: list[str] = _setting(
        [], "Host names a loopback server without a key answers to, besides loopback ones", flags=("--allowed-hosts",)
    )
    state_url: str = _setting(
        "memory://",
        "state store: `memory://`, `sqlite:///path` (one host, several workers) or `redis://host:port/db`",
        flags=("--state",),
    )
    rate_limit: int = _setting(0, "requests per minute and client; 0 is unlimited", flags=("--rate-limit",))
    cors_origins: list[str] = _setting([], "origins allowed to call from a browser, or `*`", flags=("--cors-origins",))
    max_body_size: int = _setting(32 * MiB, "largest JSON request body in bytes", flags=("--max-body-size",))
    max_upload_size: int = _setting(
        25 * MiB, "largest multipart upload (transcriptions) in bytes", flags=("--max-upload-size",)
    )
    max_cookie_file_size: int = _setting(5 * MiB, "largest uploaded cookie file in bytes")
    max_conversations: int = _setting(1000, "conversations kept; the oldest go first")
    max_conversation_messages: int = _setting(100, "messages kept per conversation")
    conversation_ttl: float = _setting(86400.0, "seconds a conversation is kept after its last turn")

    # --- how `g4f api` runs ------------------------------------------------------------------------
    host: str = _setting(
        "127.0.0.1", "address to listen on (`--bind host:port` too)", flags=("--host", "--bind"), group="process"
    )
    port: int | None = _setting(
        None, "port to listen on", flags=("--port",), group="process", shown_default="1337 (`g4f gui`: 8080)"
    )
    workers: int = _setting(
        1, "worker processes (several need `--state sqlite:///…` or `redis://…`)", flags=("--workers",), group="process"
    )
    ssl_keyfile: str | None = _setting(None, "TLS key file", flags=("--ssl-keyfile",), group="process")
    ssl_certfile: str | None = _setting(None, "TLS certificate file", flags=("--ssl-certfile",), group="process")
    header_timeout: float = _setting(
        10.0, "seconds for a request's head to arrive", flags=("--header-timeout",), group="process"
    )
    body_timeout: float = _setting(
        30.0, "seconds of silence allowed while a body arrives", flags=("--body-timeout",), group="process"
    )
    keep_alive_timeout: float = _setting(
        5.0, "seconds an idle keep-alive connection stays open", flags=("--keep-alive-timeout",), group="process"
    )
    max_connections_per_ip: int = _setting(
        512, "connections one address may hold open; 0: no cap", flags=("--max-connections-per-ip",), group="process"
    )
    graceful_timeout: float = _setting(
        30.0, "seconds requests in flight get to finish at shutdown", flags=("--graceful-timeout",), group="process"
    )
    access_log: bool | None = _setting(
        None, "log each request", flags=("--access-log",), group="process", shown_default="with `--debug`"
    )

    # --- library and server alike ------------------------------------------------------------------
    config: str | None = _setting(
        None,
        "settings file (TOML, setting names as keys)",
        flags=("--config",),
        group="library",
        shown_default="`settings.toml` in the user config dir, if present",
    )
    proxy: str | None = _setting(None, "proxy for outbound requests", flags=("--proxy",), group="library")
    debug: bool = _setting(False, "verbose logs", flags=("--debug",), group="library")
    cookies_dir: str | None = _setting(
        None,
        "folder of cookie, HAR and `.env` key files, and `config.yaml`",
        flags=("--cookies-dir",),
        group="library",
        shown_default="`cookies` in the user config dir",
    )
    media_dir: str | None = _setting(
        None,
        "folder where generated images and audio are saved",
        flags=("--media-dir",),
        group="library",
        shown_default="`media` in the user data dir",
    )
    routes_file: str | None = _setting(
        None,
        "custom model routes (gpt4free's `config.yaml` format)",
        flags=("--routes-file",),
        group="library",
        shown_default="`config.yaml` in the cookies dir",
    )
    max_image_size: int = _setting(20 * MiB, "largest image or media input in bytes", group="library")
    max_audio_upload: int = _setting(25 * MiB, "largest audio file to transcribe in bytes", group="library")
    allow_private_urls: bool = _setting(False, "let image URLs point at private or loopback addresses", group="library")

    # --- the embedded engine (`Local`) -------------------------------------------------------------
    models_dir: str | None = _setting(
        None, "folder searched for GGUF models", group="local", shown_default="`models` in the user data dir"
    )
    local_n_ctx: int = _setting(4096, "context length of the embedded engine in tokens", group="local")
    local_threads: int = _setting(
        0, "CPU threads of the embedded engine; 0: chosen per step (every core, or half when busy)", group="local"
    )
    local_parallel: int = _setting(
        4,
        "sequences the embedded engine decodes together; more requests wait",
        flags=("--local-parallel",),
        group="local",
    )
    local_max_tokens: int = _setting(512, "output limit of the embedded engine when a request sets none", group="local")
    local_extra_bufts: bool = _setting(False, "keep llama.cpp's extra CPU buffer types on AMX CPUs", group="local")

    def __init__(self, **values: Any) -> None:
        for name, setting in SETTINGS.items():
            value = values.get(name, setting.default)
            setattr(self, name, list(value) if isinstance(value, list) else value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Settings) and self.to_dict() == other.to_dict()

    def to_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in names()}

    def __repr__(self) -> str:  # never shows a secret
        shown = {n: ("***" if getattr(self, n) and SETTINGS[n].secret else getattr(self, n)) for n in names()}
        return f"{type(self).__name__}({shown})"


def _registry() -> dict[str, Setting]:
    """The declarations of ``Settings``, in order; its class attributes become the plain defaults."""
    hints = typing.get_type_hints(Settings)
    result = {}
    for name, declared in list(vars(Settings).items()):
        if isinstance(declared, _Declared):
            env = declared.env or "G4F_" + name.upper()
            result[name] = Setting(
                name,
                hints[name],
                declared.default,
                env,
                declared.flags,
                declared.help,
                declared.group,
                declared.secret,
                declared.shown_default,
            )
            setattr(Settings, name, declared.default)
    return result


#: Every setting by name, in declaration order.
SETTINGS: dict[str, Setting] = _registry()


def names() -> list[str]:
    return list(SETTINGS)


def _known(name: str, where: str) -> Setting:
    setting = SETTINGS.get(name)
    if setting is None:
        import difflib

        close = difflib.get_close_matches(name, SETTINGS, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise ConfigError(f"{where}: unknown setting {name!r}{hint}")
    return setting


def environment_values(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The settings the environment sets (``G4F_*``; empty variables count as unset)."""
    environ = os.environ if environ is None else environ
    return {s.name: parse_text(s, environ[s.env], s.env) for s in SETTINGS.values() if environ.get(s.env, "").strip()}


def file_values(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The settings of a TOML file: ``timeout = 30``, ``state_url = "redis://..."``, ``gui = true``."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    try:
        with open(path, "rb") as file:
            data = tomllib.load(file)
    except OSError as error:
        raise ConfigError(f"settings file {path}: {error.strerror}") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"settings file {path}: not valid TOML: {error}") from None
    values = {}
    for name, value in data.items():
        setting = _known(name, f"settings file {path}")
        values[name] = check_value(setting, value, f"settings file {path}: {name}")
    return values


def default_settings_file() -> Path:
    import platformdirs

    return Path(platformdirs.user_config_dir("g4f")) / SETTINGS_FILE


# The process's layers: its own choices (flags, ``configure``) and the settings file, read once.
_configured: dict[str, Any] = {}
_file: tuple[str | None, dict[str, Any]] | None = None


def _handed_down() -> None:
    """A worker process starts with the settings its parent chose (``run_api`` puts them in ``CONFIG_ENV``)."""
    text = os.environ.get(CONFIG_ENV)
    if text:
        import json

        try:
            data = json.loads(text)
        except ValueError:
            raise ConfigError(f"{CONFIG_ENV} is not valid JSON") from None
        _configured.update(_checked(data, CONFIG_ENV))


def _checked(values: Mapping[str, Any], where: str) -> dict[str, Any]:
    """Known names with values of their type; ``None`` for a setting that cannot be None means "not given"."""
    result = {}
    for name, value in values.items():
        setting = _known(name, where)
        if value is None and not setting.optional:
            continue
        result[name] = check_value(setting, value, f"{where}: {name}")
    return result


def settings_file(configured: Mapping[str, Any] | None = None) -> str | None:
    """The settings file in use: ``--config`` / ``G4F_CONFIG``, else the default one if it exists."""
    named = (configured or {}).get("config") or _configured.get("config") or os.environ.get(SETTINGS["config"].env)
    if named:
        return str(named)
    default = default_settings_file()
    return str(default) if default.is_file() else None


def _file_layer(configured: Mapping[str, Any] | None = None) -> dict[str, Any]:
    global _file
    if _file is not None and not (configured and "config" in configured):
        return _file[1]  # read once per process (``reset()`` or ``configure(config=...)`` reads again)
    path = settings_file(configured)
    if _file is None or _file[0] != path:
        _file = (path, file_values(path) if path else {})
    return _file[1]


def configure(**values: Any) -> None:
    """Set settings for this process (what CLI flags do); ``None`` forgets a value set before."""
    global _file
    checked = _checked({n: v for n, v in values.items() if v is not None}, "configure()")
    for name, value in values.items():
        if value is None:
            _known(name, "configure()")
            _configured.pop(name, None)
    _configured.update(checked)
    if "config" in values:
        _file = None


def reset() -> None:
    """Forget ``configure``'s values and the settings file read (tests, or a changed file)."""
    global _file
    _configured.clear()
    _file = None


def layers(overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The values set anywhere (environment, file, process, ``overrides``), later layers winning."""
    extra = _checked(overrides or {}, "settings")
    return {**environment_values(), **_file_layer({**_configured, **extra}), **_configured, **extra}


def load(overrides: Mapping[str, Any] | None = None) -> Settings:
    """A snapshot of every setting; ``overrides`` win over everything."""
    return Settings(**layers(overrides))


#: Environment text -> its parsed value, per setting: the router asks on every request, and the
#: environment may change between two (tests do), so the text is read each time but parsed once.
_parsed: dict[tuple[str, str], Any] = {}


def get(name: str) -> Any:
    """The current value of one setting; cheap enough to call per request."""
    if name in _configured:
        return _configured[name]
    setting = SETTINGS[name]
    file = _file[1] if _file is not None else _file_layer()  # the file is read once
    if name in file:
        return file[name]
    text = env(setting.env)
    if not text:
        return setting.default
    key = (name, text)
    try:
        value = _parsed[key]
    except KeyError:
        if not text.strip():
            return setting.default
        value = parse_text(setting, text, setting.env)
        if len(_parsed) > 256:  # bounded: a long-lived process whose environment keeps changing
            _parsed.clear()
        _parsed[key] = value
    return list(value) if isinstance(value, list) else value  # a caller may change its list


def secret_values() -> set[str]:
    """The values of secret settings (``g4f_api_key``) wherever they were set: for the redactor."""
    return {value for name, setting in SETTINGS.items() if setting.secret and (value := get(name))}


def settings_table() -> str:
    """The README's table of every setting, made from the definitions above."""
    return table(SETTINGS.values())


_handed_down()

__all__ = [
    "CONFIG_ENV",
    "SETTINGS",
    "ConfigError",
    "Setting",
    "Settings",
    "configure",
    "env",
    "environment_values",
    "file_values",
    "get",
    "layers",
    "load",
    "provider_env",
    "reset",
    "secret_values",
    "settings_file",
    "settings_table",
    "names",
]
