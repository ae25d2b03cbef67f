"""Most chunks of a stream read without parsing them whole: ``TextTemplate``.

Within one stream an OpenAI-compatible upstream sends most chunks alike byte for byte but for the
text: the same id, created, model and shape, only ``delta.content`` differs. Once one such chunk has
been parsed, the text before and after its content string is the template. A later event made of
that head, one JSON string and that tail is the same chunk with another text, and only the string is
decoded. Anything else (another field, another order, a finish reason, padding that changes with
each chunk) does not match and is parsed whole, as before.

Why one probe proves it: the head leaves a JSON reader in the same state whatever follows it, and a
string token leaves it in the same state whatever the string holds. So if head + ``"x"`` + tail
parses to the learned chunk with ``"x"`` as its content, every head + string + tail parses to that
chunk with the string's value as its content.
"""

from __future__ import annotations

from typing import Any

import orjson

_loads = orjson.loads


class TextTemplate:
    """The head and tail around the content of one stream's plain text chunks, once learned."""

    __slots__ = ("head", "tail", "start", "cut", "tries")

    def __init__(self) -> None:
        self.head = "\x00"  # no JSON text starts with it: nothing matches until a template is learned
        self.tail = ""
        self.start, self.cut = 0, 0  # where the text lies: data[start:cut]
        self.tries = 2  # chunks left to learn from (0 once learned, or when this stream goes without)

    @property
    def learned(self) -> bool:
        return self.head != "\x00"

    def match(self, data: str) -> str | None:
        """The content of ``data`` when it is the learned chunk with another text, else None.

        No length check is needed: an event shorter than the head and tail leaves fewer than two
        characters between them, which no JSON string is."""
        if data.startswith(self.head) and data.endswith(self.tail):
            try:
                text = _loads(data[self.start : self.cut])
            except ValueError:  # not one JSON value: another chunk, read whole
                return None
            if type(text) is str:
                return text
        return None

    def learn(self, data: str, chunk: dict[str, Any], content: str) -> None:
        """Take ``data`` (parsed as ``chunk``: a text delta ``content`` and nothing else to act on)
        as the template, if the probe says its content sits where it is found."""
        if not self.tries:
            return
        self.tries -= 1
        encoded = orjson.dumps(content).decode()
        at = data.find(encoded)
        if at < 0 or data.find(encoded, at + 1) >= 0:  # escaped otherwise than orjson does, or not once
            return
        head, tail = data[:at], data[at + len(encoded) :]
        if not head or not tail:  # a JSON object has both
            return
        try:
            probe = _loads(head + '"x"' + tail)
            probe["choices"][0]["delta"]["content"] = content
        except (ValueError, LookupError, TypeError):
            return
        if probe == chunk:
            self.head, self.tail, self.start, self.cut = head, tail, len(head), -len(tail)
            self.tries = 0


__all__ = ["TextTemplate"]
