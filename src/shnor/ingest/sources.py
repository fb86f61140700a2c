"""Reading what regions hand over: XLSX/XLS/ODS workbooks and CSV in UTF-8 (with or without BOM)
or cp1251, separated by `,`, `;` or tabs, with a decimal point or comma.

Every reader yields batches of *strings* with the spreadsheet row number of their first row, so
that conversion and validation are the same whatever the file was, and every issue can name the
row a person sees in Excel. CSV is streamed (pyarrow's reader, never the whole file in memory);
a workbook is at most a million rows and is read whole.
"""

from __future__ import annotations

import codecs
import csv
import io
import queue
import re
import threading
import zipfile
from collections import Counter
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, TypeVar

import pyarrow as pa
import pyarrow.csv as pacsv

from shnor.core.contract import TABLES, header_index, normalise_header
from shnor.core.numbers import number
from shnor.ingest.issues import printable

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")
CSV_SUFFIXES = (".csv", ".txt", ".tsv")
SAMPLE_BYTES = 1 << 20
SNIFF_BYTES = 1 << 17  # the lines the separator and the header are judged on (a few hundred rows)
SHEET_YEAR = -1  # the position of the year a sheet's name gives (raw column `c-1`)


class SourceError(Exception):
    """The file cannot be read at all; `code` is an issue code of shnor.ingest.issues."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class ReadOptions:
    """What a person may say about a file instead of letting it be guessed: on the CLI (`--sep`,
    `--encoding`, `--header-row`, `--sheet`), in a saved mapping, on the upload page, in the API."""

    delimiter: str | None = None
    encoding: str | None = None
    header_row: int | None = None
    sheet: str | None = None

    def merged(self, other: ReadOptions | None) -> ReadOptions:
        """These options, with `other`'s where these say nothing."""
        if other is None:
            return self
        return ReadOptions(
            delimiter=self.delimiter or other.delimiter,
            encoding=self.encoding or other.encoding,
            header_row=self.header_row or other.header_row,
            sheet=self.sheet or other.sheet,
        )

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v not in (None, "")}

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> ReadOptions:
        data = data or {}
        return cls(**{k: data.get(k) or None for k in ("delimiter", "encoding", "header_row", "sheet")})


DELIMITERS = {";": "точка с запятой", ",": "запятая", "\t": "табуляция", "|": "вертикальная черта"}
ENCODINGS = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8 с BOM",
    "cp1251": "Windows-1251",
    "cp866": "DOS (CP866)",
    "koi8-r": "КОИ-8",
    "latin-1": "Latin-1 (ISO 8859-1)",
}
DELIMITER_WORDS = {"semicolon": ";", "comma": ",", "tab": "\t", "pipe": "|", "\\t": "\t", "tsv": "\t"}


def delimiter_option(value: str | None) -> str | None:
    """A separator as a person names it (`;`, `tab`, `\\t`, `comma`) -> the character."""
    if value is None or value == "":
        return None
    char = DELIMITER_WORDS.get(value.strip().lower(), value)
    if char not in DELIMITERS:
        raise SourceError(
            "file", f"Разделитель «{value}» не поддерживается: допустимы «;», «,», «|» и табуляция (tab)."
        )
    return char


def encoding_option(value: str | None) -> str | None:
    if value is None or value == "":
        return None
    folded = value.strip().lower().replace("_", "-")
    folded = {
        "utf8": "utf-8",
        "windows-1251": "cp1251",
        "win1251": "cp1251",
        "1251": "cp1251",
        "utf-8-bom": "utf-8-sig",
        "koi8r": "koi8-r",
        "latin1": "latin-1",
        "iso-8859-1": "latin-1",
        "866": "cp866",
    }.get(folded, folded)
    if folded not in ENCODINGS:
        raise SourceError("encoding", f"Кодировка «{value}» не поддерживается: допустимы {', '.join(ENCODINGS)}.")
    return folded


# Which contract columns a row of cells names: the header row is the row that names most.
Matcher = Callable[[Sequence[str]], set[str]]
HEADER_SEARCH_ROWS = 30


def contract_matcher(table: str, extra: dict[str, str] | None = None) -> Matcher:
    """The contract columns (and a mapping's `extra` headers -> names) that a row of cells names."""
    index = dict(header_index(TABLES[table])) if table in TABLES else {}
    for header, name in (extra or {}).items():
        index[normalise_header(header)[0]] = name

    def match(cells: Sequence[str]) -> set[str]:
        found = set()
        for cell in cells:
            if cell and len(cell) <= 300:
                name = index.get(normalise_header(cell)[0])
                if name:
                    found.add(name)
        return found

    return match


