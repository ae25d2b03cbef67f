"""Verbose logging, switched on by ``G4F_DEBUG`` or ``g4f.debug.logging = True``.

Every line of the ``g4f`` logger goes through the one redactor (``g4f.redact``): a key echoed by
an upstream never reaches a log, tracebacks included.
"""

from __future__ import annotations

import logging as _logging
import os

from .redact import scrub

logger = _logging.getLogger("g4f")
logging: bool = os.environ.get("G4F_DEBUG", "").lower() in ("1", "true", "yes", "on")
version_check: bool = False


class RedactingFilter(_logging.Filter):
    """Scrubs a record's message and exception text of every known secret."""

    def filter(self, record: _logging.LogRecord) -> bool:
        if getattr(record, "_g4f_scrubbed", False):
            return True
        record.msg, record.args = scrub(record.getMessage()), None
        if record.exc_info and not record.exc_text:
            record.exc_text = scrub(_logging.Formatter().formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = scrub(record.exc_text)
        record._g4f_scrubbed = True
        return True


_filter = RedactingFilter()
logger.addFilter(_filter)


def enable(on: bool = True) -> None:
    global logging
    logging = on
    logger.setLevel(_logging.DEBUG if on else _logging.WARNING)
    if on and not logger.handlers:
        handler = _logging.StreamHandler()
        handler.setFormatter(_logging.Formatter("%(asctime)s g4f %(levelname)s %(message)s"))
        handler.addFilter(_filter)  # records of child loggers (g4f.api, ...) pass through here too
        logger.addHandler(handler)


def log(*text: object) -> None:
    if logging:
        if not logger.isEnabledFor(_logging.DEBUG):  # gpt4free style: ``g4f.debug.logging = True`` alone
            enable(True)
        logger.debug(" ".join(str(t) for t in text))


def error(*text: object) -> None:
    logger.error(" ".join(str(t) for t in text))


if logging:
    enable(True)
