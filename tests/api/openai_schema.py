"""Validation against the OpenAI specification's schemas (the subset in ``schemas/openai.json``)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator


@cache
def _components() -> dict[str, Any]:
    return json.loads((Path(__file__).parent / "schemas" / "openai.json").read_text())["components"]


def validate(instance: Any, name: str) -> None:
    """Raise ``jsonschema.ValidationError`` unless ``instance`` fits OpenAI's schema ``name``."""
    schema = {"$ref": f"#/components/schemas/{name}", "components": _components()}
    Draft202012Validator(schema).validate(instance)
