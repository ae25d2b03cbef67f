"""g4f's own Redis client (state/resp.py) against a real ``redis-server``: pipelining, scripts that
Redis lost, large replies, passwords and databases, and calls whose caller left."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import time

import pytest

from g4f.state import StoreUnavailableError, open_store
from g4f.state.redis import RedisStore
from g4f.state.resp import ReplyError, command, parse

from .redis_server import RedisServer


@pytest.fixture()
async def store(redis_url):
    store = open_store(redis_url)
    await store.command("FLUSHDB")
    yield store
    await store.close()


async def test_concurrent_calls_share_one_connection_and_keep_their_order(store):
    counts = await asyncio.gather(*(store.incr("pipelined", 60) for _ in range(300)))
    assert sorted(count for count, _ in counts) == list(range(1, 301))
    values = await asyncio.gather(*(store.set(f"v{i}", str(i).encode()) for i in range(100)))
    assert values == [None] * 100
    assert await asyncio.gather(*(store.get(f"v{i}") for i in range(100))) == [str(i).encode() for i in range(100)]
    assert len([link for link in store._client.links if link is not None]) == 1


async def test_a_script_redis_lost_is_sent_again(store):
    assert await store.throttle("lost", 2, 60) == 0.0
    await store.command("SCRIPT", "FLUSH")  # as after a restart
    assert await store.throttle("lost", 2, 60) == 0.0
    assert await store.throttle("lost", 2, 60) > 0  # the same bucket: nothing counted twice or lost


async def test_large_values_and_replies_cut_anywhere(store):
    big = os.urandom(3_000_000)
    await store.set("big", big)
    small = store.get("small")  # queued behind the large reply on the same connection
    assert await store.get("big") == big and await small is None
    # The parser waits for the rest of a reply cut at any byte.
    wire = b"*3\r\n$5\r\nhello\r\n:42\r\n*2\r\n$-1\r\n-ERR x\r\n"
    for cut in range(len(wire)):
        value, after = parse(wire[:cut], 0)
        assert after == 0  # incomplete: nothing consumed
    value, after = parse(wire, 0)
    assert value[:2] == [b"hello", 42] and value[2][0] is None and isinstance(value[2][1], ReplyError)
    assert after == len(wire)
    assert command("SET", b"k", 5, 0.5) == b"*4\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\n5\r\n$3\r\n0.5\r\n"


async def test_an_abandoned_check_leaves_the_connection_in_step(store):
    first = store.throttle_soon("gone", 10, 60)  # written now
    first.close()  # its request failed before it awaited the verdict
    await store.set("after", b"1")
    assert await store.get("after") == b"1"
    assert await store.throttle("gone", 10, 60) == 0.0  # the abandoned one was counted all the same
    assert float(await store.command("GET", "g4f:rate:gone")) > 0


async def test_error_replies_are_errors_not_outages(store):
    with pytest.raises(ReplyError, match="unknown command"):
        await store.command("NOSUCHCOMMAND")
    assert await store.ping()


def test_unknown_url_options_are_refused():
    with pytest.raises(ValueError, match="health_check_interval"):
        RedisStore("redis://127.0.0.1:6379/0?health_check_interval=3")


async def test_password_and_database_from_the_url(tmp_path, caplog):
    server = RedisServer(tmp_path, extra=("--requirepass", "s3cret"))
    caplog.set_level(logging.WARNING)
    try:
        good = open_store(f"redis://:s3cret@127.0.0.1:{server.port}/3")
        await good.set("where", b"db3")
        assert await good.command("CLIENT", "INFO") and await good.get("where") == b"db3"
        other = open_store(f"redis://default:s3cret@127.0.0.1:{server.port}/0")  # ACL form: user and password
        assert await other.get("where") is None  # another database
        wrong = open_store(f"redis://:nope@127.0.0.1:{server.port}/0")
        with pytest.raises(StoreUnavailableError) as info:
            await wrong.get("where")
        assert "nope" not in str(info.value) and "s3cret" not in caplog.text
        for handle in (good, other, wrong):
            await handle.close()
    finally:
        server.stop()


async def test_a_frozen_server_fails_calls_after_the_timeout_then_recovers(tmp_path):
    server = RedisServer(tmp_path)
    store = open_store(server.url + "?socket_timeout=0.3")
    try:
        await store.set("k", b"v")
        os.kill(server.process.pid, signal.SIGSTOP)
        began = time.monotonic()
        calls = await asyncio.gather(*(store.get("k") for _ in range(20)), return_exceptions=True)
        assert all(isinstance(c, StoreUnavailableError) for c in calls)
        assert time.monotonic() - began < 2
        os.kill(server.process.pid, signal.SIGCONT)
        deadline = time.monotonic() + 5
        while True:  # after the outage pause, a probe finds it answering again (a fresh connection)
            try:
                assert await store.get("k") == b"v"
                break
            except StoreUnavailableError:
                assert time.monotonic() < deadline
                await asyncio.sleep(0.1)
    finally:
        os.kill(server.process.pid, signal.SIGCONT)
        await store.close()
        server.stop()


async def test_tls_with_the_servers_own_ca(tmp_path):
    import shutil
    import subprocess

    from .server import free_port

    if shutil.which("openssl") is None:
        raise RuntimeError("openssl is needed for this test (make system-deps)")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert)]
        + ["-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost"],
        check=True,
        capture_output=True,
    )
    tls_port = free_port()
    tls = ("--tls-port", str(tls_port), "--tls-cert-file", str(cert), "--tls-key-file", str(key))
    server = RedisServer(tmp_path, extra=(*tls, "--tls-ca-cert-file", str(cert), "--tls-auth-clients", "no"))
    try:
        trusted = open_store(f"rediss://localhost:{tls_port}/0?ssl_ca_certs={cert}")
        await trusted.set("over", b"tls")
        assert await trusted.get("over") == b"tls"
        await trusted.close()
        untrusted = open_store(f"rediss://localhost:{tls_port}/0")  # a self-signed certificate: refused
        with pytest.raises(StoreUnavailableError):
            await untrusted.get("over")
        await untrusted.close()
    finally:
        server.stop()
