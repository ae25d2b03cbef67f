"""JSON Schema (OpenAI tools, ``response_format``) as the Schema object Gemini accepts.

Gemini's Schema is an OpenAPI 3.0 subset: ``$ref``/``$defs`` are not followed, a ``type`` list is
not allowed (``nullable`` says null), ``const`` does not exist, and unknown keys such as
``additionalProperties`` are refused. ``to_schema`` rewrites a JSON Schema into that subset.
"""

from __future__ import annotations

from typing import Any

#: The keys of Gemini's Schema object (an OpenAPI 3.0 subset); other JSON Schema keys are refused upstream.
SCHEMA_KEYS = frozenset(
    {
        "type",
        "format",
        "title",
        "description",
        "nullable",
        "enum",
        "maxItems",
        "minItems",
        "properties",
        "required",
        "minProperties",
        "maxProperties",
        "minLength",
        "maxLength",
        "pattern",
        "example",
        "anyOf",
        "propertyOrdering",
        "default",
        "items",
        "minimum",
        "maximum",
    }
)


def to_schema(schema: Any, defs: dict | None = None) -> Any:
    """A JSON Schema as Gemini's Schema: ``$ref`` inlined, ``["x", "null"]`` as ``nullable``, ``const``
    as a one-value ``enum``, unknown keys dropped."""
    if isinstance(schema, list):
        return [to_schema(s, defs) for s in schema]
    if not isinstance(schema, dict):
        return schema
    defs = {**(defs or {}), **schema.get("$defs", {}), **schema.get("definitions", {})}
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.rsplit("/", 1)[-1] in defs:
        return to_schema({**defs[ref.rsplit("/", 1)[-1]], **{k: v for k, v in schema.items() if k != "$ref"}}, defs)
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key == "type" and isinstance(value, list):
            kinds = [t for t in value if t != "null"]
            out["type"] = kinds[0] if kinds else "string"
            if "null" in value:
                out["nullable"] = True
        elif key == "const":
            out["enum"] = [value]
        elif key == "properties" and isinstance(value, dict):
            out[key] = {name: to_schema(sub, defs) for name, sub in value.items()}
        elif key in ("items", "anyOf"):
            out[key] = to_schema(value, defs)
        elif key in SCHEMA_KEYS:
            out[key] = value
    return out


__all__ = ["to_schema", "SCHEMA_KEYS"]
