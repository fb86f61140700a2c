"""Shared pieces of the generated DOCX documents: Russian number and date formats, the official
page set-up (A4, margins of GOST R 7.0.97-2016), headings and tables."""

from __future__ import annotations

import datetime as dt
import functools
import io
import re
from collections.abc import Callable, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt

from shnor.core.numbers import number as number  # re-exported: documents format numbers from here
from shnor.core.numbers import percent as percent

MONTHS = (
    "января", "февраля", "марта", "апреля", "мая", "июня",
    "июля", "августа", "сентября", "октября", "ноября", "декабря",
)  # fmt: skip


def date(value: dt.date) -> str:
    return value.strftime("%d.%m.%Y")


def date_words(value: dt.date) -> str:
    return f"«{value.day:02d}» {MONTHS[value.month - 1]} {value.year} г."


def new_document(landscape: bool = False) -> DocxDocument:
    document = Document()
    section = document.sections[0]
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    else:
        section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.left_margin, section.right_margin = Cm(3.0), Cm(1.5)
    section.top_margin, section.bottom_margin = Cm(2.0), Cm(2.0)
    style = document.styles["Normal"]
    style.font.name = "Times New Roman"
    style.font.size = Pt(14)
    style.paragraph_format.space_after = Pt(0)
    page_numbers(section)
    return document


