"""From a file to validated, typed batches in the contract's shape — without writing anything.

`plan` matches the file's header to the contract (names, Russian headers, a saved mapping) and
finds what is wrong with the file as a whole; `batches` converts and checks every row, batch by
batch; `Duplicates` finds repeated keys across the whole file in constant memory per row. The
service layer decides where the rows go (the columnar store or the database) and commits only if
the log holds no errors.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from shnor.core.contract import (
    PROCEDURE_GRADES,
    Kind,
    Table,
    header_index,
    is_personal_header,
    normalise_header,
)
from shnor.engine.schemas import arrow_type
from shnor.ingest.convert import convert, empty_markers
from shnor.ingest.issues import IssueLog, Severity
from shnor.ingest.mapping import Mapping, Unpivot
from shnor.ingest.sources import (
    SHEET_YEAR,
    Matcher,
    Ragged,
    SourceInfo,
    contract_matcher,
    locate_ragged,
    string_batches,
)

ROW = "_row"  # the spreadsheet row of each converted row
STREAMED = frozenset({"results", "results_tasks"})  # tables too big to hold; no whole-column rules
Progress = Callable[[int], None]  # rows read so far
MELT_NAME, MELT_VALUE = -2, -3  # positions of an unpivoted column's header and cell (raw `c-2`, `c-3`)
# A row of totals under the schools («Итого», «Всего по району»): not one school's data.
TOTAL_ROW = r"^\s*(итого|всего|итог|total)(\s|:|$|\.)"
TOTAL_FIRST = pa.array(["И", "и", "В", "в", "T", "t", " ", "\t", "\u00a0"])
SCRIPT_MIX = r"[A-Za-z][А-Яа-яЁё]|[А-Яа-яЁё][A-Za-z]|[‚ƒ„†‡€‰‹›ЂЃЉЊЌЋЏђѓљњќћџЎўЈ¤Ґ¦§¬®±µ¶]"


def matcher_for(table: Table, mapping: Mapping | None) -> Matcher:
    """What finds the header row: the contract's headers, and the file headers a mapping names."""
    extra = {header: name for name, header in mapping.columns.items()} if mapping else {}
    if mapping and mapping.unpivot:
        extra.update(dict.fromkeys(mapping.unpivot.columns, mapping.unpivot.value_to))
    return contract_matcher(table.name, extra)


@dataclass
class Context:
    """What the rows are checked against, from outside the file."""

    known_schools: frozenset[str] | None = None  # None: not checked (the schools table itself)
    known_staff: frozenset[str] | None = None
    year: int | None = None  # the --year option

    @cached_property
    def school_set(self) -> pa.Array:
        return pa.array(sorted(self.known_schools or ()), pa.string())

    @cached_property
    def staff_set(self) -> pa.Array:
        return pa.array(sorted(self.known_staff or ()), pa.string())


@dataclass
class Plan:
    table: Table
    info: SourceInfo
    sources: dict[str, int] = field(default_factory=dict)  # contract column -> file column position
    constants: dict[str, Any] = field(default_factory=dict)
    percent: set[str] = field(default_factory=set)  # shares given in percent (by the header or a mapping)
    fraction: set[str] = field(default_factory=set)  # shares a mapping declares as fractions
    ignored: list[str] = field(default_factory=list)
    mapping: Mapping | None = None
    skip_when_empty: dict[str, int] = field(default_factory=dict)  # label -> file column position
    not_collected: list[str] = field(default_factory=list)  # shares the source does not collect
    melted: list[int] = field(default_factory=list)  # file columns turned into rows (unpivot)
    skipped: int = 0  # rows of data the import skipped (totals, rules of the mapping, outside the registry)

    def label(self, name: str) -> str:
        """A column as a person finds it in the file: its header there, and the contract name."""
        if name in self.sources and self.sources[name] < 0:
            where = {SHEET_YEAR: "название листа", MELT_NAME: "заголовки столбцов", MELT_VALUE: "ячейки столбцов"}
            return f"{where[self.sources[name]]} ({name})"
        if name in self.sources:
            header = self.info.headers[self.sources[name]]
            return header if header == name else f"{header} ({name})"
        column = self.table.column(name)
        return f"{column.ru} ({name})"

    def matching(self) -> list[dict[str, Any]]:
        """For the preview: every contract column, where it comes from, or that it is missing."""
        rows = []
        for column in self.table.columns:
            if column.name in self.sources and self.sources[column.name] < 0:
                source = self.label(column.name).split(" (")[0]
                if self.sources[column.name] != SHEET_YEAR:
                    source += ": " + ", ".join(f"«{self.info.headers[p]}»" for p in self.melted)
                state = "ok"
            elif column.name in self.sources:
                source = f"столбец «{self.info.headers[self.sources[column.name]]}»"
                state = "ok"
            elif column.name in self.constants:
                source = f"значение «{self.constants[column.name]}» для всех строк"
                state = "constant"
            elif column.name in self.not_collected:
                source = "не собирается в этом источнике: значения пустые"
                state = "absent"
            else:
                source = "—"
                state = "missing" if column.required else "absent"
            rows.append(
                {"name": column.name, "ru": column.ru, "required": column.required, "source": source, "state": state}
            )
        return rows


