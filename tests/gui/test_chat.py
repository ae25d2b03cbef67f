"""The chat page in a real browser against the real server: streaming, stop, regenerate, edit,
pickers, conversations across reloads, images, errors, the API key prompt."""

from __future__ import annotations

import json
import time

from playwright.sync_api import expect

from tests.fakes.media_server import make_png

from .conftest import API_KEY, open_context, shot

CODE_ANSWER = [
    "Here is ",
    "a **sorted** ",
    "merge:\n\n",
    "```python\n",
    "def merge(a, b):\n",
    "    # two sorted lists\n",
    "    return sorted(a + b)\n",
    "```\n\n",
    "| n | square |\n",
    "|---|---|\n",
    "| 2 | 4 |\n",
    "| 3 | 9 |\n\n",
    "- one\n",
    "- two\n",
    "  - nested\n",
    "\nDone.",
]


def choose(page, provider: str | None = None, model: str | None = None) -> None:
    if provider is not None:
        page.select_option("#provider-select", provider)
    if model is not None:
        page.select_option("#model-select", model)


def send(page, text: str) -> None:
    page.fill("#prompt", text)
    page.press("#prompt", "Enter")


def wait_done(page, timeout: float = 15_000) -> None:
    page.wait_for_selector(".msg-assistant.streaming", state="detached", timeout=timeout)
    page.wait_for_selector("#send-button:not([hidden])", timeout=timeout)


def answer_text(page) -> str:
    return page.evaluate("document.querySelector('.msg-assistant:last-of-type .markdown')?.textContent ?? ''")


def test_answer_grows_while_it_streams_and_renders_markdown(page, upstream):
    choose(page, "OpenaiAPI", "gpt-4o")
    # Per-conversation settings, keyboard only: the slider moves by arrow keys.
    page.click("#settings-button")
    page.fill("#system-prompt", "Answer briefly.")
    page.focus("#temperature")
    for _ in range(7):
        page.keyboard.press("ArrowLeft")
    assert page.text_content("#temperature-value") == "0.3"
    upstream.script.append({"text": CODE_ANSWER, "reasoning": "Sorting is easy here.", "event_delay": 0.08})
    send(page, "Merge two lists")

    lengths: list[int] = []
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        lengths.append(len(answer_text(page)))
        if not page.locator(".msg-assistant.streaming").count():
            break
        page.wait_for_timeout(40)
    growth = sorted(set(lengths))
    assert len(growth) >= 5, f"the answer did not grow in steps: {lengths}"
    rises = sum(1 for a, b in zip(lengths, lengths[1:], strict=False) if b > a)
    assert rises >= 5, f"the answer did not grow while streaming: {lengths}"
    wait_done(page)

    answer = page.locator(".msg-assistant").last
    assert "sorted merge:" in answer.locator(".markdown p").first.text_content()
    assert answer.locator(".markdown strong").text_content() == "sorted"
    code = answer.locator(".code-block")
    assert code.locator(".code-lang").text_content() == "python"
    assert code.locator(".tok-kw").first.text_content() == "def"
    assert code.locator(".tok-com").text_content() == "# two sorted lists"
    assert answer.locator("table td").all_text_contents() == ["2", "4", "3", "9"]
    assert answer.locator("ul ul li").text_content() == "nested"
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    code.locator(".code-copy").click()
    expect(code.locator(".code-copy span")).to_have_text("Copied")
    assert (
        page.evaluate("navigator.clipboard.readText()")
        == "def merge(a, b):\n    # two sorted lists\n    return sorted(a + b)"
    )
    reasoning = answer.locator("details.reasoning")
    assert not reasoning.evaluate("d => d.open")
    assert reasoning.locator(".reasoning-body").text_content() == "Sorting is easy here."
    assert "via OpenaiAPI" in answer.locator(".msg-meta").text_content()

    sent = upstream.last["json"]
    assert sent["model"] == "gpt-4o" and sent["stream"] is True
    assert sent["messages"][0] == {"role": "system", "content": "Answer briefly."}
    assert sent["messages"][-1] == {"role": "user", "content": "Merge two lists"}
    assert sent["temperature"] == 0.3