@dataclass
class SourceInfo:
    path: Path
    name: str  # the file name shown to people
    format: str  # csv | workbook
    size: int
    headers: list[str] = field(default_factory=list)
    width: int = 0  # fields in the header line, trailing empty ones included
    header_row: int = 1
    encoding: str = "utf-8"
    delimiter: str = ","
    decimal: str = "."
    decimals: dict[int, str] = field(default_factory=dict)  # per column position, where decided
    sheet: str | None = None
    sheets: list[str] = field(default_factory=list)
    # The sheets read, each with its header row and the year its name gives (a sheet per year).
    parts: list[tuple[str, int, int | None]] = field(default_factory=list)
    detected: list[str] = field(default_factory=list)  # what was detected and why, for people
    unsure: list[str] = field(default_factory=list)  # why the detection may be wrong
    above: list[tuple[int, str]] = field(default_factory=list)  # rows above the header, skipped
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)  # filled areas (0-based)
    encoding_guessed: bool = False  # cp1251 chosen because the bytes are not UTF-8
    numbering: int | None = None  # the row under the header that numbers the columns (1, 2, 3 …)
    formats: dict[int, tuple[str, int]] = field(default_factory=dict)  # XLSX columns shown as percent / padded
    skip_lines: int = 0  # CSV: the physical lines up to the header's end (a quoted header may span two)
    numbering_by_sheet: dict[str, int] = field(default_factory=dict)  # a sheet per year: each one's
    options: ReadOptions = field(default_factory=ReadOptions)

    def decimal_of(self, position: int) -> str:
        return self.decimals.get(position, self.decimal)

    def describe(self) -> str:
        if self.format == "workbook":
            if len(self.parts) > 1:
                return "книга Excel, листы " + ", ".join(f"«{s}»" for s, _, _ in self.parts)
            return f"книга Excel, лист «{self.sheet}», заголовок в строке {self.header_row}"
        encoding = ENCODINGS.get(self.encoding, self.encoding)
        decimal = "запятая" if self.decimal == "," else "точка"
        return (
            f"CSV, {encoding}, разделитель — {DELIMITERS.get(self.delimiter, self.delimiter)}, "
            f"десятичный разделитель — {decimal}, заголовок в строке {self.header_row}"
        )