def plan(
    info: SourceInfo, table: Table, log: IssueLog, mapping: Mapping | None = None, year: int | None = None
) -> Plan:
    result = Plan(table=table, info=info, mapping=mapping)
    claimed = _claim_by_contract(info, table, result)
    if mapping is not None:
        locate = _header_locator(info)
        _claim_by_mapping(mapping, table, result, claimed, locate, log)
        if mapping.unpivot is not None:
            _claim_unpivoted(mapping.unpivot, mapping.name, result, claimed, locate, log)
    _settle_sources(info, result, claimed, log)
    _check_unused_columns(info, result, log)
    if mapping is not None:
        _apply_mapping_notes(mapping, table, result, log)
    if year is not None:
        _apply_year_option(table, year, result, log)
    for column in table.columns:
        provided = column.name in result.sources or column.name in result.constants
        if column.required and not provided and column.name not in result.not_collected:
            log.error("missing_column", _missing(column.ru, column.name, info), column=column.ru)
    _layout_warnings(info, log)
    return result


def _claim_by_contract(info: SourceInfo, table: Table, result: Plan) -> dict[str, list[int]]:
    """The file columns each contract column's name or Russian header claims (percent headers noted)."""
    index = header_index(table)
    claimed: dict[str, list[int]] = {}
    for position, header in enumerate(info.headers):
        if not header:
            continue
        folded, percent = normalise_header(header)
        name = index.get(folded)
        if name:
            claimed.setdefault(name, []).append(position)
            if percent:
                result.percent.add(name)
    return claimed


def _header_locator(info: SourceInfo) -> Callable[[str], int | None]:
    """What finds the position of a header a mapping names: as written, else as folded."""
    by_header = {h: i for i, h in enumerate(info.headers)}
    by_folded = {normalise_header(h)[0]: i for i, h in enumerate(info.headers) if h}

    def locate(header: str) -> int | None:
        return by_header.get(header, by_folded.get(normalise_header(header)[0]))

    return locate


def _unclaim(claimed: dict[str, list[int]], position: int) -> None:
    """A file column a mapping takes is no longer claimed by any contract column's name."""
    for other in list(claimed):
        claimed[other] = [p for p in claimed[other] if p != position]


def _claim_by_mapping(
    mapping: Mapping,
    table: Table,
    result: Plan,
    claimed: dict[str, list[int]],
    locate: Callable[[str], int | None],
    log: IssueLog,
) -> None:
    """The columns, constants, units and file-side skip rules a saved mapping names."""
    for name, header in mapping.columns.items():
        found = locate(header)
        if found is None:
            log.error(
                "missing_column",
                f"в файле нет столбца «{header}», из которого сопоставление «{mapping.name}» берёт {name}",
                column=header,
            )
            continue
        _unclaim(claimed, found)
        claimed[name] = [found]
        if normalise_header(header)[1]:
            result.percent.add(name)
    result.constants.update(mapping.constants)
    result.percent |= set(mapping.percent)
    result.fraction |= set(mapping.fraction) - result.percent
    for name in mapping.skip_rows_without:
        if name in table.names:
            continue  # resolved below, once the contract columns are known
        found = locate(name)
        if found is None:
            log.error("missing_column", f"в файле нет столбца «{name}» из правила skip_rows_without", column=name)
        else:
            result.skip_when_empty[name] = found


def _claim_unpivoted(
    unpivot: Unpivot,
    mapping_name: str,
    result: Plan,
    claimed: dict[str, list[int]],
    locate: Callable[[str], int | None],
    log: IssueLog,
) -> None:
    """The columns a mapping turns into rows, and the two contract columns their headers and cells fill."""
    for header in unpivot.columns:
        found = locate(header)
        if found is None:
            log.error(
                "missing_column",
                f"в файле нет столбца «{header}», который сопоставление «{mapping_name}» разворачивает в строки",
                column=header,
            )
            continue
        result.melted.append(found)
        _unclaim(claimed, found)
    claimed[unpivot.name_to] = [MELT_NAME]
    claimed[unpivot.value_to] = [MELT_VALUE]


def _settle_sources(info: SourceInfo, result: Plan, claimed: dict[str, list[int]], log: IssueLog) -> None:
    """Each contract column's source: the first file column claiming it (a second one is an error),
    or the sheets' names of a workbook with a sheet per year."""
    for name, positions in claimed.items():
        if not positions:
            continue
        if len(positions) > 1:
            headers = ", ".join(f"«{info.headers[p]}»" for p in positions)
            log.error(
                "duplicate_column",
                f"столбец {name} встречается в файле несколько раз: {headers}",
                column=info.headers[positions[1]],
            )
        result.sources[name] = positions[0]
    if any(sheet_year is not None for _, _, sheet_year in info.parts) and "year" not in result.sources:
        result.sources["year"] = SHEET_YEAR


