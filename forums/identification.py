"""Does a case consultation look like it identifies a family? A careful heuristic, not a filter.

It warns; the author decides. Each finding names a kind ("name", "date", "phone", "address",
"email") and the matched text, which is shown to the author only and never logged.
"""

import re
from dataclasses import dataclass

_NAME_AFTER_PARENT = re.compile(
    r"\b(?:Mom|Mum|Dad|Mother|Father|Grandma|Grandpa|Grandmother|Grandfather)"
    r"(?:\s*[,:]\s*|\s+)(?:named\s+|called\s+)?([A-Z][a-z]+(?:\s+[A-Z][a-z]+)?)"
)
# Words that often follow "Mom"/"Dad" without being names.
_NOT_NAMES = frozenset(
    {"And", "Or", "But", "The", "She", "He", "They", "Is", "Was", "Has", "Had", "Says", "Said"}
    | {"Reported", "Shared", "Felt", "Feels", "When", "While", "Who", "Also", "Then", "If"}
    | {"I", "We", "It", "This", "That", "At", "In", "On", "To", "With", "For", "Of", "A", "An"}
)
_MONTHS = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
)
_DATES = (
    re.compile(r"\b(?:DOB|D\.O\.B\.?|date of birth|born(?: on)?)\b\s*:?\s*\S+", re.IGNORECASE),
    re.compile(r"\b\d{1,2}[/.-]\d{1,2}[/.-](?:\d{4}|\d{2})\b"),
    re.compile(r"\b\d{4}-\d{2}-\d{2}\b"),
    re.compile(rf"\b{_MONTHS}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}\b", re.IGNORECASE),
    re.compile(rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTHS}\s+\d{{4}}\b", re.IGNORECASE),
)
_PHONE = re.compile(r"(?<!\d)(?:\+?1[\s.-]?)?\(?\d{3}\)?[\s.-]?\d{3}[\s.-]?\d{4}(?!\d)")
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
_ADDRESS = re.compile(
    r"\b\d{1,6}\s+(?:[A-Z0-9][\w.'-]*\s+){1,4}"
    r"(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Way|Place|Pl"
    r"|Terrace|Circle|Pike|Highway|Hwy)\b\.?",
)


@dataclass(frozen=True)
class Finding:
    kind: str
    text: str

    @property
    def label(self) -> str:
        return {
            "name": "a name after Mom, Dad, Mother or Father",
            "date": "a date (of birth, or another date that could identify)",
            "phone": "a phone number",
            "address": "a street address",
            "email": "an email address",
        }[self.kind]


def identification_findings(text: str) -> list[Finding]:
    """What in `text` may identify a family, in order of appearance, each once."""
    text = text or ""
    found: list[tuple[int, Finding]] = []
    for match in _NAME_AFTER_PARENT.finditer(text):
        name = match.group(1)
        if name.split()[0] not in _NOT_NAMES:
            found.append((match.start(), Finding("name", match.group(0))))
    for pattern in _DATES:
        found.extend((m.start(), Finding("date", m.group(0))) for m in pattern.finditer(text))
    found.extend((m.start(), Finding("email", m.group(0))) for m in _EMAIL.finditer(text))
    found.extend((m.start(), Finding("phone", m.group(0))) for m in _PHONE.finditer(text))
    found.extend((m.start(), Finding("address", m.group(0))) for m in _ADDRESS.finditer(text))
    found.sort(key=lambda item: item[0])
    return list(dict.fromkeys(finding for _, finding in found))


def identification_kinds(findings: list[Finding]) -> list[str]:
    """The kinds only, for the audit log (never the matched text)."""
    return sorted({finding.kind for finding in findings})
