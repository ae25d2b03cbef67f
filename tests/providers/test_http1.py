"""The lean HTTP/1.1 client of the pooled session, against real local servers: aiohttp's for
well-behaved answers, raw asyncio ones for misbehaviour (resets, truncations, hangs, stale keep-alive)."""

from __future__ import annotations

import asyncio
import datetime
import gzip
import ipaddress
import json
import socket
import ssl
import struct
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable

import aiohttp
import pytest
from aiohttp import web

from g4f.errors import ProviderError, ProviderTimeoutError, RateLimitError
from g4f.providers import http1, http1_session, transport
from g4f.providers.http import get_session
from g4f.providers.http1_session import Http1Session

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


class Raw:
    """A raw asyncio server on 127.0.0.1: ``url``, and the connections it accepted."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.connections = 0

    async def __aenter__(self) -> Raw:
        async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            self.connections += 1
            try:
                await self.handler(reader, writer)
            except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):  # the test ended
                pass
            finally:
                writer.close()

        self.server = await asyncio.start_server(serve, "127.0.0.1", 0)
        self.url = f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}"
        return self

    async def __aexit__(self, *_: object) -> None:
        self.server.close()


async def read_request(reader: asyncio.StreamReader) -> bytes:
    """One request's head and body (Content-Length bodies only: what the client sends)."""
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    return head + await reader.readexactly(length)


def reset(writer: asyncio.StreamWriter) -> None:
    """Close with a TCP reset (RST), as a crashed upstream does."""
    sock = writer.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


@pytest.fixture
async def web_server() -> AsyncIterator[tuple[str, set]]:
    """An aiohttp server; the set collects the client ports it saw (one per connection)."""
    peers: set = set()

    async def note(request: web.Request) -> None:
        peers.add(request.transport.get_extra_info("peername"))

    async def echo(request: web.Request) -> web.Response:
        await note(request)
        body = await request.read()
        return web.json_response(
            {"body": body.decode(), "query": dict(request.query), "headers": dict(request.headers)}
        )

    async def chunked(request: web.Request) -> web.StreamResponse:
        await note(request)
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        for i in range(int(request.query.get("n", "3"))):
            await response.write(b"data: %d\n\n" % i)
            await asyncio.sleep(0.02)
        await response.write_eof()
        return response

    async def encoded(request: web.Request) -> web.Response:
        await note(request)
        text = b"compressed " * 500
        kind = request.match_info["kind"]
        body = {"gzip": gzip.compress(text), "deflate": zlib.compress(text)}.get(kind)
        if kind == "raw-deflate":
            packer = zlib.compressobj(wbits=-zlib.MAX_WBITS)
            body, kind = packer.compress(text) + packer.flush(), "deflate"
        return web.Response(body=body, headers={"Content-Encoding": kind})

    async def big(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        await response.prepare(request)
        for _ in range(32):
            await response.write(b"x" * 65536)
        await response.write_eof()
        return response

    async def failing(request: web.Request) -> web.Response:
        await note(request)
        status = int(request.match_info["status"])
        return web.json_response(
            {"error": {"message": f"status {status}"}},
            status=status,
            headers={"Retry-After": "7", "x-request-id": "req-1"},
        )

    app = web.Application()
    app.router.add_route("*", "/echo", echo)
    app.router.add_get("/chunked", chunked)
    app.router.add_get("/encoded/{kind}", encoded)
    app.router.add_get("/big", big)
    app.router.add_post("/fail/{status}", failing)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    yield f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}", peers  # type: ignore[union-attr]
    await runner.cleanup()


async def test_default_session_is_lean_and_keeps_one_connection_alive(web_server):
    url, peers = web_server
    for i in range(5):
        async with transport.request("T", "POST", url + "/echo", json={"n": i}, params={"q": "a b"}) as call:
            answer = await call.json()
        assert answer["body"] == f'{{"n":{i}}}' and answer["query"] == {"q": "a b"}
        assert answer["headers"]["Content-Type"] == "application/json"
        assert answer["headers"]["User-Agent"] == aiohttp.http.SERVER_SOFTWARE
        assert "gzip" in answer["headers"]["Accept-Encoding"]
    assert isinstance(get_session(), Http1Session)
    assert len(peers) == 1 and len(get_session().open) == 1


