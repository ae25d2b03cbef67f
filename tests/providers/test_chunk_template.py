"""The stream parser reads most chunks through a learned template (``TextTemplate``) instead of
parsing them whole: whatever the chunks hold, its parts and state must be exactly those of the
whole parse, and a chunk that differs anywhere but in its text must be parsed whole."""

from __future__ import annotations

import random
from typing import Any

import orjson
import pytest

from g4f.providers.chunk_template import TextTemplate
from g4f.providers.openai_wire import ChunkParser

TRICKY = ['"}]}', "\\", '"content":"x"', "é😀\u2028", "\x00\x1f", "</think>", "<think>", " ", "null", "a" * 300]


def _chunk(text: Any, finish: str | None = None, **extra: Any) -> dict[str, Any]:
    delta = {} if text is None else {"content": text}
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "m",
        **extra,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }


def _run(events: list[str], template: bool) -> tuple[list[Any], Any, Any, int]:
    parser = ChunkParser("P")
    if not template:
        parser.template.tries = 0  # never learns: every chunk parsed whole
    parts: list[Any] = []
    for event in events:
        parts += parser.feed(event)
    return parts, parser.finish, parser.usage, parser.template.learned


def _texts(rng: random.Random, count: int) -> list[str]:
    return [rng.choice([*TRICKY, f"tok{i} ", ""]) + rng.choice(["", *TRICKY]) for i in range(count)]


@pytest.mark.parametrize("seed", range(20))
def test_the_template_gives_what_the_whole_parse_gives(seed: int) -> None:
    rng = random.Random(seed)
    chunks = [_chunk("", role="assistant")] + [_chunk(t) for t in _texts(rng, 40)]
    chunks.insert(rng.randrange(2, 30), _chunk(None, "length"))  # a finish mid-way does not match the template
    chunks.append({**_chunk(None, "stop"), "usage": {"prompt_tokens": 3, "completion_tokens": 40, "total_tokens": 43}})
    events = [orjson.dumps(c).decode() for c in chunks] + ["[DONE]"]
    fast, whole = _run(events, True), _run(events, False)
    assert fast[:3] == whole[:3]
    assert fast[3] and not whole[3]  # the template was learned


def test_think_tags_split_across_templated_chunks() -> None:
    events = [orjson.dumps(_chunk(t)).decode() for t in ["Hi ", "<thi", "nk>plan", "</think>", "answer"]]
    assert _run(events, True)[0] == _run(events, False)[0]


def test_chunks_that_change_elsewhere_are_parsed_whole() -> None:
    """An upstream that pads each chunk differently (OpenAI's ``obfuscation``) never matches, and
    a head and tail around something other than one string do not pass as a text."""
    events = [orjson.dumps(_chunk(f"t{i}", obfuscation="x" * i)).decode() for i in range(6)]
    assert _run(events, True)[:3] == _run(events, False)[:3]
    template = TextTemplate()
    first = _chunk("a")
    template.learn(orjson.dumps(first).decode(), first, "a")
    assert template.learned
    head, tail = template.head, template.tail
    assert template.match(head + '"b"' + tail) == "b"
    assert template.match(head + '"b","role":"assistant"' + tail) is None  # two fields, not one string
    assert template.match(head + "123" + tail) is None  # not a string
    assert template.match(head + '"b"' + tail.replace("null", '"stop"')) is None
    assert template.match(head + '"b"' + tail.replace("null", '"ab"')) is None  # a tail as long, not the same


def test_no_template_when_the_text_is_not_found_once() -> None:
    """The text also in the id, or escaped otherwise than orjson writes it: nothing is learned."""
    twice = _chunk("chatcmpl-1")
    template = TextTemplate()
    template.learn(orjson.dumps(twice).decode(), twice, "chatcmpl-1")
    assert not template.learned
    escaped = orjson.dumps(_chunk("é")).decode().replace("é", "\\u00e9")
    template = TextTemplate()
    template.learn(escaped, orjson.loads(escaped), "é")
    assert not template.learned
    parts = _run([escaped, escaped.replace("\\u00e9", "\\u00e8")], True)[0]
    assert parts == ["é", "è"]


def test_the_probe_refuses_a_text_found_outside_the_content() -> None:
    """The text as orjson writes it only in the id (the upstream escaped the content otherwise):
    learned there, a later chunk with the same content and another id would read as its id."""
    events = [
        orjson.dumps({**_chunk("x"), "id": i}).decode().replace('"content":"x"', '"content":"\\u00e9"')
        for i in ("é", "zz", "é")
    ]
    assert _run(events, True)[0] == ["é", "é", "é"]