def _detect_encoding(head: bytes, whole: bool) -> tuple[str, str]:
    """The encoding and why: a BOM, valid UTF-8 (which wins), else Windows-1251."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig", "в начале файла метка UTF-8 (BOM)"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise SourceError(
            "encoding", "Файл в кодировке UTF-16. Сохраните его как CSV (UTF-8) или CSV (разделители — запятые)."
        )
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(head, final=whole)
        return "utf-8", "все байты файла допустимы в UTF-8" if whole else "начало файла — допустимый UTF-8"
    except UnicodeDecodeError as error:
        bad = error.start
    try:
        head.decode("cp1251")
    except UnicodeDecodeError:
        raise SourceError("encoding", "Кодировка файла не распознана: ожидается UTF-8 или Windows-1251.") from None
    line = head[:bad].count(b"\n") + 1
    return "cp1251", f"байты в строке {line} недопустимы в UTF-8"


def _count_outside_quotes(line: str, char: str) -> int:
    inside, n = False, 0
    for c in line:
        if c == '"':
            inside = not inside
        elif c == char and not inside:
            n += 1
    return n


_COMMA_DECIMAL = re.compile(r"^\s*[-+]?\d+,\d+\s*%?$")
_POINT_DECIMAL = re.compile(r"^\s*[-+]?\d+\.\d+\s*%?$")
_THOUSANDS = re.compile(r"^\s*[-+]?[1-9]\d{0,2}([,.]\d{3})+\s*$")  # 1,234 or 1.234: either reading (0,040 is not)


def _decimals(rows: Sequence[Sequence[str]]) -> tuple[str, dict[int, str]]:
    """The decimal mark of each column, from its own values; the file's mark where a column does
    not tell (1,234 reads either way). A column of 0,25 has a comma, a column of 12.5 a point."""
    comma: Counter[int] = Counter()
    point: Counter[int] = Counter()
    for row in rows:
        for i, v in enumerate(row):
            if not v or _THOUSANDS.match(v):
                continue
            if _COMMA_DECIMAL.match(v):
                comma[i] += 1
            elif _POINT_DECIMAL.match(v):
                point[i] += 1
    overall = "," if sum(comma.values()) > sum(point.values()) else "."
    decided = {i: ("," if comma[i] > point[i] else ".") for i in set(comma) | set(point)}
    return overall, decided


def _detect_decimal(rows: Sequence[Sequence[str]]) -> str:
    return _decimals(rows)[0]


def _row_text(cells: Sequence[Any]) -> str:
    return " | ".join(str(c).strip() for c in cells if c is not None and str(c).strip())[:200]


def _find_header(records: Sequence[Sequence[str]], match: Matcher | None, fixed: int | None) -> tuple[int, int]:
    """(index of the header record, how many contract columns it names). The header is the first
    of the leading rows that names most contract columns; with none named, the first row as wide
    as the table (a title or a form number above it is one cell wide)."""
    if fixed is not None:
        index = fixed - 1
        return index, len(match(records[index])) if match and index < len(records) else 0
    best, best_score = -1, 0
    for i, record in enumerate(records[:HEADER_SEARCH_ROWS]):
        cells = [c.strip() for c in record]
        if not any(cells):
            continue
        score = len(match(cells)) if match else 0
        if score > best_score:
            best, best_score = i, score
    if best >= 0:
        return best, best_score
    return _first_full_row(records), 0


def _numbering(record: Sequence[str] | None) -> bool:
    """A row of column numbers under the header (1, 2, 3 …), as statistical forms have."""
    if record is None:
        return False
    cells = [c.strip() for c in record[: _filled_width(record)]]
    while cells and not cells[0]:  # a table that starts in column B
        cells = cells[1:]
    return len(cells) >= 2 and cells == [str(i) for i in range(1, len(cells) + 1)]


def _filled_width(record: Sequence[str]) -> int:
    """Cells up to the last non-empty one: `Сведения;;;;` is one cell wide, whatever the padding."""
    for i in range(len(record) - 1, -1, -1):
        if record[i].strip():
            return i + 1
    return 0


def _first_full_row(records: Sequence[Sequence[str]]) -> int:
    widths = [_filled_width(r) for r in records[: HEADER_SEARCH_ROWS + 300]]
    counts = Counter(w for w in widths if w)
    if not counts:
        return 0
    table_width = max(counts, key=lambda w: (counts[w], w))
    return next(i for i, w in enumerate(widths) if w >= table_width)


@dataclass
class _Reading:
    delimiter: str
    records: list[list[str]]  # a record is a row as Excel shows it (a quoted line break stays in its cell)
    ends: list[int]  # the physical line each record ends on (1-based)
    header: int
    named: int
    width: int
    even: float  # share of data records as wide as the header


def _read_with(text: str, delimiter: str, match: Matcher | None, fixed: int | None) -> _Reading:
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    records: list[list[str]] = []
    ends: list[int] = []
    try:
        for record in reader:
            records.append(record)
            ends.append(reader.line_num)
    except csv.Error:
        pass
    header, named = _find_header(records, match, fixed) if records else (0, 0)
    width = len(records[header]) if records and header < len(records) else 0
    data = [r for r in records[header + 1 : header + 301] if any(v.strip() for v in r)]
    even = sum(1 for r in data if len(r) == width) / len(data) if data else 1.0
    return _Reading(delimiter, records, ends, header, named, width, even)


def _choose_delimiter(text: str, match: Matcher | None, fixed: int | None) -> tuple[_Reading, list[str], list[str]]:
    """The separator that gives the header and the sampled lines the same number of fields
    (quoted fields respected), then the one whose header names most contract columns."""
    readings = [_read_with(text, d, match, fixed) for d in DELIMITERS]
    usable = [r for r in readings if r.width >= 2] or readings[1:2]

    def rank(r: _Reading) -> tuple[bool, int, float, int]:
        return (r.even >= 0.98, r.named, r.even, r.width)

    usable.sort(key=rank, reverse=True)
    best = usable[0]
    name = DELIMITERS[best.delimiter]
    why = [f"разделитель — {name}: заголовок и строки данных делятся на одинаковое число полей ({best.width})"]
    if best.even < 0.98:
        why = [
            f"разделитель — {name}: из проверенных он делит строки ровнее всех ({best.even:.0%} строк как заголовок)"
        ]
    unsure = []
    if best.even < 0.98:
        unsure.append("строки файла делятся на разное число полей при любом разделителе")
    for other in usable[1:]:
        if other.even >= 0.98 and other.named == best.named and other.width == best.width:
            unsure.append(f"разделители «{name}» и «{DELIMITERS[other.delimiter]}» делят файл одинаково ровно")
    if best.named and any(r.named < best.named for r in usable[1:]):
        why[0] += f", столбцов контракта в заголовке — {best.named}"
    return best, why, unsure


def _csv_info(
    path: Path, display: str, size: int, head: bytes, options: ReadOptions, match: Matcher | None
) -> SourceInfo:
    whole = size <= len(head)
    if options.encoding:
        encoding, encoding_why = options.encoding, "кодировка указана при загрузке"
        if encoding == "utf-8" and head.startswith(codecs.BOM_UTF8):
            encoding = "utf-8-sig"
        guessed = False
    else:
        encoding, encoding_why = _detect_encoding(head, whole)
        guessed = encoding == "cp1251" and encoding_why.startswith("байты")
    text = head[:SNIFF_BYTES].decode(encoding, errors="replace")
    if not whole or len(head) > SNIFF_BYTES:  # the sample ends mid-line: the last, partial line is not evidence
        text = text[: text.rfind("\n") + 1] or text
    fixed = options.header_row
    if options.delimiter:
        reading = _read_with(text, options.delimiter, match, fixed)
        why = [f"разделитель — {DELIMITERS[options.delimiter]}: указан при загрузке"]
        unsure: list[str] = []
    else:
        reading, why, unsure = _choose_delimiter(text, match, fixed)
    records = reading.records
    if not records or reading.header >= len(records):
        expected = f" (ожидалась строка {fixed})" if fixed else ""
        raise SourceError("empty", f"В файле нет строки заголовка{expected}.")
    header_record = records[reading.header]
    if not any(h.strip() for h in header_record):
        raise SourceError("empty", f"В файле нет заголовка: строка {reading.header + 1} пуста.")
    header_row = reading.header + 1
    headers = _drop_trailing_empty([printable(h.replace("\ufeff", "").strip()) for h in header_record])
    data = records[reading.header + 1 : reading.header + 501]
    numbering = header_row + 1 if data and _numbering(data[0]) else None
    if numbering:
        data = data[1:]
    decimal, decimals = _decimals(data)
    above = [(i + 1, _row_text(records[i])) for i in range(reading.header) if any(v.strip() for v in records[i])]
    detected = [f"кодировка — {ENCODINGS.get(encoding, encoding)}: {encoding_why}", *why]
    detected.append(_header_reason(header_row, reading.named, fixed, above))
    if reading.named == 0 and not fixed:
        unsure.append(
            "ни одна из первых строк не называет столбцы контракта: заголовок — первая строка во всю ширину таблицы"
        )
    commas = sorted(i for i, d in decimals.items() if d == ",")
    if commas:
        named = [f"«{headers[i]}»" for i in commas if i < len(headers)]
        more = f" и ещё {len(named) - 3}" if len(named) > 3 else ""
        detected.append("десятичный разделитель — запятая в столбцах " + ", ".join(named[:3]) + more)
    return SourceInfo(
        path=path,
        name=display,
        format="csv",
        size=size,
        headers=headers,
        width=len(header_record),
        header_row=header_row,
        encoding=encoding,
        delimiter=reading.delimiter,
        decimal=decimal,
        decimals=decimals,
        detected=detected,
        unsure=unsure,
        above=above,
        encoding_guessed=guessed,
        numbering=numbering,
        skip_lines=reading.ends[reading.header],
        options=options,
    )


def _header_reason(row: int, named: int, fixed: int | None, above: Sequence[tuple[int, str]]) -> str:
    if fixed:
        return f"заголовок — строка {row}: указана при загрузке"
    text = f"заголовок — строка {row}"
    if named:
        text += f": в ней названо столбцов контракта — {named}"
    else:
        text += ": первая строка во всю ширину таблицы (названий столбцов контракта в первых строках нет)"
    if above:
        text += "; строки выше пропущены: " + "; ".join(f"{r} «{t[:60]}»" for r, t in above[:3])
        if len(above) > 3:
            text += f" и ещё {len(above) - 3}"
    return text


def sniff(
    path: Path,
    name: str | None = None,
    sheet: str | None = None,
    header_row: int | None = None,
    table: str = "",
    options: ReadOptions | None = None,
    match: Matcher | None = None,
) -> SourceInfo:
    """Find the format, encoding, separators and the header of a file, reading only its start."""
    path = Path(path)
    display = name or path.name
    options = (options or ReadOptions()).merged(ReadOptions(sheet=sheet, header_row=header_row))
    if match is None and table:
        match = contract_matcher(table)
    size = path.stat().st_size
    if size == 0:
        raise SourceError("empty", "Файл пуст (0 байт).")
    with open(path, "rb") as fh:
        head = fh.read(SAMPLE_BYTES)
    suffix = Path(display).suffix.lower()
    is_zip = head[:4] == b"PK\x03\x04"
    is_ole = head[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    if suffix in WORKBOOK_SUFFIXES or is_zip or is_ole:
        if is_zip and not zipfile.is_zipfile(path):
            raise SourceError("file", "Файл повреждён: это не книга Excel.")
        if is_zip:
            _refuse_zip_bomb(path, size)
        return _sniff_workbook(path, display, size, options, table, match)
    if suffix and suffix not in CSV_SUFFIXES:
        raise SourceError("file", f"Формат «{suffix}» не поддерживается: загрузите XLSX или CSV.")
    if b"\x00" in head[:4096]:
        raise SourceError("file", "Файл двоичный, а не текстовый CSV: загрузите XLSX или CSV.")
    if options.sheet:
        raise SourceError("sheet", f"Указан лист «{options.sheet}», но файл — CSV, в нём нет листов.")
    return _csv_info(path, display, size, head, options, match)


# A real workbook's XML packs 5–20 times; a «zip bomb» packs hundreds or thousands of times and
# would fill the memory of the server that unpacks it. Refused before the reader opens it.
BOMB_RATIO = 200
BOMB_FLOOR = 256 << 20  # below 256 MB unpacked any ratio is harmless
UNPACKED_LIMIT = 8 << 30


def _refuse_zip_bomb(path: Path, size: int) -> None:
    try:
        with zipfile.ZipFile(path) as z:
            unpacked = sum(i.file_size for i in z.infolist())
    except (zipfile.BadZipFile, OSError) as error:
        raise SourceError("file", f"Книга Excel не читается: {error}") from None
    if unpacked > UNPACKED_LIMIT or (unpacked > BOMB_FLOOR and unpacked > BOMB_RATIO * size):
        raise SourceError(
            "file",
            f"Книга Excel при размере {number(size / 1e6, 1)} МБ распаковывается в {number(unpacked / 1e6)} МБ — "
            "так сжимаются не данные, а заполнитель («zip-бомба»). Файл не принят; если это настоящие данные, "
            "сохраните их в CSV.",
        )


def _drop_trailing_empty(headers: list[str]) -> list[str]:
    """A line that ends with a separator (`a;b;c;`) has an empty last header: not a column."""
    while headers and not headers[-1]:
        headers = headers[:-1]
    return headers


def _open_workbook(path: Path) -> Any:
    from python_calamine import CalamineWorkbook

    try:
        return CalamineWorkbook.from_path(str(path))
    except Exception as error:  # noqa: BLE001  (calamine raises its own error types for every broken file)
        raise SourceError("file", f"Книга Excel не читается: {error}") from None


_YEAR_SHEET = re.compile(r"^\s*((?:19|20)\d\d)\s*(?:г\.?|год)?\s*$", re.IGNORECASE)


def _sniff_workbook(
    path: Path, name: str, size: int, options: ReadOptions, table: str, match: Matcher | None
) -> SourceInfo:
    book = _open_workbook(path)
    sheets = list(book.sheet_names)
    if not sheets:
        raise SourceError("sheet", "В книге нет листов.")
    fixed = options.header_row
    detected: list[str] = []
    unsure: list[str] = []
    chosen, (index, named, rows, merged) = _choose_sheet(book, sheets, options, table, match, detected)
    _require_header(rows, index, chosen, sheets, fixed)
    headers = _drop_trailing_empty([printable(_cell_text(v) or "") for v in rows[index]])
    above = _rows_above(rows, index)
    detected.append(_header_reason(index + 1, named, fixed, above))
    if named == 0 and not fixed:
        unsure.append(
            "ни одна из первых строк не называет столбцы контракта: заголовок — первая строка во всю ширину таблицы"
        )
    parts: list[tuple[str, int, int | None]] = [(chosen, index + 1, None)]
    numbering_by_sheet: dict[str, int] = {}
    if _split_by_year(sheets, chosen, headers, options, table, match):
        parts, numbering_by_sheet = _year_sheets(book, sheets, headers, match, fixed)
        detected.append(
            "листы по годам: "
            + ", ".join(f"«{s}» — {y} год" for s, _, y in parts)
            + "; год каждой строки — из названия её листа"
        )
    numbering, decimal, decimals = _data_sample(rows, index)
    formats = column_formats(path, chosen, index + 1)
    detected.extend(_format_notes(formats, headers))
    below = [m for m in merged if m[2] > index]
    if below:
        detected.append(
            f"объединённых областей в данных: {len(below)}; каждая заполнена значением её верхней левой ячейки, "
            "как её читает человек"
        )
    return SourceInfo(
        path=path,
        name=name,
        format="workbook",
        size=size,
        headers=headers,
        width=len(headers),
        header_row=index + 1,
        decimal=decimal,
        decimals=decimals,
        sheet=chosen,
        sheets=sheets,
        parts=parts,
        detected=detected,
        unsure=unsure,
        above=above,
        merged=below if len(parts) == 1 else [],
        numbering=numbering if len(parts) == 1 else None,
        numbering_by_sheet=numbering_by_sheet,
        formats=formats,
        options=options,
    )


SheetHeader = tuple[int, int, list[list[Any]], list[tuple[int, int, int, int]]]  # what `_sheet_header` finds


def _require_header(rows: list[list[Any]], index: int, chosen: str, sheets: list[str], fixed: int | None) -> None:
    """A sheet without a header row (empty, or empty at the row given) is refused, naming the other sheets."""
    if index >= len(rows) or not any(_cell_text(v) for v in rows[index]):
        others = [s for s in sheets if s != chosen]
        hint = f" Другие листы: {', '.join(others)}." if others else ""
        where = f"строка {fixed}" if fixed else "первые строки пусты"
        raise SourceError("sheet", f"На листе «{chosen}» нет строки заголовка ({where}).{hint}")


def _rows_above(rows: list[list[Any]], index: int) -> list[tuple[int, str]]:
    """The filled rows above the header (titles, notes), by their spreadsheet row number."""
    return [
        (i + 1, _row_text([_cell_text(v) for v in rows[i]]))
        for i in range(index)
        if any(_cell_text(v) for v in rows[i])
    ]


def _data_sample(rows: list[list[Any]], index: int) -> tuple[int | None, str, dict[int, str]]:
    """From the first 500 rows under the header: the row of column numbers (1, 2, 3 …) if there is
    one, and the decimal separator of the file and of each column."""
    data = [[_cell_text(v) or "" for v in row] for row in rows[index + 1 : index + 501]]
    numbering = index + 2 if data and _numbering(data[0]) else None
    if numbering:
        data = data[1:]
    decimal, decimals = _decimals(data)
    return numbering, decimal, decimals


def _choose_sheet(
    book: Any, sheets: list[str], options: ReadOptions, table: str, match: Matcher | None, detected: list[str]
) -> tuple[str, SheetHeader]:
    """The sheet to read and its header, with why it was chosen added to `detected`."""
    fixed = options.header_row
    if options.sheet is not None:
        if options.sheet not in sheets:
            raise SourceError("sheet", f"В книге нет листа «{options.sheet}». Листы: {', '.join(sheets)}.")
        chosen = options.sheet
        detected.append(f"лист «{chosen}»: указан при загрузке")
        return chosen, _sheet_header(book, chosen, match, fixed)
    # The sheet named like the table, else the one whose header names most contract columns.
    found_by = {s: _sheet_header(book, s, match, fixed) for s in sheets[:20]}
    by_name = [s for s in found_by if table and s.strip().lower() == table.lower()]
    chosen = by_name[0] if by_name else max(found_by, key=lambda s: (found_by[s][1], -sheets.index(s)))
    found = found_by[chosen]
    if by_name:
        detected.append(f"лист «{chosen}»: назван как таблица")
    elif len(sheets) > 1:
        detected.append(f"лист «{chosen}»: его заголовок называет больше всего столбцов контракта ({found[1]})")
    else:
        detected.append(f"лист «{chosen}»: единственный в книге")
    return chosen, found


def _split_by_year(
    sheets: list[str], chosen: str, headers: list[str], options: ReadOptions, table: str, match: Matcher | None
) -> bool:
    """A yearly table without a year column, on sheets named by year («2023», «2024 год»), one of
    them the chosen: read as one table, the year of each row from its sheet's name."""
    names = match(headers) if match else set()
    years = {s: _YEAR_SHEET.match(s) for s in sheets}
    return bool(
        options.sheet is None
        and table in _yearly_tables()
        and "year" not in names
        and years.get(chosen)
        and sum(1 for m in years.values() if m) >= 2
    )


