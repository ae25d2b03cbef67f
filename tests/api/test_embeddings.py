"""``POST /v1/embeddings`` and ``client.embeddings``: through a real server with the official SDK and
LangChain, over the fake OpenAI upstream (vectors it computes) and offline with ``LocalEmbeddings``."""

from __future__ import annotations

import base64
import math
import struct

import httpx
import openai
import pytest

from tests.fakes.gemini_server import API_KEY as GEMINI_KEY
from tests.fakes.gemini_server import FakeGemini
from tests.fakes.openai_server import EMBEDDING_SIZE, FakeOpenAI, embed_text

from .server import ThreadedUvicorn

KEY = "sk-embeddings-fake-0123456789"
LOCAL = "smollm2-135m-embedding"


@pytest.fixture(scope="module")
def upstream():
    with FakeOpenAI(api_key=KEY) as fake, pytest.MonkeyPatch.context() as patch:
        patch.setenv("OPENAI_API_KEY", KEY)
        patch.setenv("OPENAIAPI_API_BASE", fake.url + "/v1")
        server = ThreadedUvicorn().start()
        try:
            yield fake, server
        finally:
            server.stop()


@pytest.fixture
def sdk(upstream):
    _, server = upstream
    with openai.OpenAI(
        base_url=server.url + "/v1", api_key="unused", max_retries=0, _strict_response_validation=True
    ) as client:
        yield client


def norm(vector: list[float]) -> float:
    return math.sqrt(sum(x * x for x in vector))


def close(a: list[float], b: list[float]) -> bool:
    return len(a) == len(b) and all(abs(x - y) < 1e-6 for x, y in zip(a, b, strict=True))


def test_sdk_shapes_over_the_openai_protocol(upstream, sdk):
    fake, _ = upstream
    one = sdk.embeddings.create(model="text-embedding-3-small", input="hello world", encoding_format="float")
    assert one.object == "list" and one.model == "text-embedding-3-small" and len(one.data) == 1
    assert close(one.data[0].embedding, embed_text("hello world"))
    assert one.usage.prompt_tokens == 2 == one.usage.total_tokens
    assert fake.last["json"]["encoding_format"] == "float"  # we ask floats and encode ourselves

    many = sdk.embeddings.create(model="text-embedding-3-small", input=["a cat", "a dog"], encoding_format="float")
    assert [d.index for d in many.data] == [0, 1]
    assert close(many.data[1].embedding, embed_text("a dog"))

    tokens = sdk.embeddings.create(model="text-embedding-3-small", input=[[1, 2, 3], [4, 5]], encoding_format="float")
    assert fake.last["json"]["input"] == [[1, 2, 3], [4, 5]] and tokens.usage.prompt_tokens == 5
    single_tokens = sdk.embeddings.create(model="text-embedding-3-small", input=[7, 8, 9], encoding_format="float")
    assert fake.last["json"]["input"] == [[7, 8, 9]] and len(single_tokens.data) == 1

    short = sdk.embeddings.create(model="text-embedding-3-large", input="x", dimensions=16, encoding_format="float")
    assert len(short.data[0].embedding) == 16 and abs(norm(short.data[0].embedding) - 1) < 1e-6
    assert fake.last["json"]["dimensions"] == 16


def test_base64_is_little_endian_float32(upstream):
    _, server = upstream
    # The SDK asks base64 by default and decodes it (a strict client validates before decoding, so not here).
    with openai.OpenAI(base_url=server.url + "/v1", api_key="unused", max_retries=0) as lenient:
        decoded = lenient.embeddings.create(model="text-embedding-3-small", input="hello")
    assert all(abs(x - y) < 1e-6 for x, y in zip(decoded.data[0].embedding, embed_text("hello"), strict=True))
    body = {"model": "text-embedding-3-small", "input": "hello", "encoding_format": "base64"}
    answer = httpx.post(server.url + "/v1/embeddings", json=body, timeout=30).json()
    raw = base64.b64decode(answer["data"][0]["embedding"])
    vector = list(struct.unpack(f"<{len(raw) // 4}f", raw))
    assert len(vector) == EMBEDDING_SIZE and all(
        abs(x - y) < 1e-6 for x, y in zip(vector, embed_text("hello"), strict=True)
    )