def _check_unused_columns(info: SourceInfo, result: Plan, log: IssueLog) -> None:
    """Columns of personal data are errors; other columns nothing loads are ignored with a warning."""
    used = set(result.sources.values()) | set(result.melted)
    for position, header in enumerate(info.headers):
        if is_personal_header(header):
            log.error(
                "personal_data",
                "столбец с персональными данными: система хранит только псевдонимы обучающихся и педагогов. "
                "Удалите столбец из файла и загрузите его снова; файл не сохранён",
                column=header,
            )
        elif position not in used and header:
            result.ignored.append(header)
            log.warning("extra_column", "столбца нет в контракте данных; он не загружается", column=header)


def _apply_mapping_notes(mapping: Mapping, table: Table, result: Plan, log: IssueLog) -> None:
    """A mapping's shares the source does not collect, and its skip rules on contract columns."""
    for name in mapping.not_collected:
        result.not_collected.append(name)
        log.warning(
            "not_collected",
            f"доля «{table.column(name).ru}» в этом источнике не собирается (сопоставление «{mapping.name}»): "
            "значения сохраняются пустыми и в расчётах не участвуют",
            column=table.column(name).ru,
        )
    for name in mapping.skip_rows_without:
        if name in result.sources:
            result.skip_when_empty[result.label(name)] = result.sources[name]


def _apply_year_option(table: Table, year: int, result: Plan, log: IssueLog) -> None:
    """The --year option: the year of every row, unless the file has a year column."""
    if not table.yearly:
        log.error("year", f"у таблицы {table.name} нет года: параметр «год» для неё не указывается", value=year)
    elif "year" not in result.sources:
        result.constants["year"] = year  # the option wins over a mapping's constant year


def _layout_warnings(info: SourceInfo, log: IssueLog) -> None:
    """Warnings on the layout: rows above the header skipped, merged areas filled."""
    for row, text in info.above:
        log.warning(
            "title", f"строка выше заголовка (заголовок — строка {info.header_row}) пропущена", row=row, value=text
        )
    for c0, c1, r0, r1 in info.merged:
        header = info.headers[c0] if c0 < len(info.headers) else ""
        area = f"{_cell_name(c0, r0)}:{_cell_name(c1, r1)}"
        log.warning(
            "merged",
            f"объединённая область {area}: её значение повторено в строках {r0 + 1}–{r1 + 1}",
            row=r0 + 1,
            column=header,
        )


def _cell_name(column: int, row: int) -> str:
    letters = ""
    column += 1
    while column:
        column, rest = divmod(column - 1, 26)
        letters = chr(65 + rest) + letters
    return f"{letters}{row + 1}"


def _missing(ru: str, name: str, info: SourceInfo) -> str:
    """The missing column, and where the header was looked for: a header row found in the wrong
    place reads as a missing column, so the message says which row was taken."""
    text = f"нет обязательного столбца «{ru}» ({name})"
    shown = ", ".join(f"«{h}»" for h in info.headers[:5] if h)
    text += f"; заголовок взят из строки {info.header_row}"
    if shown:
        text += f" ({shown}{', …' if len(info.headers) > 5 else ''})"
    if info.unsure:
        text += ". Если файл прочитан неверно, укажите разделитель, кодировку или строку заголовка"
    return text


def _constant_column(value: Any, n: int) -> pa.Array:
    text = value if isinstance(value, str) else ("да" if value is True else "нет" if value is False else str(value))
    return pa.array([text], pa.string()).take(pa.array(np.zeros(n, dtype=np.int64)))


def _recode(raw: pa.Array, table: dict[str, Any]) -> pa.Array:
    folded = {
        str(k).strip().lower(): ("да" if v is True else "нет" if v is False else str(v)) for k, v in table.items()
    }
    encoded = pc.dictionary_encode(raw.combine_chunks() if isinstance(raw, pa.ChunkedArray) else raw)
    values = [folded.get(str(v).strip().lower(), v) for v in encoded.dictionary.to_pylist()]
    return pa.array(values, pa.string()).take(encoded.indices)


