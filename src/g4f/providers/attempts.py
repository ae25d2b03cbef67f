"""The one attempt loop: try providers in turn, each attempt with its own deadlines, and continue a
stream that broke part-way on a provider able to continue it.

- Deadlines: ``timeout`` bounds the time to an attempt's first part (for a call that is not streamed,
  the whole answer); ``stream_timeout`` (default: ``timeout``) bounds the silence between two parts.
  A stream that keeps producing has no total. The clock runs only while we wait on the provider,
  never while the caller holds a part.
- Fallback: an error another provider may cure moves on to the next candidate, as long as nothing
  the caller shows (text, reasoning, tool calls, media) has been yielded. ``None`` and ``""`` parts
  are skipped, and an attempt that ends having answered nothing is a failure (``ResponseError``).
- Continuation: after text was yielded, a failure continues on the next candidate whose class has
  ``supports_continuation``: the same messages plus ``{"role": "assistant", "content": text_so_far}``
  and ``continue_final_message=True``; it yields only what follows. The ``ProviderInfo`` sent then
  names every provider that contributed, comma-separated in order ("A,B"). A tool call or media
  part already sent, or ``n`` above 1, cannot be continued: the error is raised as it is.
- What happens is reported to ``AttemptHooks`` (the router's health and metrics); the framework
  itself records nothing.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncGenerator
from typing import Any

from .. import debug
from ..clock import NEVER, Watch, current_task
from ..errors import (
    ProviderTimeoutError,
    ResponseError,
    RetryProviderError,
    StreamBrokenError,
    is_curable_elsewhere,
    is_retryable,
)
from ..typing import Messages
from .base_provider import to_async_iterator
from .response import (
    CompletionMeta,
    DebugResponse,
    FinishReason,
    JsonConversation,
    MediaResponse,
    ProviderInfo,
    Reasoning,
    ToolCalls,
    Usage,
)

#: Parts that describe an answer without being one: an attempt with only these answered nothing.
_BOOKKEEPING = (Usage, FinishReason, ProviderInfo, JsonConversation, CompletionMeta, DebugResponse)

#: Seconds to an attempt's first part when the caller sets no ``timeout``.
DEFAULT_TIMEOUT = 120.0


def provider_name(provider: Any) -> str:
    return provider.get_name() if hasattr(provider, "get_name") else getattr(provider, "__name__", str(provider))


class AttemptHooks:
    """What the loop reports about each attempt. These do nothing; the router's record health."""

    def order(self, providers: list[Any], api_key: str | None) -> list[Any]:
        """The providers in the order to try (after a shuffle)."""
        return providers

    def allow(self, name: str, api_key: str | None) -> bool:
        """False defers the provider behind the others (a half-open breaker whose probe is out)."""
        return True

    def succeeded(self, name: str, api_key: str | None, model: str, seconds: float, latency: float) -> None: ...

    def failed(self, name: str, api_key: str | None, model: str, seconds: float, error: BaseException) -> None: ...

    def abandoned(self, name: str, api_key: str | None) -> None:
        """The attempt ended with no outcome of its own (the caller left, or the request was at fault)."""

    def fell_back(self, name: str) -> None:
        """``name`` failed before its first part and the next candidate is tried."""

    def failed_over(self, name: str) -> None:
        """``name`` broke after text reached the caller and the stream continues elsewhere."""


NO_HOOKS = AttemptHooks()


class _Broken(Exception):
    """Internal: the attempt failed after parts the caller shows had been yielded."""

    def __init__(self, error: BaseException) -> None:
        self.error = error


