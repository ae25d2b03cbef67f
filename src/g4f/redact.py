"""One redactor for every secret g4f knows, scrubbing error texts and log lines.

It knows the keys the transport sends (``remember``, called for each request's key) and the keys
configured in the environment or the cookies directory's ``.env`` (any variable named like
``*_API_KEY``, ``*_TOKEN``, ``*_SECRET``, ``*_PASSWORD``), read when a text is scrubbed, so a key
set later is known too. Scrubbing runs on error and log paths only; remembering is a set lookup.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable

from . import config

MASK = "***"
#: Shorter values are not treated as secrets: masking every "x" or "test" would garble messages.
MIN_LENGTH = 6
#: Keys sent by requests are remembered up to this many (the oldest forgotten first).
MAX_REMEMBERED = 1024
SECRET_NAME = re.compile(r"(?:^|_)(?:API_KEY|APIKEY|KEY|TOKEN|SECRET|PASSWORD)$", re.IGNORECASE)

_remembered: dict[str, None] = {}  # insertion-ordered set
_cache: tuple[frozenset[str], re.Pattern[str] | None] = (frozenset(), None)


def remember(secret: str | None) -> None:
    """Know ``secret`` from now on (a key the transport is about to send)."""
    if secret and secret not in _remembered and len(secret) >= MIN_LENGTH:
        if len(_remembered) >= MAX_REMEMBERED:
            del _remembered[next(iter(_remembered))]
        _remembered[secret] = None


def configured() -> set[str]:
    """The secret values of the environment and of the cookies directory's ``.env`` files."""
    found = {value for name, value in os.environ.items() if SECRET_NAME.search(name)}
    from . import cookies

    found.update(getattr(cookies, "_api_keys", {}).values())  # already-loaded .env keys only
    found.update(config.secret_values())  # g4f's own (the server's API key), however it was set
    return found


def secrets(extra: Iterable[str | None] = ()) -> frozenset[str]:
    """Every secret known now, ``extra`` included."""
    known = {*_remembered, *configured(), *(s for s in extra if s)}
    return frozenset(s for s in known if len(s) >= MIN_LENGTH)


def _pattern(known: frozenset[str]) -> re.Pattern[str] | None:
    global _cache
    if known != _cache[0]:
        # Longest first, so a key containing another is masked whole.
        alternatives = "|".join(re.escape(s) for s in sorted(known, key=len, reverse=True))
        _cache = (known, re.compile(alternatives) if alternatives else None)
    return _cache[1]


def scrub(text: str, extra: Iterable[str | None] = ()) -> str:
    """``text`` with every known secret (and each of ``extra``) replaced by ``***``."""
    if not text:
        return text
    pattern = _pattern(secrets(extra))
    return pattern.sub(MASK, text) if pattern is not None else text


def scrub_error(error: BaseException, extra: Iterable[str | None] = ()) -> BaseException:
    """Scrub an exception's message in place (its ``args``), and return it."""
    if error.args:
        args = tuple(scrub(a, extra) if isinstance(a, str) else a for a in error.args)
        if args != error.args:
            error.args = args
    return error


def forget() -> None:
    """Forget remembered keys (tests)."""
    _remembered.clear()


__all__ = ["MASK", "remember", "configured", "secrets", "scrub", "scrub_error", "forget"]
