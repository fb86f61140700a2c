"""The schemas of the cycle's goals and tasks, the indicators' targets and the analysis's conclusions.

No `from __future__ import annotations` in the schema modules: django-ninja reads the annotations at import.
"""

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