async def test_callers_headers_win_and_str_bodies_are_sent(web_server):
    url, _ = web_server
    session = get_session()
    response = await session.request(
        "PUT", url + "/echo?a=1", headers={"user-agent": "mine", "ACCEPT": "text/plain"}, data="é", params={"b": "2"}
    )
    answer = await response.read()
    response.release()
    data = json.loads(answer)
    assert data["body"] == "é" and data["query"] == {"a": "1", "b": "2"}
    assert data["headers"]["User-Agent"] == "mine" and data["headers"]["Accept"] == "text/plain"
    assert data["headers"]["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content_type == "application/json" and response.charset == "utf-8"
    with pytest.raises(ValueError):
        await session.request("GET", url + "/echo", headers={"X": "a\r\nInjected: 1"})


async def test_chunked_body_streams_in_pieces_and_content_length_reads_whole(web_server):
    url, peers = web_server
    async with transport.request("T", "GET", url + "/chunked?n=4", stream=True) as call:
        pieces = [chunk async for chunk in call.chunks()]
    assert b"".join(pieces) == b"".join(b"data: %d\n\n" % i for i in range(4)) and len(pieces) >= 3
    async with transport.request("T", "GET", url + "/echo") as call:
        assert call.headers["content-length"] == str(len(await call.read()))
    assert len(peers) == 1  # the chunked answer's connection was reused


@pytest.mark.parametrize("kind", ["gzip", "deflate", "raw-deflate"])
async def test_compressed_bodies_are_decoded(web_server, kind):
    url, _ = web_server
    async with transport.request("T", "GET", url + f"/encoded/{kind}") as call:
        assert await call.read() == b"compressed " * 500


async def test_a_slow_reader_stops_the_socket_being_read(web_server):
    url, _ = web_server
    response = await get_session().request("GET", url + "/big")
    conn = response.conn
    first = await response.readany()
    await asyncio.sleep(0.2)  # the server could send all 2 MB meanwhile; the client stops reading at 256 KB
    assert conn.paused and conn.size <= 2 * http1.HIGH_WATER  # the threshold and one read past it
    rest = await response.read()
    assert len(first) + len(rest) == 32 * 65536 and not conn.paused
    response.release()


async def test_error_statuses_map_as_before_and_the_connection_is_kept(web_server):
    url, peers = web_server
    with pytest.raises(RateLimitError) as caught:
        async with transport.request("T", "POST", url + "/fail/429", json={}):
            pass
    assert caught.value.status == 429 and caught.value.request_id == "req-1" and caught.value.retry_after == 7
    with pytest.raises(ProviderError) as failed:
        async with transport.request("T", "POST", url + "/fail/503", json={}):
            pass
    assert failed.value.status == 503 and "status 503" in str(failed.value)
    assert len(peers) == 1


async def test_a_connection_the_server_dropped_while_idle_is_retried_once():
    answered = 0

    async def once_per_connection(reader, writer):  # answers one request, then drops the next unanswered
        nonlocal answered
        await read_request(reader)
        answered += 1
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        await writer.drain()
        await read_request(reader)

    async with Raw(once_per_connection) as server:
        for _ in range(3):
            async with transport.request("T", "POST", server.url, json={}) as call:
                assert await call.read() == b"ok"
    assert answered == 3 and server.connections == 3


async def test_an_idle_connection_the_server_closes_leaves_the_pool():
    async def answer_then_close(reader, writer):
        await read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        await writer.drain()

    async with Raw(answer_then_close) as server:
        async with transport.request("T", "GET", server.url) as call:
            assert await call.read() == b"ok"
        session = get_session()
        assert sum(map(len, session.idle.values())) == 1
        await asyncio.sleep(0.05)  # the server's close arrives while the connection waits in the pool
        assert sum(map(len, session.idle.values())) == 0 and session.open == set()
        async with transport.request("T", "GET", server.url) as call:
            assert await call.read() == b"ok"
    assert server.connections == 2


async def test_a_fresh_connection_closed_unanswered_is_an_error_not_a_retry():
    async def drop(reader, writer):
        await read_request(reader)

    async with Raw(drop) as server:
        with pytest.raises(ProviderError, match="Server disconnected"):
            async with transport.request("T", "POST", server.url, json={}):
                pass
    assert server.connections == 1


@pytest.mark.parametrize(
    "answer",
    [
        b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\na\r\n0123456789\r\n",
    ],
    ids=["content-length", "chunked"],
)
@pytest.mark.parametrize("ending", ["close", "reset"])
async def test_a_body_cut_short_is_an_error_never_a_clean_end(answer, ending):
    async def cut(reader, writer):
        await read_request(reader)
        writer.write(answer)
        await writer.drain()
        await asyncio.sleep(0.05)
        reset(writer) if ending == "reset" else writer.close()

    async with Raw(cut) as server:
        response = await get_session().request("GET", server.url)
        assert await response.readany() == b"0123456789"
        with pytest.raises(aiohttp.ClientPayloadError):
            await response.readany()
        response.release()
        with pytest.raises(ProviderError, match="connection failed"):
            async with transport.request("T", "GET", server.url, stream=True) as call:
                [chunk async for chunk in call.chunks()]


async def test_a_hang_after_the_head_is_cut_by_the_stream_timeout():
    async def hang(reader, writer):
        await read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n6\r\ndata: \r\n")
        await writer.drain()
        await asyncio.sleep(5)

    async with Raw(hang) as server:
        with pytest.raises(ProviderTimeoutError, match="sent nothing for 0.2 s"):
            async with transport.request("T", "GET", server.url, stream=True, stream_timeout=0.2) as call:
                [chunk async for chunk in call.chunks()]
        await asyncio.sleep(0.01)
        assert get_session().open == set()  # closed, not pooled half-read


async def test_cancelled_mid_body_the_connection_is_not_reused():
    async def slow(reader, writer):
        while True:
            await read_request(reader)
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nab")
            await writer.drain()
            await asyncio.sleep(0.1)
            writer.write(b"cd")
            await writer.drain()

    async def read_all(url):
        async with transport.request("T", "GET", url) as call:
            return await call.read()

    async with Raw(slow) as server:
        task = asyncio.ensure_future(read_all(server.url))
        await asyncio.sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert await read_all(server.url) == b"abcd"
        assert server.connections == 2


@pytest.mark.parametrize(
    "answer",
    [
        b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil close",
        b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 11\r\n\r\nuntil close",
        b"HTTP/1.1 200 OK\r\n\r\nuntil close",
    ],
    ids=["http/1.0", "connection-close", "no-length"],
)
async def test_answers_that_end_the_connection_are_read_and_not_pooled(answer):
    async def once(reader, writer):
        await read_request(reader)
        writer.write(answer)
        await writer.drain()

    async with Raw(once) as server:
        for _ in range(2):
            async with transport.request("T", "GET", server.url) as call:
                assert await call.read() == b"until close"
        assert server.connections == 2


async def test_interim_answers_and_heads_split_across_reads_are_read_whole():
    """The head is read from the raw bytes: an interim 1xx answer before it, and a head (and the
    framing headers in it) arriving in pieces, give the final answer's status, headers and body."""
    pieces = [
        b"HTTP/1.1 100 Continue\r\nX-Interim: 1\r\n\r\nHTTP/1.1 201 Created\r\nContent-Ty",
        b"pe: text/plain; charset=iso-8859-1\r\nSet-Cookie: a=1\r\nset-cookie: b=2\r\nX-Empty:\r\n",
        b"Content-Encoding: gzip\r\nX-Request-Id:\t req-9\r\nContent-Length: %d\r\n\r",
        b"\n",
    ]
    body = gzip.compress(b"caf\xe9 " * 3)

    async def slow(reader, writer):
        await read_request(reader)
        for piece in pieces:
            writer.write(piece % len(body) if b"%d" in piece else piece)
            await writer.drain()
            await asyncio.sleep(0.01)
        writer.write(body)
        await writer.drain()
        await read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        await writer.drain()

    async with Raw(slow) as server:
        response = await get_session().request("GET", server.url)
        assert response.status == 201
        assert (response.content_type, response.charset) == ("text/plain", "iso-8859-1")
        assert response.headers.getall("set-cookie") == ["a=1", "b=2"]
        assert response.headers["X-Empty"] == "" and response.headers["x-request-id"] == "req-9"
        assert "x-interim" not in response.headers
        assert await response.read() == b"caf\xe9 " * 3
        response.release()
        async with transport.request("T", "GET", server.url) as call:  # the same connection, a plain answer
            assert await call.read() == b"ok" and call.content_type == "application/octet-stream"
        assert server.connections == 1


async def test_refused_connections_are_provider_errors():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # bound, not listening: refused
        with pytest.raises(ProviderError, match="connection failed: ConnectError"):
            async with transport.request("T", "GET", f"http://127.0.0.1:{port}/"):
                pass


async def test_forms_and_get_go_through_aiohttp(web_server):
    url, _ = web_server
    session = get_session()
    form = aiohttp.FormData()
    form.add_field("file", b"bytes", filename="a.bin")
    async with transport.request("T", "POST", url + "/echo", data=form) as call:
        assert "multipart/form-data" in (await call.json())["headers"]["Content-Type"]
    assert isinstance(session.aiohttp, aiohttp.ClientSession)
    async with session.get(url + "/echo") as response:
        assert isinstance(response, aiohttp.ClientResponse) and response.status == 200


def _self_signed() -> tuple[bytes, bytes]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    pem = cert.public_bytes(serialization.Encoding.PEM)
    return pem, key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


async def test_https_with_sni_and_verification(tmp_path, monkeypatch):
    cert, key = _self_signed()
    (tmp_path / "cert.pem").write_bytes(cert)
    (tmp_path / "key.pem").write_bytes(key)
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")
    names: list = []
    server_context.sni_callback = lambda sock, name, ctx: names.append(name)

    async def hello(request: web.Request) -> web.Response:
        return web.Response(text="secure")

    app = web.Application()
    app.router.add_get("/", hello)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=server_context)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        with pytest.raises(ProviderError, match="CERTIFICATE_VERIFY_FAILED"):  # not trusted by default
            async with transport.request("T", "GET", f"https://localhost:{port}/"):
                pass
        trusting = ssl.create_default_context(cadata=cert.decode())
        monkeypatch.setattr(http1_session, "ssl_context", lambda: trusting)
        for _ in range(2):
            async with transport.request("T", "GET", f"https://localhost:{port}/") as call:
                assert await call.text() == "secure"
        assert set(names) == {"localhost"} and len(get_session().open) == 1  # SNI sent; one kept alive
    finally:
        await runner.cleanup()