def _year_sheets(
    book: Any,
    sheets: list[str],
    headers: list[str],
    match: Matcher | None,
    fixed: int | None,
) -> tuple[list[tuple[str, int, int | None]], dict[str, int]]:
    """A sheet per year, read as one table: each sheet with its header row and year (the headers
    must be the same), and the row of column numbers under a sheet's header, where there is one."""
    parts: list[tuple[str, int, int | None]] = []
    numbering_by_sheet: dict[str, int] = {}
    for sheet in sheets:
        m = _YEAR_SHEET.match(sheet)
        if not m:
            continue
        at, _, sheet_rows, _ = _sheet_header(book, sheet, match, fixed)
        theirs = (
            _drop_trailing_empty([printable(_cell_text(v) or "") for v in sheet_rows[at]])
            if at < len(sheet_rows)
            else []
        )
        if [_fold_header(h) for h in theirs] != [_fold_header(h) for h in headers]:
            raise SourceError(
                "sheet",
                f"Листы по годам должны иметь одинаковые заголовки, а у листа «{sheet}» они другие "
                f"({', '.join(theirs[:6]) or 'нет заголовка'}). Выровняйте заголовки или загрузите листы по одному (--sheet).",
            )
        parts.append((sheet, at + 1, int(m.group(1))))
        under = [[_cell_text(v) or "" for v in r] for r in sheet_rows[at + 1 : at + 2]]
        if under and _numbering(under[0]):
            numbering_by_sheet[sheet] = at + 2
    return parts, numbering_by_sheet


