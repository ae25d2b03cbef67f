"""``LocalEmbeddings``: embeddings with no network, through llama-cpp-python's embedding mode.

Serves any GGUF embedding model in the models folder (``G4F_MODELS_DIR``) by its file name, or a
``.gguf`` path; with none there, ``smollm2-135m-embedding``: the embedded SmolLM2 chat model's
mean-pooled hidden states, a fallback of low quality (fine for a demo or a test, poor for search).
The engine is ``g4f.local.embeddings``.
"""

from __future__ import annotations

import importlib.util
from typing import Any, ClassVar

from ..errors import InvalidRequestError, ModelNotFoundError, NotSupportedError, ProviderNotWorkingError
from ..providers.base_provider import AsyncGeneratorProvider, ProviderModelMixin
from ..typing import AsyncResult, Messages


class LocalEmbeddings(AsyncGeneratorProvider, ProviderModelMixin):
    label = "Local embeddings (llama.cpp)"
    url = "https://github.com/abetlen/llama-cpp-python"
    description = (
        "Offline embeddings with llama.cpp: a GGUF embedding model from G4F_MODELS_DIR, else "
        "smollm2-135m-embedding (mean-pooled SmolLM2; low quality, a fallback only)."
    )
    working = importlib.util.find_spec("llama_cpp") is not None
    local = True
    needs_auth = False
    supports_stream = False
    default_model = "smollm2-135m-embedding"
    models: ClassVar[list[str]] = []  # chat: none

    @classmethod
    def get_embeddings_models(cls) -> list[str]:
        """The embedding GGUFs of the models folder, then the fallback."""
        from ..local.embeddings import FALLBACK_MODEL, embedding_models

        return [*embedding_models(), FALLBACK_MODEL]

    @classmethod
    async def create_embeddings(
        cls, input: list[str] | list[list[int]], model: str | None = None, dimensions: int | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        """Unit-length vectors for ``input`` (text only: token ids of another tokenizer mean nothing here)."""
        if importlib.util.find_spec("llama_cpp") is None:
            raise ProviderNotWorkingError("LocalEmbeddings needs llama-cpp-python (pip install 'g4f[local]').")
        if not all(isinstance(text, str) for text in input):
            raise NotSupportedError("LocalEmbeddings embeds text; send strings, not token arrays.")
        if dimensions is not None:
            raise InvalidRequestError("This model does not support specifying dimensions.", param="dimensions")
        from ..local import embeddings

        try:
            name, vectors, tokens = await embeddings.embed(list(input), model)  # type: ignore[arg-type]
        except LookupError:
            raise ModelNotFoundError(
                f"No embedding model {model!r} in {embeddings.models_dir()}; "
                f"available: {', '.join(cls.get_embeddings_models())}."
            ) from None
        return {"embeddings": vectors, "model": name, "usage": {"prompt_tokens": tokens, "total_tokens": tokens}}

    @classmethod
    async def create_async_generator(cls, model: str, messages: Messages, **kwargs: Any) -> AsyncResult:
        raise NotSupportedError("LocalEmbeddings makes embeddings, not chat: use /v1/embeddings.")
        yield  # an async generator
