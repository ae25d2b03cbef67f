"""``client.embeddings.create(input, model)``: OpenAI's embeddings, over ``g4f.embeddings``."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from .bridge import run_sync


@dataclass
class Embedding:
    embedding: list[float] | str
    index: int
    object: str = "embedding"


@dataclass
class EmbeddingUsage:
    prompt_tokens: int
    total_tokens: int


@dataclass
class CreateEmbeddingResponse:
    data: list[Embedding]
    model: str
    usage: EmbeddingUsage
    object: str = "list"
    provider: str | None = field(default=None, repr=False)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CreateEmbeddingResponse:
        return cls(
            [Embedding(d["embedding"], d["index"]) for d in data["data"]],
            data["model"],
            EmbeddingUsage(**data["usage"]),
        )

    def model_dump(self) -> dict[str, Any]:
        result = asdict(self)
        result.pop("provider")
        return result


class Embeddings:
    def __init__(self, client: Any, is_async: bool) -> None:
        self.client = client
        self.is_async = is_async

    def create(
        self,
        input: Any,
        model: str | None = None,
        encoding_format: str | None = None,
        dimensions: int | None = None,
        user: str | None = None,
        provider: Any = None,
        **kwargs: Any,
    ) -> Any:
        """Embed ``input`` (a string, strings, or token arrays); no model: the local engine."""
        from ..embeddings import create_embeddings

        client = self.client
        options = {**client.kwargs, **kwargs}
        if client.api_key and "api_key" not in options:
            options["api_key"] = client.api_key
        if client.proxy and "proxy" not in options:
            options["proxy"] = client.proxy

        async def run() -> CreateEmbeddingResponse:
            result = await create_embeddings(
                input,
                model,
                provider=provider if provider is not None else client.provider,
                encoding_format=encoding_format,
                dimensions=dimensions,
                user=user,
                **options,
            )
            return CreateEmbeddingResponse.from_dict(result)

        coro = run()
        return coro if self.is_async else run_sync(coro)


__all__ = ["Embeddings", "CreateEmbeddingResponse", "Embedding", "EmbeddingUsage"]
