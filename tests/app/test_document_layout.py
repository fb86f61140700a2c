"""Documents laid out as a clerk lays them out (issue 24): a table's columns by their content, so that
no word breaks across lines, and the order's list on landscape pages. Checked on the PDF that
LibreOffice makes of the DOCX, as it is printed."""

from __future__ import annotations

import datetime as dt
import io
import re

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.shared import Cm
from pypdf import PdfReader

from shnor.documents import common
from shnor.documents.convert import to_pdf
from shnor.documents.identification import ListedSchool, OrderData, order


def test_each_column_is_at_least_as_wide_as_its_longest_word() -> None:
    headers = ["№", "Муниципалитет", "Наименование ОО"]
    rows = [(1, "Берёзовский муниципальный район", "МКОУ «Средняя общеобразовательная школа с. Раздолье»")]
    widths = common.column_widths(headers, rows, int(Cm(25)), 10)
    assert widths[1] >= common._width("Муниципалитет", 10, bold=True) + common.PADDING
    assert widths[2] >= common._width("общеобразовательная", 10) + common.PADDING
    assert widths[2] > widths[1] > widths[0] and sum(widths) <= int(Cm(25))
    # A page too narrow for the words: the columns shrink alike and still fill it.
    narrow = common.column_widths(headers, rows, int(Cm(6)), 10)
    assert abs(sum(narrow) - int(Cm(6))) < len(headers)


def test_the_order_s_list_breaks_no_word_and_keeps_to_its_pages() -> None:
    schools = [
        ListedSchool(
            municipality="Берёзовский муниципальный район",
            school_id=f"M{i:05}",
            name=f"МКОУ «Средняя общеобразовательная школа с. Раздолье № {i}»",
            cluster="депривированные",
            category="НР+ССК",
            reasons="низкий ИОР; стабильно низкие результаты за три года",
            group="ШНОР и ШНСУ",
        )
        for i in range(138)
    ]
    content = order(
        OrderData(authority="Министерство образования Демонстрационной области", number="1",
                  date=dt.date(2027, 2, 1), year=2026, basis="Концепция", schools=schools,
                  signatory="Министр И. И. Иванов")
    )  # fmt: skip
    sections = Document(io.BytesIO(content)).sections
    assert sections[0].orientation == WD_ORIENT.PORTRAIT and sections[-1].orientation == WD_ORIENT.LANDSCAPE
    pages = PdfReader(io.BytesIO(to_pdf(content))).pages
    text = re.sub(r"\s+", " ", " ".join(p.extract_text() for p in pages))
    for word in ("Муниципалитет", "Наименование", "(категория)", "включения"):
        assert text.count(word) >= 1, word
    for word in ("муниципальный", "общеобразовательная", "результаты", "(НР+ССК)"):
        assert text.count(word) == 138, word  # once per school: never broken across two lines
    assert len(pages) <= 15  # the order's page and the list, about eleven rows a page
    # Numbered as a clerk numbers pages: from the second on, at the top (the appendix's first page too).
    first_words = [p.extract_text().split()[0] for p in pages]
    assert first_words[0] == "МИНИСТЕРСТВО" and first_words[1:] == [str(n) for n in range(2, len(pages) + 1)]


def test_a_heading_keeps_with_what_follows() -> None:
    document = common.new_document()
    common.heading(document, "7. Диаграмма")
    assert document.paragraphs[-1].paragraph_format.keep_with_next is True


def test_one_long_token_does_not_break_the_words_of_the_other_columns() -> None:
    """A file's checksum in one column is too long for any page: that column breaks it, the others
    keep their longest words whole."""
    headers = ["№", "Муниципалитет", "Контрольная сумма"]
    rows = [
        (1, "Берёзовский муниципальный район", "9f215cf04c5486422605d13261cb87401f4e7763b6296af81e98efbc0130da53" * 2)
    ]
    usable = int(Cm(16))
    widths = common.column_widths(headers, rows, usable, 10)
    assert widths[0] >= common._width("№", 10, bold=True) + common.PADDING
    assert widths[1] >= common._width("муниципальный", 10) + common.PADDING
    assert sum(widths) <= usable and usable - sum(widths) < len(headers)
    assert widths[2] == max(widths)


def test_text_pasted_from_word_with_control_characters_still_makes_a_document() -> None:
    """Schemathesis found a 500: an agenda item with a control character could not be written into
    the protocol (XML 1.0 forbids it). Word's line and page breaks become line breaks, the rest is
    dropped; a table cell, a heading and a filled template hold the same."""
    d = Document()
    common.paragraph(d, "О перечне\x0bшкол\x01 на\x0c2026 год")
    common.heading(d, "Раздел\x02 1")
    common.table(d, ["Школа\x03"], [["А1\x0bфилиал"]])
    out = io.BytesIO()
    d.save(out)
    back = Document(io.BytesIO(out.getvalue()))
    texts = [p.text for p in back.paragraphs if p.text]
    assert texts[:2] == ["О перечне\nшкол на\n2026 год", "Раздел 1"]
    assert back.tables[0].cell(0, 0).text == "Школа" and back.tables[0].cell(1, 0).text == "А1\nфилиал"
    assert common.xml_text("a\x00b\tc\r\nd\ufffe") == "ab\tc\r\nd"
    from shnor.documents.support import AgreementData, agreement

    filled = agreement(
        AgreementData(
            number="7\x01",
            date=dt.date(2026, 10, 1),
            curator="Школа Б1",
            school="Школа А1\x0b(филиал)",
            form="пара",
            subject="Предмет\x1f",
            start=dt.date(2026, 10, 1),
            end=dt.date(2027, 6, 30),
        )
    )
    assert "Школа А1" in "".join(p.text for p in Document(io.BytesIO(filled)).paragraphs)
