"""The SSE decoder's whole-event path gives what the line-by-line reader gives, however the
bytes are split and whatever the events hold."""

from __future__ import annotations

import random

from g4f.providers.transport import SSEDecoder

STREAM = (
    b'data: {"a":1}\n\n'
    b"event: x\ndata: two\ndata: lines\n\n"
    b": comment\n\n"
    b"data: \xc3\xa9t\xc3\xa9\n\n"
    b"data:nospace\n\n"
    b"\n\n"
    b"id: 3\ndata: with id\n\n"
    b"data: [DONE]\n\n"
)


def _line_by_line(raw: bytes) -> list[tuple[str, str]]:
    return SSEDecoder()._lines(raw)


def test_whole_events_equal_the_line_reader_however_split() -> None:
    want = _line_by_line(STREAM)
    assert ("x", "two\nlines") in want and ("message", "été") in want and want[-1] == ("message", "[DONE]")
    rng = random.Random(7)
    for _ in range(2000):
        cuts = sorted(rng.sample(range(1, len(STREAM)), rng.randint(0, 12)))
        decoder, got, previous = SSEDecoder(), [], 0
        for cut in [*cuts, len(STREAM)]:
            got += decoder.feed(STREAM[previous:cut])
            previous = cut
        assert got == want, cuts


def test_crlf_streams_take_the_line_reader() -> None:
    assert SSEDecoder().feed(STREAM.replace(b"\n", b"\r\n")) == _line_by_line(STREAM)


def test_an_event_left_open_waits_for_its_blank_line() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"event: x\ndata: a") == []
    assert decoder.feed(b"b\n") == []
    assert decoder.feed(b"\n") == [("x", "ab")]
