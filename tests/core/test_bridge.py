"""The sync API inside a running event loop: one background loop, no new loop per call or per chunk."""

from __future__ import annotations

import asyncio
import threading

import g4f
from g4f.client import Client
from g4f.providers.base_provider import AsyncGeneratorProvider

from .mocks import user


class WhereProvider(AsyncGeneratorProvider):
    """Answers with three deltas, recording the thread and loop each runs on."""

    working = True
    seen: list[tuple[int, int]] = []

    @classmethod
    async def create_async_generator(cls, model, messages, **kwargs):
        for word in ("one ", "two ", "three"):
            cls.seen.append((threading.get_ident(), id(asyncio.get_running_loop())))
            yield word


async def test_sync_client_inside_running_loop():
    WhereProvider.seen = []
    caller_loop = id(asyncio.get_running_loop())
    threads_before = threading.active_count()
    client = Client()
    for _ in range(3):
        assert (
            client.chat.completions.create(user(), provider=WhereProvider).choices[0].message.content == "one two three"
        )
    chunks = list(client.chat.completions.create(user(), provider=WhereProvider, stream=True))
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == "one two three"
    assert g4f.ChatCompletion.create("", user(), provider=WhereProvider) == "one two three"

    threads, loops = {t for t, _ in WhereProvider.seen}, {loop for _, loop in WhereProvider.seen}
    assert len(WhereProvider.seen) == 15
    assert len(threads) == 1 and len(loops) == 1  # every call and chunk on the same bridge loop
    assert caller_loop not in loops and threading.get_ident() not in threads
    bridge = next(t for t in threading.enumerate() if t.ident in threads)
    assert bridge.name == "g4f-bridge" and bridge.daemon
    assert threading.active_count() <= threads_before + 1  # at most the bridge thread itself


async def test_sync_stream_consumed_partly_inside_loop():
    stream = Client().chat.completions.create(user(), provider=WhereProvider, stream=True)
    first = next(stream)
    assert first.choices[0].delta.content == "one "
    stream.close()  # stopping early closes the upstream generator on the bridge


def test_sync_client_from_many_threads():
    results: list[str] = []

    def call() -> None:
        results.append(Client().chat.completions.create(user(), provider=WhereProvider).choices[0].message.content)

    workers = [threading.Thread(target=call) for _ in range(8)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(10)
    assert results == ["one two three"] * 8


class LoopRecorder(AsyncGeneratorProvider):
    working = True
    loops: list = []

    @classmethod
    async def create_async_generator(cls, model, messages, **kwargs):
        cls.loops.append((threading.get_ident(), asyncio.get_running_loop()))
        yield "a"
        cls.loops.append((threading.get_ident(), asyncio.get_running_loop()))
        yield "b"


def test_sync_client_without_a_loop_runs_in_the_calling_thread():
    LoopRecorder.loops = []
    client = Client()
    for _ in range(3):
        assert client.chat.completions.create(user(), provider=LoopRecorder).choices[0].message.content == "ab"
    assert (
        "".join(
            c.choices[0].delta.content or ""
            for c in client.chat.completions.create(user(), provider=LoopRecorder, stream=True)
        )
        == "ab"
    )
    assert {t for t, _ in LoopRecorder.loops} == {threading.get_ident()}  # no thread hop
    assert len({id(loop) for _, loop in LoopRecorder.loops}) == 1  # one loop, reused by every call and chunk


def test_each_thread_has_its_own_loop_closed_when_the_thread_ends():
    LoopRecorder.loops = []

    def calls() -> None:
        Client().chat.completions.create(user(), provider=LoopRecorder)
        Client().chat.completions.create(user(), provider=LoopRecorder)

    worker = threading.Thread(target=calls)
    worker.start()
    worker.join(10)
    loops = {id(loop): loop for _, loop in LoopRecorder.loops}
    assert len(loops) == 1 and {t for t, _ in LoopRecorder.loops} == {worker.ident}
    assert next(iter(loops.values())).is_closed()


def test_pooled_session_closed_at_exit():
    import subprocess
    import sys

    code = (
        "from g4f.client.bridge import run_sync\n"
        "from g4f.providers.http import get_session\n"
        "async def open_session():\n"
        "    return get_session().closed\n"
        "print(run_sync(open_session()))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "False" and result.stderr == ""  # no "Unclosed client session"
