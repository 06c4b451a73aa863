import pytest
from hypothesis import given
from hypothesis import strategies as st

from collaboratives.markup import render_markdown


def test_render_markdown_keeps_the_small_subset():
    html = render_markdown("*soft* **strong** `code`\n\n- one\n- two\n\n> quoted")

    assert "<em>soft</em>" in html
    assert "<strong>strong</strong>" in html
    assert "<code>code</code>" in html
    assert "<li>one</li>" in html
    assert "<blockquote>" in html


def test_render_markdown_links_get_rel_nofollow_noopener():
    html = render_markdown("[guide](https://example.org/guide)")

    assert html == ('<p><a href="https://example.org/guide" rel="nofollow noopener">guide</a></p>')


@pytest.mark.parametrize(
    "hostile",
    [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "<svg onload=alert(1)>",
        "[x](javascript:alert(1))",
        "[x](jav&#x09;ascript:alert(1))",
        "[x](data:text/html;base64,PHNjcmlwdD4=)",
        '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
        "<iframe srcdoc='<script>alert(1)</script>'>",
        "<a href='javascript:alert(1)'>x</a>",
    ],
)
def test_render_markdown_never_lets_script_through(hostile):
    html = render_markdown(hostile).lower()

    assert "<script" not in html
    assert "<img" not in html
    assert "<svg" not in html
    assert "<iframe" not in html
    assert 'href="javascript' not in html
    assert 'href="data' not in html
    assert "onerror=" not in html or "&lt;" in html


@given(st.text(max_size=300))
def test_render_markdown_output_only_uses_allowed_tags(text):
    import re

    html = render_markdown(text)

    tags = set(re.findall(r"<\s*/?\s*([a-zA-Z0-9]+)", html))
    assert tags <= {"p", "br", "em", "strong", "ul", "ol", "li", "a", "code", "pre", "blockquote"}