@pytest.mark.parametrize(
    ("body", "status", "param"),
    [
        ({"model": "text-embedding-3-small"}, 422, "input"),
        ({"model": "text-embedding-3-small", "input": ""}, 400, "input"),
        ({"model": "text-embedding-3-small", "input": []}, 400, "input"),
        ({"model": "text-embedding-3-small", "input": ["ok", 5]}, 400, "input"),
        ({"model": "text-embedding-3-small", "input": "x", "encoding_format": "hex"}, 400, "encoding_format"),
        ({"model": "text-embedding-3-small", "input": "x", "dimensions": 0}, 400, "dimensions"),
        ({"model": "no-such-embedder", "input": "x"}, 404, "model"),
        ({"model": LOCAL, "input": "x", "dimensions": 8}, 400, "dimensions"),
    ],
)
def test_refusals(upstream, body, status, param):
    fake, server = upstream
    sent = len(fake.requests)
    response = httpx.post(server.url + "/v1/embeddings", json=body, timeout=30)
    assert response.status_code == status, response.text
    assert response.json()["error"]["param"] == param
    assert len(fake.requests) == sent  # nothing reached the upstream


def test_the_upstream_judges_dimensions(sdk):
    with pytest.raises(openai.BadRequestError, match="does not support specifying dimensions"):
        sdk.embeddings.create(model="text-embedding-ada-002", input="x", dimensions=8)


def test_langchain_openai_embeddings(upstream):
    from langchain_openai import OpenAIEmbeddings

    _, server = upstream
    embeddings = OpenAIEmbeddings(
        model="text-embedding-3-small",
        base_url=server.url + "/v1",
        api_key="unused",
        max_retries=0,
        check_embedding_ctx_length=False,  # no tiktoken download: the texts go as they are
    )
    documents = embeddings.embed_documents(["first document", "second document"])
    assert len(documents) == 2 and close(documents[0], embed_text("first document"))
    assert close(embeddings.embed_query("a question"), embed_text("a question"))


def test_offline_local_embeddings_through_sdk_and_langchain(upstream, sdk):
    from langchain_openai import OpenAIEmbeddings

    _, server = upstream
    result = sdk.embeddings.create(
        model=LOCAL, input=["the cat sat on the mat", "stock prices fell"], encoding_format="float"
    )
    first, second = (d.embedding for d in result.data)
    assert result.model == LOCAL and len(first) == len(second) > 100
    assert abs(norm(first) - 1) < 1e-4 and not close(first, second)
    assert result.usage.prompt_tokens > 0
    local = OpenAIEmbeddings(
        model=LOCAL, base_url=server.url + "/v1", api_key="unused", max_retries=0, check_embedding_ctx_length=False
    )
    assert all(abs(x - y) < 1e-4 for x, y in zip(local.embed_query("the cat sat on the mat"), first, strict=True))
    # No model at all: the offline engine too.
    default = httpx.post(server.url + "/v1/embeddings", json={"input": "hi"}, timeout=60).json()
    assert default["model"] == LOCAL and len(default["data"][0]["embedding"]) == len(first)


def test_models_lists_the_fallback_honestly(upstream):
    _, server = upstream
    listed = {m["id"]: m for m in httpx.get(server.url + "/v1/models", timeout=30).json()["data"]}
    assert "low-quality" in listed[LOCAL]["description"] and listed[LOCAL]["kind"] == "embedding"
    assert "modest accuracy" in listed["pocketsphinx"]["description"]
    assert "whisper-1" in listed["pocketsphinx"]["description"]


async def test_library_client_and_gemini(monkeypatch):
    from g4f.client import AsyncClient, Client
    from g4f.providers.http import close_session

    with FakeGemini() as gemini:
        monkeypatch.setenv("GEMINI_API_KEY", GEMINI_KEY)
        monkeypatch.setenv("GEMINI_API_BASE", gemini.url)
        client = AsyncClient()
        one = await client.embeddings.create(input="hello", model="gemini-embedding-001")
        assert close(one.data[0].embedding, embed_text("hello"))
        assert gemini.requests[-1]["path"].endswith(":embedContent")
        two = await client.embeddings.create(input=["a", "b"], model="gemini-embedding-001", dimensions=8)
        assert gemini.requests[-1]["path"].endswith(":batchEmbedContents")
        assert [len(d.embedding) for d in two.data] == [8, 8]
        assert gemini.requests[-1]["json"]["requests"][0]["outputDimensionality"] == 8
        await close_session()
    offline = Client().embeddings.create(input="hello", encoding_format="base64")
    assert offline.model == LOCAL and isinstance(offline.data[0].embedding, str)