def test_stop_regenerate_and_edit(page, upstream):
    choose(page, "OpenaiAPI", "gpt-4o-mini")
    upstream.script.append({"text": [f"word{i} " for i in range(400)], "event_delay": 0.04})
    send(page, "Tell me a long story")
    page.wait_for_function("(document.querySelector('.msg-assistant .markdown')?.textContent.length ?? 0) > 30")
    page.click("#stop-button")
    page.wait_for_selector(".stopped-note")
    assert page.is_visible("#send-button") and page.is_hidden("#stop-button")
    stopped_at = answer_text(page)
    page.wait_for_timeout(400)
    assert answer_text(page) == stopped_at, "text kept arriving after stop"
    assert 30 < len(stopped_at) < len("".join(f"word{i} " for i in range(400)))
    # The server let go of the upstream stream too.
    deadline = time.monotonic() + 3
    while not upstream.cancelled and time.monotonic() < deadline:
        time.sleep(0.05)
    assert upstream.cancelled == 1

    upstream.script.append({"text": ["Short ", "story."]})
    page.click(".regenerate-button")
    wait_done(page)
    assert page.locator(".msg-assistant").count() == 1
    assert answer_text(page) == "Short story."

    page.locator(".msg-user .edit-button").click()
    page.fill(".edit-box textarea", "Tell me a poem")
    page.click("text=Save & send")
    wait_done(page)
    assert page.locator(".msg-user .bubble").all_text_contents() == ["Tell me a poem"]
    assert upstream.last["json"]["messages"][-1] == {"role": "user", "content": "Tell me a poem"}
    assert answer_text(page) == "Echo: Tell me a poem"


def test_embedded_model_answers_and_escape_stops_it(page):
    assert page.input_value("#provider-select") == "" and page.input_value("#model-select") == "auto"
    send(page, "Write a poem about the sea.")
    page.wait_for_function(
        "(document.querySelector('.msg-assistant .markdown')?.textContent.length ?? 0) > 0", timeout=60_000
    )
    first = len(answer_text(page))
    page.wait_for_function(
        f"(document.querySelector('.msg-assistant .markdown')?.textContent.length ?? 0) > {first}", timeout=30_000
    )
    page.keyboard.press("Escape")
    wait_done(page)
    meta = page.locator(".msg-assistant .msg-meta").text_content()
    assert "via Local" in meta
    assert page.locator(".msg-assistant .msg-error").count() == 0


def test_conversations_survive_reload(page, upstream):
    choose(page, "OpenaiAPI", "gpt-4o")
    send(page, "Remember the word pineapple")
    wait_done(page)
    page.click("#new-chat")
    choose(page, "OpenaiAPI", "gpt-4.1")
    send(page, "A second conversation")
    wait_done(page)

    page.reload()
    page.wait_for_function("document.querySelectorAll('#model-select option').length > 3")
    # expect(...) retries until the page has rendered what it restored.
    expect(page.locator(".conversation-open")).to_have_text(["A second conversation", "Remember the word pineapple"])
    expect(page.locator("#model-select")).to_have_value("gpt-4.1")
    page.click("text=Remember the word pineapple")
    expect(page.locator(".msg-user .bubble")).to_have_text("Remember the word pineapple")
    expect(page.locator(".msg-assistant .markdown").last).to_have_text("Echo: Remember the word pineapple")
    expect(page.locator("#model-select")).to_have_value("gpt-4o")

    page.locator('.conversation-item.current button[title="Rename"]').click()
    page.fill("#rename-input", "Fruit talk")
    page.press("#rename-input", "Enter")
    # The dialog's close event (which saves) runs as a task of its own: reload once the list shows it.
    expect(page.locator(".conversation-open").first).to_have_text("Fruit talk")
    page.reload()
    page.wait_for_function("document.querySelectorAll('#model-select option').length > 3")
    expect(page.locator(".conversation-open").first).to_have_text("Fruit talk")

    page.click("#settings-button")
    with page.expect_download() as info:
        page.click("#export-json")
    exported = json.loads(open(info.value.path()).read())
    assert exported["title"] == "Fruit talk" and [m["role"] for m in exported["messages"]] == ["user", "assistant"]
    with page.expect_download() as info:
        page.click("#export-md")
    markdown = open(info.value.path()).read()
    assert (
        markdown.startswith("# Fruit talk")
        and "## User" in markdown
        and "Echo: Remember the word pineapple" in markdown
    )

    page.click('button[aria-label="Delete A second conversation"]')
    assert page.locator(".conversation-open").all_text_contents() == ["Fruit talk"]
    page.click(".toast button:has-text('Undo')")
    assert len(page.locator(".conversation-open").all_text_contents()) == 2