def page_numbers(section: Any) -> None:
    """The page's number at the top centre from the second page on, as a clerk numbers an official
    document (ГОСТ Р 7.0.97-2016, п. 6.5): a PAGE field, so Word and LibreOffice count the pages."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    section.different_first_page_header_footer = True
    p = section.header.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = p.add_run()
    run.font.size = Pt(12)
    for kind, text in (("begin", None), (None, " PAGE "), ("end", None)):
        if kind:
            node = OxmlElement("w:fldChar")
            node.set(qn("w:fldCharType"), kind)
        else:
            node = OxmlElement("w:instrText")
            node.set(qn("xml:space"), "preserve")
            node.text = text
        run._r.append(node)


def landscape_section(document: DocxDocument) -> None:
    """What follows on new pages turned to landscape (a wide appendix), with the same margins."""
    from docx.enum.section import WD_SECTION

    section = document.add_section(WD_SECTION.NEW_PAGE)
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    section.left_margin, section.right_margin = Cm(2.0), Cm(2.0)
    section.top_margin, section.bottom_margin = Cm(3.0), Cm(1.5)
    section.different_first_page_header_footer = False  # the appendix's first page is numbered too


# Characters XML 1.0 does not allow: the C0 controls but tab, line feed and carriage return. Word
# writes a vertical tab for a line break and a form feed for a page break; pasted into a form or
# sent in an API body, they made the document impossible to write (a 500 found by Schemathesis).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_text(value: object) -> str:
    """The text as a document can hold it: Word's line and page breaks as line breaks, other
    control characters dropped."""
    return _NOT_XML.sub(lambda m: "\n" if m.group() in "\x0b\x0c" else "", str(value))


def _xml_values(value: Any) -> Any:
    if isinstance(value, str):
        return xml_text(value)
    if isinstance(value, dict):
        return {k: _xml_values(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_xml_values(v) for v in value)
    return value


def paragraph(
    document: DocxDocument,
    text: str,
    *,
    bold: bool = False,
    align: str = "justify",
    indent: bool = True,
    size: int | None = None,
) -> None:
    p = document.add_paragraph()
    run = p.add_run(xml_text(text))
    run.bold = bold
    if size:
        run.font.size = Pt(size)
    p.alignment = {
        "justify": WD_ALIGN_PARAGRAPH.JUSTIFY,
        "center": WD_ALIGN_PARAGRAPH.CENTER,
        "left": WD_ALIGN_PARAGRAPH.LEFT,
        "right": WD_ALIGN_PARAGRAPH.RIGHT,
    }[align]
    if indent and align == "justify":
        p.paragraph_format.first_line_indent = Cm(1.25)


def heading(document: DocxDocument, text: str) -> None:
    p = document.add_paragraph()
    p.paragraph_format.space_before = Pt(12)
    p.paragraph_format.space_after = Pt(6)
    p.paragraph_format.keep_with_next = True  # never alone at a page's foot
    run = p.add_run(xml_text(text))
    run.bold = True
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER


# Serif faces whose metrics measure a table's words (the widest first: LibreOffice renders Times New
# Roman with DejaVu Serif where Times is not installed, so a column wide enough for it is wide enough
# for Word's Times too). Without any, an average letter of 0,68 em.
FACES = (
    ("dejavu/DejaVuSerif.ttf", "dejavu/DejaVuSerif-Bold.ttf"),
    ("liberation/LiberationSerif-Regular.ttf", "liberation/LiberationSerif-Bold.ttf"),
    ("msttcorefonts/Times_New_Roman.ttf", "msttcorefonts/Times_New_Roman_Bold.ttf"),
)
LETTER_EM = 0.68
PADDING = Cm(0.5)  # a cell's padding on both sides (Word's default 0,19 cm each) and a margin of error


@functools.cache
def _measure(size: int, bold: bool) -> Callable[[str], float] | None:
    """The width in points of a text at `size` points, measured with the first serif face found."""
    from PIL import ImageFont

    for regular, heavy in FACES:
        path = Path("/usr/share/fonts/truetype") / (heavy if bold else regular)
        if path.exists():
            return ImageFont.truetype(str(path), size).getlength
    return None


def _width(text: str, size: int, bold: bool = False) -> int:
    """The width (EMU) of a text on one line."""
    measure = _measure(size, bold)
    return int(Pt(measure(text) if measure else len(text) * size * LETTER_EM))


def column_widths(headers: Sequence[str], rows: Sequence[Sequence[Any]], usable: int, size: int) -> list[int]:
    """Widths (EMU) of a table's columns by their content, as a clerk lays a table out: each column at
    least as wide as its longest word, the header's in bold (no word broken across lines where the
    page allows), the rest of the page's width shared by how long the columns' texts run (their 90th
    percentile, so that one long cell does not take the page)."""
    least, want = [], []
    for c, header in enumerate(headers):
        cells = [str(r[c]) for r in rows]
        words = max((_width(w, size) for t in cells for w in t.split()), default=0)
        heads = max((_width(w, size, bold=True) for w in str(header).split()), default=0)
        least.append(max(words, heads) + PADDING)
        lengths = sorted(_width(t, size) for t in cells) or [heads]
        want.append(max(least[-1], lengths[min(len(lengths) - 1, int(0.9 * len(lengths)))] + PADDING))
    if sum(least) >= usable:  # even the words do not fit
        return _squeeze(least, usable)
    room, extra = usable - sum(least), [w - m for w, m in zip(want, least, strict=True)]
    if sum(extra) <= room:  # everything fits on one line: the spare width goes by the texts' length
        return [int(w * usable / sum(want)) for w in want]
    return [int(m + room * e / sum(extra)) for m, e in zip(least, extra, strict=True)]


def _squeeze(least: list[int], usable: int) -> list[int]:
    """Widths when the columns' longest words do not fit the page: the columns that fit within an
    even share keep their words whole (the narrowest first); only the wider ones, which must break a
    word anyway, share what is left by their need — one long token does not shrink every column."""
    out = [0] * len(least)
    order = sorted(range(len(least)), key=lambda i: least[i])
    left = usable
    for pos, i in enumerate(order):
        if least[i] <= left / (len(order) - pos):
            out[i], left = least[i], left - least[i]
            continue
        rest = order[pos:]
        need = sum(least[j] for j in rest)
        for j in rest:
            out[j] = int(left * least[j] / need)
        break
    return out


def table(
    document: DocxDocument,
    headers: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    size: int = 11,
    numeric: Sequence[int] = (),
) -> None:
    t = document.add_table(rows=1, cols=len(headers))
    t.style = "Table Grid"
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    t.autofit = False
    section = document.sections[-1]
    usable = int((section.page_width or Cm(21)) - (section.left_margin or 0) - (section.right_margin or 0))
    widths = column_widths(headers, rows, usable, size)
    for cell, text in zip(t.rows[0].cells, headers, strict=True):
        cell.text = ""
        run = cell.paragraphs[0].add_run(xml_text(text))
        run.bold = True
        run.font.size = Pt(size)
        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    for row in rows:
        cells = t.add_row().cells
        for i, (cell, value) in enumerate(zip(cells, row, strict=True)):
            cell.text = ""
            run = cell.paragraphs[0].add_run(xml_text(value))
            run.font.size = Pt(size)
            if i in numeric:
                cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    for column, width in zip(t.columns, widths, strict=True):  # Word reads the cells', LibreOffice the grid's
        column.width = width
        for cell in column.cells:
            cell.width = width
    document.add_paragraph()


def to_bytes(document: DocxDocument) -> bytes:
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def sha256(content: bytes) -> str:
    import hashlib

    return hashlib.sha256(content).hexdigest()


def html_to_pdf(html: str, cache: Path | None = None) -> bytes:
    """A PDF copy of a document rendered as HTML (WeasyPrint, fonts from the system, no network);
    made once per version of the HTML when `cache` names a folder (shnor.documents.cache)."""
    from weasyprint import HTML

    from shnor.documents.cache import cached

    def no_fetch(url: str, *args: Any, **kwargs: Any) -> Any:
        raise ValueError(f"внешние ресурсы в документах не загружаются: {url}")

    def make() -> bytes:
        pdf: bytes = HTML(string=html, url_fetcher=no_fetch).write_pdf()
        return pdf

    return cached(cache, html.encode(), make)


def order(
    document: DocxDocument,
    *,
    authority: str,
    date_of: dt.date,
    number_of: str,
    title: str,
    preamble: str,
    items: Sequence[str],
    signatory: str = "",
    signatory_name: str = "",
    executor: str = "",
) -> None:
    """The body of an order (приказ): authority, ПРИКАЗ, date and number, title, preamble,
    ПРИКАЗЫВАЮ with numbered items, the signature, the executor's mark, then a page break and the
    appendix mark."""
    paragraph(document, authority.upper(), bold=True, align="center")
    document.add_paragraph()
    paragraph(document, "ПРИКАЗ", bold=True, align="center", size=16)
    document.add_paragraph()
    paragraph(document, f"{date_words(date_of)}\t\t\t\t\t\t№ {number_of}", align="left")
    document.add_paragraph()
    paragraph(document, title, bold=True, align="center")
    document.add_paragraph()
    paragraph(document, preamble)
    paragraph(document, "ПРИКАЗЫВАЮ:", bold=True, align="left", indent=False)
    for i, text in enumerate(items, start=1):
        paragraph(document, f"{i}. {text}")
    document.add_paragraph()
    signature(document, signatory, signatory_name)
    executor_mark(document, executor)
    document.add_page_break()  # type: ignore[no-untyped-call]  # python-docx ships no types
    paragraph(document, f"Приложение\nк приказу от {date(date_of)} № {number_of}", align="right", indent=False, size=12)


def signature_line(position: str, name: str = "") -> str:
    """«Председатель комитета<tab>______________ А. А. Иванова»: the position, then — at the tab, set
    flush right by `signature` — the space to sign and the name (none when it was typed with the
    position)."""
    return f"{position or 'Руководитель'}\t______________ {name}".rstrip()


def signature(document: DocxDocument, position: str, name: str = "") -> None:
    """The signature line: the position to the left, the space to sign and the name flush with the
    right margin (a right tab stop at the text's width), so that a long name never wraps."""
    from docx.enum.text import WD_TAB_ALIGNMENT

    section = document.sections[-1]
    width = (section.page_width or Cm(21)) - (section.left_margin or 0) - (section.right_margin or 0)
    p = document.add_paragraph()
    p.paragraph_format.tab_stops.add_tab_stop(width, WD_TAB_ALIGNMENT.RIGHT)
    p.paragraph_format.keep_together = True
    p.add_run(xml_text(signature_line(position, name)))


def executor_mark(document: DocxDocument, executor: str) -> None:
    """The executor's mark at the foot of a document's main part («Исполнитель: …, тел. …», small,
    to the left, as a clerk writes it); nothing when the region names no executor."""
    if executor:
        document.add_paragraph()
        paragraph(document, executor, align="left", indent=False, size=10)


def template_path(name: str) -> Path:
    """A packaged DOCX template, unless the region put its own form of the same name (same fields,
    edited in Word) in `<data folder>/templates/`."""
    from django.conf import settings

    own = Path(settings.DATA_DIR) / "templates" / name
    if own.exists():
        return own
    return Path(str(resources.files("shnor.documents") / "templates" / name))


def render_template(name: str, context: dict[str, Any]) -> bytes:
    """Fill a docxtpl template (the region's own, else the packaged one); values are escaped."""
    from docxtpl import DocxTemplate

    doc = DocxTemplate(str(template_path(name)))
    doc.render(_xml_values(context), autoescape=True)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
