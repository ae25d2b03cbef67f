"""Image variations through the OpenAI protocol (``POST /images/variations``, multipart)."""

from __future__ import annotations

import base64

from g4f.client import AsyncClient, Client
from tests.fakes.media_server import COLOURS, make_png, read_png


async def test_openai_variations_send_the_image_as_multipart(openai_env):
    source = make_png(8, 8, COLOURS[1])
    response = await AsyncClient().images.create_variation(source, n=2, response_format="b64_json")
    assert response.provider == "OpenaiAPI" and len(response.data) == 2
    assert all(read_png(base64.b64decode(item.b64_json))[0] == 8 for item in response.data)
    (upload,) = openai_env.uploads
    assert upload["path"] == "/v1/images/variations"
    assert upload["file"] == source  # the image arrives byte-identical
    assert upload["fields"]["model"] == "dall-e-2" and upload["fields"]["n"] == "2"


def test_variations_through_a_base_url_client(media_server, tmp_path):
    from tests.fakes.media_server import API_KEY

    path = tmp_path / "photo.png"
    path.write_bytes(make_png(8, 8, COLOURS[0]))
    client = Client(base_url=media_server.url + "/v1", api_key=API_KEY)
    response = client.images.create_variation(path, model="dall-e-2", response_format="url")
    assert response.data[0].url.startswith(media_server.url)
    assert media_server.uploads[0]["file"] == path.read_bytes()
