"""System indicators (act 004 §3 and the presets' own targets): what each one counts, its target
and the arithmetic of a value and its drill-down. Pure: no Django.

A value is never typed in. The app lists the units an indicator counts over — schools of the list,
their teachers, agreements, events — each marked counted or not, with its school and municipality;
the value is the share (or the number) of counted units, and any drill-down by municipality or
school sums back to it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Kind = Literal["share", "count"]


@dataclass(frozen=True)
class Definition:
    code: str
    title: str
    kind: Kind
    counts: str  # what the units are, for the drill-down's heading
    source: str  # the act (docs/sources.md) or preset it comes from


SYSTEM: dict[str, Definition] = {
    d.code: d
    for d in (
        Definition(
            "1.1", "Доля школ, для которых рассчитаны ИОР и ИСБ", "share", "школы региона", "приказ № 616, п. 1.1"
        ),
        Definition(
            "1.2",
            "Доля ШНОР и ШНСУ, показавших положительную динамику ИОР за год",
            "share",
            "школы списка",
            "приказ № 616, п. 1.2",
        ),
        Definition(
            "1.3.1",
            "Доля педагогов ШНОР и ШНСУ, прошедших диагностику профессиональных дефицитов",
            "share",
            "педагоги школ списка",
            "приказ № 616, п. 1.3",
        ),
        Definition(
            "1.3.2",
            "Доля педагогов ШНОР и ШНСУ с положительной динамикой по результатам повторной диагностики",
            "share",
            "педагоги школ списка, прошедшие диагностику дважды",
            "приказ № 616, п. 1.3",
        ),
        Definition(
            "1.4.1",
            "Доля педагогов и управленческих кадров ШНОР и ШНСУ, для которых разработаны ИОМ",
            "share",
            "педагоги школ списка",
            "приказ № 616, п. 1.4",
        ),
        Definition(
            "1.4.2",
            "Доля ШНОР и ШНСУ, вовлечённых в сетевое взаимодействие со школами-кураторами",
            "share",
            "школы списка",
            "приказ № 616, п. 1.4",
        ),
        Definition(
            "1.4.3",
            "Доля ШНОР и ШНСУ, управленческие команды которых повысили квалификацию",
            "share",
            "школы списка",
            "приказ № 616, п. 1.4",
        ),
        Definition(
            "trained_per_school",
            "Доля ШНОР и ШНСУ, где повышение квалификации прошли не менее {n} педагогов",
            "share",
            "школы списка",
            "целевые показатели пресета",
        ),
        Definition(
            "trained_total",
            "Педагоги ШНОР и ШНСУ, прошедшие повышение квалификации за год",
            "count",
            "педагоги, прошедшие курсы",
            "целевые показатели пресета",
        ),
        Definition(
            "agreements",
            "Заключено соглашений о сотрудничестве (партнёрских договоров)",
            "count",
            "соглашения",
            "целевые показатели пресета",
        ),
        Definition(
            "events",
            "Проведено региональных мероприятий сети сопровождения",
            "count",
            "мероприятия",
            "целевые показатели пресета",
        ),
        # Acts 001 and 003 name their own targets; computed only where the preset sets them.
        Definition(
            "infrastructure",
            "Доля муниципалитетов с муниципальной инфраструктурой информационно-методической помощи школам",
            "share",
            "муниципалитеты",
            "целевые показатели пресета",
        ),
        Definition(
            "courses",
            "Адресные курсы повышения квалификации, оконченные педагогами ШНОР и ШНСУ за год (программ)",
            "count",
            "программы курсов",
            "целевые показатели пресета",
        ),
        Definition(
            "school_events",
            "Краткосрочные мероприятия на базе школ за год",
            "count",
            "мероприятия школьного уровня",
            "целевые показатели пресета",
        ),
        Definition(
            "seminar",
            "Межрегиональные семинары не менее чем с {n} участниками за год",
            "count",
            "межрегиональные мероприятия",
            "целевые показатели пресета",
        ),
        Definition(
            "programmes_register",
            "Доля ШНОР и ШНСУ, реализующих программы перевода в эффективный режим, в общем количестве школ",
            "share",
            "школы",
            "целевые показатели пресета",
        ),
        Definition(
            "programmes_successful",
            "Доля ШНОР и ШНСУ, успешно реализовавших программы (выход из программы), в общем количестве школ",
            "share",
            "школы",
            "целевые показатели пресета",
        ),
        Definition(
            "interschool_events",
            "Доля ШНОР и ШНСУ, участвующих в межшкольных методических мероприятиях, в общем количестве школ",
            "share",
            "школы",
            "целевые показатели пресета",
        ),
        Definition(
            "dissemination",
            "Доля ШНОР и ШНСУ, участвующих в диссеминации опыта, в общем количестве школ",
            "share",
            "школы",
            "целевые показатели пресета",
        ),
        Definition(
            "parents",
            "Доля ШНОР и ШНСУ, где доля родителей, неудовлетворённых преподаванием, снизилась за год",
            "share",
            "школы списка с анкетами родителей за два года",
            "целевые показатели пресета",
        ),
    )
}


ACT_TARGETS = (
    "infrastructure",
    "courses",
    "school_events",
    "seminar",
    "programmes_register",
    "programmes_successful",
    "interschool_events",
    "dissemination",
)


class Indicators(BaseModel):
    """The preset's targets of the system indicators (percent for a share, a number for a count). An
    act that names no number leaves the target to the operator; the preset then carries the region's
    own figure and says so in `note`. A preset without targets borrows none from another act: its
    indicators show «цель не задана» until the operator sets the year's targets.

    The indicators of ACT_TARGETS are computed only where the preset sets their target (they are
    one act's own); `sources` quotes the act for a target (here or in support.targets), shown as
    the indicator's basis."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    targets: dict[str, float] = Field(default_factory=dict)
    sources: dict[str, str] = Field(default_factory=dict)
    note: str = ""
    # The «seminar» indicator counts interregional events with at least this many participants
    # (act 001, разд. 5, п. 8: «не менее 40 участников»).
    seminar_participants: int = Field(default=40, ge=1)

    @model_validator(mode="after")
    def _known(self) -> Indicators:
        unknown = sorted(set(self.targets) - set(SYSTEM))
        if unknown:
            raise ValueError(f"indicators.targets: неизвестные показатели {', '.join(unknown)}")
        orphan = sorted(set(self.sources) - set(SYSTEM))
        if orphan:
            raise ValueError(f"indicators.sources: неизвестные показатели {', '.join(orphan)}")
        return self


STATUS_TITLES = {
    "met": "достигнуто",
    "not_met": "не достигнуто",
    "no_data": "нет данных",
    "no_target": "цель не задана",
}


@dataclass(frozen=True)
class Unit:
    """One member of what an indicator counts over."""

    key: str  # a school code, a teacher's pseudonymous code, an agreement's number
    label: str
    school: str  # the school's code
    school_name: str
    municipality: str
    counted: bool
    detail: str = ""
    person: bool = False  # a teacher: shown only to those who may open the teacher's record


@dataclass(frozen=True)
class Row:
    name: str
    key: str
    numerator: int
    denominator: int
    value: float | None


@dataclass
class Value:
    definition: Definition
    title: str
    year: int
    target: float | None
    units: list[Unit] = field(default_factory=list)
    basis: str = ""  # the act's clause the preset quotes for this indicator's target

    @property
    def source(self) -> str:
        return self.basis or self.definition.source

    @property
    def number(self) -> str:
        """The act's number of the indicator (1.1–1.4.3); a preset's own indicator has none."""
        code = self.definition.code
        return code if code[:1].isdigit() else ""

    @cached_property
    def numerator(self) -> int:
        """Counted once: a country's indicator has 40,000 units and a page asks several times."""
        return sum(1 for u in self.units if u.counted)

    @property
    def denominator(self) -> int:
        return len(self.units)

    @property
    def value(self) -> float | None:
        return value_of(self.definition.kind, self.numerator, self.denominator)

    @property
    def unit(self) -> str:
        return "%" if self.definition.kind == "share" else ""

    @property
    def status_title(self) -> str:
        return STATUS_TITLES[self.status]

    @property
    def status(self) -> str:
        """met / not_met / no_data / no_target."""
        if self.value is None:
            return "no_data"
        if self.target is None:
            return "no_target"
        return "met" if self.value >= self.target - 1e-9 else "not_met"

    def by(self, level: Literal["municipality", "school"]) -> list[Row]:
        """The drill-down: numerators and denominators per municipality or per school sum to the
        indicator's own."""
        return drill(self.definition.kind, self.units, level)


def value_of(kind: Kind, numerator: int, denominator: int) -> float | None:
    if kind == "count":
        return float(numerator)
    return None if denominator == 0 else round(100.0 * numerator / denominator, 1)


def drill(kind: Kind, units: Iterable[Unit], level: Literal["municipality", "school"]) -> list[Row]:
    groups: dict[tuple[str, str], list[Unit]] = {}
    for u in units:
        group = (u.municipality, u.municipality) if level == "municipality" else (u.school_name, u.school)
        groups.setdefault(group, []).append(u)
    rows = []
    for (name, key), members in sorted(groups.items()):
        num = sum(1 for u in members if u.counted)
        rows.append(Row(name, key, num, len(members), value_of(kind, num, len(members))))
    return rows
