"""The risk profile of a school (рисковый профиль, act 004 appendix, from the federal «500+» project).

Pure: no Django. The catalogue is versioned data (in the preset, or the built-in «500+» catalogue):
ten risk factors, each with parameters; each parameter has a source (one of the four
questionnaires or administrative data), a direction, a threshold, and, when the system can derive
it from data it already holds, a `derive` key. A parameter is *past its threshold* when its value
lies on the risky side of it. A factor's level follows from the share of its measured parameters
past threshold: at least `high` → high, at least `medium` → medium, otherwise low. A factor with
no measured parameter has no level. Factors at or above the catalogue's `fix_level` are the
school's fixed risks (фиксация риска).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator


class Source(StrEnum):
    DIRECTOR = "director"
    TEACHERS = "teachers"
    STUDENTS = "students"
    PARENTS = "parents"
    ADMIN = "admin"


SOURCE_TITLES = {
    Source.DIRECTOR: "анкета директора",
    Source.TEACHERS: "анкета учителей",
    Source.STUDENTS: "анкета обучающихся",
    Source.PARENTS: "анкета родителей",
    Source.ADMIN: "административные данные",
}

# The four questionnaires, in the order a school fills them in.
GROUPS = (Source.DIRECTOR, Source.TEACHERS, Source.STUDENTS, Source.PARENTS)


class Level(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


LEVEL_TITLES = {Level.HIGH: "высокий", Level.MEDIUM: "средний", Level.LOW: "низкий"}
LEVEL_RANK = {Level.LOW: 0, Level.MEDIUM: 1, Level.HIGH: 2}

# What the system can compute itself. `social:<column>` reads the contract's social table.
DERIVED = {
    "diagnostics:mean": "средний процент выполнения диагностики профессиональных дефицитов педагогов школы",
    "results:vpr_share_2": "доля отметок «2» по ВПР школы за год",
    "identification:isb": "ИСБ школы по последнему расчёту идентификации",
}

# Answer kinds of a questionnaire item and how answers aggregate into the parameter's value.
Answer = Literal["yes_no", "scale5", "percent"]


class Parameter(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str = Field(pattern=r"^R\d{2}\.\d{1,2}$")
    title: str
    source: Source
    # How the system derives the value from data it holds (see DERIVED), else it comes from the
    # survey table or the questionnaires.
    derive: str | None = None
    scale: Literal["share", "scale5"] = "share"
    direction: Literal["higher_is_risk", "lower_is_risk"]
    threshold: float
    # The questionnaire item, for parameters a questionnaire collects.
    question: str | None = None
    answer: Answer | None = None
    # Evaluate this parameter only when another parameter is past its threshold (e.g. extra
    # Russian lessons matter only where many pupils are not native speakers).
    requires: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Parameter:
        if self.derive is not None and not (self.derive in DERIVED or self.derive.startswith("social:")):
            raise ValueError(f"{self.code}: неизвестный источник расчёта «{self.derive}»")
        if self.source in GROUPS and self.derive is None and (self.question is None or self.answer is None):
            raise ValueError(f"{self.code}: параметр анкеты требует вопроса (question) и вида ответа (answer)")
        if self.answer == "scale5" and self.scale != "scale5":
            raise ValueError(f"{self.code}: ответ по пятибалльной шкале требует scale: scale5")
        if self.answer in ("yes_no", "percent") and self.scale != "share":
            raise ValueError(f"{self.code}: ответ «да/нет» или процент даёт долю (scale: share)")
        return self

    def past(self, value: float) -> bool:
        """Is `value` on the risky side of the threshold (the threshold itself is not risky)?"""
        if self.direction == "higher_is_risk":
            return value > self.threshold
        return value < self.threshold


class Factor(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str = Field(pattern=r"^R\d{2}$")
    title: str
    parameters: list[Parameter] = Field(min_length=1)
    # Measures that address this risk (the activities an anti-risk programme starts from).
    measures: list[str] = Field(default_factory=list)


class Catalogue(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: str
    title: str
    factors: list[Factor] = Field(min_length=1)
    # Shares of a factor's measured parameters past threshold that make it high and medium.
    high: float = Field(default=2 / 3, gt=0, le=1)
    medium: float = Field(default=1 / 3, gt=0, le=1)
    fix_level: Level = Level.HIGH

    @model_validator(mode="after")
    def _consistent(self) -> Catalogue:
        if self.medium > self.high:
            raise ValueError("порог среднего уровня фактора не может быть выше порога высокого")
        codes = [p.code for f in self.factors for p in f.parameters]
        duplicates = sorted({c for c in codes if codes.count(c) > 1})
        if duplicates:
            raise ValueError(f"коды параметров повторяются: {', '.join(duplicates)}")
        for factor in self.factors:
            for p in factor.parameters:
                if not p.code.startswith(factor.code + "."):
                    raise ValueError(f"параметр {p.code} не относится к фактору {factor.code}")
                if p.requires is not None and p.requires not in codes:
                    raise ValueError(f"{p.code}: условие ссылается на неизвестный параметр {p.requires}")
        return self

    def parameters(self) -> list[Parameter]:
        return [p for f in self.factors for p in f.parameters]

    def parameter(self, code: str) -> Parameter:
        for p in self.parameters():
            if p.code == code:
                return p
        raise KeyError(code)

    def factor(self, code: str) -> Factor:
        for f in self.factors:
            if f.code == code:
                return f
        raise KeyError(code)

    def questionnaire(self, group: Source) -> list[Parameter]:
        return [p for p in self.parameters() if p.source == group and p.derive is None]


def parse_catalogue(text: str) -> Catalogue:
    """A risk catalogue from its YAML text."""
    return Catalogue.model_validate(yaml.safe_load(text))


# The built-in «500+» catalogue (act 004, appendix): its file is read by shnor.presets, which hands
# in how to get it when imported; it is read on first use, once.
_default: Callable[[], Catalogue] | None = None


def provide_default_catalogue(get: Callable[[], Catalogue]) -> None:
    global _default
    _default = get


def default_catalogue() -> Catalogue:
    if _default is None:
        raise LookupError("the built-in risk catalogue is read by shnor.presets: import it first")
    return _default()


# --- the profile ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ParameterResult:
    code: str
    value: float | None
    threshold: float
    past: bool | None  # None: no value, or not applicable (`requires` not met)
    median: float | None = None
    respondents: int | None = None


@dataclass(frozen=True)
class FactorResult:
    code: str
    level: Level | None  # None: no parameter measured
    past: int
    measured: int
    fixed: bool

    @property
    def share(self) -> float | None:
        return self.past / self.measured if self.measured else None


@dataclass(frozen=True)
class Profile:
    catalogue_version: str
    parameters: dict[str, ParameterResult]
    factors: dict[str, FactorResult]
    fixed: list[str] = field(default_factory=list)

    @property
    def completeness(self) -> float:
        """The share of the catalogue's parameters that have a value."""
        if not self.parameters:
            return 0.0
        return sum(r.value is not None for r in self.parameters.values()) / len(self.parameters)


