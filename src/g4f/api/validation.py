"""Checking request bodies by hand: cheaper than a pydantic model on the hot path, as clear in its errors.

A field of the wrong JSON type is a 422 naming the field; a value out of range is a 400. ``null``
counts as absent. Fields not listed are ignored (OpenAI clients send many optional ones).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..errors import G4FError, InvalidRequestError


class ValidationError(G4FError):
    """A field has the wrong type or a required field is missing."""

    status_code = 422
    error_type = "invalid_request_error"
    code = "validation_error"


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _is_str_list(v: Any) -> bool:
    return isinstance(v, list) and all(isinstance(s, str) for s in v)


#: JSON type checks by name, with the name used in error messages.
TYPES: dict[str, tuple[Callable[[Any], bool], str]] = {
    "str": (lambda v: isinstance(v, str), "a string"),
    "bool": (lambda v: isinstance(v, bool), "a boolean"),
    "int": (_is_int, "an integer"),
    "number": (_is_number, "a number"),
    "list": (lambda v: isinstance(v, list), "an array"),
    "object": (lambda v: isinstance(v, dict), "an object"),
    "str|object": (lambda v: isinstance(v, (str, dict)), "a string or an object"),
    "str|list": (lambda v: isinstance(v, str) or _is_str_list(v), "a string or an array of strings"),
    "str_list": (_is_str_list, "an array of strings"),
    "str|str_list": (lambda v: isinstance(v, str) or _is_str_list(v), "a string or an array of strings"),
}

#: The kinds one exact type satisfies (``bool`` is not an ``int`` here: its type is not ``int``).
_EXACT: dict[str, type] = {"str": str, "bool": bool, "int": int, "list": list, "object": dict}

#: field -> (type, (min, max) or None)
Spec = dict[str, tuple[str, tuple[float, float] | None]]

CHAT_SPEC: Spec = {
    "model": ("str", None),
    "messages": ("list", None),
    "stream": ("bool", None),
    "max_tokens": ("int", (1, 10_000_000)),
    "max_completion_tokens": ("int", (1, 10_000_000)),
    "temperature": ("number", (0, 2)),
    "top_p": ("number", (0, 1)),
    "frequency_penalty": ("number", (-2, 2)),
    "presence_penalty": ("number", (-2, 2)),
    "stop": ("str|list", None),
    "seed": ("int", None),
    "n": ("int", (1, 8)),
    "user": ("str", None),
    "provider": ("str", None),
    "proxy": ("str", None),
    "response_format": ("object", None),
    "tools": ("list", None),
    "tool_choice": ("str|object", None),
    "parallel_tool_calls": ("bool", None),
    "stream_options": ("object", None),
    "conversation_id": ("str", None),
    "conversation": ("object", None),
    "api_key": ("str", None),
    "api_base": ("str", None),
    "timeout": ("number", (0.001, 86400)),
    "ignored_providers": ("str_list", None),
    "reasoning_effort": ("str", None),
    "logit_bias": ("object", None),
    "web_search": ("bool", None),
    "modalities": ("str_list", None),
    "audio": ("object", None),
    "logprobs": ("bool", None),
    "top_logprobs": ("int", (0, 20)),
    "prediction": ("object", None),
    "metadata": ("object", None),
    "store": ("bool", None),
    "service_tier": ("str", None),
}

IMAGE_SPEC: Spec = {
    "prompt": ("str", None),
    "model": ("str", None),
    "provider": ("str", None),
    "n": ("int", None),
    "size": ("str", None),
    "response_format": ("str", None),
    "proxy": ("str", None),
    "api_key": ("str", None),
    "api_base": ("str", None),
    "quality": ("str", None),
    "style": ("str", None),
    "user": ("str", None),
    "negative_prompt": ("str", None),
    "seed": ("int", None),
    "aspect_ratio": ("str", None),
    "width": ("int", (16, 8192)),
    "height": ("int", (16, 8192)),
}

SPEECH_SPEC: Spec = {
    "model": ("str", None),
    "input": ("str", None),
    "voice": ("str|object", None),
    "response_format": ("str", None),
    "speed": ("number", None),
    "instructions": ("str", None),
    "provider": ("str", None),
}


def check(body: dict[str, Any], spec: Spec, required: tuple[str, ...] = ()) -> dict[str, Any]:
    """The known, non-null fields of ``body``, checked against ``spec``."""
    known = _plain.get(id(spec))
    plain = known[1] if known is not None and known[0] is spec else _plain_fields(spec)
    out: dict[str, Any] = {}
    for name, value in body.items():  # the body's few fields, not the spec's many
        if type(value) is plain.get(name):  # most fields: JSON's exact type, nothing more to test
            out[name] = value
            continue
        rule = spec.get(name)
        if rule is None or value is None:
            continue
        kind, bounds = rule
        if type(value) is not _EXACT.get(kind):
            test, what = TYPES[kind]
            if not test(value):
                raise ValidationError(f"'{name}' must be {what}, not {_json_type(value)}.", param=name)
        if bounds is not None and not (bounds[0] <= value <= bounds[1]):
            raise InvalidRequestError(
                f"'{name}' must be between {bounds[0]:g} and {bounds[1]:g}; got {value}.", param=name
            )
        out[name] = value
    for name in required:
        if name not in out:
            raise ValidationError(f"'{name}' is required.", param=name)
    return out


#: id(spec) -> (spec, its fields without bounds whose kind is one exact type: field -> that type).
_plain: dict[int, tuple[Spec, dict[str, type]]] = {}


def _plain_fields(spec: Spec) -> dict[str, type]:
    plain = {name: _EXACT[kind] for name, (kind, bounds) in spec.items() if bounds is None and kind in _EXACT}
    _plain[id(spec)] = (spec, plain)  # the spec is kept: its id is not reused
    return plain


def _json_type(value: Any) -> str:
    return {
        bool: "a boolean",
        int: "an integer",
        float: "a number",
        str: "a string",
        list: "an array",
        dict: "an object",
    }.get(type(value), type(value).__name__)


__all__ = ["check", "ValidationError", "CHAT_SPEC", "IMAGE_SPEC", "SPEECH_SPEC"]


_SCHEMA_TYPES: dict[str, dict[str, Any]] = {
    "str": {"type": "string"},
    "bool": {"type": "boolean"},
    "int": {"type": "integer"},
    "number": {"type": "number"},
    "list": {"type": "array"},
    "object": {"type": "object"},
    "str|object": {"anyOf": [{"type": "string"}, {"type": "object"}]},
    "str|list": {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]},
    "str_list": {"type": "array", "items": {"type": "string"}},
    "str|str_list": {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]},
}


def request_body_doc(spec: Spec, required: tuple[str, ...] = ()) -> dict[str, Any]:
    """The OpenAPI ``requestBody`` of a JSON route checked with ``spec`` (for ``/docs``)."""
    properties = {}
    for name, (kind, bounds) in spec.items():
        schema = dict(_SCHEMA_TYPES[kind])
        if bounds is not None:
            schema.update(minimum=bounds[0], maximum=bounds[1])
        properties[name] = schema
    schema = {"type": "object", "properties": properties, "required": list(required)}
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}
