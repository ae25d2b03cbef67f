"""The async core every door uses: validate, route, run the provider, shape the response."""

from __future__ import annotations

import time
from collections.abc import AsyncGenerator
from typing import Any

from ..config import get as get_setting
from ..errors import InvalidRequestError
from ..image import prepare_media, resolve_image_urls
from ..models import Model, ModelRegistry
from ..providers import response as parts
from ..providers.attempts import run_attempts
from ..routing import route
from ..typing import Messages
from .stubs import (
    ChatCompletion,
    ChatCompletionChunk,
    ChatCompletionDelta,
    TextChunk,
    ToolCall,
    Usage,
    new_completion_id,
)
from .validation import check_depth, check_params, validate_messages


def estimate_tokens(text: str) -> int:
    """A rough count (about four characters a token) for providers that report no usage."""
    return (len(text) + 3) // 4 if text else 0


def _prompt_text(messages: Messages) -> str:
    out = []
    for m in messages:
        c = m.get("content")
        if isinstance(c, str):
            out.append(c)
        elif isinstance(c, list):
            out.extend(p.get("text", "") for p in c if isinstance(p, dict))
    return " ".join(out)


def collect_media(
    image: Any = None, image_name: str | None = None, images: Any = None, media: Any = None
) -> list | None:
    """``image``/``image_name``, ``images`` and ``media`` as one list of ``(data, name)`` pairs."""
    result = []
    for group in (media, images):
        for item in group or ():
            result.append(tuple(item) if isinstance(item, (list, tuple)) else (item, None))
    if image is not None:
        result.append((image, image_name))
    return result or None


class StopFilter:
    """Cuts the text at the first stop sequence, holding back just enough to see one split across deltas."""

    def __init__(self, stop: str | list[str] | None) -> None:
        self.stops = [stop] if isinstance(stop, str) else [s for s in stop if s] if stop else []
        self.keep = max(map(len, self.stops)) - 1 if self.stops else 0
        self.buffer = ""
        self.stopped = False

    def feed(self, text: str) -> str:
        if not self.stops:
            return text
        self.buffer += text
        cut = min((i for i in (self.buffer.find(s) for s in self.stops) if i >= 0), default=-1)
        if cut >= 0:
            out, self.buffer, self.stopped = self.buffer[:cut], "", True
            return out
        if len(self.buffer) <= self.keep:
            return ""
        out, self.buffer = self.buffer[: len(self.buffer) - self.keep], self.buffer[len(self.buffer) - self.keep :]
        return out

    def flush(self) -> str:
        out, self.buffer = self.buffer, ""
        return out


async def open_parts(
    model: Any,
    messages: Messages,
    provider: Any = None,
    *,
    stream: bool = False,
    ignored_providers: list[str] | None = None,
    ignore_working: bool = False,
    ignore_stream: bool = False,
    **kwargs: Any,
) -> AsyncGenerator[Any, None]:
    """Validate and route the request; the provider parts' generator, not yet started.

    Returned rather than wrapped, so the hot path has one generator layer fewer; the caller closes it.
    """
    messages = validate_messages(messages)
    _refuse_audio_model(model)
    if kwargs.get("proxy") is None:
        kwargs["proxy"] = get_setting("proxy")
    given = {}  # the parameters set, each structured one's depth checked (check_params, in the same pass)
    for name, value in kwargs.items():
        if value is not None:
            if isinstance(value, (dict, list)):
                check_depth(value, name)
            given[name] = value
    kwargs = given
    model_name, runner = route(
        model,
        provider,
        stream=stream,
        ignored=ignored_providers,
        ignore_working=ignore_working,
        ignore_stream=ignore_stream,
        api_key=kwargs.get("api_key"),
    )
    # Image inputs are read, and remote ones fetched safely, once before any provider: every
    # candidate gets the same bytes and data URIs (g4f.image).
    if kwargs.get("media"):
        kwargs["media"] = await prepare_media(kwargs["media"])
    if any(type(message.get("content")) is list for message in messages):
        messages = await resolve_image_urls(messages)
    else:  # text only: nothing to resolve, and the providers get a list of their own all the same
        messages = list(messages)
    kwargs["stream"] = stream
    # The attempt loop itself (no wrapper generator on the hot path): the runner's attempts and hooks.
    return run_attempts(runner.attempts(kwargs.get("api_key")), model_name, messages, kwargs, runner.hooks)


