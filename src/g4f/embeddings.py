"""Embeddings (text -> vectors) for the REST server and the library, in OpenAI's shapes.

Providers offer ``create_embeddings(input, model, dimensions, ...)`` returning
``{"embeddings": [[float, ...], ...], "model": str, "usage": dict | None}``: the OpenAI-protocol
vendors that document ``/embeddings`` (``embeddings_models``), Gemini, and ``LocalEmbeddings``.
A named model goes to the providers that list it (routed, with fallback, by ``call_endpoint``);
no model (``""``/``default``/``auto``) goes to the local engine, which needs no network.
"""

from __future__ import annotations

import base64
import struct
from typing import Any

from .errors import InvalidRequestError, ModelNotFoundError

MAX_INPUTS = 2048
ENCODING_FORMATS = ("float", "base64")
DEFAULT_NAMES = (None, "", "default", "auto")
LOCAL = "LocalEmbeddings"


def validate_input(input: Any) -> list[str] | list[list[int]]:
    """OpenAI's ``input``: a string, strings, a token array, or token arrays; as a list of inputs."""
    if isinstance(input, str):
        input = [input]
    elif isinstance(input, list) and input and all(_is_int(t) for t in input):
        input = [input]  # one token array
    if not isinstance(input, list) or not input:
        raise InvalidRequestError(
            "'input' must be a non-empty string, array of strings or token arrays.", param="input"
        )
    if len(input) > MAX_INPUTS:
        raise InvalidRequestError(f"'input' has {len(input)} items; the maximum is {MAX_INPUTS}.", param="input")
    if all(isinstance(item, str) for item in input):
        if not all(item for item in input):
            raise InvalidRequestError("'input' must not contain empty strings.", param="input")
        return input
    if all(isinstance(item, list) and item and all(_is_int(t) and t >= 0 for t in item) for item in input):
        return input
    raise InvalidRequestError(
        "'input' must be a string, an array of strings, an array of token ids or an array of token arrays.",
        param="input",
    )


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def embedding_providers(model: str) -> list[Any]:
    """The providers whose embedding models include ``model`` (API vendors first, as registered)."""
    from . import Provider

    serving = []
    for provider in Provider.all_providers():
        if not hasattr(provider, "create_embeddings"):
            continue
        names = getattr(provider, "embeddings_models", None)
        if names is None and hasattr(provider, "get_embeddings_models"):
            names = provider.get_embeddings_models()
        if model in (names or ()):
            serving.append(provider)
    if model.endswith(".gguf"):
        serving.append(Provider.get(LOCAL))
    return serving


def encode(vector: list[float], encoding_format: str) -> list[float] | str:
    """A vector as floats, or as OpenAI's base64 of little-endian float32."""
    if encoding_format == "base64":
        return base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode()
    return vector


async def create_embeddings(
    input: Any,
    model: str | None = None,
    *,
    provider: Any = None,
    encoding_format: str | None = None,
    dimensions: int | None = None,
    user: str | None = None,
    api_key: str | None = None,
    **kwargs: Any,
) -> dict[str, Any]:
    """OpenAI's ``CreateEmbeddingResponse`` as a dict: ``object``, ``data``, ``model``, ``usage``."""
    from . import Provider
    from .client.core import estimate_tokens
    from .client.endpoints import call_endpoint
    from .providers.retry_provider import IterListProvider

    inputs = validate_input(input)
    encoding_format = encoding_format or "float"
    if encoding_format not in ENCODING_FORMATS:
        raise InvalidRequestError("'encoding_format' must be 'float' or 'base64'.", param="encoding_format")
    if dimensions is not None and (not _is_int(dimensions) or dimensions < 1):
        raise InvalidRequestError("'dimensions' must be a positive integer.", param="dimensions")
    if model is not None and not isinstance(model, str):
        raise InvalidRequestError("'model' must be a string.", param="model")
    if provider is None:
        if model in DEFAULT_NAMES:
            model, provider = "", IterListProvider([Provider.get(LOCAL)])
        else:
            serving = embedding_providers(model)  # type: ignore[arg-type]
            if not serving:
                from .Provider.LocalEmbeddings import LocalEmbeddings

                local = LocalEmbeddings.get_embeddings_models()
                raise ModelNotFoundError(
                    f"No provider serves the embedding model {model!r}. Offline: {', '.join(local)}; "
                    "with a key: text-embedding-3-small (OPENAI_API_KEY), mistral-embed (MISTRAL_API_KEY), "
                    "gemini-embedding-001 (GEMINI_API_KEY)."
                )
            provider = IterListProvider(serving)
    result, used = await call_endpoint(
        "create_embeddings",
        model,
        provider,
        input=inputs,
        dimensions=dimensions,
        user=user,
        api_key=api_key,
        **kwargs,
    )
    vectors = result["embeddings"]
    usage = result.get("usage") or {}
    prompt_tokens = usage.get("prompt_tokens")
    if not isinstance(prompt_tokens, int):
        prompt_tokens = sum(len(i) if isinstance(i, list) else estimate_tokens(i) for i in inputs)
    return {
        "object": "list",
        "data": [
            {"object": "embedding", "index": i, "embedding": encode(v, encoding_format)} for i, v in enumerate(vectors)
        ],
        "model": result.get("model") or model or used,
        "usage": {"prompt_tokens": prompt_tokens, "total_tokens": prompt_tokens},
    }


__all__ = ["create_embeddings", "validate_input", "embedding_providers", "encode", "MAX_INPUTS"]
