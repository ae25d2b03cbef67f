"""OpenAI's cross-field rules for a chat request, checked before routing so that every provider only
sees requests OpenAI would accept. Each refusal is a 400 with the ``param`` (and ``code``) OpenAI
gives for it; the type checks of single fields stay in ``validation.check``.
"""

from __future__ import annotations

from typing import Any

from ..errors import G4FError

MODALITIES = ("text", "audio")
CONTENT_TYPES = ("text", "image_url", "input_audio", "refusal", "audio", "file")
METADATA_PAIRS, METADATA_KEY, METADATA_VALUE = 16, 64, 512


class OpenAIRuleError(G4FError, ValueError):
    """A request OpenAI refuses: 400 with OpenAI's ``code`` for the rule (``None`` where it sends none)."""

    status_code = 400
    error_type = "invalid_request_error"
    code: str | None = "invalid_value"


def _refuse(message: str, param: str, code: str | None = "invalid_value") -> OpenAIRuleError:
    error = OpenAIRuleError(message, param=param)
    error.code = code
    return error


def _type(name: str, expected: str, value: Any) -> OpenAIRuleError:
    got = {bool: "a boolean", int: "an integer", float: "a decimal", str: "a string", list: "an array"}
    what = got.get(type(value), "an object")
    return _refuse(f"Invalid type for '{name}': expected {expected}, but got {what} instead.", name, "invalid_type")


def _given(body: dict[str, Any], name: str) -> bool:
    return body.get(name) is not None


#: The fields the cross-field rules below read, besides the messages' content types: most requests
#: carry none of them, and then only the content types are checked.
RULED = frozenset(
    (
        "logprobs",
        "top_logprobs",
        "stream_options",
        "parallel_tool_calls",
        "metadata",
        "logit_bias",
        "modalities",
        "max_completion_tokens",
    )
)


def check_chat_rules(body: dict[str, Any]) -> None:
    """Raise the ``OpenAIRuleError`` (400) OpenAI answers for ``body``'s first broken rule."""
    if not RULED.isdisjoint(body):
        _check_fields(body)
    messages = body.get("messages")
    if not isinstance(messages, list):
        return
    for i, message in enumerate(messages):  # the content parts' types
        content = message.get("content") if isinstance(message, dict) else None
        if not isinstance(content, list):
            continue
        for j, part in enumerate(content):
            kind = part.get("type") if isinstance(part, dict) else None
            if isinstance(kind, str) and not kind.strip():
                raise _refuse(
                    f"Invalid value: {kind!r}. Supported values are: 'text', 'image_url', 'input_audio', "
                    "'refusal', 'audio', and 'file'.",
                    f"messages.[{i}].content.[{j}].type",
                )


def _check_fields(body: dict[str, Any]) -> None:
    """The rules on the fields of ``RULED``, in the order OpenAI applies them."""
    logprobs = body.get("logprobs")
    if logprobs is not None and not isinstance(logprobs, bool):
        raise _type("logprobs", "a boolean", logprobs)
    top = body.get("top_logprobs")
    if top is not None:
        if isinstance(top, bool) or not isinstance(top, int):
            raise _type("top_logprobs", "an integer", top)
        if not 0 <= top <= 20:
            raise _refuse(f"Invalid 'top_logprobs': integer out of range; got {top}, expected 0 to 20.", "top_logprobs")
        if logprobs is not True:
            raise _refuse(
                "The 'top_logprobs' parameter is only allowed when 'logprobs' is enabled.", "top_logprobs", None
            )
    if _given(body, "stream_options") and body.get("stream") is not True:
        raise _refuse(
            "The 'stream_options' parameter is only allowed when 'stream' is enabled.", "stream_options", None
        )
    if _given(body, "parallel_tool_calls") and not body.get("tools"):
        raise _refuse(
            "Invalid value for 'parallel_tool_calls': 'parallel_tool_calls' is only allowed when 'tools' are specified.",
            "parallel_tool_calls",
            None,
        )
    _check_metadata(body)
    _check_logit_bias(body.get("logit_bias"))
    modalities = body.get("modalities")
    if isinstance(modalities, list):
        for i, value in enumerate(modalities):
            if value not in MODALITIES:
                raise _refuse(
                    f"Invalid value: {value!r}. Supported values are: 'text' and 'audio'.", f"modalities[{i}]"
                )
    if _given(body, "max_tokens") and _given(body, "max_completion_tokens"):
        raise _refuse(
            "Setting 'max_tokens' and 'max_completion_tokens' at the same time is not supported.",
            "max_tokens",
            "invalid_parameter_combination",
        )


def _check_metadata(body: dict[str, Any]) -> None:
    metadata = body.get("metadata")
    if metadata is None:
        return
    if not isinstance(metadata, dict):
        raise _type("metadata", "an object", metadata)
    if body.get("store") is not True:
        raise _refuse("The 'metadata' parameter is only allowed when 'store' is enabled.", "metadata", None)
    if len(metadata) > METADATA_PAIRS:
        raise _refuse(
            f"Invalid 'metadata': too many properties. Expected an object with at most {METADATA_PAIRS} "
            f"properties, but got an object with {len(metadata)} properties instead.",
            "metadata",
            "object_above_max_properties",
        )
    for key, value in metadata.items():
        if len(key) > METADATA_KEY:
            raise _refuse(
                f"Invalid 'metadata': string too long. Expected a key with maximum length {METADATA_KEY}, "
                f"but got a key with length {len(key)} instead.",
                "metadata",
                "string_above_max_length",
            )
        if not isinstance(value, str):
            raise _type(f"metadata.{key}", "a string", value)
        if len(value) > METADATA_VALUE:
            raise _refuse(
                f"Invalid 'metadata.{key}': string too long. Expected a string with maximum length "
                f"{METADATA_VALUE}, but got a string with length {len(value)} instead.",
                f"metadata.{key}",
                "string_above_max_length",
            )


def _check_logit_bias(logit_bias: Any) -> None:
    if not isinstance(logit_bias, dict):
        return
    for token, bias in logit_bias.items():
        if isinstance(bias, bool) or not isinstance(bias, (int, float)):
            raise _type(f"logit_bias.{token}", "a number", bias)
        if not -100 <= bias <= 100:
            raise _refuse(
                f"Invalid 'logit_bias': bias for token {token} is {bias:g}; it must be between -100 and 100.",
                "logit_bias",
            )


__all__ = ["check_chat_rules"]
