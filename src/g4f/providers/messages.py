"""Reading OpenAI-shaped messages: their text and images, and building alternating turns from them.

Shared by the protocol adapters that translate OpenAI messages into another API's (Anthropic,
Gemini) and by the OpenAI protocol itself (the prompt of an image or speech model).
"""

from __future__ import annotations

from typing import Any

from ..typing import Messages


def message_images(content: Any) -> list[Any]:
    """The image inputs of an OpenAI message content list (``image_url`` parts)."""
    if not isinstance(content, list):
        return []
    out = []
    for part in content:
        if isinstance(part, dict) and part.get("type") == "image_url":
            url = part.get("image_url")
            out.append(url.get("url") if isinstance(url, dict) else url)
    return [u for u in out if u]


def message_text(content: Any) -> str:
    """The text of an OpenAI message content (a string or a list of parts)."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    return "".join(
        p.get("text", "") for p in content if isinstance(p, dict) and p.get("type") in ("text", "input_text")
    )


def last_user_text(messages: Messages) -> str:
    """The text of the last user message (an image or speech model's prompt)."""
    for message in reversed(messages):
        if message.get("role") == "user":
            return message_text(message.get("content"))
    return ""


def add_turn(turns: list[dict], role: str, items: list, key: str) -> None:
    """Append a turn's items (``key``: "content" blocks or "parts"); APIs that want roles to
    alternate get consecutive same-role items merged into one turn. Empty items add nothing."""
    if not items:
        return
    if turns and turns[-1]["role"] == role:
        turns[-1][key].extend(items)
    else:
        turns.append({"role": role, key: items})


def last_user_items(turns: list[dict], key: str) -> list:
    """The item list of the last user turn (made when there is none), where request media go."""
    last_user = next((t for t in reversed(turns) if t["role"] == "user"), None)
    if last_user is None:
        turns.append(last_user := {"role": "user", key: []})
    return last_user[key]


__all__ = ["message_images", "message_text", "last_user_text", "add_turn", "last_user_items"]