def test_reload_during_a_stream_keeps_what_arrived(page, upstream):
    choose(page, "OpenaiAPI", "gpt-4o")
    upstream.script.append({"text": [f"word{i} " for i in range(400)], "event_delay": 0.03})
    send(page, "Stream for a while")
    page.wait_for_timeout(1600)
    page.reload()
    page.wait_for_selector(".msg-assistant .stopped-note")
    assert answer_text(page).startswith("word0 word1 word2")
    assert page.locator(".regenerate-button").is_visible()


def test_generate_an_image(page, upstream):
    choose(page, model="dall-e-3")
    assert "Image generation" in page.text_content("#mode-hint")
    assert page.locator("#model-select option[value='dall-e-3']").text_content() == "dall-e-3 · image"
    send(page, "a purple square")
    image = page.locator(".msg-images img")
    image.wait_for()
    page.wait_for_function("document.querySelector('.msg-images img').complete")
    assert image.evaluate("img => img.naturalWidth") > 0
    # Saved by the server and loaded through the key cookie (an <img> cannot send headers).
    assert image.get_attribute("src").startswith("/media/")
    shot(page, "desktop-image")
    calls = [r for r in upstream.requests if r["path"].endswith("/images/generations")]
    assert calls and calls[-1]["json"]["prompt"] == "a purple square"
    # The image turn stays out of later chat requests.
    choose(page, "OpenaiAPI", "gpt-4o")
    send(page, "Thanks")
    wait_done(page)
    assert [m["role"] for m in upstream.last["json"]["messages"]] == ["user"]


PNG = make_png(4, 4, (10, 200, 90))


def test_attach_images_for_a_vision_model(page, upstream):
    choose(page, "OpenaiAPI", "gpt-4o")
    page.set_input_files("#file-input", files=[{"name": "dot.png", "mimeType": "image/png", "buffer": PNG}])
    page.wait_for_selector("#attachments img")
    shot(page, "desktop-attachment")
    assert "Vision" in page.text_content("#mode-hint")
    # Drag and drop a second one, then take it away again.
    page.evaluate(
        """async (bytes) => {
            const file = new File([new Uint8Array(bytes)], 'dropped.png', {type: 'image/png'});
            const dt = new DataTransfer();
            dt.items.add(file);
            for (const type of ['dragenter', 'dragover', 'drop'])
                window.dispatchEvent(new DragEvent(type, {dataTransfer: dt, bubbles: true, cancelable: true}));
        }""",
        list(PNG),
    )
    page.wait_for_function("document.querySelectorAll('#attachments img').length === 2")
    assert page.is_hidden("#drop-overlay")
    page.click('button[aria-label="Remove dropped.png"]')
    # Pasting an image into the message box attaches it as well.
    page.evaluate(
        """(bytes) => {
            const dt = new DataTransfer();
            dt.items.add(new File([new Uint8Array(bytes)], 'pasted.png', {type: 'image/png'}));
            document.getElementById('prompt').dispatchEvent(new ClipboardEvent('paste', {clipboardData: dt, bubbles: true, cancelable: true}));
        }""",
        list(PNG),
    )
    page.wait_for_selector('button[aria-label="Remove pasted.png"]')
    page.click('button[aria-label="Remove pasted.png"]')
    send(page, "What is in this picture?")
    wait_done(page)
    assert page.locator(".msg-user .attachment-thumbs img").count() == 1
    content = upstream.last["json"]["messages"][-1]["content"]
    assert content[0] == {"type": "text", "text": "What is in this picture?"}
    assert content[1]["type"] == "image_url" and content[1]["image_url"]["url"].startswith("data:image/png;base64,")
    assert page.locator("#attachments img").count() == 0


