"""Programmes, their templates, monitoring arithmetic and exit rules. Pure: no Django.

* Templates come from the preset: a programme's goal, tasks, phases of activities with deadlines
  as month offsets from the programme's start, indicators (with a binding when the system computes
  the value), and the steps of a regulation (Ivanovo's seven steps).
* `expected` and `on_track`: an indicator is off track when its actual value is on the wrong side
  of the straight line from the baseline at the start to the target at the end.
* `effective_status`: an activity not done or cancelled by its deadline is overdue.
* `ExitRule.evaluate`: which exit conditions hold for a school, from the evidence the app gathers.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
import re
from dataclasses import dataclass
from typing import Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, model_validator

Level = Literal["region", "municipality", "school", "anti_risk"]
Direction = Literal["higher_better", "lower_better"]

# Values an indicator can be bound to; `risk:R01` is a factor's level (0 low, 1 medium, 2 high),
# `param:R01.2` a parameter's value in the latest risk profile.
BINDINGS = {
    "ior": "ИОР школы по последнему расчёту идентификации",
    "isb": "ИСБ школы по последнему расчёту идентификации",
    "value_added": "добавленная ценность школы по последнему расчёту",
    "fixed_risks": "число зафиксированных рисков в последнем рисковом профиле",
    "activities_done": "доля выполненных мероприятий программы",
}
BINDING_PATTERN = re.compile(r"^(ior|isb|value_added|fixed_risks|activities_done|risk:R\d{2}|param:R\d{2}\.\d{1,2})$")


class ActivityTemplate(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str
    responsible: str = ""
    # Deadline: the end of the month `months` after the programme's start (0 = the start month).
    months: int = Field(default=0, ge=0, le=60)
    # A period of two dates in the act («март-апрель», «сентябрь 2020 — май 2021»): it starts on the
    # first day of the month `from_months` after the programme's start; None — a deadline only.
    from_months: int | None = Field(default=None, ge=0, le=60)
    result: str = ""

    @model_validator(mode="after")
    def _period(self) -> ActivityTemplate:
        if self.from_months is not None and self.from_months > self.months:
            raise ValueError(f"начало периода (месяц {self.from_months}) позже срока (месяц {self.months})")
        return self


class PhaseTemplate(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str
    activities: list[ActivityTemplate] = Field(min_length=1)


class IndicatorTemplate(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str
    unit: str = ""
    baseline: float | None = None
    target: float
    direction: Direction = "higher_better"
    binding: str | None = None
    source: str = ""

    @model_validator(mode="after")
    def _binding(self) -> IndicatorTemplate:
        if self.binding is not None and not BINDING_PATTERN.match(self.binding):
            raise ValueError(f"неизвестная привязка показателя «{self.binding}»")
        return self


class ProgrammeTemplate(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    title: str
    level: Level
    goal: str
    tasks: list[str] = Field(default_factory=list)
    months: int = Field(default=12, ge=1, le=60)
    regulation: list[str] = Field(default_factory=list)
    phases: list[PhaseTemplate] = Field(default_factory=list)
    indicators: list[IndicatorTemplate] = Field(default_factory=list)
    source: str = ""

    def activity_count(self) -> int:
        return sum(len(p.activities) for p in self.phases)


def month_start(start: dt.date, months: int) -> dt.date:
    """The first day of the month `months` after `start`'s month."""
    year, month = divmod(start.year * 12 + start.month - 1 + months, 12)
    return dt.date(year, month + 1, 1)


def month_end(start: dt.date, months: int) -> dt.date:
    """The last day of the month `months` after `start`'s month."""
    index = start.year * 12 + start.month - 1 + months
    year, month = divmod(index, 12)
    return dt.date(year, month + 1, calendar.monthrange(year, month + 1)[1])


# --- monitoring arithmetic ---------------------------------------------------------------------


def expected(baseline: float, target: float, start: dt.date, end: dt.date, on: dt.date) -> float:
    """The value on the straight line from the baseline at `start` to the target at `end`."""
    if end <= start:
        return target
    elapsed = min(max((on - start).days / (end - start).days, 0.0), 1.0)
    return baseline + (target - baseline) * elapsed


def reached(direction: Direction, actual: float, target: float) -> bool:
    return actual >= target if direction == "higher_better" else actual <= target


def on_track(
    direction: Direction,
    actual: float | None,
    baseline: float | None,
    target: float,
    start: dt.date,
    end: dt.date,
    on: dt.date,
) -> bool | None:
    """None when it cannot be judged (no actual value or no baseline)."""
    if actual is None:
        return None
    if reached(direction, actual, target):
        return True
    if baseline is None:
        return None if on < end else False
    line = expected(baseline, target, start, end, on)
    return actual >= line if direction == "higher_better" else actual <= line


