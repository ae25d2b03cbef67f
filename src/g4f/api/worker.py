"""g4f's gunicorn worker: ``gunicorn g4f.api:create_app --worker-class g4f.api.worker.Worker``.

uvicorn's own worker class serves with uvicorn's plain protocol: no deadline for a request's head
or body, no cap on the connections of one address, and ``X-Forwarded-For`` believed from any local
peer. This one serves as ``g4f api`` does (``connections.uvicorn_options``): the guarded protocol,
the keep-alive timeout and the trusted proxies of the app's own settings (``G4F_HEADER_TIMEOUT``,
``G4F_KEEP_ALIVE_TIMEOUT``, ``G4F_FORWARDED_ALLOW_IPS``, ... or the settings file), in place of
gunicorn's ``--keep-alive`` and ``--forwarded-allow-ips``.
"""

from __future__ import annotations

import warnings
from typing import Any

from .connections import uvicorn_options

with warnings.catch_warnings():  # uvicorn points to the separate uvicorn-worker package; this is the same class
    warnings.simplefilter("ignore", DeprecationWarning)
    from uvicorn.workers import UvicornWorker


class Worker(UvicornWorker):
    def load_wsgi(self) -> None:
        super().load_wsgi()
        app: Any = getattr(self, "wsgi")  # noqa: B009 - gunicorn is untyped
        if getattr(app, "state", None) is None:  # the factory (g4f.api:create_app): made here, not by uvicorn,
            try:  # so that its settings are known before the server starts
                app = self.wsgi = app()
            except TypeError:  # an app, not a factory
                return
        settings = getattr(app.state, "settings", None)
        if settings is not None:
            for name, value in uvicorn_options(settings).items():
                setattr(self.config, name, value)


__all__ = ["Worker"]