def batches(
    plan: Plan, context: Context, log: IssueLog, batch_rows: int = 1_000_000, progress: Progress | None = None
) -> Iterator[pa.Table]:
    """Typed batches of the file in the contract's columns plus `_row`, every row checked."""
    table, info = plan.table, plan.info
    plan.skipped = 0  # counted afresh by each pass (a streamed file's duplicates are checked by a second)
    positions, totals = _read_positions(plan)
    mapping = plan.mapping
    nulls = [v.strip() for v in mapping.null_values] if mapping else []
    notes_seen: set[str] = set()
    ragged = Ragged(info.header_row)
    read = 0
    if table.name not in STREAMED:
        batch_rows = 1 << 40  # whole-column rules (percentages) need the whole column
    for first_row, raw in string_batches(info, positions, batch_rows, ragged):
        rows = pa.array(np.arange(first_row, first_row + raw.num_rows, dtype=np.int64))
        sheet = (raw.schema.metadata or {}).get(b"sheet", b"").decode("utf-8")
        numbering_row = info.numbering
        if len(info.parts) > 1:  # a sheet per year: rows are numbered within their sheet, so say which
            log.file = f"{info.name}, лист «{sheet}»"
            numbering_row = info.numbering_by_sheet.get(sheet)
        raw, rows, data_rows = _drop_blank_and_totals(plan, raw, rows, positions, totals, log, numbering_row)
        if plan.melted:
            raw, rows = _melt(plan, raw, rows, log)
        columns, sources = _source_columns(plan, raw, nulls)
        keep = _skip_rows(plan, raw, nulls, rows, log)
        if keep is not None:
            rows = rows.filter(keep)
            sources = {k: v.filter(keep) for k, v in sources.items()}
            columns = {k: v.filter(keep) for k, v in columns.items()}
        if info.encoding_guessed:
            _doubtful_text(plan, sources, rows, log)
        columns.update(_convert_columns(plan, sources, rows, log, notes_seen))
        typed = pa.table({**{c.name: columns[c.name] for c in table.columns}, ROW: rows})
        typed = _outside_registry(plan, typed, context, log)
        _row_rules(plan, typed, context, log)
        read += data_rows
        if progress:
            progress(read)
        yield typed
    log.file = info.name
    if ragged.lines:
        _report_ragged(info, ragged, log)


def _read_positions(plan: Plan) -> tuple[list[int], set[int]]:
    """The file columns to read, and those of them where a row of totals is looked for."""
    table, info = plan.table, plan.info
    reads = {p for p in plan.sources.values() if p >= 0} | set(plan.skip_when_empty.values()) | set(plan.melted)
    # «Итого» may be in any column (a school's name, a column the contract does not load); a file
    # of millions of pupils is checked in its first two columns, where a person writes it.
    if table.name in STREAMED:
        totals = {p for p in (0, 1) if p < len(info.headers)}
    else:
        totals = set(range(len(info.headers)))
    return sorted(reads | totals), totals


def _melt(plan: Plan, raw: pa.Table, rows: pa.Array, log: IssueLog) -> tuple[pa.Table, pa.Array]:
    """The columns a mapping unpivots, turned into rows; empty markers under them make no row."""
    table, info = plan.table, plan.info
    value_to = next(n for n, p in plan.sources.items() if p == MELT_VALUE)
    if table.column(value_to).kind in (Kind.INT, Kind.FLOAT, Kind.SHARE, Kind.DATE):
        for position in plan.melted:  # «-» under a subject: no result, so no row
            name = f"c{position}"
            cells = _empty_markers(info.headers[position], raw.column(name).combine_chunks(), rows, log)
            raw = raw.set_column(raw.column_names.index(name), name, cells)
    return _unpivot(plan, raw, rows)


def _source_columns(plan: Plan, raw: pa.Table, nulls: list[str]) -> tuple[dict[str, pa.Array], dict[str, pa.Array]]:
    """The raw strings of each contract column (a mapping's null values emptied, its recoding
    applied, constants repeated), and all-null typed columns for those the file does not give."""
    mapping = plan.mapping
    m = raw.num_rows
    columns: dict[str, pa.Array] = {}
    sources: dict[str, pa.Array] = {}
    for column in plan.table.columns:
        if column.name in plan.sources:
            values = raw.column(f"c{plan.sources[column.name]}").combine_chunks()
            if nulls:
                values = pc.if_else(
                    pc.is_in(pc.utf8_trim_whitespace(values), value_set=pa.array(nulls)),
                    pa.scalar(None, pa.string()),
                    values,
                )
        elif column.name in plan.constants:
            values = _constant_column(plan.constants[column.name], m)
        else:
            columns[column.name] = pa.nulls(m, arrow_type(column))
            continue
        if mapping and column.name in mapping.recode:
            values = _recode(values, mapping.recode[column.name])
        sources[column.name] = values
    return columns, sources


def _convert_columns(
    plan: Plan, sources: dict[str, pa.Array], rows: pa.Array, log: IssueLog, notes_seen: set[str]
) -> dict[str, pa.Array]:
    """Each source column converted to its contract type, its problems and empty required values logged."""
    table, info = plan.table, plan.info
    columns: dict[str, pa.Array] = {}
    for name, values in sources.items():
        column = table.column(name)
        position = plan.sources.get(name, 0)
        if position == MELT_VALUE:
            position = plan.melted[0]
        unit = True if name in plan.percent else False if name in plan.fraction else None
        result = convert(values, column, info.decimal_of(position), unit)
        label = plan.label(name)
        for problem in result.problems:
            severity = Severity.WARNING if problem.warning else Severity.ERROR
            _log_mask(log, severity, problem.code, problem.message, label, problem.mask, rows, values)
        for note in result.notes:
            if note not in notes_seen:
                notes_seen.add(note)
                log.warning("percent" if "процент" in note else "vocabulary", note, column=label)
        if column.required:
            empty = _as_numpy(pc.is_null(values))
            for problem in result.problems:
                if problem.code == "empty_marker":  # «нет данных» in a required column is no value
                    empty |= problem.mask
            _log_mask(log, Severity.ERROR, "required", "обязательное значение не заполнено", label, empty, rows, values)
        columns[name] = result.values
    return columns