def _format_notes(formats: dict[int, tuple[str, int]], headers: list[str]) -> list[str]:
    """What the preview says of columns whose cell format changes what a person reads."""
    notes = []
    for kind, label in (
        ("percent", "в формате процентов (читаются так, как их показывает Excel: 0,142 — это 14,2 %)"),
        ("pad", "с ведущими нулями в формате ячейки (читаются как показаны: 034001)"),
    ):
        shown = [f"«{headers[c]}»" for c, (k, _) in sorted(formats.items()) if k == kind and c < len(headers)]
        if shown:
            notes.append(f"числа столбцов {', '.join(shown)} {label}")
    return notes


_PADDED = re.compile(r"^0{2,}$")
_FORMAT_LITERALS = re.compile(r'"[^"]*"|\\.')


def column_formats(path: Path, sheet: str, header_row: int, rows: int = 50) -> dict[int, tuple[str, int]]:
    """How the data cells of each column of an XLSX sheet are shown, where that changes what a
    person reads: «percent» (a share kept as 0.142 and shown as 14,2 %) or «pad» (a code kept as
    34001 and shown as 034001). Read from the first rows under the header: Excel formats a column
    as a whole. Other formats (XLS, ODS) carry no such information here."""
    if not zipfile.is_zipfile(path):
        return {}
    try:
        from openpyxl import load_workbook

        book = load_workbook(path, read_only=True, data_only=True)
    except Exception:  # noqa: BLE001  (calamine has read it; a style it cannot parse only loses formats)
        return {}
    try:
        if sheet not in book.sheetnames:
            return {}
        seen: dict[int, Counter[tuple[str, int]]] = {}
        for row in book[sheet].iter_rows(min_row=header_row + 1, max_row=header_row + rows):
            for cell in row:
                value = getattr(cell, "value", None)
                column = getattr(cell, "column", None)
                if column is None or not isinstance(value, int | float) or isinstance(value, bool):
                    continue
                fmt = str(getattr(cell, "number_format", "") or "")
                if "%" in _FORMAT_LITERALS.sub("", fmt):  # 0.0"%" shows a sign, it does not multiply
                    kind = ("percent", 0)
                elif _PADDED.match(fmt):
                    kind = ("pad", len(fmt))
                else:
                    kind = ("plain", 0)
                seen.setdefault(column - 1, Counter())[kind] += 1
    finally:
        book.close()
    formats = {}
    for column, kinds in seen.items():
        kind, count = kinds.most_common(1)[0]
        if kind[0] != "plain" and count == sum(kinds.values()):
            formats[column] = kind
    return formats


