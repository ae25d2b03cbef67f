"""The page's Markdown renderer (static/js/markdown.js), run in the browser: what it draws, and
that nothing in a model's answer can become markup or script."""

from __future__ import annotations

import pytest

RENDER = """async (text) => {
    const { renderMarkdown } = await import('/chat/js/markdown.js');
    const box = document.createElement('div');
    box.append(renderMarkdown(text));
    return box.innerHTML;
}"""

ATTACKS = [
    '<img src=x onerror="window.__pwned=1">',
    "<script>window.__pwned=1</script>",
    "[click](javascript:window.__pwned=1)",
    "[click](JaVaScRiPt:window.__pwned=1)",
    "![x](javascript:window.__pwned=1)",
    "![x](data:text/html,<script>window.__pwned=1</script>)",
    "[x](data:text/html;base64,PHNjcmlwdD4=)",
    '<a href="javascript:window.__pwned=1">a</a>',
    "```html\n<script>window.__pwned=1</script>\n```",
    "`<b onmouseover=alert(1)>`",
    "| a | <img src=x onerror=alert(1)> |\n|---|---|\n| <svg onload=alert(1)> | b |",
    "<style>body{display:none}</style>",
    '[a](https://ok.example "title\\" onmouseover=\\"alert(1)")',
]


@pytest.fixture
def blank(context, server):
    page = context.new_page()
    page.goto(server + "/chat/")
    return page


def render(page, text: str) -> str:
    return page.evaluate(RENDER, text)


def test_nothing_in_an_answer_becomes_markup(blank):
    for attack in ATTACKS:
        html = render(blank, attack)
        bad = blank.evaluate(
            """(html) => {
                const box = document.createElement('template');
                box.innerHTML = html;
                const all = [...box.content.querySelectorAll('*')];
                const tags = all.filter(el => ['SCRIPT', 'STYLE', 'IFRAME', 'OBJECT', 'EMBED', 'LINK', 'META'].includes(el.tagName)
                    || (el.tagName.toLowerCase() === 'svg' && el.getAttribute('class') !== 'icon'))
                    .map(el => el.tagName);
                const attrs = all.flatMap(el => [...el.attributes]
                    .filter(a => a.name.startsWith('on') || /^\\s*(javascript|vbscript|data:text)/i.test(a.value))
                    .map(a => `${el.tagName}.${a.name}=${a.value}`));
                return [...tags, ...attrs];
            }""",
            html,
        )
        assert bad == [], (attack, bad, html)
    assert blank.evaluate("window.__pwned") is None


def test_raw_html_is_shown_as_text(blank):
    html = render(blank, '<img src=x onerror="alert(1)"> and <b>bold</b>')
    assert html == '<p>&lt;img src=x onerror="alert(1)"&gt; and &lt;b&gt;bold&lt;/b&gt;</p>'


def test_blocks_and_inline_elements(blank):
    text = (
        "# Title\n\nSome *em*, **strong**, ~~gone~~, `code`, snake_case_name and a [link](https://example.com).\n"
        "A second line  \nafter a hard break.\n\n"
        "> quoted\n\n"
        "1. first\n2. second\n   - inner\n\n"
        "- [x] done\n- [ ] todo\n\n"
        "| left | right |\n|:-----|------:|\n| a | b |\n\n"
        "---\n\n"
        "```js\nconst x = 1; // one\n```\n\n"
        "![pic](/media/pic.png) https://bare.example/path."
    )
    html = render(blank, text)
    for fragment in [
        "<h1>Title</h1>",
        "<em>em</em>",
        "<strong>strong</strong>",
        "<del>gone</del>",
        "<code>code</code>",
        "snake_case_name",
        '<a href="https://example.com" target="_blank" rel="noopener noreferrer">link</a>',
        "A second line<br>",
        "<blockquote><p>quoted</p></blockquote>",
        "<ol><li>first</li><li>second<ul><li>inner</li></ul></li></ol>",
        '<input type="checkbox" disabled="" checked="" aria-label="task"> done',
        '<th style="text-align: left;">left</th>',
        '<td style="text-align: right;">b</td>',
        "<hr>",
        '<span class="tok-kw">const</span>',
        '<span class="tok-num">1</span>',
        '<span class="tok-com">// one</span>',
        '<img src="/media/pic.png" alt="pic" loading="lazy" class="md-image">',
        '<a href="https://bare.example/path" target="_blank" rel="noopener noreferrer">https://bare.example/path</a>.',
    ]:
        assert fragment in html, (fragment, html)


def test_an_unclosed_fence_renders_as_code_while_streaming(blank):
    html = render(blank, "Look:\n\n```python\ndef f():\n    return 1")
    assert '<div class="code-block">' in html and '<span class="tok-kw">def</span>' in html
    assert "return" in html and "```" not in html


def test_a_large_answer_renders_whole(blank):
    # Its speed is bench material; here: every paragraph and code block of a ~40 KB answer comes out.
    para = "Some **bold** text with `code` and a [link](https://example.com). "
    text = "\n\n".join(para * 3 if i % 10 else "```python\nprint(1)\n```" for i in range(200))
    html = render(blank, text)
    assert html.count('<div class="code-block">') == 20
    assert html.count("<strong>bold</strong>") == 180 * 3
