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
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, TypeVar

import pyarrow as pa
import pyarrow.csv as pacsv

from shnor.core.numbers import number
from shnor.ingest.issues import printable

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")
CSV_SUFFIXES = (".csv", ".txt", ".tsv")
SAMPLE_BYTES = 1 << 20


class SourceError(Exception):
    """The file cannot be read at all; `code` is an issue code of shnor.ingest.issues."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


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
    sheet: str | None = None
    sheets: list[str] = field(default_factory=list)

    def describe(self) -> str:
        if self.format == "workbook":
            return f"книга Excel, лист «{self.sheet}»"
        names = {",": "запятая", ";": "точка с запятой", "\t": "табуляция", "|": "вертикальная черта"}
        encoding = {"utf-8-sig": "UTF-8 с BOM", "utf-8": "UTF-8", "cp1251": "Windows-1251"}.get(
            self.encoding, self.encoding
        )
        decimal = "запятая" if self.decimal == "," else "точка"
        return f"CSV, {encoding}, разделитель — {names.get(self.delimiter, self.delimiter)}, десятичный разделитель — {decimal}"


def _detect_encoding(head: bytes) -> str:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise SourceError(
            "encoding", "Файл в кодировке UTF-16. Сохраните его как CSV (UTF-8) или CSV (разделители — запятые)."
        )
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(head, final=len(head) < SAMPLE_BYTES)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        head.decode("cp1251")
    except UnicodeDecodeError:
        raise SourceError("encoding", "Кодировка файла не распознана: ожидается UTF-8 или Windows-1251.") from None
    return "cp1251"


def _detect_delimiter(header_line: str) -> str:
    counts = {d: _count_outside_quotes(header_line, d) for d in (";", ",", "\t", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


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


def _detect_decimal(rows: Sequence[Sequence[str]]) -> str:
    comma = sum(1 for row in rows for v in row if _COMMA_DECIMAL.match(v))
    point = sum(1 for row in rows for v in row if _POINT_DECIMAL.match(v))
    return "," if comma > point else "."


def sniff(
    path: Path, name: str | None = None, sheet: str | None = None, header_row: int = 1, table: str = ""
) -> SourceInfo:
    """Find the format, encoding, separators and the header of a file, reading only its start."""
    path = Path(path)
    display = name or path.name
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
        return _sniff_workbook(path, display, size, sheet, header_row, table)
    if suffix and suffix not in CSV_SUFFIXES:
        raise SourceError("file", f"Формат «{suffix}» не поддерживается: загрузите XLSX или CSV.")
    if b"\x00" in head[:4096]:
        raise SourceError("file", "Файл двоичный, а не текстовый CSV: загрузите XLSX или CSV.")
    if sheet:
        raise SourceError("sheet", f"Указан лист «{sheet}», но файл — CSV, в нём нет листов.")
    encoding = _detect_encoding(head)
    text = head.decode(encoding, errors="ignore")
    lines = text.splitlines()
    if len(lines) < header_row:
        raise SourceError("empty", f"В файле нет строки заголовка (ожидалась строка {header_row}).")
    delimiter = _detect_delimiter(lines[header_row - 1])
    sample_text = "\n".join(lines[header_row - 1 : header_row + 500])
    rows = list(csv.reader(io.StringIO(sample_text), delimiter=delimiter))
    if not rows or not any(h.strip() for h in rows[0]):
        raise SourceError("empty", "В файле нет заголовка: первая строка пуста.")
    width = len(rows[0])
    headers = _drop_trailing_empty([printable(h.replace("\ufeff", "").strip()) for h in rows[0]])
    decimal = _detect_decimal(rows[1:])
    return SourceInfo(
        path=path,
        name=display,
        format="csv",
        size=size,
        headers=headers,
        width=width,
        header_row=header_row,
        encoding=encoding,
        delimiter=delimiter,
        decimal=decimal,
    )


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


def _sniff_workbook(path: Path, name: str, size: int, sheet: str | None, header_row: int, table: str) -> SourceInfo:
    book = _open_workbook(path)
    sheets = list(book.sheet_names)
    if not sheets:
        raise SourceError("sheet", "В книге нет листов.")
    if sheet is not None:
        if sheet not in sheets:
            raise SourceError("sheet", f"В книге нет листа «{sheet}». Листы: {', '.join(sheets)}.")
        chosen = sheet
    else:
        by_name = [s for s in sheets if s.strip().lower() == table.lower()] if table else []
        chosen = by_name[0] if by_name else sheets[0]
    rows = _sheet_rows(book, chosen, limit=header_row)
    if len(rows) < header_row or not any(v is not None and str(v).strip() for v in rows[header_row - 1]):
        others = [s for s in sheets if s != chosen]
        hint = f" Другие листы: {', '.join(others)}." if others else ""
        raise SourceError("sheet", f"На листе «{chosen}» нет строки заголовка (строка {header_row}).{hint}")
    headers = _drop_trailing_empty([printable(_cell_text(v) or "") for v in rows[header_row - 1]])
    return SourceInfo(
        path=path,
        name=name,
        format="workbook",
        size=size,
        headers=headers,
        header_row=header_row,
        sheet=chosen,
        sheets=sheets,
    )


def _sheet_rows(book: Any, sheet: str, limit: int | None = None) -> list[list[Any]]:
    data = book.get_sheet_by_name(sheet)
    if limit is not None:
        rows = []
        for row in data.iter_rows():
            rows.append(list(row))
            if len(rows) >= limit:
                break
        return rows
    return [list(row) for row in data.iter_rows()]


def _cell_text(value: Any) -> str | None:
    """A workbook cell as the text a person would type (dates as ДД.ММ.ГГГГ, 4.0 as 4)."""
    if value is None:
        return None
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


def read_ahead(items: Iterator[T]) -> Iterator[T]:
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
        skip_rows=info.header_row,
        encoding="utf8" if info.encoding in ("utf-8", "utf-8-sig") else info.encoding,
        block_size=16 << 20,
    )
    parse = pacsv.ParseOptions(delimiter=info.delimiter, invalid_row_handler=ragged)
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
        return "Файл содержит байты, недопустимые в UTF-8: сохраните его в UTF-8 или Windows-1251 целиком."
    return f"CSV не разбирается: {message}"


def _workbook_batches(info: SourceInfo, columns: Sequence[int], batch_rows: int) -> Iterator[tuple[int, pa.Table]]:
    book = _open_workbook(info.path)
    assert info.sheet is not None
    data = book.get_sheet_by_name(info.sheet)
    row_number = 0
    first = info.header_row + 1
    buffers: dict[int, list[str | None]] = {i: [] for i in columns}
    count = 0
    for raw in data.iter_rows():
        row_number += 1
        if row_number <= info.header_row:
            continue
        cells = list(raw)
        for i in columns:
            buffers[i].append(_cell_text(cells[i]) if i < len(cells) else None)
        count += 1
        if count >= batch_rows:
            yield first, pa.table({f"c{i}": pa.array(buffers[i], pa.string()) for i in columns})
            first += count
            buffers = {i: [] for i in columns}
            count = 0
    # Trailing rows where every cell is empty are formatting, not data.
    while count and all(buffers[i][-1] is None for i in columns):
        for i in columns:
            buffers[i].pop()
        count -= 1
    if count:
        yield first, pa.table({f"c{i}": pa.array(buffers[i], pa.string()) for i in columns})


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
