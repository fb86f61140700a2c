"""The schemas of the cycle's goals and tasks, the indicators' targets and the analysis's conclusions.

No `from __future__ import annotations` in the schema modules: django-ninja reads the annotations at import.
"""

import datetime as dt

from ninja import Field, Schema

from shnor.api.schemas import In, Number
from shnor.api.schemas.indicators import SystemIndicatorOut


class CycleGoalsOut(Schema):
    year: int
    municipality: str | None
    goal: list[str]
    tasks: list[str]
    from_preset: bool = Field(description="ещё не сохранены: формулировки учредительного документа (пресета)")
    source: str


class CycleGoalsIn(In):
    goal: list[str]
    tasks: list[str]


class CycleTargetOut(Schema):
    code: str
    value: float | None
    source: str


class CycleTargetsIn(In):
    targets: dict[str, Number | None] = Field(description="код показателя → цель (null — значение пресета)")


class DirectionOut(Schema):
    code: str
    title: str
    figures: list[tuple[str, str]]
    indicators: list[SystemIndicatorOut]
    conclusion: str | None


class ConclusionIn(In):
    text: str


class CyclogramLineOut(Schema):
    code: str
    title: str
    period: str = Field(description="месяцы рабочего года, словами")
    start: dt.date = Field(description="первый день срока")
    end: dt.date = Field(description="последний день срока")
    status: str = Field(description="planned, in_progress, done, done_late, overdue, outside")
    status_title: str
    done_on: dt.date | None
    evidence: str = Field(description="что в системе подтвердило пункт")
    source: str = Field(description="пункт акта, из которого взят срок")
    responsible: str


class CyclogramOut(Schema):
    year: int
    title: str
    preset: str = Field(description="действующий акт (пресет)")
    lines: list[CyclogramLineOut]
