"""From chat messages to the model's prompt text, through the model's own chat template.

With ``continue_final=True`` and a final assistant message, the template is rendered without
closing that turn, so the model goes on from the message's last character (mid-stream failover).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..errors import ProviderNotWorkingError
from ..typing import Messages


def text_messages(messages: Messages) -> Messages:
    """Plain-text messages for the chat template (parts flattened; tool results as text)."""
    out = []
    for m in messages:
        content = m.get("content")
        if isinstance(content, list):
            content = "\n".join(p.get("text", "") for p in content if isinstance(p, dict) and p.get("type") == "text")
        role = m["role"]
        if role == "developer":
            role = "system"
        elif role in ("tool", "function"):
            role, content = "user", f"Tool result: {content}"
        out.append({"role": role, "content": content or ""})
    return out


@dataclass(frozen=True)
class Prompt:
    text: str
    #: The template's stop strings.
    stops: list[str] = field(default_factory=list)
    #: The assistant text being continued (the end of ``text``), or "".
    prefix: str = ""


def render(formatter: Any, messages: Messages, continue_final: bool = False) -> Prompt:
    """The prompt for ``messages``.

    ``formatter`` is a ``Jinja2ChatFormatter`` of the model's template, or ``None`` for a model
    without one (then a plain "role: text" transcript).
    """
    messages = text_messages(messages)
    prefix = None
    if continue_final and messages and messages[-1]["role"] == "assistant":
        prefix = messages[-1]["content"]
        if not prefix.strip():  # nothing to continue from: a fresh answer
            messages, prefix = messages[:-1], None
    if formatter is None:
        lines = "".join(f"{m['role']}: {m['content']}\n" for m in messages)
        if prefix is not None:
            return Prompt(lines[:-1], ["\nuser:"], prefix)  # the transcript without the last line's end
        return Prompt(lines + "assistant:", ["\nuser:"])
    result = formatter(messages=messages)
    stop = result.stop if isinstance(result.stop, list) else [result.stop] if result.stop else []
    if prefix is None:
        return Prompt(result.prompt, stop)
    # The turn as the template writes it, cut right after the prefix (as transformers' continue_final_message
    # does). A template that trims the content is found by the stripped text and gets the prefix as it was.
    text, lead = result.prompt, prefix[: len(prefix) - len(prefix.lstrip())]
    at = text.rfind(prefix.strip())
    if at < 0:
        raise ProviderNotWorkingError("This model's chat template cannot continue an assistant message.")
    if lead and text[:at].endswith(lead):
        at -= len(lead)
    return Prompt(text[:at] + prefix, stop, prefix)