def level_of(share: float, catalogue: Catalogue) -> Level:
    if share >= catalogue.high - 1e-9:
        return Level.HIGH
    if share >= catalogue.medium - 1e-9:
        return Level.MEDIUM
    return Level.LOW


def profile(
    catalogue: Catalogue,
    values: Mapping[str, float | None],
    medians: Mapping[str, float | None] | None = None,
    respondents: Mapping[str, int | None] | None = None,
) -> Profile:
    """The profile of one school from its parameter values (codes the catalogue does not know
    are ignored; a missing code means not measured)."""
    medians = medians or {}
    respondents = respondents or {}
    raw: dict[str, bool | None] = {}
    for p in catalogue.parameters():
        value = values.get(p.code)
        raw[p.code] = None if value is None or math.isnan(value) else p.past(value)
    parameters: dict[str, ParameterResult] = {}
    for p in catalogue.parameters():
        value = values.get(p.code)
        value = None if value is None or math.isnan(value) else float(value)
        past = raw[p.code]
        if p.requires is not None and raw.get(p.requires) is not True:
            past = None  # not applicable: the condition it depends on is not met or not measured
        parameters[p.code] = ParameterResult(
            p.code, value, p.threshold, past, medians.get(p.code), respondents.get(p.code)
        )
    factors: dict[str, FactorResult] = {}
    fixed: list[str] = []
    for f in catalogue.factors:
        judged = [parameters[p.code].past for p in f.parameters if parameters[p.code].past is not None]
        past_count = sum(1 for j in judged if j)
        level = level_of(past_count / len(judged), catalogue) if judged else None
        is_fixed = level is not None and LEVEL_RANK[level] >= LEVEL_RANK[catalogue.fix_level]
        factors[f.code] = FactorResult(f.code, level, past_count, len(judged), is_fixed)
        if is_fixed:
            fixed.append(f.code)
    return Profile(catalogue.version, parameters, factors, fixed)