def _refuse_audio_model(model: Any) -> None:
    """An audio-only model (whisper-1, tts-1) does not chat: say where it belongs instead of an empty answer."""
    registered = model if isinstance(model, Model) else ModelRegistry.get(model) if isinstance(model, str) else None
    if registered is not None and registered.kind == "audio":
        raise InvalidRequestError(
            f"{registered.name!r} is an audio model, not a chat model: use it with /v1/audio/speech or "
            "/v1/audio/transcriptions (client.audio), or choose a chat model (GET /v1/models).",
            param="model",
        )


_NO_DELTA: tuple[None, None, None] = (None, None, None)
#: The filter of a request without ``stop``: it passes text through and keeps no state, so one serves all.
_NO_STOP = StopFilter(None)


class _Collector:
    """Turns parts into the fields of a completion (shared by the streaming and whole paths)."""

    # Fields that start as None are set on the class: one collector per request, most stay None.
    provider: str | None = None
    tool_calls: list[dict] | None = None
    usage: Usage | None = None
    finish_reason: str | None = None
    conversation: dict | None = None
    audio: dict[str, Any] | None = None
    logprobs: dict[str, list] | None = None
    meta: parts.CompletionMeta | None = None
    #: The extra delta fields (refusal, audio) of the part ``take`` saw last.
    extra: dict[str, Any] | None = None
    _head: ChatCompletionChunk | None = None

    def __init__(self, model: str, messages: Messages, stop: Any, max_parts: int | None = None) -> None:
        self.id = new_completion_id()
        self.created = int(time.time())
        self.model = model if isinstance(model, str) else getattr(model, "name", "") or ""
        self.messages = messages
        self.stop = StopFilter(stop) if stop else _NO_STOP
        self.text: list[str] = []
        self.reasoning: list[str] = []
        self.media: list[parts.MediaResponse] = []
        self.refusal: list[str] = []
        self.annotations: list[dict] = []
        self.audio_data: list[bytes] = []
        #: ``max_tokens`` enforced here too, in parts (as gpt4free): a provider that overruns it is cut.
        self.max_parts = max_parts
        self.count = 0

    def head(self) -> ChatCompletionChunk:
        """The fields every chunk of this stream shares (id, model, provider, ...), as a chunk without
        choices; made again when a part changes them (a failover names another provider)."""
        head = self._head
        if head is None:
            head = ChatCompletionChunk(
                None, completion_id=self.id, created=self.created, model=self.model, provider=self.provider
            )
            head = self._head = self.finish(head)
        return head

    @property
    def capped(self) -> bool:
        return self.max_parts is not None and self.count >= self.max_parts

    def take(self, part: Any) -> tuple[str | None, str | None, list | None]:
        """Record a part; return the (text, reasoning, tool_calls) delta it adds (``extra`` the rest)."""
        self.extra = None
        kind = type(part)
        if kind is str or isinstance(part, str):
            text = self.stop.feed(part) if self.stop.stops else part
            self.text.append(text)
            self.count += 1
            return text or None, None, None
        # The bookkeeping every answer carries: by exact type, else (a subclass) by isinstance.
        keep = _KEEP.get(kind) or next((h for cls, h in _KEEP.items() if isinstance(part, cls)), None)
        if keep is not None:
            keep(self, part)
            return _NO_DELTA
        if isinstance(part, parts.Sources):  # as gpt4free: the sources follow the text, as a quote
            return self.take(_sources_text(part))
        if isinstance(part, parts.Refusal):
            self.refusal.append(part.token)
            self.extra = {"refusal": part.token}
        elif isinstance(part, parts.AudioResponse):
            self.extra = {"audio": self._audio(part)}
        elif isinstance(part, parts.Annotations):
            self.annotations += part.list
        elif isinstance(part, parts.Logprobs):
            self.logprobs = self.logprobs or {"content": [], "refusal": []}
            self.logprobs["content"] += part.content or []
            self.logprobs["refusal"] += part.refusal or []
        if isinstance(part, parts.Reasoning):
            self.reasoning.append(part.token)
            return None, part.token or None, None
        if isinstance(part, parts.ToolCalls):
            calls = [ToolCall.from_dict(c).model_dump() for c in part.get_list()]
            self.tool_calls = (self.tool_calls or []) + calls
            return None, None, [{"index": i, **c} for i, c in enumerate(calls)]
        if isinstance(part, parts.JsonConversation):
            self.conversation = part.data
        elif isinstance(part, parts.MediaResponse):
            self.media.append(part)
            text = self.stop.feed(("\n\n" if self.text else "") + str(part))
            self.text.append(text)
            return text, None, None
        return None, None, None

    def _provider(self, part: parts.ProviderInfo) -> None:
        self.provider = part.name
        self.model = part.model or self.model
        self._head = None  # the chunks' shared fields change

    def _meta(self, part: parts.CompletionMeta) -> None:
        self.meta = part
        self._head = None

    def _finish(self, part: parts.FinishReason) -> None:
        self.finish_reason = part.reason

    def _usage(self, part: parts.Usage) -> None:
        self.usage = Usage(
            part.prompt_tokens,
            part.completion_tokens,
            part.total_tokens,
            part.prompt_tokens_details,
            part.completion_tokens_details,
        )

    def _audio(self, part: parts.AudioResponse) -> dict[str, Any]:
        """The chat audio so far (whole on the message) and this part's delta of it, OpenAI-shaped."""
        import base64

        delta: dict[str, Any] = {}
        if part.id:
            delta["id"] = part.id
        if part.expires_at:
            delta["expires_at"] = part.expires_at
        if part.data:
            self.audio_data.append(part.data)
            delta["data"] = base64.b64encode(part.data).decode()
        if part.transcript:
            delta["transcript"] = part.transcript
        audio = self.audio = self.audio or {"id": None, "expires_at": None, "data": "", "transcript": ""}
        audio["id"] = part.id or audio["id"]
        audio["expires_at"] = part.expires_at or audio["expires_at"]
        audio["transcript"] += part.transcript or ""
        return delta

    def message_audio(self) -> dict[str, Any] | None:
        if self.audio is None:
            return None
        import base64

        return {**self.audio, "data": base64.b64encode(b"".join(self.audio_data)).decode()}

    def finish(self, completion: Any) -> Any:
        """Put what the upstream sent besides text on a completion or chunk (fingerprint, tier)."""
        if self.meta is not None:
            completion.system_fingerprint = self.meta.system_fingerprint
            completion.service_tier = self.meta.service_tier
        return completion

    def final_usage(self) -> Usage:
        if self.usage is None:
            prompt = estimate_tokens(_prompt_text(self.messages))
            self.usage = Usage(prompt, estimate_tokens("".join(self.text)))
        return self.usage

    def final_reason(self) -> str:
        if self.tool_calls:
            return "tool_calls"
        if self.stop.stopped:
            return "stop"
        return "length" if self.capped and not self.finish_reason else (self.finish_reason or "stop")