def _report_ragged(info: SourceInfo, ragged: Ragged, log: IssueLog) -> None:
    """Lines of a CSV with more fields than the header: errors at their rows, the rows below renumbered."""
    texts = [text for _, _, _, text in ragged.lines]
    expected = ragged.lines[0][1]
    located = locate_ragged(info)
    # The reader skipped those rows, so every row below one was numbered one too low.
    skipped_rows = sorted(number for number, _ in located)
    log.renumber(lambda row: _past(row, skipped_rows), after=info.header_row)
    for i, (number, actual) in enumerate(located):
        log.error(
            "file",
            f"в строке {actual} полей, а в заголовке {expected}: проверьте разделитель и кавычки",
            row=number,
            value=texts[i] if i < len(texts) else "",
        )


IDENTITY = ("school_id", "staff_key", "student_key")


def _past(row: int, skipped: list[int]) -> int:
    """A row numbered as if `skipped` rows were not there, numbered as the file has it."""
    for gap in skipped:
        if gap <= row:
            row += 1
    return row


def _drop_blank_and_totals(
    plan: Plan,
    raw: pa.Table,
    rows: pa.Array,
    positions: list[int],
    totals: set[int],
    log: IssueLog,
    numbering_row: int | None = None,
) -> tuple[pa.Table, pa.Array, int]:
    """Rows with every cell empty are layout, not data; rows of totals are skipped with a warning.
    Returns the rows left and how many rows of the file held data (totals included)."""
    if raw.num_rows == 0:
        return raw, rows, 0
    filled = np.zeros(raw.num_rows, bool)
    for p in positions:  # an empty cell is null already (the readers' null value is ""); spaces are empty too
        values = raw.column(f"c{p}")
        filled |= _as_numpy(pc.and_(pc.is_valid(values), pc.invert(pc.utf8_is_space(values))))
    total = np.zeros(raw.num_rows, bool)
    hits: dict[int, np.ndarray] = {}
    for p in sorted(totals):
        values = raw.column(f"c{p}").combine_chunks()
        # The regular expression only where the first letter could begin «Итого», «Всего», «Total».
        maybe = _as_numpy(pc.is_in(pc.utf8_slice_codeunits(values, 0, 1), value_set=TOTAL_FIRST))
        if maybe.any():
            where = np.nonzero(maybe)[0]
            hit = _as_numpy(pc.match_substring_regex(values.take(pa.array(where)), TOTAL_ROW, ignore_case=True))
            hits[p] = np.zeros(raw.num_rows, bool)
            hits[p][where[hit]] = True
            total |= hits[p]
    if total.any():
        # A row that names its school (teacher, pupil) is that school's data, whatever a note says.
        for name in IDENTITY:
            p = plan.sources.get(name, -1)
            if p >= 0 and f"c{p}" in raw.column_names:
                values = raw.column(f"c{p}")
                named = _as_numpy(pc.and_(pc.is_valid(values), pc.invert(pc.utf8_is_space(values))))
                total &= ~(named & ~hits.get(p, np.zeros(raw.num_rows, bool)))
    if total.any():
        where = np.nonzero(total)[0]
        texts = [
            " | ".join(str(raw.column(f"c{p}")[i].as_py() or "") for p in positions if raw.column(f"c{p}")[i].is_valid)
            for i in where[: log.detail]
        ]
        log.many(
            Severity.WARNING,
            "total",
            "строка итогов пропущена: это сумма по школам, а не данные одной школы",
            "",
            rows.take(pa.array(where[: log.detail])).to_numpy(),
            texts,
            total=len(where),
        )
    numbering = np.zeros(raw.num_rows, bool)
    if numbering_row is not None:
        numbering = rows.to_numpy() == numbering_row
        if numbering.any():
            log.warning(
                "numbering", "строка с номерами столбцов (1, 2, 3 …) под заголовком пропущена", row=numbering_row
            )
    plan.skipped += int(total.sum())
    keep = filled & ~total & ~numbering
    if keep.all():
        return raw, rows, raw.num_rows
    mask = pa.array(keep)
    return raw.filter(mask), rows.filter(mask), int((filled & ~numbering).sum())


