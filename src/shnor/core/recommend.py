"""Drafts of addressed recommendations (act 004 §7) from the figures: what is off target, by how
much, compared with whom, and what the catalogue of measures suggests. Pure: no Django.

A draft is two numbered lists — findings and actions — that a person then edits. Every finding
names its figure and the figure it is compared with; every action comes from a rule below (an
indicator below target) or from the risk catalogue's measures of a factor at a high level.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from shnor.core.indicators import Row, Value
from shnor.core.numbers import number, plural

# What to do when a system indicator is below its target (act 004 §8, the measures).
ACTIONS: dict[str, str] = {
    "1.1": "Обеспечить полноту и своевременность представления данных об оценочных процедурах и социальном "
    "контексте всех школ для расчёта ИОР и ИСБ.",
    "1.2": "Проанализировать причины отсутствия положительной динамики ИОР в школах перечня; актуализировать "
    "программы повышения качества образования этих школ с учётом их рисковых профилей.",
    "1.3.1": "Организовать прохождение диагностики профессиональных дефицитов всеми педагогами школ перечня.",
    "1.3.2": "Направить педагогов, не показавших положительной динамики, на обучение по адресным программам "
    "повышения квалификации с учётом выявленных дефицитов; провести повторную диагностику.",
    "1.4.1": "Обеспечить разработку индивидуальных образовательных маршрутов для педагогов и управленческих кадров "
    "на основе результатов диагностики профессиональных дефицитов.",
    "1.4.2": "Вовлечь школы перечня в сетевое взаимодействие со школами-кураторами (сетевые пары, управленческое "
    "менторство).",
    "1.4.3": "Направить управленческие команды школ перечня на обучение по программам повышения квалификации по "
    "вопросам эффективности управления качеством образования.",
    "trained_per_school": "Обеспечить повышение квалификации педагогов каждой школы перечня в объёме, "
    "установленном программой.",
    "trained_total": "Обеспечить повышение квалификации педагогов школ перечня в объёме, установленном программой.",
    "agreements": "Заключить соглашения о сотрудничестве между школами-кураторами и школами перечня.",
    "events": "Провести мероприятия по обмену опытом работы со школами с низкими результатами обучения.",
}


@dataclass(frozen=True)
class Gap:
    """An indicator below its target, with the figure it is compared with."""

    code: str
    title: str
    value: float
    target: float
    unit: str  # "%" or ""
    reference: float | None = None
    reference_label: str = ""

    @property
    def shortfall(self) -> float:
        return self.target - self.value

    def sentence(self) -> str:
        digits = 1 if self.unit else 0
        points = " п. п." if self.unit else ""
        unit = f" {self.unit}" if self.unit else ""
        text = (
            f"Показатель {self.code} «{self.title}»: {number(self.value, digits)}{unit} при целевом значении "
            f"{number(self.target, digits)}{unit} (ниже цели на {number(self.shortfall, digits)}{points})"
        )
        if self.reference is not None and self.reference_label:
            text += f"; {self.reference_label} — {number(self.reference, digits)}{unit}"
        return text + "."


def gaps(values: Iterable[Value], reference: Mapping[str, float | None] | None = None, label: str = "") -> list[Gap]:
    """The indicators that have a value and a target and miss it, largest relative shortfall first.
    `reference`: the same indicators at the level above (the region), to compare with."""
    out = []
    for v in values:
        if v.status != "not_met" or v.value is None or v.target is None:
            continue
        ref = (reference or {}).get(v.definition.code)
        out.append(Gap(v.definition.code, v.title, v.value, v.target, v.unit, ref, label if ref is not None else ""))
    return _largest_first(out)


def _largest_first(gaps_: list[Gap]) -> list[Gap]:
    return sorted(gaps_, key=lambda g: (-(g.shortfall / g.target if g.target else g.shortfall), g.code))


def level_gaps(values: Iterable[Value], rows: Mapping[str, Mapping[str, Row]], key: str, label: str) -> list[Gap]:
    """The gaps of one municipality or school, read off the drill-down of the level above
    (`rows`: code → key → row): share indicators only — a count's target is set for the whole
    region, not for each part of it — each compared with the value of the level above."""
    out = []
    for v in values:
        if v.definition.kind != "share" or v.target is None:
            continue
        row = rows.get(v.definition.code, {}).get(key)
        if row is None or row.value is None or row.value >= v.target - 1e-9:
            continue
        out.append(
            Gap(v.definition.code, v.title, row.value, v.target, "%", v.value, label if v.value is not None else "")
        )
    return sorted(out, key=lambda g: (-(g.shortfall / g.target if g.target else g.shortfall), g.code))


@dataclass(frozen=True)
class Factor:
    """A risk factor of a school's profile at a high level, with the catalogue's measures."""

    title: str
    measures: tuple[str, ...] = ()


@dataclass(frozen=True)
class SchoolFacts:
    name: str
    ior: float | None = None
    threshold: float | None = None  # the run's ИОР cut-off
    peers: int = 0  # schools with a similar ИСБ
    peers_median: float | None = None  # their median ИОР
    models: tuple[str, ...] = ()  # resilient schools with a similar ИСБ: whom to learn from
    factors: tuple[Factor, ...] = ()
    gaps: tuple[Gap, ...] = ()
    curator: str = ""  # the approved curator of the year, if any


@dataclass(frozen=True)
class PairFacts:
    school: SchoolFacts
    consultations: int
    last: dt.date | None
    idle: bool
    rating: float | None


@dataclass
class Draft:
    findings: list[str] = field(default_factory=list)
    actions: list[str] = field(default_factory=list)

    def add_action(self, text: str) -> None:
        if text and text not in self.actions:
            self.actions.append(text)

    @staticmethod
    def numbered(lines: Sequence[str]) -> str:
        return "\n".join(f"{i}. {line}" for i, line in enumerate(lines, start=1))

    @property
    def findings_text(self) -> str:
        return self.numbered(self.findings)

    @property
    def actions_text(self) -> str:
        return self.numbered(self.actions)


def for_municipality(gaps_: Sequence[Gap], listed: int, idle_pairs: int, factors: Mapping[str, int]) -> Draft:
    """To a municipal authority: its indicators against target and the region, the listed schools'
    most frequent high risks, idle curator pairs."""
    draft = Draft()
    draft.findings.append(f"Школ муниципалитета в перечне ШНОР и ШНСУ: {listed}.")
    for g in gaps_:
        draft.findings.append(g.sentence())
        draft.add_action(ACTIONS.get(g.code, ""))
    common = sorted(factors.items(), key=lambda kv: (-kv[1], kv[0]))[:3]
    if common:
        draft.findings.append(
            "Наиболее частые факторы риска высокого уровня в школах перечня: "
            + "; ".join(f"«{title}» — в {n} {plural(n, 'школе', 'школах', 'школах')}" for title, n in common)
            + "."
        )
        draft.add_action(
            "Предусмотреть в муниципальной программе поддержки мероприятия по снижению рисков: "
            + ", ".join(f"«{title}»" for title, _ in common)
            + "."
        )
    if idle_pairs:
        draft.findings.append(f"Пар «школа-куратор — школа» без консультаций в установленный срок: {idle_pairs}.")
        draft.add_action("Проконтролировать работу школ-кураторов в парах, где консультации не проводятся.")
    if not gaps_ and not common and not idle_pairs:
        draft.findings.append("Все показатели системы с целевыми значениями достигнуты.")
        draft.add_action("Продолжить работу в соответствии с муниципальной программой; распространить опыт.")
    return draft


def _school_findings(facts: SchoolFacts, draft: Draft, prefix: str = "") -> None:
    if facts.ior is not None and facts.threshold is not None:
        side = "ниже порога" if facts.ior < facts.threshold else "не ниже порога: в перечне по другим основаниям"
        text = f"{prefix}ИОР школы {number(facts.ior, 2)} при пороге отбора {number(facts.threshold, 2)} ({side})"
        if facts.peers and facts.peers_median is not None:
            text += (
                f"; медиана ИОР школ со сходным социальным контекстом ({facts.peers} {plural(facts.peers, 'школа', 'школы', 'школ')}) — "
                f"{number(facts.peers_median, 2)}"
            )
        draft.findings.append(text + ".")
    if facts.models:
        draft.findings.append(
            f"{prefix}Школы со сходным социальным контекстом и высокими результатами (резильентные): "
            + ", ".join(facts.models)
            + "."
        )
        draft.add_action(f"Изучить практики резильентных школ: {', '.join(facts.models)}.")
    for f in facts.factors:
        draft.findings.append(f"{prefix}Высокий уровень фактора риска «{f.title}».")
        for m in f.measures:
            draft.add_action(m if not prefix else f"{prefix}{m}")


def for_school(facts: SchoolFacts) -> Draft:
    """To a school head: ИОР against the cut-off and against similar schools, high risks with the
    catalogue's measures, the school's own indicators, network interaction."""
    draft = Draft()
    _school_findings(facts, draft)
    for g in facts.gaps:
        draft.findings.append(g.sentence())
        draft.add_action(ACTIONS.get(g.code, ""))
    if facts.curator:
        draft.add_action(f"Использовать ресурсы школы-куратора ({facts.curator}) по выявленным направлениям.")
    if not draft.findings:
        draft.findings.append("Отклонений от целевых значений не выявлено.")
    return draft


def for_curator(pairs: Sequence[PairFacts], idle_weeks: int) -> Draft:
    """To a curator school: for each supported school, its risks and what the journal shows."""
    draft = Draft()
    for p in pairs:
        prefix = f"{p.school.name}: "
        _school_findings(p.school, draft, prefix)
        journal = f"{prefix}консультаций за год — {p.consultations}"
        if p.last:
            journal += f", последняя {p.last:%d.%m.%Y}"
        if p.rating is not None:
            journal += f", средняя оценка школы {number(p.rating, 1)} из 5"
        draft.findings.append(journal + ".")
        if p.idle:
            draft.add_action(
                f"{prefix}возобновить консультации: перерыв превышает {idle_weeks} нед.; согласовать график выездов."
            )
    if not pairs:
        draft.findings.append("Утверждённых пар на год нет.")
    return draft
