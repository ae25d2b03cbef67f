"""Legacy text completions (``client.completions.create``, ``POST /v1/completions``) on the chat core.

Each prompt is asked as one user message through ``core.create_completion`` / ``stream_completion``
(the same routing, fallback and deadlines as chat); the answers come back in OpenAI's
``text_completion`` shape. ``echo`` puts the prompt before the text; ``logprobs`` are asked of the
provider and converted when it returns them (else ``null``); ``suffix`` needs an insertion model,
which no chat provider is, so it is refused. Token-id prompts are refused too: their ids belong to a
tokenizer the providers do not share.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

from ..errors import InvalidRequestError
from .bridge import iterate_sync, run_sync
from .core import create_completion, stream_completion

DEFAULT_MAX_TOKENS = 16  # OpenAI's default for this API
MAX_N = 8


def validate_prompts(prompt: Any) -> list[str]:
    """``prompt`` as a list of strings (a string, or a list of strings)."""
    if prompt is None:
        prompt = ""  # OpenAI: no prompt is the start of a document
    if isinstance(prompt, str):
        return [prompt]
    if isinstance(prompt, list) and prompt and all(isinstance(p, str) for p in prompt):
        return prompt
    if isinstance(prompt, list) and prompt and all(isinstance(p, (int, list)) for p in prompt):
        raise InvalidRequestError(
            "Token-id prompts are not supported (their ids belong to one tokenizer); send the text.", param="prompt"
        )
    raise InvalidRequestError("'prompt' must be a string or a non-empty array of strings.", param="prompt")


def _options(
    suffix: Any, echo: Any, logprobs: Any, n: Any, max_tokens: Any, kwargs: dict[str, Any]
) -> tuple[bool, int | None, int, dict[str, Any]]:
    if suffix:
        raise InvalidRequestError(
            "'suffix' needs an insertion model; the providers here complete text only.", param="suffix"
        )
    if logprobs is not None and (isinstance(logprobs, bool) or not isinstance(logprobs, int) or not 0 <= logprobs <= 5):
        raise InvalidRequestError("'logprobs' must be an integer from 0 to 5.", param="logprobs")
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_N:
        raise InvalidRequestError(f"'n' must be an integer from 1 to {MAX_N}.", param="n")
    options = {k: v for k, v in kwargs.items() if v is not None}
    options["max_tokens"] = DEFAULT_MAX_TOKENS if max_tokens is None else max_tokens
    if logprobs is not None:
        options.update(logprobs=True, top_logprobs=logprobs)
    return bool(echo), logprobs, n, options


def legacy_logprobs(chat_logprobs: Any, offset: int) -> dict[str, Any] | None:
    """Chat ``logprobs.content`` as the legacy ``{tokens, token_logprobs, top_logprobs, text_offset}``."""
    content = chat_logprobs.get("content") if isinstance(chat_logprobs, dict) else None
    if not content:
        return None
    result: dict[str, list[Any]] = {"tokens": [], "token_logprobs": [], "top_logprobs": [], "text_offset": []}
    for item in content:
        result["tokens"].append(item["token"])
        result["token_logprobs"].append(item["logprob"])
        result["top_logprobs"].append({t["token"]: t["logprob"] for t in item.get("top_logprobs") or ()})
        result["text_offset"].append(offset)
        offset += len(item["token"])
    return result


def _usage(prompt_tokens: int, completion_tokens: int) -> dict[str, int]:
    return {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
    }


async def create_text_completion(
    prompt: Any,
    model: str | None = None,
    provider: Any = None,
    *,
    suffix: str | None = None,
    echo: bool = False,
    logprobs: int | None = None,
    n: int = 1,
    max_tokens: int | None = None,
    **kwargs: Any,
) -> dict[str, Any]:
    """OpenAI's ``Completion`` as a dict: one choice per prompt and ``n``."""
    prompts = validate_prompts(prompt)
    echo, logprobs, n, options = _options(suffix, echo, logprobs, n, max_tokens, kwargs)
    jobs = [(p, j) for p in prompts for j in range(n)]
    answers = await asyncio.gather(
        *(create_completion(model or "", [{"role": "user", "content": p}], provider, **options) for p, _ in jobs)
    )
    choices, prompt_tokens, completion_tokens = [], 0, 0
    for index, ((text_prompt, _), answer) in enumerate(zip(jobs, answers, strict=True)):
        choice = answer.choices[0]
        text = choice.message.content or ""
        head = text_prompt if echo else ""
        choices.append(
            {
                "text": head + text,
                "index": index,
                "logprobs": legacy_logprobs(choice.logprobs, len(head)) if logprobs is not None else None,
                "finish_reason": choice.finish_reason if choice.finish_reason in ("stop", "length") else "stop",
            }
        )
        if index % n == 0:
            prompt_tokens += answer.usage.prompt_tokens or 0
        completion_tokens += answer.usage.completion_tokens or 0
    first = answers[0]
    return {
        "id": f"cmpl-{uuid.uuid4().hex[:24]}",
        "object": "text_completion",
        "created": int(time.time()),
        "model": first.model or model or "",
        "choices": choices,
        "usage": _usage(prompt_tokens, completion_tokens),
        **({"provider": first.provider} if first.provider else {}),
    }


