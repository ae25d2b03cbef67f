"""``AppConfig``: the server's settings.

Precedence, lowest first: defaults, environment (``G4F_*``), ``AppConfig.set_config(...)`` (or CLI
flags), then the overrides given to ``create_app(config)``.
"""

from __future__ import annotations

import os
from typing import Any, ClassVar

import orjson

#: Settings read from the environment when not set otherwise.
ENVIRONMENT = {
    "g4f_api_key": "G4F_API_KEY",
    "proxy": "G4F_PROXY",
    "provider": "G4F_PROVIDER",
    "model": "G4F_MODEL",
    "media_provider": "G4F_MEDIA_PROVIDER",
    "state_url": "G4F_STATE_URL",
    "debug": "G4F_DEBUG",
}
#: Environment variable through which ``run_api`` hands its settings to worker processes.
CONFIG_ENV = "G4F_API_CONFIG"

MiB = 1024 * 1024


class AppConfig:
    """Server settings; class attributes are the process-wide values ``set_config`` changes."""

    g4f_api_key: ClassVar[str | None] = None
    provider: ClassVar[str | None] = None
    model: ClassVar[str | None] = None
    media_provider: ClassVar[str | None] = None
    proxy: ClassVar[str | None] = None
    #: Seconds for a whole answer (and for the first chunk of a stream).
    timeout: ClassVar[float] = 600.0
    #: Seconds allowed between two chunks of a stream (None: only ``timeout`` for the first).
    stream_timeout: ClassVar[float | None] = None
    ignored_providers: ClassVar[list[str]] = []
    gui: ClassVar[bool] = False
    demo: ClassVar[bool] = False
    debug: ClassVar[bool] = False
    #: Whether a request may name its own ``api_base`` (it makes the server fetch any URL).
    allow_api_base: ClassVar[bool] = False
    #: Whether a request may name its own ``proxy`` (then only the request's own key goes through it).
    allow_proxy: ClassVar[bool] = False
    #: JSON file of API keys, each with its own rate limit and models (format: ``g4f.api.auth``).
    api_keys: ClassVar[str | None] = None
    #: Reverse proxies whose ``X-Forwarded-For`` names the client (none: the peer address counts).
    forwarded_allow_ips: ClassVar[list[str]] = []
    #: Host names a loopback-bound server without a key answers to, besides loopback names.
    allowed_hosts: ClassVar[list[str]] = []
    #: Seconds for a request's head to arrive, and of silence allowed while its body arrives.
    header_timeout: ClassVar[float] = 10.0
    body_timeout: ClassVar[float] = 30.0
    #: Seconds an idle keep-alive connection stays open.
    keep_alive_timeout: ClassVar[float] = 5.0
    #: Connections one address may hold open at once (0: no cap).
    max_connections_per_ip: ClassVar[int] = 512
    cookies_dir: ClassVar[str | None] = None
    state_url: ClassVar[str] = "memory://"
    #: Requests per minute and client (API key, else address); 0 is unlimited.
    rate_limit: ClassVar[int] = 0
    cors_origins: ClassVar[list[str]] = []
    max_body_size: ClassVar[int] = 32 * MiB
    max_upload_size: ClassVar[int] = 25 * MiB
    max_cookie_file_size: ClassVar[int] = 5 * MiB
    max_conversations: ClassVar[int] = 1000
    max_conversation_messages: ClassVar[int] = 100
    conversation_ttl: ClassVar[float] = 86400.0

    @classmethod
    def fields(cls) -> list[str]:
        return [
            n
            for n in vars(AppConfig)
            if not n.startswith("_")
            and not callable(getattr(AppConfig, n))
            and not isinstance(vars(AppConfig)[n], (classmethod, staticmethod))
        ]

    @classmethod
    def set_config(cls, **settings: Any) -> None:
        """Set process-wide settings, e.g. ``AppConfig.set_config(g4f_api_key="...", gui=True)``."""
        known = cls.fields()
        for name, value in settings.items():
            if name not in known:
                raise TypeError(f"Unknown setting {name!r}; known: {', '.join(known)}")
            setattr(cls, name, value)

    def __init__(self, **overrides: Any) -> None:
        """A snapshot: class values, the environment where those are unset, then ``overrides``."""
        known = self.fields()
        for name in known:
            setattr(self, name, getattr(type(self), name))
        for name, env in ENVIRONMENT.items():
            if os.environ.get(env) and getattr(type(self), name) in (None, AppConfig.__dict__[name]):
                value: Any = os.environ[env]
                if name == "debug":
                    value = value.lower() in ("1", "true", "yes", "on")
                setattr(self, name, value)
        for name, value in overrides.items():
            if name not in known:
                raise TypeError(f"Unknown setting {name!r}")
            setattr(self, name, value)

    @classmethod
    def from_any(cls, config: Any = None) -> AppConfig:
        """An ``AppConfig`` from None (class settings, or those ``run_api`` handed down), a dict or an instance."""
        if isinstance(config, AppConfig):
            return config
        if isinstance(config, dict):
            return cls(**config)
        if config is None and os.environ.get(CONFIG_ENV):
            return cls(**orjson.loads(os.environ[CONFIG_ENV]))
        return cls()

    def to_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.fields()}

    def __repr__(self) -> str:  # never shows the key
        shown = {k: ("***" if k == "g4f_api_key" and v else v) for k, v in self.to_dict().items()}
        return f"AppConfig({shown})"


__all__ = ["AppConfig", "CONFIG_ENV"]
