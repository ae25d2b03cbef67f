"""What one setting is (``Setting``) and how its values are read: text from the environment, data
from a settings file or ``configure``, each checked against the setting's type."""

from __future__ import annotations

import types
import typing
from collections.abc import Iterable
from typing import Any, NamedTuple

_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


class ConfigError(ValueError):
    """A setting has a value it cannot take, or a name no setting has; the message names both."""


class Setting(NamedTuple):
    """What the docs, the parser and the CLI know about one setting."""

    name: str
    type: Any
    default: Any
    env: str
    flags: tuple[str, ...]
    help: str
    group: str
    secret: bool
    shown_default: str | None

    @property
    def base(self) -> type:
        """The type without ``None``: ``bool``, ``int``, ``float``, ``str`` or ``list``."""
        hint = self.type
        if typing.get_origin(hint) in (typing.Union, types.UnionType):
            hint = next(a for a in typing.get_args(hint) if a is not type(None))
        return typing.get_origin(hint) or hint  # type: ignore[no-any-return]

    @property
    def optional(self) -> bool:
        return type(None) in typing.get_args(self.type)


_KINDS = {bool: "true or false", int: "a whole number", float: "a number", list: "a list of strings", str: "a string"}


def _refused(setting: Setting, value: Any, where: str) -> ConfigError:
    shown = "the value given" if setting.secret else repr(value)  # a key never goes into an error
    return ConfigError(f"{where}: {shown} is not {_KINDS[setting.base]}")


def parse_text(setting: Setting, text: str, where: str) -> Any:
    """A value from text (the environment): ``1/true/yes/on``, numbers, comma- or space-separated lists."""
    text = text.strip()
    base = setting.base
    try:
        if base is bool:
            if text.lower() in _TRUE + _FALSE:
                return text.lower() in _TRUE
            raise ValueError
        if base in (int, float):
            return base(text)
    except ValueError:
        raise _refused(setting, text, where) from None
    if base is list:
        return [v for v in text.replace(",", " ").split() if v]
    return text


def _is_a(base: type, value: Any) -> bool:
    if base is bool or isinstance(value, bool):
        return base is bool and isinstance(value, bool)
    if base is float:
        return isinstance(value, (int, float))
    if base is list:
        return isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value)
    return isinstance(value, base)


def check_value(setting: Setting, value: Any, where: str) -> Any:
    """A value given as data (settings file, ``configure``, ``create_app``), checked against its type;
    text is parsed as the environment's is."""
    if value is None and setting.optional:
        return None
    base = setting.base
    if isinstance(value, str) and base is not str:
        return parse_text(setting, value, where)
    if not _is_a(base, value):
        raise _refused(setting, value, where)
    return float(value) if base is float else list(value) if base is list else value


def table(settings: Iterable[Setting]) -> str:
    """The README's table of ``settings``: name, environment variable, CLI flags, default, meaning."""

    def shown(s: Setting) -> str:
        if s.shown_default:
            return s.shown_default
        if s.default in (None, [], ""):
            return "—"
        mib = 1024 * 1024
        if s.base is int and s.default >= mib and s.default % mib == 0:
            return f"{s.default // mib} MiB"
        if s.base is bool:
            return "false" if not s.default else "true"
        return f"`{s.default}`"

    rows = ["| Setting | Environment | CLI flag | Default | Meaning |", "|---|---|---|---|---|"]
    for s in settings:
        flags = ", ".join(f"`{f}`" for f in s.flags) or "—"
        rows.append(f"| `{s.name}` | `{s.env}` | {flags} | {shown(s)} | {s.help} |")
    return "\n".join(rows)


__all__ = ["ConfigError", "Setting", "parse_text", "check_value", "table"]
