"""One GGUF model loaded into llama.cpp: weights, vocabulary, chat template, and the batcher that
decodes its requests. Everything here runs on the engine thread."""

from __future__ import annotations

import ctypes
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..errors import ProviderNotWorkingError
from ..typing import Messages
from .prompt import Prompt, render
from .settings import EngineSettings
from .thread import engine

_loaded: dict[str, LoadedModel] = {}
_backend = threading.Lock()
_backend_ready = False


def cpu_has_amx() -> bool:
    try:
        return "amx_int8" in Path("/proc/cpuinfo").read_text()
    except OSError:
        return False


def plain_buffers() -> bool:
    """Whether ggml's extra (repacking) buffer types must stay off while a model loads.

    ggml's AMX kernels crash on some quantisations (SmolLM2's Q4_1 among them: a segfault in
    ggml_backend_amx_mul_mat), so on CPUs with AMX they are switched off unless asked for.
    """
    from .. import config

    return cpu_has_amx() and not config.get("local_extra_bufts")


@contextmanager
def engine_params() -> Iterator[None]:
    """The same load-time workaround for code that loads through ``llama_cpp.Llama`` (the benchmarks'
    direct side): ``Llama`` offers no argument for it, hence the short-lived swap of the defaults."""
    import llama_cpp.llama_cpp as lib

    if not plain_buffers():
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


def load(path: Path) -> LoadedModel:
    """The model at ``path``, loaded once (on the engine thread, where every llama.cpp call runs)."""
    if not engine.is_current():
        return engine.run(load, path)
    key = str(path)
    if key not in _loaded:
        from .. import debug
        from .batch import Batcher

        began = time.monotonic()
        debug.log(f"Local: loading {path.name} ({path.stat().st_size / 1e6:.0f} MB)")
        settings = EngineSettings.current()
        model = LoadedModel(path)
        model.batcher = Batcher(model, settings)
        engine.add_worker(model.batcher)
        _loaded[key] = model
        debug.log(
            f"Local: {path.name} ready in {time.monotonic() - began:.1f} s "
            f"({settings.parallel} sequences at once, {model.batcher.n_ctx} tokens of context)"
        )
    return _loaded[key]


def loaded() -> dict[str, LoadedModel]:
    return dict(_loaded)


def _init_backend() -> None:
    global _backend_ready
    with _backend:
        if not _backend_ready:
            import llama_cpp
            from llama_cpp._logger import set_verbose

            set_verbose(False)  # llama.cpp logs every load at length on stderr
            llama_cpp.llama_backend_init()
            _backend_ready = True


class LoadedModel:
    """The weights and vocabulary of one GGUF file, with its chat template."""

    batcher: Any  # the Batcher decoding this model's requests, set by ``load``

    def __init__(self, path: Path) -> None:
        import llama_cpp as lib

        _init_backend()
        params = lib.llama_model_default_params()
        if plain_buffers():
            params.use_extra_bufts = False
        self.path = path
        self.model = lib.llama_model_load_from_file(str(path).encode(), params)
        if not self.model:
            raise ProviderNotWorkingError(f"llama.cpp could not load {path.name}.")
        self.vocab = lib.llama_model_get_vocab(self.model)
        self._pieces: dict[int, bytes] = {}
        self.formatter = self._formatter()

    def _formatter(self) -> Any:
        import llama_cpp as lib
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        template = lib.llama_model_chat_template(self.model, None)
        if not template:
            return None
        special = [lib.llama_vocab_eos(self.vocab), lib.llama_vocab_bos(self.vocab)]
        eos, bos = (self.piece(t, special=True).decode("utf-8", "ignore") if t >= 0 else "" for t in special)
        return Jinja2ChatFormatter(template.decode("utf-8"), eos_token=eos, bos_token=bos)

    def prompt(self, messages: Messages, continue_final: bool = False) -> Prompt:
        """The prompt for ``messages`` (pure Python: any thread)."""
        return render(self.formatter, messages, continue_final)

    def tokenize(self, text: str) -> list[int]:
        """The prompt's tokens, special tokens parsed and BOS added when the model wants one."""
        import llama_cpp as lib

        data = text.encode("utf-8")
        size = len(data) + 8
        buffer = (lib.llama_token * size)()
        n = lib.llama_tokenize(self.vocab, data, len(data), buffer, size, True, True)
        if n < 0:
            size = -n
            buffer = (lib.llama_token * size)()
            n = lib.llama_tokenize(self.vocab, data, len(data), buffer, size, True, True)
        return list(buffer[:n])

    def piece(self, token: int, special: bool = False) -> bytes:
        """The bytes of one token (control tokens are empty unless ``special``); cached."""
        key = token if not special else -token - 1
        cached = self._pieces.get(key)
        if cached is None:
            import llama_cpp as lib

            buffer = ctypes.create_string_buffer(64)
            n = lib.llama_token_to_piece(self.vocab, token, buffer, 64, 0, special)
            if n < 0:
                buffer = ctypes.create_string_buffer(-n)
                n = lib.llama_token_to_piece(self.vocab, token, buffer, -n, 0, special)
            cached = self._pieces[key] = buffer.raw[:n]
        return cached

    def is_end(self, token: int) -> bool:
        import llama_cpp as lib

        return bool(lib.llama_vocab_is_eog(self.vocab, token))
