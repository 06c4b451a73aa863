"""Members' text to safe HTML: a small Markdown subset, then an nh3 allowlist.

Used by room messages and forum posts alike. Raw HTML in the input is escaped by the Markdown
parser, and nh3 then removes anything outside the allowlist, so a parser quirk cannot let markup
through.
"""

import nh3
from markdown_it import MarkdownIt

_markdown = MarkdownIt("zero", {"html": False, "breaks": True}).enable(
    ["emphasis", "list", "link", "backticks", "fence", "newline", "blockquote"]
)

ALLOWED_TAGS = {"p", "br", "em", "strong", "ul", "ol", "li", "a", "code", "pre", "blockquote"}
ALLOWED_ATTRIBUTES = {"a": {"href"}, "ol": {"start"}}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}


def render_markdown(text: str) -> str:
    """Render the Markdown subset and sanitize the result (links get rel=nofollow noopener)."""
    html = _markdown.render(text)
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="nofollow noopener",
    ).strip()
