"""What a person must never read on a page (issue 24): Python's «nan» and «None», a template's
unfilled {placeholder}, a code in snake_case, a float with more digits than anyone reads, and a
number in a form field's value written with a thousands space (the browser drops the value).

Text inside <code>, <pre>, <script>, <style> and <textarea> is left out: codes an operator needs
(a setting's name, a column of the data contract) are shown as code on purpose, and a text box holds
what a person typed."""

from __future__ import annotations

import re
from html.parser import HTMLParser

SKIPPED = {"code", "pre", "script", "style", "textarea", "kbd", "samp"}
PATTERNS = {
    "nan": re.compile(r"(?<![\w-])(nan|NaN|None|null|undefined)(?![\w-])"),
    "placeholder": re.compile(r"\{[a-z_]+\}"),
    "snake_case": re.compile(r"(?<![\w./-])[a-z]+(?:_[a-z0-9]+)+(?![\w./-])"),
    "long float": re.compile(r"(?<![\d,.])-?\d+[.,]\d{6,}(?![\d])"),
}
SPACED_VALUE = re.compile(r'value="(\d{1,3}(?:&nbsp;|\xa0|\u202f| )\d{3})"')


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.depth = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in SKIPPED:
            self.depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIPPED and self.depth:
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        if not self.depth:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return re.sub(r"\s+", " ", " ".join(parser.parts))


def faults(html: str) -> list[str]:
    """Each fault as «kind: the text around it»."""
    found = [f"number with a space in a form value: {v}" for v in SPACED_VALUE.findall(html)]
    text = visible_text(html)
    for kind, pattern in PATTERNS.items():
        for m in pattern.finditer(text):
            found.append(f"{kind}: …{text[max(0, m.start() - 40) : m.end() + 40]}…")
    return found
