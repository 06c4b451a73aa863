"""The corpus of hostile inputs every entry point is tried with (tests/security, realtime)."""

# Each payload that could run script carries the marker 1337, so a check can look for it in
# any active position of the page (a script's text, an event handler, a javascript: address).
MARKER = "1337"

HOSTILE = {
    "script-tag": "<script>alert(1337)</script>",
    "img-onerror": "<img src=x onerror=alert(1337)>",
    "svg-onload": "<svg/onload=alert(1337)>",
    "attribute-breakout": '"><script>alert(1337)</script>',
    "markdown-javascript-link": "[click me](javascript:alert(1337))",
    "html-javascript-link": '<a href="javascript:alert(1337)">click</a>',
    "data-url-link": "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxMzM3KTwvc2NyaXB0Pg==)",
    "mxss-noscript": '<noscript><p title="</noscript><img src=x onerror=alert(1337)>">',
    "mxss-math-style": "<math><mtext><table><mglyph><style><img src=x onerror=alert(1337)>",
    "mxss-svg-style": '<svg></p><style><a id="</style><img src=1 onerror=alert(1337)>">',
    "template-injection": "{{ 7*7 }} {% debug %} ${1337}",
    "sql-ish": "' OR 1=1 -- ; DROP TABLE accounts_user; --",
    "fts-syntax": '"unbalanced NEAR( * AND OR NOT title:',
    "bidi-and-zero-width": "safe\u202etxt.exe\u200b",
    "nul-and-controls": "before\x00after\x1b[31m",
    "crlf-header": "subject\r\nBcc: victim@example.org",
    "ics-breakout": "Title\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nSUMMARY:injected",
    "path-traversal": "../../../../etc/passwd",
    "emoji-and-combining": "👩🏽‍⚕️ Z̤͔ͧ̑̓ä͖̭̈̇lgo",
    "very-long": "A" * 100_000,
}
