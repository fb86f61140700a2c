"""What is wrong with an input file: a table of issues naming file, row, column, value and the rule.

Errors stop an import; warnings are shown and kept with the import but do not stop it. A log
keeps every count but only the first rows of each kind of issue in detail, so a file with a
million bad rows still produces a report a person can read.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, replace
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


SEVERITY_LABELS = {Severity.ERROR: "ошибка", Severity.WARNING: "предупреждение"}

# Kinds of issue: the code is stable (tests and the API use it), the label is for people.
CODES = {
    "file": "файл не читается",
    "empty": "нет данных",
    "sheet": "лист книги",
    "encoding": "кодировка",
    "missing_column": "нет обязательного столбца",
    "duplicate_column": "столбец повторяется",
    "extra_column": "лишний столбец",
    "not_collected": "доля не собирается в источнике",
    "personal_data": "персональные данные",
    "required": "пустое обязательное значение",
    "type": "неверный тип значения",
    "range": "значение вне допустимого диапазона",
    "vocabulary": "значение не из справочника",
    "unknown_school": "неизвестная ОО",
    "unknown_staff": "неизвестный педагог",
    "duplicate": "повтор ключа",
    "combination": "невозможное сочетание",
    "year": "год не совпадает",
    "percent": "проценты",
    "suspicious": "подозрительное значение",
    "skipped": "строка пропущена",
    "reference": "ссылка",
    "title": "строка над заголовком",
    "merged": "объединённые ячейки",
    "total": "строка итогов",
    "empty_marker": "отметка «нет данных»",
    "numbering": "строка нумерации столбцов",
}


def printable(text: str) -> str:
    """Text of a file as it may be kept and shown: a NUL (which PostgreSQL cannot store, in text or
    JSON) becomes «�»."""
    return text.replace("\x00", "\ufffd") if "\x00" in text else text


@dataclass(frozen=True)
class Issue:
    severity: Severity
    code: str
    message: str  # what was expected, or what is wrong, in Russian
    file: str = ""
    row: int | None = None  # as a spreadsheet shows it: the header is row 1
    column: str = ""  # the header as the file has it (and the contract name)
    value: str = ""

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["severity"] = str(self.severity)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Issue:
        return cls(**{**data, "severity": Severity(data["severity"])})

    def describe(self) -> str:
        where = ", ".join(
            part
            for part in (
                self.file,
                f"строка {self.row}" if self.row else "",
                f"столбец «{self.column}»" if self.column else "",
                f"значение «{self.value}»" if self.value != "" else "",
            )
            if part
        )
        return f"{SEVERITY_LABELS[self.severity].capitalize()}: {where + ': ' if where else ''}{self.message}"


class IssueLog:
    """Issues of one file. Keeps `detail` rows of each (code, column) pair and counts the rest."""

    def __init__(self, file: str = "", detail: int = 200, limit: int = 2000) -> None:
        self.file = file
        self.detail = detail
        self.limit = limit
        self.kept: list[Issue] = []
        self.counts: Counter[tuple[Severity, str, str]] = Counter()

    def add(self, severity: Severity, code: str, message: str, **where: Any) -> None:
        column = printable(str(where.get("column", "")))
        key = (severity, code, column)
        self.counts[key] += 1
        if self.counts[key] <= self.detail and len(self.kept) < self.limit:
            value = where.get("value", "")
            self.kept.append(
                Issue(
                    severity,
                    code,
                    message,
                    file=self.file,
                    row=where.get("row"),
                    column=column,
                    value="" if value is None else printable(str(value)[:200]),
                )
            )

    def error(self, code: str, message: str, **where: Any) -> None:
        self.add(Severity.ERROR, code, message, **where)

    def warning(self, code: str, message: str, **where: Any) -> None:
        self.add(Severity.WARNING, code, message, **where)

    def rows(
        self, severity: Severity, code: str, message: str, column: str, rows: Iterable[int], values: Iterable[Any]
    ) -> None:
        """Many rows failing one rule (from a vectorised check)."""
        for row, value in zip(rows, values, strict=False):
            self.add(severity, code, message, row=int(row), column=column, value=value)

    def many(
        self, severity: Severity, code: str, message: str, column: str, rows: Any, values: Any, total: int | None = None
    ) -> None:
        """Rows failing one rule, from a vectorised check: `total` rows counted, the first kept.

        `rows` holds the row numbers of (at least) the first `detail` of them, `values` their values."""
        total = len(rows) if total is None else total
        if not total:
            return
        key = (severity, code, column)
        room = max(0, min(self.detail - self.counts[key], self.limit - len(self.kept)))
        for row, value in zip(list(rows[:room]), list(values[:room]), strict=False):
            self.kept.append(
                Issue(
                    severity,
                    code,
                    message,
                    file=self.file,
                    row=int(row),
                    column=column,
                    value="" if value is None else printable(str(value)[:200]),
                )
            )
        self.counts[key] += total

    def renumber(self, fix: Callable[[int], int], after: int = 0) -> None:
        """Correct the rows of the issues kept so far (below row `after`)."""
        self.kept = [replace(i, row=fix(i.row)) if i.row is not None and i.row > after else i for i in self.kept]

    def count(self, severity: Severity) -> int:
        return sum(n for (s, _, _), n in self.counts.items() if s == severity)

    @property
    def errors(self) -> int:
        return self.count(Severity.ERROR)

    @property
    def warnings(self) -> int:
        return self.count(Severity.WARNING)

    @property
    def has_errors(self) -> bool:
        return self.errors > 0

    def __iter__(self) -> Iterator[Issue]:
        return iter(sorted(self.kept, key=lambda i: (i.severity != Severity.ERROR, i.row or 0)))

    def summary(self) -> list[dict[str, Any]]:
        """One line per kind of issue: how many rows, how many of them listed in detail."""
        return [
            {
                "severity": str(s),
                "code": code,
                "label": CODES.get(code, code),
                "column": column,
                "count": n,
                "listed": min(n, self.detail),
            }
            for (s, code, column), n in sorted(self.counts.items(), key=lambda kv: (kv[0][0] != Severity.ERROR, -kv[1]))
        ]

    def merge(self, other: IssueLog) -> None:
        for issue in other.kept:
            self.add(issue.severity, issue.code, issue.message, row=issue.row, column=issue.column, value=issue.value)