ActivityStatus = Literal["planned", "in_progress", "done", "overdue", "cancelled"]


def effective_status(status: str, deadline: dt.date | None, today: dt.date) -> str:
    """An activity neither done nor cancelled after its deadline is overdue."""
    if status in ("planned", "in_progress") and deadline is not None and deadline < today:
        return "overdue"
    return status


# --- exit --------------------------------------------------------------------------------------

Condition = Literal["ior_positive", "indicators_on_target", "no_objectivity_signs", "risks_reduced", "outsider_exit"]

CONDITION_TITLES = {
    "ior_positive": "положительная динамика ИОР",
    "indicators_on_target": "достигнуты цели показателей программы",
    "outsider_exit": "выход из группы «аутсайдеров» по показателям диагностики",
    "no_objectivity_signs": "нет признаков необъективных результатов",
    "risks_reduced": "число зафиксированных рисков снизилось",
}


class ExitRule(BaseModel):
    """All of `all_of` must hold and, when `any_of` is not empty, at least one of it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    all_of: list[Condition] = Field(default_factory=lambda: list[Condition](["ior_positive"]))
    any_of: list[Condition] = Field(default_factory=list)
    # indicators_on_target: how many programme indicators must have reached their targets.
    min_indicators: int = Field(default=3, ge=1)
    # ior_positive: the rise of ИОР needed (in pupil SDs), and whether it must also exceed its
    # measurement error — `error_z` standard errors of the difference of the two estimates (1.645:
    # a one-sided 95 % test), so that noise is not taken for progress. No act gives these numbers:
    # they are the operator's settings (docs/methodology.md, section 13).
    ior_delta: float = 0.0
    beyond_error: bool = True
    error_z: float = Field(default=1.645, gt=0)

    def conditions(self) -> list[Condition]:
        return list(dict.fromkeys([*self.all_of, *self.any_of]))


@dataclass(frozen=True)
class ExitEvidence:
    ior_before: float | None
    ior_after: float | None
    ior_se: float | None
    indicators_on_target: int
    indicators_total: int
    objectivity_flag: bool | None
    fixed_before: int | None
    fixed_after: int | None
    ior_se_before: float | None = None
    # outsider_exit: the works (diagnostic indicators) on which the school was an outsider at entry,
    # and those of them on which it no longer is; None without the data.
    outsider_before: int | None = None
    outsider_left: int | None = None


@dataclass(frozen=True)
class Rise:
    """A change of ИОР against what the rule needs: `needed` is the larger of `ior_delta` and, with
    `beyond_error`, `error_z` standard errors of the difference; `holds` is None without the data."""

    change: float | None
    needed: float | None
    holds: bool | None


def rise(
    rule: ExitRule, before: float | None, after: float | None, se_before: float | None, se_after: float | None
) -> Rise:
    """Whether ИОР rose beyond the rule's threshold. The standard error of the difference of two
    independent estimates is √(se₁² + se₂²); with only one known, that one alone is used."""
    if before is None or after is None:
        return Rise(None, None, None)
    change = after - before
    needed = rule.ior_delta
    if rule.beyond_error:
        known = [se for se in (se_before, se_after) if se is not None]
        if not known:
            return Rise(change, None, None)
        needed = max(needed, rule.error_z * math.sqrt(sum(se * se for se in known)))
    return Rise(change, needed, change > needed)


def rule_text(rule: ExitRule) -> str:
    """The rule in words, as the exit page and the order state it."""
    text = "; ".join(CONDITION_TITLES[c] for c in rule.all_of)
    if rule.any_of:
        text += "; а также одно из: " + ", ".join(CONDITION_TITLES[c] for c in rule.any_of)
    if "indicators_on_target" in rule.conditions():
        text += f" (показателей — не меньше {rule.min_indicators})"
    if "outsider_exit" in rule.conditions():
        text += (
            f" (не менее чем по {rule.min_indicators} показателям; школа, бывшая аутсайдером по меньшему числу, — "
            "по всем своим)"
        )
    if "ior_positive" in rule.conditions():
        if rule.beyond_error:
            text += (
                f" (рост ИОР больше {_decimal(rule.error_z, 3)} стандартной ошибки разности"
                + (f" и больше {_decimal(rule.ior_delta, 2)}" if rule.ior_delta else "")
                + ")"
            )
        elif rule.ior_delta:
            text += f" (рост ИОР больше {_decimal(rule.ior_delta, 2)})"
    return text


def _decimal(value: float, digits: int) -> str:
    return f"{value:.{digits}f}".rstrip("0").rstrip(".").replace(".", ",")


def basis(rule: ExitRule, e: ExitEvidence, checks: dict[str, bool | None]) -> str:
    """The actual basis of one school's exit, in words and figures, for the order's appendix: what
    each condition of the rule found."""
    parts = []
    for condition, value in checks.items():
        if condition == "ior_positive":
            r = rise(rule, e.ior_before, e.ior_after, e.ior_se_before, e.ior_se)
            if r.change is None:
                parts.append("ИОР: нет данных за оба срока")
            else:
                needed = f" при пороге {_decimal(r.needed, 2)}" if r.needed is not None else " (ошибка неизвестна)"
                word = "вырос" if r.change > 0 else "не вырос"
                parts.append(f"ИОР {word}: {_signed(r.change)}{needed}")
        elif condition == "outsider_exit":
            if e.outsider_before is None or e.outsider_left is None:
                parts.append("группа «аутсайдеров»: нет данных")
            else:
                parts.append(
                    f"вышла из группы «аутсайдеров» по {e.outsider_left} из {e.outsider_before} показателей "
                    f"(нужно {outsider_needed(rule, e.outsider_before)})"
                )
        elif condition == "indicators_on_target":
            parts.append(
                f"показателей достигнуто {e.indicators_on_target} из {e.indicators_total} (нужно не менее {rule.min_indicators})"
            )
        elif condition == "no_objectivity_signs":
            parts.append(
                {
                    True: "признаков необъективности нет",
                    False: "есть признаки необъективности",
                    None: "признаки необъективности: нет данных",
                }[value]
            )
        else:
            if e.fixed_before is None or e.fixed_after is None:
                parts.append("риски: нет данных")
            else:
                parts.append(f"зафиксированных рисков {e.fixed_before} → {e.fixed_after}")
    return "; ".join(parts)


def _signed(value: float) -> str:
    return ("+" if value > 0 else "−" if value < 0 else "") + _decimal(abs(value), 2)


def title_reason(rule: ExitRule) -> str:
    """What the order's title says the schools leave for: the rule's own ground, not a fixed phrase."""
    if "outsider_exit" in rule.all_of:
        return "в связи с выходом из группы «аутсайдеров»"
    if "indicators_on_target" in rule.all_of:
        return "в связи с достижением показателей программы"
    if "ior_positive" in rule.all_of:
        return "в связи с положительной динамикой образовательных результатов"
    return "в связи с выполнением условий выхода из программы"


def outsider_needed(rule: ExitRule, before: int) -> int:
    """Act 002: «Выход из группы аутсайдеров не менее чем по трем показателям диагностики»; a school
    that was an outsider on fewer works leaves on all of them (interpretation)."""
    return max(1, min(rule.min_indicators, before))


def outsider_works(frame: pd.DataFrame, share: float) -> dict[str, set[tuple[str, str, int]]]:
    """The works on which each school is an outsider: its standardised result `z` on the work is in
    the lowest `share` of the schools that wrote it (columns school_id, procedure, subject, grade, z)."""
    out: dict[str, set[tuple[str, str, int]]] = {}
    known = frame[frame["z"].notna()]
    for (procedure, subject, grade), work in known.groupby(["procedure", "subject", "grade"]):
        cut = work["z"].quantile(share)
        for school in work.loc[work["z"] <= cut, "school_id"]:
            out.setdefault(str(school), set()).add((str(procedure), str(subject), int(grade)))
    return out


def check(condition: Condition, rule: ExitRule, e: ExitEvidence) -> bool | None:
    """True / False, or None when the evidence for it is missing."""
    if condition == "ior_positive":
        return rise(rule, e.ior_before, e.ior_after, e.ior_se_before, e.ior_se).holds
    if condition == "outsider_exit":
        if e.outsider_before is None or e.outsider_left is None or e.outsider_before == 0:
            return None
        return e.outsider_left >= outsider_needed(rule, e.outsider_before)
    if condition == "indicators_on_target":
        if e.indicators_total == 0:
            return None
        return e.indicators_on_target >= rule.min_indicators
    if condition == "no_objectivity_signs":
        return None if e.objectivity_flag is None else not e.objectivity_flag
    if e.fixed_before is None or e.fixed_after is None:
        return None
    return e.fixed_after < e.fixed_before


def evaluate(rule: ExitRule, evidence: ExitEvidence) -> tuple[bool, dict[str, bool | None]]:
    results: dict[str, bool | None] = {c: check(c, rule, evidence) for c in rule.conditions()}
    ok = all(results[c] is True for c in rule.all_of)
    if rule.any_of:
        ok = ok and any(results[c] is True for c in rule.any_of)
    return ok, results