#: What ``take`` does with each bookkeeping part (it adds nothing to the delta).
_KEEP: dict[type, Any] = {
    parts.ProviderInfo: _Collector._provider,
    parts.FinishReason: _Collector._finish,
    parts.Usage: _Collector._usage,
    parts.CompletionMeta: _Collector._meta,
}


def _sources_text(part: parts.Sources) -> str:
    """Sources as gpt4free writes them after the answer: a quoted, numbered list of links."""
    links = []
    for index, source in enumerate(part.sources):
        source = source if isinstance(source, dict) else {"url": str(source)}
        url = source.get("url") or source.get("link")
        if url:
            title = source.get("title") or source.get("name") or url
            links.append(f"> [{index}] [{title}]({url})")
    return "\n\n\n\n" + "\n>\n".join(links) if links else ""


def _answers(part: Any) -> bool:
    """A part that adds to the answer (past ``max_tokens``, an overrun), as opposed to usage or finish."""
    return isinstance(part, (str, parts.Reasoning, parts.Sources, parts.MediaResponse)) and bool(part)


def _max_parts(kwargs: dict[str, Any]) -> int | None:
    limit = kwargs.get("max_tokens") or kwargs.get("max_completion_tokens")
    return limit if isinstance(limit, int) and not isinstance(limit, bool) and limit > 0 else None