def medians(rows: Sequence[Mapping[str, float | None]], catalogue: Catalogue) -> dict[str, float | None]:
    """The regional median of each parameter over the schools that have a value."""
    result: dict[str, float | None] = {}
    for p in catalogue.parameters():
        present = [float(v) for r in rows if (v := r.get(p.code)) is not None and not math.isnan(v)]
        result[p.code] = statistics.median(present) if present else None
    return result


@dataclass(frozen=True)
class FactorChange:
    code: str
    before: Level | None
    after: Level | None

    @property
    def direction(self) -> int:
        """+1 the risk grew, −1 it fell, 0 unchanged or not comparable."""
        if self.before is None or self.after is None:
            return 0
        return (LEVEL_RANK[self.after] > LEVEL_RANK[self.before]) - (LEVEL_RANK[self.after] < LEVEL_RANK[self.before])


def changes(before: Mapping[str, Level | None], after: Mapping[str, Level | None]) -> list[FactorChange]:
    """Factor by factor, the level in an earlier profile and in a later one."""
    codes = list(dict.fromkeys([*after, *before]))
    return [FactorChange(c, before.get(c), after.get(c)) for c in codes]


# --- questionnaire answers → parameter values ---------------------------------------------------


def aggregate_answers(
    parameters: Sequence[Parameter], responses: Sequence[Mapping[str, object]]
) -> dict[str, tuple[float, int]]:
    """The value of each parameter from the answers of one respondent group, and how many
    answered it. yes_no → share of «yes»; scale5 → mean; percent (0–100) → mean share.
    Unanswered items do not count."""
    result: dict[str, tuple[float, int]] = {}
    for p in parameters:
        answers: list[float] = []
        for response in responses:
            raw = response.get(p.code)
            if raw is None or raw == "":
                continue
            if p.answer == "yes_no":
                answers.append(1.0 if raw in (True, "yes", "1", 1) else 0.0)
            elif p.answer == "scale5":
                answers.append(_number(raw))
            elif p.answer == "percent":
                answers.append(_number(raw) / 100.0)
        if answers:
            result[p.code] = (sum(answers) / len(answers), len(answers))
    return result


def _number(raw: object) -> float:
    """An answer's number: as given (an int or a float of JSON), else read from its text."""
    return float(raw) if isinstance(raw, int | float) else float(str(raw))


def heat_band(count: int, of: int) -> int:
    """The shade of a cell of the district heat map: 0 when no school has the risk; else the quarter
    of the district's schools it reaches — 1 below a quarter, 2 below a half, 3 below three
    quarters, 4 from three quarters on. A single school of many is never left unshaded (a display
    convention of the system, not a rule of the acts)."""
    if count <= 0 or of <= 0:
        return 0
    return min(4, 1 + (4 * count) // of)
