"""Turning one column of strings into the contract's type, vectorised, with every bad row found.

The fast road casts the whole column at once; only when that fails is the column read value by
value (still vectorised) to find which rows are wrong and why. A column of ten million clean
numbers therefore costs one cast.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from shnor.core.contract import (
    FALSE_WORDS,
    FULL_NAME_VALUE,
    SNILS_VALUE,
    TRUE_WORDS,
    VOCABULARY_TITLES,
    Column,
    Kind,
    fold,
    vocabulary_hint,
    vocabulary_lookup,
)
from shnor.engine.schemas import arrow_type

NUMBER = r"^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$"
# Cells a person leaves in a number or date column to say «no value»: read as empty, and said so.
EMPTY_MARKERS = ("-", "—", "–", "нет данных", "н/д", "нд", "н/я", "n/a", "#н/д")
DATE_FORMATS = ("%d.%m.%Y", "%Y-%m-%d", "%d/%m/%Y", "%d.%m.%y")


@dataclass
class Problem:
    """Rows (indices within the batch) failing one rule of one column."""

    code: str
    message: str
    mask: np.ndarray
    warning: bool = False


@dataclass
class Converted:
    values: pa.Array
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # file-level warnings (e.g. read as percent)


def _mask(array: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """A boolean array (nulls as False) as numpy."""
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    return np.asarray(array.fill_null(False).to_numpy(zero_copy_only=False), dtype=bool)


def _strings(array: pa.Array | pa.ChunkedArray) -> pa.Array:
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    if pa.types.is_dictionary(array.type):
        array = array.cast(array.type.value_type)
    if pa.types.is_string(array.type) or pa.types.is_large_string(array.type):
        # A NUL in a cell cannot be stored by PostgreSQL: it is kept as «�», visible to whoever reads it.
        array = pc.replace_substring(array, "\x00", "\ufffd")
    return array


def parse_numbers(raw: pa.Array, decimal: str = ".") -> tuple[pa.Array, np.ndarray, np.ndarray]:
    """Strings -> float64. Returns the values, the rows that are not numbers, and the rows that
    carried a `%` sign. Accepts a decimal comma, spaces (also non-breaking and narrow) and the
    other mark as thousands separators, and `12 %`."""
    raw = _strings(raw)
    n = len(raw)
    try:
        source = pc.replace_substring(raw, ",", ".") if decimal == "," else raw
        return pc.cast(source, pa.float64()), np.zeros(n, bool), np.zeros(n, bool)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    text = pc.replace_substring_regex(raw, r"[\s\x{00a0}\x{202f}]", "")
    percent = pc.ends_with(text, "%")
    text = pc.replace_substring_regex(text, r"%$", "")
    # Thousands groups by the column's decimal mark: 1,234.5 in a column of points, 1.234,5 in one
    # of commas; any other comma is a decimal comma.
    group = "," if decimal == "." else r"\."
    grouped = pc.match_substring_regex(text, rf"^[-+]?[1-9]\d{{0,2}}({group}\d{{3}})+([.,]\d*)?$")
    if decimal == "." or pc.any(grouped).as_py():
        ungrouped = pc.replace_substring(text, "," if decimal == "." else ".", "")
        text = pc.if_else(grouped, ungrouped, text)
    text = pc.replace_substring(text, ",", ".")
    valid = pc.match_substring_regex(text, NUMBER)
    values = pc.cast(pc.if_else(valid, text, pa.scalar(None, pa.string())), pa.float64())
    bad = _mask(pc.and_(pc.is_valid(raw), pc.invert(valid.fill_null(True))))
    return values, bad, _mask(percent)


def empty_markers(raw: pa.Array, candidates: np.ndarray | None = None) -> Problem | None:
    """Rows whose cell is a «no value» mark («-», «нет данных», «н/я»), as a warning; looked for only
    among `candidates` (the cells that are not numbers), so a clean column costs nothing."""
    where = np.nonzero(candidates)[0] if candidates is not None else np.arange(len(raw))
    if not len(where):
        return None
    subset = _strings(raw).take(pa.array(where))
    folded = pc.utf8_lower(pc.utf8_trim_whitespace(subset))
    hit = _mask(pc.is_in(folded, value_set=pa.array(EMPTY_MARKERS)))
    if not hit.any():
        return None
    found = sorted(set(pc.utf8_trim_whitespace(subset.filter(pa.array(hit))).to_pylist()))
    mask = np.zeros(len(raw), bool)
    mask[where[hit]] = True
    message = "«" + "», «".join(str(v) for v in found[:5]) + "» означает, что данных нет: ячейка сохранена пустой"
    return Problem("empty_marker", message, mask, warning=True)


def _range_mask(values: pa.Array, column: Column) -> np.ndarray:
    conditions = []
    if column.min is not None:
        conditions.append(pc.less_equal(values, column.min) if column.min_exclusive else pc.less(values, column.min))
    if column.max is not None:
        conditions.append(pc.greater(values, column.max))
    if not conditions:
        return np.zeros(len(values), bool)
    combined = conditions[0]
    for c in conditions[1:]:
        combined = pc.or_(combined, c)
    return _mask(combined)


def range_text(column: Column) -> str:
    low = "" if column.min is None else f"{'больше' if column.min_exclusive else 'не меньше'} {_num(column.min)}"
    high = "" if column.max is None else f"не больше {_num(column.max)}"
    return " и ".join(p for p in (low, high) if p)


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value).replace(".", ",")


def convert(
    raw: pa.Array | pa.ChunkedArray, column: Column, decimal: str = ".", percent_header: bool | None = None
) -> Converted:
    """One column of strings (nulls for empty cells) -> typed values and the rows that are wrong."""
    raw = _strings(raw)
    if column.kind in (Kind.INT, Kind.FLOAT, Kind.SHARE):
        return _numeric(raw, column, decimal, percent_header)
    if column.kind == Kind.BOOL:
        return _boolean(raw, column)
    if column.kind == Kind.DATE:
        return _date(raw, column)
    if column.kind == Kind.CODE:
        return _code(raw, column)
    return _text(raw, column)


def _numeric(raw: pa.Array, column: Column, decimal: str, percent_header: bool | None) -> Converted:
    values, bad, percent_sign = parse_numbers(raw, decimal)
    problems = []
    notes = []
    expected = {Kind.INT: "целое число", Kind.FLOAT: "число", Kind.SHARE: "доля от 0 до 1 или процент"}[column.kind]
    if bad.any():
        marked = empty_markers(raw, bad)
        if marked is not None:
            problems.append(marked)
            bad = bad & ~marked.mask
    if bad.any():
        problems.append(Problem("type", f"ожидалось {expected}", bad))
    if column.kind == Kind.INT:
        fractional = _mask(pc.not_equal(values, pc.floor(values)))
        if fractional.any():
            problems.append(Problem("type", "ожидалось целое число", fractional))
            values = pc.if_else(pa.array(fractional), pa.scalar(None, pa.float64()), values)
    if column.kind == Kind.SHARE:
        values, note, mixed = _shares(values, percent_header, percent_sign, column)
        if note:
            notes.append(note)
        if mixed is not None:
            problems.append(mixed)
            values = pc.if_else(pa.array(mixed.mask), pa.scalar(None, pa.float64()), values)
    out_of_range = _range_mask(values, column)
    if out_of_range.any():
        problems.append(Problem("range", f"ожидалось значение {range_text(column)}", out_of_range))
        values = pc.if_else(pa.array(out_of_range), pa.scalar(None, pa.float64()), values)
    # Whatever the contract's range, a value must fit the stored type (and be finite): 1e309 or
    # 2 147 483 648 in a column of whole numbers is a wrong cell, not a failed import.
    target = arrow_type(column)
    limit = (
        float(np.iinfo(target.to_pandas_dtype()).max)
        if pa.types.is_integer(target)
        else float(np.finfo(np.float64).max)
    )
    unfit = _mask(pc.greater(pc.abs(values), limit)) | _mask(pc.is_nan(values))
    if unfit.any():
        problems.append(Problem("range", "число вне допустимых пределов", unfit))
        values = pc.if_else(pa.array(unfit), pa.scalar(None, pa.float64()), values)
    return Converted(values.cast(target), problems, notes)


def _shares(
    values: pa.Array, unit: bool | None, percent_sign: np.ndarray, column: Column
) -> tuple[pa.Array, str, Problem | None]:
    """Fractions stay; percentages become fractions. `unit` True: the column is in percent (its
    header says «%», or a mapping says so); False: in fractions (a mapping says so); None: each value
    tells. A value is a percentage when the cell has a `%` or when it is above 1; a value in (0, 1] is
    a fraction — unless the column also holds percentages, where 0,4 may be 0,4 % or 40 %: then the
    column is refused, naming the rows of the smaller kind, never silently divided."""
    if unit is True:
        return _hundredth(values, np.ones(len(values), bool)), "", None
    if unit is False:
        return _hundredth(values, percent_sign), "", None
    above_one = _mask(pc.greater(values, 1.0))
    percent = percent_sign | above_one
    fraction = ~percent_sign & _mask(pc.and_(pc.greater(values, 0.0), pc.less_equal(values, 1.0)))
    if percent.any() and fraction.any():
        wrong, right = (fraction, percent) if fraction.sum() <= percent.sum() else (percent, fraction)
        right_example = _example(values, right)
        if wrong is fraction:
            message = (
                f"значение не больше 1 в столбце процентов (рядом, например, «{right_example}»): неясно, доля это "
                "или процент (0,4 — это 40 % или 0,4 %?)"
            )
        else:
            message = (
                f"процент в столбце долей (рядом, например, «{right_example}»): в столбце и доли, и проценты, "
                "и значения не больше 1 читаются двояко (0,4 — это 40 % или 0,4 %?)"
            )
        message += (
            ". Укажите «%» в заголовке столбца или у значений (в сопоставлении — percent или fraction) "
            "либо приведите столбец к одному виду"
        )
        # The other rows are read by their own kind, so that only the doubtful ones are reported.
        return _hundredth(values, percent), "", Problem("percent", message, wrong)
    if percent.any():
        note = ""
        if above_one.any() and not percent_sign.all():
            note = f"Значения столбца «{column.ru}» больше 1: прочитаны как проценты (делятся на 100)."
        return _hundredth(values, percent), note, None
    return values, "", None


def _hundredth(values: pa.Array, where: np.ndarray) -> pa.Array:
    """Percent -> fraction (a re-import compares within a billionth: 41,5 % / 100 may differ from a
    stored 0,415 in the last bit)."""
    divided = pc.divide(values, 100.0)
    return pc.if_else(pa.array(where), divided, values)


def _example(values: pa.Array, mask: np.ndarray) -> str:
    first = int(np.nonzero(mask)[0][0])
    value = values[first].as_py()
    return f"{value:g}".replace(".", ",")


def _boolean(raw: pa.Array, column: Column) -> Converted:
    folded = pc.utf8_lower(pc.utf8_trim_whitespace(raw))
    is_true = pc.is_in(folded, value_set=pa.array(sorted(TRUE_WORDS)))
    is_false = pc.is_in(folded, value_set=pa.array(sorted(FALSE_WORDS)))
    bad = _mask(pc.and_(pc.is_valid(raw), pc.invert(pc.or_(is_true, is_false))))
    values = pc.if_else(is_true, True, pc.if_else(is_false, False, pa.scalar(None, pa.bool_())))
    problems = [Problem("type", "ожидалось «да» или «нет» (1/0, true/false)", bad)] if bad.any() else []
    return Converted(values, problems)


def _date(raw: pa.Array, column: Column) -> Converted:
    """Dates as ДД.ММ.ГГГГ, ГГГГ-ММ-ДД, ДД/ММ/ГГГГ or an Excel day number; 31.02 is not a date.
    Date columns belong to small tables, so the distinct values are parsed one by one, strictly."""
    encoded = pc.dictionary_encode(pc.utf8_trim_whitespace(raw))
    parsed: list[dt.date | None] = []
    bad_codes: list[int] = []
    for i, text in enumerate(encoded.dictionary.to_pylist()):
        value = _parse_date(text)
        if value is None:
            bad_codes.append(i)
        parsed.append(value)
    values = pa.array(parsed, pa.date32()).take(encoded.indices)
    bad = (
        _mask(pc.is_in(encoded.indices, value_set=pa.array(bad_codes, encoded.indices.type)))
        if bad_codes
        else np.zeros(len(raw), bool)
    )
    problems = []
    marked = empty_markers(raw, bad) if bad.any() else None
    if marked is not None:
        problems.append(marked)
        bad = bad & ~marked.mask
    if bad.any():
        problems.append(Problem("type", "ожидалась дата ДД.ММ.ГГГГ", bad))
    return Converted(values, problems)


def _parse_date(text: str) -> dt.date | None:
    for fmt in DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    if re.fullmatch(r"\d{5}(\.0+)?", text):  # an Excel day number (1900 date system)
        serial = int(float(text))
        if 20000 < serial < 80000:
            return dt.date(1899, 12, 30) + dt.timedelta(days=serial)
    return None


def _code(raw: pa.Array, column: Column) -> Converted:
    assert column.vocabulary is not None
    lookup = vocabulary_lookup(column.vocabulary)
    encoded = pc.dictionary_encode(pc.utf8_trim_whitespace(raw))
    spellings = encoded.dictionary.to_pylist()
    codes: list[str | None] = []
    unknown: list[int] = []
    for i, spelling in enumerate(spellings):
        code = lookup.get(fold(spelling))
        if code is None:
            unknown.append(i)
            code = None if column.strict else spelling
        codes.append(code)
    values = pa.array(codes, pa.string()).take(encoded.indices)
    problems = []
    notes = []
    if unknown:
        bad = _mask(pc.is_in(encoded.indices, value_set=pa.array(unknown, encoded.indices.type)))
        title = VOCABULARY_TITLES[column.vocabulary]
        if column.strict:
            problems.append(
                Problem(
                    "vocabulary", f"{title}: ожидалось одно из значений — {vocabulary_hint(column.vocabulary)}", bad
                )
            )
        else:
            for i in unknown:
                notes.append(f"{title.capitalize()} «{spellings[i]}» нет в справочнике; значение сохранено как есть.")
    return Converted(values, problems, notes)


def _text(raw: pa.Array, column: Column) -> Converted:
    values = pc.utf8_trim_whitespace(raw)
    if pc.any(pc.equal(values, "")).as_py():
        values = pc.if_else(pc.equal(values, ""), pa.scalar(None, pa.string()), values)
    problems = []
    if column.kind == Kind.KEY:
        snils = _personal_mask(values, SNILS_VALUE.pattern, _snils_candidates)
        if snils.any():
            problems.append(
                Problem(
                    "personal_data", "похоже на СНИЛС: в систему загружаются только псевдонимы, файл не принят", snils
                )
            )
        person = _personal_mask(values, FULL_NAME_VALUE.pattern, _name_candidates)
        if person.any():
            problems.append(
                Problem(
                    "personal_data",
                    "похоже на фамилию и имя: в систему загружаются только псевдонимы, файл не принят",
                    person,
                )
            )
    return Converted(values, problems)


def _snils_candidates(values: pa.Array) -> pa.Array:
    """Values that could be a SNILS: 11 to 14 characters, starting with a digit (a cheap pre-filter)."""
    length = pc.utf8_length(values)
    sized = pc.and_(pc.greater_equal(length, 11), pc.less_equal(length, 14))
    return pc.and_(sized, pc.utf8_is_digit(pc.utf8_slice_codeunits(values, 0, 1)))


def _name_candidates(values: pa.Array) -> pa.Array:
    """Values that could be a name: not plain ASCII (names are in Cyrillic; a cheap pre-filter)."""
    return pc.invert(pc.string_is_ascii(values))


def _personal_mask(values: pa.Array, pattern: str, candidates: Callable[[pa.Array], pa.Array]) -> np.ndarray:
    """Rows matching `pattern`; the regular expression runs only over the pre-filtered candidates,
    which in a file of pseudonyms are none, so millions of keys cost two cheap passes."""
    maybe = candidates(values).fill_null(False)
    if not pc.any(maybe).as_py():
        return np.zeros(len(values), bool)
    return _mask(pc.and_(maybe, pc.match_substring_regex(values, pattern)))