def test_errors_are_readable_and_retry_works(page, upstream, console):
    console.allow("502")
    console.allow("500")
    choose(page, "OpenaiAPI", "gpt-4o")
    upstream.script.append({"status": 500, "message": "Upstream exploded"})
    send(page, "Hello?")
    error = page.locator(".msg-error")
    error.wait_for()
    text = error.text_content()
    assert "Request failed" in text and "Upstream exploded" in text and "OpenaiAPI" in text
    shot(page, "desktop-error")
    page.click(".retry-button")
    wait_done(page)
    assert page.locator(".msg-error").count() == 0
    assert answer_text(page) == "Echo: Hello?"


def test_every_provider_tried_is_listed(page, console):
    # The server's message when all candidates fail (RetryProviderError), answered here by the browser's
    # network layer: with the test server's ignore list, no model has two candidates left to fail.
    console.allow("502")
    message = (
        "All providers failed. Local: ProviderTimeoutError: no answer in 30 s; "
        "OpenaiAPI: RateLimitError: Rate limit reached; try again in 20s"
    )
    body = json.dumps({"error": {"message": message, "type": "server_error", "code": "provider_error"}})
    page.route(
        "**/v1/chat/completions", lambda route: route.fulfill(status=502, body=body, content_type="application/json")
    )
    send(page, "Anyone?")
    error = page.locator(".msg-error")
    error.wait_for()
    assert error.locator(".msg-error-text").text_content() == "All providers failed."
    assert error.locator("li").all_text_contents() == [
        "Local: ProviderTimeoutError: no answer in 30 s",
        "OpenaiAPI: RateLimitError: Rate limit reached; try again in 20s",
    ]


def test_an_error_in_the_middle_of_a_stream_keeps_the_text(page, upstream):
    choose(page, "OpenaiAPI", "gpt-4o")
    upstream.script.append({"text": ["Partial ", "answer ", "here ", "and more"], "stream_error_after": 3})
    send(page, "Go")
    page.locator(".msg-error").wait_for()
    wait_done(page)
    assert answer_text(page).startswith("Partial answer")
    assert "Upstream overloaded" in page.locator(".msg-error").text_content()


def test_server_key_is_asked_for_and_kept(browser, server, console):
    console.allow("401")
    context = open_context(browser, console, with_key=False)
    try:
        page = context.new_page()
        page.goto(server + "/")
        dialog = page.locator("#key-dialog")
        dialog.wait_for()
        assert "API key" in page.text_content("#key-reason")
        page.fill("#key-input", API_KEY)
        page.press("#key-input", "Enter")
        page.wait_for_function("document.querySelectorAll('#provider-select option').length > 3")
        assert page.evaluate("localStorage.getItem('g4f.apiKey')") == API_KEY
        page.reload()
        page.wait_for_function("document.querySelectorAll('#provider-select option').length > 3")
        assert not dialog.is_visible()
    finally:
        context.close()
    assert console.unexpected() == []


def test_providers_show_keys_and_readiness(page):
    options = page.locator("#provider-select option").all_text_contents()
    assert "Local · ready" in options
    assert "OpenaiAPI · key set" in options  # OPENAI_API_KEY is set for the server
    assert "Anthropic · needs key" in options
    assert options.index("Local · ready") < options.index("Anthropic · needs key")
    page.click("#providers-button")
    row = page.locator('#providers-table tr[data-provider="Anthropic"]')
    assert "needs key" in row.text_content() and "ANTHROPIC_API_KEY" in row.text_content()
    assert "ready" in page.locator('#providers-table tr[data-provider="Local"]').text_content()
    page.keyboard.press("Escape")
    assert page.is_hidden("#providers-dialog")