async def run_attempts(
    attempts: list[tuple[Any, str]],
    model: str,
    messages: Messages,
    kwargs: dict[str, Any],
    hooks: AttemptHooks = NO_HOOKS,
) -> AsyncGenerator[Any, None]:
    """Parts of the first attempt that works; ``attempts`` are (provider, label for errors)."""
    api_key = kwargs.get("api_key")
    timeout = float(kwargs.get("timeout") or DEFAULT_TIMEOUT)
    gap = float(kwargs.get("stream_timeout") or timeout)
    can_continue = (kwargs.get("n") or 1) == 1
    exceptions: dict[str, BaseException] = {}
    text: list[str] = []  # what reached the caller, for a continuation
    contributors: list[str] = []
    broken: BaseException | None = None  # the failure a continuation is answering
    pending = list(attempts)
    deferred: set[int] = set()
    passed_over: list[str] = []  # candidates skipped after a break: they cannot continue a stream
    index = 0
    while index < len(pending):
        provider, label = pending[index]
        index += 1
        name = provider_name(provider)
        if broken is not None and not getattr(provider, "supports_continuation", False):
            if label not in exceptions and name not in contributors and label not in passed_over:
                passed_over.append(label)
            continue
        if id(provider) not in deferred and index < len(pending) and not hooks.allow(name, api_key):
            deferred.add(id(provider))
            pending.append((provider, label))
            continue
        if broken is not None:
            if name in contributors:
                continue
            call_messages: Messages = [*messages, {"role": "assistant", "content": "".join(text)}]
            call_kwargs = {**kwargs, "continue_final_message": True}
        else:
            call_messages, call_kwargs = messages, kwargs
        started = time.perf_counter()
        latency = -1.0
        shown = answered = False
        try:
            timer = Watch()  # moved and parked inline below: two attribute writes per part, not two calls
            loop = timer.clock.loop
            parts = to_async_iterator(provider.create_async_generator(model, call_messages, **call_kwargs))
            step = parts.__anext__
            try:
                while True:
                    timer.when = loop.time() + (timeout if latency < 0 else gap)
                    timer.task = current_task(loop)  # a sync caller's bridge may step each part in a new task
                    try:
                        part = await step()
                    except StopAsyncIteration:
                        if not answered and broken is None:  # nothing at all: let the next one answer
                            if contributors and contributors[-1] == name:
                                contributors.pop()
                            raise ResponseError(f"{name} answered nothing.") from None
                        break
                    except asyncio.CancelledError:
                        if timer.timed_out():
                            what = "sent nothing" if latency < 0 else "sent nothing more"
                            seconds = timeout if latency < 0 else gap
                            raise ProviderTimeoutError(f"{name} {what} within {seconds:g} seconds.") from None
                        raise
                    finally:
                        timer.when = NEVER  # the caller's time with the part is not the provider's
                    # One type test for the common part, a text delta; gpt4free providers yield None and "".
                    is_text = isinstance(part, str)
                    if is_text:
                        if not part:
                            continue
                        answered = True
                    elif part is None:
                        continue
                    elif not answered:
                        answered = not isinstance(part, _BOOKKEEPING)
                    if latency < 0:
                        latency = time.perf_counter() - started
                        if broken is not None:
                            hooks.failed_over(contributors[-1])
                        if not contributors or contributors[-1] != name:
                            contributors.append(name)
                        yield _info(provider, model, contributors)
                    if is_text:
                        text.append(part)
                        shown = True
                    elif isinstance(part, (ToolCalls, MediaResponse)):
                        shown, can_continue = True, False
                    elif isinstance(part, Reasoning):
                        shown = True
                    yield part
            except Exception as error:
                timer.timed_out()  # a provider that turned our cancellation into its own error
                if shown:
                    raise _Broken(error) from error
                raise
            finally:
                timer.stop()
                await parts.aclose()  # the provider's cleanup, whoever stops (``aclosing`` without its frames)
        except GeneratorExit:  # the caller stopped reading: the provider served what was asked
            if latency >= 0:
                hooks.succeeded(name, api_key, model, time.perf_counter() - started, latency)
            else:
                hooks.abandoned(name, api_key)
            raise
        except asyncio.CancelledError:
            hooks.abandoned(name, api_key)
            raise
        except Exception as caught:
            mid_stream = isinstance(caught, _Broken)
            failure: BaseException = caught.error if isinstance(caught, _Broken) else caught
            if not is_curable_elsewhere(failure):  # the request is at fault: no provider's failure
                hooks.abandoned(name, api_key)
                raise failure from None
            hooks.failed(name, api_key, model, time.perf_counter() - started, failure)
            debug.log(f"{name} failed{' mid-stream' if mid_stream else ''}: {type(failure).__name__}: {failure}")
            exceptions[label] = failure
            if (mid_stream and text) or broken is not None:  # text reached the caller: continue it
                if not can_continue:
                    raise (broken or failure) from None
                broken = broken or failure
            else:
                if not is_retryable(failure):  # no use asking this provider again
                    pending[index:] = [a for a in pending[index:] if a[0] is not provider]
                if index < len(pending):
                    hooks.fell_back(name)
            continue
        hooks.succeeded(name, api_key, model, time.perf_counter() - started, max(latency, 0.0))
        return
    if broken is not None:  # no provider could continue the broken stream
        if len(exceptions) == 1 and not passed_over:  # the only candidate: its own error
            raise broken
        raise StreamBrokenError(len("".join(text)), exceptions, passed_over)
    if len(exceptions) == 1 and len({id(p) for p, _ in attempts}) == 1:  # one provider: its own error
        raise next(iter(exceptions.values()))
    raise RetryProviderError(exceptions=exceptions)


def _info(provider: Any, model: str, contributors: list[str]) -> ProviderInfo:
    """Which provider answers (every one that contributed, comma-separated), sent before its first part."""
    return ProviderInfo(
        name=",".join(contributors),
        model=model or getattr(provider, "default_model", None) or "",
        label=getattr(provider, "label", None),
        url=getattr(provider, "url", None),
    )


__all__ = ["AttemptHooks", "NO_HOOKS", "run_attempts", "provider_name", "DEFAULT_TIMEOUT"]
