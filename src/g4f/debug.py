"""Verbose logging, switched on by ``G4F_DEBUG`` or ``g4f.debug.logging = True``."""

from __future__ import annotations

import logging as _logging
import os

logger = _logging.getLogger("g4f")
logging: bool = os.environ.get("G4F_DEBUG", "").lower() in ("1", "true", "yes", "on")
version_check: bool = False


def enable(on: bool = True) -> None:
    global logging
    logging = on
    logger.setLevel(_logging.DEBUG if on else _logging.WARNING)
    if on and not logger.handlers:
        handler = _logging.StreamHandler()
        handler.setFormatter(_logging.Formatter("%(asctime)s g4f %(levelname)s %(message)s"))
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
