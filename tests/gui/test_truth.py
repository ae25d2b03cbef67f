"""The page tells the truth: a local server counts as ready only when something listens at its
address (which the picker and the providers table show), and a model no provider can serve now is
set apart, saying what it lacks. The test server's addresses are fixed in conftest.py."""

from __future__ import annotations

from urllib.parse import urlsplit

from .conftest import shot
from .test_chat import choose, send, wait_done


def test_local_servers_are_ready_only_when_they_listen(page, server, closed_port):
    own = f"127.0.0.1:{urlsplit(server).port}"
    options = page.locator("#provider-select option").all_text_contents()
    assert "LMStudio · ready" in options  # the fake upstream listens at its address
    assert f"Ollama · not running at 127.0.0.1:{closed_port}" in options
    assert f"VLLM · not running at 127.0.0.1:{closed_port}" in options
    assert "Custom · no base URL" in options
    assert "LlamaCppServer · points at this server" in options
    assert "Groq · off on this server" in options  # in the test server's ignored providers
    ready = [o for o in options if o.endswith((" · ready", " · key set"))]
    assert options.index("LMStudio · ready") < options.index(f"Ollama · not running at 127.0.0.1:{closed_port}")
    assert page.text_content("#providers-button .count") == f"{len(ready)} ready"

    page.click("#providers-button")
    names = ("Ollama", "Custom", "LlamaCppServer", "LMStudio")
    table = {name: page.locator(f'#providers-table tr[data-provider="{name}"]').text_content() for name in names}
    assert f"not running at 127.0.0.1:{closed_port}" in table["Ollama"]
    assert "start it, or set OLLAMA_API_BASE to where it runs" in table["Ollama"]
    assert "set CUSTOM_API_BASE" in table["Custom"]
    assert f"{own} is this g4f server" in table["LlamaCppServer"]
    assert "ready" in table["LMStudio"] and "not running" not in table["LMStudio"]
    shot(page, "providers-truth")
    page.keyboard.press("Escape")


def test_models_no_provider_can_serve_are_set_apart(page, closed_port):
    blocked = page.locator('#model-select optgroup[label="Need a key or a server"] option').all_text_contents()
    assert "claude-3.5-haiku · needs key: ANTHROPIC_API_KEY" in blocked
    assert "claude-3.5-sonnet · vision · needs key: ANTHROPIC_API_KEY" in blocked
    assert f"llama-3.1-8b · Ollama not running at 127.0.0.1:{closed_port}" in blocked
    assert "llama-3-70b · not enabled on this server" in blocked  # all its providers are ignored here
    chat = page.locator('#model-select optgroup[label="Chat models"] option').all_text_contents()
    assert "gpt-4o · vision" in chat  # OpenaiAPI has its key
    assert not any("needs" in text or "not enabled" in text for text in chat)
    # Still a choice: picked anyway, it stays picked.
    choose(page, model="claude-3.5-haiku")
    assert page.input_value("#model-select") == "claude-3.5-haiku"


def test_a_provider_at_this_servers_address_is_refused_clearly(page, server, console):
    console.allow("503")
    own = f"127.0.0.1:{urlsplit(server).port}"
    choose(page, "LlamaCppServer")
    send(page, "Hello?")
    error = page.locator(".msg-error")
    error.wait_for()
    wait_done(page)
    text = error.text_content()
    assert f"{own} is this g4f server itself" in text and "LLAMACPPSERVER_API_BASE" in text
    assert "provider_is_this_server" in text
