"""Tools and JSON mode for a local llama.cpp engine, which has neither natively.

Both work the same way: an instruction added to the prompt says what to write, and a GBNF grammar
built from the JSON schema constrains sampling so the output always has that shape.

- ``response_format`` ``json_object`` / ``json_schema``: the text is streamed as generated; the
  grammar makes it a JSON object (matching the schema when one is given).
- ``tools``: the model is asked for ``{"name": ..., "arguments": {...}}``; the grammar allows only
  the declared functions with their parameter schemas, and the result is parsed into a ``ToolCalls``
  part. ``"required"`` or a named function allows only a call. ``"auto"`` also offers a pseudo-function,
  ``answer_in_text``, followed by a free answer that is streamed as usual: a small model chooses far
  better between function names than between "JSON or prose" (asked that, SmolLM2 never calls).

Only a request that fills the whole output budget (``max_tokens``) can end before the JSON closes; it
is then returned as text with ``finish_reason`` ``length``, as OpenAI does.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import aclosing
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from ..errors import InvalidRequestError
from ..typing import Messages
from .response import FinishReason, ToolCalls

# The schema converter's string character allows raw control characters, which strict JSON parsers
# reject; keep them escaped-only, as JSON requires.
_LOOSE_CHAR = r'char ::= [^"\\] |'
_STRICT_CHAR = r'char ::= [^"\\\x7F\x00-\x1F] |'
# "auto": the pseudo-function that introduces a plain answer, and the grammar rules for it.
REPLY = "answer_in_text"
_REPLY_FUNCTION = {
    "name": REPLY,
    "description": "Reply to the user in plain text when no other function fits.",
    "parameters": {"type": "object", "properties": {}},
}
_REPLY_GBNF = rf"""reply ::= "{{" space "\"name\"" space ":" space "\"{REPLY}\"" space "}}" "\n" reply-body
reply-text ::= [^\x00]+"""
_REPLY_PREFIX = re.compile(rf'\s*\{{\s*"name"\s*:\s*"{REPLY}"\s*\}}\n\s*')
# Small models repeat themselves; bounds on strings, arrays and objects make every JSON value close
# in time. Tightening a schema this way keeps every output valid against the caller's schema.
MAX_STRING, MAX_ITEMS, MAX_MEMBERS = 256, 16, 12
# json_object: any JSON object, at most three levels deep, within the bounds above.
_JSON_OBJECT_GBNF = rf"""answer ::= jo-object
jo-object ::= "{{" jo-ws ( jo-member ( "," jo-ws jo-member ){{0,{MAX_MEMBERS - 1}}} )? "}}" jo-ws
jo-member ::= jo-string ":" jo-ws ( jo-scalar | jo-array | jo-inner )
jo-inner ::= "{{" jo-ws ( jo-imember ( "," jo-ws jo-imember ){{0,{MAX_MEMBERS - 1}}} )? "}}" jo-ws
jo-imember ::= jo-string ":" jo-ws ( jo-scalar | jo-list )
jo-array ::= "[" jo-ws ( jo-item ( "," jo-ws jo-item ){{0,{MAX_ITEMS - 1}}} )? "]" jo-ws
jo-item ::= jo-scalar | jo-inner
jo-list ::= "[" jo-ws ( jo-scalar ( "," jo-ws jo-scalar ){{0,{MAX_ITEMS - 1}}} )? "]" jo-ws
jo-scalar ::= jo-string | jo-number | ( "true" | "false" | "null" ) jo-ws
jo-string ::= "\"" jo-char{{0,{MAX_STRING}}} "\"" jo-ws
jo-char ::= [^"\\\x7F\x00-\x1F] | "\\" ( ["\\/bfnrt] | "u" [0-9a-fA-F]{{4}} )
jo-number ::= "-"? ( [0-9] | [1-9] [0-9]{{1,15}} ) ( "." [0-9]{{1,15}} )? ( [eE] [-+]? [0-9]{{1,3}} )? jo-ws
jo-ws ::= " "?"""


@dataclass
class Plan:
    """What a request needs from the engine: an instruction, a grammar, and how to read the output."""

    instruction: str
    grammar: str
    #: The output is a tool call, or with ``"auto"`` possibly the ``answer_in_text`` reply.
    tools: list[dict[str, Any]] = field(default_factory=list)

    def prepare(self, messages: Messages) -> Messages:
        """The messages with the instruction in the system prompt and earlier tool calls as text."""
        out: Messages = []
        for m in messages:
            if m.get("role") == "assistant" and m.get("tool_calls"):
                calls = [
                    {"name": c["function"]["name"], "arguments": _loads(c["function"].get("arguments") or "{}")}
                    for c in m["tool_calls"]
                    if isinstance(c, dict) and "function" in c
                ]
                m = {**m, "content": "\n".join(json.dumps(c) for c in calls)}
            out.append(m)
        if out and out[0].get("role") in ("system", "developer") and isinstance(out[0].get("content"), str):
            out[0] = {**out[0], "role": "system", "content": f"{out[0]['content']}\n\n{self.instruction}"}
        else:
            out.insert(0, {"role": "system", "content": self.instruction})
        return out

    async def apply(self, parts: AsyncGenerator[Any, None]) -> AsyncGenerator[Any, None]:
        """The engine's parts with a tool call's JSON turned into a ``ToolCalls`` part."""
        async with aclosing(parts):  # closing this closes the engine's generation too
            async for part in self._read(parts):
                yield part

    async def _read(self, parts: AsyncIterator[Any]) -> AsyncIterator[Any]:
        if not self.tools:
            async for part in parts:
                yield part
            return
        buffered: list[str] = []
        replying = started = False  # "auto" and the model chose to answer in text: stream it
        async for part in parts:
            if replying:
                if isinstance(part, str) and not started:
                    part = part.lstrip()
                    started = bool(part)
                if part:
                    yield part
            elif isinstance(part, str):
                buffered.append(part)
                reply = _REPLY_PREFIX.match("".join(buffered))
                if reply is not None:
                    replying, rest, buffered = True, "".join(buffered)[reply.end() :], []
                    started = bool(rest)
                    if rest:
                        yield rest
            elif isinstance(part, FinishReason) and buffered:
                text, buffered = "".join(buffered), []
                call = _parse_call(text)
                if call is not None:
                    yield ToolCalls([call])
                    yield FinishReason("tool_calls")
                else:
                    yield text  # cut short by max_tokens: the text as it is, as OpenAI does
                    yield part
            else:
                yield part
        if buffered:  # the engine ended without a finish reason
            call = _parse_call("".join(buffered))
            yield ToolCalls([call]) if call is not None else "".join(buffered)


def plan(tools: list[dict] | None = None, tool_choice: Any = None, response_format: Any = None) -> Plan | None:
    """The plan for a request, or ``None`` when it needs neither tools nor JSON mode.

    Raises ``InvalidRequestError`` for malformed ``tools``, ``tool_choice`` or ``response_format``.
    """
    schemas: dict[str, dict] = {}  # entry rule -> JSON schema, converted together so shared rules agree
    extra: list[str] = []  # hand-written rules
    hint = ""
    kind = response_format.get("type") if isinstance(response_format, dict) else response_format
    if kind == "json_object":
        extra.append(_JSON_OBJECT_GBNF)
        hint = "Reply with a JSON object only."
    elif kind == "json_schema":
        spec = response_format.get("json_schema") if isinstance(response_format, dict) else None
        schema = spec.get("schema") if isinstance(spec, dict) else None
        if not isinstance(schema, dict):
            raise InvalidRequestError(
                "'response_format.json_schema.schema' must be a JSON schema object.", param="response_format"
            )
        schemas["answer"] = schema
        hint = f"Reply with a JSON object only, matching this JSON schema: {json.dumps(schema)}"
    elif kind not in (None, "text"):
        raise InvalidRequestError(
            f"Unknown response_format type {kind!r}; use text, json_object or json_schema.", param="response_format"
        )

    functions = _functions(tools) if tools and tool_choice != "none" else []
    if not functions:
        if tool_choice not in (None, "auto", "none"):
            raise InvalidRequestError("'tool_choice' needs 'tools'.", param="tool_choice")
        return Plan(hint, _gbnf("root ::= answer", schemas, extra)) if hint else None

    required = tool_choice == "required"
    if isinstance(tool_choice, dict):
        name = (tool_choice.get("function") or {}).get("name")
        functions = [f for f in functions if f["name"] == name]
        if not functions:
            raise InvalidRequestError(f"'tool_choice' names {name!r}, which is not in 'tools'.", param="tool_choice")
        required = True
    elif tool_choice not in (None, "auto", "required"):
        raise InvalidRequestError(
            "'tool_choice' must be 'none', 'auto', 'required' or a function.", param="tool_choice"
        )

    if not required:
        functions = [*functions, _REPLY_FUNCTION]
    calls = [
        {
            "type": "object",
            "properties": {"name": {"const": f["name"]}, "arguments": f["parameters"]},
            "required": ["name", "arguments"],
        }
        for f in functions
        if f["name"] != REPLY
    ]
    schemas["call"] = calls[0] if len(calls) == 1 else {"anyOf": calls}
    catalogue = json.dumps([{k: f[k] for k in ("name", "description", "parameters") if f.get(k)} for f in functions])
    instruction = (
        f"You can call these functions:\n{catalogue}\n"
        'Reply with only a JSON object: {"name": "<function name>", "arguments": {<arguments>}}.'
    )
    if required:
        schemas.pop("answer", None)
        return Plan(instruction, _gbnf("root ::= call", schemas, []), functions)
    if hint:  # the plain answer must then be JSON as well
        instruction += f" After {REPLY}, {hint[0].lower()}{hint[1:]}"
    body = "reply-body ::= answer" if hint else "reply-body ::= reply-text"
    return Plan(instruction, _gbnf("root ::= call | reply", schemas, [*extra, _REPLY_GBNF, body]), functions)


def _functions(tools: Any) -> list[dict[str, Any]]:
    if not isinstance(tools, list):
        raise InvalidRequestError("'tools' must be a list of functions.", param="tools")
    functions = []
    for i, tool in enumerate(tools):
        function = tool.get("function") if isinstance(tool, dict) else None
        if not isinstance(function, dict) or not isinstance(function.get("name"), str) or not function["name"]:
            raise InvalidRequestError(
                f"tools[{i}] must be {{'type': 'function', 'function': {{'name': ...}}}}.", param=f"tools[{i}]"
            )
        parameters = function.get("parameters") or {"type": "object", "properties": {}}
        functions.append({**function, "parameters": parameters})
    return functions


def _gbnf(root: str, schemas: dict[str, dict], extra: list[str]) -> str:
    """The grammar: the ``root`` rule, one entry rule per schema, and the hand-written rules."""
    return "\n".join([root, _schemas_gbnf(json.dumps(schemas)), *extra]).strip()


@lru_cache(maxsize=64)
def _schemas_gbnf(schemas_json: str) -> str:
    from llama_cpp.llama_grammar import SchemaConverter

    schemas = json.loads(schemas_json)
    if not schemas:
        return ""
    converter = SchemaConverter(prop_order={}, allow_fetch=False, dotall=False, raw_pattern=False)
    try:
        for name, schema in schemas.items():
            converter.visit(converter.resolve_refs(_bounded(schema), "input"), name)
    except (AssertionError, ValueError, KeyError, TypeError, NotImplementedError, RecursionError) as error:
        param = "response_format" if "answer" in schemas else "tools"
        raise InvalidRequestError(f"Unsupported JSON schema: {error}", param=param) from error
    grammar = converter.format_grammar().replace(_LOOSE_CHAR, _STRICT_CHAR)
    return grammar.replace('"\\"" char* "\\""', f'"\\"" char{{0,{MAX_STRING}}} "\\""')  # free strings, bounded


def _bounded(schema: Any) -> Any:
    """``schema`` with a length limit on arrays: a subset of what it accepts (free strings are bounded in GBNF)."""
    if isinstance(schema, list):
        return [_bounded(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: v if k in ("enum", "const", "default", "examples") else _bounded(v) for k, v in schema.items()}
    if out.get("type") == "array" and "maxItems" not in out:
        out["maxItems"] = max(MAX_ITEMS, int(out.get("minItems", 0)))
    return out


def _loads(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


def _parse_call(text: str) -> dict[str, Any] | None:
    """An OpenAI tool call from the model's ``{"name", "arguments"}`` JSON, or ``None``."""
    try:
        data = json.loads(text)
    except ValueError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("name"), str):
        return None
    return {
        "id": f"call_{uuid.uuid4().hex[:24]}",
        "type": "function",
        "function": {"name": data["name"], "arguments": json.dumps(data.get("arguments") or {})},
    }


__all__ = ["Plan", "plan"]
