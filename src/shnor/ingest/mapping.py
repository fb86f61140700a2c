"""Column mappings: how a file that does not use the contract's headers is read.

A mapping is made once (in the web UI, or written as YAML/JSON), saved by name and reused from
the UI, the API and the CLI (`--mapping NAME|FILE`). It can

* take a contract column from a file column (`columns`),
* give a column one value for every row (`constants`: the year of an export, a procedure code),
* recode values (`recode`: `E: 4` turns school type E into grade 4),
* say a share column is in percent or in fractions (`percent`, `fraction`) where the values
  cannot tell (a percent column whose small schools have 0,5),
* name extra markers of a missing value (`null_values`: `NA`, `s`, `—`),
* skip rows whose listed columns (contract names or file headers) are empty
  (`skip_rows_without`: suppressed results, schools with no enrolment figure),
* turn a column per subject into rows (`unpivot`: the header goes to one contract column, the
  cell to another),
* pick the sheet of a workbook, the row the header is in, the separator and the encoding of a
  CSV (each is detected when not given).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from shnor.core.contract import TABLES, Kind
from shnor.core.errors import DomainRefusal
from shnor.ingest.sources import SourceError, encoding_option


class MappingError(DomainRefusal):
    """A mapping does not validate or cannot be found; the message says where and why."""

    status = 422  # the mapping sent does not pass its schema: unprocessable


class Unpivot(BaseModel):
    """Columns of the file whose values become rows: «Русский язык», «Математика» -> subject."""

    model_config = ConfigDict(extra="forbid")

    columns: list[str] = Field(min_length=1)  # headers of the file
    name_to: str  # the contract column that receives the header (recoded like any value)
    value_to: str  # the contract column that receives the cell


class Mapping(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[\w][\w.-]*$", max_length=100)
    kind: str
    title: str = ""
    description: str = ""
    columns: dict[str, str] = Field(default_factory=dict)
    constants: dict[str, str | int | float | bool] = Field(default_factory=dict)
    recode: dict[str, dict[str, str | int | float | bool]] = Field(default_factory=dict)
    null_values: list[str] = Field(default_factory=list)
    skip_rows_without: list[str] = Field(default_factory=list)
    # Shares the source does not collect at all (a foreign dataset): stored empty, said in a warning,
    # never invented. Only share columns may be declared so.
    not_collected: list[str] = Field(default_factory=list)
    # A wider dataset (a national file): rows of schools outside the registry are skipped, counted
    # in one warning, instead of being errors.
    skip_unknown_schools: bool = False
    # Share columns whose unit the values cannot tell (a percent column with values under 1).
    percent: list[str] = Field(default_factory=list)
    fraction: list[str] = Field(default_factory=list)
    unpivot: Unpivot | None = None
    sheet: str | None = None
    header_row: int | None = Field(default=None, ge=1, le=1000)  # None: found by its headers
    delimiter: str | None = Field(default=None, pattern=r"^[;,|\t]$")
    encoding: str | None = Field(default=None, max_length=20)

    @model_validator(mode="after")
    def _known_columns(self) -> Mapping:
        if self.kind not in TABLES:
            raise ValueError(f"неизвестная таблица «{self.kind}»; допустимые: {', '.join(TABLES)}")
        names = set(TABLES[self.kind].names)
        for section in ("columns", "constants", "recode"):
            unknown = set(getattr(self, section)) - names
            if unknown:
                raise ValueError(
                    f"в разделе {section} столбцы не из контракта таблицы {self.kind}: {', '.join(sorted(unknown))}"
                )
        shares = {c.name for c in TABLES[self.kind].columns if c.kind == Kind.SHARE}
        wrong = sorted(set(self.not_collected) - shares)
        if wrong:
            raise ValueError(f"в разделе not_collected могут быть только доли таблицы {self.kind}: {', '.join(wrong)}")
        for section in ("percent", "fraction"):
            wrong = sorted(set(getattr(self, section)) - shares)
            if wrong:
                raise ValueError(f"в разделе {section} могут быть только доли таблицы {self.kind}: {', '.join(wrong)}")
        both_units = sorted(set(self.percent) & set(self.fraction))
        if both_units:
            raise ValueError(f"доля объявлена и в процентах, и в долях: {', '.join(both_units)}")
        given = sorted(set(self.not_collected) & (set(self.columns) | set(self.constants)))
        if given:
            raise ValueError(f"столбец объявлен несобираемым, но задан: {', '.join(given)}")
        if self.unpivot is not None:
            for name in (self.unpivot.name_to, self.unpivot.value_to):
                if name not in names:
                    raise ValueError(f"в разделе unpivot столбец не из контракта таблицы {self.kind}: {name}")
                if name in self.columns or name in self.constants:
                    raise ValueError(f"столбец {name} задан и в unpivot, и в columns/constants")
        if self.encoding is not None:
            try:
                self.encoding = encoding_option(self.encoding)
            except SourceError as error:
                raise ValueError(error.message) from None
        both = set(self.columns) & set(self.constants)
        if both:
            raise ValueError(f"столбец задан и из файла, и константой: {', '.join(sorted(both))}")
        return self

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.model_dump(exclude_defaults=True), allow_unicode=True, sort_keys=False)


def parse(data: Any, origin: str) -> Mapping:
    try:
        return Mapping.model_validate(data)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'сопоставление'}: {e['msg'].removeprefix('Value error, ')}"
            for e in error.errors()
        )
        raise MappingError(f"Сопоставление столбцов {origin} неверно: {problems}") from None


def load_file(path: Path) -> Mapping:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise MappingError(f"Файл сопоставления {path} не читается: {error.strerror}") from None
    try:
        data = json.loads(text) if str(path).endswith(".json") else yaml.safe_load(text)
    except (yaml.YAMLError, json.JSONDecodeError) as error:
        raise MappingError(f"Файл сопоставления {path} не разбирается: {error}") from None
    if not isinstance(data, dict):
        raise MappingError(f"Файл сопоставления {path} должен содержать словарь с полями name, kind, columns…")
    return parse(data, str(path))
