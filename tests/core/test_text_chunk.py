"""A text-only chunk (``TextChunk``) is a ``ChatCompletionChunk`` in every way a caller can see,
and the server's template for it writes exactly what the generic dump writes."""

from __future__ import annotations

import orjson

from g4f.api.completion import TextFrames, _event
from g4f.client.stubs import ChatCompletionChunk, ChatCompletionDelta, TextChunk


def _head(provider: str = "A", fingerprint: str | None = None) -> ChatCompletionChunk:
    head = ChatCompletionChunk(None, completion_id="chatcmpl-1", created=7, model="m", provider=provider)
    head.system_fingerprint = fingerprint
    return head


def _plain(text: str, head: ChatCompletionChunk) -> ChatCompletionChunk:
    chunk = ChatCompletionChunk(
        ChatCompletionDelta(text, None),
        completion_id=head.id,
        created=head.created,
        model=head.model,
        provider=head.provider,
    )
    chunk.system_fingerprint = head.system_fingerprint
    return chunk


def test_text_chunk_reads_and_dumps_as_a_chunk() -> None:
    head = _head(fingerprint="fp")
    chunk = TextChunk('Hé "quoted"\n', head)
    assert isinstance(chunk, ChatCompletionChunk)
    assert (chunk.id, chunk.object, chunk.model, chunk.provider, chunk.usage) == (
        "chatcmpl-1",
        "chat.completion.chunk",
        "m",
        "A",
        None,
    )
    assert chunk.model_dump() == _plain('Hé "quoted"\n', head).model_dump()
    assert chunk.choices[0].delta.content == 'Hé "quoted"\n'
    assert chunk.text is None  # its choices exist now: the server's template is no longer used


def test_fields_set_on_a_text_chunk_win_over_its_head() -> None:
    chunk = TextChunk("x", _head())
    chunk.id = "other"
    chunk.choices[0].index = 2
    dumped = chunk.model_dump()
    assert dumped["id"] == "other" and dumped["choices"][0]["index"] == 2


def test_the_template_writes_what_the_generic_dump_writes() -> None:
    frames = TextFrames()
    first, after_failover = _head("A", "fp"), _head("A,B")
    for head in (first, first, after_failover, after_failover):
        for text in ("Hello", "", "\u2028 \\ \x00 😀", '"}]'):
            written = frames(TextChunk(text, head))
            assert written == _event(_plain(text, head))
            assert orjson.loads(written[6:])["provider"] == head.provider