async def stream_text_completion(
    prompt: Any,
    model: str | None = None,
    provider: Any = None,
    *,
    suffix: str | None = None,
    echo: bool = False,
    logprobs: int | None = None,
    n: int = 1,
    max_tokens: int | None = None,
    include_usage: bool = False,
    **kwargs: Any,
) -> AsyncIterator[dict[str, Any]]:
    """``text_completion`` chunks: each choice's text as it comes (choices in turn, by ``index``), a
    closing chunk per choice with its ``finish_reason``, and the usage last when asked."""
    prompts = validate_prompts(prompt)
    echo, logprobs, n, options = _options(suffix, echo, logprobs, n, max_tokens, kwargs)
    completion_id, created = f"cmpl-{uuid.uuid4().hex[:24]}", int(time.time())
    model_name = model or ""
    prompt_tokens = completion_tokens = 0

    def chunk(index: int, text: str, finish: str | None = None) -> dict[str, Any]:
        choice = {"text": text, "index": index, "logprobs": None, "finish_reason": finish}
        return {
            "id": completion_id,
            "object": "text_completion",
            "created": created,
            "model": model_name,
            "choices": [choice],
        }

    index = 0
    for text_prompt in prompts:
        for j in range(n):
            if echo:
                yield chunk(index, text_prompt)
            finish = "stop"
            async for part in stream_completion(
                model or "", [{"role": "user", "content": text_prompt}], provider, **options
            ):
                model_name = part.model or model_name
                if part.usage is not None:
                    if j == 0:
                        prompt_tokens += part.usage.prompt_tokens or 0
                    completion_tokens += part.usage.completion_tokens or 0
                for choice in part.choices:
                    if choice.delta.content:
                        yield chunk(index, choice.delta.content)
                    if choice.finish_reason:
                        finish = choice.finish_reason if choice.finish_reason in ("stop", "length") else "stop"
            yield chunk(index, "", finish)
            index += 1
    if include_usage:
        last = chunk(0, "")
        last["choices"] = []
        last["usage"] = _usage(prompt_tokens, completion_tokens)
        yield last


class Completions:
    """``client.completions``: the legacy text completion API."""

    def __init__(self, client: Any, is_async: bool) -> None:
        self.client = client
        self.is_async = is_async

    def create(
        self, prompt: Any, model: str | None = None, stream: bool = False, provider: Any = None, **kwargs: Any
    ) -> Any:
        """A ``text_completion`` dict; with ``stream=True`` an iterator of chunk dicts."""
        client = self.client
        options = {**client.kwargs, **kwargs}
        if client.api_key and "api_key" not in options:
            options["api_key"] = client.api_key
        if client.proxy and "proxy" not in options:
            options["proxy"] = client.proxy
        provider = provider if provider is not None else client.provider
        if stream:
            stream_options = options.pop("stream_options", None) or {}
            agen = stream_text_completion(
                prompt, model, provider, include_usage=bool(stream_options.get("include_usage")), **options
            )
            return agen if self.is_async else iterate_sync(agen)
        coro = create_text_completion(prompt, model, provider, **options)
        return coro if self.is_async else run_sync(coro)


__all__ = ["Completions", "create_text_completion", "stream_text_completion", "validate_prompts", "legacy_logprobs"]
