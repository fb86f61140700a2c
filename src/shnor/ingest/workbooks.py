"""Workbooks people download: the XLSX template of each contract table and the error report.

Every text that came from a user's file is written so that Excel shows it and never runs it
(formula injection: a cell starting with `=`, `+`, `-` or `@` is prefixed with an apostrophe).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from shnor.core.contract import ROW_REQUIREMENTS, TABLES, TYPE_LABELS, VOCABULARIES, Kind
from shnor.ingest.issues import CODES, SEVERITY_LABELS, Issue

_PLAIN_NUMBER = re.compile(r"^[-+]?\d+([.,]\d+)?$")
HEADER_FILL = PatternFill("solid", fgColor="DCE6F1")
REQUIRED_FILL = PatternFill("solid", fgColor="FCE4D6")
BOLD = Font(bold=True)


def safe_cell(value: Any) -> Any:
    """A value as Excel should show it: text that looks like a formula stays text; control characters
    a workbook cannot hold are shown as «�»; text is cut at Excel's 32 767 characters."""
    if not isinstance(value, str):
        return value
    value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)[:32767]
    if value[:1] in ("=", "+", "-", "@", "\t", "\r") and not _PLAIN_NUMBER.match(value):
        return "'" + value[:32766]
    return value


def _autosize(sheet: Any, widths: Sequence[int]) -> None:
    for i, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = width


def _bytes(book: Workbook) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def template(kind: str) -> bytes:
    """The XLSX template of a table: a sheet named like the table with the Russian headers and
    one example row, and a sheet that explains every column."""
    table = TABLES[kind]
    book = Workbook()
    data = book.active
    data.title = kind
    for i, column in enumerate(table.columns, start=1):
        cell = data.cell(row=1, column=i, value=column.ru)
        cell.font = BOLD
        cell.fill = REQUIRED_FILL if column.required else HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        example = column.example
        data.cell(row=2, column=i, value=_typed_example(column.kind, example))
    data.freeze_panes = "A2"
    _autosize(data, [max(14, min(40, len(c.ru) + 2)) for c in table.columns])
    notes = book.create_sheet("пояснения")
    notes.append(["Таблица", f"{table.name} — {table.title}"])
    notes.append(
        [
            "Как заполнять",
            "Строка 1 — заголовки (не меняйте их), со строки 2 — данные, одна строка на запись. "
            "Пример во второй строке замените своими данными. Оранжевые столбцы обязательны.",
        ]
    )
    if table.note:
        notes.append(["Повторная загрузка", table.note])
    if kind == "results":
        notes.append([])
        notes.append(["Что должна содержать строка", "по процедуре"])
        for cell in notes[notes.max_row]:
            cell.font = BOLD
        for procedure, needs in ROW_REQUIREMENTS:
            notes.append([procedure, needs])
    notes.append([])
    header = ["Заголовок", "Имя в контракте", "Тип", "Обязательный", "Ограничения", "Пояснение", "Пример"]
    notes.append(header)
    for cell in notes[notes.max_row]:
        cell.font = BOLD
        cell.fill = HEADER_FILL
    for column in table.columns:
        limits = []
        if column.min is not None:
            limits.append(f"{'>' if column.min_exclusive else '≥'} {column.min:g}".replace(".", ","))
        if column.max is not None:
            limits.append(f"≤ {column.max:g}".replace(".", ","))
        if column.vocabulary:
            values = "; ".join(f"{code} ({names[0]})" for code, names in VOCABULARIES[column.vocabulary].items())
            limits.append(("значения: " if column.strict else "например: ") + values)
        notes.append(
            [
                column.ru,
                column.name,
                TYPE_LABELS[column.kind],
                "да" if column.required else ("по процедуре" if column.name == "primary_score" else "нет"),
                "; ".join(limits),
                column.note,
                column.example,
            ]
        )
    for row in notes.iter_rows(min_row=1):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    _autosize(notes, [40, 26, 22, 14, 40, 50, 20])
    return _bytes(book)


def _typed_example(kind: Kind, example: str) -> Any:
    if example == "":
        return None
    if kind == Kind.INT:
        return int(example)
    if kind in (Kind.FLOAT, Kind.SHARE):
        return float(example.replace(",", "."))
    return example


def report(
    issues: Iterable[Issue], summary: Sequence[dict[str, Any]], title: str, facts: Sequence[tuple[str, Any]]
) -> bytes:
    """The validation report of one import: a sheet of issues and a sheet of totals."""
    book = Workbook()
    sheet = book.active
    sheet.title = "замечания"
    header = ["Вид", "Файл", "Строка", "Столбец", "Значение", "Что не так / что ожидалось", "Код"]
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = BOLD
        cell.fill = HEADER_FILL
    for issue in issues:
        sheet.append(
            [
                SEVERITY_LABELS[issue.severity],
                safe_cell(issue.file),
                issue.row,
                safe_cell(issue.column),
                safe_cell(issue.value),
                safe_cell(issue.message),
                issue.code,
            ]
        )
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    _autosize(sheet, [16, 28, 9, 30, 24, 70, 16])
    totals = book.create_sheet("итог")
    totals.append([title])
    totals["A1"].font = Font(bold=True, size=12)
    for label, value in facts:
        totals.append([label, safe_cell(value)])
    totals.append([])
    totals.append(["Вид", "Замечание", "Столбец", "Строк", "Показано в листе «замечания»"])
    for cell in totals[totals.max_row]:
        cell.font = BOLD
        cell.fill = HEADER_FILL
    for line in summary:
        totals.append(
            [
                SEVERITY_LABELS.get(line["severity"], line["severity"]),
                CODES.get(line["code"], line["code"]),
                safe_cell(line["column"]),
                line["count"],
                line["listed"],
            ]
        )
    _autosize(totals, [28, 40, 34, 10, 16])
    return _bytes(book)


def tables(sheets: Sequence[tuple[str, Sequence[str], Iterable[Sequence[Any]]]]) -> bytes:
    """A workbook of plain tables, one per sheet (title, headers, rows): bold shaded headers,
    frozen first row, every text cell safe from formula injection."""
    book = Workbook()
    book.remove(book.active)
    for title, headers, rows in sheets:
        sheet = book.create_sheet(title[:31])
        sheet.append(list(headers))
        for cell in sheet[1]:
            cell.font = BOLD
            cell.fill = HEADER_FILL
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for row in rows:
            sheet.append([safe_cell(v) for v in row])
        sheet.freeze_panes = "A2"
        _autosize(sheet, [max(12, min(60, len(str(h)) + 4)) for h in headers])
    return _bytes(book)
