"""Regenerate ``openai.json``: the schemas the tests validate against, cut out of OpenAI's OpenAPI
document (openai/openai-openapi, MIT licence) with ``nullable: true`` rewritten as "or null".

    python tests/api/schemas/extract.py /path/to/openapi.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOTS = [
    "CreateChatCompletionResponse",
    "CreateChatCompletionStreamResponse",
    "ListModelsResponse",
    "Model",
    "ImagesResponse",
    "ErrorResponse",
    "CreateTranscriptionResponseJson",
]


def refs(node, found: set[str]) -> None:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
            found.add(ref.rsplit("/", 1)[1])
        for value in node.values():
            refs(value, found)
    elif isinstance(node, list):
        for value in node:
            refs(value, found)


def nullable(node):
    if isinstance(node, dict):
        node = {k: nullable(v) for k, v in node.items()}
        if node.pop("nullable", False):
            node = {"anyOf": [node, {"type": "null"}]}
        return node
    if isinstance(node, list):
        return [nullable(v) for v in node]
    return node


def main(path: str) -> None:
    schemas = json.loads(Path(path).read_text())["components"]["schemas"]
    keep, todo = set(), list(ROOTS)
    while todo:
        name = todo.pop()
        if name in keep:
            continue
        keep.add(name)
        found: set[str] = set()
        refs(schemas[name], found)
        todo.extend(found - keep)
    out = {"components": {"schemas": {n: nullable(schemas[n]) for n in sorted(keep)}}}
    target = Path(__file__).with_name("openai.json")
    target.write_text(json.dumps(out, indent=1, sort_keys=True) + "\n")
    print(f"{len(keep)} schemas -> {target}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "../shared/openai-openapi/openapi.json")
