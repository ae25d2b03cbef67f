"""Vision: every image input shape reaches each upstream encoded as that protocol wants."""

from __future__ import annotations

import base64
import io

import pytest

from g4f.client import AsyncClient, Client
from g4f.errors import InvalidRequestError, PayloadTooLargeError
from tests.fakes.anthropic_server import API_KEY as ANTHROPIC_KEY
from tests.fakes.anthropic_server import FakeAnthropic
from tests.fakes.gemini_server import API_KEY as GEMINI_KEY
from tests.fakes.gemini_server import FakeGemini
from tests.fakes.media_server import make_png

PNG = make_png(5, 5, (10, 20, 30))
FETCHED = make_png(4, 4, (1, 2, 3))  # what the fake's /png serves
ASK = [{"role": "user", "content": "What is in the picture?"}]


def data_uri(data: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(data).decode()


def sent_images(server) -> list[dict]:
    body = server.requests[-1]["json"]
    return [
        p for m in body["messages"] if isinstance(m["content"], list) for p in m["content"] if p["type"] == "image_url"
    ]


async def test_every_input_shape_becomes_a_data_uri(openai_env, allow_private, tmp_path):
    path = tmp_path / "pic.png"
    path.write_bytes(PNG)
    client = AsyncClient(provider="OpenaiAPI")
    for image in (PNG, str(path), path, io.BytesIO(PNG), data_uri(PNG)):
        result = await client.chat.completions.create(ASK, model="gpt-4o", image=image)
        assert result.choices[0].message.content == "I see 1 image(s)."
        (part,) = sent_images(openai_env)
        assert part["image_url"]["url"] == data_uri(PNG)
        body = openai_env.requests[-1]["json"]
        assert body["messages"][-1]["content"][0] == {"type": "text", "text": "What is in the picture?"}
    await client.chat.completions.create(ASK, model="gpt-4o", image=openai_env.url + "/png")
    assert sent_images(openai_env)[0]["image_url"]["url"] == data_uri(FETCHED)  # fetched by g4f, sent inline


def test_images_list_and_message_parts(openai_env, allow_private):
    messages = [
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "compare"},
                {"type": "image_url", "image_url": {"url": openai_env.url + "/png"}},
            ],
        }
    ]
    Client(provider="OpenaiAPI").chat.completions.create(
        messages, model="gpt-4o", images=[(PNG, "a.png"), (make_png(1, 1), "b.png")]
    )
    urls = [p["image_url"]["url"] for p in sent_images(openai_env)]
    assert urls == [data_uri(FETCHED), data_uri(PNG), data_uri(make_png(1, 1))]


async def test_remote_image_refused_before_any_provider(openai_env):
    """No allowance: a loopback image URL is refused and neither the image host nor the provider is asked."""
    for image in (openai_env.url + "/png", "http://169.254.169.254/latest/meta-data/iam"):
        with pytest.raises(InvalidRequestError, match="Refusing|not allowed"):
            await AsyncClient(provider="OpenaiAPI").chat.completions.create(ASK, model="gpt-4o", image=image)
    messages = [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "http://localhost/x.png"}}]}]
    with pytest.raises(InvalidRequestError):
        await AsyncClient(provider="OpenaiAPI").chat.completions.create(messages, model="gpt-4o")
    assert openai_env.requests == []


async def test_oversize_image_refused(openai_env, allow_private, monkeypatch):
    monkeypatch.setenv("G4F_MAX_IMAGE_SIZE", "100000")
    with pytest.raises(PayloadTooLargeError):
        await AsyncClient(provider="OpenaiAPI").chat.completions.create(
            ASK, model="gpt-4o", image=openai_env.url + "/big"
        )
    with pytest.raises(PayloadTooLargeError):
        await AsyncClient(provider="OpenaiAPI").chat.completions.create(
            ASK, model="gpt-4o", image=b"\x89PNG\r\n\x1a\n" + bytes(200000)
        )
    assert not [r for r in openai_env.requests if r["path"] == "/v1/chat/completions"]


async def test_anthropic_receives_base64_blocks(media_server, allow_private, monkeypatch):
    with FakeAnthropic() as fake:
        monkeypatch.setenv("ANTHROPIC_API_BASE", fake.url)
        client = AsyncClient(provider="Anthropic", api_key=ANTHROPIC_KEY)
        await client.chat.completions.create(ASK, model="claude-3.5-sonnet", image=media_server.url + "/png")
        content = fake.requests[-1]["json"]["messages"][0]["content"]
        assert content[0] == {
            "type": "image",
            "source": {"type": "base64", "media_type": "image/png", "data": base64.b64encode(FETCHED).decode()},
        }


async def test_gemini_receives_inline_data(media_server, allow_private, monkeypatch):
    with FakeGemini() as fake:
        monkeypatch.setenv("GEMINI_API_BASE", fake.url)
        client = AsyncClient(provider="Gemini", api_key=GEMINI_KEY)
        await client.chat.completions.create(
            ASK, model="gemini-2.0-flash", images=[(PNG, "a.png"), (media_server.url + "/png", None)]
        )
        parts = fake.requests[-1]["json"]["contents"][-1]["parts"]
        inline = [p["inlineData"] for p in parts if "inlineData" in p]
        assert inline == [
            {"mimeType": "image/png", "data": base64.b64encode(PNG).decode()},
            {"mimeType": "image/png", "data": base64.b64encode(FETCHED).decode()},
        ]


async def test_local_has_no_vision():
    from g4f.errors import NotSupportedError

    with pytest.raises(NotSupportedError, match="no vision"):
        await AsyncClient().chat.completions.create(ASK, provider="Local", image=PNG)
    with pytest.raises(NotSupportedError, match="no vision"):
        await AsyncClient().chat.completions.create(
            [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": data_uri(PNG)}}]}],
            provider="Local",
        )
