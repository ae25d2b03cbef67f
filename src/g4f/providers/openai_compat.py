"""The OpenAI protocol, once: ``OpenaiTemplate``, the base of every OpenAI-compatible vendor.

A vendor file is data (its ``api_base``, key variable and catalogue). The protocol is split by
responsibility; this module puts it together and keeps the names users import from here:

- ``openai_wire``: the wire format (chat parameters, answers and stream chunks as parts, errors);
- ``openai_chat``: configuration, the request and the chat endpoint (``OpenaiChat``);
- ``openai_media``: images, speech, transcription (``OpenaiMedia``);
- ``openai_models``: ``GET /models``, cached (``OpenaiModels``);
- ``transport``: sending, deadlines, stream reading, status -> error, redaction.
"""

from __future__ import annotations

from .messages import last_user_text
from .openai_chat import CONTINUATION_STYLES, OpenaiChat
from .openai_media import OpenaiMedia
from .openai_models import MODELS_TTL, OpenaiModels, _models_cache
from .openai_wire import (
    CHAT_PARAMS,
    ChunkParser,
    ThinkTags,
    ToolCallBuilder,
    complete_call,
    completion_parts,
    error_message,
    error_status,
    loads,
    message_parts,
    model_ids,
    openai_error_info,
    usage_part,
)
from .transport import DEFAULT_TIMEOUT


class OpenaiTemplate(OpenaiMedia, OpenaiModels):
    """An OpenAI-compatible API: a vendor subclass sets ``api_base``, its key variable and its models."""


__all__ = [
    "OpenaiTemplate",
    "OpenaiChat",
    "OpenaiMedia",
    "OpenaiModels",
    "ToolCallBuilder",
    "ThinkTags",
    "ChunkParser",
    "model_ids",
    "error_message",
    "error_status",
    "openai_error_info",
    "complete_call",
    "completion_parts",
    "message_parts",
    "usage_part",
    "last_user_text",
    "loads",
    "CHAT_PARAMS",
    "CONTINUATION_STYLES",
    "DEFAULT_TIMEOUT",
    "MODELS_TTL",
    "_models_cache",
]
