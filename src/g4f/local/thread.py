"""The one thread that makes every llama.cpp call of the process: loads, tokenizing, decoding.

ggml runs its kernels on an OpenMP team owned by the calling thread. A second thread calling in
starts a second team, and the two teams' spinning workers fight over the cores: measured here,
tokens/s fell to a third, even after the second thread was gone. One long-lived thread keeps one team.

The thread alternates between jobs (functions handed to it) and steps of its workers (one batch
decode of each model with sequences to run); with nothing to step it sleeps on the job queue.
"""

from __future__ import annotations

import concurrent.futures
import queue
import threading
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

T = TypeVar("T")


class Worker(Protocol):
    def busy(self) -> bool: ...

    def step(self) -> None: ...


class EngineThread:
    def __init__(self, name: str = "g4f-local") -> None:
        self.name = name
        self._jobs: queue.SimpleQueue[Callable[[], Any]] = queue.SimpleQueue()
        self._workers: list[Worker] = []
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()

    def is_current(self) -> bool:
        return threading.current_thread() is self._thread

    def submit(self, job: Callable[[], Any]) -> None:
        """Run ``job`` on the engine thread, between two decode steps."""
        if self._thread is None:
            with self._start_lock:
                if self._thread is None:
                    self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
                    self._thread.start()
        self._jobs.put(job)

    def call(self, function: Callable[..., T], *args: Any) -> concurrent.futures.Future[T]:
        """Run ``function`` on the engine thread; its result as a future."""
        future: concurrent.futures.Future[T] = concurrent.futures.Future()

        def job() -> None:
            if not future.set_running_or_notify_cancel():  # cancelled while queued
                return
            try:
                future.set_result(function(*args))
            except BaseException as error:  # handed to the caller
                future.set_exception(error)

        self.submit(job)
        return future

    def run(self, function: Callable[..., T], *args: Any) -> T:
        """Call ``function`` on the engine thread and wait for its result (blocking)."""
        if self.is_current():
            return function(*args)
        return self.call(function, *args).result()

    def add_worker(self, worker: Worker) -> None:
        """Step ``worker`` whenever it is busy (called on the engine thread)."""
        assert self.is_current(), "workers are added on the engine thread"
        self._workers.append(worker)

    def _run(self) -> None:
        while True:
            busy = [w for w in self._workers if w.busy()]
            if not busy:
                self._do(self._jobs.get())
                continue
            while True:  # jobs first (new requests join at this step), then one step of each model
                try:
                    job = self._jobs.get_nowait()
                except queue.Empty:
                    break
                self._do(job)
            for worker in busy:
                try:
                    worker.step()
                except BaseException as error:  # a worker reports its own failures; never stop the engine
                    _log(f"Local engine step failed: {type(error).__name__}: {error}")

    @staticmethod
    def _do(job: Callable[[], Any]) -> None:
        try:
            job()
        except BaseException as error:  # a job's failure must not stop the engine
            _log(f"Local engine job failed: {type(error).__name__}: {error}")


def _log(message: str) -> None:
    from .. import debug

    debug.error(message)


engine = EngineThread()