def _empty_markers(label: str, values: pa.Array, rows: pa.Array, log: IssueLog) -> pa.Array:
    """«-», «нет данных», «н/я» in a column turned into rows: empty (so no row), in one warning."""
    marked = empty_markers(values)
    if marked is None:
        return values
    _log_mask(log, Severity.WARNING, marked.code, marked.message, label, marked.mask, rows, values)
    return pc.if_else(pa.array(marked.mask), pa.scalar(None, pa.string()), values)


def _unpivot(plan: Plan, raw: pa.Table, rows: pa.Array) -> tuple[pa.Table, pa.Array]:
    """A column per subject -> a row per subject: each melted column's header goes to `c-2`, its
    cells to `c-3`, the other cells repeat. Empty cells make no row (no result is not a zero)."""
    parts = []
    row_parts = []
    others = [name for name in raw.column_names if int(name[1:]) not in plan.melted]
    for position in plan.melted:
        cells = raw.column(f"c{position}").combine_chunks()
        present = pc.is_valid(cells)
        part = {name: raw.column(name).combine_chunks().filter(present) for name in others}
        kept = cells.filter(present)
        part[f"c{MELT_NAME}"] = _constant_column(plan.info.headers[position], len(kept))
        part[f"c{MELT_VALUE}"] = kept
        parts.append(pa.table(part))
        row_parts.append(rows.filter(present))
    if not parts:
        return raw, rows
    return pa.concat_tables(parts), pa.concat_arrays(row_parts)


def _doubtful_text(plan: Plan, sources: dict[str, pa.Array], rows: pa.Array, log: IssueLog) -> None:
    """The file is not UTF-8 and was read as Windows-1251: a value that then mixes Latin and Cyrillic
    letters in one word, or holds signs no Russian text has, was most likely written in another
    encoding. It is not guessed further: the import stops and names the values."""
    for name, values in sources.items():
        if plan.table.column(name).kind not in (Kind.TEXT, Kind.KEY, Kind.CODE):
            continue
        odd = _as_numpy(pc.match_substring_regex(values, SCRIPT_MIX))
        _log_mask(
            log,
            Severity.ERROR,
            "encoding",
            "файл не в UTF-8 и прочитан как Windows-1251, но так значение выглядит искажённым: укажите кодировку "
            "файла при загрузке (или сохраните его в UTF-8)",
            plan.label(name),
            odd,
            rows,
            values,
        )


def _as_numpy(mask: pa.Array | pa.ChunkedArray) -> np.ndarray:
    if isinstance(mask, pa.ChunkedArray):
        mask = mask.combine_chunks()
    return np.asarray(mask.fill_null(False).to_numpy(zero_copy_only=False), dtype=bool)


def _log_mask(
    log: IssueLog,
    severity: Severity,
    code: str,
    message: str,
    label: str,
    mask: np.ndarray,
    rows: pa.Array,
    values: pa.Array,
) -> None:
    if not mask.any():
        return
    where = np.nonzero(mask)[0]
    take = pa.array(where[: log.detail])
    log.many(
        severity, code, message, label, rows.take(take).to_numpy(), values.take(take).to_pylist(), total=len(where)
    )


def _skip_rows(plan: Plan, raw: pa.Table, nulls: list[str], rows: pa.Array, log: IssueLog) -> pa.Array | None:
    if not plan.skip_when_empty:
        return None
    drop = np.zeros(len(rows), bool)
    for position in plan.skip_when_empty.values():
        values = raw.column(f"c{position}").combine_chunks()
        empty = pc.is_null(values)
        if nulls:
            empty = pc.or_(empty, pc.is_in(pc.utf8_trim_whitespace(values), value_set=pa.array(nulls)))
        drop |= _as_numpy(empty)
    if not drop.any():
        return None
    plan.skipped += int(drop.sum())
    names = ", ".join(f"«{n}»" for n in plan.skip_when_empty)
    message = f"строка пропущена по правилу сопоставления: пусто в столбцах {names}"
    _log_mask(log, Severity.WARNING, "skipped", message, "", drop, rows, pa.nulls(len(rows), pa.string()))
    return pa.array(~drop)


def _report(
    log: IssueLog,
    plan: Plan,
    typed: pa.Table,
    mask: np.ndarray,
    column: str,
    code: str,
    message: str,
    warning: bool = False,
) -> None:
    severity = Severity.WARNING if warning else Severity.ERROR
    _log_mask(
        log,
        severity,
        code,
        message,
        plan.label(column),
        mask,
        typed.column(ROW).combine_chunks(),
        typed.column(column).combine_chunks(),
    )