async def create_completion(
    model: Any, messages: Messages, provider: Any = None, *, stop: Any = None, **kwargs: Any
) -> ChatCompletion:
    """A whole (non-streaming) completion."""
    collector = _Collector(model, messages, stop, _max_parts(kwargs))
    agen = await open_parts(model, messages, provider, stream=False, stop=stop, **kwargs)
    take, stop, limited = collector.take, collector.stop, collector.max_parts is not None
    try:
        async for part in agen:
            if limited and collector.capped and _answers(part):  # the provider overran max_tokens: cut it here
                break
            take(part)
            if stop.stopped:
                break
    finally:
        await agen.aclose()
    collector.text.append(collector.stop.flush())
    content = "".join(collector.text)
    completion = ChatCompletion(
        content if content or not (collector.tool_calls or collector.refusal) else None,
        collector.final_reason(),
        completion_id=collector.id,
        created=collector.created,
        model=collector.model,
        provider=collector.provider,
        tool_calls=[ToolCall.from_dict(c) for c in collector.tool_calls] if collector.tool_calls else None,
        reasoning="".join(collector.reasoning) or None,
        usage=collector.final_usage(),
        conversation=collector.conversation,
    )
    message = completion.choices[0].message
    message.refusal = "".join(collector.refusal) or None
    message.annotations = collector.annotations or None
    message.audio = collector.message_audio()
    completion.choices[0].logprobs = collector.logprobs
    return collector.finish(completion)


async def stream_completion(
    model: Any, messages: Messages, provider: Any = None, *, stop: Any = None, **kwargs: Any
) -> AsyncGenerator[ChatCompletionChunk, None]:
    """Chunks as parts arrive; the last carries ``finish_reason`` and ``usage``."""
    c = _Collector(model, messages, stop, _max_parts(kwargs))
    agen = await open_parts(model, messages, provider, stream=True, stop=stop, **kwargs)

    def chunk(
        delta: ChatCompletionDelta | None, finish: str | None = None, usage: Usage | None = None
    ) -> ChatCompletionChunk:
        return c.finish(
            ChatCompletionChunk(
                delta, finish, completion_id=c.id, created=c.created, model=c.model, provider=c.provider, usage=usage
            )
        )

    first = True
    plain = c.max_parts is None and not c.stop.stops  # text goes out as it comes
    try:
        async for part in agen:
            if plain and type(part) is str and not first:  # most of a stream: ``take`` and a TextChunk, inlined
                c.text.append(part)
                c.count += 1
                yield TextChunk(part, c._head or c.head())
                continue
            if c.capped and _answers(part):  # the provider overran max_tokens: cut it here
                break
            text, reasoning, tool_calls = c.take(part)
            if isinstance(part, parts.Logprobs) and not first:
                delta = chunk(ChatCompletionDelta(None, None))
                delta.choices[0].logprobs = {"content": part.content, "refusal": part.refusal}
                yield delta
                continue
            extra = c.extra
            if text is None and reasoning is None and tool_calls is None and extra is None:
                if c.stop.stopped:
                    break
                continue
            if not first and reasoning is None and tool_calls is None and extra is None:
                yield TextChunk(text, c.head())  # type: ignore[arg-type]
            else:
                yield chunk(
                    ChatCompletionDelta(text, "assistant" if first else None, reasoning, tool_calls, **(extra or {}))
                )
            first = False
            if c.stop.stopped:
                break
    finally:
        await agen.aclose()
    rest = c.stop.flush()
    if rest:
        c.text.append(rest)
        yield chunk(ChatCompletionDelta(rest, "assistant" if first else None))
    yield chunk(ChatCompletionDelta(None, None), c.final_reason(), c.final_usage())


__all__ = ["create_completion", "stream_completion", "validate_messages", "check_params", "collect_media"]
