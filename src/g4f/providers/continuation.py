"""Continuing a broken answer (CONTRACTS.md): the router sends the messages plus the text so far as a
final assistant message with ``continue_final_message=True``; the provider yields only what follows.

Protocols differ in what they send back: some echo the prefix first (Mistral), and Anthropic
needs the prefix without trailing whitespace, so the model may start with the whitespace it lost.
``Overlap`` removes from the start of the answer what the caller already has.
"""

from __future__ import annotations

from typing import Any

from ..errors import InvalidRequestError
from ..typing import Messages
from .messages import message_text


def final_assistant_text(messages: Messages) -> str:
    """The text to continue: the final message's, which must be the assistant's."""
    if not messages or messages[-1].get("role") != "assistant":
        raise InvalidRequestError(
            "continue_final_message needs the assistant's text so far as the final message.", param="messages"
        )
    return message_text(messages[-1].get("content"))


class Overlap:
    """Drops the start of an answer that repeats ``already`` (text the caller has).

    ``partial=False``: only a whole repeat is dropped (an echoed prefix); ``partial=True``: the
    longest common start is (whitespace trimmed from a prefill, which the model may or may not send).
    Text is held back only while it could still be such a repeat.
    """

    __slots__ = ("already", "partial", "pending", "done")

    def __init__(self, already: str, partial: bool = False) -> None:
        self.already, self.partial = already, partial
        self.pending = ""
        self.done = not already

    def feed(self, text: str) -> str:
        if self.done:
            return text
        self.pending += text
        if self.already.startswith(self.pending):
            return ""  # all of it may still be a repeat
        self.done = True
        out, self.pending = self.pending, ""
        if out.startswith(self.already):
            return out[len(self.already) :]
        if self.partial:
            common = 0
            while common < len(self.already) and out[common] == self.already[common]:
                common += 1
            return out[common:]
        return out

    def flush(self) -> str:
        """At the end: whatever was held back was a repeat."""
        self.done, self.pending = True, ""
        return ""

    def parts(self, parts: list[Any]) -> list[Any]:
        """``feed`` applied to the text parts of a list of parts."""
        out = []
        for part in parts:
            if isinstance(part, str):
                part = self.feed(part)
                if not part:
                    continue
            out.append(part)
        return out


__all__ = ["final_assistant_text", "Overlap"]