def _outside_registry(plan: Plan, typed: pa.Table, context: Context, log: IssueLog) -> pa.Table:
    """A mapping of a wider dataset (a national file) may skip the rows of schools that are not in
    this registry: they are counted in one warning instead of an error each."""
    mapping = plan.mapping
    if (
        mapping is None
        or not mapping.skip_unknown_schools
        or context.known_schools is None
        or "school_id" not in typed.column_names
        or plan.table.name == "schools"
    ):
        return typed
    ids = typed.column("school_id")
    known = pc.fill_null(pc.is_in(ids, value_set=context.school_set), True)  # empty keys stay: «required» reports them
    skipped = typed.num_rows - pc.sum(known.cast(pa.int64())).as_py() if typed.num_rows else 0
    plan.skipped += skipped
    if skipped:
        log.warning(
            "skipped",
            f"пропущено строк школ, которых нет в реестре: {skipped} (сопоставление «{mapping.name}»)",
            column=plan.label("school_id"),
        )
    return typed.filter(known)


def _row_rules(plan: Plan, typed: pa.Table, context: Context, log: IssueLog) -> None:
    """Rules across the columns of one row, and references to the registry."""
    _reference_rules(plan, typed, context, log)
    if not typed.num_rows:
        return  # the rules below compare the columns of rows: none to compare
    if {"procedure", "grade"} <= set(typed.column_names):
        _grade_rules(plan, typed, log)
    name = plan.table.name
    if name == "results":
        _result_rules(plan, typed, log)
    if name in ("results_tasks", "diagnostics"):
        over = _as_numpy(pc.greater(typed.column("score"), typed.column("max_score")))
        _report(log, plan, typed, over, "score", "range", "балл больше максимального балла")
    if name == "courses":
        backwards = _as_numpy(pc.greater(typed.column("start"), typed.column("end")))
        _report(log, plan, typed, backwards, "end", "range", "дата окончания раньше даты начала")
    if name == "results_schools":
        _share_sum_rules(plan, typed, log)
    if name in ("schools", "social"):
        column = "enrollment" if name == "schools" else "students"
        zero = _as_numpy(pc.equal(typed.column(column), 0))
        _report(log, plan, typed, zero, column, "suspicious", "численность обучающихся равна нулю", warning=True)
    if name == "schools" and "parent_school_id" in plan.sources:
        self_parent = _as_numpy(pc.equal(typed.column("parent_school_id"), typed.column("school_id")))
        _report(
            log, plan, typed, self_parent, "parent_school_id", "reference", "школа не может быть филиалом самой себя"
        )


def _reference_rules(plan: Plan, typed: pa.Table, context: Context, log: IssueLog) -> None:
    """Schools and teachers the registry does not know, and years other than the --year option."""
    names = set(typed.column_names)
    if context.known_schools is not None and "school_id" in names and plan.table.name != "schools":
        ids = typed.column("school_id")
        unknown = _as_numpy(
            pc.and_(
                pc.is_valid(ids),
                pc.invert(pc.is_in(ids, value_set=context.school_set)),
            )
        )
        _report(
            log,
            plan,
            typed,
            unknown,
            "school_id",
            "unknown_school",
            "ОО с таким кодом нет в реестре: загрузите сначала реестр школ (таблица schools)",
        )
    if context.known_staff is not None and "staff_key" in names and plan.table.name != "staff":
        keys = typed.column("staff_key")
        unknown = _as_numpy(
            pc.and_(
                pc.is_valid(keys),
                pc.invert(pc.is_in(keys, value_set=context.staff_set)),
            )
        )
        _report(
            log,
            plan,
            typed,
            unknown,
            "staff_key",
            "unknown_staff",
            "педагога с таким кодом нет в таблице staff: загрузите сначала педагогов",
        )
    if context.year is not None and "year" in plan.sources:
        other = _as_numpy(pc.not_equal(typed.column("year"), context.year))
        _report(
            log,
            plan,
            typed,
            other,
            "year",
            "year",
            f"год строки не совпадает с указанным при загрузке ({context.year})",
        )


def _grade_rules(plan: Plan, typed: pa.Table, log: IssueLog) -> None:
    """Each procedure only in the grades it is held in."""
    procedure, grade = typed.column("procedure"), typed.column("grade")
    for code, grades in PROCEDURE_GRADES.items():
        wrong = _as_numpy(
            pc.and_(
                pc.equal(procedure, code),
                pc.invert(pc.is_in(grade, value_set=pa.array(sorted(grades), grade.type))),
            )
        )
        allowed = ", ".join(str(g) for g in sorted(grades))
        _report(
            log,
            plan,
            typed,
            wrong,
            "grade",
            "combination",
            f"процедура {code} не проводится в этом классе (возможные классы: {allowed})",
        )


