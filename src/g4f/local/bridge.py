"""The token bridge: a sequence's events, from the engine thread to the caller's event loop.

The engine calls ``emit`` for each piece of text and for the end; the caller's async generator
reads them from a queue on its own loop. Closing the generator (the client went away) cancels
the sequence, which leaves the batch at the engine's next step.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator

from ..providers.response import FinishReason, Usage
from .batch import Finished, Sequence
from .model import LoadedModel
from .prompt import Prompt
from .sampling import SamplingParams
from .thread import engine


async def generate(
    model: LoadedModel,
    prompt: Prompt,
    params: SamplingParams,
    max_tokens: int | None = None,
    stop: list[str] | None = None,
) -> AsyncGenerator[str | Usage | FinishReason, None]:
    """Text deltas of one generation, then its ``Usage`` and ``FinishReason``.

    ``stop`` adds the caller's stop strings to the template's."""
    loop = asyncio.get_running_loop()
    events: asyncio.Queue[object] = asyncio.Queue()

    def emit(event: object) -> bool:
        try:
            loop.call_soon_threadsafe(events.put_nowait, event)
            return True
        except RuntimeError:  # the caller's loop is closed: nobody is listening
            return False

    seq = Sequence(prompt.text, params, emit, max_tokens, prompt.stops + (stop or []), prompt.prefix)
    engine.submit(lambda: model.batcher.add(seq))
    try:
        while True:
            event = await events.get()
            if isinstance(event, str):
                yield event
            elif isinstance(event, Finished):
                yield Usage(prompt_tokens=event.prompt_tokens, completion_tokens=event.completion_tokens)
                yield FinishReason(event.reason)
                return
            elif isinstance(event, BaseException):
                raise event
    finally:
        seq.cancel()
