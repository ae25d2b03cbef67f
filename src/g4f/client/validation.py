"""What the core refuses before routing: malformed messages and parameters that would make every
provider fail. Such errors are the client's (400 with ``param``), never counted against a provider."""

from __future__ import annotations

from typing import Any

from ..errors import InvalidRequestError
from ..typing import Messages

ROLES = frozenset({"system", "developer", "user", "assistant", "tool", "function"})
#: Deepest nesting accepted in a message or a parameter: far beyond any real request, and far below
#: the JSON encoders' limits (orjson stops at 255 levels), so no provider fails on our input.
MAX_DEPTH = 64
_TEXT_FIELDS = ("name", "tool_call_id", "refusal")


def _invalid(message: str, param: str) -> InvalidRequestError:
    return InvalidRequestError(message, param=param)


def check_depth(value: Any, param: str, limit: int = MAX_DEPTH) -> None:
    """``InvalidRequestError`` when ``value`` nests lists and objects deeper than ``limit``."""
    level = [value]
    for _ in range(limit + 1):
        deeper: list[Any] = []
        for item in level:
            if isinstance(item, dict):
                deeper.extend(v for v in item.values() if isinstance(v, (dict, list)))
            elif isinstance(item, list):
                deeper.extend(v for v in item if isinstance(v, (dict, list)))
        if not deeper:
            return
        level = deeper
    raise _invalid(f"'{param}' is nested more than {limit} levels deep.", param)


def _check_content(content: Any, where: str) -> None:
    if content is None or isinstance(content, str):
        return
    if not isinstance(content, list):
        raise _invalid(f"{where}.content must be a string or a list of parts.", f"{where}.content")
    for j, part in enumerate(content):
        here = f"{where}.content[{j}]"
        if isinstance(part, str):
            continue
        if not isinstance(part, dict) or not isinstance(part.get("type"), str):
            raise _invalid(f"{here} must be an object with a string 'type'.", here)
        if part["type"] == "text" and not isinstance(part.get("text"), str):
            raise _invalid(f"{here}.text must be a string.", f"{here}.text")
    check_depth(content, f"{where}.content")


def _check_tool_calls(calls: Any, where: str) -> None:
    if not isinstance(calls, list):
        raise _invalid(f"{where}.tool_calls must be an array.", f"{where}.tool_calls")
    for j, call in enumerate(calls):
        here = f"{where}.tool_calls[{j}]"
        function = call.get("function") if isinstance(call, dict) else None
        if not isinstance(function, dict):
            raise _invalid(f"{here} must be an object with a 'function' object.", f"{here}.function")
        if not isinstance(function.get("name"), str):
            raise _invalid(f"{here}.function.name must be a string.", f"{here}.function.name")
        arguments = function.get("arguments")
        if arguments is not None and not isinstance(arguments, (str, dict)):
            raise _invalid(f"{here}.function.arguments must be a string.", f"{here}.function.arguments")
        if call.get("id") is not None and not isinstance(call["id"], str):
            raise _invalid(f"{here}.id must be a string.", f"{here}.id")
    check_depth(calls, f"{where}.tool_calls")


class CheckedMessages(list):
    """Messages ``validate_messages`` has passed: the core does not check them again (the server
    checks a request's messages first, to answer 400 before anything else runs)."""

    __slots__ = ()


def _check_message(message: Any, where: str) -> None:
    if not isinstance(message, dict):
        raise _invalid(f"{where} must be an object with 'role' and 'content'.", where)
    role = message.get("role")
    if not isinstance(role, str) or role not in ROLES:
        what = "has no 'role'" if role is None else f"has unknown role {role!r}"[:120]
        raise _invalid(f"{where} {what}; use one of {', '.join(sorted(ROLES))}.", f"{where}.role")
    if "content" not in message and not message.get("tool_calls"):
        raise _invalid(f"{where} has no 'content'.", f"{where}.content")
    _check_content(message.get("content"), where)
    if len(message) > 2 or "content" not in message:  # the optional fields, when any
        for field in _TEXT_FIELDS:
            if message.get(field) is not None and not isinstance(message[field], str):
                raise _invalid(f"{where}.{field} must be a string.", f"{where}.{field}")
        if message.get("tool_calls") is not None:
            _check_tool_calls(message["tool_calls"], where)


def validate_messages(messages: Any) -> Messages:
    """Check the shape of ``messages`` (every field's type, and its depth); the error names the field.

    What would make every provider fail is a client error here (400), before routing, so it never
    counts against a provider's health. Returns them as ``CheckedMessages``.
    """
    if type(messages) is CheckedMessages:
        return messages
    if not isinstance(messages, list):
        raise _invalid(f"'messages' must be a list of messages, not {type(messages).__name__}.", "messages")
    if not messages:
        raise _invalid("'messages' must contain at least one message.", "messages")
    for i, message in enumerate(messages):
        if type(message) is dict and len(message) == 2:  # the common message: a role and its text
            role, content = message.get("role"), message.get("content")
            if type(role) is str and type(content) is str and role in ROLES:
                continue
        _check_message(message, f"messages[{i}]")
    return CheckedMessages(messages)


def check_params(kwargs: dict[str, Any]) -> None:
    """The nesting depth of every structured parameter (tools, response_format, ...)."""
    for name, value in kwargs.items():
        if isinstance(value, (dict, list)):
            check_depth(value, name)


__all__ = ["CheckedMessages", "ROLES", "MAX_DEPTH", "check_depth", "check_params", "validate_messages"]
