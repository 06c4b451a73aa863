"""Is a page inert? No script, handler or script address that carries the corpus marker."""

from html.parser import HTMLParser

from tests.security.hostile import MARKER


class _ActiveMarkup(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        if tag == "script":
            # A JSON data block (json_script) is never run; its text is data.
            kind = (dict(attrs).get("type") or "").lower()
            self._in_script = kind not in {"application/json", "application/ld+json"}
        for name, value in attrs:
            value = (value or "").strip().lower()
            if name.startswith("on") and MARKER in value:
                self.found.append(f"<{tag} {name}=...>")
            if name in {"href", "src", "action", "formaction", "xlink:href"} and (
                value.startswith(("javascript:", "data:text/html", "vbscript:"))
            ):
                self.found.append(f"<{tag} {name}={value[:40]}>")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script and MARKER in data:
            self.found.append(f"<script>{data[:40]}")


def active_markup(html: str) -> list[str]:
    """Every place in `html` where a corpus payload became live markup (empty when inert)."""
    parser = _ActiveMarkup()
    parser.feed(html)
    parser.close()
    return parser.found
