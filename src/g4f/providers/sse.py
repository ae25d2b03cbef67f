"""Server-Sent Events from bytes split anywhere: the one reader of the transport's streams."""

from __future__ import annotations


class SSEDecoder:
    """Server-Sent Events from bytes split anywhere; lines of any length."""

    __slots__ = ("buffer", "event", "data")

    def __init__(self) -> None:
        self.buffer = b""
        self.event = ""
        self.data: list[str] = []

    def feed(self, chunk: bytes) -> list[tuple[str, str]]:
        """The complete ``(event, data)`` pairs this chunk finishes."""
        buffer = self.buffer + chunk if self.buffer else chunk
        if self.data or self.event or b"\r" in buffer:
            self.buffer = b""
            return self._lines(buffer)
        # Most streams: whole events of one ``data:`` line each, taken an event at a time.
        *blocks, rest = buffer.split(b"\n\n")
        events = []
        for block in blocks:
            if block[:6] == b"data: " and b"\n" not in block:
                events.append(("message", block[6:].decode("utf-8", "replace")))
            else:
                events += self._lines(block + b"\n\n")
        self.buffer = rest
        return events

    def _lines(self, buffer: bytes) -> list[tuple[str, str]]:
        """Any SSE, a line at a time (fields, comments, CRLF, events split across chunks)."""
        *lines, self.buffer = buffer.split(b"\n")
        events = []
        for raw in lines:
            line = raw.decode("utf-8", errors="replace").rstrip("\r")
            if not line:
                if self.data:
                    events.append((self.event or "message", "\n".join(self.data)))
                self.event, self.data = "", []
            elif not line.startswith(":"):  # ":" starts a comment / keep-alive
                field, _, value = line.partition(":")
                value = value[1:] if value.startswith(" ") else value
                if field == "event":
                    self.event = value
                elif field == "data":
                    self.data.append(value)
        return events


__all__ = ["SSEDecoder"]
