"""``BaseProvider``: the template a provider follows.

A new provider is a class with these class attributes and one async generator::

    class MyProvider(AsyncGeneratorProvider, ProviderModelMixin):
        url = "https://example.com"
        working = True
        needs_auth = False
        default_model = "my-model"
        models = ["my-model"]

        @classmethod
        async def create_async_generator(cls, model, messages, **kwargs):
            yield "Hello"          # text deltas are str
            yield Usage(1, 1)      # everything else is a part from g4f.providers.response

Providers in gpt4free's older shapes (``AbstractProvider.create_completion``, a sync generator, and
``AsyncProvider.create_async``, a coroutine) are adapted onto the same contract.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from operator import attrgetter
from typing import Any, ClassVar, Union

from ..config import provider_env
from ..typing import AsyncResult, CreateResult, Messages

#: False while serving a request that names its own ``proxy`` or ``api_base``: the keys configured
#: on this host (environment, cookies directory) go only to their provider's own endpoint, so then
#: only a key passed with the call is used (set by the server per request; a task copies it).
configured_keys: ContextVar[bool] = ContextVar("g4f_configured_keys", default=True)


class BaseProvider:
    """Class attributes describe the provider; ``/v1/providers``, the GUI and routing read them."""

    url: ClassVar[str | None] = None
    label: ClassVar[str | None] = None
    working: ClassVar[bool] = False
    needs_auth: ClassVar[bool] = False
    #: Local engines and keyless public APIs are tried first.
    local: ClassVar[bool] = False
    supports_stream: ClassVar[bool] = True
    supports_system_message: ClassVar[bool] = True
    supports_message_history: ClassVar[bool] = True
    #: Continues a final assistant message: called with ``messages`` ending in
    #: ``{"role": "assistant", "content": text_so_far}`` and ``continue_final_message=True``, it yields
    #: only the text that follows (the router's mid-stream failover uses it).
    supports_continuation: ClassVar[bool] = False
    #: Environment variable holding the API key; default ``<NAME>_API_KEY``.
    api_key_env: ClassVar[str | None] = None
    #: Domain whose stored cookies / key files in the cookies directory carry the key.
    cookie_domain: ClassVar[str | None] = None
    default_model: ClassVar[str | None] = None
    models: ClassVar[list[str]] = []
    model_aliases: ClassVar[dict[str, str]] = {}
    image_models: ClassVar[list[str]] = []
    vision_models: ClassVar[list[str]] = []
    audio_models: ClassVar[list[str]] = []
    description: ClassVar[str | None] = None

    #: ``cls.__name__``, by a C callable rather than a Python function: providers' names are asked
    #: several times per request. A subclass may override it with a classmethod of its own.
    get_name: ClassVar[Callable[[], str]] = classmethod(attrgetter("__name__"))  # type: ignore[assignment]

    @classmethod
    def get_api_key(cls, api_key: str | None = None) -> str | None:
        """The key from the argument, the environment, or the cookies directory, in that order."""
        if api_key:
            return api_key
        if not configured_keys.get():
            return None
        return provider_env(cls.api_key_env or f"{cls.get_name().upper()}_API_KEY")

    @classmethod
    def has_credentials(cls) -> bool:
        return not cls.needs_auth or bool(cls.get_api_key())

    @classmethod
    def get_dict(cls) -> dict[str, Any]:
        return {"name": cls.get_name(), "url": cls.url, "label": cls.label or cls.get_name()}

    @classmethod
    def get_create_function(cls):
        """The sync entry point gpt4free code calls: ``create_function(model, messages, stream, **kwargs)``."""
        from .base_provider import sync_create

        return lambda model, messages, stream=False, **kwargs: sync_create(
            cls, model, messages, stream=stream, **kwargs
        )

    @classmethod
    def get_async_create_function(cls):
        return cls.create_async_generator

    @classmethod
    def create_async_generator(cls, model: str, messages: Messages, **kwargs: Any) -> AsyncResult:
        raise NotImplementedError

    @classmethod
    def create_completion(cls, model: str, messages: Messages, stream: bool = False, **kwargs: Any) -> CreateResult:
        raise NotImplementedError


ProviderType = Union[type[BaseProvider], BaseProvider]
BaseRetryProvider = BaseProvider  # name kept for gpt4free imports; see retry_provider

__all__ = ["BaseProvider", "ProviderType", "BaseRetryProvider"]