def _result_rules(plan: Plan, typed: pa.Table, log: IssueLog) -> None:
    """A pupil's result: a score it is given in, within the maximum, and the scores and marks its procedure has."""
    procedure = typed.column("procedure")
    ege = pc.equal(procedure, "EGE")
    carried = pc.or_kleene(
        pc.is_valid(typed.column("primary_score")),
        pc.or_kleene(
            pc.and_kleene(
                pc.and_kleene(ege, pc.not_equal(typed.column("subject"), "math_base")),
                pc.is_valid(typed.column("test_score")),
            ),
            pc.and_kleene(
                pc.and_kleene(ege, pc.equal(typed.column("subject"), "math_base")),
                pc.is_valid(typed.column("mark")),
            ),
        ),
    )
    _report(
        log,
        plan,
        typed,
        ~_as_numpy(carried),
        "primary_score",
        "required",
        "нет результата: первичный балл обязателен, кроме ЕГЭ с тестовым баллом и ЕГЭ по базовой математике с отметкой",
    )
    over = _as_numpy(pc.greater(typed.column("primary_score"), typed.column("max_primary_score")))
    _report(log, plan, typed, over, "primary_score", "range", "первичный балл больше максимального первичного балла")
    not_ege = pc.and_(
        pc.is_in(procedure, value_set=pa.array(["OGE", "VPR", "GVE"])), pc.is_valid(typed.column("test_score"))
    )
    _report(log, plan, typed, _as_numpy(not_ege), "test_score", "combination", "тестовый балл бывает только у ЕГЭ")
    profile_mark = pc.and_(
        pc.and_(pc.equal(procedure, "EGE"), pc.not_equal(typed.column("subject"), "math_base")),
        pc.is_valid(typed.column("mark")),
    )
    _report(
        log,
        plan,
        typed,
        _as_numpy(profile_mark),
        "mark",
        "suspicious",
        "у ЕГЭ (кроме базовой математики) отметки нет; значение сохранено, но в расчётах не используется",
        warning=True,
    )


def _share_sum_rules(plan: Plan, typed: pa.Table, log: IssueLog) -> None:
    """A school's shares of the marks «2»–«5» (of the procedure, of the journal) add up to one."""
    for prefix, label in (("share_", "долей отметок"), ("journal_share_", "долей отметок по журналу")):
        cols = [f"{prefix}{m}" for m in (2, 3, 4, 5)]
        if all(c in plan.sources for c in cols):
            total = typed.column(cols[0])
            for c in cols[1:]:
                total = pc.add(total, typed.column(c))
            off = _as_numpy(pc.greater(pc.abs(pc.subtract(total, 1.0)), 0.02))
            _report(
                log,
                plan,
                typed,
                off,
                cols[0],
                "suspicious",
                f"сумма {label} «2»–«5» отличается от 1 больше чем на 0,02",
                warning=True,
            )


class Duplicates:
    """Repeated keys across a whole file. Small files: exact, with the rows that repeat. Streamed
    files: a 64-bit hash per row (8 bytes a row), then an exact pass over the few suspects."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.key = list(plan.table.key)
        self.hashes: list[np.ndarray] = []
        self.frames: list[pa.Table] = []
        self.streamed = plan.table.name in STREAMED
        self.con = duckdb.connect()

    def add(self, typed: pa.Table) -> None:
        keys = typed.select([*self.key, ROW])
        if not self.streamed:
            self.frames.append(keys)
            return
        self.con.register("batch", keys)
        columns = ", ".join(f'"{k}"' for k in self.key)
        result = self.con.sql(f"SELECT hash({columns}) AS h FROM batch").arrow()
        if isinstance(result, pa.RecordBatchReader):
            result = result.read_all()
        self.con.unregister("batch")
        self.hashes.append(result.column("h").to_numpy())

    def check(self, log: IssueLog, rescan: Callable[[], Iterator[pa.Table]] | None = None) -> None:
        if self.streamed:
            if not self.hashes:
                return
            hashes = np.sort(np.concatenate(self.hashes))
            self.hashes = []
            repeated = hashes[1:][hashes[1:] == hashes[:-1]]
            if not len(repeated) or rescan is None:
                return
            suspects = np.unique(repeated)
            frames = []
            columns = ", ".join(f'"{k}"' for k in self.key)
            for typed in rescan():
                self.con.register("batch", typed.select([*self.key, ROW]))
                self.con.register("suspects", pa.table({"h": pa.array(suspects, pa.uint64())}))
                found = self.con.sql(f"SELECT * FROM batch WHERE hash({columns}) IN (SELECT h FROM suspects)").arrow()
                if isinstance(found, pa.RecordBatchReader):
                    found = found.read_all()
                frames.append(found)
            keys = pa.concat_tables(frames) if frames else None
        else:
            keys = pa.concat_tables(self.frames) if self.frames else None
        if keys is None or keys.num_rows == 0:
            return
        self.con.register("keys", keys)
        columns = ", ".join(f'"{k}"' for k in self.key)
        repeats = self.con.sql(
            f"""SELECT {ROW}, first_row FROM (
                    SELECT {ROW}, min({ROW}) OVER (PARTITION BY {columns}) AS first_row,
                           count(*) OVER (PARTITION BY {columns}) AS n
                    FROM keys) WHERE n > 1 AND {ROW} <> first_row ORDER BY {ROW}"""
        ).fetchall()
        keyset = ", ".join(self.plan.label(k) for k in self.key)
        for row, first in repeats:
            log.error("duplicate", f"строка повторяет строку {first}: совпадают {keyset}", row=int(row))