def _fold_header(header: str) -> str:
    return normalise_header(header)[0]


def _yearly_tables() -> set[str]:
    return {name for name, t in TABLES.items() if t.yearly}


def _sheet_header(book: Any, sheet: str, match: Matcher | None, fixed: int | None) -> SheetHeader:
    """(header index, contract columns it names, the leading rows, the merged areas) of a sheet."""
    limit = fixed if fixed else HEADER_SEARCH_ROWS
    data = book.get_sheet_by_name(sheet)
    merged = _merged_areas(data)
    rows = _filled(_leading_rows(data, max(limit, HEADER_SEARCH_ROWS) + 500), merged)
    records = [[_cell_text(v) or "" for v in row] for row in rows[:limit]]
    if fixed and len(records) < fixed:
        return fixed - 1, 0, rows, merged
    index, named = _find_header(records, match, fixed) if records else (0, 0)
    return index, named, rows, merged


def _merged_areas(data: Any) -> list[tuple[int, int, int, int]]:
    """Merged areas of a sheet as (first column, last column, first row, last row), 0-based."""
    try:
        ranges = data.merged_cell_ranges or []
    except Exception:  # noqa: BLE001  (formats without merged areas raise or give None)
        return []
    return [(c0, c1, r0, r1) for (r0, c0), (r1, c1) in ranges if (r0, c0) != (r1, c1)]


