"""The parts a provider yields besides text.

Text arrives as plain ``str`` deltas; everything else is one of these small typed objects.
A non-streaming call is the same stream of parts, collected.
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass, field
from typing import Any


class ResponsePart:
    """Base of every non-text part."""

    def to_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass
class Reasoning(ResponsePart):
    """A delta of the model's reasoning (``reasoning_content`` / ``<think>``)."""

    token: str = ""
    status: str | None = None

    def __str__(self) -> str:
        return self.token


@dataclass
class ToolCalls(ResponsePart):
    """Complete tool calls, in OpenAI's shape: ``[{"id", "type": "function", "function": {"name", "arguments"}}]``."""

    list: builtins.list[dict[str, Any]] = field(default_factory=builtins.list)

    def get_list(self) -> builtins.list[dict[str, Any]]:
        return self.list


@dataclass
class Usage(ResponsePart):
    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0

    def __post_init__(self) -> None:
        if not self.total_tokens:
            self.total_tokens = self.prompt_tokens + self.completion_tokens


@dataclass
class FinishReason(ResponsePart):
    reason: str = "stop"


@dataclass
class ProviderInfo(ResponsePart):
    name: str = ""
    model: str = ""
    label: str | None = None
    url: str | None = None


@dataclass
class JsonConversation(ResponsePart):
    """Provider-side conversation state a caller may pass back on the next request."""

    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class Sources(ResponsePart):
    sources: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class MediaResponse(ResponsePart):
    """Media the provider made: ``urls`` are http(s) URLs, data URIs or local ``/media/...`` paths."""

    urls: str | list[str] = ""
    alt: str = ""
    options: dict[str, Any] = field(default_factory=dict)

    def get_list(self) -> list[str]:
        return [self.urls] if isinstance(self.urls, str) else list(self.urls)

    def __str__(self) -> str:
        return "\n".join(f"![{self.alt}]({url})" for url in self.get_list())


class ImageResponse(MediaResponse):
    """Generated images."""


class VideoResponse(MediaResponse):
    """Generated videos."""


@dataclass
class AudioResponse(ResponsePart):
    """Audio: raw ``data`` bytes with a ``content_type``, or a ``url``."""

    data: bytes | None = None
    content_type: str = "audio/mpeg"
    url: str | None = None
    transcript: str | None = None


@dataclass
class TitleGeneration(ResponsePart):
    title: str = ""


@dataclass
class DebugResponse(ResponsePart):
    log: str = ""


__all__ = [
    "ResponsePart",
    "Reasoning",
    "ToolCalls",
    "Usage",
    "FinishReason",
    "ProviderInfo",
    "JsonConversation",
    "Sources",
    "MediaResponse",
    "ImageResponse",
    "VideoResponse",
    "AudioResponse",
    "TitleGeneration",
    "DebugResponse",
]
