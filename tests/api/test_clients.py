"""Other clients against the server: the requests guide's snippets, LangChain, the openai Node package."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import aiohttp
import pytest
import requests

USER = [{"role": "user", "content": "hello"}]
NODE_DIR = Path(__file__).parent / "node"


def test_requests_snippet(base_url):
    # As the requests guide writes it: a plain POST, then a streamed one read line by line.
    payload = {"model": "echo-1", "provider": "MockEcho", "messages": USER}
    response = requests.post(f"{base_url}/chat/completions", json=payload, timeout=30)
    assert response.json()["choices"][0]["message"]["content"] == "echo: hello"

    text = ""
    with requests.post(f"{base_url}/chat/completions", json={**payload, "stream": True}, stream=True, timeout=30) as r:
        for line in r.iter_lines():
            if line.startswith(b"data: ") and line != b"data: [DONE]":
                chunk = json.loads(line[6:])
                text += chunk["choices"][0]["delta"].get("content") or ""
    assert text == "echo: hello"

    models = requests.get(f"{base_url}/models", timeout=30).json()
    assert any(m["id"] == "smollm2-135m" for m in models["data"])


async def test_aiohttp_snippet(base_url):
    payload = {"model": "echo-1", "provider": "MockEcho", "messages": USER, "stream": True}
    text = ""
    async with aiohttp.ClientSession() as session:
        async with session.post(f"{base_url}/chat/completions", json=payload) as response:
            assert response.headers["content-type"].startswith("text/event-stream")
            async for line in response.content:
                line = line.strip()
                if line.startswith(b"data: ") and line != b"data: [DONE]":
                    text += json.loads(line[6:])["choices"][0]["delta"].get("content") or ""
        async with session.post(f"{base_url}/chat/completions", json={**payload, "stream": False}) as response:
            data = await response.json()
    assert text == data["choices"][0]["message"]["content"] == "echo: hello"


def test_langchain_chat_openai(base_url):
    from langchain_openai import ChatOpenAI

    llm = ChatOpenAI(
        base_url=base_url, api_key="unused", model="echo-1", max_retries=0, extra_body={"provider": "MockEcho"}
    )
    assert llm.invoke("hi from langchain").content == "echo: hi from langchain"
    streamed = "".join(chunk.content for chunk in llm.stream("streamed"))
    assert streamed == "echo: streamed"


@pytest.fixture(scope="session")
def node_openai():
    node, npm = shutil.which("node"), shutil.which("npm")
    assert node and npm, "node and npm are needed (Node 20)"
    if not (NODE_DIR / "node_modules" / "openai").is_dir():
        subprocess.run(
            [npm, "ci" if (NODE_DIR / "package-lock.json").exists() else "install", "--no-audit", "--no-fund"],
            cwd=NODE_DIR,
            check=True,
            capture_output=True,
            timeout=300,
        )
    return node


def test_node_openai_package(node_openai, base_url):
    result = subprocess.run(
        [node_openai, "chat.mjs"],
        cwd=NODE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "G4F_BASE_URL": base_url},
    )
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out == {
        "whole": "echo: node says hi",
        "provider": "MockEcho",
        "streamed": "echo: node says hi",
        "finish": "stop",
        "errorStatus": 404,
    }