def _leading_rows(data: Any, limit: int) -> list[list[Any]]:
    rows: list[list[Any]] = []
    offset = data.start[1] if data.start else 0
    for row in data.iter_rows():
        rows.append([None] * offset + list(row))
        if len(rows) >= limit:
            break
    return rows


def _filled(rows: list[list[Any]], merged: Sequence[tuple[int, int, int, int]]) -> list[list[Any]]:
    """Merged areas filled down and right with their top-left value (only below the first row of
    each area: a title merged across a row stays one cell)."""
    for c0, c1, r0, r1 in merged:
        if r0 >= len(rows) or c0 >= len(rows[r0]):
            continue
        value = rows[r0][c0]
        for r in range(r0, min(r1 + 1, len(rows))):
            row = rows[r]
            if len(row) <= c1:
                row.extend([None] * (c1 + 1 - len(row)))
            for c in range(c0, c1 + 1):
                if (r, c) != (r0, c0) and r > r0:
                    row[c] = value
    return rows


def _cell_text(value: Any, shown: tuple[str, int] | None = None) -> str | None:
    """A workbook cell as the text a person would type (dates as ДД.ММ.ГГГГ, 4.0 as 4); a number
    of a column formatted as percent as Excel shows it (0.142 -> 14.2%), one formatted with leading
    zeros likewise (34001 in «000000» -> 034001)."""
    if value is None:
        return None
    if shown is not None and isinstance(value, int | float) and not isinstance(value, bool):
        kind, width = shown
        if kind == "percent":
            return f"{round(float(value) * 100, 10):g}%"
        if kind == "pad" and float(value).is_integer():
            return str(int(value)).zfill(width)
    if isinstance(value, bool):
        return "да" if value else "нет"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime):
        return value.strftime("%d.%m.%Y") if value.time() == time(0, 0) else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.strftime("%d.%m.%Y")
    text = str(value).strip()
    return text or None


class Ragged:
    """CSV lines whose number of fields differs from the header's, noted as the reader skips them."""

    def __init__(self, header_row: int) -> None:
        self.header_row = header_row
        self.lines: list[tuple[int | None, int, int, str]] = []  # (row, expected, actual, text)

    def __call__(self, row: Any) -> str:
        number = None if row.number is None else int(row.number) + self.header_row
        self.lines.append((number, int(row.expected_columns), int(row.actual_columns), str(row.text)[:200]))
        return "skip"


def string_batches(
    info: SourceInfo, columns: Sequence[int], batch_rows: int = 1_000_000, ragged: Ragged | None = None
) -> Iterator[tuple[int, pa.Table]]:
    """Batches of the chosen columns (by position) as strings named `c<position>`, with the
    spreadsheet row of each batch's first row. Empty cells are null. CSV lines with a wrong
    number of fields are skipped and noted in `ragged` (the import then fails on them)."""
    if info.format == "workbook":
        yield from _workbook_batches(info, columns, batch_rows)
    else:
        yield from read_ahead(_csv_batches(info, columns, batch_rows, ragged or Ragged(info.header_row)))


_DONE = object()
T = TypeVar("T")


def read_ahead(items: Iterator[T]) -> Generator[T, None, None]:
    """The items of `items`, produced one ahead in a background thread: the next batch of a file
    is parsed while the caller checks the current one. Errors come out where they happened; a
    caller that stops early stops the thread at its next item."""
    slot: queue.Queue[Any] = queue.Queue(maxsize=1)
    stop = threading.Event()

    def offer(item: Any) -> bool:
        while not stop.is_set():
            try:
                slot.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not offer(item):
                    return
            offer(_DONE)
        except BaseException as error:  # noqa: BLE001  (raised again in the caller's thread)
            offer(error)

    thread = threading.Thread(target=produce, name="shnor-read-ahead", daemon=True)
    thread.start()
    try:
        while (item := slot.get()) is not _DONE:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        thread.join()


def _csv_batches(
    info: SourceInfo, columns: Sequence[int], batch_rows: int, ragged: Ragged
) -> Iterator[tuple[int, pa.Table]]:
    names = [f"c{i}" for i in range(max(info.width, len(info.headers)))]
    wanted = [f"c{i}" for i in columns]
    read = pacsv.ReadOptions(
        column_names=names,
        skip_rows=info.skip_lines or info.header_row,
        encoding="utf8" if info.encoding in ("utf-8", "utf-8-sig") else info.encoding,
        block_size=16 << 20,
    )
    # Empty lines stay rows (dropped later as blank) so that every row keeps the number Excel shows.
    parse = pacsv.ParseOptions(delimiter=info.delimiter, invalid_row_handler=ragged, ignore_empty_lines=False)
    convert = pacsv.ConvertOptions(
        column_types={n: pa.string() for n in wanted},
        include_columns=wanted,
        null_values=[""],
        strings_can_be_null=True,
        quoted_strings_can_be_null=True,
    )
    row = info.header_row + 1
    pending: list[pa.RecordBatch] = []
    pending_rows = 0
    try:
        reader = pacsv.open_csv(info.path, read_options=read, parse_options=parse, convert_options=convert)
        for batch in reader:
            pending.append(batch)
            pending_rows += batch.num_rows
            if pending_rows >= batch_rows:
                table = pa.Table.from_batches(pending)
                yield row, table
                row += table.num_rows
                pending, pending_rows = [], 0
    except pa.ArrowInvalid as error:
        raise SourceError("file", _explain_csv_error(str(error), info)) from None
    if pending:
        yield row, pa.Table.from_batches(pending)


