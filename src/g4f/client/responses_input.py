"""A Responses API request as the chat core's request: ``input`` items as messages, tools, text format."""

from __future__ import annotations

import itertools
import json
import uuid
from typing import Any

from ..errors import InvalidRequestError, NotSupportedError

_ID_PREFIX = uuid.uuid4().hex[:16]
_ids = itertools.count(1)


def new_id(prefix: str) -> str:
    """Unique per process (random prefix) without an ``os.urandom`` call per item, as ``new_completion_id``."""
    return f"{prefix}_{_ID_PREFIX}{next(_ids):016x}"


def _content_part(part: Any, where: str) -> dict[str, Any]:
    if not isinstance(part, dict):
        raise InvalidRequestError(f"{where} must be an object.", param=where)
    kind = part.get("type")
    if kind in ("input_text", "output_text", "text", "refusal"):
        return {"type": "text", "text": part.get("text") or part.get("refusal") or ""}
    if kind == "input_image":
        url = part.get("image_url")
        if not url:
            raise NotSupportedError(f"{where}: only images by URL or data URL are supported.", param=where)
        return {"type": "image_url", "image_url": {"url": url}}
    if kind == "input_file":
        data = part.get("file_data") or part.get("file_url")
        if not data:
            raise NotSupportedError(f"{where}: only files given as file_data or file_url are supported.", param=where)
        return {"type": "file", "file": {"file_data": data, "filename": part.get("filename") or "file"}}
    raise InvalidRequestError(f"{where} has unknown type {kind!r}.", param=f"{where}.type")


def _content(content: Any, where: str) -> str | list[dict[str, Any]]:
    if isinstance(content, str):
        return content
    if not isinstance(content, list):
        raise InvalidRequestError(f"{where} must be a string or a list of parts.", param=where)
    parts = [_content_part(p, f"{where}[{i}]") for i, p in enumerate(content)]
    if all(p["type"] == "text" for p in parts):
        return "".join(p["text"] for p in parts)
    return parts


def input_messages(input: Any) -> list[dict[str, Any]]:
    """``input`` (a string or a list of items) as chat messages."""
    if isinstance(input, str):
        return [{"role": "user", "content": input}]
    if not isinstance(input, list):
        raise InvalidRequestError("'input' must be a string or a list of items.", param="input")
    messages: list[dict[str, Any]] = []
    for i, item in enumerate(input):
        where = f"input[{i}]"
        if not isinstance(item, dict):
            raise InvalidRequestError(f"{where} must be an object.", param=where)
        kind = item.get("type", "message")
        if kind == "message":
            role = item.get("role")
            if role not in ("user", "assistant", "system", "developer"):
                raise InvalidRequestError(f"{where} has unknown role {role!r}.", param=f"{where}.role")
            messages.append({"role": role, "content": _content(item.get("content", ""), f"{where}.content")})
        elif kind == "function_call":
            call = {
                "id": item.get("call_id") or item.get("id") or new_id("call"),
                "type": "function",
                "function": {"name": item.get("name", ""), "arguments": item.get("arguments") or "{}"},
            }
            last = messages[-1] if messages else None
            if last is not None and last["role"] == "assistant":  # parallel calls: one assistant turn
                last.setdefault("tool_calls", []).append(call)
                last["content"] = last.get("content") or None
            else:
                messages.append({"role": "assistant", "content": None, "tool_calls": [call]})
        elif kind == "function_call_output":
            output = item.get("output", "")
            if not isinstance(output, str):
                output = _content(output, f"{where}.output")
                output = output if isinstance(output, str) else json.dumps(output)
            messages.append({"role": "tool", "tool_call_id": item.get("call_id", ""), "content": output})
        elif kind == "reasoning":
            continue  # the model's own earlier thoughts: not resent
        else:
            raise NotSupportedError(f"{where}: items of type {kind!r} are not supported.", param=f"{where}.type")
    return messages


def chat_tools(tools: Any) -> list[dict[str, Any]] | None:
    """Function tools in chat-completions shape; any other tool type is refused."""
    if not tools:
        return None
    if not isinstance(tools, list):
        raise InvalidRequestError("'tools' must be an array.", param="tools")
    out = []
    for i, tool in enumerate(tools):
        if not isinstance(tool, dict) or tool.get("type") != "function":
            kind = tool.get("type") if isinstance(tool, dict) else None
            raise NotSupportedError(
                f"tools[{i}]: only function tools are supported, not {kind!r}.", param=f"tools[{i}].type"
            )
        if not tool.get("name"):
            raise InvalidRequestError(f"tools[{i}] has no 'name'.", param=f"tools[{i}].name")
        function = {k: tool[k] for k in ("name", "description", "parameters", "strict") if tool.get(k) is not None}
        out.append({"type": "function", "function": function})
    return out


def chat_tool_choice(choice: Any) -> Any:
    if isinstance(choice, dict) and choice.get("type") == "function":
        return {"type": "function", "function": {"name": choice.get("name", "")}}
    if choice is None or choice in ("auto", "none", "required"):
        return choice
    raise NotSupportedError(f"tool_choice {choice!r} is not supported.", param="tool_choice")


def response_format(text: Any) -> dict[str, Any] | None:
    fmt = (text or {}).get("format") if isinstance(text, dict) else None
    if not fmt or fmt.get("type") == "text":
        return None
    if fmt.get("type") == "json_object":
        return {"type": "json_object"}
    if fmt.get("type") == "json_schema":
        schema = {k: fmt[k] for k in ("name", "schema", "strict", "description") if k in fmt}
        return {"type": "json_schema", "json_schema": schema}
    raise InvalidRequestError(f"text.format type {fmt.get('type')!r} is unknown.", param="text.format")


def chat_request(body: dict[str, Any]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """A Responses request (without ``previous_response_id``) as chat ``messages`` and core kwargs."""
    messages = input_messages(body.get("input", ""))
    if body.get("instructions"):
        messages.insert(0, {"role": "system", "content": body["instructions"]})
    kwargs: dict[str, Any] = {
        "max_tokens": body.get("max_output_tokens"),
        "temperature": body.get("temperature"),
        "top_p": body.get("top_p"),
        "user": body.get("user"),
        "tools": chat_tools(body.get("tools")),
        "tool_choice": chat_tool_choice(body.get("tool_choice")),
        "parallel_tool_calls": body.get("parallel_tool_calls"),
        "response_format": response_format(body.get("text")),
        "reasoning_effort": (body.get("reasoning") or {}).get("effort"),
    }
    return messages, {k: v for k, v in kwargs.items() if v is not None}


# --- response ---------------------------------------------------------------------------------


__all__ = ["new_id", "input_messages", "chat_tools", "chat_tool_choice", "response_format", "chat_request"]
