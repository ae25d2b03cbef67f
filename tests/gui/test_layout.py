"""How the page looks and is reached: themes, phone width, keyboard, accessible names; screenshots
go to tests/artifacts/ for a person to look at."""

from __future__ import annotations

from .conftest import PHONE, open_context, shot
from .test_chat import CODE_ANSWER, choose, send, wait_done

UNNAMED = """() => [...document.querySelectorAll('button, select, textarea, input:not([type=hidden]), a[href]')]
    .filter(el => el.offsetParent !== null || el.closest('dialog[open]'))
    .filter(el => !(el.getAttribute('aria-label') || el.labels?.length || el.textContent.trim() || el.title))
    .map(el => el.outerHTML.slice(0, 120))"""


def conversation(page, upstream) -> None:
    choose(page, "OpenaiAPI", "gpt-4o")
    upstream.script.append({"text": CODE_ANSWER, "reasoning": "Short plan.", "event_delay": 0.0})
    send(page, "Merge two sorted lists in Python, and show a table of squares.")
    wait_done(page)


def test_desktop_light_and_dark(page, upstream):
    conversation(page, upstream)
    page.evaluate("document.activeElement.blur()")
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(255, 255, 255)"
    shot(page, "desktop-light")
    assert page.evaluate(UNNAMED) == []

    page.click("#theme-toggle")
    assert page.evaluate("document.documentElement.dataset.theme") == "dark"
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(15, 17, 21)"
    assert page.get_attribute("#theme-toggle", "aria-label") == "Switch to light theme"
    page.reload()
    page.wait_for_selector(".msg-assistant .code-block")
    assert page.evaluate("document.documentElement.dataset.theme") == "dark"  # kept across reloads
    page.evaluate("document.activeElement.blur()")
    shot(page, "desktop-dark")

    page.click("#providers-button")
    page.wait_for_selector('#providers-table tr[data-provider="Local"]')
    shot(page, "desktop-providers")
    page.keyboard.press("Escape")

    page.click("#settings-button")
    shot(page, "desktop-settings")


def test_dark_by_system_preference(browser, server, console):
    context = open_context(browser, console, color_scheme="dark")
    try:
        page = context.new_page()
        page.goto(server + "/")
        assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(15, 17, 21)"
        assert page.get_attribute("#theme-toggle", "aria-label") == "Switch to light theme"
        shot(page, "desktop-dark-empty")
    finally:
        context.close()
    assert console.unexpected() == []


def test_phone_width(browser, server, console, upstream):
    context = open_context(browser, console, viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        page.goto(server + "/")
        page.wait_for_function("document.querySelectorAll('#model-select option').length > 3")
        shot(page, "phone-empty")
        conversation(page, upstream)
        page.evaluate("document.activeElement.blur()")
        # Nothing sticks out sideways, the composer and both pickers are on screen.
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        for selector in ("#prompt", "#send-button", "#provider-select", "#model-select", "#menu-button"):
            box = page.locator(selector).bounding_box()
            assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], selector
        assert page.locator("#sidebar").bounding_box()["x"] < 0  # the drawer starts closed
        shot(page, "phone-chat")

        page.click("#menu-button")
        page.wait_for_function("document.getElementById('sidebar').getBoundingClientRect().x >= 0")
        assert page.get_attribute("#menu-button", "aria-expanded") == "true"
        shot(page, "phone-sidebar")
        page.click("#new-chat")
        page.wait_for_function("document.getElementById('sidebar').getBoundingClientRect().right <= 0")
        assert page.locator(".empty").is_visible()
    finally:
        context.close()
    assert console.unexpected() == []


def test_keyboard_first(page, upstream):
    page.focus("#prompt")
    page.keyboard.type("line one")
    page.keyboard.press("Shift+Enter")
    page.keyboard.type("line two")
    assert page.input_value("#prompt") == "line one\nline two"
    assert page.locator(".msg").count() == 0
    choose(page, "OpenaiAPI", "gpt-4o")
    page.focus("#prompt")
    page.keyboard.press("Enter")
    wait_done(page)
    assert page.locator(".msg-user .bubble").text_content() == "line one\nline two"
    # Up in an empty box edits the last message; Escape leaves it as it was.
    page.focus("#prompt")
    page.keyboard.press("ArrowUp")
    page.wait_for_selector(".edit-box textarea:focus")
    page.keyboard.press("Escape")
    assert page.locator(".edit-box").count() == 0
    # Ctrl+Shift+O starts a new conversation.
    page.keyboard.press("Control+Shift+O")
    page.wait_for_selector(".empty")
    assert page.locator(".conversation-item").count() == 1
