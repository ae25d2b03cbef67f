"""``client.models``: the models the registry knows, with their providers."""

from __future__ import annotations

from typing import Any

from ..models import Model as RegistryModel
from ..models import ModelRegistry
from .stubs import Model


def describe(model: RegistryModel) -> Model:
    names = model.provider_names
    return Model(
        model.name,
        model.base_provider,
        image=model.kind == "image",
        vision=model.kind == "vision",
        provider=names[0] if names else None,
    )


class ClientModels:
    def __init__(self, client: Any, is_async: bool = False) -> None:
        self.client = client
        self.is_async = is_async

    def _list(self) -> list[Model]:
        return [describe(m) for m in ModelRegistry.all_models().values() if m.name]

    def _get(self, name: str) -> Model | None:
        model = ModelRegistry.get(name)
        return describe(model) if model else None

    def list(self) -> Any:
        if self.is_async:

            async def run() -> list[Model]:
                return self._list()

            return run()
        return self._list()

    def get(self, name: str, default: Any = None) -> Any:
        result = self._get(name) or default
        if self.is_async:

            async def run() -> Model | None:
                return result

            return run()
        return result


__all__ = ["ClientModels"]