def locate_ragged(info: SourceInfo, limit: int = 200) -> list[tuple[int, int]]:
    """Rows (as a spreadsheet numbers them) whose field count differs from the header's, and
    that count. A slow pass with the csv module, run only when the fast reader skipped lines."""
    found: list[tuple[int, int]] = []
    width = max(info.width, len(info.headers))
    with open(info.path, encoding=info.encoding, errors="replace", newline="") as fh:
        reader = csv.reader(fh, delimiter=info.delimiter)
        for index, record in enumerate(reader, start=1):
            if index <= info.header_row:
                continue
            if len(record) != width and any(v.strip() for v in record):
                found.append((index, len(record)))
                if len(found) >= limit:
                    break
    return found


def _explain_csv_error(message: str, info: SourceInfo) -> str:
    match = re.search(r"Expected (\d+) columns, got (\d+): (.*)", message)
    if match:
        expected, got, text = match.groups()
        return (
            f"В строке файла {expected} полей ожидалось, а найдено {got}: «{text[:120]}». "
            "Проверьте разделитель и кавычки (значение с разделителем внутри должно быть в кавычках)."
        )
    if "invalid UTF8" in message or "UTF8" in message:
        return (
            "Дальше первых строк в файле встречаются байты, недопустимые в UTF-8 (кодировка определялась по "
            "началу файла). Укажите кодировку файла при загрузке (например, Windows-1251) или сохраните его "
            "целиком в UTF-8."
        )
    return f"CSV не разбирается: {message}"


def _workbook_batches(info: SourceInfo, columns: Sequence[int], batch_rows: int) -> Iterator[tuple[int, pa.Table]]:
    """Rows of the sheet (or of each year's sheet, with its year in column `year`), merged areas
    filled with their top-left value."""
    book = _open_workbook(info.path)
    parts = info.parts or [(info.sheet or "", info.header_row, None)]
    with_year = any(y is not None for _, _, y in parts)
    for sheet, header_row, year in parts:
        data = book.get_sheet_by_name(sheet)
        merged = [m for m in (info.merged if len(parts) == 1 else _merged_areas(data)) if m[3] >= header_row]
        fills: dict[int, list[tuple[int, int, int, int]]] = {}
        for area in merged:
            for r in range(area[2], area[3] + 1):
                fills.setdefault(r, []).append(area)
        tops: dict[tuple[int, int], Any] = {}
        tops_by_row: dict[int, list[int]] = {}
        for c0, _, r0, _ in merged:
            tops_by_row.setdefault(r0, []).append(c0)
        offset = data.start[1] if data.start else 0
        formats = info.formats if sheet == info.sheet else column_formats(info.path, sheet, header_row)
        shown = [formats.get(i) for i in range(max(columns, default=-1) + 1)]
        row_index = -1
        first = header_row + 1
        buffers: dict[int, list[str | None]] = {i: [] for i in columns}
        count = 0

        label = None if year is None else str(year)

        def flush(
            first_row: int,
            buffered: dict[int, list[str | None]],
            n: int,
            label: str | None = label,
            sheet: str = sheet,
        ) -> tuple[int, pa.Table]:
            table = {f"c{i}": pa.array(buffered[i], pa.string()) for i in columns}
            if with_year:
                table[f"c{SHEET_YEAR}"] = pa.array([label] * n, pa.string())
            return first_row, pa.table(table).replace_schema_metadata({"sheet": sheet})

        for raw in data.iter_rows():
            row_index += 1
            cells = [None] * offset + list(raw) if offset else list(raw)
            for c0 in tops_by_row.get(row_index, ()):
                tops[(row_index, c0)] = cells[c0] if c0 < len(cells) else None
            if row_index < header_row:
                continue
            for c0, c1, r0, _ in fills.get(row_index, ()):
                if row_index == r0:
                    continue
                if len(cells) <= c1:
                    cells.extend([None] * (c1 + 1 - len(cells)))
                for c in range(c0, c1 + 1):
                    cells[c] = tops.get((r0, c0))
            for i in columns:
                buffers[i].append(_cell_text(cells[i], shown[i]) if i < len(cells) else None)
            count += 1
            if count >= batch_rows:
                yield flush(first, buffers, count)
                first += count
                buffers = {i: [] for i in columns}
                count = 0
        # Trailing rows where every cell is empty are formatting, not data.
        while count and all(buffers[i][-1] is None for i in columns):
            for i in columns:
                buffers[i].pop()
            count -= 1
        if count:
            yield flush(first, buffers, count)


def preview_rows(info: SourceInfo, limit: int = 10) -> list[list[str]]:
    """The first data rows as text, every column, for the preview page."""
    columns = list(range(len(info.headers)))
    if not columns:
        return []
    rows: list[list[str]] = []
    for _, batch in string_batches(info, columns, batch_rows=limit):
        data = [batch.column(f"c{i}").to_pylist()[:limit] for i in columns]
        for r in range(min(limit, batch.num_rows)):
            rows.append(["" if data[c][r] is None else str(data[c][r]) for c in range(len(columns))])
        break
    return rows
